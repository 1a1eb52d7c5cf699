/**
 * A small in-memory BluelineApi for web tests that must not depend on the controller:
 * two known speakers, one discoverable speaker that needs PIN 4321, scripted failures.
 * The real controller on the simulated world is used wherever it is available (see web-app.ts).
 */
import { EventEmitter } from 'node:events';
import type { BluelineApi, BluelineEvent, Health, InputView, Problem, Settings, SpeakerPatch, SpeakerView, StatusView } from '../../daemon/src/core/api.js';
import type { CodecInfo } from '../../daemon/src/core/ports.js';
import { BluelineError } from '../../daemon/src/core/errors.js';

export function speaker(address: string, name: string, extra: Partial<SpeakerView> = {}): SpeakerView {
  return {
    address, name, known: true, enabled: true, adapter: 'hci0', phase: 'streaming', paired: true, connected: true,
    isAudioSink: true, rssi: -60, batteryPercent: 80, codec: 'sbc', bitrateKbps: 328, volume: 70, muted: false,
    delayMs: 0, channel: 'stereo', lastError: null, nextRetryAt: null, ...extra,
  };
}

const CODECS = ['sbc', 'sbc_xq', 'aac'];

export class FakeApi extends EventEmitter<{ event: [BluelineEvent] }> implements BluelineApi {
  readonly list = new Map<string, SpeakerView>([
    ['00:11:22:33:44:55', speaker('00:11:22:33:44:55', 'Kitchen')],
    ['00:11:22:33:44:66', speaker('00:11:22:33:44:66', 'Living room', { phase: 'unreachable', connected: false, codec: null, bitrateKbps: null })],
  ]);
  current: Settings = { mode: 'single', input: null, latencyMs: 20, keepAwake: true, idleDisconnectMinutes: 0 };
  pairing: string | null = null;
  healthy = true;
  inputPresent = true;
  scanning = false;
  /** set to make the next command throw this error */
  failNext: Error | null = null;
  private levels: NodeJS.Timeout | undefined;

  /** a moving input level, ten readings a second, like the audio meter */
  startLevels(): void {
    let phase = 0;
    this.levels = setInterval(() => {
      if (!this.inputPresent) return;
      phase += 0.7;
      const peakDb = Math.round(-30 + 20 * Math.sin(phase));
      this.emit('event', { type: 'level', peakDb, rmsDb: peakDb - 8, signal: true });
    }, 100);
    this.levels.unref();
  }

  stop(): void {
    clearInterval(this.levels);
  }

  status(): StatusView {
    return {
      daemon: { version: 'test', startedAt: new Date(0).toISOString(), simulated: true },
      servers: { bluetooth: { up: true, adapters: [{ id: 'hci0', address: 'AA:AA:AA:AA:AA:AA', alias: 'blueline', powered: true }] }, audio: { up: true, kind: 'pipewire', version: '1.0' } },
      settings: this.settings(),
      input: this.input(),
      speakers: this.speakers(),
      scan: { active: this.scanning, until: null },
      pairing: this.pairing,
      problems: this.problems(),
    };
  }
  private input(): InputView {
    return this.inputPresent
      ? { device: 'alsa_input.usb', description: 'USB Audio', sampleSpec: { format: 's16le', rate: 48000, channels: 2 }, present: true, signal: true, peakDb: -12, rmsDb: -20 }
      : { device: null, description: null, sampleSpec: null, present: false, signal: false, peakDb: null, rmsDb: null };
  }
  private problems(): Problem[] {
    return this.inputPresent ? [] : [{ id: 'no-input', severity: 'error', message: 'No input: the USB sound card is not found; plug it in' }];
  }
  /** the USB sound card comes or goes */
  setInputPresent(present: boolean): void {
    this.inputPresent = present;
    this.emit('event', { type: 'input', input: this.input() });
    this.emit('event', { type: 'problems', problems: this.problems() });
  }
  health(): Health {
    return this.healthy ? { healthy: true, summary: 'ok', reasons: [] } : { healthy: false, summary: 'bluetooth down', reasons: ['bluetoothd is not running'] };
  }
  speakers(): SpeakerView[] {
    return [...this.list.values()].map((s) => ({ ...s }));
  }
  private get(address: string): SpeakerView {
    this.maybeFail();
    const s = this.list.get(address);
    if (!s) throw new BluelineError('not-found', `no speaker ${address}`);
    return s;
  }
  private maybeFail(): void {
    const e = this.failNext;
    this.failNext = null;
    if (e) throw e;
  }
  private changed(s: SpeakerView): SpeakerView {
    this.emit('event', { type: 'speaker', speaker: { ...s } });
    return { ...s };
  }
  async startScan(): Promise<void> {
    this.maybeFail();
    this.scanning = true;
    const found = speaker('00:11:22:33:44:77', 'Garden PIN speaker', { known: false, paired: false, connected: false, phase: 'discovered', codec: null, bitrateKbps: null, channel: null });
    if (!this.list.has(found.address)) this.list.set(found.address, found);
    this.emit('event', { type: 'scan', active: true, until: null });
    this.changed(found);
  }
  async stopScan(): Promise<void> {
    this.scanning = false;
    this.emit('event', { type: 'scan', active: false, until: null });
  }
  async pair(address: string, options?: { pin?: string }): Promise<SpeakerView> {
    const s = this.get(address);
    if (this.pairing) throw new BluelineError('conflict', 'another speaker is pairing');
    this.pairing = address;
    try {
      await new Promise((r) => setTimeout(r, 20));
      if (options?.pin !== '4321') {
        this.emit('event', { type: 'agent', prompt: { kind: 'rejected', address, why: 'wrong PIN' } });
        throw new BluelineError('refused', 'the speaker refused pairing: enter the PIN from its manual');
      }
      Object.assign(s, { known: true, paired: true, connected: true, phase: 'streaming', codec: 'sbc', bitrateKbps: 328, channel: 'stereo' });
      return this.changed(s);
    } finally {
      this.pairing = null;
    }
  }
  async connect(address: string): Promise<SpeakerView> {
    return this.changed(Object.assign(this.get(address), { connected: true, phase: 'streaming' }));
  }
  async disconnect(address: string): Promise<SpeakerView> {
    return this.changed(Object.assign(this.get(address), { connected: false, phase: 'disabled' }));
  }
  async forget(address: string): Promise<void> {
    this.get(address);
    this.list.delete(address);
    this.emit('event', { type: 'speaker-removed', address });
  }
  async updateSpeaker(address: string, patch: SpeakerPatch): Promise<SpeakerView> {
    const s = this.get(address);
    if (patch.codec !== undefined && !CODECS.includes(patch.codec)) throw new BluelineError('unsupported', `the speaker does not support ${patch.codec}`);
    return this.changed(Object.assign(s, patch));
  }
  async codecs(address: string): Promise<CodecInfo[]> {
    const s = this.get(address);
    return CODECS.map((id) => ({ id, name: id.toUpperCase(), active: s.codec === id, bitrateKbps: 328 }));
  }
  async testSound(address: string): Promise<void> {
    this.get(address);
  }
  settings(): Settings {
    return { ...this.current };
  }
  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    this.maybeFail();
    this.current = { ...this.current, ...patch };
    this.emit('event', { type: 'settings', settings: this.settings() });
    return this.settings();
  }
}
