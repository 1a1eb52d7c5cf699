/**
 * The panel's password and login sessions, in one small JSON file in the state dir (mode 0600).
 * Sessions are persisted so a power cut does not log the phone out; only a SHA-256 of each
 * session token is stored. Deleting the file (or placing the reset file on the boot
 * partition) clears the password: the next visitor on the LAN sets a new one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { hashPassword, verifyPassword, type PasswordHash } from './password.js';

export const SESSION_LIFETIME_MS = 30 * 24 * 3600_000;
const MAX_SESSIONS = 32;

interface Session {
  id: string;
  expiresAt: number;
}

interface AuthFile {
  version: 1;
  password: PasswordHash | null;
  sessions: Session[];
}

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

function isAuthFile(v: unknown): v is AuthFile {
  const f = v as AuthFile;
  return typeof f === 'object' && f !== null && f.version === 1 && Array.isArray(f.sessions) &&
    (f.password === null || (typeof f.password === 'object' && f.password.algo === 'scrypt'));
}

export class AuthStore {
  private state: AuthFile = { version: 1, password: null, sessions: [] };
  /** the file exists but cannot be read: nobody may log in or set a password until it is deleted */
  private locked = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly resetFile: string | null,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<void> {
    if (this.resetFile && (await exists(this.resetFile))) {
      await rm(this.file, { force: true });
      try {
        await rm(this.resetFile);
        this.logger.warn({ resetFile: this.resetFile }, 'panel password cleared by the reset file; set a new one in the panel');
      } catch (err) {
        this.logger.error({ err, resetFile: this.resetFile }, 'panel password cleared, but the reset file could not be deleted: it will clear the password at every start');
      }
    }
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isAuthFile(parsed)) throw new Error('unexpected content');
      this.state = { ...parsed, sessions: parsed.sessions.filter((s) => s.expiresAt > this.now()) };
    } catch (err) {
      this.locked = true;
      this.logger.error({ err, file: this.file }, 'panel password file is unreadable; delete it to set a new password');
    }
  }

  hasPassword(): boolean {
    return this.locked || this.state.password !== null;
  }

  async setPassword(password: string): Promise<void> {
    this.state = { version: 1, password: await hashPassword(password), sessions: [] };
    await this.persist();
  }

  async checkPassword(password: string): Promise<boolean> {
    const stored = this.state.password;
    if (this.locked || !stored) return false;
    return verifyPassword(password, stored);
  }

  /** a new random session token (only its hash is kept) */
  async createSession(): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const live = this.state.sessions.filter((s) => s.expiresAt > this.now());
    this.state.sessions = [...live.slice(-(MAX_SESSIONS - 1)), { id: tokenId(token), expiresAt: this.now() + SESSION_LIFETIME_MS }];
    await this.persist();
    return token;
  }

  isValidSession(token: string | undefined): boolean {
    if (!token || this.locked || !this.state.password) return false;
    const id = tokenId(token);
    return this.state.sessions.some((s) => s.id === id && s.expiresAt > this.now());
  }

  async endSession(token: string): Promise<void> {
    const id = tokenId(token);
    const before = this.state.sessions.length;
    this.state.sessions = this.state.sessions.filter((s) => s.id !== id);
    if (this.state.sessions.length !== before) await this.persist();
  }

  /** atomic: temp file, then rename; writes are serialized */
  private persist(): Promise<void> {
    const text = JSON.stringify(this.state);
    const write = async () => {
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, this.file);
    };
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
