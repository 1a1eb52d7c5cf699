/**
 * What the controller offers the outside (web panel, STATUS=, health checks): a read model
 * (views) and commands. The web layer depends on this interface only, never on ports.
 * Commands fail with BluelineError; the web layer maps its code to an HTTP status.
 */
import type { EventEmitter } from 'node:events';
import type { BtAddress } from './address.js';
import type { AgentPrompt, CodecInfo, SampleSpec } from './ports.js';

export type Mode = 'single' | 'mirror' | 'stereo-split';

/** Where a speaker is in its life, as the user should see it. */
export type SpeakerPhase =
  | 'discovered' // seen in a scan, not paired
  | 'pairing'
  | 'disabled' // known, the user switched it off in the panel
  | 'standby' // known and enabled, but not used by the current mode (e.g. a third speaker)
  | 'idle-disconnected' // disconnected by the idle policy; reconnects when input returns
  | 'connecting'
  | 'unreachable' // off or out of range; retried with backoff
  | 'refused' // the speaker refused (pairing lost, auth failed): needs the user
  | 'connected' // link up, no route yet
  | 'streaming'; // link up and routed

export interface SpeakerView {
  address: BtAddress;
  name: string;
  known: boolean;
  enabled: boolean;
  adapter: string | null;
  phase: SpeakerPhase;
  paired: boolean;
  connected: boolean;
  isAudioSink: boolean;
  rssi: number | null;
  batteryPercent: number | null;
  codec: string | null;
  bitrateKbps: number | null;
  /** 0..100 */
  volume: number;
  muted: boolean;
  /** -500..500 */
  delayMs: number;
  /** 'left' / 'right' in stereo split, 'stereo' otherwise; null when not routed */
  channel: 'stereo' | 'left' | 'right' | null;
  lastError: string | null;
  /** when the next connection attempt is due (ISO time), while unreachable */
  nextRetryAt: string | null;
}

export interface Settings {
  mode: Mode;
  /** source name, or null to pick the USB card automatically */
  input: string | null;
  latencyMs: number;
  keepAwake: boolean;
  /** 0 = never */
  idleDisconnectMinutes: number;
}

export interface InputView {
  device: string | null;
  description: string | null;
  sampleSpec: SampleSpec | null;
  present: boolean;
  signal: boolean;
  peakDb: number | null;
  rmsDb: number | null;
}

export interface Problem {
  /** stable id, e.g. 'no-input', 'bluetooth-down', 'speaker-refused:AA:BB:...' */
  id: string;
  severity: 'warning' | 'error';
  message: string;
}

export interface StatusView {
  daemon: { version: string; startedAt: string; simulated: boolean };
  servers: {
    bluetooth: { up: boolean; adapters: { id: string; address: string; alias: string; powered: boolean }[] };
    audio: { up: boolean; kind: string | null; version: string | null };
  };
  settings: Settings;
  input: InputView;
  speakers: SpeakerView[];
  scan: { active: boolean; until: string | null };
  /** pairing in progress (address), null otherwise */
  pairing: BtAddress | null;
  problems: Problem[];
}

export interface Health {
  healthy: boolean;
  /** one line for STATUS= */
  summary: string;
  reasons: string[];
}

export type BluelineEvent =
  | { type: 'speaker'; speaker: SpeakerView }
  | { type: 'speaker-removed'; address: BtAddress }
  | { type: 'scan'; active: boolean; until: string | null }
  | { type: 'level'; peakDb: number; rmsDb: number; signal: boolean }
  | { type: 'input'; input: InputView }
  | { type: 'settings'; settings: Settings }
  | { type: 'servers'; servers: StatusView['servers'] }
  | { type: 'problems'; problems: Problem[] }
  | { type: 'agent'; prompt: AgentPrompt }
  | { type: 'error'; message: string; address?: BtAddress };

export interface SpeakerPatch {
  volume?: number;
  muted?: boolean;
  delayMs?: number;
  codec?: string;
  enabled?: boolean;
  adapter?: string | null;
}

export interface BluelineApi extends EventEmitter<{ event: [BluelineEvent] }> {
  status(): StatusView;
  health(): Health;
  /** known speakers first, then discovered audio sinks, then other discovered devices */
  speakers(): SpeakerView[];

  startScan(seconds: number): Promise<void>;
  stopScan(): Promise<void>;
  /** 'conflict' while another pairing runs; resolves with the new known speaker */
  pair(address: BtAddress, options?: { pin?: string }): Promise<SpeakerView>;
  connect(address: BtAddress): Promise<SpeakerView>;
  disconnect(address: BtAddress): Promise<SpeakerView>;
  forget(address: BtAddress): Promise<void>;
  updateSpeaker(address: BtAddress, patch: SpeakerPatch): Promise<SpeakerView>;
  codecs(address: BtAddress): Promise<CodecInfo[]>;
  testSound(address: BtAddress): Promise<void>;

  settings(): Settings;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;
}
