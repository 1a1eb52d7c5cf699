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
  /**
   * On the wire a yes/no (0 = unavailable), unlike a port's availability (0 unknown, 1 no,
   * 2 yes): PulseAudio and pipewire-pulse both send `available != NO` here. Reading it as a
   * port's value hid every codec of a real speaker (the end-to-end lab found it).
   */
  available: boolean;
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
      available: version >= 29 ? reply.getUInt32() !== 0 : true,
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

/** A sink or source as GET_{SINK,SOURCE}_INFO_LIST returns it (the fields we read). */
export interface DeviceInfo {
  index: number;
  name: string;
  description: string;
  sampleSpec: { format: number; channels: number; rate: number };
  volume: number[];
  mute: boolean;
  /** the monitor source (for a sink) or the monitored sink (for a source); 0xffffffff when none */
  monitorIndex: number;
  card: number;
  state: number;
  props: FlatProps;
  ports: { name: string; description: string; available: number }[];
  activePort: string | null;
}

/**
 * Parses one sink or source as pulsecore/protocol-native.c writes it. pulseaudio.js's own parser
 * stops at protocol 32: from 34 on every port carries an availability group and a type, so with
 * a real sound card (null sinks have no ports) it fails with "Invalid tag ..., expected PA_TAG.U8".
 */
export function parseDevice(reply: TagStruct, version: number, isSource: boolean): DeviceInfo {
  const index = reply.getUInt32();
  const name = reply.getString() ?? '';
  const description = reply.getString() ?? '';
  const sampleSpec = reply.getSampleSpec();
  reply.getChannelMap();
  reply.getUInt32(); // owner module
  const volume = [...reply.getCvolume()];
  const mute = reply.getBool();
  const monitorIndex = reply.getUInt32();
  reply.getString(); // monitor name
  reply.getUsec(); // latency
  reply.getString(); // driver
  reply.getUInt32(); // flags
  const props = flattenProps(reply.getProps());
  reply.getUsec(); // configured latency
  reply.getVolume(); // base volume
  const state = reply.getUInt32();
  reply.getUInt32(); // volume steps
  const card = reply.getUInt32();
  const ports: DeviceInfo['ports'] = [];
  const nPorts = reply.getUInt32();
  for (let i = 0; i < nPorts; i++) {
    const portName = reply.getString() ?? '';
    const portDescription = reply.getString() ?? '';
    reply.getUInt32(); // priority
    const available = version >= 24 ? reply.getUInt32() : 0;
    if (version >= 34) {
      reply.getString(); // availability group
      reply.getUInt32(); // type
    }
    ports.push({ name: portName, description: portDescription, available });
  }
  const activePort = reply.getString();
  if (version >= (isSource ? 22 : 21)) {
    const nFormats = reply.getUInt8();
    for (let i = 0; i < nFormats; i++) reply.getFormatInfo();
  }
  return {
    index,
    name,
    description,
    sampleSpec: { format: sampleSpec.format, channels: sampleSpec.channels, rate: sampleSpec.rate },
    volume,
    mute,
    monitorIndex,
    card,
    state,
    props,
    ports,
    activePort,
  };
}

export async function listDevices(client: PulseClient, kind: 'sink' | 'source'): Promise<DeviceInfo[]> {
  const type = kind === 'sink' ? PA_COMMAND.GET_SINK_INFO_LIST : PA_COMMAND.GET_SOURCE_INFO_LIST;
  const reply: TagStruct = await client._invoke(command(type));
  const devices: DeviceInfo[] = [];
  while (reply.i < reply.body.length) devices.push(parseDevice(reply, client.protocol, kind === 'source'));
  return devices;
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
