// 12,000 random and malformed requests through inject (no sockets): bad JSON, huge bodies, wrong
// types, odd unicode, random paths, headers and methods. None may get a 5xx or hang, and the
// server must still answer /healthz and /api/status afterwards. Seeded: a failure prints its seed.
import t from 'tap';
import type { InjectOptions } from 'fastify';
import { panelApi } from '../helpers/panel-api.js';
import { HOST, ORIGIN, startWeb } from '../helpers/web-app.js';

const COUNT = 12_000;
const IN_FLIGHT = 8;
const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(seed);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
const int = (max: number) => Math.floor(rnd() * max);

const p = await panelApi();
t.teardown(() => p.stop());
const web = await startWeb(t, p.api);
const cookie = await web.setup();

const ODD = ['', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '\u200b', '\ufeff', '💥', 'é', 'e\u0301', '%', '%00', '%zz', '..', '../..', '/', '\\', '"', "'", '<script>', '${x}', '\n', '\r\n', 'ＡＡ', '٣'];
const oddString = () => Array.from({ length: 1 + int(6) }, () => (rnd() < 0.5 ? pick(ODD) : String.fromCharCode(int(0xffff)))).join('');
/** percent-encoded, lone surrogates turned into invalid UTF-8 escapes (a malformed URL on purpose) */
const urlPart = (s: string) => [...s].map((c) => { try { return encodeURIComponent(c); } catch { return '%ED%A0%80'; } }).join('');
const addresses = [p.known, p.unknown, '00:00:00:00:00:00', 'aa:bb:cc:dd:ee:ff', 'AA:BB:CC:DD:EE', 'AA-BB-CC-DD-EE-FF', 'ZZ:ZZ:ZZ:ZZ:ZZ:ZZ', '', '%3A%3A', 'AA:BB:CC:DD:EE:FF:00', encodeURIComponent('AA:BB:CC:DD:EE:FF\u0000')];
const paths = [
  '/api/status', '/api/speakers', '/api/settings', '/api/logs', '/api/version', '/api/scan', '/api/session', '/api/login', '/api/logout', '/api/setup',
  '/healthz', '/', '/index.html', '/api/events?x=1', '/api/speakers/:a', '/api/speakers/:a/pair', '/api/speakers/:a/connect', '/api/speakers/:a/disconnect',
  '/api/speakers/:a/codecs', '/api/speakers/:a/test-sound', '/api', '/api/', '/API/STATUS', '/api//status', '/api/speakers/:a/../../status',
];
function path(): string {
  let url = pick(paths).replace(':a', () => (rnd() < 0.8 ? pick(addresses) : urlPart(oddString())));
  if (rnd() < 0.15) url += `?lines=${pick(['5', '-1', '1e3', 'abc', '99999', '', '%ff', oddString()])}`;
  if (rnd() < 0.05) url = '/' + Array.from({ length: 1 + int(5) }, () => urlPart(oddString())).join('/');
  if (rnd() < 0.02) url = '/' + 'a/'.repeat(int(2000));
  if (url.includes('/api/events')) url = '/api/status'; // a stream never ends by itself: covered in security.test.ts
  return url;
}
function value(depth = 0): unknown {
  switch (int(depth > 3 ? 6 : 9)) {
    case 0: return int(2) === 0 ? null : rnd() < 0.5;
    case 1: return pick([0, -1, 1, 50, 100, 101, 500, -501, 1e308, -0, 0.5, Number.MAX_SAFE_INTEGER + 2]);
    case 2: return oddString();
    case 3: return 'x'.repeat(int(5000));
    case 4: return pick(['single', 'mirror', 'stereo-split', 'sbc', 'aac', '0000', p.known]);
    case 5: return pick([[], {}, '']);
    case 6: return Array.from({ length: int(4) }, () => value(depth + 1));
    default: return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(['volume', 'muted', 'delayMs', 'codec', 'enabled', 'adapter', 'mode', 'input', 'latencyMs', 'keepAwake', 'idleDisconnectMinutes', 'seconds', 'pin', 'password', '__proto__', 'constructor', oddString()]), value(depth + 1)]));
  }
}
function body(): string | undefined {
  switch (int(8)) {
    case 0: return undefined;
    case 1: return pick(['{', '{"a":', 'null', '[]', '""', '1', 'true', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '\ufeff{}', '{"volume":1,"volume":2}']);
    case 2: return rnd() < 0.1 ? JSON.stringify({ input: 'x'.repeat(70_000 + int(200_000)) }) : oddString();
    case 3: return '['.repeat(int(5000)) + ']'.repeat(int(5000));
    default: return JSON.stringify(value());
  }
}
function headers(): Record<string, string> {
  const h: Record<string, string> = { host: HOST, origin: ORIGIN, cookie };
  if (rnd() < 0.7) h['content-type'] = 'application/json';
  else if (rnd() < 0.5) h['content-type'] = pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-8', '', oddString().replace(/[^\x20-\x7e]/g, '')]);
  if (rnd() < 0.05) h['host'] = pick(['evil.example', '', '[::1', 'blueline.local:99999', '127.0.0.1:1']);
  if (rnd() < 0.05) h['origin'] = pick(['null', 'http://evil.example', 'blueline.local', 'http://blueline.local:81']);
  if (rnd() < 0.05) delete h['cookie'];
  if (rnd() < 0.03) h['cookie'] = pick(['blueline_session=', 'blueline_session=x; blueline_session=y', '=;=;', oddString().replace(/[^\x20-\x7e]/g, '')]);
  if (rnd() < 0.03) h['content-length'] = String(int(100));
  if (rnd() < 0.03) h['transfer-encoding'] = 'chunked';
  if (rnd() < 0.03) h['accept-encoding'] = pick(['gzip', 'br;q=0', '*']);
  return h;
}
function request(): InjectOptions {
  const method = pick(['GET', 'GET', 'POST', 'POST', 'PATCH', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'] as const);
  const payload = method === 'GET' || method === 'HEAD' ? undefined : body();
  let url = path();
  const h = headers();
  // forgetting the one paired speaker would need a re-pairing to get healthy again
  if (method === 'DELETE' && url.toUpperCase().startsWith(`/API/SPEAKERS/${p.known}`)) url = `/api/speakers/${p.unknown}`;
  // logging out would end the session the rest of the run uses
  if (url.startsWith('/api/logout')) delete h['cookie'];
  return { method, url, headers: h, ...(payload === undefined ? {} : { payload }) };
}

t.test(`${COUNT} random requests (FUZZ_SEED=${seed})`, async (t) => {
  const statuses = new Map<number, number>();
  const fivexx: string[] = [];
  let sent = 0;
  const worker = async () => {
    while (sent < COUNT) {
      sent++;
      const req = request();
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in 10 s: ${req.method} ${req.url}`)), 10_000); });
      const res = await Promise.race([web.app.inject(req), hung]).finally(() => clearTimeout(timer));
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      // /healthz answering 503 is a report (the fuzz may disable the speaker), not a failure
      const report = res.statusCode === 503 && String(req.url).startsWith('/healthz');
      if (res.statusCode >= 500 && !report && fivexx.length < 10) fivexx.push(`${res.statusCode} ${req.method} ${String(req.url).slice(0, 120)} ${String(req.payload ?? '').slice(0, 120)} -> ${res.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  t.same(fivexx, [], 'no 5xx responses');
  t.ok([...statuses.keys()].filter((s) => s >= 400 && s < 500).length >= 5, 'a spread of 4xx answers');
  t.ok((statuses.get(200) ?? 0) > 100, 'and plenty of successes');
});

t.test('healthy again once the settings the fuzz scrambled are put back', async (t) => {
  const put = (url: string, payload: object, method: 'PATCH' | 'POST' = 'PATCH') =>
    web.app.inject({ method, url, payload, headers: { host: HOST, origin: ORIGIN, cookie } });
  t.equal((await put('/api/settings', { mode: 'single', input: null, keepAwake: true, idleDisconnectMinutes: 0, latencyMs: 20 })).statusCode, 200);
  t.equal((await put(`/api/speakers/${p.known}`, { enabled: true, muted: false, adapter: null })).statusCode, 200);
  await put(`/api/speakers/${p.known}/connect`, {}, 'POST');
  const deadline = Date.now() + 20_000;
  let health = await web.app.inject({ method: 'GET', url: '/healthz', headers: { host: HOST } });
  while (health.statusCode !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    health = await web.app.inject({ method: 'GET', url: '/healthz', headers: { host: HOST } });
  }
  t.equal(health.statusCode, 200, health.body);
  const status = await web.app.inject({ method: 'GET', url: '/api/status', headers: { host: HOST, cookie } });
  t.equal(status.statusCode, 200);
  t.equal(p.api.listenerCount('event'), 1, 'no leaked event listeners');
});
