/**
 * BluetoothPort over BlueZ (bluetoothd 5.66+). Lifecycle lives in connection.ts, the object mirror
 * in mirror.ts, the agent in agent.ts; this file turns port calls into BlueZ calls and BlueZ
 * failures into BluelineErrors.
 */
import { EventEmitter } from 'node:events';
import dbus from 'dbus-next';
import type { Logger } from 'pino';
import { BluelineError, isBluelineError } from '../core/errors.js';
import { isBtAddress, parseBtAddress, type BtAddress } from '../core/address.js';
import { A2DP_SINK_UUID, type AdapterState, type BluetoothEvents, type BluetoothPort, type DeviceState, type PairOptions } from '../core/ports.js';
import type { BluezBus, CallSpec } from './bus.js';
import { BluezConnection } from './connection.js';
import { ADAPTER, DEVICE, PROPERTIES } from './defs.js';
import { DEFAULT_PINS, type PairingTarget } from './agent.js';
import { isDbusError, mapDbusError } from './errors.js';
import { adapterPath, devicePath } from './mirror.js';

export interface BluezOptions {
  logger: Logger;
  /** D-Bus address of the system bus; default DBUS_SYSTEM_BUS_ADDRESS or the standard socket */
  busAddress?: string;
  /** deadline of ordinary calls (default 10 s) */
  callTimeoutMs?: number;
  /** deadline of one Pair attempt: the speaker and the agent may take a while (default 60 s) */
  pairTimeoutMs?: number;
  /** deadline of a profile connect: paging an absent speaker takes ~5-20 s (default 30 s) */
  connectTimeoutMs?: number;
  /** discovery stops by itself after this long; a running inquiry disturbs A2DP (default 60 s) */
  discoveryMs?: number;
  /** adapters blueline may use, as 'hciN' or address; default all */
  adapters?: string[];
}

const Variant = dbus.Variant;

export class BluezBluetooth extends EventEmitter<BluetoothEvents> implements BluetoothPort {
  private readonly conn: BluezConnection;
  private readonly log: Logger;
  private readonly callTimeoutMs: number;
  private readonly pairTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly discoveryMs: number;
  private readonly allowed: Set<string> | null;
  private readonly discoveryTimers = new Map<string, NodeJS.Timeout>();
  private pairing: { address: BtAddress; cancelled: boolean } | null = null;

  constructor(options: BluezOptions) {
    super();
    this.log = options.logger.child({ component: 'bluez' });
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.pairTimeoutMs = options.pairTimeoutMs ?? 60_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.discoveryMs = options.discoveryMs ?? 60_000;
    this.allowed = options.adapters?.length ? new Set(options.adapters.map((a) => (isBtAddress(a.toUpperCase()) ? a.toUpperCase() : a))) : null;
    this.conn = new BluezConnection({ logger: this.log, busAddress: options.busAddress, callTimeoutMs: this.callTimeoutMs });
    this.conn.on('up', () => this.emit('up'));
    this.conn.on('down', () => {
      for (const timer of this.discoveryTimers.values()) clearTimeout(timer);
      this.discoveryTimers.clear();
      this.emit('down');
    });
    this.conn.mirror.on('changed', () => this.emit('changed'));
    this.conn.agent.on('prompt', (p) => this.emit('agent', p));
  }

  get available(): boolean {
    return this.conn.available;
  }

  start(): Promise<void> {
    return this.conn.start();
  }

  async stop(): Promise<void> {
    for (const timer of this.discoveryTimers.values()) clearTimeout(timer);
    this.discoveryTimers.clear();
    await this.conn.stop();
  }

  adapters(): AdapterState[] {
    return this.conn.mirror.adapters().filter((a) => this.isAllowed(a));
  }

  devices(): DeviceState[] {
    const ids = new Set(this.adapters().map((a) => a.id));
    return this.conn.mirror.devices().filter((d) => ids.has(d.adapter));
  }

  async powerOn(adapter: string): Promise<void> {
    const id = this.adapterId(adapter);
    await this.setProperty(adapterPath(id), ADAPTER, 'Powered', new Variant('b', true), 'power on the Bluetooth adapter');
    await this.conn.mirror.waitFor(() => this.adapters().some((a) => a.id === id && a.powered), this.callTimeoutMs);
  }

  async setAdapter(adapter: string, props: { alias?: string; pairable?: boolean; discoverable?: boolean }): Promise<void> {
    const path = adapterPath(this.adapterId(adapter));
    if (props.alias !== undefined) await this.setProperty(path, ADAPTER, 'Alias', new Variant('s', props.alias), 'rename the Bluetooth adapter');
    if (props.pairable !== undefined) await this.setProperty(path, ADAPTER, 'Pairable', new Variant('b', props.pairable), 'change pairable mode');
    if (props.discoverable !== undefined) await this.setProperty(path, ADAPTER, 'Discoverable', new Variant('b', props.discoverable), 'change discoverable mode');
  }

  async startDiscovery(adapter: string): Promise<void> {
    const id = this.adapterId(adapter);
    const path = adapterPath(id);
    await this.call({ path, interface: ADAPTER, member: 'SetDiscoveryFilter', signature: 'a{sv}', body: [{ Transport: new Variant('s', 'bredr') }] }, 'set the scan filter');
    await this.call({ path, interface: ADAPTER, member: 'StartDiscovery' }, 'start scanning', 'org.bluez.Error.InProgress');
    clearTimeout(this.discoveryTimers.get(id));
    this.discoveryTimers.set(
      id,
      setTimeout(() => {
        this.discoveryTimers.delete(id);
        this.log.info({ adapter: id }, 'scan time is up; stopping discovery');
        this.stopDiscovery(id).catch((err: unknown) => this.log.warn({ err, adapter: id }, 'could not stop discovery'));
      }, this.discoveryMs),
    );
  }

  async stopDiscovery(adapter: string): Promise<void> {
    const id = this.adapterId(adapter);
    clearTimeout(this.discoveryTimers.get(id));
    this.discoveryTimers.delete(id);
    try {
      await this.call({ path: adapterPath(id), interface: ADAPTER, member: 'StopDiscovery' }, 'stop scanning');
    } catch (e) {
      // "No discovery started": nothing of ours to stop.
      if (e instanceof BluelineError && /No discovery started|NotReady/i.test(e.message)) return;
      throw e;
    }
  }

  async pair(adapter: string, address: BtAddress, options: PairOptions = {}): Promise<void> {
    const userPin = options.pin?.trim() || undefined;
    if (userPin !== undefined && !/^[\x20-\x7e]{1,16}$/.test(userPin)) throw new BluelineError('invalid', 'a PIN is 1 to 16 letters or digits');
    const path = this.devicePathOf(adapter, address);
    const canonical = parseBtAddress(address);
    if (this.pairing) throw new BluelineError('busy', `already pairing ${this.pairing.address}: wait for it to finish or cancel it`);
    const pairing = { address: canonical, cancelled: false };
    this.pairing = pairing;
    const target: PairingTarget = { path, address: canonical, userPin, attempt: 1, pinAsked: false };
    try {
      await this.endOurScan(adapter);
      const attempts = userPin === undefined ? DEFAULT_PINS.length : 1;
      for (; ; target.attempt++) {
        target.pinAsked = false;
        this.conn.agent.expect(target);
        try {
          await this.call({ path, interface: DEVICE, member: 'Pair', timeoutMs: this.pairTimeoutMs }, 'pair with the speaker', 'org.bluez.Error.AlreadyExists');
          break;
        } catch (e) {
          const err = e as BluelineError;
          if (err.code === 'timeout') await this.cancelQuietly(adapter, canonical);
          const wrongPin = target.pinAsked && err.code === 'refused' && !pairing.cancelled;
          if (wrongPin && target.attempt < attempts) {
            this.log.info({ address: canonical, attempt: target.attempt }, 'the speaker did not take this PIN; trying the next usual one');
            continue;
          }
          if (wrongPin) {
            const reason = userPin === undefined
              ? `the speaker did not accept the usual PINs (${DEFAULT_PINS.join(', ')}): enter its PIN (see its manual) and try again`
              : 'the speaker did not accept this PIN: check it (see its manual), put the speaker in pairing mode and try again';
            throw new BluelineError('refused', reason, { cause: err });
          }
          throw err;
        }
      }
    } finally {
      this.conn.agent.expect(null);
      this.pairing = null;
    }
    const id = this.adapterId(adapter);
    await this.conn.mirror.waitFor(() => this.devices().some((d) => d.adapter === id && d.address === canonical && d.paired), this.callTimeoutMs);
    this.log.info({ adapter: id, address: canonical, attempts: target.attempt }, 'paired');
  }

  async cancelPairing(adapter: string, address: BtAddress): Promise<void> {
    const path = this.devicePathOf(adapter, address);
    if (this.pairing?.address === parseBtAddress(address)) this.pairing.cancelled = true;
    await this.call({ path, interface: DEVICE, member: 'CancelPairing' }, 'cancel pairing', 'org.bluez.Error.DoesNotExist');
  }

  async setTrusted(adapter: string, address: BtAddress, trusted: boolean): Promise<void> {
    await this.setProperty(this.devicePathOf(adapter, address), DEVICE, 'Trusted', new Variant('b', trusted), 'trust the speaker');
  }

  async connectAudio(adapter: string, address: BtAddress): Promise<void> {
    const path = this.devicePathOf(adapter, address);
    await this.endOurScan(adapter);
    try {
      await this.call({ path, interface: DEVICE, member: 'ConnectProfile', signature: 's', body: [A2DP_SINK_UUID], timeoutMs: this.connectTimeoutMs }, 'connect to the speaker');
    } catch (e) {
      // AlreadyConnected, or Failed "br-connection-already-connected": the goal holds.
      if (isBluelineError(e, 'conflict')) return;
      throw e;
    }
  }

  async disconnect(adapter: string, address: BtAddress): Promise<void> {
    const path = this.devicePathOf(adapter, address);
    await this.call({ path, interface: DEVICE, member: 'Disconnect' }, 'disconnect the speaker', 'org.bluez.Error.NotConnected');
  }

  async forget(adapter: string, address: BtAddress): Promise<void> {
    const path = this.devicePathOf(adapter, address);
    const id = this.adapterId(adapter);
    await this.call({ path: adapterPath(id), interface: ADAPTER, member: 'RemoveDevice', signature: 'o', body: [path] }, 'forget the speaker', 'org.bluez.Error.DoesNotExist');
  }

  /** 'hci0' or the adapter's address -> 'hci0', checked against the mirror and the allowed list. */
  private adapterId(ref: string): string {
    this.requireUp();
    const upper = ref.toUpperCase();
    const found = isBtAddress(upper) ? this.adapters().find((a) => a.address === upper) : this.adapters().find((a) => a.id === ref);
    if (found) return found.id;
    if (!isBtAddress(upper) && !/^hci\d+$/.test(ref)) throw new BluelineError('invalid', `"${ref}" is not an adapter name (hci0, hci1, ...) or address`);
    throw new BluelineError('not-found', `there is no Bluetooth adapter ${ref} (is the dongle plugged in?)`);
  }

  private devicePathOf(adapter: string, address: BtAddress): string {
    const canonical = parseBtAddress(address);
    const id = this.adapterId(adapter);
    if (!this.conn.mirror.hasDevice(id, canonical)) {
      throw new BluelineError('not-found', `the speaker ${canonical} is not known on ${id}: scan for it first`);
    }
    return devicePath(id, canonical);
  }

  private requireUp(): BluezBus {
    const bus = this.conn.current;
    if (!bus) throw new BluelineError('unavailable', 'Bluetooth is not running (bluetoothd is down); blueline will pick it up when it starts');
    return bus;
  }

  private isAllowed(a: AdapterState): boolean {
    return this.allowed === null || this.allowed.has(a.id) || this.allowed.has(a.address);
  }

  /** One BlueZ call; errors named in `success` mean the goal already holds. */
  private async call(spec: CallSpec, action: string, ...success: string[]): Promise<unknown[]> {
    const bus = this.requireUp();
    try {
      const reply = await bus.call({ ...spec, action });
      return reply.body;
    } catch (e) {
      if (success.length > 0 && isDbusError(e, ...success)) return [];
      const err = mapDbusError(e, action);
      this.log.debug({ err, path: spec.path, member: spec.member }, 'BlueZ call failed');
      throw err;
    }
  }

  private async setProperty(path: string, iface: string, name: string, value: InstanceType<typeof Variant>, action: string): Promise<void> {
    await this.call({ path, interface: PROPERTIES, member: 'Set', signature: 'ssv', body: [iface, name, value] }, action);
  }

  /** Paging a speaker while the same radio runs an inquiry is slow and flaky: end our scan first. */
  private async endOurScan(adapter: string): Promise<void> {
    const id = this.adapterId(adapter);
    if (!this.discoveryTimers.has(id)) return;
    this.log.info({ adapter: id }, 'stopping the scan to pair or connect');
    await this.stopDiscovery(id).catch((err: unknown) => this.log.warn({ err, adapter: id }, 'could not stop the scan'));
  }

  private async cancelQuietly(adapter: string, address: BtAddress): Promise<void> {
    await this.cancelPairing(adapter, address).catch((err: unknown) => this.log.debug({ err }, 'cancel after pair timeout failed'));
  }
}
