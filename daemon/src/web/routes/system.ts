/** Status, settings, logs, version and the unauthenticated health check. */
import type { FastifyInstance } from 'fastify';
import type { BluelineApi } from '../../core/api.js';
import type { RecentLogs } from '../config.js';
import { LogsQuery, SettingsPatchBody } from '../schemas.js';

const DEFAULT_LOG_LINES = 200;
const MAX_LOG_LINES = 2000;

export async function systemRoutes(app: FastifyInstance, deps: { api: BluelineApi; logs: RecentLogs; version: string }): Promise<void> {
  const { api } = deps;
  app.get('/api/status', async () => api.status());
  app.get('/api/input', async () => api.status().input);
  app.get('/api/settings', async () => api.settings());
  app.patch<{ Body: SettingsPatchBody }>('/api/settings', { schema: { body: SettingsPatchBody } }, async (request) => api.updateSettings(request.body));

  app.get<{ Querystring: LogsQuery }>('/api/logs', { schema: { querystring: LogsQuery } }, async (request) => {
    const asked = request.query.lines === undefined ? DEFAULT_LOG_LINES : Number(request.query.lines);
    return { lines: deps.logs.recent(Math.min(Math.max(asked, 1), MAX_LOG_LINES)) };
  });
  app.get('/api/version', async () => ({ version: deps.version, node: process.version }));
}

export async function healthRoute(app: FastifyInstance, api: BluelineApi): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    const health = api.health();
    reply.header('cache-control', 'no-store');
    if (health.healthy) return { status: 'healthy', summary: health.summary };
    return reply.code(503).send({ status: 'unhealthy', summary: health.summary, reasons: health.reasons });
  });
}
