// Sinks, sources and cards as a server with real sound cards writes them (null sinks have no
// ports or cards, so the server tests never see this layout): built byte by byte after
// pulsecore/protocol-native.c and pipewire-pulse's pulse-server.c.
import t from 'tap';
import { PA_TAG, TagStruct } from 'pulseaudio.js/dist/packet.js';
import { codecsFromCard } from '../../daemon/src/audio/codecs.js';
import { parseCard, parseDevice } from '../../daemon/src/audio/protocol.js';

function addUsec(s: TagStruct, value: bigint): void {
  s.alloc(9);
  s.body[s.i++] = PA_TAG.USEC;
  s.i = s.body.writeBigUInt64BE(value, s.i);
}

interface Port {
  name: string;
  group: string | null;
}

function writeDevice(s: TagStruct, version: number, index: number, name: string, ports: Port[], isSource: boolean): void {
  s.addUInt32(index);
  s.addString(name);
  s.addString(`${name} (description, ünïcødé)`);
  s.addSampleSpec({ format: 3, channels: 2, rate: 48000 });
  s.addChannelMap([1, 2]);
  s.addUInt32(7); // owner module
  s.addCvolume([65536, 32768]);
  s.addBool(false);
  s.addUInt32(isSource ? 0xffffffff : 40 + index); // monitor
  s.addString(isSource ? null : `${name}.monitor`);
  addUsec(s, 12000n);
  s.addString('alsa');
  s.addUInt32(0x1f);
  s.addProps({ device: { bus: 'usb', string: 'front:1' } } as never);
  addUsec(s, 0n);
  s.addVolume(65536);
  s.addUInt32(0); // state: running
  s.addUInt32(65537);
  s.addUInt32(3); // card
  s.addUInt32(ports.length);
  for (const port of ports) {
    s.addString(port.name);
    s.addString(`${port.name} description`);
    s.addUInt32(100);
    if (version >= 24) s.addUInt32(2);
    if (version >= 34) {
      s.addString(port.group);
      s.addUInt32(4); // type: line
    }
  }
  s.addString(ports[0]?.name ?? null);
  if (version >= (isSource ? 22 : 21)) {
    s.addUInt8(1);
    s.addFormatInfo(1, {});
  }
}

for (const version of [32, 35]) {
  for (const isSource of [false, true]) {
    t.test(`protocol ${version}: a ${isSource ? 'source' : 'sink'} list with ports parses field by field`, async (t) => {
      const s = new TagStruct();
      writeDevice(s, version, 1, 'alsa_input.usb-Generic_USB_Audio-00.analog-stereo', [{ name: 'analog-input-linein', group: 'Legacy 1' }, { name: 'analog-input-mic', group: null }], isSource);
      writeDevice(s, version, 2, 'second', [], isSource);
      const written = s.i;
      s.i = 0;
      const body = s.body.subarray(0, written);
      const reply = new TagStruct(undefined, body);
      const first = parseDevice(reply, version, isSource);
      const second = parseDevice(reply, version, isSource);
      t.equal(reply.i, body.length, 'consumed exactly the list');
      t.equal(first.name, 'alsa_input.usb-Generic_USB_Audio-00.analog-stereo');
      t.match(first.description, /ünïcødé/);
      t.same(first.sampleSpec, { format: 3, channels: 2, rate: 48000 });
      t.same(first.volume, [65536, 32768]);
      t.equal(first.card, 3);
      t.equal(first.monitorIndex, isSource ? 0xffffffff : 41);
      t.equal(first.props['device.bus'], 'usb');
      t.same(first.ports.map((p) => p.name), ['analog-input-linein', 'analog-input-mic']);
      t.equal(first.activePort, 'analog-input-linein');
      t.equal(second.name, 'second');
      t.same(second.ports, []);
    });
  }
}

function addS64(s: TagStruct, value: bigint): void {
  s.alloc(9);
  s.body[s.i++] = PA_TAG.S64;
  s.i = s.body.writeBigInt64BE(value, s.i);
}

/** A Bluetooth card as pipewire-pulse 0.3.65 writes it (fill_card_info) for a speaker with SBC and SBC-XQ. */
function writeBluetoothCard(s: TagStruct, version: number): void {
  const profiles: [string, number][] = [['off', 0], ['a2dp-sink', 1], ['a2dp-sink-sbc', 1], ['a2dp-sink-sbc_xq', 1], ['a2dp-sink-aptx', 0]];
  s.addUInt32(62);
  s.addString('bluez_card.00_AA_01_00_00_42');
  s.addUInt32(0xffffffff); // owner module
  s.addString('module-bluez5-device.c');
  s.addUInt32(profiles.length);
  for (const [name, sinks] of profiles) {
    s.addString(name);
    s.addString(`${name} description`);
    s.addUInt32(sinks);
    s.addUInt32(0);
    s.addUInt32(16);
    // the profile's availability is a yes/no on the wire: `available != NO`
    if (version >= 29) s.addUInt32(name === 'a2dp-sink-aptx' ? 0 : 1);
  }
  s.addString('a2dp-sink-sbc');
  s.addProps({ device: { api: 'bluez5' } } as never);
  s.addUInt32(1); // ports
  s.addString('bluetooth-output');
  s.addString('Bluetooth');
  s.addUInt32(0);
  s.addUInt32(2); // a port's availability: 2 = yes
  s.addUInt8(1); // direction: output
  s.addProps({ port: { type: 'bluetooth' } } as never);
  s.addUInt32(3);
  for (const name of ['a2dp-sink', 'a2dp-sink-sbc', 'a2dp-sink-sbc_xq']) s.addString(name);
  if (version >= 27) addS64(s, 0n);
  if (version >= 34) {
    s.addString(null);
    s.addUInt32(0);
  }
}

for (const version of [32, 35]) {
  t.test(`protocol ${version}: a Bluetooth card parses, and its available profiles are its codecs`, async (t) => {
    const s = new TagStruct();
    writeBluetoothCard(s, version);
    const written = s.i;
    s.i = 0;
    const reply = new TagStruct(undefined, s.body.subarray(0, written));
    const card = parseCard(reply, version);
    t.equal(reply.i, written, 'consumed exactly the card');
    t.equal(card.activeProfile, 'a2dp-sink-sbc');
    t.same(card.profiles.map((p) => p.available), [true, true, true, true, false]);
    t.same(codecsFromCard(card, 48000).map((c) => `${c.id}${c.active ? '*' : ''}`), ['sbc*', 'sbc_xq'], 'SBC (active) and SBC-XQ; aptX unavailable');
  });
}
