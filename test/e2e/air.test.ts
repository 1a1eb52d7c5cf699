// The lab's air capture (test/e2e/host/air.ts) on synthetic btmon files, and a real SBC
// round trip through sbcenc/sbcdec (sbc-tools, installed from .ci/packages/lab.txt).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { continuity, decodeSbc, mediaPackets, readAu, readSnoop, sbcFrameSamples, type MediaPacket } from './host/air.js';
import { analyseTone } from './host/analysis.js';

const EPOCH_1970_US = 0x00dcddb30f2f8000n;

/** A btmon (monitor format) file from [index, opcode, ms, payload] records. */
function snoop(records: [number, number, number, Buffer][]): Buffer {
  const header = Buffer.alloc(16);
  header.write('btsnoop\0', 0, 'latin1');
  header.writeUInt32BE(1, 8);
  header.writeUInt32BE(2001, 12);
  const parts: Buffer[] = [header];
  for (const [index, opcode, ms, data] of records) {
    const r = Buffer.alloc(24);
    r.writeUInt32BE(data.length, 0);
    r.writeUInt32BE(data.length, 4);
    r.writeUInt32BE(((index << 16) | opcode) >>> 0, 8);
    r.writeBigInt64BE(EPOCH_1970_US + BigInt(Math.round(ms * 1000)), 16);
    parts.push(r, data);
  }
  return Buffer.concat(parts);
}

/** An ACL packet: handle 0x2a with boundary flag, carrying bytes. */
function acl(boundary: number, bytes: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(0x2a | (boundary << 12), 0);
  h.writeUInt16LE(bytes.length, 2);
  return Buffer.concat([h, bytes]);
}

function l2cap(cid: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(payload.length, 0);
  h.writeUInt16LE(cid, 2);
  return Buffer.concat([h, payload]);
}

/** RTP (payload type 96) + SBC media header + fake frames starting with the SBC sync byte. */
function rtp(seq: number, timestamp: number, frames: number): Buffer {
  const h = Buffer.alloc(13);
  h[0] = 0x80;
  h[1] = 96;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(timestamp, 4);
  h[12] = frames;
  // 48 kHz, 16 blocks, joint stereo, loudness, 8 subbands: 128 samples a frame
  const frame = Buffer.from([0x9c, 0xff, 0x35, 0x00]);
  return Buffer.concat([h, ...Array.from({ length: frames }, () => frame)]);
}

t.test('media packets: reassembled from ACL fragments; signalling, other controllers and earlier records ignored', async (t) => {
  const media = l2cap(0x41, rtp(7, 1000, 2));
  const file = snoop([
    [0, 5, 1, acl(2, l2cap(0x40, Buffer.from([0x00, 0x01])))], // AVDTP Discover on the signalling channel
    [1, 5, 2, acl(2, l2cap(0x41, rtp(99, 0, 1)))], // the other speaker
    [0, 5, 3, acl(2, media.subarray(0, 10))],
    [0, 5, 4, acl(1, media.subarray(10))],
    [0, 4, 5, acl(2, l2cap(0x41, rtp(50, 0, 1)))], // sent, not received
  ]);
  const records = readSnoop(file);
  t.equal(records.length, 5);
  t.ok(Math.abs(records[0]!.atMs - 1) < 0.01, 'timestamps in ms since 1970');
  const packets = mediaPackets(records, 0);
  t.equal(packets.length, 1);
  t.match(packets[0], { seq: 7, rtpTimestamp: 1000, frames: 2, atMs: 3 });
  t.equal(packets[0]!.sbc.length, 8);
  t.equal(sbcFrameSamples(packets[0]!.sbc), 128);
  t.same(mediaPackets(records, 0, records[3]!.offset), [], 'a start offset after the first fragment drops it');
  t.same(mediaPackets(readSnoop(file.subarray(0, file.length - 3)), 1).length, 1, 'a record being written is left out');
  t.throws(() => readSnoop(Buffer.from('not a capture at all')), /btsnoop/);
});

t.test('continuity: a jump of the RTP clock is lost audio; arrival jitter against the stream clock', async (t) => {
  const frame = Buffer.from([0x9c, 0xff, 0x35, 0x00]);
  const packet = (seq: number, ts: number, atMs: number): MediaPacket => ({ atMs, seq, rtpTimestamp: ts, frames: 7, sbc: Buffer.concat(Array(7).fill(frame)) });
  const step = 7 * 128; // 18.67 ms at 48 kHz
  const steady = [0, 1, 2, 3].map((i) => packet(i, i * step, 100 + (i * step * 1000) / 48000));
  t.same(continuity(steady, 48000), { lostMs: [], arrivalJitterMs: 0 });

  const late = steady.map((p, i) => (i === 2 ? { ...p, atMs: p.atMs + 40 } : p));
  t.ok(Math.abs(continuity(late, 48000).arrivalJitterMs - 40) < 1e-6, 'one packet 40 ms late');

  const dropped = [steady[0]!, steady[1]!, packet(3, 3 * step, steady[3]!.atMs)]; // packet 2 never arrived
  const c = continuity(dropped, 48000);
  t.equal(c.lostMs.length, 1);
  t.ok(Math.abs(c.lostMs[0]! - (step * 1000) / 48000) < 1e-6, `lost ${c.lostMs[0]} ms`);

  const wrapped = [packet(0, 0xffffffff - step + 1, 0), packet(1, 0, (step * 1000) / 48000)];
  t.same(continuity(wrapped, 48000).lostMs, [], 'the RTP clock wraps without loss');
});

t.test('SBC round trip: a 1 kHz tone through sbcenc, packets, and decodeSbc (sbcdec)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'air-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const rate = 48000;
  const seconds = 2;
  const au = Buffer.alloc(24 + seconds * rate * 4);
  au.writeUInt32BE(0x2e736e64, 0);
  au.writeUInt32BE(24, 4);
  au.writeUInt32BE(seconds * rate * 4, 8);
  au.writeUInt32BE(3, 12);
  au.writeUInt32BE(rate, 16);
  au.writeUInt32BE(2, 20);
  for (let i = 0; i < seconds * rate; i++) {
    const v = Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * 1000 * i) / rate));
    au.writeInt16BE(v, 24 + 4 * i);
    au.writeInt16BE(v, 26 + 4 * i);
  }
  t.equal(readAu(au).samples.length, seconds * rate, 'readAu: first channel of a stereo file');
  writeFileSync(join(dir, 'tone.au'), au);
  const encoded = execFileSync('sbcenc', ['-s', '8', '-B', '16', '-b', '53', '-j', join(dir, 'tone.au')], { maxBuffer: 16 << 20 });
  const frameLength = Math.round(encoded.length / ((seconds * rate) / 128));
  const frames = Array.from({ length: Math.floor(encoded.length / frameLength) }, (_, i) => encoded.subarray(i * frameLength, (i + 1) * frameLength));
  t.ok(frames.every((f) => f[0] === 0x9c), 'whole SBC frames');
  const packets: MediaPacket[] = [];
  for (let i = 0; i + 7 <= frames.length; i += 7) packets.push({ atMs: i, seq: i / 7, rtpTimestamp: i * 128, frames: 7, sbc: Buffer.concat(frames.slice(i, i + 7)) });
  const decoded = decodeSbc(packets);
  t.equal(decoded.rate, rate);
  const tone = analyseTone(decoded.samples, rate, 0.5 / Math.SQRT2, 0.2);
  t.ok(Math.abs(tone.frequencyHz - 1000) < 1, `frequency ${tone.frequencyHz}`);
  t.ok(Math.abs(tone.levelDb) < 0.5, `level ${tone.levelDb}`);
  t.same(tone.gapsMs, []);
});
