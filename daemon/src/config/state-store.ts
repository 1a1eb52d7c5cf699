/**
 * The state file the daemon owns (state.json in the state directory), with its last good copy
 * (state.json.bak). Loading never fails: a file that does not parse or validate is moved aside
 * as state.json.corrupt-<timestamp>, the last good copy is used (and written back), and only
 * without any good copy does the daemon start from defaults. Every step is logged.
 */
import { access, mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { migrate, type Migrations } from './migrate.js';
import { keepCopy, writeFileAtomic } from './atomic-file.js';
import { PersistedStateSchema, STATE_VERSION, defaultState, type PersistedState, type StateStore } from './state-schema.js';
import { formatProblems, parseJson, validate, type Problem } from './validate.js';

export const stateMigrations: Migrations = {
  // A hand-written state file without "version" is read as version 1.
  0: (doc) => doc,
};

type ReadOutcome = { kind: 'ok'; state: PersistedState } | { kind: 'missing' } | { kind: 'bad'; problems: Problem[] };

export class FileStateStore implements StateStore {
  readonly path: string;
  readonly backupPath: string;
  private current: PersistedState;
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
    initial: PersistedState,
  ) {
    this.path = join(dir, 'state.json');
    this.backupPath = join(dir, 'state.json.bak');
    this.current = initial;
  }

  /** Loads the state (recovering as described above); creates the directory if needed. */
  static async open(dir: string, logger: Logger, now: () => Date = () => new Date()): Promise<FileStateStore> {
    const log = logger.child({ component: 'state' });
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const store = new FileStateStore(dir, log, defaultState());
    await store.load(now);
    return store;
  }

  read(): PersistedState {
    return structuredClone(this.current);
  }

  /** Writes are queued so two callers never interleave; the in-memory copy changes only on success. */
  write(state: PersistedState): Promise<void> {
    const checked = validate(PersistedStateSchema, state);
    if (!checked.ok) {
      return Promise.reject(new Error(`refusing to write an invalid state:\n${formatProblems(checked.problems)}`));
    }
    const snapshot = structuredClone(checked.value);
    const run = this.queue.then(async () => {
      await writeFileAtomic(this.path, JSON.stringify(snapshot, null, 2) + '\n', { keepPreviousAs: this.backupPath });
      this.current = snapshot;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A write killed before its rename leaves a temp file behind; it is never the truth. */
  private async removeStaleTempFiles(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (name.startsWith('.state.json.tmp-')) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  private async load(now: () => Date): Promise<void> {
    await this.removeStaleTempFiles();
    const main = await readStateFile(this.path);
    if (main.kind === 'ok') {
      this.current = main.state;
      this.logger.info({ path: this.path, speakers: main.state.speakers.length }, 'state loaded');
      // A good file that was never rewritten still deserves a fallback copy.
      if (!(await exists(this.backupPath))) await keepCopy(this.path, this.backupPath);
      return;
    }
    if (main.kind === 'bad') {
      const aside = `${this.path}.corrupt-${now().toISOString().replaceAll(':', '-')}`;
      await rename(this.path, aside);
      this.logger.error({ path: this.path, movedTo: aside, problems: formatProblems(main.problems) }, 'state file is corrupt; moved aside');
    }
    const backup = await readStateFile(this.backupPath);
    if (backup.kind === 'ok') {
      this.current = backup.state;
      await writeFileAtomic(this.path, JSON.stringify(backup.state, null, 2) + '\n');
      this.logger[main.kind === 'bad' ? 'error' : 'warn'](
        { path: this.backupPath, speakers: backup.state.speakers.length },
        'using the last good copy of the state',
      );
      return;
    }
    if (backup.kind === 'bad') {
      this.logger.error({ path: this.backupPath, problems: formatProblems(backup.problems) }, 'the last good copy is unreadable too');
    }
    if (main.kind === 'missing' && backup.kind === 'missing') this.logger.info({ path: this.path }, 'no state yet: starting fresh');
    else this.logger.error({ path: this.path }, 'no good copy of the state: starting from defaults');
    this.current = defaultState();
  }
}

async function readStateFile(path: string): Promise<ReadOutcome> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', problems: [{ path: '(file)', reason: String(e) }] };
  }
  const parsed = parseJson(text);
  if (!parsed.ok) return { kind: 'bad', problems: parsed.problems };
  const migrated = migrate(parsed.value, STATE_VERSION, stateMigrations);
  if (!migrated.ok) return { kind: 'bad', problems: migrated.problems };
  const checked = validate(PersistedStateSchema, migrated.value);
  return checked.ok ? { kind: 'ok', state: checked.value } : { kind: 'bad', problems: checked.problems };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
