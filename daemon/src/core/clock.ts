/**
 * Time as the controller sees it. Injected so tests and the soak run simulated hours in
 * seconds (sim/manual-clock.ts); the daemon uses systemClock.
 */
export interface Timer {
  readonly id: number;
}

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | null | undefined): void;
}

let nextTimerId = 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return Object.assign({ id: nextTimerId++ }, { handle });
  },
  clearTimeout(timer) {
    const handle = (timer as { handle?: NodeJS.Timeout } | null | undefined)?.handle;
    if (handle) clearTimeout(handle);
  },
};

/** Resolves after `ms` on the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
