/**
 * Starts and drives the fake bluetoothd from tests (API in docs/testing-fake-bluez.md).
 * The fake is bundled once per test process (test/helpers/bundle.ts) and run with plain node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bundleFixture } from '../bundle.js';
import { startPrivateBus, stopChild, type PrivateBus } from '../dbus-daemon.js';
import type { FakeTiming } from './bluetoothd.js';
import type { FakeServiceConfig } from './service.js';
import type { FakeAdapterSpec, FakeSpeakerSpec, FakeWorld } from './world.js';

export * from './world.js';

const here = dirname(fileURLToPath(import.meta.url));
const COMMAND_TIMEOUT_MS = 5000;
const START_TIMEOUT_MS = 10_000;

/** dbus-next's optional native/X11 helpers, required only on paths we never take */
const DBUS_NEXT_OPTIONAL = ['x11', 'usocket'];
let bundled: Promise<string> | null = null;

/** Bundles service.ts once per test process; the bundle is removed when the process exits. */
function bundle(): Promise<string> {
  bundled ??= bundleFixture(join(here, 'service.ts'), DBUS_NEXT_OPTIONAL).then((file) => {
    process.once('exit', () => rmSync(dirname(file), { recursive: true, force: true }));
    return file;
  });
  return bundled;
}

export interface FakeBluezOptions {
  busAddress: string;
  world: FakeWorld;
  timing?: Partial<FakeTiming>;
  /** how long the fake waits for our agent's answers (bluetoothd: 60 s) */
  agentTimeoutMs?: number;
}

export class FakeBluez {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'blueline-fake-bluez-'));
  /** unique bus name of the running fake */
  uniqueName = '';

  constructor(private readonly options: FakeBluezOptions) {}

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the process and resolves once it owns org.bluez. Bonds from an earlier run are kept. */
  async start(): Promise<void> {
    const script = await bundle();
    const config: FakeServiceConfig = {
      world: this.options.world,
      stateFile: join(this.dir, 'state.json'),
      timing: { pageTimeoutMs: 300, discoveryDelayMs: 50, ...this.options.timing },
      agentTimeoutMs: this.options.agentTimeoutMs ?? 5000,
    };
    writeFileSync(join(this.dir, 'config.json'), JSON.stringify(config));
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: this.options.busAddress, FAKE_BLUEZ_CONFIG: join(this.dir, 'config.json') },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fake bluez did not start in time')), START_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fake bluez exited with ${code}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const msg = JSON.parse(line) as { event?: string; name?: string; id?: number; ok?: boolean; result?: unknown; error?: string };
        if (msg.event === 'ready') {
          clearTimeout(timer);
          this.uniqueName = msg.name ?? '';
          resolve();
        } else if (msg.id !== undefined) {
          const w = this.waiting.get(msg.id);
          this.waiting.delete(msg.id);
          if (msg.ok) w?.resolve(msg.result);
          else w?.reject(new Error(msg.error));
        }
      });
    });
    child.once('exit', () => {
      if (this.child === child) this.child = null;
      for (const w of this.waiting.values()) w.reject(new Error('fake bluez exited'));
      this.waiting.clear();
    });
    await ready;
  }

  /** bluetoothd crashing: SIGKILL, no goodbye on the bus except the name owner change. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }

  command<T = unknown>(cmd: string, ...args: unknown[]): Promise<T> {
    const child = this.child;
    if (!child?.stdin) return Promise.reject(new Error('fake bluez is not running'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake bluez did not answer ${cmd}`)), COMMAND_TIMEOUT_MS);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.stdin!.write(`${JSON.stringify({ id, cmd, args })}\n`);
    });
  }

  setSpeaker(address: string, patch: Partial<FakeSpeakerSpec>): Promise<void> {
    return this.command('setSpeaker', address, patch);
  }
  dropLink(address: string): Promise<void> {
    return this.command('dropLink', address);
  }
  addAdapter(spec: FakeAdapterSpec): Promise<void> {
    return this.command('addAdapter', spec);
  }
  removeAdapter(id: string): Promise<void> {
    return this.command('removeAdapter', id);
  }
  /** Calls to these members (e.g. 'ConnectProfile') are never answered; [] answers all again. */
  hang(members: string[]): Promise<void> {
    return this.command('hang', members);
  }
  /** Makes bluetoothd ask the agent about a device on its own (as for an incoming pairing); the agent's answer. */
  askAgent(adapterId: string, address: string, member: string): Promise<{ ok: boolean; body?: unknown[]; error?: string }> {
    return this.command('askAgent', adapterId, address, member);
  }
  calls(member?: string): Promise<Array<{ path: string; interface: string; member: string; sender: string }>> {
    return this.command('calls', member);
  }
  state(): Promise<FakeState> {
    return this.command('state');
  }
}

export interface FakeState {
  objects: Record<string, Record<string, Record<string, unknown>>>;
  agents: Array<{ owner: string; path: string; capability: string }>;
  defaultAgent: string | null;
  profiles: Record<string, string[]>;
  bonds: Record<string, Record<string, { trusted: boolean }>>;
}

export interface BluezTestbed {
  bus: PrivateBus;
  fake: FakeBluez;
}

/** A private bus plus a running fake, both torn down by `t.teardown` even when the test fails. */
export async function startBluezTestbed(
  t: { teardown(fn: () => unknown): void },
  world: FakeWorld,
  options: Omit<FakeBluezOptions, 'busAddress' | 'world'> & { startFake?: boolean } = {},
): Promise<BluezTestbed> {
  const bus = await startPrivateBus();
  const fake = new FakeBluez({ ...options, busAddress: bus.address, world });
  t.teardown(async () => {
    try {
      await fake.stop();
    } finally {
      await bus.stop();
    }
  });
  if (options.startFake !== false) await fake.start();
  return { bus, fake };
}
