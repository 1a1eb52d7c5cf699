/**
 * Our org.bluez.Agent1: answers bluetoothd's pairing questions, only for the device the user chose
 * to pair (`expect()`), and tells the panel what happens through `prompt` events.
 * Calls arrive as raw messages (BluezBus 'call'); each gets exactly one reply.
 */
import { EventEmitter } from 'node:events';
import dbus from 'dbus-next';
import type { Logger } from 'pino';
import { addressFromName, type BtAddress } from '../core/address.js';
import type { AgentPrompt } from '../core/ports.js';
import { errorReply, type BluezBus } from './bus.js';
import { AGENT, AGENT_CAPABILITY, AGENT_MANAGER, AGENT_PATH, BLUEZ_ROOT } from './defs.js';
import { isDbusError } from './errors.js';

type Message = InstanceType<typeof dbus.Message>;

/** PINs legacy speakers ship with, tried in turn when the user gave none. */
export const DEFAULT_PINS = ['0000', '1234', '8888'] as const;

export interface PairingTarget {
  path: string;
  address: BtAddress;
  /** the user's PIN; without it DEFAULT_PINS[attempt - 1] */
  userPin?: string;
  /** 1-based Pair attempt */
  attempt: number;
  /** set when bluetoothd asked for a PIN during this attempt */
  pinAsked: boolean;
}

const REJECTED = 'org.bluez.Error.Rejected';

export class PairingAgent extends EventEmitter<{ prompt: [AgentPrompt] }> {
  private target: PairingTarget | null = null;

  constructor(
    private readonly log: Logger,
    /** whether a device is already paired (AuthorizeService is accepted for those) */
    private readonly isPaired: (path: string) => boolean,
  ) {
    super();
  }

  /** Registers as the default agent; safe to repeat after bluetoothd restarts. */
  async register(bus: BluezBus): Promise<void> {
    try {
      await bus.call({ path: BLUEZ_ROOT, interface: AGENT_MANAGER, member: 'RegisterAgent', signature: 'os', body: [AGENT_PATH, AGENT_CAPABILITY], action: 'register the pairing agent' });
    } catch (e) {
      if (!isDbusError(e, 'org.bluez.Error.AlreadyExists')) throw e;
    }
    await bus.call({ path: BLUEZ_ROOT, interface: AGENT_MANAGER, member: 'RequestDefaultAgent', signature: 'o', body: [AGENT_PATH], action: 'make blueline the default pairing agent' });
  }

  async unregister(bus: BluezBus): Promise<void> {
    await bus.call({ path: BLUEZ_ROOT, interface: AGENT_MANAGER, member: 'UnregisterAgent', signature: 'o', body: [AGENT_PATH], action: 'unregister the pairing agent' });
  }

  /** From now on, answer for this device only (null: answer for none). */
  expect(target: PairingTarget | null): void {
    this.target = target;
  }

  /** Handles one Agent1 call from bluetoothd and replies to it. */
  handle(bus: BluezBus, msg: Message): void {
    const reply = (signature = '', body: unknown[] = []) => bus.send(dbus.Message.newMethodReturn(msg, signature, body));
    const fail = (name: string, text: string) => bus.send(errorReply(msg, name, text));
    if (msg.interface !== AGENT) return fail('org.freedesktop.DBus.Error.UnknownMethod', `no ${msg.interface}.${msg.member} here`);
    if (msg.sender !== bus.owner) return fail(REJECTED, 'only bluetoothd may use this agent');

    const devicePath = typeof msg.body[0] === 'string' ? msg.body[0] : '';
    const address = addressFromName(devicePath) ?? '';
    const target = this.target !== null && this.target.path === devicePath ? this.target : null;
    const reject = (why: string) => {
      this.log.info({ address, method: msg.member, why }, 'pairing request rejected');
      this.prompt({ kind: 'rejected', address, why });
      fail(REJECTED, why);
    };
    const notChosen = 'this is not the speaker being paired';

    switch (msg.member) {
      case 'RequestPinCode': {
        if (!target) return reject(notChosen);
        target.pinAsked = true;
        const pincode = target.userPin ?? DEFAULT_PINS[target.attempt - 1];
        if (pincode === undefined) return reject('no more PINs to try');
        this.prompt({ kind: 'request-pincode', address, pincode, attempt: target.attempt });
        return reply('s', [pincode]);
      }
      case 'DisplayPinCode':
        this.prompt({ kind: 'display-pincode', address, pincode: String(msg.body[1]) });
        return reply();
      case 'RequestPasskey': {
        this.prompt({ kind: 'request-passkey', address });
        if (!target) return reject(notChosen);
        const pin = target.userPin;
        if (pin === undefined || !/^\d{1,6}$/.test(pin)) return reject('the speaker asks for a passkey: enter the number it shows as the PIN');
        return reply('u', [Number(pin)]);
      }
      case 'DisplayPasskey':
        this.prompt({ kind: 'display-passkey', address, passkey: Number(msg.body[1]), entered: Number(msg.body[2]) });
        return reply();
      case 'RequestConfirmation': {
        const passkey = Number(msg.body[1]);
        this.prompt({ kind: 'confirm-passkey', address, passkey, accepted: target !== null });
        return target ? reply() : reject(notChosen);
      }
      case 'RequestAuthorization':
        return target ? reply() : reject(notChosen);
      case 'AuthorizeService':
        return target || this.isPaired(devicePath) ? reply() : reject('an unpaired device asked to connect');
      case 'Cancel':
        if (this.target) this.prompt({ kind: 'cancelled', address: this.target.address });
        return reply();
      case 'Release':
        this.log.info('bluetoothd released the pairing agent');
        return reply();
      default:
        return fail('org.freedesktop.DBus.Error.UnknownMethod', `unknown agent method ${msg.member}`);
    }
  }

  private prompt(p: AgentPrompt): void {
    this.emit('prompt', p);
  }
}
