/**
 * Level readings, from one of two streams:
 *
 * PulseAudio: a peak-detect stream. The server sends one float per 10 ms: the largest
 * absolute sample value in that slice. Per reading (10 slices, 100 ms):
 * - peakDb: the largest slice peak, in dBFS;
 * - rmsDb: the RMS of the slice peaks, in dBFS. A peak-detect stream carries no samples, so
 *   this is the RMS of the 10 ms peak envelope. For a steady tone it equals the AES17 RMS
 *   level (full-scale sine = 0 dBFS); for speech it reads a few dB above a true sample RMS.
 *
 * pipewire-pulse 0.3.65 drops the client (and then dies) when asked for a peak-detect stream,
 * so there the meter reads plain stereo 16-bit samples at SAMPLE_RATE and computes the same
 * two figures exactly: peak of the samples, and RMS + 3.01 dB (AES17, so both agree on a sine).
 * 16 kHz 16-bit, resampled by the server with its shortest filter (streams.ts): presence and a
 * level for the panel need no more, and the server's resampling work is what matters on a slow
 * CPU, not the bytes (docs/audio.md, docs/testing.md).
 *
 * Signal present/absent has hysteresis: on as soon as a reading peaks above ON_DB, off only
 * after OFF_HOLD_MS of readings below OFF_DB, so pauses between words do not flap it.
 */
import type { LevelReading } from '../core/ports.js';

export const SLICE_RATE = 100;
export const SAMPLE_RATE = 16000;
/** stereo, so a signal on one channel is not halved by a downmix */
export const SAMPLE_CHANNELS = 2;
const AES17_DB = 3.0103;
export const SLICES_PER_READING = 10;
export const ON_DB = -50;
export const OFF_DB = -60;
export const OFF_HOLD_MS = 2000;
const FLOOR_DB = -120;

export function toDb(value: number): number {
  return value > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(value)) : FLOOR_DB;
}

export class LevelDetector {
  private peak = 0;
  private sumSquares = 0;
  private count = 0;
  private signal = false;
  private quietMs = 0;
  private readonly perReading: number;
  /** bytes per value: float32 peaks, s16 samples */
  readonly width: 2 | 4;

  /**
   * 'peaks': float32le values, each a 10 ms slice peak (mono); 'samples': s16le interleaved
   * stereo samples at SAMPLE_RATE.
   */
  constructor(private readonly mode: 'peaks' | 'samples' = 'peaks') {
    this.perReading = mode === 'peaks' ? SLICES_PER_READING : (SAMPLE_RATE / 10) * SAMPLE_CHANNELS;
    this.width = mode === 'peaks' ? 4 : 2;
  }

  /** Feed raw bytes (see the constructor for their format); returns the readings completed by them. */
  push(bytes: Buffer): LevelReading[] {
    const readings: LevelReading[] = [];
    const width = this.width;
    for (let off = 0; off + width <= bytes.length; off += width) {
      const v = Math.abs(width === 4 ? bytes.readFloatLE(off) : bytes.readInt16LE(off) / 32768);
      if (v > this.peak) this.peak = v;
      this.sumSquares += v * v;
      if (++this.count === this.perReading) {
        const rms = Math.sqrt(this.sumSquares / this.count);
        readings.push(this.reading(this.peak, this.mode === 'peaks' ? toDb(rms) : toDb(rms) + AES17_DB));
        this.peak = this.sumSquares = this.count = 0;
      }
    }
    return readings;
  }

  private reading(peak: number, rmsDb: number): LevelReading {
    const peakDb = toDb(peak);
    const readingMs = 100;
    if (peakDb >= ON_DB) {
      this.signal = true;
      this.quietMs = 0;
    } else if (peakDb < OFF_DB) {
      this.quietMs += readingMs;
      if (this.quietMs >= OFF_HOLD_MS) this.signal = false;
    }
    return { peakDb, rmsDb: Math.min(rmsDb, peakDb), signal: this.signal };
  }
}
