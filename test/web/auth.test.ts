// First-start setup, login, logout, rate limit, persisted sessions, password reset.
import t from 'tap';
import { writeFileSync, existsSync, statSync } from 'node:fs';
import { FakeApi } from '../helpers/fake-api.js';
import { cookieOf, HOST, ORIGIN, PASSWORD, startWeb } from '../helpers/web-app.js';

const post = (url: string, payload: object, extra: Record<string, string> = {}) =>
  ({ method: 'POST' as const, url, payload, headers: { host: HOST, origin: ORIGIN, ...extra } });

t.test('setup: only while no password exists, only from the LAN', async (t) => {
  const web = await startWeb(t, new FakeApi());
  const session = await web.app.inject({ method: 'GET', url: '/api/session', headers: { host: HOST } });
  t.same(session.json(), { authenticated: false, setupRequired: true, setupAllowed: true });

  const fromInternet = await web.app.inject({ ...post('/api/setup', { password: PASSWORD }), remoteAddress: '203.0.113.9' });
  t.equal(fromInternet.statusCode, 403, 'not from a public address');
  const short = await web.app.inject(post('/api/setup', { password: 'short' }));
  t.equal(short.statusCode, 400);
  t.equal(short.json().field, 'password');
  const loginFirst = await web.app.inject(post('/api/login', { password: PASSWORD }));
  t.equal(loginFirst.statusCode, 409, 'login before setup says so');

  const ok = await web.app.inject({ ...post('/api/setup', { password: PASSWORD }), remoteAddress: '192.168.1.20' });
  t.equal(ok.statusCode, 204);
  const cookie = String(ok.headers['set-cookie']);
  t.match(cookie, /^blueline_session=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=\//);
  t.equal((statSync(web.config.authFile).mode & 0o777), 0o600, 'auth file is private');

  const again = await web.app.inject(post('/api/setup', { password: 'another password' }));
  t.equal(again.statusCode, 409, 'setup only once');
  const status = await web.app.inject({ method: 'GET', url: '/api/status', headers: { host: HOST, cookie: cookieOf(ok) } });
  t.equal(status.statusCode, 200, 'setup logs the user in');
});

t.test('login, logout, wrong password, rate limit', async (t) => {
  const web = await startWeb(t, new FakeApi(), { web: { loginLimits: { perClient: 3, overall: 100, windowMs: 60_000 } } });
  await web.setup();
  const good = await web.app.inject(post('/api/login', { password: PASSWORD }));
  t.equal(good.statusCode, 204);
  const cookie = cookieOf(good);
  const me = await web.app.inject({ method: 'GET', url: '/api/session', headers: { host: HOST, cookie } });
  t.same(me.json(), { authenticated: true, setupRequired: false, setupAllowed: false });

  for (let i = 0; i < 3; i++) {
    const wrong = await web.app.inject({ ...post('/api/login', { password: `nope${i}` }), remoteAddress: '10.0.0.5' });
    t.equal(wrong.statusCode, 401);
  }
  const limited = await web.app.inject({ ...post('/api/login', { password: PASSWORD }), remoteAddress: '10.0.0.5' });
  t.equal(limited.statusCode, 429, 'even the right password waits once limited');
  t.ok(Number(limited.headers['retry-after']) > 0);
  const other = await web.app.inject({ ...post('/api/login', { password: PASSWORD }), remoteAddress: '10.0.0.6' });
  t.equal(other.statusCode, 204, 'another client is not limited');

  const forged = await web.app.inject(post('/api/login', { password: PASSWORD }, { origin: 'http://evil.example' }));
  t.equal(forged.statusCode, 403, 'login from another site is refused');

  const out = await web.app.inject({ ...post('/api/logout', {}), headers: { host: HOST, origin: ORIGIN, cookie } });
  t.equal(out.statusCode, 204);
  t.match(String(out.headers['set-cookie']), /Max-Age=0/);
  const after = await web.app.inject({ method: 'GET', url: '/api/status', headers: { host: HOST, cookie } });
  t.equal(after.statusCode, 401, 'the session is gone after logout');
  const forgedToken = await web.app.inject({ method: 'GET', url: '/api/status', headers: { host: HOST, cookie: 'blueline_session=guess' } });
  t.equal(forgedToken.statusCode, 401);
});

t.test('sessions survive a restart; the reset file clears the password', async (t) => {
  const first = await startWeb(t, new FakeApi());
  const cookie = await first.setup();
  await first.app.close();

  const second = await startWeb(t, new FakeApi(), { config: { authFile: first.config.authFile, resetFile: first.config.resetFile } });
  const status = await second.app.inject({ method: 'GET', url: '/api/status', headers: { host: HOST, cookie } });
  t.equal(status.statusCode, 200, 'persisted session still valid');
  await second.app.close();

  writeFileSync(first.config.resetFile!, '');
  const third = await startWeb(t, new FakeApi(), { config: { authFile: first.config.authFile, resetFile: first.config.resetFile } });
  t.notOk(existsSync(first.config.resetFile!), 'reset file consumed');
  const session = await third.app.inject({ method: 'GET', url: '/api/session', headers: { host: HOST, cookie } });
  t.same(session.json(), { authenticated: false, setupRequired: true, setupAllowed: true }, 'password cleared, old sessions void');
});

t.test('an unreadable auth file locks the panel instead of opening setup', async (t) => {
  const web0 = await startWeb(t, new FakeApi());
  writeFileSync(web0.config.authFile, '{not json');
  const web = await startWeb(t, new FakeApi(), { config: { authFile: web0.config.authFile } });
  const setup = await web.app.inject(post('/api/setup', { password: PASSWORD }));
  t.equal(setup.statusCode, 409);
  const login = await web.app.inject(post('/api/login', { password: PASSWORD }));
  t.equal(login.statusCode, 401);
});

t.test('racing setups: exactly one wins; a login flood is turned away, not queued without bound', async (t) => {
  const web = await startWeb(t, new FakeApi());
  const setups = await Promise.all(Array.from({ length: 3 }, (_, i) => web.app.inject(post('/api/setup', { password: `password number ${i}` }))));
  t.equal(setups.filter((r) => r.statusCode === 204).length, 1, 'one setup wins');
  t.ok(setups.every((r) => [204, 409].includes(r.statusCode)), setups.map((r) => r.statusCode).join(','));

  const flood = await Promise.all(Array.from({ length: 12 }, (_, i) => web.app.inject({ ...post('/api/login', { password: 'wrong' }), remoteAddress: `10.1.0.${i}` })));
  const codes = flood.map((r) => r.statusCode);
  t.ok(codes.includes(429), `some turned away: ${codes.join(',')}`);
  t.ok(codes.every((c) => c === 401 || c === 429), 'the rest are plain wrong passwords');
});
