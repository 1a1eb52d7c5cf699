/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in time order and lets
 * the promise chains they start settle between timers, so async code behaves as it would in
 * real time, only faster.
 */
import type { Clock, Timer } from '../core/clock.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ManualClock implements Clock {
  private current: number;
  private pending: Pending[] = [];
  private nextId = 1;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.pending.push(timer);
    return { id: timer.id };
  }

  clearTimeout(timer: Timer | null | undefined): void {
    if (!timer) return;
    this.pending = this.pending.filter((p) => p.id !== timer.id);
  }

  /** number of timers waiting (the soak checks this does not grow) */
  get timerCount(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  private nextDue(limit: number): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending) {
      if (p.at <= limit && (!best || p.at < best.at || (p.at === best.at && p.id < best.id))) best = p;
    }
    return best;
  }
}
