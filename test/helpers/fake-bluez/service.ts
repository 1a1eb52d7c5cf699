/**
 * Entry point of the fake bluetoothd process (bundled and started by harness.ts).
 * Config: FAKE_BLUEZ_CONFIG (a JSON file, see FakeServiceConfig); bus: DBUS_SYSTEM_BUS_ADDRESS.
 * Control: JSON lines on stdin `{id, cmd, args}`, answers on stdout `{id, ok, result | error}`;
 * `{"event":"ready"}` once org.bluez is owned. Exits when stdin closes. See docs/testing-fake-bluez.md.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import dbus from 'dbus-next';
import { AgentManager } from './agents.js';
import { FakeBluetoothd, type FakeTiming } from './bluetoothd.js';
import { ObjectTree, type Message } from './object-tree.js';
import type { FakePersisted, FakeWorld } from './world.js';

export interface FakeServiceConfig {
  world: FakeWorld;
  /** bonds are kept here across restarts of the fake */
  stateFile: string;
  timing: FakeTiming;
  agentTimeoutMs: number;
}

const config = JSON.parse(readFileSync(String(process.env.FAKE_BLUEZ_CONFIG), 'utf8')) as FakeServiceConfig;
const persisted: FakePersisted = existsSync(config.stateFile) ? (JSON.parse(readFileSync(config.stateFile, 'utf8')) as FakePersisted) : { bonds: {} };
const save = () => writeFileSync(config.stateFile, JSON.stringify(persisted));

const bus = dbus.systemBus();
bus.on('error', (e: Error) => {
  process.stderr.write(`fake-bluez: bus error ${e.message}\n`);
  process.exit(1);
});
const tree = new ObjectTree(bus);
const agents = new AgentManager(bus, tree, config.agentTimeoutMs);
const bluetoothd = new FakeBluetoothd(tree, agents, persisted, save, config.timing);

function out(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

type Command = (...args: never[]) => unknown;
const commands: Record<string, Command> = {
  setSpeaker: (address: string, patch: object) => bluetoothd.setSpeaker(address, patch),
  dropLink: (address: string) => {
    for (const path of bluetoothd.pathsOf(address.toUpperCase())) bluetoothd.dropLink(path);
  },
  addAdapter: (spec: FakeWorld['adapters'][number]) => bluetoothd.addAdapter(spec),
  removeAdapter: (id: string) => bluetoothd.removeAdapter(id),
  hang: (members: string[]) => {
    tree.hang.clear();
    for (const m of members) tree.hang.add(m);
  },
  setProperty: (path: string, iface: string, values: Record<string, unknown>) => tree.set(path, iface, values),
  /** bluetoothd asking the agent about a device on its own (an incoming pairing): the agent's answer */
  askAgent: async (adapterId: string, address: string, member: string) => {
    const agent = agents.current();
    if (!agent) throw new Error('no agent registered');
    const path = bluetoothd.devicePath(adapterId, address);
    const args: Record<string, [string, unknown[]]> = {
      RequestPinCode: ['o', [path]],
      RequestPasskey: ['o', [path]],
      RequestConfirmation: ['ou', [path, 123456]],
      RequestAuthorization: ['o', [path]],
      AuthorizeService: ['os', [path, '0000110d-0000-1000-8000-00805f9b34fb']],
      DisplayPinCode: ['os', [path, '4321']],
      DisplayPasskey: ['ouq', [path, 123456, 0]],
    };
    const [sig, body] = args[member] ?? ['', []];
    try {
      return { ok: true, body: await agents.call(agent, member, sig, body) };
    } catch (e) {
      return { ok: false, error: (e as { dbusName?: string }).dbusName };
    }
  },
  calls: (member?: string) => tree.calls.filter((c) => member === undefined || c.member === member),
  state: () => ({
    objects: Object.fromEntries([...tree.objects].map(([p, ifaces]) => [p, Object.fromEntries([...ifaces].map(([n, i]) => [n, Object.fromEntries(Object.entries(i.props).map(([k, v]) => [k, v.value]))]))])),
    agents: [...agents.agents.values()],
    defaultAgent: agents.defaultOwner,
    profiles: Object.fromEntries([...bluetoothd.profiles].map(([p, set]) => [p, [...set]])),
    bonds: persisted.bonds,
  }),
};

async function main(): Promise<void> {
  await new Promise<void>((resolve) => bus.once('connect', () => resolve()));
  // bluetoothd watches its clients: a client leaving ends its discovery and drops its agent.
  await bus.call(new dbus.Message({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch', signature: 's', body: ["type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'"] }));
  bus.on('message', (msg: Message) => {
    if (msg.type === dbus.MessageType.SIGNAL && msg.member === 'NameOwnerChanged' && msg.sender === 'org.freedesktop.DBus') {
      const [name, , owner] = msg.body as [string, string, string];
      if (name.startsWith(':') && owner === '') bluetoothd.clientGone(name);
    }
  });
  bluetoothd.load(config.world);
  await bus.requestName('org.bluez', dbus.NameFlag.DO_NOT_QUEUE);
  out({ event: 'ready', name: (bus as unknown as { name: string }).name });
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const { id, cmd, args } = JSON.parse(line) as { id: number; cmd: string; args: unknown[] };
    const command = commands[cmd] as ((...a: unknown[]) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (!command) throw new Error(`unknown command ${cmd}`);
        return command(...args);
      })
      .then(
        (result) => out({ id, ok: true, result: result ?? null }),
        (e: unknown) => out({ id, ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
  });
  rl.on('close', () => {
    bluetoothd.shutdown();
    process.exit(0);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`fake-bluez: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
