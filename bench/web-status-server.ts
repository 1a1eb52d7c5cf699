// Child process of bench/web-status.ts: the web server on loopback with the panel's API,
// the built web-ui, and a password set. Prints one JSON line { port, cookie } when ready.
import { pino } from 'pino';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebServer } from '../daemon/src/web/server.js';
import { panelApi } from '../test/helpers/panel-api.js';

const webRoot = process.argv[2] ?? null;
const dir = mkdtempSync(join(tmpdir(), 'bl-bench-web-'));
const p = await panelApi();
const app = await createWebServer({
  api: p.api, logger: pino({ level: 'error' }), logs: { recent: () => [] },
  config: { bind: '127.0.0.1', port: 0, hostname: 'blueline', allowedHosts: [], authFile: join(dir, 'auth.json'), resetFile: null, webRoot, version: 'bench' },
});
await app.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.address() as { port: number }).port;
const setup = await app.inject({ method: 'POST', url: '/api/setup', payload: { password: 'bench password' }, headers: { host: 'localhost', origin: 'http://localhost' } });
const cookie = String(setup.headers['set-cookie']).split(';')[0];
console.log(JSON.stringify({ port, cookie }));
process.on('SIGTERM', async () => {
  await app.close();
  await p.stop();
  process.exit(0);
});
