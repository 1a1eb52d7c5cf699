/**
 * AudioPort over the PulseAudio native protocol; works with PulseAudio and pipewire-pulse.
 *
 * It remembers what it set up (routes, meter source, keep-awake speakers) and puts it back
 * when it can: after the server restarts, and when a route's input or speaker returns (USB
 * card re-plugged). routes() only lists routes that really carry audio, so the controller
 * sees the truth; re-adding a route that is already there is a no-op. A route waiting for its
 * devices is dropped when the controller removes it or adds another route for that speaker.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { BtAddress } from '../core/address.js';
import { BluelineError } from '../core/errors.js';
import type { ActiveRoute, AudioEvents, AudioPort, AudioServerInfo, CodecInfo, InputSource, RouteSpec, SpeakerSink } from '../core/ports.js';
import { cardOfAddress, listCodecs, switchCodec, type CodecTarget } from './codec-control.js';
import { Connection, withTimeout, type ConnectionOptions } from './connection.js';
import { inputsFrom, serverInfoFrom, speakersFrom, volumePerChannel } from './discovery.js';
import { Inventory } from './inventory.js';
import { checkSpec, liveRoutes, loadRoute, Serial, unloadModules } from './routes.js';
import { routeId } from './route-plan.js';
import { clickTrain, durationMs, loopSignal, openMeter, playOnce, toneBuffer, type StreamHandle } from './streams.js';

export type PulseAudioOptions = ConnectionOptions;

/** The keep-awake tone: 40 Hz at -50 dBFS. Small speakers cannot reproduce it, yet it is not digital silence. */
const KEEP_AWAKE_HZ = 40;
const KEEP_AWAKE_DBFS = -50;
const RESTORE_RETRY_MS = 1000;

export class PulseAudio extends EventEmitter<AudioEvents> implements AudioPort {
  private readonly log: Logger;
  private readonly connection: Connection;
  private readonly inventory: Inventory;
  private readonly serial = new Serial();
  private info: AudioServerInfo | null = null;
  private everConnected = false;
  /** routes we set up, rebuilt after a server restart */
  private readonly wanted = new Map<string, RouteSpec>();
  private meterSource: string | null = null;
  private meter: StreamHandle | null = null;
  private meterOpening = false;
  private keepAwake = new Set<BtAddress>();
  private readonly tones = new Map<BtAddress, { sink: string; handle: StreamHandle }>();
  /** last restore attempt per route id, so a failing route is retried at most once a second */
  private readonly attempts = new Map<string, number>();
  private restoreTimer: NodeJS.Timeout | undefined;

  constructor(options: PulseAudioOptions) {
    super();
    this.log = options.logger.child({ component: 'audio' });
    this.connection = new Connection({ ...options, logger: this.log });
    this.inventory = new Inventory(this.connection, this.log);
    this.connection.on('up', (hello) => void this.onUp(hello.name, hello.version));
    this.connection.on('down', () => this.onDown());
    this.connection.on('event', () => this.inventory.poke());
    this.inventory.on('changed', () => {
      this.reconcileStreams();
      this.scheduleRestore(0);
      this.emit('changed');
    });
  }

  get available(): boolean {
    return this.info !== null;
  }

  async start(): Promise<void> {
    this.connection.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.restoreTimer);
    this.closeStreams();
    await this.connection.stop();
    this.inventory.clear();
    this.info = null;
  }

  server(): AudioServerInfo | null {
    return this.info ? { ...this.info } : null;
  }

  inputs(): InputSource[] {
    return inputsFrom(this.inventory.snapshot.sources);
  }

  speakerSinks(): SpeakerSink[] {
    const cards = this.inventory.snapshot.cards;
    return speakersFrom(this.inventory.snapshot.sinks, (i) => cards.find((c) => c.index === i)?.name ?? null);
  }

  routes(): ActiveRoute[] {
    return liveRoutes(this.inventory.snapshot, this.info).active.map((r) => ({ id: r.id, spec: { ...r.spec } }));
  }

  addRoute(spec: RouteSpec): Promise<ActiveRoute> {
    checkSpec(spec);
    const copy = { ...spec };
    return this.serial.run(async () => {
      const route = await this.buildRoute(copy);
      // a route still waiting for its devices is superseded by a new one for the same speaker
      const live = new Set(this.routes().map((r) => r.id));
      for (const [id, s] of this.wanted) if (s.address === copy.address && !live.has(id)) this.wanted.delete(id);
      this.wanted.set(route.id, copy);
      return route;
    });
  }

  removeRoute(id: string): Promise<void> {
    this.wanted.delete(id);
    return this.serial.run(async () => {
      const server = this.requireServer();
      await this.inventory.refresh();
      const found = liveRoutes(this.inventory.snapshot, server).found.find((f) => f.id === id);
      if (!found) return;
      await unloadModules(this.connection, [...found.modules].reverse(), this.log);
      await this.inventory.refresh();
    });
  }

  async setVolume(address: BtAddress, volume: number | number[]): Promise<void> {
    const sink = this.requireSpeaker(address);
    const values = volumePerChannel(volume, sink.channels);
    if (!values) throw new BluelineError('invalid', 'volume must be 0..1, one value or one per channel');
    await this.connection.call('set volume', (c) => c.setSinkVolume(values, sink.name));
    await this.inventory.refresh();
  }

  async setMute(address: BtAddress, muted: boolean): Promise<void> {
    const sink = this.requireSpeaker(address);
    await this.connection.call('set mute', (c) => c.setSinkMute(muted, sink.name));
    await this.inventory.refresh();
  }

  async listCodecs(address: BtAddress): Promise<CodecInfo[]> {
    return listCodecs(this.connection, this.requireServer(), this.inventory.snapshot, this.requireSpeaker(address));
  }

  async switchCodec(address: BtAddress, codec: string): Promise<void> {
    await switchCodec(this.connection, this.requireServer(), this.inventory.snapshot, this.codecTarget(address), codec);
    await this.inventory.refresh();
  }

  async setMeterSource(source: string | null): Promise<void> {
    this.meterSource = source;
    this.meter?.close();
    this.meter = null;
    if (source && this.available) {
      if (!this.inventory.snapshot.sources.some((s) => s.name === source)) throw new BluelineError('not-found', `no audio input named ${source}`);
      await this.openMeter(source);
    }
  }

  async setKeepAwake(addresses: BtAddress[]): Promise<void> {
    this.keepAwake = new Set(addresses);
    this.reconcileStreams();
  }

  async playTestSound(address: BtAddress): Promise<void> {
    const sink = this.requireSpeaker(address);
    const signal = clickTrain(8, 250);
    const handle = await this.connection.call('test sound', (c) => playOnce(c, sink.name, signal, 'blueline test clicks'));
    await withTimeout('test sound playing', durationMs(signal) + 3000, handle.ended).catch((err: unknown) => {
      handle.close();
      throw err;
    });
  }

  // ---------------------------------------------------------------- internals

  private requireServer(): AudioServerInfo {
    if (!this.info) throw new BluelineError('unavailable', 'the audio server is not running');
    return this.info;
  }

  private requireSpeaker(address: BtAddress): SpeakerSink {
    this.requireServer();
    const sink = this.speakerSinks().find((s) => s.address === address);
    if (!sink) throw new BluelineError('not-found', `speaker ${address} has no audio sink (is it connected?)`);
    return sink;
  }

  /** the speaker's sink, or only its card when a codec it cannot play left it without a sink */
  private codecTarget(address: BtAddress): CodecTarget {
    this.requireServer();
    const sink = this.speakerSinks().find((s) => s.address === address);
    if (sink) return sink;
    const card = cardOfAddress(this.inventory.snapshot, address);
    if (!card) throw new BluelineError('not-found', `speaker ${address} has no audio device (is it connected?)`);
    return { address, card: card.name };
  }

  private async buildRoute(spec: RouteSpec): Promise<ActiveRoute> {
    const server = this.requireServer();
    const id = routeId(spec);
    await this.inventory.refresh();
    const snap = this.inventory.snapshot;
    const { active, found } = liveRoutes(snap, server);
    if (active.some((r) => r.id === id)) return { id, spec };
    if (!snap.sources.some((s) => s.name === spec.source)) throw new BluelineError('not-found', `no audio input named ${spec.source}`);
    if (!snap.sinks.some((s) => s.name === spec.sink)) throw new BluelineError('not-found', `no speaker sink named ${spec.sink}`);
    const stale = found.find((f) => f.id === id);
    if (stale) await unloadModules(this.connection, [...stale.modules].reverse(), this.log);
    await loadRoute(this.connection, server, spec, this.log);
    await this.inventory.refresh();
    return { id, spec };
  }

  private async onUp(name: string, version: string): Promise<void> {
    const info = serverInfoFrom(name, version);
    try {
      await this.inventory.refresh();
    } catch (err) {
      this.log.warn({ err }, 'could not read the audio server inventory');
      return;
    }
    this.info = info;
    this.log.info({ server: info }, 'audio server up');
    const first = !this.everConnected;
    this.everConnected = true;
    if (first) {
      // adopt what a previous run left behind, so a later server restart rebuilds it too
      for (const r of liveRoutes(this.inventory.snapshot, info).active) this.wanted.set(r.id, r.spec);
    }
    this.attempts.clear();
    this.scheduleRestore(0);
    this.emit('up', { ...info });
    this.reconcileStreams();
    this.emit('changed');
  }

  private scheduleRestore(delayMs: number): void {
    if (this.restoreTimer || !this.available || this.wanted.size === 0) return;
    this.restoreTimer = setTimeout(() => {
      this.restoreTimer = undefined;
      void this.serial.run(() => this.restore());
    }, delayMs);
  }

  /** Builds wanted routes that are missing but whose input and speaker are there. */
  private async restore(): Promise<void> {
    if (!this.available) return;
    const snap = this.inventory.snapshot;
    const live = new Set(this.routes().map((r) => r.id));
    const sources = new Set(snap.sources.map((s) => s.name));
    const sinks = new Set(snap.sinks.map((s) => s.name));
    let retryIn = 0;
    for (const [id, spec] of this.wanted) {
      if (live.has(id) || !sources.has(spec.source) || !sinks.has(spec.sink)) continue;
      const since = Date.now() - (this.attempts.get(id) ?? 0);
      if (since < RESTORE_RETRY_MS) {
        retryIn = Math.max(retryIn, RESTORE_RETRY_MS - since);
        continue;
      }
      this.attempts.set(id, Date.now());
      try {
        await this.buildRoute(spec);
        this.log.info({ route: id, sink: spec.sink }, 'restored a route');
      } catch (err) {
        this.log.warn({ err, route: id }, 'could not restore a route; will retry');
        retryIn = RESTORE_RETRY_MS;
      }
    }
    if (retryIn) this.scheduleRestore(retryIn);
  }

  private onDown(): void {
    this.info = null;
    this.closeStreams();
    this.inventory.clear();
    this.emit('down');
    this.emit('changed');
  }

  private closeStreams(): void {
    this.meter?.close();
    this.meter = null;
    for (const t of this.tones.values()) t.handle.close();
    this.tones.clear();
  }

  private async openMeter(source: string): Promise<void> {
    this.meterOpening = true;
    try {
      const handle = await this.connection.call('open level meter', (c) => openMeter(c, source, this.info?.kind === 'pulseaudio', (r) => this.emit('level', r)));
      if (this.meterSource !== source || !this.available) return handle.close();
      this.meter = handle;
      void handle.ended.then(() => {
        if (this.meter === handle) this.meter = null;
      });
    } finally {
      this.meterOpening = false;
    }
  }

  /** Meter and keep-awake tones follow the inventory: (re)opened when their device is there. */
  private reconcileStreams(): void {
    if (!this.available) return;
    const snap = this.inventory.snapshot;
    if (this.meterSource && !this.meter && !this.meterOpening && snap.sources.some((s) => s.name === this.meterSource)) {
      this.openMeter(this.meterSource).catch((err: unknown) => this.log.warn({ err }, 'could not open the level meter'));
    }
    const speakers = this.speakerSinks();
    for (const [address, tone] of this.tones) {
      const sink = speakers.find((s) => s.address === address)?.name;
      if (!this.keepAwake.has(address) || sink !== tone.sink) {
        tone.handle.close();
        this.tones.delete(address);
      }
    }
    for (const address of this.keepAwake) {
      const sink = speakers.find((s) => s.address === address)?.name;
      if (!sink || this.tones.has(address)) continue;
      this.openTone(address, sink);
    }
  }

  private openTone(address: BtAddress, sink: string): void {
    const pending: StreamHandle = { close: () => undefined, ended: Promise.resolve() };
    this.tones.set(address, { sink, handle: pending });
    const chunk = toneBuffer(KEEP_AWAKE_HZ, KEEP_AWAKE_DBFS, 0.5);
    this.connection
      .call('keep-awake tone', (c) => loopSignal(c, sink, chunk, 'blueline keep-awake'))
      .then((handle) => {
        if (this.tones.get(address)?.handle !== pending) return handle.close();
        this.tones.set(address, { sink, handle });
        void handle.ended.then(() => {
          if (this.tones.get(address)?.handle === handle) this.tones.delete(address);
        });
      })
      .catch((err: unknown) => {
        if (this.tones.get(address)?.handle === pending) this.tones.delete(address);
        this.log.warn({ err, address }, 'could not start the keep-awake tone');
      });
  }
}

export function createPulseAudio(options: PulseAudioOptions): PulseAudio {
  return new PulseAudio(options);
}
