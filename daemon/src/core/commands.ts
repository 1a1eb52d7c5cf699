/**
 * The panel's commands. Each one changes desired state (persisted first) or does a one-off
 * thing (scan, pair, test sound), then asks the loop to look again: the loop does the rest.
 */
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import { defaultSpeaker, KnownSpeakerSchema, SettingsSchema, type KnownSpeaker, type PersistedState, type StateStore } from '../config/state-schema.js';
import { parseBtAddress, type BtAddress } from './address.js';
import type { Settings, SpeakerPatch, SpeakerView } from './api.js';
import { recordAttempt, recordFailure, recordSuccess } from './backoff.js';
import type { Controller } from './controller.js';
import { BluelineError, toBluelineError } from './errors.js';
import type { Executor } from './executor.js';
import type { AudioPort, BluetoothPort, CodecInfo } from './ports.js';
import { deviceFor, usedSpeakers } from './reconcile.js';

const MAX_SCAN_SECONDS = 120;

export class Commands {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly c: Controller,
    private readonly bluetooth: BluetoothPort,
    private readonly audio: AudioPort,
    private readonly store: StateStore,
    private readonly executor: Executor,
    private readonly log: Logger,
  ) {}

  async startScan(seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SCAN_SECONDS) throw new BluelineError('invalid', `Scan time must be 1 to ${MAX_SCAN_SECONDS} seconds`);
    const adapters = this.poweredAdapters();
    for (const id of adapters) await this.bluetooth.startDiscovery(id);
    this.c.clock.clearTimeout(this.c.scanTimer);
    this.c.scanUntil = this.c.clock.now() + seconds * 1000;
    this.c.scanTimer = this.c.clock.setTimeout(() => void this.stopScan().catch((err: unknown) => this.log.info({ err }, 'stopping the scan failed')), seconds * 1000);
    this.log.info({ seconds, adapters }, 'scan started');
    this.emitScan();
  }

  async stopScan(): Promise<void> {
    this.c.clock.clearTimeout(this.c.scanTimer);
    this.c.scanTimer = null;
    const wasActive = this.c.scanUntil !== null;
    this.c.scanUntil = null;
    if (this.bluetooth.available) {
      for (const a of this.bluetooth.adapters()) if (a.discovering) await this.bluetooth.stopDiscovery(a.id).catch(() => undefined);
    }
    if (wasActive) this.emitScan();
  }

  async pair(addressInput: BtAddress, options: { pin?: string } = {}): Promise<SpeakerView> {
    const address = parseBtAddress(addressInput);
    if (options.pin !== undefined && !/^[0-9]{4,16}$/.test(options.pin)) throw new BluelineError('invalid', 'A PIN is 4 to 16 digits');
    if (this.c.pairing !== null) throw new BluelineError('conflict', `Already pairing with ${this.c.pairing}; wait for it to finish`);
    const device = this.bluetooth.devices().filter((d) => d.address === address).sort((a, b) => (b.rssi ?? -999) - (a.rssi ?? -999))[0];
    if (!device) throw new BluelineError('not-found', 'This speaker has not been seen; put it in pairing mode and scan');
    this.c.pairing = address;
    this.log.info({ address, adapter: device.adapter }, 'pairing; reconnect attempts paused meanwhile');
    this.c.publish();
    try {
      // discovery and paging other speakers both disturb pairing on a shared radio
      await this.stopScan();
      await this.bluetooth.pair(device.adapter, address, options);
      await this.bluetooth.setTrusted(device.adapter, address, true);
      const rt = this.executor.runtimeOf(address);
      recordSuccess(rt);
      await this.mutate((state) => {
        if (!state.speakers.some((s) => s.address === address)) state.speakers.push(defaultSpeaker(address, device.alias));
      });
      this.log.info({ address, name: device.alias }, 'paired');
    } catch (e) {
      const error = toBluelineError(e, 'Pairing failed');
      this.log.info({ err: error, address }, 'pairing failed');
      this.c.reportError(error, address);
      throw error;
    } finally {
      this.c.pairing = null;
      this.c.requestPass();
    }
    return this.view(address);
  }

  /** "use this speaker now": enables it, brings it into the mode's set, clears a refusal, connects */
  async connect(addressInput: BtAddress): Promise<SpeakerView> {
    const address = parseBtAddress(addressInput);
    this.known(address);
    await this.mutate((state) => {
      const index = state.speakers.findIndex((s) => s.address === address);
      const speaker = state.speakers[index]!;
      speaker.enabled = true;
      if (!usedSpeakers(state).includes(speaker)) state.speakers.unshift(...state.speakers.splice(index, 1));
    });
    const speaker = this.known(address);
    const rt = this.executor.runtimeOf(address);
    Object.assign(rt, { refused: false, attempts: 0, nextRetryAt: null });
    const device = deviceFor(speaker, { devices: this.bluetooth.devices(), adapters: this.bluetooth.adapters() });
    if (!this.bluetooth.available) throw new BluelineError('unavailable', 'The Bluetooth service is not running');
    if (!device?.paired) throw new BluelineError('refused', 'This speaker is not paired with the Pi any more; pair it again');
    if (!device.connected && !rt.connecting) {
      rt.connecting = true;
      try {
        await this.bluetooth.connectAudio(device.adapter, address);
        recordAttempt(rt, this.c.clock.now(), this.c.policy);
      } catch (e) {
        throw recordFailure(rt, e, this.c.clock.now(), this.c.policy);
      } finally {
        rt.connecting = false;
        this.c.requestPass();
      }
    }
    this.c.requestPass();
    return this.view(address);
  }

  /** "stop using this speaker": disabled (persisted, so the loop does not reconnect it), then let go */
  async disconnect(addressInput: BtAddress): Promise<SpeakerView> {
    const address = parseBtAddress(addressInput);
    this.known(address);
    await this.mutate((state) => {
      state.speakers.find((s) => s.address === address)!.enabled = false;
    });
    for (const d of this.bluetooth.devices()) if (d.address === address && d.connected) await this.bluetooth.disconnect(d.adapter, address);
    this.c.requestPass();
    return this.view(address);
  }

  async forget(addressInput: BtAddress): Promise<void> {
    const address = parseBtAddress(addressInput);
    const devices = this.bluetooth.devices().filter((d) => d.address === address);
    if (!this.c.desiredState().speakers.some((s) => s.address === address) && devices.length === 0) throw new BluelineError('not-found', 'No such speaker');
    await this.mutate((state) => {
      state.speakers = state.speakers.filter((s) => s.address !== address);
    });
    for (const route of this.audio.available ? this.audio.routes() : []) if (route.spec.address === address) await this.audio.removeRoute(route.id);
    for (const d of devices) await this.bluetooth.forget(d.adapter, address);
    this.executor.runtime.delete(address);
    this.c.codecCache.delete(address);
    this.log.info({ address }, 'speaker forgotten');
    this.c.requestPass();
    this.c.publish();
  }

  async updateSpeaker(addressInput: BtAddress, patch: SpeakerPatch): Promise<SpeakerView> {
    const address = parseBtAddress(addressInput);
    const before = this.known(address);
    const next: KnownSpeaker = { ...before };
    if (patch.volume !== undefined) next.volume = patch.volume;
    if (patch.muted !== undefined) next.muted = patch.muted;
    if (patch.delayMs !== undefined) next.delayMs = patch.delayMs;
    if (patch.enabled !== undefined) next.enabled = patch.enabled;
    if (patch.adapter !== undefined) next.adapter = patch.adapter;
    if (patch.codec !== undefined) next.codec = patch.codec === '' || patch.codec === 'auto' ? null : patch.codec;
    if (!Value.Check(KnownSpeakerSchema, next)) {
      const first = [...Value.Errors(KnownSpeakerSchema, next)][0];
      throw new BluelineError('invalid', `Invalid speaker setting${first ? ` ${first.path}: ${first.message}` : ''}`);
    }
    await this.mutate((state) => {
      state.speakers = state.speakers.map((s) => (s.address === address ? next : s));
    });
    if (next.codec !== before.codec) this.executor.runtimeOf(address).codecRejected = null;
    if (next.enabled && !before.enabled) Object.assign(this.executor.runtimeOf(address), { refused: false, attempts: 0, nextRetryAt: null });
    this.c.requestPass();
    return this.view(address);
  }

  async codecs(addressInput: BtAddress): Promise<CodecInfo[]> {
    const address = parseBtAddress(addressInput);
    this.known(address);
    const list = await this.audio.listCodecs(address);
    this.c.codecCache.set(address, list);
    return list;
  }

  async testSound(addressInput: BtAddress): Promise<void> {
    const address = parseBtAddress(addressInput);
    this.known(address);
    await this.audio.playTestSound(address);
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    const next = { ...this.c.settings(), ...patch };
    if (!Value.Check(SettingsSchema, next)) {
      const first = [...Value.Errors(SettingsSchema, next)][0];
      throw new BluelineError('invalid', `Invalid setting${first ? ` ${first.path}: ${first.message}` : ''}`);
    }
    await this.mutate((state) => {
      state.settings = next;
    });
    this.log.info({ settings: next }, 'settings changed');
    this.c.emit('event', { type: 'settings', settings: { ...next } });
    this.c.requestPass();
    return { ...next };
  }

  // ------------------------------------------------------------ helpers

  /** applies a change to desired state and persists it; changes run one at a time, each on the last one's result */
  private mutate(change: (state: PersistedState) => void): Promise<void> {
    const run = this.writes.then(async () => {
      const next = this.c.desiredState();
      change(next);
      try {
        await this.store.write(next);
      } catch (e) {
        const error = toBluelineError(e, 'Could not save the settings');
        this.log.error({ err: error }, 'writing the state file failed');
        throw error;
      }
      this.c.setDesired(next);
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  private known(address: BtAddress): KnownSpeaker {
    const speaker = this.c.desiredState().speakers.find((s) => s.address === address);
    if (!speaker) throw new BluelineError('not-found', 'This speaker is not set up; pair it first');
    return speaker;
  }

  private view(address: BtAddress): SpeakerView {
    const view = this.c.speakerView(address);
    if (!view) throw new BluelineError('not-found', 'No such speaker');
    return view;
  }

  private poweredAdapters(): string[] {
    if (!this.bluetooth.available) throw new BluelineError('unavailable', 'The Bluetooth service is not running');
    const ids = this.bluetooth.adapters().filter((a) => a.powered).map((a) => a.id);
    if (ids.length === 0) throw new BluelineError('unavailable', 'No Bluetooth adapter is powered');
    return ids;
  }

  private emitScan(): void {
    const until = this.c.scanUntil === null ? null : new Date(this.c.scanUntil).toISOString();
    this.c.emit('event', { type: 'scan', active: until !== null, until });
  }
}
