/**
 * Listing and switching a speaker's codec: card profiles on PipeWire, the bluez message
 * handler on PulseAudio 15+. A codec the speaker lacks is an 'unsupported' error.
 */
import { BluelineError } from '../core/errors.js';
import type { AudioServerInfo, CodecInfo, SpeakerSink } from '../core/ports.js';
import { bluezMessagePath, codecName, codecsFromCard, codecsFromMessages, profileForCodec } from './codecs.js';
import type { Connection } from './connection.js';
import { speakerAddress } from './discovery.js';
import type { Snapshot } from './inventory.js';
import { sendMessage, setCardProfile, type CardInfo } from './protocol.js';

/**
 * What codec control needs of a speaker: its card, and its sink (for the sample rate) when it
 * has one. A switch to a codec the speaker cannot play leaves the card without a sink, and
 * switching back must still work then.
 */
export type CodecTarget = Pick<SpeakerSink, 'address' | 'card'> & { name?: string };

function cardOf(snap: Snapshot, speaker: CodecTarget): CardInfo {
  const card = snap.cards.find((c) => c.name === speaker.card);
  if (!card) throw new BluelineError('unsupported', `speaker ${speaker.address} has no Bluetooth card, so its codec cannot be changed`);
  return card;
}

function rateOf(snap: Snapshot, speaker: CodecTarget): number {
  return snap.sinks.find((s) => s.name === speaker.name)?.sampleSpec.rate ?? 48000;
}

/** The Bluetooth card of a speaker, by the address read the same way as a speaker sink's. */
export function cardOfAddress(snap: Snapshot, address: string): CardInfo | null {
  return snap.cards.find((c) => c.name.startsWith('bluez_card.') && speakerAddress(c) === address) ?? null;
}

export async function listCodecs(connection: Connection, server: AudioServerInfo, snap: Snapshot, speaker: CodecTarget): Promise<CodecInfo[]> {
  const card = cardOf(snap, speaker);
  const rate = rateOf(snap, speaker);
  if (server.kind === 'pipewire') return codecsFromCard(card, rate);
  const path = bluezMessagePath(card.name);
  const [list, active] = await connection.call('list codecs', (c) =>
    Promise.all([sendMessage(c, path, 'list-codecs', null), sendMessage(c, path, 'get-codec', null)]),
  );
  try {
    return codecsFromMessages(list, active, rate);
  } catch (err) {
    throw new BluelineError('failed', 'the audio server sent a codec list we cannot read', { cause: err });
  }
}

export async function switchCodec(connection: Connection, server: AudioServerInfo, snap: Snapshot, speaker: CodecTarget, codec: string): Promise<void> {
  const unsupported = (): BluelineError =>
    new BluelineError('unsupported', `speaker ${speaker.address} does not support ${codecName(codec)}`, { detail: codec });
  if (!/^[a-z0-9_]+$/.test(codec)) throw new BluelineError('invalid', `"${codec}" is not a codec id`);
  const card = cardOf(snap, speaker);
  if (server.kind === 'pipewire') {
    const profile = profileForCodec(card, codec);
    if (!profile) throw unsupported();
    if (card.activeProfile === profile) return;
    await connection.call('switch codec', (c) => setCardProfile(c, card.name, profile));
    return;
  }
  const codecs = await listCodecs(connection, server, snap, speaker);
  const match = codecs.find((c) => c.id === codec);
  if (!match) throw unsupported();
  if (match.active) return;
  await connection.call('switch codec', (c) => sendMessage(c, bluezMessagePath(card.name), 'switch-codec', JSON.stringify(codec)));
}
