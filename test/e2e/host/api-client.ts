/**
 * blueline's HTTP API as the web panel uses it: first-run setup, login cookie, same-origin
 * headers on state-changing requests.
 */
import { request } from 'node:http';

export interface ApiSpeaker {
  address: string;
  name: string;
  known: boolean;
  phase: string;
  paired: boolean;
  connected: boolean;
  isAudioSink: boolean;
  codec: string | null;
  lastError: string | null;
}

export class ApiClient {
  private cookie = '';

  /** port: where the host reaches it; guestPort: the daemon's own port (for Origin). */
  constructor(readonly port: number, readonly guestPort: number) {}

  async send<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<{ status: number; body: T }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // the daemon checks Host against its allowlist and Origin against Host (same origin)
    const headers: Record<string, string> = { host: `localhost:${this.guestPort}`, accept: 'application/json' };
    if (payload) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers.origin = `http://localhost:${this.guestPort}`;
    if (this.cookie) headers.cookie = this.cookie;
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, timeout: timeoutMs }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => { data += c.toString(); });
        res.on('end', () => {
          const setCookie = res.headers['set-cookie'];
          if (setCookie?.length) this.cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
          let parsed: unknown = data;
          try { parsed = data ? JSON.parse(data) : null; } catch { /* not JSON */ }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async ok<T = unknown>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const r = await this.send<T>(method, path, body, timeoutMs);
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Set the panel password on first run (409/403 when already set is fine), then log in. */
  async login(password: string): Promise<void> {
    await this.send('POST', '/api/setup', { password });
    await this.ok('POST', '/api/login', { password });
  }

  speakers(): Promise<ApiSpeaker[]> {
    return this.ok<ApiSpeaker[] | { speakers: ApiSpeaker[] }>('GET', '/api/speakers').then((b) => (Array.isArray(b) ? b : b.speakers));
  }

  async speaker(address: string): Promise<ApiSpeaker | undefined> {
    return (await this.speakers()).find((s) => s.address.toUpperCase() === address.toUpperCase());
  }
}
