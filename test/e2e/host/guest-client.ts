/**
 * Talks to a guest's agent over the forwarded port, and lines up the guest's monotonic clock
 * with the host's (NTP-style: the exchange with the shortest round trip wins).
 */
import { request } from 'node:http';

export interface RunResult { code: number | null; stdout: string; stderr: string }

export function hostMonoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class GuestClient {
  /** guest monotonic ms minus host monotonic ms */
  offsetMs = 0;
  /** half the best round trip: the offset's uncertainty */
  offsetErrorMs = Infinity;

  constructor(readonly role: string, readonly port: number) {}

  async call<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 60_000): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, timeout: timeoutMs, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => { data += c.toString(); });
        res.on('end', () => resolve(data));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${this.role} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
    const parsed = JSON.parse(text) as { ok: boolean; result?: T; error?: string };
    if (!parsed.ok) throw new Error(`${this.role} ${path}: ${parsed.error}`);
    return parsed.result as T;
  }

  /** Wait until the agent answers (the guest booted). */
  async waitReady(timeoutMs: number, alive: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!alive()) throw new Error(`${this.role} guest exited while booting`);
      try {
        await this.call('GET', '/time', undefined, 2000);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    throw new Error(`${this.role} agent not ready within ${timeoutMs} ms`);
  }

  async syncClock(samples = 15): Promise<void> {
    let best = Infinity;
    for (let i = 0; i < samples; i++) {
      const t0 = hostMonoMs();
      const { monoMs } = await this.call<{ monoMs: number }>('GET', '/time', undefined, 5000);
      const t1 = hostMonoMs();
      if (t1 - t0 < best) {
        best = t1 - t0;
        this.offsetMs = monoMs - (t0 + t1) / 2;
        this.offsetErrorMs = best / 2;
      }
    }
  }

  toHost(guestMs: number): number {
    return guestMs - this.offsetMs;
  }

  run(argv: string[], timeoutMs = 30_000, env?: Record<string, string>): Promise<RunResult> {
    return this.call<RunResult>('POST', '/run', { argv, timeoutMs, env }, timeoutMs + 10_000);
  }

  async runOk(argv: string[], timeoutMs = 30_000, env?: Record<string, string>): Promise<string> {
    const r = await this.run(argv, timeoutMs, env);
    if (r.code !== 0) throw new Error(`${this.role}: ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /** restartOnFailure: respawn after a crash, as the Pi's systemd units for the audio servers do */
  start(name: string, argv: string[], env?: Record<string, string>, restartOnFailure = false): Promise<unknown> {
    return this.call('POST', '/start', { name, argv, env, restartOnFailure });
  }

  /** How often each supervised process was restarted after a crash. */
  async restarts(): Promise<Record<string, number>> {
    const ps = await this.call<Record<string, { restarts: number }>>('GET', '/ps');
    return Object.fromEntries(Object.entries(ps).filter(([, p]) => p.restarts > 0).map(([name, p]) => [name, p.restarts]));
  }

  stop(name: string, signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT' = 'SIGTERM'): Promise<unknown> {
    return this.call('POST', '/stop', { name, signal, timeoutMs: 5000 }, 20_000);
  }

  wait(name: string, timeoutMs: number): Promise<{ code: number | null | 'timeout' }> {
    return this.call('POST', '/wait', { name, timeoutMs }, timeoutMs + 10_000);
  }

  bt<T = unknown>(op: string, args: Record<string, unknown> = {}, timeoutMs = 90_000): Promise<T> {
    return this.call<T>('POST', `/bt/${op}`, args, timeoutMs);
  }

  shutdown(): Promise<unknown> {
    return this.call('POST', '/shutdown', {}, 10_000).catch(() => undefined);
  }
}
