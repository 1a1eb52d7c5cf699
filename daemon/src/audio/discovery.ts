/**
 * Pure readings of the inventory: which server this is, which sources are inputs, which
 * sinks are speakers. No I/O here, so every rule is unit-tested on captured data.
 */
import { addressFromName, isBtAddress, type BtAddress } from '../core/address.js';
import type { AudioServerInfo, InputSource, SampleSpec, SpeakerSink } from '../core/ports.js';
import type { FlatProps } from './protocol.js';
import { TAG } from './route-plan.js';

export interface RawSpec {
  format: number;
  channels: number;
  rate: number;
}

/** A source or sink as the inventory keeps it (a trimmed copy of the server's reply). */
export interface DeviceEntry {
  index: number;
  name: string;
  description: string;
  sampleSpec: RawSpec;
  /** raw pa_volume_t per channel */
  volume: number[];
  muted: boolean;
  /** card index, or null */
  card: number | null;
  /** index of the source this is the monitor of (sources), null otherwise */
  monitorOf: number | null;
  /** PA_SINK_STATE / PA_SOURCE_STATE: 0 running, 1 idle, 2 suspended */
  state: number;
  props: FlatProps;
}

const FORMATS = ['u8', 'alaw', 'ulaw', 's16le', 's16be', 'float32le', 'float32be', 's32le', 's32be', 's24le', 's24be', 's24-32le', 's24-32be'];
export const VOLUME_NORM = 0x10000;

export function sampleSpecOf(raw: RawSpec): SampleSpec {
  return { format: FORMATS[raw.format] ?? 'unknown', rate: raw.rate, channels: raw.channels };
}

/** 'PulseAudio (on PipeWire 0.3.65)' is pipewire-pulse; anything else is PulseAudio itself. */
export function serverInfoFrom(name: string, version: string): AudioServerInfo {
  const pw = /on PipeWire ([0-9][0-9.]*)/.exec(name);
  if (pw?.[1]) return { kind: 'pipewire', version: pw[1], name };
  const pa = /^([0-9]+(\.[0-9]+)*)/.exec(version);
  return { kind: 'pulseaudio', version: pa?.[1] ?? version, name: `${name} ${version}`.trim() };
}

function isOurs(d: DeviceEntry): boolean {
  return TAG in d.props || d.name.startsWith('blueline.');
}

export function isUsbSource(d: DeviceEntry): boolean {
  return d.props['device.bus'] === 'usb' || d.name.startsWith('alsa_input.usb-');
}

/** Capture sources: monitors and our own helper sources excluded; USB first, then by name. */
export function inputsFrom(sources: DeviceEntry[]): InputSource[] {
  return sources
    .filter((s) => s.monitorOf === null && !s.name.endsWith('.monitor') && s.props['device.class'] !== 'monitor' && !isOurs(s))
    .map((s) => ({ name: s.name, description: s.description, isUsb: isUsbSource(s), sampleSpec: sampleSpecOf(s.sampleSpec) }))
    .sort((a, b) => Number(b.isUsb) - Number(a.isUsb) || a.name.localeCompare(b.name));
}

/** The speaker's address: PipeWire's api.bluez5.address, PulseAudio's device.string, else the sink name. */
export function speakerAddress(d: Pick<DeviceEntry, 'name' | 'props'>): BtAddress | undefined {
  for (const candidate of [d.props['api.bluez5.address'], d.props['device.string']]) {
    if (candidate && isBtAddress(candidate.toUpperCase())) return candidate.toUpperCase();
  }
  return addressFromName(d.name);
}

export function isSpeakerSink(d: DeviceEntry): boolean {
  return d.name.startsWith('bluez_output.') || d.name.startsWith('bluez_sink.');
}

export function speakersFrom(sinks: DeviceEntry[], cardName: (index: number) => string | null): SpeakerSink[] {
  const speakers: SpeakerSink[] = [];
  for (const s of sinks) {
    if (!isSpeakerSink(s)) continue;
    const address = speakerAddress(s);
    if (!address) continue;
    speakers.push({
      name: s.name,
      address,
      description: s.description,
      card: s.card === null ? null : cardName(s.card),
      channels: s.sampleSpec.channels,
      volume: s.volume.map((v) => v / VOLUME_NORM),
      muted: s.muted,
      codec: s.props['api.bluez5.codec'] ?? s.props['bluetooth.codec'] ?? null,
    });
  }
  return speakers.sort((a, b) => a.name.localeCompare(b.name));
}

/** One raw volume per channel: PipeWire applies a lone value to the first channel only. */
export function volumePerChannel(volume: number | number[], channels: number): number[] | null {
  const values = typeof volume === 'number' ? [volume] : volume;
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0 || v > 1.5)) return null;
  if (values.length === 1) return Array<number>(channels).fill(Math.round(values[0]! * VOLUME_NORM));
  if (values.length !== channels) return null;
  return values.map((v) => Math.round(v * VOLUME_NORM));
}
