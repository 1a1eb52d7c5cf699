/**
 * Keeps blueline attached to bluetoothd through restarts: one BluezBus, the mirror and the agent.
 * bluetoothd gone (NameOwnerChanged to nobody): mirror cleared, `down`. Back: mirror rebuilt and
 * agent re-registered, then `up`. No bluetoothd at start is not an error. A failed bus connection is
 * retried with backoff.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { BluezBus } from './bus.js';
import { BluezMirror } from './mirror.js';
import { PairingAgent } from './agent.js';

export interface ConnectionOptions {
  logger: Logger;
  busAddress?: string;
  callTimeoutMs: number;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 30_000;

export class BluezConnection extends EventEmitter<{ up: []; down: [] }> {
  readonly mirror = new BluezMirror();
  readonly agent: PairingAgent;
  private bus: BluezBus | null = null;
  private up = false;
  private stopped = true;
  /** bumped on every loss, so a bring-up that raced a loss gives up */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private bringUpTimer: NodeJS.Timeout | undefined;
  private busRetryMs = RETRY_MIN_MS;
  private readonly log: Logger;

  constructor(private readonly options: ConnectionOptions) {
    super();
    this.log = options.logger;
    this.agent = new PairingAgent(this.log, (path) => this.mirror.props(path, 'org.bluez.Device1')?.Paired === true);
  }

  get available(): boolean {
    return this.up;
  }

  /** The live bus while bluetoothd is up. */
  get current(): BluezBus | null {
    return this.up ? this.bus : null;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.openBus();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.bringUpTimer);
    const bus = this.bus;
    if (bus && this.up) await this.agent.unregister(bus).catch((err: unknown) => this.log.debug({ err }, 'agent unregister failed'));
    this.generation++;
    this.up = false;
    this.bus = null;
    bus?.close();
    this.mirror.clear();
  }

  private async openBus(): Promise<void> {
    const bus = new BluezBus({ busAddress: this.options.busAddress, callTimeoutMs: this.options.callTimeoutMs });
    this.bus = bus;
    bus.on('signal', (msg) => this.mirror.onSignal(msg));
    bus.on('call', (msg) => this.agent.handle(bus, msg));
    bus.on('owner', (owner) => this.onOwner(bus, owner));
    bus.on('lost', (err) => this.onBusLost(bus, err));
    try {
      await bus.open();
    } catch (err) {
      this.onBusLost(bus, err);
      return;
    }
    this.busRetryMs = RETRY_MIN_MS;
    if (bus.owner) await this.bringUp(bus);
    else this.log.info('bluetoothd is not running; waiting for it to appear');
  }

  private onOwner(bus: BluezBus, owner: string | null): void {
    if (this.stopped || this.bus !== bus) return;
    this.goDown(owner ? 'bluetoothd was replaced' : 'bluetoothd went away');
    if (owner) void this.bringUp(bus);
  }

  /**
   * Rebuilds the mirror and registers the agent. Resolves after the first attempt either way;
   * while bluetoothd is still starting (or refuses us) it keeps retrying in the background.
   */
  private bringUp(bus: BluezBus): Promise<void> {
    const generation = this.generation;
    const started = Date.now();
    const stale = () => generation !== this.generation || this.stopped;
    return new Promise<void>((firstAttemptDone) => {
      const attempt = async (n: number): Promise<void> => {
        try {
          await this.mirror.rebuild(bus);
          await this.agent.register(bus);
        } catch (err) {
          if (!stale()) {
            if (n === 1) this.log.warn({ err }, 'bluetoothd is not ready for us yet; retrying');
            this.bringUpTimer = setTimeout(() => void attempt(n + 1), Math.min(RETRY_MIN_MS * n, 2000));
          }
          firstAttemptDone();
          return;
        }
        if (!stale()) {
          this.up = true;
          this.log.info({ adapters: this.mirror.adapters().map((a) => a.id), ms: Date.now() - started }, 'bluetoothd is up; pairing agent registered');
          this.emit('up');
        }
        firstAttemptDone();
      };
      void attempt(1);
    });
  }

  private goDown(why: string): void {
    this.generation++;
    clearTimeout(this.bringUpTimer);
    const wasUp = this.up;
    this.up = false;
    this.agent.expect(null);
    this.mirror.clear();
    if (wasUp) {
      this.log.info(why);
      this.emit('down');
    }
  }

  private onBusLost(bus: BluezBus, err: unknown): void {
    if (this.bus !== bus) return;
    bus.close();
    this.bus = null;
    this.goDown('lost the system bus connection');
    if (this.stopped) return;
    // Warn once per outage; the retries that follow are routine.
    const first = this.busRetryMs === RETRY_MIN_MS;
    this.log[first ? 'warn' : 'debug']({ err, retryInMs: this.busRetryMs }, 'cannot reach the system bus; will retry');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.openBus(), this.busRetryMs);
    this.busRetryMs = Math.min(this.busRetryMs * 2, RETRY_MAX_MS);
  }
}
