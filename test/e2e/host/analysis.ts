/**
 * Analysis of what the probes sent and recorded: tone frequency, level and gaps; click
 * onsets matched between sender and receiver on the host's clock. Pure functions (unit-tested
 * in test/e2e/analysis.test.ts with synthetic signals).
 */
import { onsetsAt } from '../../helpers/onsets.js';

export interface Anchors { rate: number; anchors: [number, number][] }

/** 16-bit PCM WAV -> first channel as floats in -1..1, and the second if present. */
export function readWav(buf: Buffer): { rate: number; channels: Float32Array[] } {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file');
  let offset = 12;
  let rate = 0;
  let nch = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      nch = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      if (buf.readUInt16LE(body + 14) !== 16) throw new Error('only 16-bit WAV');
    } else if (id === 'data') {
      const end = Math.min(buf.length, body + size);
      const frames = Math.floor((end - body) / (2 * nch));
      const channels = Array.from({ length: nch }, () => new Float32Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < nch; c++) channels[c]![i] = buf.readInt16LE(body + 2 * (i * nch + c)) / 32768;
      }
      return { rate, channels };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV without data');
}

/**
 * Time (probe clock, ms) of frame f. Each anchor gives "stream start" = t - frames/rate; a late
 * measurement only makes it later, so the smallest value near f is the best estimate.
 */
export function frameTime(a: Anchors, frame: number, windowFrames = a.rate / 2): number {
  let best = Infinity;
  for (const [end, t] of a.anchors) {
    if (Math.abs(end - frame) > windowFrames) continue;
    best = Math.min(best, t - (end * 1000) / a.rate);
  }
  if (best === Infinity) {
    for (const [end, t] of a.anchors) best = Math.min(best, t - (end * 1000) / a.rate);
  }
  return best + (frame * 1000) / a.rate;
}

function rms(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

export interface ToneResult {
  /** first frame where the tone is present, or -1 */
  onsetFrame: number;
  analysedSeconds: number;
  frequencyHz: number;
  rms: number;
  levelDb: number;
  /** silent stretches (ms) inside the analysed part */
  gapsMs: number[];
}

/** Tone analysis after skipping the first skipSeconds after the tone's onset. */
export function analyseTone(x: Float32Array, rate: number, expectedRms: number, skipSeconds = 1): ToneResult {
  const win = Math.round(rate * 0.005);
  const threshold = expectedRms * 0.1; // -20 dB
  let onset = -1;
  for (let i = 0; i + win <= x.length; i += win) {
    if (rms(x, i, i + win) > threshold) { onset = i; break; }
  }
  const empty = { onsetFrame: onset, analysedSeconds: 0, frequencyHz: 0, rms: 0, levelDb: -Infinity, gapsMs: [] };
  if (onset < 0) return empty;
  const from = onset + Math.round(skipSeconds * rate);
  // the end: the last window above threshold (the sender stopped there)
  let to = x.length;
  while (to - win > from && rms(x, to - win, to) <= threshold) to -= win;
  if (to - from < rate / 2) return { ...empty, analysedSeconds: (to - from) / rate };

  const gapsMs: number[] = [];
  let run = 0;
  for (let i = from; i + win <= to; i += win) {
    if (rms(x, i, i + win) <= threshold) run += win;
    else { if (run > 0) gapsMs.push((run * 1000) / rate); run = 0; }
  }

  let first = -1;
  let lastCrossing = -1;
  let count = 0;
  for (let i = from + 1; i < to; i++) {
    const a = x[i - 1]!;
    const b = x[i]!;
    if (a < 0 && b >= 0) {
      const t = i - 1 + a / (a - b);
      if (first < 0) first = t;
      lastCrossing = t;
      count++;
    }
  }
  const frequencyHz = count > 1 ? ((count - 1) * rate) / (lastCrossing - first) : 0;
  const level = rms(x, from, to);
  return { onsetFrame: onset, analysedSeconds: (to - from) / rate, frequencyHz, rms: level, levelDb: 20 * Math.log10(level / expectedRms), gapsMs };
}

/** Click onsets (frames): crossing 30 % of the recording's peak after at least 200 ms of quiet. */
export function clickOnsets(x: Float32Array, rate: number): number[] {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  if (peak < 0.02) return [];
  return onsetsAt(x, rate, peak * 0.3, 200);
}

/**
 * Latencies: every received click against every sent one; the most common difference (within
 * tolerance) is the true latency, and each received click keeps its difference nearest to it.
 */
export function matchClicks(sentMs: number[], receivedMs: number[], toleranceMs = 30): number[] {
  const diffs = receivedMs.flatMap((r) => sentMs.map((s) => r - s).filter((d) => d > 0 && d < 5000));
  let bestCentre = NaN;
  let bestVotes = 0;
  for (const d of diffs) {
    const votes = diffs.filter((e) => Math.abs(e - d) <= toleranceMs).length;
    if (votes > bestVotes) { bestVotes = votes; bestCentre = d; }
  }
  if (Number.isNaN(bestCentre)) return [];
  const latencies: number[] = [];
  for (const r of receivedMs) {
    const near = sentMs.map((s) => r - s).filter((d) => Math.abs(d - bestCentre) <= toleranceMs * 3);
    if (near.length) latencies.push(near.reduce((a, b) => (Math.abs(a - bestCentre) < Math.abs(b - bestCentre) ? a : b)));
  }
  return latencies;
}

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
