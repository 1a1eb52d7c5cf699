// Codec listing and switching, on card and message data shaped like what the servers send
// for a real Bluetooth speaker (the harness has no BlueZ; the QEMU lab covers real cards).
import t from 'tap';
import { cardOfAddress, listCodecs, switchCodec } from '../../daemon/src/audio/codec-control.js';
import { codecsFromCard, codecsFromMessages, profileForCodec } from '../../daemon/src/audio/codecs.js';
import type { Connection } from '../../daemon/src/audio/connection.js';
import type { Snapshot } from '../../daemon/src/audio/inventory.js';
import type { CardInfo } from '../../daemon/src/audio/protocol.js';
import type { AudioServerInfo, SpeakerSink } from '../../daemon/src/core/ports.js';

const profile = (name: string, description: string, available = true, sinks = 1) => ({ name, description, sinks, sources: 0, priority: 10, available });

/** A speaker on PipeWire 0.3.65 (as `pactl list cards` shows it): SBC, SBC-XQ, AAC; aptX offered but unavailable. */
const pwCard: CardInfo = {
  index: 57,
  name: 'bluez_card.AA_BB_CC_DD_EE_FF',
  driver: 'module-bluez5-device.c',
  profiles: [
    profile('off', 'Off', true, 0),
    profile('a2dp-sink-sbc', 'High Fidelity Playback (A2DP Sink, codec SBC)'),
    profile('a2dp-sink-sbc_xq', 'High Fidelity Playback (A2DP Sink, codec SBC-XQ)'),
    profile('a2dp-sink-aac', 'High Fidelity Playback (A2DP Sink, codec AAC)'),
    profile('a2dp-sink-aptx', 'High Fidelity Playback (A2DP Sink, codec aptX)', false),
    profile('headset-head-unit', 'Headset Head Unit (HSP/HFP)'),
    profile('headset-head-unit-msbc', 'Headset Head Unit (HSP/HFP, codec mSBC)'),
  ],
  activeProfile: 'a2dp-sink-aac',
  props: { 'device.api': 'bluez5', 'api.bluez5.address': 'AA:BB:CC:DD:EE:FF', 'device.description': 'JBL Flip 5' },
};

/** PulseAudio 16 answers on /card/bluez_card.AA_BB_CC_DD_EE_FF/bluez */
const paList = '[{"name":"sbc","description":"SBC"},{"name":"sbc_xq_453","description":"SBC XQ 453kbps"},{"name":"sbc_xq_552","description":"SBC XQ 552kbps"},{"name":"aptx","description":"aptX"},{"name":"aptx_hd","description":"aptX HD"}]';

t.test('PipeWire: codecs from card profiles', async (t) => {
  const codecs = codecsFromCard(pwCard, 48000);
  t.same(codecs.map((c) => c.id), ['sbc', 'sbc_xq', 'aac'], 'unavailable aptX and headset profiles left out');
  t.same(codecs.filter((c) => c.active).map((c) => c.id), ['aac']);
  t.equal(codecs[2]?.name, 'AAC');
  t.equal(profileForCodec(pwCard, 'sbc_xq'), 'a2dp-sink-sbc_xq');
  t.equal(profileForCodec(pwCard, 'aptx'), null, 'unavailable profile = unsupported');
  t.equal(profileForCodec(pwCard, 'ldac'), null);
  const bare: CardInfo = { ...pwCard, profiles: [profile('a2dp-sink', 'High Fidelity Playback (A2DP Sink)')], activeProfile: 'a2dp-sink' };
  t.same(codecsFromCard(bare, 44100), [{ id: 'sbc', name: 'SBC', active: true, bitrateKbps: null }], "plain 'a2dp-sink' is SBC");
});

t.test('PulseAudio: codecs from the message API', async (t) => {
  const codecs = codecsFromMessages(paList, '"aptx_hd"', 48000);
  t.same(codecs.map((c) => c.id), ['sbc', 'sbc_xq_453', 'sbc_xq_552', 'aptx', 'aptx_hd']);
  t.same(codecs.find((c) => c.active)?.id, 'aptx_hd');
  t.equal(codecs.find((c) => c.id === 'aptx_hd')?.bitrateKbps, 576);
  t.equal(codecs.find((c) => c.id === 'aptx')?.bitrateKbps, 384);
  t.equal(codecs.find((c) => c.id === 'sbc_xq_552')?.bitrateKbps, 552);
  t.equal(codecs[1]?.name, 'SBC XQ 453kbps', "the server's description is kept");
  t.throws(() => codecsFromMessages('{"oops":1}', null, 48000));
});

const speaker: SpeakerSink = { name: 'bluez_output.AA_BB_CC_DD_EE_FF.1', address: 'AA:BB:CC:DD:EE:FF', description: 'JBL Flip 5', card: pwCard.name, channels: 2, volume: [1, 1], muted: false, codec: 'aac' };
const snap: Snapshot = { sources: [], sinks: [], cards: [pwCard], modules: [], sinkInputs: [] };
const pipewire: AudioServerInfo = { kind: 'pipewire', version: '0.3.65', name: 'PulseAudio (on PipeWire 0.3.65)' };
const pulseaudio: AudioServerInfo = { kind: 'pulseaudio', version: '16.1', name: 'pulseaudio 16.1' };

/** Records what would be sent; answers list-codecs/get-codec with canned text. */
function fakeConnection(calls: string[]): Connection {
  const client = {
    protocol: 35,
    _invoke: async (cmd: { body: Buffer }) => {
      const text = cmd.body.toString('latin1');
      calls.push(text.replace(/[^\x20-\x7e]+/g, ' ').trim());
      const reply = text.includes('list-codecs') ? paList : text.includes('get-codec') ? '"sbc"' : '';
      return { getString: () => reply, getUInt32: () => 0 };
    },
  };
  return { call: async (_what: string, fn: (c: unknown) => Promise<unknown>) => fn(client) } as unknown as Connection;
}

t.test('switching: card profile on PipeWire, message on PulseAudio; unsupported is an error', async (t) => {
  const calls: string[] = [];
  const conn = fakeConnection(calls);
  await switchCodec(conn, pipewire, snap, speaker, 'sbc_xq');
  t.match(calls.pop(), /bluez_card\.AA_BB_CC_DD_EE_FF.*a2dp-sink-sbc_xq/, 'SET_CARD_PROFILE a2dp-sink-sbc_xq');
  await t.rejects(switchCodec(conn, pipewire, snap, speaker, 'aptx'), { name: 'BluelineError', code: 'unsupported' });
  await t.rejects(switchCodec(conn, pipewire, snap, speaker, 'ldac'), { code: 'unsupported' });
  await t.rejects(switchCodec(conn, pipewire, snap, speaker, 'a"b'), { code: 'invalid' });
  t.equal(calls.length, 0, 'nothing sent for a codec the speaker lacks');

  await switchCodec(conn, pulseaudio, snap, speaker, 'aptx_hd');
  t.match(calls.pop(), /\/card\/bluez_card\.AA_BB_CC_DD_EE_FF\/bluez.*switch-codec.*"aptx_hd"/);
  await t.rejects(switchCodec(conn, pulseaudio, snap, speaker, 'aac'), { code: 'unsupported' });
  t.same((await listCodecs(conn, pulseaudio, snap, speaker)).find((c) => c.active)?.id, 'sbc');

  // a codec the speaker could not play left it without a sink: switching back needs only the card
  const card = cardOfAddress(snap, speaker.address);
  t.equal(card?.name, pwCard.name, 'the card found by the address in its properties');
  await switchCodec(conn, pipewire, snap, { address: speaker.address, card: card!.name }, 'sbc');
  t.match(calls.pop(), /bluez_card\.AA_BB_CC_DD_EE_FF.*a2dp-sink-sbc/, 'SET_CARD_PROFILE a2dp-sink-sbc without a sink');
  t.equal(cardOfAddress(snap, '00:11:22:33:44:55'), null);

  const noCard = { ...speaker, card: null };
  await t.rejects(listCodecs(conn, pipewire, snap, noCard), { code: 'unsupported' });
});
