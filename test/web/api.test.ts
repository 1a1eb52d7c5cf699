// Every route: success, bad input (400 naming the field), unknown speaker (404), no session (401),
// foreign Host (403) and, for state-changing routes, foreign or missing Origin (403).
import t from 'tap';
import type { InjectOptions } from 'fastify';
import { httpStatusFor } from '../../daemon/src/core/errors.js';
import { panelApi } from '../helpers/panel-api.js';
import { startWeb } from '../helpers/web-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Case {
  method: Method;
  url: string;
  payload?: object;
  ok: number;
  bad?: { url?: string; payload?: unknown; field: string };
  /** path with an address nobody knows */
  unknownUrl?: string;
}

const p = await panelApi();
t.teardown(() => p.stop());
const web = await startWeb(t, p.api);
await web.setup();

const A = p.known;
const cases: Case[] = [
  { method: 'GET', url: '/api/status', ok: 200 },
  { method: 'GET', url: '/api/speakers', ok: 200 },
  { method: 'GET', url: '/api/input', ok: 200 },
  { method: 'GET', url: '/api/settings', ok: 200 },
  { method: 'PATCH', url: '/api/settings', payload: { mode: 'mirror', latencyMs: 30 }, ok: 200, bad: { payload: { mode: 'surround' }, field: 'mode' } },
  { method: 'GET', url: '/api/logs?lines=5', ok: 200, bad: { url: '/api/logs?lines=-1', field: 'lines' } },
  { method: 'GET', url: '/api/version', ok: 200 },
  { method: 'POST', url: '/api/scan', payload: { seconds: 10 }, ok: 200, bad: { payload: { seconds: 'ten' }, field: 'seconds' } },
  { method: 'DELETE', url: '/api/scan', ok: 200 },
  { method: 'GET', url: `/api/speakers/${A}/codecs`, ok: 200, bad: { url: '/api/speakers/AA-BB/codecs', field: 'address' }, unknownUrl: `/api/speakers/${p.unknown}/codecs` },
  { method: 'PATCH', url: `/api/speakers/${A}`, payload: { volume: 40, delayMs: -120, muted: false }, ok: 200, bad: { payload: { delayMs: 900 }, field: 'delayMs' }, unknownUrl: `/api/speakers/${p.unknown}` },
  { method: 'POST', url: `/api/speakers/${A}/test-sound`, ok: 204, bad: { url: '/api/speakers/00:11:22:33:44/test-sound', field: 'address' }, unknownUrl: `/api/speakers/${p.unknown}/test-sound` },
  { method: 'POST', url: `/api/speakers/${A}/disconnect`, ok: 200, bad: { url: '/api/speakers/GG:11:22:33:44:55/disconnect', field: 'address' }, unknownUrl: `/api/speakers/${p.unknown}/disconnect` },
  { method: 'POST', url: `/api/speakers/${A}/connect`, ok: 200, bad: { url: '/api/speakers/x/connect', field: 'address' }, unknownUrl: `/api/speakers/${p.unknown}/connect` },
  { method: 'POST', url: `/api/speakers/${p.pinSpeaker.address}/pair`, payload: { pin: p.pinSpeaker.pin }, ok: 200, bad: { payload: { pin: '12 34' }, field: 'pin' }, unknownUrl: `/api/speakers/${p.unknown}/pair` },
  { method: 'DELETE', url: `/api/speakers/${p.pinSpeaker.address}`, ok: 204, bad: { url: '/api/speakers/00:11:22:33:44:55:66', field: 'address' }, unknownUrl: `/api/speakers/${p.unknown}` },
];

const send = (c: Case, extra: Partial<InjectOptions> = {}) =>
  web.request({ method: c.method, url: c.url, ...(c.payload ? { payload: c.payload } : {}), ...extra });

for (const c of cases) {
  await t.test(`${c.method} ${c.url}`, async (t) => {
    const anonymous = await web.app.inject({ method: c.method, url: c.url, headers: { host: 'blueline.local', origin: 'http://blueline.local' }, ...(c.payload ? { payload: c.payload } : {}) });
    t.equal(anonymous.statusCode, 401, 'needs a session');

    const rebound = await send(c, { headers: { host: 'evil.example', origin: 'http://evil.example' } });
    t.equal(rebound.statusCode, 403, 'foreign Host refused');
    t.equal(rebound.json().error, 'host-not-allowed');

    if (c.method !== 'GET') {
      const forged = await send(c, { headers: { origin: 'http://evil.example' } });
      t.equal(forged.statusCode, 403, 'foreign Origin refused');
      t.equal(forged.json().error, 'cross-origin');
      const bare = await web.app.inject({ method: c.method, url: c.url, headers: { host: 'blueline.local', cookie: web.cookie ?? '' } });
      t.equal(bare.statusCode, 403, 'missing Origin and Referer refused');
    }

    if (c.bad) {
      const res = await web.request({ method: c.method, url: c.bad.url ?? c.url, ...(c.bad.payload !== undefined ? { payload: c.bad.payload as object } : {}) });
      t.equal(res.statusCode, 400, `bad input: ${res.body}`);
      t.equal(res.json().field, c.bad.field, 'the 400 names the field');
      t.match(res.json().message, c.bad.field);
    }
    if (c.unknownUrl) {
      const res = await web.request({ method: c.method, url: c.unknownUrl, ...(c.payload ? { payload: c.payload } : {}) });
      t.equal(res.statusCode, 404, `unknown speaker: ${res.body}`);
    }
    if (c.url.includes('/pair')) {
      const scan = await web.request({ method: 'POST', url: '/api/scan', payload: { seconds: 5 } });
      t.equal(scan.statusCode, 200);
      const deadline = Date.now() + 15_000;
      const seen = async () => (await web.request({ method: 'GET', url: '/api/speakers' })).json().some((s: { address: string }) => s.address === p.pinSpeaker.address);
      while (!(await seen())) {
        if (Date.now() > deadline) throw new Error('the scan never found the PIN speaker');
        await new Promise((r) => setTimeout(r, 100));
      }
      const refused = await web.request({ method: 'POST', url: c.url });
      t.equal(refused.statusCode, 422, `pairing without the PIN is refused: ${refused.body}`);
      t.equal(refused.json().error, 'refused');
    }
    const res = await send(c);
    t.equal(res.statusCode, c.ok, `success: ${res.body.slice(0, 300)}`);
    t.equal(res.headers['cache-control'], 'no-store');
  });
}

t.test('responses carry what the panel reads', async (t) => {
  const status = (await web.request({ method: 'GET', url: '/api/status' })).json();
  t.ok(Array.isArray(status.speakers));
  t.type(status.input, 'object');
  t.type(status.servers, 'object');
  const codecs = (await web.request({ method: 'GET', url: `/api/speakers/${A}/codecs` })).json();
  t.ok(codecs.some((c: { id: string }) => c.id === p.otherCodec));
  const switched = await web.request({ method: 'PATCH', url: `/api/speakers/${A}`, payload: { codec: p.otherCodec } });
  t.equal(switched.statusCode, 200, switched.body);
  // the controller may switch right away or on its next pass
  const deadline = Date.now() + 15_000;
  const codecNow = async () => (await web.request({ method: 'GET', url: '/api/speakers' })).json().find((s: { address: string }) => s.address === A)?.codec;
  while ((await codecNow()) !== p.otherCodec) {
    if (Date.now() > deadline) throw new Error('codec never switched');
    await new Promise((r) => setTimeout(r, 100));
  }
  t.pass(`codec switched to ${p.otherCodec}`);
  const logs = (await web.request({ method: 'GET', url: '/api/logs?lines=1' })).json();
  t.equal(logs.lines.length, 1);
  t.equal((await web.request({ method: 'GET', url: '/api/version' })).json().version, '0.0.0-test');
});

t.test('schema rules', async (t) => {
  const empty = await web.request({ method: 'PATCH', url: `/api/speakers/${A}`, payload: {} });
  t.equal(empty.statusCode, 400);
  const extra = await web.request({ method: 'PATCH', url: '/api/settings', payload: { mode: 'single', debug: true } });
  t.equal(extra.statusCode, 400);
  t.equal(extra.json().field, 'debug');
  const coerced = await web.request({ method: 'PATCH', url: `/api/speakers/${A}`, payload: { volume: '50' } });
  t.equal(coerced.statusCode, 400, 'no type coercion');
  const lower = await web.request({ method: 'GET', url: `/api/speakers/${A.toLowerCase()}/codecs` });
  t.equal(lower.statusCode, 200, 'lower-case addresses are accepted');
  const text = await web.request({ method: 'PATCH', url: '/api/settings', payload: 'mode=single', headers: { 'content-type': 'text/plain' } });
  t.equal(text.statusCode, 415, 'only JSON bodies');
  const badJson = await web.request({ method: 'PATCH', url: '/api/settings', payload: '{"mode":', headers: { 'content-type': 'application/json' } });
  t.equal(badJson.statusCode, 400);
  const huge = await web.request({ method: 'PATCH', url: '/api/settings', payload: JSON.stringify({ input: 'x'.repeat(100_000) }), headers: { 'content-type': 'application/json' } });
  t.equal(huge.statusCode, 413);
});

t.test('healthz needs no session', async (t) => {
  // after the connect/disconnect above, the controller needs a moment to be playing again
  const health = () => web.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'localhost:8080' } });
  const deadline = Date.now() + 15_000;
  let ok = await health();
  while (ok.statusCode !== 200 && Date.now() < deadline) {
    t.equal(ok.statusCode, 503);
    t.ok(ok.json().reasons.length > 0, 'an unhealthy answer says why');
    await new Promise((r) => setTimeout(r, 200));
    ok = await health();
  }
  t.equal(ok.statusCode, 200);
  t.equal(ok.json().status, 'healthy');
  const wrongHost = await web.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'evil.example' } });
  t.equal(wrongHost.statusCode, 403);
});
