import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigText, defaultConfig } from '../../daemon/src/config/config-file.js';
import { migrate } from '../../daemon/src/config/migrate.js';
import { bundlePath, runToEnd } from '../helpers/process.js';

t.test('an empty config means every default', async (t) => {
  const result = checkConfigText('{}');
  t.ok(result.ok);
  if (result.ok) t.same(result.config, defaultConfig());
  t.equal(defaultConfig().web.port, 80);
  t.equal(defaultConfig().web.hostname, 'blueline');
});

t.test('every bad field is named with a reason', async (t) => {
  const result = checkConfigText(
    JSON.stringify({ logLevel: 'loud', web: { port: 70000, prot: 1, hostname: 'my box' }, bluetooth: { adapters: ['hcix'] }, audio: { server: 5 } }),
  );
  t.notOk(result.ok);
  if (result.ok) return;
  const byPath = Object.fromEntries(result.problems.map((p) => [p.path, p.reason]));
  t.match(byPath['logLevel'], /one of trace, debug, info/);
  t.match(byPath['web.port'], /65535.*got 70000/);
  t.match(byPath['web.prot'], /unknown setting/);
  t.match(byPath['web.hostname'], /letters, digits/);
  t.match(byPath['bluetooth.adapters.0'], /hciN or AA:BB/);
  t.ok(byPath['audio.server'], 'audio.server is named');
  t.equal(result.problems.length, 6);
});

t.test('broken JSON says where', async (t) => {
  const result = checkConfigText('{\n  "web": {\n    "port": 80,\n  }\n}');
  t.notOk(result.ok);
  if (!result.ok) t.match(result.problems[0]?.reason, /not valid JSON at line 4/);
});

t.test('migration lifts old versions and refuses newer ones', async (t) => {
  const steps = { 0: (d: Record<string, unknown>) => ({ ...d, added: true }), 1: (d: Record<string, unknown>) => ({ ...d, renamed: d['added'] }) };
  const lifted = migrate({ x: 1 }, 2, steps);
  t.same(lifted, { ok: true, from: 0, value: { x: 1, added: true, renamed: true, version: 2 } });
  const newer = migrate({ version: 3 }, 2, steps);
  t.notOk(newer.ok);
  if (!newer.ok) t.match(newer.problems[0]?.reason, /newer blueline \(version 3/);
  t.notOk(migrate([], 2, steps).ok, 'arrays are not documents');
  t.notOk(migrate({ version: 'one' }, 2, steps).ok, 'version must be a number');
  t.notOk(migrate({ version: 1 }, 3, { 0: (d) => d }).ok, 'a missing step is an error');
  t.ok(checkConfigText('{"version": 1}').ok, 'current version');
  t.notOk(checkConfigText('{"version": 2}').ok, 'future version');
});

t.test('blueline --check-config exits 0 for a good file and 1 naming every bad field', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-config-'));
  const good = join(dir, 'good.json');
  const bad = join(dir, 'bad.json');
  await writeFile(good, JSON.stringify({ web: { port: 8080 } }));
  await writeFile(bad, JSON.stringify({ web: { port: -1, bind: '' }, logLevel: 3 }));
  const ok = await runToEnd(process.execPath, [bundlePath, '--check-config', good]);
  t.equal(ok.code, 0);
  t.match(ok.stdout, /valid/);
  const ko = await runToEnd(process.execPath, [bundlePath, '--check-config', bad]);
  t.equal(ko.code, 1);
  t.match(ko.stderr, /^web\.port: /m);
  t.match(ko.stderr, /^web\.bind: /m);
  t.match(ko.stderr, /^logLevel: /m);
  const missing = await runToEnd(process.execPath, [bundlePath, '--check-config', join(dir, 'nope.json')]);
  t.equal(missing.code, 1);
});

t.test('the CLI rejects unknown flags with a usage hint', async (t) => {
  const r = await runToEnd(process.execPath, [bundlePath, '--frobnicate']);
  t.equal(r.code, 2);
  t.match(r.stderr, /Unknown option '--frobnicate'/);
  t.match(r.stderr, /blueline --help/);
  const help = await runToEnd(process.execPath, [bundlePath, '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--state-dir DIR/);
  const version = await runToEnd(process.execPath, [bundlePath, '--version']);
  t.match(version.stdout, /^blueline \d+\.\d+\.\d+/);
  const port = await runToEnd(process.execPath, [bundlePath, '--port', 'eighty']);
  t.equal(port.code, 2);
  t.match(port.stderr, /--port takes a number/);
});

t.test('a bad config file falls back to the last good one, then to defaults', async (t) => {
  const { loadEffectiveConfig } = await import('../../daemon/src/config/config-file.js');
  const { createLogger } = await import('../../daemon/src/system/logger.js');
  const records: Record<string, unknown>[] = [];
  const { logger } = createLogger({ level: 'info', format: 'json', write: (l) => void records.push(JSON.parse(l) as Record<string, unknown>) });
  const dir = await mkdtemp(join(tmpdir(), 'bl-effective-'));
  const file = join(dir, 'config.json');
  const lastGood = join(dir, 'config.last-good.json');

  t.equal((await loadEffectiveConfig(file, false, lastGood, logger)).web.port, 80, 'no file: defaults');
  await writeFile(file, JSON.stringify({ web: { port: 8080 } }));
  t.equal((await loadEffectiveConfig(file, false, lastGood, logger)).web.port, 8080, 'good file used');
  const { statSync } = await import('node:fs');
  const inode = statSync(lastGood).ino;
  await loadEffectiveConfig(file, false, lastGood, logger);
  t.equal(statSync(lastGood).ino, inode, 'an unchanged config is not rewritten at every start');
  await writeFile(file, '{"web": {"port": "eighty"');
  t.equal((await loadEffectiveConfig(file, false, lastGood, logger)).web.port, 8080, 'broken file: the last good config');
  t.ok(records.some((r) => r['level'] === 50 && r['msg'] === 'config file is invalid' && /not valid JSON/.test(String(r['problems']))));
  const fresh = join(dir, 'none.json');
  t.equal((await loadEffectiveConfig(file, false, fresh, logger)).web.port, 80, 'no last good copy: defaults');
  records.length = 0;
  t.equal((await loadEffectiveConfig(join(dir, 'missing.json'), true, fresh, logger)).web.port, 80, 'a named file that is missing: defaults');
  t.ok(records.some((r) => r['level'] === 50 && /cannot read/.test(String(r['problems']))), 'and it is logged as an error');
});
