import t from 'tap';
import { mkdtemp, readdir, readFile, writeFile, unlink, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../daemon/src/config/state-store.js';
import { defaultSpeaker, defaultState, type PersistedState } from '../../daemon/src/config/state-schema.js';
import { createLogger } from '../../daemon/src/system/logger.js';
import { bundleFixture } from '../helpers/bundle.js';
import { startChild } from '../helpers/process.js';

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const { logger } = createLogger({ level: 'debug', format: 'json', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

function withSpeaker(name: string): PersistedState {
  const s = defaultState();
  s.speakers.push(defaultSpeaker('AA:BB:CC:DD:EE:01', name));
  return s;
}

const fixedNow = () => new Date('2026-11-24T10:00:00.000Z');

t.test('write then reopen returns the same state, with a .bak of the previous one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-state-'));
  const { logger } = captureLogs();
  const store = await FileStateStore.open(dir, logger);
  t.same(store.read(), defaultState(), 'fresh start');
  await store.write(withSpeaker('first'));
  await store.write(withSpeaker('second'));
  const again = await FileStateStore.open(dir, logger);
  t.equal(again.read().speakers[0]?.name, 'second');
  const bak = JSON.parse(await readFile(join(dir, 'state.json.bak'), 'utf8')) as PersistedState;
  t.equal(bak.speakers[0]?.name, 'first');
});

t.test('an invalid state is refused and nothing changes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-state-'));
  const store = await FileStateStore.open(dir, captureLogs().logger);
  await store.write(withSpeaker('good'));
  const bad = withSpeaker('bad');
  bad.speakers[0]!.volume = 900;
  await t.rejects(store.write(bad), /speakers\.0\.volume/);
  t.equal(store.read().speakers[0]?.name, 'good');
  t.match(await readFile(join(dir, 'state.json'), 'utf8'), /"good"/);
});

t.test('concurrent writes are serialized: the last one wins', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-state-'));
  const store = await FileStateStore.open(dir, captureLogs().logger);
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.write(withSpeaker(`n${i}`))));
  const reopened = await FileStateStore.open(dir, captureLogs().logger);
  t.equal(reopened.read().speakers[0]?.name, 'n19');
});

for (const [label, content] of [
  ['garbage', '{"version": 1, "settings": {'],
  ['a value out of range', JSON.stringify({ ...withSpeaker('x'), speakers: [{ ...defaultSpeaker('AA:BB:CC:DD:EE:01', 'x'), volume: 900 }] })],
  ['a newer version', JSON.stringify({ ...withSpeaker('x'), version: 7 })],
] as const) {
  t.test(`a corrupt state file (${label}) is moved aside and the last good copy used`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bl-state-'));
    const first = await FileStateStore.open(dir, captureLogs().logger);
    await first.write(withSpeaker('kept'));
    await first.write(withSpeaker('latest'));
    await writeFile(join(dir, 'state.json'), content);
    const { logger, lines } = captureLogs();
    const store = await FileStateStore.open(dir, logger, fixedNow);
    t.equal(store.read().speakers[0]?.name, 'kept', 'the .bak copy is used');
    const files = await readdir(dir);
    t.ok(files.includes('state.json.corrupt-2026-11-24T10-00-00.000Z'), 'moved aside with a timestamp');
    t.equal(await readFile(join(dir, 'state.json.corrupt-2026-11-24T10-00-00.000Z'), 'utf8'), content, 'kept as it was');
    t.ok(lines.some((l) => l['level'] === 50 && /corrupt/.test(String(l['msg']))), 'an error is logged');
    t.match(await readFile(join(dir, 'state.json'), 'utf8'), /"kept"/, 'the good copy is written back');
  });
}

t.test('corrupt with no good copy: defaults, file kept aside, no crash', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-state-'));
  await writeFile(join(dir, 'state.json'), 'not json at all');
  const { logger, lines } = captureLogs();
  const store = await FileStateStore.open(dir, logger, fixedNow);
  t.same(store.read(), defaultState());
  t.ok((await readdir(dir)).some((f) => f.startsWith('state.json.corrupt-')));
  t.ok(lines.some((l) => l['level'] === 50 && /defaults/.test(String(l['msg']))));
});

t.test('state.json missing but a .bak present (killed between link and rename): the .bak is used', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-state-'));
  const store = await FileStateStore.open(dir, captureLogs().logger);
  await store.write(withSpeaker('one'));
  await store.write(withSpeaker('two'));
  await unlink(join(dir, 'state.json'));
  const { logger, lines } = captureLogs();
  const again = await FileStateStore.open(dir, logger);
  t.equal(again.read().speakers[0]?.name, 'one');
  t.ok(lines.some((l) => l['level'] === 40));
});

t.test('a good file never rewritten still gets a fallback copy', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-state-'));
  await writeFile(join(dir, 'state.json'), JSON.stringify(withSpeaker('hand-made')));
  await FileStateStore.open(dir, captureLogs().logger);
  await rename(join(dir, 'state.json'), join(dir, 'gone.json'));
  const again = await FileStateStore.open(dir, captureLogs().logger);
  t.equal(again.read().speakers[0]?.name, 'hand-made');
});

t.test('SIGKILL in the middle of writes never leaves a torn or invalid state file', async (t) => {
  const writer = await bundleFixture(join(import.meta.dirname, '..', 'fixtures', 'state-writer.ts'));
  const dir = await mkdtemp(join(tmpdir(), 'bl-state-kill-'));
  for (let round = 0; round < 15; round++) {
    const child = startChild(process.execPath, [writer, dir]);
    t.teardown(() => child.kill());
    const target = 1 + Math.floor(Math.random() * 20);
    await child.waitForLine((l) => l === `wrote ${target}`, 20000);
    // let it run into the next write, then kill it somewhere inside
    await new Promise((r) => setTimeout(r, Math.random() * 15));
    child.kill('SIGKILL');
    await child.exited;
    const lastReported = Math.max(...child.lines.filter((l) => l.startsWith('wrote ')).map((l) => Number(l.slice(6))));
    const { logger, lines } = captureLogs();
    const store = await FileStateStore.open(dir, logger);
    const state = store.read();
    t.equal(state.speakers.length, 32, `round ${round}: a complete state`);
    const name = state.speakers[0]?.name ?? '';
    const n = Number(/speaker (\d+)/.exec(name)?.[1]);
    t.ok(n === lastReported || n === lastReported + 1, `round ${round}: the last finished write (${lastReported}) or the one in flight, got ${n}`);
    t.notOk(lines.some((l) => l['level'] === 50), `round ${round}: no corruption reported`);
  }
});
