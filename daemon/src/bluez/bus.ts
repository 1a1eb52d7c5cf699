/**
 * One connection to the system bus, used the low-level way on purpose: dbus-next's proxy signal
 * listeners only subscribe when introspection lists the signal and leak match rules on removal.
 * Here the connection adds exactly two match rules, once (signals from org.bluez, and
 * NameOwnerChanged for org.bluez), dispatches `bus.on('message')` itself, and bounds every call.
 */
import { EventEmitter } from 'node:events';
import dbus from 'dbus-next';
import { AGENT_PATH, BLUEZ, DBUS, DBUS_PATH } from './defs.js';
import { timeoutError } from './errors.js';

type Message = InstanceType<typeof dbus.Message>;
type MessageBus = ReturnType<typeof dbus.systemBus>;

export const MATCH_BLUEZ_SIGNALS = `type='signal',sender='${BLUEZ}'`;
export const MATCH_BLUEZ_OWNER = `type='signal',sender='${DBUS}',path='${DBUS_PATH}',interface='${DBUS}',member='NameOwnerChanged',arg0='${BLUEZ}'`;

/** dbus-next's typings get these two wrong: newError takes the call Message, and the bus has `name`. */
export function errorReply(call: Message, name: string, text: string): Message {
  return dbus.Message.newError(call as unknown as string, name, text);
}

function uniqueNameOf(bus: MessageBus): string | null {
  return (bus as unknown as { name: string | null }).name;
}

export interface CallSpec {
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
  destination?: string;
  /** overrides the default call timeout (pairing waits for the user and the speaker) */
  timeoutMs?: number;
  /** words for the timeout error: "... while trying to <action>" */
  action?: string;
}

export interface BusEvents {
  /** a signal from org.bluez's current owner */
  signal: [Message];
  /** org.bluez got a new owner (a unique name) or lost it (null) */
  owner: [string | null];
  /** a method call to our agent object */
  call: [Message];
  /** the bus connection itself failed; make a new BluezBus */
  lost: [Error];
}

export interface BusOptions {
  /** unix:path=...; default: DBUS_SYSTEM_BUS_ADDRESS or the standard system bus socket */
  busAddress?: string;
  callTimeoutMs: number;
}

export class BluezBus extends EventEmitter<BusEvents> {
  private readonly bus: MessageBus;
  private readonly sequence = new WeakMap<object, number>();
  private nextSeq = 1;
  private closed = false;
  /** unique name of org.bluez's owner, null while bluetoothd is absent */
  owner: string | null = null;

  constructor(private readonly options: BusOptions) {
    super();
    this.bus = options.busAddress ? dbus.sessionBus({ busAddress: options.busAddress }) : dbus.systemBus();
    this.bus.on('error', (err: Error) => this.fail(err));
    this.bus.on('message', (msg: Message) => this.dispatch(msg));
    this.bus.addMethodHandler((msg: Message) => this.handleCall(msg));
  }

  /** Waits for the Hello reply, adds our two match rules and reads org.bluez's current owner. */
  async open(): Promise<void> {
    await this.withTimeout(
      new Promise<void>((resolve, reject) => {
        if (uniqueNameOf(this.bus)) return resolve();
        const onError = (e: Error) => reject(e);
        this.bus.once('connect', () => {
          this.bus.off('error', onError);
          resolve();
        });
        this.bus.once('error', onError);
      }),
      'connect to the system bus',
      this.options.callTimeoutMs,
    );
    for (const rule of [MATCH_BLUEZ_SIGNALS, MATCH_BLUEZ_OWNER]) {
      await this.call({ destination: DBUS, path: DBUS_PATH, interface: DBUS, member: 'AddMatch', signature: 's', body: [rule], action: 'subscribe to Bluetooth events' });
    }
    this.owner = await this.nameOwner(BLUEZ);
  }

  get uniqueName(): string | null {
    return uniqueNameOf(this.bus);
  }

  async nameOwner(name: string): Promise<string | null> {
    try {
      const reply = await this.call({ destination: DBUS, path: DBUS_PATH, interface: DBUS, member: 'GetNameOwner', signature: 's', body: [name], action: 'look for bluetoothd' });
      return String(reply.body[0]);
    } catch (e) {
      if ((e as { type?: string }).type === 'org.freedesktop.DBus.Error.NameHasNoOwner') return null;
      throw e;
    }
  }

  /** A method call with a deadline; rejects with the raw DBusError (map it with errors.ts) or a 'timeout' BluelineError. */
  call(spec: CallSpec): Promise<Message> {
    const msg = new dbus.Message({
      destination: spec.destination ?? BLUEZ,
      path: spec.path,
      interface: spec.interface,
      member: spec.member,
      signature: spec.signature ?? '',
      body: spec.body ?? [],
    });
    const ms = spec.timeoutMs ?? this.options.callTimeoutMs;
    return this.withTimeout(this.bus.call(msg) as Promise<Message>, spec.action ?? `call ${spec.member}`, ms);
  }

  /** Sends a reply (or any message) as is. */
  send(msg: Message): void {
    if (!this.closed) this.bus.send(msg);
  }

  /** Arrival order of a received message, to tell signals older than a reply from newer ones. */
  sequenceOf(msg: Message): number {
    return this.sequence.get(msg) ?? 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.removeAllListeners();
    this.bus.removeAllListeners('message');
    this.bus.on('error', () => undefined);
    this.bus.disconnect();
  }

  private dispatch(msg: Message): void {
    this.sequence.set(msg, this.nextSeq++);
    if (msg.type !== dbus.MessageType.SIGNAL) return;
    if (msg.sender === DBUS && msg.member === 'NameOwnerChanged' && msg.body[0] === BLUEZ) {
      const owner = String(msg.body[2]) || null;
      if (owner !== this.owner) {
        this.owner = owner;
        this.emit('owner', owner);
      }
      return;
    }
    if (this.owner !== null && msg.sender === this.owner) this.emit('signal', msg);
  }

  private handleCall(msg: Message): boolean {
    // Anything but the agent object gets dbus-next's UnknownMethod error.
    if (msg.path !== AGENT_PATH || this.listenerCount('call') === 0) return false;
    this.emit('call', msg);
    return true;
  }

  private fail(err: Error): void {
    if (!this.closed) this.emit('lost', err);
  }

  private withTimeout<T>(promise: Promise<T>, action: string, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(timeoutError(action, ms)), ms);
      promise.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}
