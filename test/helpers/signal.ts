/**
 * Signals for audio tests and benches: play into the fake USB card, record "the room"
 * (air.monitor, 6 channels), and analyse: level, frequency (zero crossings + Goertzel),
 * click onsets. Float32 throughout.
 */
import type { RecordStream } from 'pulseaudio.js';
import type { ProtocolClient } from '../../daemon/src/audio/protocol.js';
import { RATE } from '../../daemon/src/audio/streams.js';
import { AIR_CHANNELS } from './audio-servers.js';
import { onsetsAt } from './onsets.js';

const FLOAT32LE = 5;
/** pa_channel_position_t values */
const POSITION: Record<string, number> = { 'front-left': 1, 'front-right': 2, 'rear-left': 5, 'rear-right': 6, 'side-left': 10, 'side-right': 11 };

export { RATE };

/** Stereo float32le: `left`/`right` are functions of the sample index. */
export function stereo(seconds: number, left: (i: number) => number, right: (i: number) => number): Buffer {
  const frames = Math.round(seconds * RATE);
  const buf = Buffer.alloc(frames * 8);
  for (let i = 0; i < frames; i++) {
    buf.writeFloatLE(left(i), i * 8);
    buf.writeFloatLE(right(i), i * 8 + 4);
  }
  return buf;
}

export const sine = (hz: number, amplitude: number) => (i: number) => amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
export const silence = () => 0;

/** Clicks: `count` 1 ms pulses every `intervalMs`, after `leadMs` of silence. */
export function clicks(count: number, intervalMs: number, leadMs = 300, amplitude = 0.5): (i: number) => number {
  const per = Math.round((intervalMs / 1000) * RATE);
  const lead = Math.round((leadMs / 1000) * RATE);
  const width = RATE / 1000;
  return (i) => {
    const j = i - lead;
    if (j < 0 || j >= count * per) return 0;
    return j % per < width ? amplitude : 0;
  };
}

/** Plays `signal` into `sink`; `bufferMs` is the server-side buffer (more rides out a busy test process). */
export async function play(client: ProtocolClient, sink: string, signal: Buffer, bufferMs = 100): Promise<void> {
  const stream = await client.createPlaybackStream({
    sampleSpec: { format: FLOAT32LE, channels: 2, rate: RATE },
    name: sink,
    targetLength: Math.round((bufferMs / 1000) * RATE) * 8,
    adjustLatency: true,
    properties: { 'media.name': 'test signal' },
  });
  stream.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('close', () => resolve());
    stream.end(signal);
  });
}

/** Records air.monitor for `seconds`; returns one Float32Array per air channel. */
export async function recordAir(client: ProtocolClient, seconds: number, during?: () => Promise<void>): Promise<Float32Array[]> {
  const stream: RecordStream = await client.createRecordStream({
    sampleSpec: { format: FLOAT32LE, channels: AIR_CHANNELS.length, rate: RATE },
    channelMap: AIR_CHANNELS.map((c) => POSITION[c]),
    name: 'air.monitor',
    noRemix: true,
    noRemap: true,
    fragmentSize: 4 * AIR_CHANNELS.length * 480,
    adjustLatency: true,
    properties: { 'media.name': 'test recorder' },
  });
  stream.on('error', () => undefined);
  const wanted = Math.round(seconds * RATE) * 4 * AIR_CHANNELS.length;
  const chunks: Buffer[] = [];
  let have = 0;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => {
      chunks.push(c);
      have += c.length;
      if (have >= wanted) resolve();
    });
    stream.once('error', reject);
    // a stalled graph must fail the test, not hang it
    timer = setTimeout(() => reject(new Error(`recording got ${have} of ${wanted} bytes in time`)), seconds * 1000 + 15000);
  });
  const work = during?.();
  try {
    await done;
    await work;
  } finally {
    clearTimeout(timer);
    stream.destroy();
  }
  const all = Buffer.concat(chunks).subarray(0, wanted);
  const frames = all.length / (4 * AIR_CHANNELS.length);
  const out = AIR_CHANNELS.map(() => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < AIR_CHANNELS.length; c++) out[c]![f] = all.readFloatLE((f * AIR_CHANNELS.length + c) * 4);
  }
  return out;
}

export function rmsDb(x: Float32Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return 10 * Math.log10(sum / Math.max(1, to - from) + 1e-20);
}

/** The loudest stretch of `ms` milliseconds (where the tone is). */
export function loudest(x: Float32Array, ms: number): [number, number] {
  const n = Math.round((ms / 1000) * RATE);
  let best = 0;
  let bestAt = 0;
  for (let at = 0; at + n <= x.length; at += n / 4) {
    const level = rmsDb(x, at, at + n);
    if (level > best || bestAt === 0) [best, bestAt] = [level, at];
  }
  return [bestAt, bestAt + n];
}

/**
 * Frequency of a tone: the median over 50 ms windows of the rising-zero-crossing estimate,
 * so one dropout on a loaded machine does not skew it.
 */
export function frequency(x: Float32Array, from = 0, to = x.length): number {
  const win = RATE / 20;
  const estimates: number[] = [];
  for (let at = from; at + win <= to; at += win) estimates.push(crossingFrequency(x, at, at + win));
  return estimates.length ? median(estimates) : crossingFrequency(x, from, to);
}

function crossingFrequency(x: Float32Array, from: number, to: number): number {
  const crossings: number[] = [];
  for (let i = from + 1; i < to; i++) {
    if (x[i - 1]! < 0 && x[i]! >= 0) crossings.push(i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!));
  }
  if (crossings.length < 2) return 0;
  return ((crossings.length - 1) * RATE) / (crossings[crossings.length - 1]! - crossings[0]!);
}

/** Relative power at `hz` (Goertzel), in dB re full-scale sine. */
export function goertzelDb(x: Float32Array, hz: number, from = 0, to = x.length): number {
  const k = (2 * Math.PI * hz) / RATE;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = x[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  const n = to - from;
  return 10 * Math.log10((4 * power) / (n * n) + 1e-20);
}

/** Sample positions where a click starts, at the harness's sample rate (see onsets.ts). */
export function onsets(x: Float32Array, threshold = 0.1, gapMs = 50): number[] {
  return onsetsAt(x, RATE, threshold, gapMs);
}

/** Pairs each reference onset with the first later onset within `maxMs`; returns delays in ms. */
export function pairDelaysMs(reference: number[], delayed: number[], maxMs: number): number[] {
  const max = (maxMs / 1000) * RATE;
  const out: number[] = [];
  let j = 0;
  for (const r of reference) {
    while (j < delayed.length && delayed[j]! < r) j++;
    const d = delayed[j];
    if (d !== undefined && d - r <= max) out.push(((d - r) * 1000) / RATE);
  }
  return out;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
