/**
 * What pulseaudio.js lacks, added through its generic command API (Command + _invoke):
 * module and card lists, card profile switching and the message API (send-message).
 *
 * We authenticate with native protocol 35 (pulseaudio.js asks for 32): send-message needs
 * 35, and the card port layout below follows the negotiated version. PulseAudio 16 and
 * pipewire-pulse 0.3.65 both speak 35. Replies are parsed as pulsecore/protocol-native.c
 * writes them.
 */
import { PulseAudio as PulseClient } from 'pulseaudio.js';
import { Command, PA_COMMAND } from 'pulseaudio.js/dist/command.js';
import type { TagStruct } from 'pulseaudio.js/dist/packet.js';
import { deflate, type Props } from 'pulseaudio.js/dist/props.js';

export const PROTOCOL_VERSION = 35;
/** PA_COMMAND_SEND_OBJECT_MESSAGE, protocol 35; not in pulseaudio.js's enum */
const SEND_OBJECT_MESSAGE = 104;

/** Property lists as flat 'a.b.c' -> value maps (pulseaudio.js nests them). */
export type FlatProps = Record<string, string>;

export function flattenProps(props: unknown): FlatProps {
  if (!props || typeof props !== 'object') return {};
  return deflate(props as Props) as FlatProps;
}

export interface ModuleInfo {
  index: number;
  name: string;
  argument: string;
}

export interface CardProfile {
  name: string;
  description: string;
  sinks: number;
  sources: number;
  priority: number;
  /** PA_AVAILABLE_*: 0 unknown, 1 no, 2 yes */
  available: number;
}

export interface CardInfo {
  index: number;
  name: string;
  driver: string;
  profiles: CardProfile[];
  activeProfile: string | null;
  props: FlatProps;
}

/** The client, with the protocol version we need. */
export class ProtocolClient extends PulseClient {
  override async _authenticate(cookie?: Buffer): Promise<number> {
    return super._authenticate(cookie, PROTOCOL_VERSION);
  }

  /** pulseaudio.js writes to a missing socket after a disconnect (TypeError); fail cleanly instead. */
  override async _invoke(cmd: Command): Promise<Command> {
    if (!this.sock) throw new Error('Disconnected from PulseAudio');
    return super._invoke(cmd);
  }
}

function command(type: number): Command {
  return new Command(type);
}

export async function listModules(client: PulseClient): Promise<ModuleInfo[]> {
  const reply: TagStruct = await client._invoke(command(PA_COMMAND.GET_MODULE_INFO_LIST));
  const modules: ModuleInfo[] = [];
  while (reply.i < reply.body.length) {
    const index = reply.getUInt32();
    const name = reply.getString() ?? '';
    const argument = reply.getString() ?? '';
    reply.getUInt32(); // n_used
    reply.getProps();
    modules.push({ index, name, argument });
  }
  return modules;
}

export function parseCard(reply: TagStruct, version: number): CardInfo {
  const index = reply.getUInt32();
  const name = reply.getString() ?? '';
  reply.getUInt32(); // owner module
  const driver = reply.getString() ?? '';
  const profiles: CardProfile[] = [];
  const nProfiles = reply.getUInt32();
  for (let i = 0; i < nProfiles; i++) {
    profiles.push({
      name: reply.getString() ?? '',
      description: reply.getString() ?? '',
      sinks: reply.getUInt32(),
      sources: reply.getUInt32(),
      priority: reply.getUInt32(),
      available: version >= 29 ? reply.getUInt32() : 0,
    });
  }
  const activeProfile = reply.getString();
  const props = flattenProps(reply.getProps());
  const nPorts = reply.getUInt32();
  for (let i = 0; i < nPorts; i++) {
    reply.getString(); // name
    reply.getString(); // description
    reply.getUInt32(); // priority
    reply.getUInt32(); // available
    reply.getUInt8(); // direction
    reply.getProps();
    const n = reply.getUInt32();
    for (let j = 0; j < n; j++) reply.getString();
    if (version >= 27) reply.getSInt64(); // latency offset
    if (version >= 34) {
      reply.getString(); // availability group
      reply.getUInt32(); // type
    }
  }
  return { index, name, driver, profiles, activeProfile, props };
}

export async function listCards(client: PulseClient): Promise<CardInfo[]> {
  const reply: TagStruct = await client._invoke(command(PA_COMMAND.GET_CARD_INFO_LIST));
  const cards: CardInfo[] = [];
  while (reply.i < reply.body.length) cards.push(parseCard(reply, client.protocol));
  return cards;
}

export async function setCardProfile(client: PulseClient, card: string, profile: string): Promise<void> {
  const c = command(PA_COMMAND.SET_CARD_PROFILE);
  c.addUInt32(0xffffffff);
  c.addString(card);
  c.addString(profile);
  await client._invoke(c);
}

/** The message API (PulseAudio 15+): returns the handler's response (JSON text on PulseAudio 16). */
export async function sendMessage(client: PulseClient, path: string, message: string, params: string | null): Promise<string> {
  const c = command(SEND_OBJECT_MESSAGE);
  c.addString(path);
  c.addString(message);
  c.addString(params);
  const reply: TagStruct = await client._invoke(c);
  return reply.getString() ?? '';
}

/** LOAD_MODULE with a raw argument string (pulseaudio.js quotes values its own way). */
export async function loadModule(client: PulseClient, name: string, args: string): Promise<number> {
  const c = command(PA_COMMAND.LOAD_MODULE);
  c.addString(name);
  c.addString(args);
  const reply: TagStruct = await client._invoke(c);
  return reply.getUInt32();
}
