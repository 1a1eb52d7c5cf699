/**
 * The two outside worlds the controller drives, as interfaces ("ports").
 *
 * Each has a real implementation (bluez/ over D-Bus, audio/ over the PulseAudio protocol) and a
 * simulated one (sim/), chosen once in main.ts. The controller only knows these interfaces.
 *
 * Conventions (see docs/architecture.md):
 * - Events only say "look again": `changed` carries no state; read the snapshot methods.
 *   Snapshots are updated before events fire, so a listener always sees the new state.
 * - Snapshot methods are synchronous and cheap; they return copies the caller may keep.
 * - Every async method fails with a BluelineError (core/errors.ts), never a raw library error,
 *   and never hangs: each implementation bounds its calls with a timeout.
 * - `start()` never fails because the server is absent: the port reports `available = false`,
 *   keeps trying in the background, and emits `up` when the server appears.
 */
import type { EventEmitter } from 'node:events';
import type { BtAddress } from './address.js';

// ---------------------------------------------------------------- Bluetooth

export const A2DP_SINK_UUID = '0000110b-0000-1000-8000-00805f9b34fb';
export const A2DP_SOURCE_UUID = '0000110a-0000-1000-8000-00805f9b34fb';

export interface AdapterState {
  /** 'hci0' */
  id: string;
  address: BtAddress;
  alias: string;
  powered: boolean;
  discoverable: boolean;
  pairable: boolean;
  discovering: boolean;
}

export interface DeviceState {
  address: BtAddress;
  /** adapter id ('hci0') this device object belongs to; the same speaker can appear under two adapters */
  adapter: string;
  /** remote name; null when the device never told it */
  name: string | null;
  /** user-visible name: Alias, which BlueZ falls back to the name or the address */
  alias: string;
  icon: string | null;
  classOfDevice: number | null;
  /** dBm, only while discovery sees it */
  rssi: number | null;
  paired: boolean;
  trusted: boolean;
  blocked: boolean;
  connected: boolean;
  servicesResolved: boolean;
  uuids: string[];
  /** A2DP sink UUID advertised, or major class audio/video */
  isAudioSink: boolean;
  /** Battery1.Percentage when the speaker reports it */
  batteryPercent: number | null;
}

/** What the pairing agent tells the user; the panel shows these. */
export type AgentPrompt =
  | { kind: 'request-pincode'; address: BtAddress; /** the PIN being tried, e.g. a default */ pincode: string; attempt: number }
  | { kind: 'display-pincode'; address: BtAddress; pincode: string }
  | { kind: 'request-passkey'; address: BtAddress }
  | { kind: 'display-passkey'; address: BtAddress; passkey: number; entered: number }
  | { kind: 'confirm-passkey'; address: BtAddress; passkey: number; accepted: boolean }
  | { kind: 'rejected'; address: BtAddress; why: string }
  | { kind: 'cancelled'; address: BtAddress };

export interface BluetoothEvents {
  /** bluetoothd (or the simulation) is present and the mirror is built */
  up: [];
  /** bluetoothd went away; snapshots are now empty */
  down: [];
  /** something in the adapters/devices mirror changed */
  changed: [];
  agent: [AgentPrompt];
}

export interface PairOptions {
  /** PIN the user typed; without it the agent tries the usual speaker defaults (0000, 1234, 8888) */
  pin?: string;
}

export interface BluetoothPort extends EventEmitter<BluetoothEvents> {
  readonly available: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;

  adapters(): AdapterState[];
  devices(): DeviceState[];

  powerOn(adapter: string): Promise<void>;
  setAdapter(adapter: string, props: { alias?: string; pairable?: boolean; discoverable?: boolean }): Promise<void>;

  /** BR/EDR discovery; results arrive as `changed` with devices carrying rssi */
  startDiscovery(adapter: string): Promise<void>;
  stopDiscovery(adapter: string): Promise<void>;

  /** Pairs, answering the agent for this device only. Resolves once Paired is true. */
  pair(adapter: string, address: BtAddress, options?: PairOptions): Promise<void>;
  cancelPairing(adapter: string, address: BtAddress): Promise<void>;
  setTrusted(adapter: string, address: BtAddress, trusted: boolean): Promise<void>;
  /** ConnectProfile(A2DP sink): brings the audio profile up even when the ACL link is already there */
  connectAudio(adapter: string, address: BtAddress): Promise<void>;
  disconnect(adapter: string, address: BtAddress): Promise<void>;
  /** RemoveDevice: unpairs and forgets */
  forget(adapter: string, address: BtAddress): Promise<void>;
}

// ---------------------------------------------------------------- Audio

export interface AudioServerInfo {
  kind: 'pulseaudio' | 'pipewire';
  /** e.g. '16.1' or '0.3.65' (PipeWire's own version when on PipeWire) */
  version: string;
  /** the server's self-description, e.g. 'PulseAudio (on PipeWire 0.3.65)' */
  name: string;
}

export interface SampleSpec {
  format: string;
  rate: number;
  channels: number;
}

export interface InputSource {
  /** server source name, e.g. alsa_input.usb-... */
  name: string;
  description: string;
  isUsb: boolean;
  sampleSpec: SampleSpec;
}

/** A speaker's sink as the audio server shows it (bluez_output.* / bluez_sink.*). */
export interface SpeakerSink {
  name: string;
  address: BtAddress;
  description: string;
  card: string | null;
  channels: number;
  /** 0..1 (1 = 100 %), one value per channel */
  volume: number[];
  muted: boolean;
  /** active codec id as the server names it ('sbc', 'aac', 'sbc_xq', ...) when known */
  codec: string | null;
}

export type RouteChannel = 'stereo' | 'left' | 'right';

/** One route: the input to one speaker. The audio port turns this into server modules. */
export interface RouteSpec {
  address: BtAddress;
  source: string;
  sink: string;
  /** 'left'/'right' send that input channel to both of the speaker's channels (stereo split) */
  channel: RouteChannel;
  /** the route's buffering target */
  latencyMs: number;
  /** extra delay on top, >= 0, to align two speakers */
  delayMs: number;
}

export interface ActiveRoute {
  /** stable for equal specs: the controller compares ids to decide what to add and remove */
  id: string;
  spec: RouteSpec;
}

export interface CodecInfo {
  /** server id: 'sbc', 'sbc_xq', 'aac', 'aptx', 'aptx_hd', 'aptx_ll', 'ldac', ... */
  id: string;
  /** human name: 'SBC', 'AAC', ... */
  name: string;
  active: boolean;
  bitrateKbps: number | null;
}

export interface LevelReading {
  peakDb: number;
  rmsDb: number;
  /** signal present, with hysteresis */
  signal: boolean;
}

export interface AudioEvents {
  up: [AudioServerInfo];
  down: [];
  /** sources, sinks, cards or our routes changed */
  changed: [];
  /** about 10 a second while a meter source is set */
  level: [LevelReading];
}

export interface AudioPort extends EventEmitter<AudioEvents> {
  readonly available: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  server(): AudioServerInfo | null;

  /** capture sources (monitors excluded), USB first */
  inputs(): InputSource[];
  speakerSinks(): SpeakerSink[];
  /** routes this daemon owns, including ones a previous run left behind (found by their tag) */
  routes(): ActiveRoute[];
  addRoute(spec: RouteSpec): Promise<ActiveRoute>;
  removeRoute(id: string): Promise<void>;

  /** volume 0..1, one value applied to every channel or one per channel */
  setVolume(address: BtAddress, volume: number | number[]): Promise<void>;
  setMute(address: BtAddress, muted: boolean): Promise<void>;
  listCodecs(address: BtAddress): Promise<CodecInfo[]>;
  /** 'unsupported' error when the speaker lacks the codec */
  switchCodec(address: BtAddress, codec: string): Promise<void>;

  /** level meter on this source (null stops it) */
  setMeterSource(source: string | null): Promise<void>;
  /** inaudible keep-alive tone on these speakers' sinks (empty: none) */
  setKeepAwake(addresses: BtAddress[]): Promise<void>;
  /** a short click train on one speaker, for aligning two speakers by ear */
  playTestSound(address: BtAddress): Promise<void>;
}
