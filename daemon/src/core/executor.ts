/**
 * Thin executors: each Action becomes one port call. Radio operations (connect, disconnect,
 * adapter power) run in the background: a page timeout or a hung bluetoothd takes seconds and
 * must not hold up the other speaker's routes or the loop. Audio calls are awaited in the pass. Results land in the per-speaker runtime that plan reads next time.
 */
import type { Logger } from 'pino';
import type { BtAddress } from './address.js';
import { recordAttempt, recordFailure } from './backoff.js';
import type { Clock } from './clock.js';
import { BluelineError, toBluelineError } from './errors.js';
import { freshRuntime, type Action, type Policy, type SpeakerRuntime } from './model.js';
import type { AudioPort, BluetoothPort } from './ports.js';

export interface ExecutorDeps {
  bluetooth: BluetoothPort;
  audio: AudioPort;
  clock: Clock;
  policy: Policy;
  logger: Logger;
  /** ask for another pass (a background action finished) */
  requestPass: () => void;
  /** something the user should see failed (shown once per distinct message) */
  onError: (error: BluelineError, address?: BtAddress) => void;
}

export class Executor {
  readonly runtime = new Map<BtAddress, SpeakerRuntime>();
  /** audio-server side state we set and the server does not report back */
  meterSource: string | null = null;
  keepAwake: BtAddress[] = [];
  readonly powering = new Set<string>();
  private readonly aliasTried = new Set<string>();
  private readonly lastFailure = new Map<string, string>();

  constructor(private readonly deps: ExecutorDeps) {}

  runtimeOf(address: BtAddress): SpeakerRuntime {
    let rt = this.runtime.get(address);
    if (!rt) {
      rt = freshRuntime();
      this.runtime.set(address, rt);
    }
    return rt;
  }

  /** the audio server restarted: what we set on it is gone */
  audioServerReset(): void {
    this.meterSource = null;
    this.keepAwake = [];
  }

  async run(action: Action, log: Logger): Promise<void> {
    const { bluetooth, audio } = this.deps;
    try {
      switch (action.kind) {
        case 'connect':
          return this.connectInBackground(action, log);
        case 'power-adapter':
          return this.powerInBackground(action.adapter, log);
        case 'set-alias':
          return await this.setAlias(action, log);
        case 'disconnect':
          return this.disconnectInBackground(action, log);
        case 'remove-route':
          log.info({ address: action.address, route: action.id }, 'removing route');
          return await audio.removeRoute(action.id);
        case 'add-route': {
          const route = await audio.addRoute(action.spec);
          log.info({ address: action.spec.address, route: route.id, channel: action.spec.channel, delayMs: action.spec.delayMs }, 'route added');
          return;
        }
        case 'set-volume':
          return await audio.setVolume(action.address, action.volume);
        case 'set-mute':
          return await audio.setMute(action.address, action.muted);
        case 'switch-codec': {
          const rt = this.runtimeOf(action.address);
          if (action.fallback) {
            log.warn({ address: action.address, codec: action.from, back: action.codec }, 'the speaker played nothing with this codec; switching back');
            await audio.switchCodec(action.address, action.codec);
            rt.codecTrial = null;
            rt.codecRejected = action.from;
            const error = new BluelineError('unsupported', `the speaker played nothing with codec ${action.from ?? '?'}, so blueline switched it back to ${action.codec}`);
            this.deps.onError(error, action.address);
            return;
          }
          log.info({ address: action.address, codec: action.codec }, 'switching codec');
          await audio.switchCodec(action.address, action.codec);
          rt.codecRejected = null;
          rt.codecTrial = { codec: action.codec, from: action.from, since: this.deps.clock.now() };
          return;
        }
        case 'set-meter':
          await audio.setMeterSource(action.source);
          this.meterSource = action.source;
          return;
        case 'set-keep-awake':
          await audio.setKeepAwake(action.addresses);
          this.keepAwake = [...action.addresses];
          return;
      }
    } catch (e) {
      this.failed(action, toBluelineError(e, `${action.kind} failed`), log);
    }
  }

  private failed(action: Action, error: BluelineError, log: Logger): void {
    const address = 'address' in action ? action.address : action.kind === 'add-route' ? action.spec.address : undefined;
    if (action.kind === 'switch-codec' && !action.fallback && (error.code === 'unsupported' || error.code === 'invalid')) {
      this.runtimeOf(action.address).codecRejected = action.codec;
    }
    // switching back failed: try again after another trial period, not on every pass
    if (action.kind === 'switch-codec' && action.fallback) {
      const trial = this.runtimeOf(action.address).codecTrial;
      if (trial) trial.since = this.deps.clock.now();
    }
    const key = `${action.kind}:${address ?? ''}`;
    const repeated = this.lastFailure.get(key) === error.message;
    this.lastFailure.set(key, error.message);
    log[repeated ? 'debug' : 'info']({ err: error, action: action.kind, address }, `${action.kind} failed`);
    if (!repeated && action.kind === 'switch-codec') this.deps.onError(error, address);
  }

  private connectInBackground(action: Extract<Action, { kind: 'connect' }>, log: Logger): void {
    const rt = this.runtimeOf(action.address);
    rt.connecting = true;
    log.info({ address: action.address, adapter: action.adapter, why: action.why, attempt: rt.attempts + 1 }, 'connecting speaker');
    this.deps.bluetooth
      .connectAudio(action.adapter, action.address)
      .then(
        () => {
          recordAttempt(rt, this.deps.clock.now(), this.deps.policy);
          log.info({ address: action.address }, 'speaker connected');
        },
        (e: unknown) => {
          const error = recordFailure(rt, e, this.deps.clock.now(), this.deps.policy);
          const retryInMs = rt.nextRetryAt === null ? null : rt.nextRetryAt - this.deps.clock.now();
          const level = rt.refused ? 'warn' : rt.attempts <= 1 ? 'info' : 'debug';
          log[level]({ err: error, address: action.address, attempts: rt.attempts, retryInMs }, rt.refused ? 'speaker refused the connection; waiting for the user' : 'speaker not reachable; will retry');
          if (rt.refused || rt.attempts === 1) this.deps.onError(error, action.address);
        },
      )
      .finally(() => {
        rt.connecting = false;
        this.deps.requestPass();
      });
  }

  private disconnectInBackground(action: Extract<Action, { kind: 'disconnect' }>, log: Logger): void {
    const rt = this.runtimeOf(action.address);
    rt.connecting = true;
    log.info({ address: action.address, why: action.why }, 'disconnecting speaker');
    this.deps.bluetooth
      .disconnect(action.adapter, action.address)
      .catch((e: unknown) => this.failed(action, toBluelineError(e, 'disconnect failed'), log))
      .finally(() => {
        rt.connecting = false;
        this.deps.requestPass();
      });
  }

  /**
   * Once per adapter (by address) and name: an adapter that refuses its name is not asked again
   * every pass. BlueZ keeps the name per adapter address, so a replugged dongle keeps it too.
   */
  private async setAlias(action: Extract<Action, { kind: 'set-alias' }>, log: Logger): Promise<void> {
    const key = `${action.address}=${action.alias}`;
    if (this.aliasTried.has(key)) return;
    this.aliasTried.add(key);
    log.info({ adapter: action.adapter, alias: action.alias }, 'naming adapter');
    await this.deps.bluetooth.setAdapter(action.adapter, { alias: action.alias }).catch((e: unknown) => {
      log.warn({ err: toBluelineError(e), adapter: action.adapter }, 'could not name the adapter; speakers see its old name');
    });
  }

  private powerInBackground(adapter: string, log: Logger): void {
    this.powering.add(adapter);
    log.info({ adapter }, 'powering adapter on');
    this.deps.bluetooth
      .powerOn(adapter)
      .catch((e: unknown) => log.info({ err: toBluelineError(e), adapter }, 'powering adapter failed'))
      .finally(() => {
        this.powering.delete(adapter);
        this.deps.requestPass();
      });
  }
}
