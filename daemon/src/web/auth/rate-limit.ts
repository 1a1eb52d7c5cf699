/**
 * Failed-login limiter: a sliding window per client address plus one for everybody, so a
 * guesser gets a handful of tries a minute whatever addresses it uses. Memory is bounded.
 */
export interface LoginLimits {
  perClient: number;
  overall: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perClient: 5, overall: 30, windowMs: 60_000 };
const MAX_CLIENTS = 1000;

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private overall: number[] = [];

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** milliseconds to wait before trying again, 0 when a try is allowed now */
  retryAfterMs(client: string): number {
    const t = this.now();
    const mine = this.recent(this.failures.get(client) ?? [], t);
    this.overall = this.recent(this.overall, t);
    const wait = (list: number[], max: number) => (list.length >= max ? (list[list.length - max] ?? t) + this.limits.windowMs - t : 0);
    return Math.max(wait(mine, this.limits.perClient), wait(this.overall, this.limits.overall), 0);
  }

  fail(client: string): void {
    const t = this.now();
    if (!this.failures.has(client) && this.failures.size >= MAX_CLIENTS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    this.failures.set(client, [...this.recent(this.failures.get(client) ?? [], t), t]);
    this.overall.push(t);
  }

  succeed(client: string): void {
    this.failures.delete(client);
  }

  private recent(list: number[], t: number): number[] {
    return list.filter((at) => t - at < this.limits.windowMs);
  }
}
