// Host allowlist, same-origin rules, security headers, static files without traversal,
// server-sent events over a real socket, and /healthz turning 503.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { FakeApi } from '../helpers/fake-api.js';
import { HOST, startWeb } from '../helpers/web-app.js';
import { createHostCheck } from '../../daemon/src/web/host-allowlist.js';
import { isSameOrigin } from '../../daemon/src/web/same-origin.js';
import { isLanAddress } from '../../daemon/src/web/auth/lan.js';
import { BluelineError, httpStatusFor, type ErrorCode } from '../../daemon/src/core/errors.js';

t.test('Host allowlist', async (t) => {
  const ok = createHostCheck({ hostname: 'blueline', allowedHosts: ['pi.home.arpa'] });
  for (const h of ['blueline', 'blueline.local', 'BLUELINE.LOCAL:8080', 'localhost:80', '192.168.1.7', '192.168.1.7:8080', '[::1]:8080', '[fe80::1]', 'pi.home.arpa', 'blueline.local.']) t.ok(ok(h), h);
  for (const h of [undefined, '', 'evil.example', 'blueline.evil.example', 'blueline.local.evil', '192.168.1.7.nip.io', '[::1', 'a b', 'blueline:port', '[zz::1]']) t.notOk(ok(h), String(h));
});

t.test('LAN addresses (first-start setup)', async (t) => {
  const ifaces = { wlan0: [{ address: '2001:db8:1:2::7', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' as const, mac: '', internal: false, cidr: '2001:db8:1:2::7/64', scopeid: 0 }] };
  for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.50', '::1', 'fe80::1%wlan0', 'fd00::5', '::ffff:192.168.1.9', '2001:db8:1:2::99']) t.ok(isLanAddress(a, ifaces), a);
  for (const a of ['203.0.113.9', '172.32.0.1', '8.8.8.8', '2001:db8:9::1', '::ffff:8.8.8.8', '', undefined, 'not an ip']) t.notOk(isLanAddress(a, ifaces), String(a));
});

t.test('same-origin', async (t) => {
  t.ok(isSameOrigin({ host: 'blueline.local', origin: 'http://blueline.local' }));
  t.ok(isSameOrigin({ host: 'blueline.local:8080', origin: 'http://blueline.local:8080' }));
  t.ok(isSameOrigin({ host: 'blueline.local:80', origin: 'http://blueline.local' }));
  t.ok(isSameOrigin({ host: '192.168.1.7:8080', referer: 'http://192.168.1.7:8080/#speakers' }), 'Referer when Origin is absent');
  t.notOk(isSameOrigin({ host: 'blueline.local', origin: 'http://blueline.local:8080' }));
  t.notOk(isSameOrigin({ host: 'blueline.local', origin: 'null' }));
  t.notOk(isSameOrigin({ host: 'blueline.local', origin: 'http://evil.example', referer: 'http://blueline.local/' }), 'a foreign Origin wins over Referer');
  t.notOk(isSameOrigin({ host: 'blueline.local' }));
  t.notOk(isSameOrigin({ host: 'blueline.local', origin: 'file:///blueline.local' }));
});

t.test('static files: exact names only, gzip, ETag, headers', async (t) => {
  const web0 = await startWeb(t, new FakeApi());
  const root = join(web0.dir, 'web-ui');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>blueline</title>'.repeat(20));
  writeFileSync(join(root, 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'sub', 'x.css'), 'body{}');
  writeFileSync(join(web0.dir, 'secret.txt'), 'secret');
  const web = await startWeb(t, new FakeApi(), { config: { webRoot: root } });
  const get = (url: string, headers: Record<string, string> = {}) => web.app.inject({ method: 'GET', url, headers: { host: HOST, ...headers } });

  const index = await get('/');
  t.equal(index.statusCode, 200);
  t.match(index.headers['content-type'], 'text/html');
  t.match(index.headers['content-security-policy'], "frame-ancestors 'none'");
  t.notMatch(index.headers['content-security-policy'], 'unsafe-inline');
  t.equal(index.headers['x-content-type-options'], 'nosniff');
  t.equal(index.headers['referrer-policy'], 'same-origin');
  const gz = await get('/index.html', { 'accept-encoding': 'gzip, br' });
  t.equal(gz.headers['content-encoding'], 'gzip');
  const etag = String((await get('/app.js')).headers.etag);
  const cached = await get('/app.js', { 'if-none-match': etag });
  t.equal(cached.statusCode, 304);
  t.equal((await get('/sub/x.css')).statusCode, 200);
  for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/../../secret.txt', '/..%2fsecret.txt', '//etc/passwd', '/index.html%00.js', '/secret.txt']) {
    const res = await get(url);
    t.ok(res.statusCode === 404 || res.statusCode === 400 || res.statusCode === 401, `${url} -> ${res.statusCode}`);
    t.notMatch(res.body, 'secret');
  }
});

t.test('BluelineError codes become HTTP statuses with the plain-language reason', async (t) => {
  const api = new FakeApi();
  const web = await startWeb(t, api);
  await web.setup();
  const expected: Record<ErrorCode, number> = {
    invalid: 400, 'not-found': 404, conflict: 409, busy: 409, unsupported: 422, unavailable: 503, timeout: 504, unreachable: 424, refused: 422, failed: 502,
  };
  for (const [code, status] of Object.entries(expected)) {
    api.failNext = new BluelineError(code as ErrorCode, `reason for ${code}`, { detail: 'internal detail' });
    const res = await web.request({ method: 'PATCH', url: '/api/settings', payload: { keepAwake: true } });
    t.equal(res.statusCode, status, code);
    t.same(res.json(), { error: code, message: `reason for ${code}` }, 'the reason, not the internal detail');
  }
  api.failNext = new Error('a bug');
  const bug = await web.request({ method: 'PATCH', url: '/api/settings', payload: { keepAwake: true } });
  t.equal(bug.statusCode, 500);
  t.notMatch(bug.body, 'a bug', 'no internals leak');
});

t.test('healthz is 503 with the reason when unhealthy', async (t) => {
  const api = new FakeApi();
  const web = await startWeb(t, api);
  api.healthy = false;
  const res = await web.app.inject({ method: 'GET', url: '/healthz', headers: { host: 'localhost' } });
  t.equal(res.statusCode, 503);
  t.same(res.json().reasons, ['bluetoothd is not running']);
});

t.test('server-sent events over a socket: snapshot, live events, end on logout', async (t) => {
  const api = new FakeApi();
  const web = await startWeb(t, api);
  const cookie = await web.setup();
  await web.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = web.app.server.address() as { port: number };

  const denied = await new Promise<number>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers: { host: HOST } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
  });
  t.equal(denied, 401, 'events need a session');

  let text = '';
  const ended = new Promise<void>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers: { host: HOST, cookie } }, (res) => {
      t.equal(res.statusCode, 200);
      t.match(res.headers['content-type'], 'text/event-stream');
      t.match(res.headers['content-security-policy'], "default-src 'none'");
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('event: status') && !text.includes('event: level')) {
          api.emit('event', { type: 'error', message: 'oops' });
          api.emit('event', { type: 'level', peakDb: -6, rmsDb: -12, signal: true });
        }
        if (text.includes('event: level') && !text.includes('logged-out')) {
          text += 'logged-out';
          void web.request({ method: 'POST', url: '/api/logout', headers: { cookie } });
        }
      });
      res.on('end', resolve);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no events within 10 s')));
    req.on('error', reject).end();
  });
  await ended;
  t.match(text, /event: status\ndata: \{"daemon"/);
  t.match(text, 'event: level\ndata: {"peakDb":-6,"rmsDb":-12,"signal":true}');
  t.match(text, 'event: daemon-error\ndata: {"message":"oops"}', 'error events are renamed (EventSource reserves "error")');
  t.notMatch(text, /^event: error$/m);
});

t.test('closing the server ends open event streams instead of waiting for them', async (t) => {
  const web = await startWeb(t, new FakeApi());
  const cookie = await web.setup();
  await web.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = web.app.server.address() as { port: number };
  const ended = new Promise<void>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers: { host: HOST, cookie } }, (res) => {
      res.resume();
      res.on('end', resolve);
      void web.app.close();
    }).on('error', reject).end();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('stream still open 5 s after close()')), 5000); })]);
  clearTimeout(timer);
  t.pass('stream ended on close');
});
