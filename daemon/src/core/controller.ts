/**
 * The controller: joins the Bluetooth and audio ports into behaviour a user can rely on.
 * Level-based reconcile (loop.ts) around the pure plan (reconcile.ts); actions run by thin
 * executors (executor.ts); read models and health from views.ts; commands in commands.ts.
 * It starts and stops the ports it is given.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { PersistedState, StateStore } from '../config/state-schema.js';
import type { BtAddress } from './address.js';
import type { BluelineApi, BluelineEvent, Health, Settings, SpeakerPatch, SpeakerView, StatusView } from './api.js';
import { systemClock, type Clock, type Timer } from './clock.js';
import { Commands } from './commands.js';
import type { BluelineError } from './errors.js';
import { Executor } from './executor.js';
import { Incidents, type Conditions } from './incidents.js';
import { ReconcileLoop } from './loop.js';
import { DEFAULT_POLICY, type Observed, type Policy } from './model.js';
import type { AudioPort, BluetoothPort, CodecInfo, LevelReading } from './ports.js';
import { observe } from './observe.js';
import { plan, resolveInput, usedSpeakers } from './reconcile.js';
import { health, inputView, problems, speakerViews, type ViewInput } from './views.js';

export interface ControllerOptions {
  bluetooth: BluetoothPort;
  audio: AudioPort;
  store: StateStore;
  logger: Logger;
  clock?: Clock;
  policy?: Partial<Policy>;
  /** shown in status(); default 'dev' */
  version?: string;
  simulated?: boolean;
}

export interface PassInfo {
  /** epoch ms when the pass finished */
  at: number;
  actions: number;
  health: Health;
}

export class Controller extends EventEmitter<{ event: [BluelineEvent] }> implements BluelineApi {
  readonly clock: Clock;
  readonly policy: Policy;
  /** epoch ms of the last completed reconcile pass (null before the first) */
  lastPassAt: number | null = null;
  private desired: PersistedState;
  private readonly log: Logger;
  private readonly executor: Executor;
  private readonly loop: ReconcileLoop;
  private readonly incidents = new Incidents();
  private readonly commands: Commands;
  private readonly passListeners = new Set<(info: PassInfo) => void>();
  private readonly published = new Map<string, string>();
  readonly codecCache = new Map<BtAddress, CodecInfo[]>();
  private level: LevelReading | null = null;
  private lastSignalAt: number;
  private startedAt: number;
  private passCount = 0;
  private passStartedAt: number | null = null;
  pairing: BtAddress | null = null;
  scanUntil: number | null = null;
  scanTimer: Timer | null = null;
  private readonly detach: (() => void)[] = [];

  constructor(private readonly options: ControllerOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.policy = { ...DEFAULT_POLICY, ...options.policy };
    this.log = options.logger.child({ component: 'controller' });
    this.desired = structuredClone(options.store.read());
    this.startedAt = this.lastSignalAt = this.clock.now();
    this.executor = new Executor({
      bluetooth: options.bluetooth,
      audio: options.audio,
      clock: this.clock,
      policy: this.policy,
      logger: this.log,
      requestPass: () => this.requestPass(),
      onError: (error, address) => this.reportError(error, address),
    });
    this.loop = new ReconcileLoop({ clock: this.clock, debounceMs: this.policy.debounceMs, resyncMs: this.policy.resyncMs, pass: () => this.pass() });
    this.commands = new Commands(this, options.bluetooth, options.audio, options.store, this.executor, this.log);
  }

  // ------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    const { bluetooth, audio } = this.options;
    this.startedAt = this.lastSignalAt = this.clock.now();
    const on = <E extends EventEmitter<any>>(emitter: E, name: string, fn: (...args: any[]) => void): void => {
      emitter.on(name, fn);
      this.detach.push(() => emitter.off(name, fn));
    };
    const poke = (): void => this.requestPass();
    on(bluetooth, 'changed', poke);
    on(bluetooth, 'up', poke);
    on(bluetooth, 'down', poke);
    on(bluetooth, 'agent', (prompt) => this.emit('event', { type: 'agent', prompt }));
    on(audio, 'changed', poke);
    // a (re)started audio server has none of our meter / keep-awake modules, whether or not we saw it go
    const audioReset = (): void => {
      this.executor.audioServerReset();
      this.level = null;
      poke();
    };
    on(audio, 'up', audioReset);
    on(audio, 'down', audioReset);
    on(audio, 'level', (reading: LevelReading) => this.onLevel(reading));
    await Promise.all([bluetooth.start(), audio.start()]);
    this.loop.start();
    this.log.info({ speakers: this.desired.speakers.length, mode: this.desired.settings.mode }, 'controller started');
  }

  async stop(): Promise<void> {
    this.loop.stop();
    this.clock.clearTimeout(this.scanTimer);
    for (const off of this.detach.splice(0)) off();
    await this.loop.settled();
    // routes are ours: leave the audio server as we found it (each call has the port's timeout)
    if (this.options.audio.available) {
      for (const route of this.options.audio.routes()) await this.options.audio.removeRoute(route.id).catch((err: unknown) => this.log.info({ err }, 'removing a route at stop failed'));
    }
    await Promise.allSettled([this.options.bluetooth.stop(), this.options.audio.stop()]);
    this.log.info('controller stopped');
  }

  /** called after every completed pass; main.ts ties WATCHDOG=1 and STATUS= to it. Returns an unsubscribe. */
  onReconcilePass(listener: (info: PassInfo) => void): () => void {
    this.passListeners.add(listener);
    return () => this.passListeners.delete(listener);
  }

  /**
   * false when the loop is stuck (WATCHDOG=1 is then withheld): a pass has been running longer
   * than stuckPassMs, or none has finished for three slow-timer periods while none was running.
   */
  loopAlive(): boolean {
    const now = this.clock.now();
    if (this.passStartedAt !== null) return now - this.passStartedAt < this.policy.stuckPassMs;
    return now - (this.lastPassAt ?? this.startedAt) < 3 * this.policy.resyncMs;
  }

  requestPass(): void {
    this.loop.request();
  }

  // ------------------------------------------------------------ the pass

  observe(): Observed {
    const { bluetooth, audio } = this.options;
    const now = this.clock.now();
    return observe({ bluetooth, audio, executor: this.executor, desired: this.desired, now, lastSignalAt: this.lastSignalAt, pairing: this.pairing, codecTrialMs: this.policy.codecTrialMs });
  }

  private async pass(): Promise<number | null> {
    const log = this.log.child({ pass: ++this.passCount });
    this.passStartedAt = this.clock.now();
    try {
      const observed = this.observe();
      const conditions = this.conditions(observed);
      this.incidents.observe(conditions, observed.now, log);
      const actions = plan(this.desired, observed, this.policy);
      if (actions.length) log.debug({ actions: actions.map((a) => a.kind) }, 'reconciling');
      for (const action of actions) {
        await this.executor.run(action, log);
        this.incidents.note(action, (address) => this.desired.speakers.find((s) => s.address === address)?.name ?? address);
      }
      const after = this.observe();
      const converged = actions.length === 0 && ![...this.executor.runtime.values()].some((rt) => rt.connecting);
      this.incidents.settle(this.conditions(after), converged, after.now, log);
      const info = this.publish(after);
      this.lastPassAt = this.clock.now();
      for (const listener of this.passListeners) {
        try {
          listener({ at: this.lastPassAt, actions: actions.length, health: info });
        } catch (err) {
          log.error({ err }, 'reconcile pass listener failed');
        }
      }
      return this.wakeAt(after);
    } catch (err) {
      log.error({ err }, 'reconcile pass failed');
      return null;
    } finally {
      this.passStartedAt = null;
    }
  }

  private conditions(o: Observed): Conditions {
    return { bluetoothUp: o.bluetoothUp, audioUp: o.audioUp, inputPresent: resolveInput(this.desired.settings, o.inputs) !== null, adapters: o.adapters.map((a) => a.id) };
  }

  /** the earliest moment plan's answer can change without an event: a backoff or grace period ending, idle */
  private wakeAt(o: Observed): number | null {
    let at = Infinity;
    for (const speaker of usedSpeakers(this.desired)) {
      const rt = this.executor.runtimeOf(speaker.address);
      if (rt.nextRetryAt !== null && rt.nextRetryAt > o.now) at = Math.min(at, rt.nextRetryAt);
      if (rt.linkSince !== null) {
        const graceEnd = rt.linkSince + this.policy.profileGraceMs;
        if (graceEnd > o.now) at = Math.min(at, graceEnd);
      }
      if (rt.codecTrial) {
        const trialEnd = rt.codecTrial.since + this.policy.codecTrialMs;
        if (trialEnd > o.now) at = Math.min(at, trialEnd);
      }
    }
    if (this.desired.settings.keepAwake) {
      const quietAt = this.lastSignalAt + this.policy.keepAwakeAfterSilenceMs;
      if (quietAt > o.now) at = Math.min(at, quietAt);
    }
    const idleMinutes = this.desired.settings.idleDisconnectMinutes;
    if (idleMinutes > 0) {
      const idleAt = this.lastSignalAt + idleMinutes * 60_000;
      if (idleAt > o.now) at = Math.min(at, idleAt);
    }
    return Number.isFinite(at) ? at : null;
  }

  private onLevel(reading: LevelReading): void {
    const wasIdle = this.isIdleNow();
    this.level = reading;
    if (reading.signal) this.lastSignalAt = this.clock.now();
    this.emit('event', { type: 'level', peakDb: reading.peakDb, rmsDb: reading.rmsDb, signal: reading.signal });
    // signal back: leave idle, and stop the keep-awake tone (it only fills silences)
    if (reading.signal && (wasIdle || this.executor.keepAwake.length > 0)) this.requestPass();
    this.publishInput();
  }

  private isIdleNow(): boolean {
    const minutes = this.desired.settings.idleDisconnectMinutes;
    return minutes > 0 && this.clock.now() - this.lastSignalAt >= minutes * 60_000;
  }

  // ------------------------------------------------------------ read models and events

  private viewInput(observed = this.observe()): ViewInput {
    return { desired: this.desired, observed, level: this.level, codecs: this.codecCache };
  }

  /** emits an event for every view that differs from the last one sent; returns health */
  publish(observed = this.observe()): Health {
    const v = this.viewInput(observed);
    const speakers = speakerViews(v);
    const issues = problems(v, speakers);
    const seen = new Set<string>();
    for (const speaker of speakers) {
      seen.add(`speaker:${speaker.address}`);
      this.changed(`speaker:${speaker.address}`, speaker, () => this.emit('event', { type: 'speaker', speaker }));
    }
    for (const key of [...this.published.keys()]) {
      if (key.startsWith('speaker:') && !seen.has(key)) {
        this.published.delete(key);
        this.emit('event', { type: 'speaker-removed', address: key.slice('speaker:'.length) });
      }
    }
    const servers = this.serversView(observed);
    this.changed('servers', servers, () => this.emit('event', { type: 'servers', servers }));
    this.changed('problems', issues, () => this.emit('event', { type: 'problems', problems: issues }));
    this.publishInput(v);
    return health(v, speakers, issues);
  }

  /** cheap enough for every level reading: only the input list is read */
  private publishInput(v: Parameters<typeof inputView>[0] = { desired: this.desired, observed: { inputs: this.options.audio.inputs() }, level: this.level }): void {
    const input = inputView(v);
    const { peakDb: _p, rmsDb: _r, ...stable } = input;
    this.changed('input', stable, () => this.emit('event', { type: 'input', input }));
  }

  private changed(key: string, value: unknown, emit: () => void): void {
    const json = JSON.stringify(value);
    if (this.published.get(key) === json) return;
    this.published.set(key, json);
    emit();
  }

  private serversView(o: Observed): StatusView['servers'] {
    const info = this.options.audio.server();
    return {
      bluetooth: { up: o.bluetoothUp, adapters: o.adapters.map((a) => ({ id: a.id, address: a.address, alias: a.alias, powered: a.powered })) },
      audio: { up: o.audioUp, kind: info?.kind ?? null, version: info?.version ?? null },
    };
  }

  reportError(error: BluelineError, address?: BtAddress): void {
    this.emit('event', { type: 'error', message: error.reason, ...(address ? { address } : {}) });
  }

  // ------------------------------------------------------------ BluelineApi: reads

  status(): StatusView {
    const observed = this.observe();
    const v = this.viewInput(observed);
    const speakers = speakerViews(v);
    return {
      daemon: { version: this.options.version ?? 'dev', startedAt: new Date(this.startedAt).toISOString(), simulated: this.options.simulated ?? false },
      servers: this.serversView(observed),
      settings: this.settings(),
      input: inputView(v),
      speakers,
      scan: { active: this.scanUntil !== null, until: this.scanUntil === null ? null : new Date(this.scanUntil).toISOString() },
      pairing: this.pairing,
      problems: problems(v, speakers),
    };
  }

  health(): Health {
    const v = this.viewInput();
    const speakers = speakerViews(v);
    return health(v, speakers, problems(v, speakers));
  }

  speakers(): SpeakerView[] {
    return speakerViews(this.viewInput());
  }

  speakerView(address: BtAddress): SpeakerView | undefined {
    return this.speakers().find((s) => s.address === address);
  }

  settings(): Settings {
    return { ...this.desired.settings };
  }

  /** the desired state as it is now (a copy) */
  desiredState(): PersistedState {
    return structuredClone(this.desired);
  }

  /** replaces the desired state in memory (commands.ts persists it first) */
  setDesired(next: PersistedState): void {
    this.desired = next;
  }

  // ------------------------------------------------------------ BluelineApi: commands

  startScan(seconds: number): Promise<void> {
    return this.commands.startScan(seconds);
  }
  stopScan(): Promise<void> {
    return this.commands.stopScan();
  }
  pair(address: BtAddress, options?: { pin?: string }): Promise<SpeakerView> {
    return this.commands.pair(address, options);
  }
  connect(address: BtAddress): Promise<SpeakerView> {
    return this.commands.connect(address);
  }
  disconnect(address: BtAddress): Promise<SpeakerView> {
    return this.commands.disconnect(address);
  }
  forget(address: BtAddress): Promise<void> {
    return this.commands.forget(address);
  }
  updateSpeaker(address: BtAddress, patch: SpeakerPatch): Promise<SpeakerView> {
    return this.commands.updateSpeaker(address, patch);
  }
  codecs(address: BtAddress): Promise<CodecInfo[]> {
    return this.commands.codecs(address);
  }
  testSound(address: BtAddress): Promise<void> {
    return this.commands.testSound(address);
  }
  updateSettings(patch: Partial<Settings>): Promise<Settings> {
    return this.commands.updateSettings(patch);
  }
}

export function createController(options: ControllerOptions): Controller {
  return new Controller(options);
}
