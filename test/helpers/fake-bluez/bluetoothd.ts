/**
 * The BlueZ half of the fake: adapters (Adapter1) and devices (Device1, Battery1) with bluetoothd's
 * behaviour and error names (5.66): discovery sessions per client, Pair calling back into the
 * agent, ConnectProfile per UUID, bonds kept across restarts.
 */
import type { AgentManager } from './agents.js';
import { FakeError, type Message, type ObjectTree } from './object-tree.js';
import { A2DP_SINK, AVRCP_TARGET, type FakeAdapterSpec, type FakePersisted, type FakeSpeakerSpec, type FakeWorld } from './world.js';

const ADAPTER = 'org.bluez.Adapter1';
const DEVICE = 'org.bluez.Device1';
const BATTERY = 'org.bluez.Battery1';
const TRANSPORTS = new Set(['auto', 'bredr', 'le']);

const err = {
  notReady: () => new FakeError('org.bluez.Error.NotReady', 'Resource Not Ready'),
  inProgress: () => new FakeError('org.bluez.Error.InProgress', 'In Progress'),
  alreadyExists: () => new FakeError('org.bluez.Error.AlreadyExists', 'Already Exists'),
  doesNotExist: () => new FakeError('org.bluez.Error.DoesNotExist', 'Does Not Exist'),
  invalidArgs: () => new FakeError('org.bluez.Error.InvalidArguments', 'Invalid arguments in method call'),
  notConnected: () => new FakeError('org.bluez.Error.NotConnected', 'Not Connected'),
  alreadyConnected: () => new FakeError('org.bluez.Error.AlreadyConnected', 'Already Connected'),
  pageTimeout: () => new FakeError('org.bluez.Error.Failed', 'br-connection-page-timeout'),
};

export interface FakeTiming {
  /** how long paging an absent speaker takes before failing */
  pageTimeoutMs: number;
  /** delay before a speaker shows up in discovery */
  discoveryDelayMs: number;
}

export class FakeBluetoothd {
  readonly speakers = new Map<string, FakeSpeakerSpec>();
  /** adapter id -> clients (unique names) with a discovery session */
  private readonly discovery = new Map<string, Set<string>>();
  /** device path -> how to abort the pairing under way */
  private readonly pairing = new Map<string, () => void>();
  /** device path -> connected profile UUIDs */
  readonly profiles = new Map<string, Set<string>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly tree: ObjectTree,
    private readonly agents: AgentManager,
    private readonly persisted: FakePersisted,
    private readonly save: () => void,
    private readonly timing: FakeTiming,
  ) {}

  load(world: FakeWorld): void {
    for (const s of world.speakers) this.speakers.set(s.address.toUpperCase(), s);
    for (const a of world.adapters) this.addAdapter(a);
  }

  addAdapter(spec: FakeAdapterSpec): void {
    const path = `/org/bluez/${spec.id}`;
    this.tree.add(path, {
      [ADAPTER]: {
        props: {
          Address: { sig: 's', value: spec.address.toUpperCase() },
          AddressType: { sig: 's', value: 'public' },
          Name: { sig: 's', value: 'fake-bluez' },
          Alias: { sig: 's', value: spec.alias ?? 'fake-bluez', writable: true },
          Class: { sig: 'u', value: 0x6c0000 },
          Powered: { sig: 'b', value: spec.powered ?? true, writable: true },
          Discoverable: { sig: 'b', value: false, writable: true },
          DiscoverableTimeout: { sig: 'u', value: 180, writable: true },
          Pairable: { sig: 'b', value: true, writable: true },
          PairableTimeout: { sig: 'u', value: 0, writable: true },
          Discovering: { sig: 'b', value: false },
          UUIDs: { sig: 'as', value: ['0000110a-0000-1000-8000-00805f9b34fb'] },
          Modalias: { sig: 's', value: 'usb:v1D6Bp0246d0542' },
          Roles: { sig: 'as', value: ['central', 'peripheral'] },
        },
        methods: {
          StartDiscovery: (m) => this.startDiscovery(spec.id, m),
          StopDiscovery: (m) => this.stopDiscovery(spec.id, m.sender),
          SetDiscoveryFilter: (m) => this.setDiscoveryFilter(m),
          GetDiscoveryFilters: () => ['as', [['UUIDs', 'RSSI', 'Pathloss', 'Transport', 'DuplicateData', 'Discoverable', 'Pattern']]],
          RemoveDevice: (m) => this.removeDevice(spec.id, String(m.body[0])),
        },
        onSet: (name, value) => {
          if (name === 'Powered' && value === false) this.powerOff(spec.id);
        },
      },
    });
    for (const [address, bond] of Object.entries(this.persisted.bonds[spec.id] ?? {})) {
      this.ensureDevice(spec.id, address);
      this.tree.set(this.devicePath(spec.id, address), DEVICE, { Paired: true, Trusted: bond.trusted });
    }
  }

  removeAdapter(id: string): void {
    const path = `/org/bluez/${id}`;
    for (const p of [...this.tree.objects.keys()]) if (p.startsWith(`${path}/`)) this.tree.remove(p);
    this.tree.remove(path);
    this.discovery.delete(id);
  }

  /** Switches a speaker on or off (off drops its links) or changes how it behaves. */
  setSpeaker(address: string, patch: Partial<FakeSpeakerSpec>): void {
    const key = address.toUpperCase();
    const spec = { ...(this.speakers.get(key) ?? { address: key, name: key }), ...patch };
    this.speakers.set(key, spec);
    if (spec.on === false) for (const path of this.pathsOf(key)) this.dropLink(path);
    if (patch.battery !== undefined) for (const path of this.pathsOf(key)) this.updateBattery(path);
  }

  /** The speaker's link drops (switched off, walked away): Connected false, profiles gone. */
  dropLink(path: string): void {
    this.profiles.delete(path);
    this.tree.set(path, DEVICE, { Connected: false, ServicesResolved: false });
    if (this.tree.objects.get(path)?.has(BATTERY)) this.tree.remove(path, [BATTERY]);
  }

  /** A client left the bus: its discovery sessions end, its agent goes. */
  clientGone(owner: string): void {
    this.agents.clientGone(owner);
    for (const id of this.discovery.keys()) if (this.discovery.get(id)?.has(owner)) this.stopDiscovery(id, owner);
  }

  pathsOf(address: string): string[] {
    return [...this.tree.objects.keys()].filter((p) => p.endsWith(`/dev_${address.replaceAll(':', '_')}`));
  }

  devicePath(adapterId: string, address: string): string {
    return `/org/bluez/${adapterId}/dev_${address.toUpperCase().replaceAll(':', '_')}`;
  }

  shutdown(): void {
    for (const t of this.timers) clearTimeout(t);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.later(ms, r));
  }

  private adapterPowered(id: string): boolean {
    return this.tree.get(`/org/bluez/${id}`, ADAPTER, 'Powered') === true;
  }

  private startDiscovery(id: string, m: Message): void {
    if (!this.adapterPowered(id)) throw err.notReady();
    const sessions = this.discovery.get(id) ?? new Set<string>();
    if (sessions.has(m.sender)) throw err.inProgress();
    sessions.add(m.sender);
    this.discovery.set(id, sessions);
    this.tree.set(`/org/bluez/${id}`, ADAPTER, { Discovering: true });
    this.later(this.timing.discoveryDelayMs, () => {
      if (!this.discovery.get(id)?.size) return;
      for (const s of this.speakers.values()) {
        if (s.on === false || (s.adapters && !s.adapters.includes(id))) continue;
        const path = this.ensureDevice(id, s.address);
        this.tree.put(path, DEVICE, 'RSSI', 'n', s.rssi ?? -60);
      }
    });
  }

  private stopDiscovery(id: string, sender: string): void {
    const sessions = this.discovery.get(id);
    if (!sessions?.delete(sender)) throw new FakeError('org.bluez.Error.Failed', 'No discovery started');
    if (sessions.size > 0) return;
    this.tree.set(`/org/bluez/${id}`, ADAPTER, { Discovering: false });
    for (const p of [...this.tree.objects.keys()]) if (p.startsWith(`/org/bluez/${id}/`)) this.tree.invalidate(p, DEVICE, 'RSSI');
  }

  private setDiscoveryFilter(m: Message): void {
    const filter = m.body[0] as Record<string, { signature: string; value: unknown }>;
    for (const [key, v] of Object.entries(filter)) {
      if (key === 'Transport' && !TRANSPORTS.has(String(v.value))) throw err.invalidArgs();
      if (!['UUIDs', 'RSSI', 'Pathloss', 'Transport', 'DuplicateData', 'Discoverable', 'Pattern'].includes(key)) throw err.invalidArgs();
    }
  }

  private removeDevice(id: string, path: string): void {
    if (!path.startsWith(`/org/bluez/${id}/`) || !this.tree.objects.get(path)?.has(DEVICE)) throw err.doesNotExist();
    this.pairing.get(path)?.();
    const address = String(this.tree.get(path, DEVICE, 'Address'));
    this.profiles.delete(path);
    this.tree.remove(path);
    if (this.persisted.bonds[id]?.[address]) {
      delete this.persisted.bonds[id]?.[address];
      this.save();
    }
  }

  private powerOff(id: string): void {
    for (const p of [...this.tree.objects.keys()]) if (p.startsWith(`/org/bluez/${id}/`) && this.tree.get(p, DEVICE, 'Connected') === true) this.dropLink(p);
    this.discovery.delete(id);
    this.tree.set(`/org/bluez/${id}`, ADAPTER, { Discovering: false });
  }

  private ensureDevice(adapterId: string, address: string): string {
    const key = address.toUpperCase();
    const path = this.devicePath(adapterId, key);
    if (this.tree.objects.get(path)?.has(DEVICE)) return path;
    const s = this.speakers.get(key);
    this.tree.add(path, {
      [DEVICE]: {
        props: {
          Address: { sig: 's', value: key },
          AddressType: { sig: 's', value: 'public' },
          Name: { sig: 's', value: s?.name },
          Alias: { sig: 's', value: s?.name ?? key.replaceAll(':', '-'), writable: true },
          Class: { sig: 'u', value: s?.class ?? 0x240414 },
          Icon: { sig: 's', value: s?.icon ?? 'audio-card' },
          Paired: { sig: 'b', value: false },
          Trusted: { sig: 'b', value: false, writable: true },
          Blocked: { sig: 'b', value: false, writable: true },
          LegacyPairing: { sig: 'b', value: s?.pairing === 'pin' },
          Connected: { sig: 'b', value: false },
          UUIDs: { sig: 'as', value: s?.uuids ?? [A2DP_SINK, AVRCP_TARGET] },
          Adapter: { sig: 'o', value: `/org/bluez/${adapterId}` },
          ServicesResolved: { sig: 'b', value: false },
        },
        methods: {
          Pair: () => this.pair(adapterId, path),
          CancelPairing: () => this.cancelPairing(path),
          Connect: () => this.connect(adapterId, path, null),
          ConnectProfile: (m) => this.connect(adapterId, path, String(m.body[0]).toLowerCase()),
          Disconnect: () => this.disconnect(path),
          DisconnectProfile: (m) => {
            this.profiles.get(path)?.delete(String(m.body[0]).toLowerCase());
          },
        },
        onSet: (name, value) => {
          if (name !== 'Trusted') return;
          const bond = this.persisted.bonds[adapterId]?.[key];
          if (bond) {
            bond.trusted = value === true;
            this.save();
          }
        },
      },
    });
    return path;
  }

  private speakerOf(path: string): FakeSpeakerSpec | undefined {
    return this.speakers.get(String(this.tree.get(path, DEVICE, 'Address')));
  }

  private async pair(adapterId: string, path: string): Promise<void> {
    if (!this.adapterPowered(adapterId)) throw err.notReady();
    if (this.pairing.has(path)) throw err.inProgress();
    if (this.tree.get(path, DEVICE, 'Paired') === true) throw err.alreadyExists();
    const s = this.speakerOf(path);
    let cancelled = false;
    const agent = this.agents.current();
    this.pairing.set(path, () => {
      cancelled = true;
      if (agent) this.agents.cancel(agent);
    });
    try {
      if (!s || s.on === false) {
        await this.sleep(this.timing.pageTimeoutMs);
        throw new FakeError('org.bluez.Error.ConnectionAttemptFailed', 'Page Timeout');
      }
      this.tree.set(path, DEVICE, { Connected: true });
      await this.authenticate(path, s);
      if (cancelled) throw new FakeError('org.bluez.Error.AuthenticationCanceled', 'Authentication Canceled');
      this.tree.set(path, DEVICE, { Paired: true, UUIDs: s.uuids ?? [A2DP_SINK, AVRCP_TARGET], ServicesResolved: true });
      const bonds = (this.persisted.bonds[adapterId] ??= {});
      bonds[s.address.toUpperCase()] = { trusted: this.tree.get(path, DEVICE, 'Trusted') === true };
      this.save();
    } catch (e) {
      if (this.tree.objects.has(path)) this.tree.set(path, DEVICE, { Connected: false });
      if (cancelled) throw new FakeError('org.bluez.Error.AuthenticationCanceled', 'Authentication Canceled');
      throw e;
    } finally {
      this.pairing.delete(path);
    }
  }

  /** The pairing exchange; throws bluetoothd's error for each way it fails. */
  private async authenticate(path: string, s: FakeSpeakerSpec): Promise<void> {
    const mode = s.pairing ?? 'just-works';
    if (mode === 'just-works') return;
    if (mode === 'refuse') throw new FakeError('org.bluez.Error.AuthenticationRejected', 'Authentication Rejected');
    const agent = this.agents.current();
    if (!agent) throw new FakeError('org.bluez.Error.AuthenticationFailed', 'Authentication Failed');
    const failed = new FakeError('org.bluez.Error.AuthenticationFailed', 'Authentication Failed');
    let body: unknown[];
    try {
      if (mode === 'pin') body = await this.agents.call(agent, 'RequestPinCode', 'o', [path]);
      else if (mode === 'passkey') body = await this.agents.call(agent, 'RequestPasskey', 'o', [path]);
      else if (mode === 'confirm') body = await this.agents.call(agent, 'RequestConfirmation', 'ou', [path, s.passkey ?? 123456]);
      else body = await this.agents.call(agent, 'RequestAuthorization', 'o', [path]);
    } catch (e) {
      if (e instanceof FakeError && e.dbusName === 'timeout') {
        this.agents.cancel(agent);
        throw new FakeError('org.bluez.Error.AuthenticationTimeout', 'Authentication Timeout');
      }
      // An agent's error makes bluetoothd send a negative reply; the controller reports MGMT_STATUS_AUTH_FAILED.
      throw failed;
    }
    if (mode === 'pin' && body[0] !== (s.pin ?? '0000')) throw failed;
    if (mode === 'passkey' && body[0] !== (s.passkey ?? 123456)) throw failed;
  }

  private cancelPairing(path: string): void {
    const cancel = this.pairing.get(path);
    if (!cancel) throw err.doesNotExist();
    cancel();
  }

  private async connect(adapterId: string, path: string, uuid: string | null): Promise<void> {
    if (!this.adapterPowered(adapterId)) throw err.notReady();
    const s = this.speakerOf(path);
    const offered = (this.tree.get(path, DEVICE, 'UUIDs') as string[] | undefined) ?? [];
    if (uuid !== null && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) throw err.invalidArgs();
    // 5.66 connect_profiles(): no service for the UUID -> NotAvailable; a connected one -> -EALREADY -> plain success.
    if (uuid !== null && !offered.includes(uuid)) throw new FakeError('org.bluez.Error.NotAvailable', 'br-connection-profile-unavailable');
    const wanted = uuid === null ? offered.filter((u) => u === A2DP_SINK || u === AVRCP_TARGET) : [uuid];
    const connected = this.profiles.get(path) ?? new Set<string>();
    if (wanted.length > 0 && wanted.every((u) => connected.has(u))) {
      if (uuid !== null) return;
      throw err.alreadyConnected();
    }
    if (!s || s.on === false) {
      await this.sleep(this.timing.pageTimeoutMs);
      throw err.pageTimeout();
    }
    for (const u of wanted) connected.add(u);
    this.profiles.set(path, connected);
    this.tree.set(path, DEVICE, { Connected: true, ServicesResolved: true });
    this.updateBattery(path);
  }

  private disconnect(path: string): void {
    if (this.tree.get(path, DEVICE, 'Connected') !== true) throw err.notConnected();
    this.dropLink(path);
  }

  /** Battery1 exists while a speaker that reports its battery is connected. */
  private updateBattery(path: string): void {
    const level = this.speakerOf(path)?.battery;
    const connected = this.tree.get(path, DEVICE, 'Connected') === true;
    const has = this.tree.objects.get(path)?.has(BATTERY) ?? false;
    if (level === undefined || !connected) {
      if (has) this.tree.remove(path, [BATTERY]);
    } else if (has) this.tree.set(path, BATTERY, { Percentage: level });
    else this.tree.add(path, { [BATTERY]: { props: { Percentage: { sig: 'y', value: level } }, methods: {} } });
  }
}
