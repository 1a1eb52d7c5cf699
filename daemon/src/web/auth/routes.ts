/**
 * First-start setup, login, logout and "who am I". Setup only works while no password exists
 * and only from a LAN or loopback address; login is rate limited per client and overall.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AuthStore } from './auth-store.js';
import { clearedSessionCookie, sessionCookie, sessionToken } from './cookie.js';
import { isLanAddress } from './lan.js';
import type { LoginRateLimiter } from './rate-limit.js';
import { sendError } from '../errors.js';

const PasswordBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
const NewPasswordBody = Type.Object({ password: Type.String({ minLength: 8, maxLength: 256 }) }, { additionalProperties: false });

export interface AuthDeps {
  store: AuthStore;
  limiter: LoginRateLimiter;
  /** ends the server-sent event streams of a session that logged out */
  onLogout(token: string): void;
}

export function isAuthenticated(request: FastifyRequest, store: AuthStore): boolean {
  return store.isValidSession(sessionToken(request.headers.cookie));
}

/** scrypt needs 32 MiB per hash: hash one password at a time and turn away a pile-up */
const MAX_WAITING_HASHES = 4;

export async function authRoutes(app: FastifyInstance, deps: AuthDeps): Promise<void> {
  const { store, limiter } = deps;
  let queue: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> | null => {
    if (waiting >= MAX_WAITING_HASHES) return null;
    waiting++;
    const run = queue.then(fn, fn).finally(() => waiting--);
    queue = run.catch(() => {});
    return run;
  };
  const startSession = async (reply: FastifyReply) => {
    reply.header('set-cookie', sessionCookie(await store.createSession()));
    return reply.code(204).send();
  };

  app.get('/api/session', async (request) => ({
    authenticated: isAuthenticated(request, store),
    setupRequired: !store.hasPassword(),
    setupAllowed: !store.hasPassword() && isLanAddress(request.ip),
  }));

  app.post<{ Body: Static<typeof NewPasswordBody> }>('/api/setup', { schema: { body: NewPasswordBody } }, async (request, reply) => {
    if (!isLanAddress(request.ip)) return sendError(reply, 403, 'forbidden', 'the password can only be set from the local network');
    if (store.hasPassword()) return sendError(reply, 409, 'conflict', 'a password is already set; log in, or reset it as described in the manual');
    const set = oneAtATime(async () => {
      // checked again in the queue: two setups racing must not both win
      if (store.hasPassword()) return false;
      await store.setPassword(request.body.password);
      return true;
    });
    if (!set) return sendError(reply, 429, 'rate-limited', 'busy; try again in a moment');
    if (!(await set)) return sendError(reply, 409, 'conflict', 'a password is already set');
    request.log.info({ client: request.ip }, 'panel password set');
    return startSession(reply);
  });

  app.post<{ Body: Static<typeof PasswordBody> }>('/api/login', { schema: { body: PasswordBody } }, async (request, reply) => {
    const wait = limiter.retryAfterMs(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      return sendError(reply, 429, 'rate-limited', `too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s`);
    }
    if (!store.hasPassword()) return sendError(reply, 409, 'setup-required', 'no password is set yet; set one first');
    const check = oneAtATime(() => store.checkPassword(request.body.password));
    if (!check) return sendError(reply, 429, 'rate-limited', 'too many logins at once; try again in a moment');
    if (!(await check)) {
      limiter.fail(request.ip);
      request.log.warn({ client: request.ip }, 'panel login failed');
      return sendError(reply, 401, 'unauthorized', 'wrong password');
    }
    limiter.succeed(request.ip);
    return startSession(reply);
  });

  app.post('/api/logout', async (request, reply) => {
    const token = sessionToken(request.headers.cookie);
    if (token) {
      await store.endSession(token);
      deps.onLogout(token);
    }
    reply.header('set-cookie', clearedSessionCookie());
    return reply.code(204).send();
  });
}
