/**
 * One connection to the audio server at a time, kept alive: connect, subscribe to events,
 * and on any loss reconnect with backoff (100 ms doubling to 1 s, so a restarted server is
 * found within about a second). Every call is bounded by a timeout; a call that times out
 * means the server is stuck, so the connection is dropped and rebuilt.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BluelineError, toBluelineError } from '../core/errors.js';
import { ProtocolClient } from './protocol.js';

export interface ConnectionOptions {
  logger: Logger;
  /** 'unix:/path' or '/path'; default: PULSE_SERVER, then $XDG_RUNTIME_DIR/pulse/native, then /run/pulse/native */
  server?: string;
  /** default: PULSE_COOKIE, then ~/.config/pulse/cookie; none = anonymous (socket credentials) */
  cookiePath?: string;
  callTimeoutMs?: number;
}

export interface ServerHello {
  name: string;
  version: string;
}

export interface ServerEvent {
  facility: string;
  operation: string;
  index: number;
}

const COOKIE_LENGTH = 256;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 1000;

/** The socket path to use. PULSE_SERVER may list several servers; the first local one wins. */
export function resolveServerPath(server: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [server, ...(env.PULSE_SERVER ?? '').split(/\s+/)].filter((s): s is string => !!s);
  for (const c of candidates) {
    const entry = c.replace(/^\{[^}]*\}/, '');
    if (entry.startsWith('unix:')) return entry.slice(5);
    if (entry.startsWith('/')) return entry;
  }
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'pulse', 'native');
  return '/run/pulse/native';
}

function loadCookie(path: string | undefined, logger: Logger): Buffer {
  const candidates = path ? [path] : [process.env.PULSE_COOKIE, join(homedir(), '.config', 'pulse', 'cookie')];
  for (const c of candidates) {
    if (!c) continue;
    try {
      const cookie = readFileSync(c);
      if (cookie.length === COOKIE_LENGTH) return cookie;
      logger.warn({ path: c }, 'audio server cookie has the wrong size; ignoring it');
    } catch {
      // absent: try the next one
    }
  }
  return Buffer.alloc(COOKIE_LENGTH);
}

export function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BluelineError('timeout', 'the audio server did not answer in time', { detail: what })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface ConnectionEvents {
  up: [ServerHello];
  down: [];
  event: [ServerEvent];
}

export class Connection extends EventEmitter<ConnectionEvents> {
  private client: ProtocolClient | null = null;
  private running = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = BACKOFF_FIRST_MS;
  private failures = 0;
  private readonly log: Logger;
  private readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ConnectionOptions) {
    super();
    this.log = options.logger;
    this.socketPath = resolveServerPath(options.server);
    this.timeoutMs = options.callTimeoutMs ?? 5000;
  }

  get connected(): boolean {
    return this.client !== null;
  }

  get path(): string {
    return this.socketPath;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    if (client) await withTimeout('disconnect', this.timeoutMs, client.disconnect()).catch(() => client.sock?.destroy());
  }

  /** Runs one request against the live client, bounded by the call timeout. */
  async call<T>(what: string, fn: (client: ProtocolClient) => Promise<T>): Promise<T> {
    const client = this.client;
    if (!client) throw new BluelineError('unavailable', 'the audio server is not running', { detail: what });
    try {
      return await withTimeout(what, this.timeoutMs, fn(client));
    } catch (err) {
      if (err instanceof BluelineError && err.code === 'timeout' && this.client === client) {
        this.log.warn({ err, what }, 'audio server call timed out; reconnecting');
        this.lost(client);
      }
      if (err instanceof BluelineError) throw err;
      if (this.client !== client) throw new BluelineError('unavailable', 'the audio server went away', { cause: err, detail: what });
      throw toBluelineError(err, `the audio server refused: ${what}`);
    }
  }

  private async attempt(): Promise<void> {
    if (!this.running) return;
    const client = new ProtocolClient('blueline', loadCookie(this.options.cookiePath, this.log), this.socketPath);
    client.on('error', () => this.lost(client));
    try {
      await withTimeout('connect', this.timeoutMs, client.connect());
      const info = await withTimeout('server info', this.timeoutMs, client.getServerInfo());
      if (!this.running) {
        client.sock?.destroy();
        return;
      }
      this.client = client;
      // listening for 'event' makes pulseaudio.js subscribe to everything
      client.on('event', (e: ServerEvent) => {
        if (this.client === client) this.emit('event', e);
      });
      if (this.failures > 0) this.log.info({ server: this.socketPath, attempts: this.failures }, 'audio server is back');
      this.backoffMs = BACKOFF_FIRST_MS;
      this.failures = 0;
      this.emit('up', { name: info.name, version: info.version });
    } catch (err) {
      client.sock?.destroy();
      if (this.failures === 0) this.log.info({ err, server: this.socketPath }, 'audio server not reachable; retrying in the background');
      this.failures++;
      this.schedule();
    }
  }

  private lost(client: ProtocolClient): void {
    // (removing its 'event' listener would make pulseaudio.js unsubscribe on a dead socket)
    client.sock?.destroy();
    if (this.client !== client) return;
    this.client = null;
    this.log.info({ server: this.socketPath }, 'lost the audio server; reconnecting');
    this.failures = 1;
    this.emit('down');
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.attempt(), this.backoffMs);
    this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
  }
}
