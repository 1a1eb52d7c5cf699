/**
 * The reconcile loop, level-based as in controller-runtime: triggers carry no data, they only
 * say "look again". Triggers are debounced, a slow timer runs a pass anyway, passes never
 * overlap (a trigger during a pass runs one more pass after it), and the pass may ask to be
 * woken early (a backoff ending) through its return value.
 */
import type { Clock, Timer } from './clock.js';

export interface LoopOptions {
  clock: Clock;
  debounceMs: number;
  resyncMs: number;
  /** one pass; resolves with the epoch ms it wants to run again at the latest (or null) */
  pass: () => Promise<number | null>;
}

export class ReconcileLoop {
  private timer: Timer | null = null;
  private timerAt = Infinity;
  private running = false;
  private again = false;
  private active = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: LoopOptions) {}

  start(): void {
    this.active = true;
    this.request();
  }

  stop(): void {
    this.active = false;
    this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  /** something changed: run a pass soon */
  request(): void {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(this.options.clock.now() + this.options.debounceMs);
  }

  /** resolves when no pass is running (stop() waits for the last one) */
  settled(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(at: number): void {
    if (!this.active || at >= this.timerAt) return;
    const { clock } = this.options;
    clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      void this.runPass();
    }, Math.max(0, at - clock.now()));
  }

  private async runPass(): Promise<void> {
    if (!this.active || this.running) return;
    this.running = true;
    this.again = false;
    let wakeAt: number | null = null;
    try {
      wakeAt = await this.options.pass();
    } catch {
      // the pass logs its own failures; the loop keeps going on the slow timer
    }
    this.running = false;
    const { clock, debounceMs, resyncMs } = this.options;
    const now = clock.now();
    const early = Math.max(now + debounceMs, wakeAt ?? Infinity);
    this.schedule(this.again ? now + debounceMs : Math.min(now + resyncMs, early));
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
