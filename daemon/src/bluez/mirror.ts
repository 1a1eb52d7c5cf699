/**
 * A live mirror of bluetoothd's objects (ObjectManager), typed on read.
 * Order matters (as in bleak): the match rules exist before GetManagedObjects is called; signals that
 * arrive while the snapshot is in flight are kept and replayed only if they came after the reply
 * (older ones are already in the snapshot). The mirror is updated before `changed` fires.
 */
import { EventEmitter } from 'node:events';
import type dbus from 'dbus-next';
import { A2DP_SINK_UUID, type AdapterState, type DeviceState } from '../core/ports.js';
import { parseBtAddress, addressToPathSegment, isBtAddress, type BtAddress } from '../core/address.js';
import type { BluezBus } from './bus.js';
import {
  ADAPTER, BATTERY, DEVICE, MAJOR_CLASS_AUDIO_VIDEO, OBJECT_MANAGER, PROPERTIES,
  adapterIdFromPath, bool, num, str, strings, unwrapDict,
  type InterfaceProps, type ObjectInterfaces, type VariantDict,
} from './defs.js';

type Message = InstanceType<typeof dbus.Message>;

export class BluezMirror extends EventEmitter<{ changed: [] }> {
  private objects = new Map<string, ObjectInterfaces>();
  /** signals held back while a snapshot is in flight */
  private pending: Message[] | null = null;
  private rebuilds = 0;

  /** Replaces the mirror with a fresh GetManagedObjects snapshot (signals must already be subscribed). */
  async rebuild(bus: BluezBus): Promise<void> {
    const token = ++this.rebuilds;
    this.pending = [];
    try {
      const reply = await bus.call({ path: '/', interface: OBJECT_MANAGER, member: 'GetManagedObjects', action: 'read the Bluetooth adapters and devices' });
      // A newer rebuild or a clear() overtook this one: its snapshot is stale.
      if (token !== this.rebuilds) return;
      const replySeq = bus.sequenceOf(reply);
      const fresh = new Map<string, ObjectInterfaces>();
      const managed = reply.body[0] as Record<string, Record<string, VariantDict>>;
      for (const [path, ifaces] of Object.entries(managed)) fresh.set(path, toInterfaces(ifaces));
      this.objects = fresh;
      for (const msg of this.pending) if (bus.sequenceOf(msg) > replySeq) this.apply(msg);
    } finally {
      if (token === this.rebuilds) this.pending = null;
    }
    this.emit('changed');
  }

  clear(): void {
    this.rebuilds++;
    this.pending = null;
    if (this.objects.size === 0) return;
    this.objects = new Map();
    this.emit('changed');
  }

  /** Feeds one org.bluez signal in. */
  onSignal(msg: Message): void {
    if (this.pending) {
      this.pending.push(msg);
      return;
    }
    if (this.apply(msg)) this.emit('changed');
  }

  adapters(): AdapterState[] {
    const out: AdapterState[] = [];
    for (const [path, ifaces] of this.objects) {
      const a = ifaces.get(ADAPTER);
      const id = adapterIdFromPath(path);
      if (!a || !id) continue;
      const address = str(a.Address);
      out.push({
        id,
        address: address && isBtAddress(address.toUpperCase()) ? address.toUpperCase() : '',
        alias: str(a.Alias) ?? str(a.Name) ?? id,
        powered: bool(a.Powered),
        discoverable: bool(a.Discoverable),
        pairable: bool(a.Pairable),
        discovering: bool(a.Discovering),
      });
    }
    return out.sort((x, y) => x.id.localeCompare(y.id, 'en', { numeric: true }));
  }

  /** Audio sinks first, then strongest signal, then name. */
  devices(): DeviceState[] {
    const out: DeviceState[] = [];
    for (const [path, ifaces] of this.objects) {
      const d = ifaces.get(DEVICE);
      const adapter = adapterIdFromPath(path);
      const rawAddress = str(d?.Address);
      if (!d || !adapter || !rawAddress || !isBtAddress(rawAddress.toUpperCase())) continue;
      const address = parseBtAddress(rawAddress);
      const uuids = strings(d.UUIDs).map((u) => u.toLowerCase());
      const classOfDevice = num(d.Class);
      const battery = ifaces.get(BATTERY);
      out.push({
        address,
        adapter,
        name: str(d.Name),
        alias: str(d.Alias) ?? str(d.Name) ?? address,
        icon: str(d.Icon),
        classOfDevice,
        rssi: num(d.RSSI),
        paired: bool(d.Paired),
        trusted: bool(d.Trusted),
        blocked: bool(d.Blocked),
        connected: bool(d.Connected),
        servicesResolved: bool(d.ServicesResolved),
        uuids,
        isAudioSink: uuids.includes(A2DP_SINK_UUID) || (classOfDevice !== null && ((classOfDevice >> 8) & 0x1f) === MAJOR_CLASS_AUDIO_VIDEO),
        batteryPercent: battery ? num(battery.Percentage) : null,
      });
    }
    return out.sort(
      (x, y) =>
        Number(y.isAudioSink) - Number(x.isAudioSink) ||
        (y.rssi ?? -1000) - (x.rssi ?? -1000) ||
        x.alias.localeCompare(y.alias) ||
        x.adapter.localeCompare(y.adapter),
    );
  }

  hasAdapter(id: string): boolean {
    return this.objects.get(adapterPath(id))?.has(ADAPTER) ?? false;
  }

  hasDevice(adapterId: string, address: BtAddress): boolean {
    return this.objects.get(devicePath(adapterId, address))?.has(DEVICE) ?? false;
  }

  /** Raw properties of one interface, for callers that need a field the typed view leaves out. */
  props(path: string, iface: string): InterfaceProps | undefined {
    return this.objects.get(path)?.get(iface);
  }

  /** Resolves once `check()` holds (checked now and after every change); always unsubscribes. */
  async waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return true;
    let onChange: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        onChange = () => {
          if (check()) resolve(true);
        };
        timer = setTimeout(() => resolve(false), timeoutMs);
        this.on('changed', onChange);
      });
    } finally {
      clearTimeout(timer);
      if (onChange) this.off('changed', onChange);
    }
  }

  /** Applies one signal; true when the mirror changed. */
  private apply(msg: Message): boolean {
    if (msg.interface === OBJECT_MANAGER && msg.member === 'InterfacesAdded') {
      const [path, added] = msg.body as [string, Record<string, VariantDict>];
      const ifaces = this.objects.get(path) ?? new Map<string, InterfaceProps>();
      for (const [name, props] of toInterfaces(added)) ifaces.set(name, { ...ifaces.get(name), ...props });
      this.objects.set(path, ifaces);
      return true;
    }
    if (msg.interface === OBJECT_MANAGER && msg.member === 'InterfacesRemoved') {
      const [path, removed] = msg.body as [string, string[]];
      const ifaces = this.objects.get(path);
      if (!ifaces) return false;
      for (const name of removed) ifaces.delete(name);
      if (ifaces.size === 0) this.objects.delete(path);
      // An adapter going away takes its devices with it, even if bluetoothd says so late.
      if (removed.includes(ADAPTER)) for (const p of [...this.objects.keys()]) if (p.startsWith(`${path}/`)) this.objects.delete(p);
      return true;
    }
    if (msg.interface === PROPERTIES && msg.member === 'PropertiesChanged') {
      const [iface, changed, invalidated] = msg.body as [string, VariantDict, string[]];
      const props = this.objects.get(msg.path)?.get(iface);
      if (!props) return false;
      Object.assign(props, unwrapDict(changed));
      for (const name of invalidated) delete props[name];
      return true;
    }
    return false;
  }
}

export function adapterPath(id: string): string {
  return `/org/bluez/${id}`;
}

export function devicePath(adapterId: string, address: BtAddress): string {
  return `${adapterPath(adapterId)}/${addressToPathSegment(address)}`;
}

function toInterfaces(ifaces: Record<string, VariantDict>): ObjectInterfaces {
  const out: ObjectInterfaces = new Map();
  for (const [name, props] of Object.entries(ifaces)) out.set(name, unwrapDict(props));
  return out;
}
