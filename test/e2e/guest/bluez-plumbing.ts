/**
 * Direct BlueZ D-Bus steps inside a lab guest. The speaker guest always uses them (it plays
 * the part of a speaker's firmware: auto-accept agent, discoverable, trusts the transmitter).
 * On the transmitter they only serve the diagnostic mode, which proves a scenario's plumbing
 * without blueline; the real scenarios go through blueline's HTTP API instead.
 */
import dbus from 'dbus-next';

const BLUEZ = 'org.bluez';
const ADAPTER = 'org.bluez.Adapter1';
const DEVICE = 'org.bluez.Device1';
const PROPS = 'org.freedesktop.DBus.Properties';
const AGENT_PATH = '/lab/agent';

type Managed = Record<string, Record<string, Record<string, dbus.Variant>>>;

/** NoInputNoOutput agent that accepts everything, like a speaker without a keypad. */
class AcceptAllAgent extends dbus.interface.Interface {
  Release(): void {}
  RequestPinCode(): string { return '0000'; }
  RequestPasskey(): number { return 0; }
  DisplayPasskey(): void {}
  DisplayPinCode(): void {}
  RequestConfirmation(): void {}
  RequestAuthorization(): void {}
  AuthorizeService(): void {}
  Cancel(): void {}
}
AcceptAllAgent.configureMembers({
  methods: {
    Release: { inSignature: '', outSignature: '' },
    RequestPinCode: { inSignature: 'o', outSignature: 's' },
    RequestPasskey: { inSignature: 'o', outSignature: 'u' },
    DisplayPasskey: { inSignature: 'ouq', outSignature: '' },
    DisplayPinCode: { inSignature: 'os', outSignature: '' },
    RequestConfirmation: { inSignature: 'ou', outSignature: '' },
    RequestAuthorization: { inSignature: 'o', outSignature: '' },
    AuthorizeService: { inSignature: 'os', outSignature: '' },
    Cancel: { inSignature: '', outSignature: '' },
  },
});

export class BluezPlumbing {
  private bus: dbus.MessageBus | null = null;
  private agentExported = false;

  private get system(): dbus.MessageBus {
    if (!this.bus) {
      this.bus = dbus.systemBus();
      this.bus.on('error', () => { this.bus = null; this.agentExported = false; });
    }
    return this.bus;
  }

  /** Forget the connection (after bluetoothd or the bus restarted). */
  reset(): void {
    this.bus?.disconnect();
    this.bus = null;
    this.agentExported = false;
  }

  private async call(path: string, iface: string, member: string, signature = '', body: unknown[] = [], timeoutMs = 30_000): Promise<unknown[]> {
    const message = new dbus.Message({ destination: BLUEZ, path, interface: iface, member, signature, body });
    try {
      const reply = await withTimeout(this.system.call(message), timeoutMs, `${iface}.${member}`);
      return reply?.body ?? [];
    } catch (err) {
      const { type, text, message: msg } = err as { type?: string; text?: string; message?: string };
      throw new Error(`${member} ${path}: ${type ?? ''} ${text ?? msg ?? ''}`.trim());
    }
  }

  private async setProp(path: string, iface: string, name: string, signature: string, value: unknown): Promise<void> {
    await this.call(path, PROPS, 'Set', 'ssv', [iface, name, new dbus.Variant(signature, value)]);
  }

  async managed(): Promise<Managed> {
    const message = new dbus.Message({ destination: BLUEZ, path: '/', interface: 'org.freedesktop.DBus.ObjectManager', member: 'GetManagedObjects' });
    const reply = await withTimeout(this.system.call(message), 10_000, 'GetManagedObjects');
    return (reply?.body[0] ?? {}) as Managed;
  }

  async registerAgent(): Promise<void> {
    if (!this.agentExported) {
      this.system.export(AGENT_PATH, new AcceptAllAgent('org.bluez.Agent1'));
      this.agentExported = true;
    }
    await this.call('/org/bluez', 'org.bluez.AgentManager1', 'RegisterAgent', 'os', [AGENT_PATH, 'NoInputNoOutput']).catch((err: Error) => {
      if (!/AlreadyExists/.test(err.message)) throw err;
    });
    await this.call('/org/bluez', 'org.bluez.AgentManager1', 'RequestDefaultAgent', 'o', [AGENT_PATH]);
  }

  async adapters(): Promise<{ hci: string; address: string; powered: boolean }[]> {
    const objects = await this.managed();
    return Object.entries(objects)
      .filter(([, ifaces]) => ifaces[ADAPTER])
      .map(([path, ifaces]) => ({
        hci: path.split('/').pop() ?? '',
        address: String(ifaces[ADAPTER]?.Address?.value),
        powered: Boolean(ifaces[ADAPTER]?.Powered?.value),
      }));
  }

  /** Power on; optionally discoverable + pairable forever (a speaker in pairing mode). */
  async setupAdapter(hci: string, opts: { discoverable: boolean; alias?: string }): Promise<void> {
    const path = `/org/bluez/${hci}`;
    // bluetoothd may still be powering the adapter on by itself (Busy): wait until it is
    for (let i = 0; i < 40; i++) {
      const powered = (await this.adapters()).find((a) => a.hci === hci)?.powered;
      if (powered) break;
      await this.setProp(path, ADAPTER, 'Powered', 'b', true).catch(() => undefined);
      await sleep(500);
    }
    if (opts.alias) await this.setProp(path, ADAPTER, 'Alias', 's', opts.alias);
    if (opts.discoverable) {
      await this.setProp(path, ADAPTER, 'DiscoverableTimeout', 'u', 0);
      await this.setProp(path, ADAPTER, 'PairableTimeout', 'u', 0);
      await this.setProp(path, ADAPTER, 'Pairable', 'b', true);
      await this.setProp(path, ADAPTER, 'Discoverable', 'b', true);
    }
  }

  /** Scan on hci until address shows up. */
  async discover(hci: string, address: string, timeoutMs: number): Promise<void> {
    const path = `/org/bluez/${hci}`;
    await this.call(path, ADAPTER, 'SetDiscoveryFilter', 'a{sv}', [{ Transport: new dbus.Variant('s', 'bredr') }]);
    await this.call(path, ADAPTER, 'StartDiscovery').catch((err: Error) => { if (!/InProgress/.test(err.message)) throw err; });
    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const objects = await this.managed();
        if (objects[devicePath(hci, address)]?.[DEVICE]) return;
        await sleep(500);
      }
      throw new Error(`${address} not found on ${hci} within ${timeoutMs} ms`);
    } finally {
      await this.call(path, ADAPTER, 'StopDiscovery').catch(() => undefined);
    }
  }

  async device(hci: string, address: string): Promise<Record<string, unknown> | null> {
    const objects = await this.managed();
    const props = objects[devicePath(hci, address)]?.[DEVICE];
    if (!props) return null;
    return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.value as unknown]));
  }

  async pair(hci: string, address: string): Promise<void> {
    await this.call(devicePath(hci, address), DEVICE, 'Pair', '', [], 60_000).catch((err: Error) => {
      if (!/AlreadyExists/.test(err.message)) throw err;
    });
  }

  async trust(hci: string, address: string): Promise<void> {
    await this.setProp(devicePath(hci, address), DEVICE, 'Trusted', 'b', true);
  }

  async connectProfile(hci: string, address: string, uuid: string): Promise<void> {
    await this.call(devicePath(hci, address), DEVICE, 'ConnectProfile', 's', [uuid], 60_000);
  }

  async connect(hci: string, address: string): Promise<void> {
    await this.call(devicePath(hci, address), DEVICE, 'Connect', '', [], 60_000);
  }

  async disconnect(hci: string, address: string): Promise<void> {
    await this.call(devicePath(hci, address), DEVICE, 'Disconnect', '', [], 30_000);
  }

  async remove(hci: string, address: string): Promise<void> {
    await this.call(`/org/bluez/${hci}`, ADAPTER, 'RemoveDevice', 'o', [devicePath(hci, address)]);
  }
}

export function devicePath(hci: string, address: string): string {
  return `/org/bluez/${hci}/dev_${address.toUpperCase().replaceAll(':', '_')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
