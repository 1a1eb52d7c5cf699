/**
 * Start, run and stop the daemon's services, and keep systemd informed:
 * READY=1 once every service started, STATUS= kept current, WATCHDOG=1 only while the
 * main loop is alive, STOPPING=1 on SIGTERM/SIGINT, and a hard exit if stopping takes
 * longer than the stop budget (systemd would SIGKILL us anyway; we'd rather say why).
 */
import type { Logger } from 'pino';
import type { Notifier } from './notify.js';

export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LifecycleOptions {
  logger: Logger;
  notifier: Notifier;
  services: Service[];
  /** one line for STATUS= */
  summary(): string;
  /** false when the main loop is stuck (no healthy pass lately): WATCHDOG=1 is then withheld */
  loopAlive(): boolean;
  /** how often STATUS= is refreshed */
  statusIntervalMs?: number;
  /** SIGTERM to exit, at most */
  stopBudgetMs?: number;
  exit?: (code: number) => void;
}

export class Lifecycle {
  private readonly log: Logger;
  private started: Service[] = [];
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | null = null;
  private lastStatus = '';
  private watchdogWithheld = false;

  constructor(private readonly options: LifecycleOptions) {
    this.log = options.logger.child({ component: 'lifecycle' });
  }

  async start(): Promise<void> {
    for (const service of this.options.services) {
      await service.start();
      this.started.push(service);
      this.log.debug({ service: service.name }, 'started');
    }
    const status = this.options.summary();
    this.lastStatus = status;
    this.options.notifier.ready(status);
    this.log.info({ status }, 'ready');

    // The status timer also keeps the process alive until a signal stops it.
    this.timers.push(setInterval(() => this.refreshStatus(), this.options.statusIntervalMs ?? 2000));
    const interval = this.options.notifier.watchdogIntervalMs;
    if (interval !== null) this.timers.push(setInterval(() => this.pingWatchdog(), interval));
  }

  /** Installs SIGTERM/SIGINT handlers that stop everything and exit. */
  handleSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.log.info({ signal }, 'stopping');
      void this.stop().then(
        () => (this.options.exit ?? process.exit)(0),
        (err: unknown) => {
          this.log.error({ err }, 'stop failed');
          (this.options.exit ?? process.exit)(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  refreshStatus(): void {
    const status = this.options.summary();
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    this.options.notifier.status(status);
  }

  private pingWatchdog(): void {
    if (this.options.loopAlive()) {
      if (this.watchdogWithheld) this.log.warn('main loop is moving again: watchdog pings resumed');
      this.watchdogWithheld = false;
      this.options.notifier.watchdog();
    } else if (!this.watchdogWithheld) {
      this.watchdogWithheld = true;
      this.log.error('main loop looks stuck: withholding WATCHDOG=1 so systemd restarts blueline');
    }
  }

  private async stopAll(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.options.notifier.stopping('stopping');
    const budget = this.options.stopBudgetMs ?? 4500;
    const deadline = setTimeout(() => {
      this.log.error({ budgetMs: budget }, 'stopping took too long: exiting anyway');
      (this.options.exit ?? process.exit)(1);
    }, budget);
    deadline.unref();
    try {
      for (const service of [...this.started].reverse()) {
        try {
          await service.stop();
          this.log.debug({ service: service.name }, 'stopped');
        } catch (err) {
          this.log.warn({ err, service: service.name }, 'service did not stop cleanly');
        }
      }
      this.started = [];
      this.log.info('stopped');
    } finally {
      clearTimeout(deadline);
    }
  }
}
