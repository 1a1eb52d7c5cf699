// Sinks and sources as a server with real sound cards writes them (null sinks have no ports, so the
// server tests never see this layout): built byte by byte after pulsecore/protocol-native.c.
import t from 'tap';
import { PA_TAG, TagStruct } from 'pulseaudio.js/dist/packet.js';
import { parseDevice } from '../../daemon/src/audio/protocol.js';

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
