/**
 * The generic half of the fake bluetoothd: exported objects with properties, answered the way
 * GDBus/bluetoothd answers them (Properties Get/GetAll/Set, ObjectManager at '/', Introspect),
 * and the signals with bluetoothd's signatures: PropertiesChanged (sa{sv}as),
 * InterfacesAdded (oa{sa{sv}}), InterfacesRemoved (oas).
 */
import dbus from 'dbus-next';

export type Message = InstanceType<typeof dbus.Message>;
export type MessageBus = ReturnType<typeof dbus.systemBus>;
type Variant = InstanceType<typeof dbus.Variant>;

/** A property: its D-Bus signature, value, and whether Set may change it. */
export interface Prop {
  sig: string;
  value: unknown;
  writable?: boolean;
}

/** A method handler returns [signature, body], or throws a FakeError; a never-settling promise means no reply. */
export type MethodResult = [string, unknown[]] | void;
export type Method = (call: Message) => MethodResult | Promise<MethodResult>;

export interface FakeInterface {
  props: Record<string, Prop>;
  methods: Record<string, Method>;
  /** called after a Set from a client was stored; may throw FakeError to refuse */
  onSet?: (name: string, value: unknown) => void;
}

export class FakeError extends Error {
  constructor(readonly dbusName: string, text: string) {
    super(text);
  }
}

const STANDARD = ['org.freedesktop.DBus.Introspectable', 'org.freedesktop.DBus.Properties'];

export function errorReply(call: Message, name: string, text: string): Message {
  return dbus.Message.newError(call as unknown as string, name, text);
}

export class ObjectTree {
  readonly objects = new Map<string, Map<string, FakeInterface>>();
  /** method calls seen, for tests */
  readonly calls: Array<{ path: string; interface: string; member: string; sender: string }> = [];
  /** members whose calls are never answered (the timeout test) */
  readonly hang = new Set<string>();

  constructor(private readonly bus: MessageBus) {
    bus.addMethodHandler((msg: Message) => this.onCall(msg));
  }

  add(path: string, ifaces: Record<string, FakeInterface>): void {
    const existing = this.objects.get(path);
    const obj = existing ?? new Map<string, FakeInterface>();
    for (const [name, iface] of Object.entries(ifaces)) obj.set(name, iface);
    this.objects.set(path, obj);
    const body: Record<string, Record<string, Variant>> = {};
    if (!existing) for (const name of STANDARD) body[name] = {};
    for (const [name, iface] of Object.entries(ifaces)) body[name] = variants(iface.props);
    this.signal('/', 'org.freedesktop.DBus.ObjectManager', 'InterfacesAdded', 'oa{sa{sv}}', [path, body]);
  }

  /** Removes interfaces (all of them when none named) and tells clients. */
  remove(path: string, names?: string[]): void {
    const obj = this.objects.get(path);
    if (!obj) return;
    const gone = names ?? [...STANDARD, ...obj.keys()];
    for (const name of gone) obj.delete(name);
    if (obj.size === 0) {
      this.objects.delete(path);
      if (names) gone.push(...STANDARD);
    }
    this.signal('/', 'org.freedesktop.DBus.ObjectManager', 'InterfacesRemoved', 'oas', [path, gone]);
  }

  get(path: string, iface: string, name: string): unknown {
    return this.objects.get(path)?.get(iface)?.props[name]?.value;
  }

  /** Changes properties and emits one PropertiesChanged for those that really changed. */
  set(path: string, iface: string, values: Record<string, unknown>): void {
    const target = this.objects.get(path)?.get(iface);
    if (!target) return;
    const changed: Record<string, Variant> = {};
    for (const [name, value] of Object.entries(values)) {
      const prop = target.props[name];
      if (!prop || JSON.stringify(prop.value) === JSON.stringify(value)) continue;
      prop.value = value;
      changed[name] = new dbus.Variant(prop.sig, value);
    }
    if (Object.keys(changed).length > 0) this.signal(path, 'org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as', [iface, changed, []]);
  }

  /** Drops a property (RSSI when discovery ends) and says so in `invalidated`. */
  invalidate(path: string, iface: string, name: string): void {
    const target = this.objects.get(path)?.get(iface);
    if (!target?.props[name]) return;
    delete target.props[name];
    this.signal(path, 'org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as', [iface, {}, [name]]);
  }

  /** Adds or updates a property that may be absent (RSSI). */
  put(path: string, iface: string, name: string, sig: string, value: unknown): void {
    const target = this.objects.get(path)?.get(iface);
    if (!target) return;
    if (!target.props[name]) target.props[name] = { sig, value: undefined };
    this.set(path, iface, { [name]: value });
  }

  signal(path: string, iface: string, member: string, signature: string, body: unknown[]): void {
    this.bus.send(dbus.Message.newSignal(path, iface, member, signature, body));
  }

  private onCall(msg: Message): boolean {
    this.calls.push({ path: msg.path, interface: msg.interface, member: msg.member, sender: msg.sender });
    if (this.hang.has(msg.member)) return true;
    const reply = (sig: string, body: unknown[]) => this.bus.send(dbus.Message.newMethodReturn(msg, sig, body));
    const fail = (e: unknown) => {
      if (e instanceof FakeError) this.bus.send(errorReply(msg, e.dbusName, e.message));
      else this.bus.send(errorReply(msg, 'org.bluez.Error.Failed', String(e)));
    };
    try {
      const result = this.dispatch(msg);
      if (result instanceof Promise) result.then((r) => reply(...(r ?? ['', []])), fail);
      else reply(...(result ?? ['', []]));
    } catch (e) {
      fail(e);
    }
    return true;
  }

  private dispatch(msg: Message): MethodResult | Promise<MethodResult> {
    if (msg.interface === 'org.freedesktop.DBus.Introspectable' && msg.member === 'Introspect') return ['s', [this.introspect(msg.path)]];
    if (msg.path === '/' && msg.interface === 'org.freedesktop.DBus.ObjectManager' && msg.member === 'GetManagedObjects') return ['a{oa{sa{sv}}}', [this.managed()]];
    const obj = this.objects.get(msg.path);
    if (!obj) throw new FakeError('org.freedesktop.DBus.Error.UnknownObject', `Method "${msg.member}" with signature "${msg.signature}" on interface "${msg.interface}" doesn't exist`);
    if (msg.interface === 'org.freedesktop.DBus.Properties') return this.properties(obj, msg);
    const iface = obj.get(msg.interface);
    const method = iface?.methods[msg.member];
    if (!method) throw new FakeError('org.freedesktop.DBus.Error.UnknownMethod', `Method "${msg.member}" with signature "${msg.signature}" on interface "${msg.interface}" doesn't exist`);
    return method(msg);
  }

  private properties(obj: Map<string, FakeInterface>, msg: Message): MethodResult {
    const ifaceName = String(msg.body[0]);
    const iface = obj.get(ifaceName);
    if (!iface) throw new FakeError('org.freedesktop.DBus.Error.InvalidArgs', `No such interface '${ifaceName}'`);
    switch (msg.member) {
      case 'GetAll':
        return ['a{sv}', [variants(iface.props)]];
      case 'Get': {
        const prop = iface.props[String(msg.body[1])];
        if (!prop) throw new FakeError('org.freedesktop.DBus.Error.InvalidArgs', `No such property '${String(msg.body[1])}'`);
        return ['v', [new dbus.Variant(prop.sig, prop.value)]];
      }
      case 'Set': {
        const name = String(msg.body[1]);
        const prop = iface.props[name];
        if (!prop) throw new FakeError('org.freedesktop.DBus.Error.InvalidArgs', `No such property '${name}'`);
        if (!prop.writable) throw new FakeError('org.freedesktop.DBus.Error.PropertyReadOnly', `Property '${name}' is not writable`);
        const variant = msg.body[2] as Variant;
        if (variant.signature !== prop.sig) throw new FakeError('org.freedesktop.DBus.Error.InvalidArgs', `Invalid argument type: '${variant.signature}'`);
        iface.onSet?.(name, variant.value);
        this.set(msg.path, ifaceName, { [name]: variant.value });
        return;
      }
      default:
        throw new FakeError('org.freedesktop.DBus.Error.UnknownMethod', `no ${msg.member}`);
    }
  }

  private managed(): Record<string, Record<string, Record<string, Variant>>> {
    const out: Record<string, Record<string, Record<string, Variant>>> = {};
    for (const [path, ifaces] of this.objects) {
      const entry: Record<string, Record<string, Variant>> = {};
      for (const name of STANDARD) entry[name] = {};
      for (const [name, iface] of ifaces) entry[name] = variants(iface.props);
      out[path] = entry;
    }
    return out;
  }

  private introspect(path: string): string {
    const prefix = path === '/' ? '/' : `${path}/`;
    const children = new Set<string>();
    for (const p of this.objects.keys()) if (p.startsWith(prefix) && p !== path) children.add(p.slice(prefix.length).split('/')[0] ?? '');
    const ifaces = [...(this.objects.get(path)?.keys() ?? [])].map((n) => `<interface name="${n}"/>`).join('');
    const nodes = [...children].map((c) => `<node name="${c}"/>`).join('');
    return `<node>${ifaces}${nodes}</node>`;
  }
}

function variants(props: Record<string, Prop>): Record<string, Variant> {
  const out: Record<string, Variant> = {};
  for (const [name, prop] of Object.entries(props)) if (prop.value !== undefined) out[name] = new dbus.Variant(prop.sig, prop.value);
  return out;
}
