import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, syslogPriority } from '../../daemon/src/system/logger.js';
import { bundleFixture } from '../helpers/bundle.js';

async function runFixture(env: NodeJS.ProcessEnv, asJournal: boolean): Promise<string[]> {
  const fixture = await bundleFixture(join(import.meta.dirname, '..', 'fixtures', 'log-levels.ts'));
  const out = join(await mkdtemp(join(tmpdir(), 'bl-log-')), 'stdout');
  const fd = openSync(out, 'w');
  const st = fstatSync(fd);
  const journal = asJournal ? { JOURNAL_STREAM: `${st.dev}:${st.ino}` } : {};
  const child = spawn(process.execPath, [fixture], { stdio: ['ignore', fd, 'inherit'], env: { ...env, ...journal } });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  await once(child, 'exit');
  clearTimeout(timer);
  closeSync(fd);
  return readFileSync(out, 'utf8').trimEnd().split('\n');
}

const cleanEnv = { PATH: process.env['PATH'] ?? '' };

t.test('on journald each line starts with its syslog priority', async (t) => {
  const lines = await runFixture(cleanEnv, true);
  t.same(
    lines.map((l) => l.slice(0, 3)),
    ['<7>', '<7>', '<6>', '<4>', '<3>', '<2>'],
    'trace/debug 7, info 6, warn 4, error 3, fatal 2',
  );
  t.match(lines[2], /^<6>fixture: an info line speaker=AA:BB:CC:DD:EE:FF$/);
  t.match(lines[4], /outer/, 'the error is there');
  t.match(lines[4], /the root cause/, 'with its cause');
});

t.test('JOURNAL_STREAM naming another file is not journald: JSON lines', async (t) => {
  const lines = await runFixture({ ...cleanEnv, JOURNAL_STREAM: '1:2' }, false);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.same(records.map((r) => r['level']), [10, 20, 30, 40, 50, 60]);
  t.ok(records.every((r) => r['component'] === 'fixture'), 'every line carries its component');
  const err = records[4]?.['err'] as { message: string; cause?: { message: string } };
  t.equal(err.message, 'outer');
  t.equal(err.cause?.message, 'the root cause', 'errors carry their cause');
});

t.test('priority mapping and the ring buffer', async (t) => {
  t.same([10, 20, 30, 40, 50, 60].map(syslogPriority), [7, 7, 6, 4, 3, 2]);
  const written: string[] = [];
  const { logger, buffer } = createLogger({ level: 'info', format: 'text', write: (l) => void written.push(l) });
  for (let i = 0; i < 600; i++) logger.info({ i }, 'line');
  logger.debug('below the level');
  t.equal(buffer.recent(1000).length, 500, 'bounded');
  t.equal(buffer.recent(2)[1]?.['i'], 599, 'newest last');
  t.match(written[0], /^\d\d:\d\d:\d\d\.\d{3} INFO {2}line i=0\n$/);
});
