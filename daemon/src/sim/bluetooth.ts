/**
 * A simulated bluetoothd behind BluetoothPort: adapters, discovery, pairing with an agent that
 * tries PINs, ConnectProfile, and the ways real BlueZ fails (page timeout, auth refused, daemon
 * gone). Operations take simulated time on the injected clock.
 */
import { EventEmitter } from 'node:events';
import type { BtAddress } from '../core/address.js';
import { sleep, type Clock, type Timer } from '../core/clock.js';
import { BluelineError } from '../core/errors.js';
import { A2DP_SINK_UUID, type AdapterState, type BluetoothEvents, type BluetoothPort, type DeviceState, type PairOptions } from '../core/ports.js';
import type { SimRadio } from './radio.js';

const DEFAULT_PINS = ['0000', '1234', '8888'];
/** how long simulated operations take */
export const SIM_BT_TIMING = { power: 200, page: 600, pageTimeout: 2_000, pair: 1_200, disconnect: 150, discoveryTick: 1_000 };

export class SimBluetooth extends EventEmitter<BluetoothEvents> implements BluetoothPort {
  /** bluetoothd is running */
  private running = true;
  private started = false;
  private readonly powered = new Map<string, boolean>();
  private readonly discovering = new Map<string, Timer>();
  /** adapter -> address -> last rssi: devices BlueZ has seen in a scan since it started */
  private readonly seen = new Map<string, Map<BtAddress, number | null>>();
  private readonly trusted = new Set<string>();
  private readonly pairing = new Set<BtAddress>();

  constructor(
    private readonly radio: SimRadio,
    private readonly clock: Clock,
  ) {
    super();
    for (const id of radio.adapters.keys()) this.powered.set(id, true);
    radio.on('changed', () => this.started && this.running && this.emit('changed'));
  }

  get available(): boolean {
    return this.started && this.running;
  }

  async start(): Promise<void> {
    this.started = true;
    if (this.running) this.emit('up');
  }

  async stop(): Promise<void> {
    for (const id of [...this.discovering.keys()]) this.endDiscovery(id);
    this.started = false;
  }

  // ------------------------------------------------------------ faults (called by SimFaults)

  /** bluetoothd stops: links drop, the mirror empties */
  crash(): void {
    if (!this.running) return;
    this.running = false;
    for (const id of [...this.discovering.keys()]) this.endDiscovery(id);
    this.seen.clear();
    this.radio.dropLinks();
    if (this.started) this.emit('down');
  }

  /** bluetoothd starts again; adapters come back powered (AutoEnable) */
  revive(): void {
    if (this.running) return;
    this.running = true;
    for (const id of this.radio.adapters.keys()) this.powered.set(id, true);
    if (this.started) {
      this.emit('up');
      this.emit('changed');
    }
  }

  /** a dongle was plugged back in: BlueZ adds it unpowered until someone powers it */
  adapterReplugged(id: string): void {
    this.powered.set(id, false);
    this.seen.delete(id);
  }

  adapterUnplugged(id: string): void {
    this.endDiscovery(id);
    this.seen.delete(id);
  }

  isPowered(id: string): boolean {
    return this.running && (this.powered.get(id) ?? false) && (this.radio.adapters.get(id)?.plugged ?? false);
  }

  // ------------------------------------------------------------ snapshots

  adapters(): AdapterState[] {
    if (!this.available) return [];
    return [...this.radio.adapters.values()]
      .filter((a) => a.plugged)
      .map(({ spec }) => ({
        id: spec.id,
        address: spec.address,
        alias: spec.alias,
        powered: this.powered.get(spec.id) ?? false,
        discoverable: false,
        pairable: true,
        discovering: this.discovering.has(spec.id),
      }));
  }

  devices(): DeviceState[] {
    if (!this.available) return [];
    const out: DeviceState[] = [];
    for (const [adapterId, adapter] of this.radio.adapters) {
      if (!adapter.plugged) continue;
      const seen = this.seen.get(adapterId) ?? new Map<BtAddress, number | null>();
      for (const [address, speaker] of this.radio.speakers) {
        const paired = this.radio.isPaired(adapterId, address);
        if (!paired && !seen.has(address)) continue;
        const link = this.radio.links.get(address);
        const connected = link?.adapter === adapterId;
        out.push({
          address,
          adapter: adapterId,
          name: speaker.spec.name,
          alias: speaker.spec.name,
          icon: 'audio-card',
          classOfDevice: 0x240414,
          rssi: this.discovering.has(adapterId) ? (seen.get(address) ?? null) : null,
          paired,
          trusted: this.trusted.has(`${adapterId}/${address}`),
          blocked: false,
          connected,
          servicesResolved: connected,
          uuids: [A2DP_SINK_UUID],
          isAudioSink: true,
          batteryPercent: connected ? speaker.spec.batteryPercent : null,
        });
      }
    }
    return out;
  }

  // ------------------------------------------------------------ operations

  async powerOn(adapter: string): Promise<void> {
    this.requireAdapter(adapter);
    await sleep(this.clock, SIM_BT_TIMING.power);
    this.requireAdapter(adapter);
    this.powered.set(adapter, true);
    this.emit('changed');
  }

  async setAdapter(adapter: string): Promise<void> {
    this.requireAdapter(adapter);
  }

  async startDiscovery(adapter: string): Promise<void> {
    this.requirePowered(adapter);
    if (this.discovering.has(adapter)) return;
    const tick = (): void => {
      const seen = this.seen.get(adapter) ?? new Map<BtAddress, number | null>();
      this.seen.set(adapter, seen);
      for (const [address] of this.radio.speakers) {
        if (this.radio.reachable(address)) seen.set(address, -45 - Math.round(Math.random() * 30));
      }
      this.discovering.set(adapter, this.clock.setTimeout(tick, SIM_BT_TIMING.discoveryTick));
      this.emit('changed');
    };
    this.discovering.set(adapter, this.clock.setTimeout(tick, 100));
    this.emit('changed');
  }

  async stopDiscovery(adapter: string): Promise<void> {
    this.requireAdapter(adapter);
    if (this.endDiscovery(adapter)) this.emit('changed');
  }

  async pair(adapter: string, address: BtAddress, options: PairOptions = {}): Promise<void> {
    this.requirePowered(adapter);
    const speaker = this.radio.speakers.get(address);
    if (!speaker || (!this.seen.get(adapter)?.has(address) && !this.radio.isPaired(adapter, address))) {
      throw new BluelineError('not-found', 'This speaker is not in range of the adapter; scan again with the speaker in pairing mode');
    }
    if (this.radio.isPaired(adapter, address)) return;
    if (this.pairing.has(address)) throw new BluelineError('busy', 'Pairing with this speaker is already under way');
    this.pairing.add(address);
    try {
      if (!this.radio.reachable(address)) {
        await sleep(this.clock, SIM_BT_TIMING.pageTimeout);
        throw new BluelineError('unreachable', 'The speaker did not answer; is it on and in pairing mode?');
      }
      await sleep(this.clock, SIM_BT_TIMING.pair);
      this.requirePowered(adapter);
      if (speaker.refusePairing) {
        this.emit('agent', { kind: 'rejected', address, why: 'the speaker rejected pairing' });
        throw new BluelineError('refused', 'The speaker refused pairing; put it in pairing mode and try again');
      }
      if (speaker.spec.pin !== null) this.tryPins(address, speaker.spec.pin, options.pin);
      this.radio.pairings.get(adapter)?.add(address);
      speaker.lostKey = false;
      this.emit('changed');
    } finally {
      this.pairing.delete(address);
    }
  }

  async cancelPairing(adapter: string, address: BtAddress): Promise<void> {
    this.requireAdapter(adapter);
    if (this.pairing.has(address)) this.emit('agent', { kind: 'cancelled', address });
  }

  async setTrusted(adapter: string, address: BtAddress, trusted: boolean): Promise<void> {
    this.requireDevice(adapter, address);
    if (trusted) this.trusted.add(`${adapter}/${address}`);
    else this.trusted.delete(`${adapter}/${address}`);
    this.emit('changed');
  }

  async connectAudio(adapter: string, address: BtAddress): Promise<void> {
    this.requireDevice(adapter, address);
    this.requirePowered(adapter);
    if (!this.radio.isPaired(adapter, address)) throw new BluelineError('refused', 'This speaker is not paired; pair it again');
    const speaker = this.radio.speakers.get(address);
    if (!speaker || !this.radio.reachable(address)) {
      await sleep(this.clock, SIM_BT_TIMING.pageTimeout);
      throw new BluelineError('unreachable', 'The speaker did not answer (off or out of range)', { detail: 'org.bluez.Error.Failed: Page Timeout' });
    }
    await sleep(this.clock, SIM_BT_TIMING.page);
    this.requirePowered(adapter);
    if (speaker.lostKey) {
      throw new BluelineError('refused', 'The speaker no longer knows this Pi; forget it and pair again', { detail: 'org.bluez.Error.AuthenticationFailed' });
    }
    if (!this.radio.reachable(address)) throw new BluelineError('unreachable', 'The speaker went out of range while connecting');
    const link = this.radio.links.get(address);
    if (link && link.adapter !== adapter) throw new BluelineError('busy', `The speaker is connected through ${link.adapter}`);
    this.radio.setLink(address, { adapter, a2dp: true });
  }

  async disconnect(adapter: string, address: BtAddress): Promise<void> {
    this.requireDevice(adapter, address);
    await sleep(this.clock, SIM_BT_TIMING.disconnect);
    if (this.radio.links.get(address)?.adapter === adapter) this.radio.setLink(address, null);
  }

  async forget(adapter: string, address: BtAddress): Promise<void> {
    this.requireDevice(adapter, address);
    if (this.radio.links.get(address)?.adapter === adapter) this.radio.setLink(address, null);
    this.radio.pairings.get(adapter)?.delete(address);
    this.seen.get(adapter)?.delete(address);
    this.trusted.delete(`${adapter}/${address}`);
    this.emit('changed');
  }

  // ------------------------------------------------------------ helpers

  private tryPins(address: BtAddress, expected: string, userPin: string | undefined): void {
    const candidates = userPin !== undefined ? [userPin] : DEFAULT_PINS;
    for (const [i, pincode] of candidates.entries()) {
      this.emit('agent', { kind: 'request-pincode', address, pincode, attempt: i + 1 });
      if (pincode === expected) return;
    }
    this.emit('agent', { kind: 'rejected', address, why: 'wrong PIN' });
    throw new BluelineError('refused', 'The speaker did not accept the PIN; check its manual and enter the PIN');
  }

  private endDiscovery(adapter: string): boolean {
    const timer = this.discovering.get(adapter);
    if (!timer) return false;
    this.clock.clearTimeout(timer);
    this.discovering.delete(adapter);
    return true;
  }

  private requireAdapter(adapter: string): void {
    if (!this.available) throw new BluelineError('unavailable', 'The Bluetooth service is not running');
    if (!this.radio.adapters.get(adapter)?.plugged) throw new BluelineError('not-found', `Bluetooth adapter ${adapter} is not present`);
  }

  private requirePowered(adapter: string): void {
    this.requireAdapter(adapter);
    if (!this.powered.get(adapter)) throw new BluelineError('unavailable', `Bluetooth adapter ${adapter} is switched off`);
  }

  private requireDevice(adapter: string, address: BtAddress): void {
    this.requireAdapter(adapter);
    if (!this.devices().some((d) => d.adapter === adapter && d.address === address)) {
      throw new BluelineError('not-found', `No speaker ${address} on ${adapter}`);
    }
  }
}
