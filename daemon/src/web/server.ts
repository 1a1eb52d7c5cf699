/**
 * createWebServer: the panel's Fastify app (JSON API, server-sent events, web-ui assets),
 * built on BluelineApi only. Returned not listening: main.ts listens (or hands it a socket).
 *
 * Every request passes, in order: Host allowlist (DNS rebinding) -> same-origin check on
 * state-changing methods (CSRF) -> session check unless the route is public. See docs/web.md.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AuthStore } from './auth/auth-store.js';
import { authRoutes, isAuthenticated } from './auth/routes.js';
import { LoginRateLimiter, type LoginLimits } from './auth/rate-limit.js';
import type { WebDeps } from './config.js';
import { installErrorHandlers, sendError } from './errors.js';
import { SECURITY_HEADERS } from './headers.js';
import { createHostCheck } from './host-allowlist.js';
import { eventRoutes, EventStreams } from './routes/events.js';
import { speakerRoutes } from './routes/speakers.js';
import { healthRoute, systemRoutes } from './routes/system.js';
import { isSameOrigin, needsOriginCheck } from './same-origin.js';
import { loadAssets, staticRoutes } from './static-files.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** reachable without a session (assets, health, login) */
    public?: boolean;
  }
}

const BODY_LIMIT_BYTES = 64 * 1024;

export interface WebOptions {
  /** tests shorten the login window */
  loginLimits?: LoginLimits;
}

export async function createWebServer(deps: WebDeps, options: WebOptions = {}): Promise<FastifyInstance> {
  const { api, config } = deps;
  const logger = deps.logger.child({ component: 'web' });
  const store = new AuthStore(config.authFile, config.resetFile, logger);
  await store.load();
  const assets = loadAssets(config.webRoot, logger);
  const hostAllowed = createHostCheck(config);
  const streams = new EventStreams(api);

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  // Only JSON bodies: a plain-text form post from another site gets 415, not a parse attempt.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app);

  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host)) {
      return sendError(reply, 403, 'host-not-allowed', `this panel answers to ${config.hostname}, ${config.hostname}.local, localhost or an IP address`);
    }
    if (needsOriginCheck(request.method) && !isSameOrigin(request.headers)) {
      return sendError(reply, 403, 'cross-origin', 'state-changing requests must come from the panel itself (Origin header missing or foreign)');
    }
    if (!request.routeOptions.config.public && !isAuthenticated(request, store)) {
      return sendError(reply, 401, 'unauthorized', 'log in first');
    }
  });
  app.addHook('onSend', async (request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  app.addHook('preClose', async () => streams.close());

  const limiter = new LoginRateLimiter(options.loginLimits);
  await app.register(async (pub) => {
    pub.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await authRoutes(pub, { store, limiter, onLogout: (token) => streams.endSession(token) });
    await healthRoute(pub, api);
    staticRoutes(pub, assets);
  });
  await app.register(async (priv) => {
    await systemRoutes(priv, { api, logs: deps.logs, version: config.version });
    await speakerRoutes(priv, api);
    await eventRoutes(priv, streams);
  });
  logger.info({ assets: assets.size, hostname: config.hostname, passwordSet: store.hasPassword() }, 'web panel ready');
  return app;
}
