/**
 * A private dbus-daemon for tests: a system-bus-like policy that lets the test user own org.bluez,
 * on a unix socket in a temp dir. Point DBUS_SYSTEM_BUS_ADDRESS (or busAddress) at `address`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dbus from 'dbus-next';

export interface PrivateBus {
  address: string;
  dir: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 5000;

function config(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  <limit name="reply_timeout">60000</limit>
</busconfig>
`;
}

export async function startPrivateBus(): Promise<PrivateBus> {
  const dir = mkdtempSync(join(tmpdir(), 'blueline-bus-'));
  writeFileSync(join(dir, 'bus.conf'), config(join(dir, 'bus.sock')));
  const child = spawn('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--print-address', '--nofork'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const address = await waitForAddress(child).catch((e: unknown) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  child.stderr?.resume();
  // Last resort if the test process exits without its teardown (uncaught error, process.exit).
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  return {
    address,
    dir,
    stop: async () => {
      process.off('exit', onExit);
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function waitForAddress(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('dbus-daemon did not start in time')), START_TIMEOUT_MS);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dbus-daemon exited with ${code}`));
    });
  });
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** How many match rules a connection holds, from the bus daemon's Debug.Stats interface. */
export async function matchRulesOf(busAddress: string, uniqueName: string): Promise<number> {
  const bus = dbus.sessionBus({ busAddress });
  bus.on('error', () => undefined);
  try {
    const reply = (await Promise.race([
      bus.call(new dbus.Message({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus.Debug.Stats', member: 'GetConnectionStats', signature: 's', body: [uniqueName] })),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('GetConnectionStats timed out')), 5000)),
    ])) as InstanceType<typeof dbus.Message>;
    const stats = reply.body[0] as Record<string, InstanceType<typeof dbus.Variant>>;
    return Number(stats.MatchRules?.value);
  } finally {
    bus.disconnect();
  }
}
