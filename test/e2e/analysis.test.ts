// The lab's signal analysis and H4 framing on synthetic input (no QEMU): fast, part of `npm test`.
import t from 'tap';
import { analyseTone, clickOnsets, frameTime, matchClicks, median, readWav } from './host/analysis.js';
import { ACL_BUFFERS, ACL_MTU, AclBuffer, H4Splitter, h4PacketLength } from './host/h4-framer.js';

const RATE = 48000;

function sine(seconds: number, hz: number, amp: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / RATE);
  return x;
}

t.test('tone: frequency, level, and a 30 ms dropout are found', async (t) => {
  const x = sine(4, 1000, 0.5);
  const clean = analyseTone(x, RATE, 0.5 / Math.SQRT2);
  t.ok(Math.abs(clean.frequencyHz - 1000) < 0.1, `frequency ${clean.frequencyHz}`);
  t.ok(Math.abs(clean.levelDb) < 0.05, `level ${clean.levelDb}`);
  t.same(clean.gapsMs, []);

  x.fill(0, 2 * RATE, 2 * RATE + 0.03 * RATE);
  const gappy = analyseTone(x, RATE, 0.5 / Math.SQRT2);
  t.equal(gappy.gapsMs.length, 1);
  t.ok(gappy.gapsMs[0]! >= 25 && gappy.gapsMs[0]! <= 35, `gap ${gappy.gapsMs[0]}`);

  const quiet = analyseTone(sine(4, 1000, 0.25), RATE, 0.5 / Math.SQRT2);
  t.ok(Math.abs(quiet.levelDb + 6.02) < 0.1, `-6 dB: ${quiet.levelDb}`);
  t.equal(analyseTone(new Float32Array(RATE), RATE, 0.35).onsetFrame, -1, 'silence has no onset');
});

t.test('clicks: onsets, and latency matched despite lost clicks', async (t) => {
  const x = new Float32Array(3 * RATE);
  for (const at of [0.1, 0.7, 1.4, 2.2]) x.set(sine(0.01, 3000, 0.8), Math.round(at * RATE));
  const onsets = clickOnsets(x, RATE);
  t.equal(onsets.length, 4);
  t.ok(Math.abs(onsets[0]! - 0.1 * RATE) < 10);

  const sent = [0, 600, 1300, 2100, 2700, 3400];
  const received = [600, 1300, 2700, 3400].map((s) => s + 250 + (s % 7));
  const latencies = matchClicks(sent, received);
  t.equal(latencies.length, 4);
  t.ok(Math.abs(median(latencies) - 253) < 5, `median ${median(latencies)}`);
});

t.test('anchors: frame times use the earliest estimate', async (t) => {
  const anchors: [number, number][] = [];
  for (let f = 480; f <= 4 * RATE; f += 480) anchors.push([f, 1000 + (f * 1000) / RATE + (f % 1440 === 0 ? 7 : 0) + (f > 2 * RATE ? 40 : 0)]);
  const a = { rate: RATE, anchors };
  t.ok(Math.abs(frameTime(a, RATE) - 2000) < 0.01, 'jitter ignored');
  t.ok(Math.abs(frameTime(a, 3 * RATE) - 4040) < 0.01, 'a stall moves later frames later');
});

t.test('WAV reader', async (t) => {
  const frames = 4;
  const buf = Buffer.alloc(44 + frames * 4);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + frames * 4, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(2, 22);
  buf.writeUInt32LE(RATE, 24); buf.writeUInt32LE(RATE * 4, 28); buf.writeUInt16LE(4, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(frames * 4, 40);
  buf.writeInt16LE(16384, 44); buf.writeInt16LE(-16384, 46);
  const { rate, channels } = readWav(buf);
  t.equal(rate, RATE);
  t.equal(channels.length, 2);
  t.equal(channels[0]![0], 0.5);
  t.equal(channels[1]![0], -0.5);
});

t.test('H4 framing: whole packets only', async (t) => {
  t.equal(h4PacketLength(Buffer.from([0x01, 0x03, 0x0c, 0x00])), 4, 'HCI_Reset');
  t.equal(h4PacketLength(Buffer.from([0x02, 0x2a, 0x20])), 0, 'ACL header incomplete');
  t.equal(h4PacketLength(Buffer.from([0x02, 0x2a, 0x20, 0x0a, 0x00])), 15, 'ACL with 10 bytes');
  t.throws(() => h4PacketLength(Buffer.from([0x07])), 'no such packet type');
  const split = new H4Splitter();
  t.same(split.push(Buffer.from([0x02, 0x2a])), []);
  t.same(split.push(Buffer.from([0x00, 0x01, 0x00, 0xff, 0x01])).map((p) => p.length), [6], 'one whole ACL packet, the rest kept');
});

t.test('ACL buffer: announces bigger and more buffers, feeds the air one at a time', async (t) => {
  const air: Buffer[] = [];
  const guest: Buffer[] = [];
  const b = new AclBuffer((p) => air.push(p), (p) => guest.push(p));
  // Read Buffer Size complete from btvirt: 1 ACL buffer
  b.fromAir(Buffer.from([0x04, 0x0e, 0x0b, 0x01, 0x05, 0x10, 0x00, 0xc0, 0x00, 0x40, 0x01, 0x00, 0x08, 0x00]));
  t.equal(guest[0]!.readUInt16LE(10), ACL_BUFFERS, 'guest sees more buffers');
  t.equal(guest[0]!.readUInt16LE(7), ACL_MTU, 'guest sees bigger buffers (btvirt says 192 bytes)');
  const acl = (n: number) => Buffer.from([0x02, 0x2a, 0x20, 0x01, 0x00, n]);
  b.fromGuest(acl(1));
  b.fromGuest(acl(2));
  t.equal(air.length, 1, 'second packet waits for a completed-packets event');
  b.fromAir(Buffer.from([0x04, 0x13, 0x05, 0x01, 0x2a, 0x00, 0x01, 0x00]));
  t.equal(air.length, 2);
  t.equal(air[1]![5], 2);
  t.equal(guest.length, 2, 'the event is passed on');
});
