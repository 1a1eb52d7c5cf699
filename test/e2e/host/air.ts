/**
 * What reached the speaker's radio: the A2DP media packets in the speaker guest's btmon
 * capture, decoded with the reference SBC decoder (sbcdec, from sbc-tools).
 *
 * Why not only the recording made through the emulated speaker's own audio stack? On a
 * two-core TCG host the speaker guest is itself starved of CPU: its kernel and bluez-alsa
 * drop whole SBC frames after they arrived complete and in order. That is the emulated
 * speaker's loss, not the transmitter's; the air capture tells the two apart.
 *
 * Pure parsing here (unit-tested in test/e2e/air.test.ts); decoding spawns sbcdec.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One RTP media packet as received by a controller. */
export interface MediaPacket {
  /** capture time, ms (the speaker guest's wall clock) */
  atMs: number;
  seq: number;
  rtpTimestamp: number;
  frames: number;
  /** SBC frames, without the RTP and media payload headers */
  sbc: Buffer;
}

const BTSNOOP_MAGIC = 'btsnoop\0';
const MONITOR_ACL_RX = 5;
/** btsnoop timestamps count microseconds from year 0; this is 1970-01-01 in that count */
const BTSNOOP_EPOCH_US = 0x00dcddb30f2f8000n;

export interface SnoopRecord { offset: number; index: number; opcode: number; atMs: number; data: Buffer }

/** Records of a btmon (monitor format) capture, each with its file offset. */
export function readSnoop(buf: Buffer): SnoopRecord[] {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== BTSNOOP_MAGIC) throw new Error('not a btsnoop file');
  const records: SnoopRecord[] = [];
  let offset = 16;
  while (offset + 24 <= buf.length) {
    const included = buf.readUInt32BE(offset + 4);
    const flags = buf.readUInt32BE(offset + 8);
    const us = buf.readBigInt64BE(offset + 16);
    if (offset + 24 + included > buf.length) break; // the writer is mid-record
    records.push({ offset, index: flags >>> 16, opcode: flags & 0xffff, atMs: Number(us - BTSNOOP_EPOCH_US) / 1000, data: buf.subarray(offset + 24, offset + 24 + included) });
    offset += 24 + included;
  }
  return records;
}

/**
 * A2DP media packets received by controller `index`, from records at or after `fromOffset`.
 * L2CAP frames are reassembled from ACL fragments; RTP is recognised by version 2 and a
 * dynamic payload type on a dynamic channel (AVDTP signalling never looks like that).
 */
export function mediaPackets(records: SnoopRecord[], index: number, fromOffset = 0): MediaPacket[] {
  const packets: MediaPacket[] = [];
  const partial = new Map<number, { atMs: number; need: number; parts: Buffer[] }>();
  for (const r of records) {
    if (r.offset < fromOffset || r.index !== index || r.opcode !== MONITOR_ACL_RX || r.data.length < 4) continue;
    const handle = r.data.readUInt16LE(0) & 0x0fff;
    const boundary = (r.data.readUInt16LE(0) >> 12) & 0x3;
    const body = r.data.subarray(4);
    let frame: { atMs: number; need: number; parts: Buffer[] } | undefined;
    if (boundary === 0x1) {
      frame = partial.get(handle);
      if (!frame) continue;
      frame.parts.push(body);
    } else {
      if (body.length < 4) continue;
      frame = { atMs: r.atMs, need: 4 + body.readUInt16LE(0), parts: [body] };
      partial.set(handle, frame);
    }
    const l2cap = Buffer.concat(frame.parts);
    if (l2cap.length < frame.need) continue;
    partial.delete(handle);
    const cid = l2cap.readUInt16LE(2);
    const p = l2cap.subarray(4, frame.need);
    if (cid < 0x40 || p.length < 13 || p[0]! >> 6 !== 2 || (p[1]! & 0x7f) < 96) continue;
    const header = 12 + 4 * (p[0]! & 0x0f);
    if (p.length <= header + 1) continue;
    packets.push({ atMs: frame.atMs, seq: p.readUInt16BE(2), rtpTimestamp: p.readUInt32BE(4), frames: p[header]! & 0x0f, sbc: p.subarray(header + 1) });
  }
  return packets;
}

/** Samples per channel in one SBC frame, from its header (blocks × subbands). */
export function sbcFrameSamples(sbc: Buffer): number {
  if (sbc.length < 2 || sbc[0] !== 0x9c) throw new Error('not an SBC frame');
  const blocks = 4 * (1 + ((sbc[1]! >> 4) & 0x3));
  const subbands = sbc[1]! & 0x1 ? 8 : 4;
  return blocks * subbands;
}

export interface StreamContinuity {
  /** audio missing from the stream (ms each): the RTP clock jumping ahead of the samples sent */
  lostMs: number[];
  /** how late the latest packet was against the stream's own clock (max minus min delay), ms */
  arrivalJitterMs: number;
}

/** Continuity of a received stream: lost audio (by the RTP clock) and arrival jitter. */
export function continuity(packets: MediaPacket[], rate: number): StreamContinuity {
  const lostMs: number[] = [];
  let minDelay = Infinity;
  let maxDelay = -Infinity;
  let unwrapped = 0;
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i]!;
    if (i > 0) {
      const prev = packets[i - 1]!;
      const perFrame = sbcFrameSamples(prev.sbc);
      const step = (p.rtpTimestamp - prev.rtpTimestamp) >>> 0;
      // packets lost on the air also show here: the next one's timestamp is further ahead
      const skipped = step - prev.frames * perFrame;
      if (skipped > 0) lostMs.push((skipped * 1000) / rate);
      unwrapped += step;
    }
    const delay = p.atMs - (unwrapped * 1000) / rate;
    minDelay = Math.min(minDelay, delay);
    maxDelay = Math.max(maxDelay, delay);
  }
  return { lostMs, arrivalJitterMs: packets.length ? maxDelay - minDelay : 0 };
}

/** Decodes the packets' SBC frames with sbcdec; returns the first channel. */
export function decodeSbc(packets: MediaPacket[]): { rate: number; samples: Float32Array } {
  if (!packets.length) return { rate: 48000, samples: new Float32Array(0) };
  const dir = mkdtempSync(join(tmpdir(), 'lab-sbc-'));
  try {
    writeFileSync(join(dir, 'in.sbc'), Buffer.concat(packets.map((p) => p.sbc)));
    execFileSync('sbcdec', ['-f', join(dir, 'out.au'), join(dir, 'in.sbc')], { stdio: 'ignore', timeout: 60_000 });
    return readAu(readFileSync(join(dir, 'out.au')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sun .au, 16-bit linear PCM (what sbcdec writes) -> first channel as floats. */
export function readAu(buf: Buffer): { rate: number; samples: Float32Array } {
  if (buf.length < 24 || buf.readUInt32BE(0) !== 0x2e736e64) throw new Error('not an .au file');
  const dataOffset = buf.readUInt32BE(4);
  if (buf.readUInt32BE(12) !== 3) throw new Error('only 16-bit linear .au');
  const rate = buf.readUInt32BE(16);
  const channels = buf.readUInt32BE(20);
  const frames = Math.floor((buf.length - dataOffset) / (2 * channels));
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) samples[i] = buf.readInt16BE(dataOffset + 2 * i * channels) / 32768;
  return { rate, samples };
}
