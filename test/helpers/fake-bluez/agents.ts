/**
 * The fake's org.bluez.AgentManager1 and the calls it makes back into registered agents, as
 * bluetoothd does: one agent per client connection, dropped when that client leaves the bus.
 */
import dbus from 'dbus-next';
import { FakeError, type Message, type MessageBus, type ObjectTree } from './object-tree.js';

const CAPABILITIES = new Set(['', 'DisplayOnly', 'DisplayYesNo', 'KeyboardOnly', 'NoInputNoOutput', 'KeyboardDisplay']);

export interface RegisteredAgent {
  owner: string;
  path: string;
  capability: string;
}

export class AgentManager {
  readonly agents = new Map<string, RegisteredAgent>();
  defaultOwner: string | null = null;

  constructor(
    private readonly bus: MessageBus,
    tree: ObjectTree,
    /** how long bluetoothd waits for an agent's answer */
    private readonly agentTimeoutMs: number,
  ) {
    tree.add('/org/bluez', {
      'org.bluez.AgentManager1': {
        props: {},
        methods: {
          RegisterAgent: (m) => this.register(m),
          UnregisterAgent: (m) => this.unregister(m),
          RequestDefaultAgent: (m) => this.requestDefault(m),
        },
      },
    });
  }

  /** A client left the bus: forget its agent. */
  clientGone(owner: string): void {
    this.agents.delete(owner);
    if (this.defaultOwner === owner) this.defaultOwner = null;
  }

  /** The agent pairing requests go to: the default one, else any. */
  current(): RegisteredAgent | null {
    if (this.defaultOwner) return this.agents.get(this.defaultOwner) ?? null;
    return this.agents.values().next().value ?? null;
  }

  /** Calls the agent; the reply body, or a FakeError carrying the agent's error name ('timeout' on no answer). */
  async call(agent: RegisteredAgent, member: string, signature: string, body: unknown[]): Promise<unknown[]> {
    const msg = new dbus.Message({ destination: agent.owner, path: agent.path, interface: 'org.bluez.Agent1', member, signature, body });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FakeError('timeout', 'agent did not answer')), this.agentTimeoutMs);
    });
    try {
      const reply = (await Promise.race([this.bus.call(msg), timeout])) as Message;
      return reply.body;
    } catch (e) {
      if (e instanceof FakeError) throw e;
      const err = e as { type?: string; text?: string };
      throw new FakeError(err.type ?? 'org.bluez.Error.Failed', err.text ?? String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Agent1.Cancel, fire and forget as bluetoothd does. */
  cancel(agent: RegisteredAgent): void {
    this.bus.send(new dbus.Message({ destination: agent.owner, path: agent.path, interface: 'org.bluez.Agent1', member: 'Cancel', flags: dbus.MessageFlag.NO_REPLY_EXPECTED }));
  }

  private register(m: Message): void {
    const [path, capability] = m.body as [string, string];
    if (!CAPABILITIES.has(capability)) throw new FakeError('org.bluez.Error.InvalidArguments', 'Invalid arguments in method call');
    if (this.agents.has(m.sender)) throw new FakeError('org.bluez.Error.AlreadyExists', 'Already Exists');
    this.agents.set(m.sender, { owner: m.sender, path, capability });
  }

  private unregister(m: Message): void {
    const agent = this.agents.get(m.sender);
    if (!agent || agent.path !== m.body[0]) throw new FakeError('org.bluez.Error.DoesNotExist', 'Does Not Exist');
    this.clientGone(m.sender);
  }

  private requestDefault(m: Message): void {
    const agent = this.agents.get(m.sender);
    if (!agent || agent.path !== m.body[0]) throw new FakeError('org.bluez.Error.DoesNotExist', 'Does Not Exist');
    this.defaultOwner = m.sender;
  }
}
