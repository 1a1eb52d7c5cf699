/**
 * Builds the web server for tests: a temp state dir, a silent logger, and helpers that send
 * requests the way the panel does (allowed Host, same Origin, session cookie).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import type { BluelineApi } from '../../daemon/src/core/api.js';
import type { WebConfig } from '../../daemon/src/web/config.js';
import { createWebServer, type WebOptions } from '../../daemon/src/web/server.js';

export const HOST = 'blueline.local';
export const ORIGIN = `http://${HOST}`;
export const PASSWORD = 'correct horse battery';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TestWeb {
  app: FastifyInstance;
  dir: string;
  config: WebConfig;
  /** inject with the panel's Host and Origin, plus the session cookie once logged in */
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** sets the password (first start) and keeps the session cookie */
  setup(): Promise<string>;
  cookie: string | null;
}

export function cookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const first = Array.isArray(header) ? header[0] : header;
  if (!first) throw new Error(`no cookie in response ${res.statusCode} ${res.body}`);
  return first.split(';')[0] ?? '';
}

export async function startWeb(
  t: Teardown,
  api: BluelineApi,
  options: { config?: Partial<WebConfig>; web?: WebOptions; logs?: object[] } = {},
): Promise<TestWeb> {
  const dir = mkdtempSync(join(tmpdir(), 'blueline-web-'));
  const config: WebConfig = {
    bind: '127.0.0.1', port: 0, hostname: 'blueline', allowedHosts: [], authFile: join(dir, 'auth.json'),
    resetFile: join(dir, 'blueline-reset-password'), webRoot: null, version: '0.0.0-test', ...options.config,
  };
  const logs = options.logs ?? [{ level: 30, msg: 'hello' }];
  const app = await createWebServer({ api, logger: pino({ level: 'silent' }), logs: { recent: (n) => logs.slice(-n) }, config }, options.web);
  t.teardown(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const web: TestWeb = {
    app, dir, config, cookie: null,
    request: (o) => app.inject({ ...o, headers: { host: HOST, origin: ORIGIN, ...(web.cookie ? { cookie: web.cookie } : {}), ...o.headers } }),
    async setup() {
      const res = await web.request({ method: 'POST', url: '/api/setup', payload: { password: PASSWORD } });
      if (res.statusCode !== 204) throw new Error(`setup failed: ${res.statusCode} ${res.body}`);
      web.cookie = cookieOf(res);
      return web.cookie;
    },
  };
  return web;
}
