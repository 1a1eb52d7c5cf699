/**
 * Brings up each guest's part: the transmitter (the Pi: stock bluetoothd, PipeWire +
 * WirePlumber + pipewire-pulse, the aloop "USB card", later blueline) and the speakers
 * (bluetoothd + one bluez-alsa A2DP sink per emulated controller, discoverable, auto-accept).
 */
import type { GuestClient } from './guest-client.js';

export const RUNTIME_DIR = '/run/user/0';
export const PULSE_SOCKET = `${RUNTIME_DIR}/pulse/native`;
const SESSION_BUS = `unix:path=${RUNTIME_DIR}/bus`;
export const AUDIO_ENV = { XDG_RUNTIME_DIR: RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS: SESSION_BUS, PULSE_SERVER: `unix:${PULSE_SOCKET}`, HOME: '/root' };

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

export async function startBluetoothd(guest: GuestClient): Promise<void> {
  await guest.start('bluetoothd', ['/usr/sbin/bluetoothd', '-n', '-d']);
  await waitFor('bluetoothd on the bus', 30_000, async () => (await guest.bt<unknown[]>('adapters', {}, 10_000)).length > 0);
}

export async function restartBluetoothd(guest: GuestClient): Promise<void> {
  await guest.stop('bluetoothd');
  await guest.bt('reset');
  await startBluetoothd(guest);
}

/** Adapters as bluetoothd sees them, by hci name. */
export async function adapters(guest: GuestClient): Promise<{ hci: string; address: string }[]> {
  const list = await guest.bt<{ hci: string; address: string }[]>('adapters');
  return list.sort((a, b) => a.hci.localeCompare(b.hci));
}

export async function bringUpTransmitter(tx: GuestClient, out: string): Promise<{ address: string }> {
  await tx.start('btmon', ['btmon', '-w', `${out}/tx-btmon.snoop`]);
  await tx.runOk(['mkdir', '-p', `${RUNTIME_DIR}/pulse`]);
  await tx.start('session-bus', ['dbus-daemon', '--session', `--address=${SESSION_BUS}`, '--nofork', '--nopidfile']);
  await startBluetoothd(tx);
  const [adapter] = await adapters(tx);
  if (!adapter) throw new Error('transmitter has no adapter');
  // PipeWire finds the aloop card through udev's database: let udev finish first
  await tx.run(['udevadm', 'settle', '-t', '60'], 70_000);
  await tx.start('pipewire', ['pipewire'], AUDIO_ENV);
  await tx.start('wireplumber', ['wireplumber'], AUDIO_ENV);
  await tx.start('pipewire-pulse', ['pipewire-pulse'], AUDIO_ENV);
  await waitFor('the aloop "USB card" as a pulse source', 60_000, async () => (await usbSource(tx)) !== null);
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

export async function bringUpSpeakers(spk: GuestClient, out: string): Promise<{ hci: string; address: string }[]> {
  await spk.start('btmon', ['btmon', '-w', `${out}/spk-btmon.snoop`]);
  await startBluetoothd(spk);
  const list = await adapters(spk);
  for (const { hci } of list) {
    await spk.start(`bluealsa-${hci}`, ['bluealsa', '-i', hci, '-p', 'a2dp-sink', '-B', hci]);
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
