/**
 * Brings up each guest's part: the transmitter (the Pi: stock bluetoothd, PipeWire +
 * WirePlumber + pipewire-pulse, the aloop "USB card", later blueline) and the speakers
 * (bluetoothd + one bluez-alsa A2DP sink per emulated controller, discoverable, auto-accept).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GuestClient } from './guest-client.js';

export const RUNTIME_DIR = '/run/user/0';
export const PULSE_SOCKET = `${RUNTIME_DIR}/pulse/native`;
const SESSION_BUS = `unix:path=${RUNTIME_DIR}/bus`;
export const AUDIO_ENV = { XDG_RUNTIME_DIR: RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS: SESSION_BUS, PULSE_SERVER: `unix:${PULSE_SOCKET}`, HOME: '/root' };

/**
 * btmon writes each packet as it comes; over the 9p results mount that cost the transmitter
 * guest a sixth of a CPU while streaming. It writes to the guest's tmpfs instead, and
 * collectCapture copies the file into the results folder when the host needs it.
 */
const captureInGuest = (role: string): string => `/tmp/${role}-btmon.snoop`;

/** Bytes btmon has written so far: marks a point in the capture without copying it. */
export async function captureSize(guest: GuestClient): Promise<number> {
  return Number((await guest.runOk(['stat', '-c', '%s', captureInGuest(guest.role)], 20_000)).trim());
}

export async function collectCapture(guest: GuestClient, out: string): Promise<string> {
  const target = `${out}/${guest.role}-btmon.snoop`;
  await guest.runOk(['cp', captureInGuest(guest.role), target], 60_000);
  return target;
}

/**
 * Cores left by crashed services (stage2.sh names them core.<path with ! for />.<pid>), copied
 * into the results with a backtrace each. The guests run the host's own binaries and
 * libraries (the root is shared), so the host's gdb reads them; no gdb, no backtrace.
 */
export async function collectCores(guest: GuestClient, out: string): Promise<{ executable: string; backtrace: string }[]> {
  const found = await guest.runOk(['find', '/tmp', '-maxdepth', '1', '-name', 'core.*'], 20_000);
  const cores = [];
  for (const path of found.split('\n').filter(Boolean)) {
    const name = path.slice('/tmp/'.length);
    // core.<path>.<pid>: the path may hold dots of its own (python3.11)
    const executable = name.slice('core.'.length, name.lastIndexOf('.')).replaceAll('!', '/');
    const target = join(out, `${guest.role}-${name}`);
    await guest.runOk(['cp', path, target], 120_000);
    await guest.runOk(['rm', '-f', path]);
    const gdb = spawnSync('gdb', ['-batch', '-nx', '-ex', 'bt 25', executable, target], { encoding: 'utf8', timeout: 120_000 });
    const backtrace = gdb.error ? `no backtrace: ${gdb.error.message}` : gdb.stdout.split('\n').filter((l) => /^#\d/.test(l)).join('\n');
    writeFileSync(`${target}.backtrace.txt`, gdb.error ? backtrace : gdb.stdout + gdb.stderr);
    cores.push({ executable, backtrace });
  }
  return cores;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${lastError})` : ''}`);
}

/** Debian 12's own bluetoothd: what the transmitter (the Pi) runs unless --tx-bluez newer. */
export const STOCK_BLUETOOTHD = '/usr/sbin/bluetoothd';

/**
 * restartOnFailure: the transmitter's bluetoothd restarts after a crash, as blueline's
 * drop-in for bluetooth.service makes it on the Pi (deploy/systemd/bluetooth.service.d).
 */
export async function startBluetoothd(guest: GuestClient, binary: string, restartOnFailure = false): Promise<void> {
  await guest.start('bluetoothd', [binary, '-n', '-d'], undefined, restartOnFailure);
  await waitFor('bluetoothd on the bus', 30_000, async () => (await guest.bt<unknown[]>('adapters', {}, 10_000)).length > 0);
}

/** restartOnFailure: as startBluetoothd (the transmitter's restarts after a crash, the speakers' does not). */
export async function restartBluetoothd(guest: GuestClient, binary: string, restartOnFailure: boolean): Promise<void> {
  await guest.stop('bluetoothd');
  await guest.bt('reset');
  await startBluetoothd(guest, binary, restartOnFailure);
}

/** Adapters as bluetoothd sees them, by hci name. */
export async function adapters(guest: GuestClient): Promise<{ hci: string; address: string }[]> {
  const list = await guest.bt<{ hci: string; address: string }[]>('adapters');
  return list.sort((a, b) => a.hci.localeCompare(b.hci));
}

export async function bringUpTransmitter(tx: GuestClient, out: string, bluetoothd: string): Promise<{ address: string }> {
  await tx.start('btmon', ['btmon', '-w', captureInGuest('tx')]);
  await tx.runOk(['mkdir', '-p', `${RUNTIME_DIR}/pulse`]);
  await tx.start('session-bus', ['dbus-daemon', '--session', `--address=${SESSION_BUS}`, '--nofork', '--nopidfile']);
  await startBluetoothd(tx, bluetoothd, true);
  const [adapter] = await adapters(tx);
  if (!adapter) throw new Error('transmitter has no adapter');
  // PipeWire finds the aloop card through udev's database: let udev finish first
  await tx.run(['udevadm', 'settle', '-t', '60'], 70_000);
  await tx.start('pipewire', ['pipewire'], AUDIO_ENV, true);
  await tx.start('wireplumber', ['wireplumber'], AUDIO_ENV, true);
  await tx.start('pipewire-pulse', ['pipewire-pulse'], AUDIO_ENV, true);
  const found = () => waitFor('the aloop "USB card" as a pulse source', 30_000, async () => (await usbSource(tx)) !== null);
  await found().catch(async () => {
    // seen now and then: WirePlumber enumerated ALSA before udev had the card's properties
    await tx.run(['udevadm', 'trigger', '--subsystem-match=sound', '--action=change'], 20_000);
    await tx.run(['udevadm', 'settle', '-t', '30'], 40_000);
    await tx.stop('wireplumber');
    await tx.start('wireplumber', ['wireplumber'], AUDIO_ENV, true);
    await found();
  });
  return adapter;
}

/** The aloop capture source (the "USB card" the Echo plays into). */
export async function usbSource(tx: GuestClient): Promise<string | null> {
  const r = await tx.run(['pactl', 'list', 'short', 'sources'], 10_000, AUDIO_ENV);
  const line = r.stdout.split('\n').find((l) => /alsa_input\..*(aloop|Loopback)/i.test(l));
  return line?.split('\t')[1] ?? null;
}

export async function bluezSink(tx: GuestClient, speaker: string): Promise<string | null> {
  const r = await tx.run(['pactl', 'list', 'short', 'sinks'], 10_000, AUDIO_ENV);
  const key = speaker.replaceAll(':', '_');
  const line = r.stdout.split('\n').find((l) => l.includes(`bluez_output.${key}`));
  return line?.split('\t')[1] ?? null;
}

/** bluetoothd: the speakers' newer build (test/e2e/prepare.sh). */
export async function bringUpSpeakers(spk: GuestClient, out: string, bluetoothd: string): Promise<{ hci: string; address: string }[]> {
  await spk.start('btmon', ['btmon', '-w', captureInGuest('spk')]);
  await startBluetoothd(spk, bluetoothd);
  const list = await adapters(spk);
  for (const { hci } of list) {
    // a mono speaker: half the bitrate for the emulated link to carry
    await spk.start(`bluealsa-${hci}`, ['bluealsa', '-i', hci, '-p', 'a2dp-sink', '-B', hci, '--a2dp-force-mono']);
  }
  await setupSpeakerAdapters(spk, list);
  return list;
}

/** The speakers' "firmware": auto-accept agent, powered, discoverable and pairable. */
export async function setupSpeakerAdapters(spk: GuestClient, list: { hci: string }[]): Promise<void> {
  await spk.bt('agent');
  for (const [i, { hci }] of list.entries()) await spk.bt('setup', { hci, discoverable: true, alias: `Lab Speaker ${i + 1}` });
}

/** ALSA device of the A2DP stream the speaker on hci receives from the transmitter. */
export function speakerPcm(hci: string, txAddress: string): string {
  return `plug:'bluealsa:DEV=${txAddress},PROFILE=a2dp,SRV=org.bluealsa.${hci}'`;
}

/** Power a speaker's controller off or on (its "power button"). */
export async function powerSpeaker(spk: GuestClient, hci: string, on: boolean): Promise<void> {
  await spk.runOk(['btmgmt', '--index', hci.replace('hci', ''), 'power', on ? 'on' : 'off'], 20_000);
}
