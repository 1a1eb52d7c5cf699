/**
 * A simulated audio server behind AudioPort (PipeWire's pulse server, as on the image): the
 * USB capture source, one sink per A2DP link, loopback routes that die with their source or
 * sink, volumes and codecs per speaker, and a level meter fed by the simulated Echo.
 */
import { EventEmitter } from 'node:events';
import type { BtAddress } from '../core/address.js';
import { sleep, type Clock, type Timer } from '../core/clock.js';
import { BluelineError } from '../core/errors.js';
import type { ActiveRoute, AudioEvents, AudioPort, AudioServerInfo, CodecInfo, InputSource, RouteSpec, SpeakerSink } from '../core/ports.js';
import { CODEC_NAMES } from './catalog.js';
import type { SimRadio } from './radio.js';

export const SIM_USB_SOURCE = 'alsa_input.usb-GeneralPlus_USB_Audio_Device-00.analog-stereo';
const INFO: AudioServerInfo = { kind: 'pipewire', version: '1.2.7', name: 'PulseAudio (on PipeWire 1.2.7)' };
export const SIM_AUDIO_TIMING = { route: 40, codecSwitch: 800, testSound: 300 };

export function simSinkName(address: BtAddress): string {
  return `bluez_output.${address.replaceAll(':', '_')}.1`;
}

function routeId(spec: RouteSpec): string {
  return `loopback:${spec.address}:${spec.source}>${spec.sink}:${spec.channel}:${spec.latencyMs}+${spec.delayMs}`;
}

export class SimAudio extends EventEmitter<AudioEvents> implements AudioPort {
  private running = true;
  private started = false;
  private readonly active = new Map<string, RouteSpec>();
  private readonly volumes = new Map<BtAddress, number[]>();
  private readonly mutes = new Map<BtAddress, boolean>();
  private readonly codecs = new Map<BtAddress, string>();
  /** speakers whose sink is being rebuilt for a codec switch */
  private readonly switching = new Set<BtAddress>();
  private meterSource: string | null = null;
  private meterTimer: Timer | null = null;
  private awake: BtAddress[] = [];

  constructor(
    private readonly radio: SimRadio,
    private readonly clock: Clock,
    private readonly levelIntervalMs = 100,
  ) {
    super();
    radio.on('changed', () => this.onRadioChanged());
  }

  get available(): boolean {
    return this.started && this.running;
  }

  async start(): Promise<void> {
    this.started = true;
    if (this.running) this.emit('up', INFO);
    this.restartMeter();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.clock.clearTimeout(this.meterTimer);
    this.meterTimer = null;
  }

  server(): AudioServerInfo | null {
    return this.available ? { ...INFO } : null;
  }

  // ------------------------------------------------------------ faults (called by SimFaults)

  /** the server dies: every module (our routes, the meter, keep-awake) dies with it */
  crash(): void {
    if (!this.running) return;
    this.running = false;
    this.active.clear();
    this.meterSource = null;
    this.awake = [];
    this.restartMeter();
    if (this.started) this.emit('down');
  }

  revive(): void {
    if (this.running) return;
    this.running = true;
    if (this.started) {
      this.emit('up', { ...INFO });
      this.emit('changed');
    }
  }

  /** what the simulated keep-awake tone plays on (tests read it) */
  keepAwakeSet(): BtAddress[] {
    return [...this.awake];
  }

  meter(): string | null {
    return this.meterSource;
  }

  // ------------------------------------------------------------ snapshots

  inputs(): InputSource[] {
    if (!this.available || !this.radio.usbCardPlugged) return [];
    return [{ name: SIM_USB_SOURCE, description: 'USB Audio Device Analog Stereo', isUsb: true, sampleSpec: { format: 's16le', rate: 48_000, channels: 2 } }];
  }

  speakerSinks(): SpeakerSink[] {
    if (!this.available) return [];
    const out: SpeakerSink[] = [];
    for (const [address, link] of this.radio.links) {
      if (!link.a2dp || this.switching.has(address)) continue;
      const speaker = this.radio.speakers.get(address);
      const codec = this.codecOf(address);
      if (speaker?.silentCodecs.has(codec)) continue; // negotiated, yet no sink (faults.codecPlaysNothing)
      out.push({
        name: simSinkName(address),
        address,
        description: speaker?.spec.name ?? address,
        card: `bluez_card.${address.replaceAll(':', '_')}`,
        channels: 2,
        volume: [...(this.volumes.get(address) ?? [1, 1])],
        muted: this.mutes.get(address) ?? false,
        codec,
      });
    }
    return out;
  }

  routes(): ActiveRoute[] {
    if (!this.available) return [];
    return [...this.active].map(([id, spec]) => ({ id, spec: { ...spec } }));
  }

  // ------------------------------------------------------------ operations

  async addRoute(spec: RouteSpec): Promise<ActiveRoute> {
    this.requireUp();
    await sleep(this.clock, SIM_AUDIO_TIMING.route);
    this.requireUp();
    if (!this.inputs().some((i) => i.name === spec.source)) throw new BluelineError('not-found', `No capture source ${spec.source}`);
    if (!this.speakerSinks().some((s) => s.name === spec.sink)) throw new BluelineError('not-found', `No speaker sink ${spec.sink}`);
    const id = routeId(spec);
    this.active.set(id, { ...spec });
    this.emit('changed');
    return { id, spec: { ...spec } };
  }

  async removeRoute(id: string): Promise<void> {
    this.requireUp();
    if (this.active.delete(id)) this.emit('changed');
  }

  async setVolume(address: BtAddress, volume: number | number[]): Promise<void> {
    const sink = this.requireSink(address);
    const values = Array.isArray(volume) ? volume : Array.from({ length: sink.channels }, () => volume);
    if (values.some((v) => !(v >= 0 && v <= 1.5))) throw new BluelineError('invalid', 'Volume out of range');
    this.volumes.set(address, values);
    this.emit('changed');
  }

  async setMute(address: BtAddress, muted: boolean): Promise<void> {
    this.requireSink(address);
    this.mutes.set(address, muted);
    this.emit('changed');
  }

  async listCodecs(address: BtAddress): Promise<CodecInfo[]> {
    const sink = this.requireSink(address);
    const ids = this.radio.speakers.get(address)?.spec.codecs ?? ['sbc'];
    return ids.map((id) => ({ id, name: CODEC_NAMES[id]?.name ?? id.toUpperCase(), active: id === sink.codec, bitrateKbps: CODEC_NAMES[id]?.bitrateKbps ?? null }));
  }

  /** the codec the speaker's card is set to: the last switch, else the speaker's first */
  private codecOf(address: BtAddress): string {
    return this.codecs.get(address) ?? this.radio.speakers.get(address)?.spec.codecs[0] ?? 'sbc';
  }

  /** like PipeWire's profile switch: the sink goes away and comes back, taking its routes with it */
  async switchCodec(address: BtAddress, codec: string): Promise<void> {
    this.requireUp();
    // the card, not the sink: a codec the speaker cannot play leaves it without a sink
    if (!this.radio.links.get(address)?.a2dp) throw new BluelineError('not-found', `No speaker ${address}`);
    const speaker = this.radio.speakers.get(address);
    if (!(speaker?.spec.codecs ?? []).includes(codec)) {
      throw new BluelineError('unsupported', `This speaker does not support ${CODEC_NAMES[codec]?.name ?? codec}`);
    }
    if (this.codecOf(address) === codec && !this.switching.has(address)) return;
    this.switching.add(address);
    this.pruneRoutes();
    this.emit('changed');
    await sleep(this.clock, SIM_AUDIO_TIMING.codecSwitch);
    this.switching.delete(address);
    this.codecs.set(address, codec);
    this.emit('changed');
  }

  async setMeterSource(source: string | null): Promise<void> {
    this.requireUp();
    this.meterSource = source;
    this.restartMeter();
  }

  async setKeepAwake(addresses: BtAddress[]): Promise<void> {
    this.requireUp();
    this.awake = [...addresses];
  }

  async playTestSound(address: BtAddress): Promise<void> {
    this.requireSink(address);
    await sleep(this.clock, SIM_AUDIO_TIMING.testSound);
  }

  // ------------------------------------------------------------ helpers

  private onRadioChanged(): void {
    if (!this.available) return;
    for (const address of this.codecs.keys()) if (!this.radio.links.get(address)?.a2dp) this.codecs.delete(address);
    this.pruneRoutes();
    this.restartMeter();
    this.emit('changed');
  }

  /** a loopback unloads itself when its source or sink disappears */
  private pruneRoutes(): void {
    const sources = new Set(this.inputs().map((i) => i.name));
    const sinks = new Set(this.speakerSinks().map((s) => s.name));
    for (const [id, spec] of this.active) if (!sources.has(spec.source) || !sinks.has(spec.sink)) this.active.delete(id);
  }

  private restartMeter(): void {
    const metering = this.available && this.meterSource !== null && this.inputs().some((i) => i.name === this.meterSource);
    if (metering && this.meterTimer) return;
    this.clock.clearTimeout(this.meterTimer);
    this.meterTimer = null;
    if (!metering) return;
    const tick = (): void => {
      const talking = this.radio.echoTalking;
      const peakDb = talking ? -14 + Math.random() * 8 : -90;
      this.emit('level', { peakDb, rmsDb: peakDb - 8, signal: talking });
      this.meterTimer = this.clock.setTimeout(tick, this.levelIntervalMs);
    };
    this.meterTimer = this.clock.setTimeout(tick, this.levelIntervalMs);
  }

  private requireUp(): void {
    if (!this.available) throw new BluelineError('unavailable', 'The audio server is not running');
  }

  private requireSink(address: BtAddress): SpeakerSink {
    this.requireUp();
    const sink = this.speakerSinks().find((s) => s.address === address);
    if (!sink) throw new BluelineError('not-found', `Speaker ${address} has no audio output (not connected)`);
    return sink;
  }
}
