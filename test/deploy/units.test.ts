// The shipped systemd units pass `systemd-analyze verify` without a warning, blueline.service
// keeps its `systemd-analyze security` exposure at or below 2.0, the sysusers file makes the
// user the units expect, and the D-Bus policy is accepted by a real dbus-daemon.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');
const units = join(repo, 'deploy', 'systemd');
const shipped = ['blueline.service', 'blueline.socket', 'blueline-password-reset.service'];
const imageOnly = ['blueline-firstboot.service', 'blueline-ssh-keygen.service', 'blueline-selftest.service', 'blueline-test-line-in.service'];
const hostUnitDir = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => spawnSync('test', ['-d', d]).status === 0);

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), stderr: (r.stderr ?? '').trim() };
}

/** A root directory laid out like an installed system: host units, ours, the rendered drop-in, stand-in binaries. */
function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'blueline-units-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  if (hostUnitDir) cpSync(hostUnitDir, join(root, 'usr/lib/systemd/system'), { recursive: true });
  const etc = join(root, 'etc/systemd/system');
  mkdirSync(join(etc, 'blueline.service.d'), { recursive: true });
  for (const u of shipped) copyFileSync(join(units, u), join(etc, u));
  for (const u of imageOnly) copyFileSync(join(units, 'image', u), join(etc, u));
  const dropIn = readFileSync(join(units, 'audio-session.conf.in'), 'utf8').replaceAll('@UID@', '990');
  writeFileSync(join(etc, 'blueline.service.d', '10-audio-session.conf'), dropIn);
  mkdirSync(join(etc, 'bluetooth.service.d'), { recursive: true });
  copyFileSync(join(units, 'bluetooth.service.d', 'blueline.conf'), join(etc, 'bluetooth.service.d', 'blueline.conf'));
  for (const bin of ['usr/libexec/bluetooth/bluetoothd', 'usr/lib/blueline/node/bin/node', 'usr/lib/blueline-image/apply-settings', 'usr/lib/blueline-image/selftest', 'usr/lib/blueline-image/test-line-in', 'usr/bin/ssh-keygen', 'usr/bin/rm', 'usr/bin/logger']) {
    mkdirSync(join(root, bin, '..'), { recursive: true });
    writeFileSync(join(root, bin), '#!/bin/sh\n');
    chmodSync(join(root, bin), 0o755);
  }
  return root;
}

t.test('systemd-analyze verify reports nothing for our units', async (t) => {
  const root = makeRoot();
  const r = run('systemd-analyze', ['verify', `--root=${root}`, ...shipped, ...imageOnly]);
  t.equal(r.status, 0, r.out);
  t.equal(r.stderr, '', 'no warnings (verify exits 0 even on unknown keys)');
});

t.test("bluetoothd with blueline's drop-in: verified, and restarted after a crash", async (t) => {
  const root = makeRoot();
  const hasBluez = spawnSync('test', ['-f', join(root, 'usr/lib/systemd/system/bluetooth.service')]).status === 0;
  t.ok(hasBluez, "the host has bluez's bluetooth.service (CI installs bluez)");
  const r = run('systemd-analyze', ['verify', `--root=${root}`, 'bluetooth.service']);
  t.equal(r.status, 0, r.out);
  t.equal(r.stderr, '', 'no warnings');
  const dropIn = readFileSync(join(units, 'bluetooth.service.d', 'blueline.conf'), 'utf8');
  t.match(dropIn, /^Restart=on-failure$/m);
  t.match(dropIn, /^ExecStart=\/usr\/libexec\/bluetooth\/bluetoothd --configfile=\/usr\/share\/blueline\/bluetooth\/main.conf$/m);
});

t.test('blueline.service exposure is at most 2.0', async (t) => {
  const root = makeRoot();
  const r = run('systemd-analyze', ['security', '--offline=true', `--root=${root}`, '--no-pager', 'blueline.service']);
  t.equal(r.status, 0, r.out);
  const m = /Overall exposure level for blueline\.service: (\d+\.\d)/.exec(r.out);
  t.ok(m, 'exposure line present');
  const exposure = Number(m?.[1]);
  t.ok(exposure <= 2.0, `exposure ${exposure} <= 2.0`);
});

t.test('the service never runs as root and keeps no capability', async (t) => {
  const unit = readFileSync(join(units, 'blueline.service'), 'utf8');
  t.match(unit, /^User=blueline$/m);
  t.match(unit, /^CapabilityBoundingSet=$/m);
  t.match(unit, /^Type=notify$/m);
  t.match(unit, /^NotifyAccess=main$/m);
  t.match(unit, /^WatchdogSec=\d+/m);
  t.match(unit, /^Restart=on-failure$/m);
  t.notMatch(unit, /^AmbientCapabilities=./m);
});

t.test('sysusers creates the blueline user in the audio group, home in its state directory', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'blueline-sysusers-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc'));
  const r = run('systemd-sysusers', [`--root=${root}`, join(units, 'blueline.sysusers')]);
  t.equal(r.status, 0, r.out);
  const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
  t.match(passwd, /^blueline:x:\d+:\d+:blueline daemon:\/var\/lib\/blueline:\/usr\/sbin\/nologin$/m);
  const group = readFileSync(join(root, 'etc/group'), 'utf8');
  t.match(group, /^audio:x:\d+:blueline$/m);
  const uid = Number(/^blueline:x:(\d+):/m.exec(passwd)?.[1]);
  t.ok(uid > 0 && uid < 1000, `system uid ${uid}`);
});

t.test('dbus-daemon accepts the D-Bus policy', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'blueline-dbus-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'system.d'));
  copyFileSync(join(units, 'dbus-blueline.conf'), join(dir, 'system.d', 'blueline.conf'));
  const config = join(dir, 'bus.conf');
  writeFileSync(config, `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${join(dir, 'bus')}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/></policy><includedir>${join(dir, 'system.d')}</includedir></busconfig>`);
  // dbus-daemon parses every included file before it prints its address; the timeout ends it.
  const r = spawnSync('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address'], { encoding: 'utf8', timeout: 3000, killSignal: 'SIGTERM' });
  t.match(r.stdout ?? '', /unix:path=/, `dbus-daemon started: ${r.stderr}`);
  // A policy that does not parse stops dbus-daemon before it prints its address.
  t.notMatch(r.stderr ?? '', /parse|syntax|well-formed|invalid/i);
  const policy = readFileSync(join(units, 'dbus-blueline.conf'), 'utf8');
  t.notMatch(policy, /<allow own/, 'owns no bus name');
});
