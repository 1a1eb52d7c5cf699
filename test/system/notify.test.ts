import t from 'tap';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchdogIntervalFrom } from '../../daemon/src/system/notify.js';
import { startNotifySocket } from '../helpers/notify-socket.js';
import { bundlePath, runToEnd, startChild } from '../helpers/process.js';

// Keep the daemon away from any real bus or audio server on the test machine.
const isolated = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '',
  DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/blueline-test-bus',
  PULSE_SERVER: 'unix:/nonexistent/blueline-test-pulse',
  ...extra,
});

t.test('the daemon sends READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 from its own PID', async (t) => {
  const socket = await startNotifySocket();
  t.teardown(() => socket.close());
  const stateDir = await mkdtemp(join(tmpdir(), 'bl-notify-state-'));
  const daemon = startChild(process.execPath, [bundlePath, '--state-dir', stateDir, '--port', '0'], {
    env: isolated({ NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '400000' }),
  });
  t.teardown(() => daemon.kill());
  const pid = daemon.proc.pid;

  const ready = await socket.waitFor((m) => m.message.includes('READY=1'));
  t.equal(ready.pid, pid, 'READY=1 comes from the daemon PID');
  t.match(ready.message, /^READY=1\nSTATUS=\S/, 'with a status line');
  // WATCHDOG_USEC=400000: a ping every 200 ms; wait for three
  for (let seen = 0; seen < 3; ) {
    await new Promise((r) => setTimeout(r, 100));
    seen = socket.messages().filter((m) => m.message === 'WATCHDOG=1').length;
    if (daemon.proc.exitCode !== null) break;
  }
  const pings = socket.messages().filter((m) => m.message === 'WATCHDOG=1');
  t.ok(pings.length >= 3, 'watchdog pings keep coming');
  t.ok(pings.every((m) => m.pid === pid), 'WATCHDOG=1 from the daemon PID');

  daemon.kill('SIGTERM');
  const stopping = await socket.waitFor((m) => m.message.startsWith('STOPPING=1'));
  t.equal(stopping.pid, pid);
  t.equal(await daemon.exited, 0, 'exits cleanly on SIGTERM');
});

t.test('without NOTIFY_SOCKET notify is silent; with it and no binding, a clear startup error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bl-nobinding-'));
  const lonely = join(dir, 'blueline.mjs');
  await copyFile(bundlePath, lonely); // no native/notify.node beside it
  const stateDir = await mkdtemp(join(tmpdir(), 'bl-nobinding-state-'));

  const socket = await startNotifySocket();
  t.teardown(() => socket.close());
  const failing = await runToEnd(process.execPath, [lonely, '--state-dir', stateDir, '--port', '0'], {
    env: isolated({ NOTIFY_SOCKET: socket.path }),
  });
  t.equal(failing.code, 1);
  t.match(failing.stderr, /NOTIFY_SOCKET is set but the sd_notify native binding/);

  const quiet = startChild(process.execPath, [lonely, '--state-dir', stateDir, '--port', '0'], { env: isolated() });
  t.teardown(() => quiet.kill());
  await quiet.waitForLine(/"msg":"ready"/);
  quiet.kill('SIGTERM');
  t.equal(await quiet.exited, 0);
});

t.test('the watchdog interval is half of WATCHDOG_USEC, and only for our PID', async (t) => {
  t.equal(watchdogIntervalFrom({ WATCHDOG_USEC: '30000000' }, 42), 15000);
  t.equal(watchdogIntervalFrom({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42), 15000);
  t.equal(watchdogIntervalFrom({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '41' }, 42), null);
  t.equal(watchdogIntervalFrom({}, 42), null);
});
