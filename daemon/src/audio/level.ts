/**
 * Level readings from a peak-detect stream. The server sends one float per 10 ms: the largest
 * absolute sample value in that slice. Per reading (10 slices, 100 ms):
 * - peakDb: the largest slice peak, in dBFS;
 * - rmsDb: the RMS of the slice peaks, in dBFS. A peak-detect stream carries no samples, so
 *   this is the RMS of the 10 ms peak envelope. For a steady tone it equals the AES17 RMS
 *   level (full-scale sine = 0 dBFS); for speech it reads a few dB above a true sample RMS.
 * Signal present/absent has hysteresis: on as soon as a reading peaks above ON_DB, off only
 * after OFF_HOLD_MS of readings below OFF_DB, so pauses between words do not flap it.
 */
import type { LevelReading } from '../core/ports.js';

export const SLICE_RATE = 100;
export const SLICES_PER_READING = 10;
export const ON_DB = -50;
export const OFF_DB = -60;
export const OFF_HOLD_MS = 2000;
const FLOOR_DB = -120;

export function toDb(value: number): number {
  return value > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(value)) : FLOOR_DB;
}

export class LevelDetector {
  private slices: number[] = [];
  private signal = false;
  private quietMs = 0;

  /** Feed raw float32le peak bytes; returns the readings completed by them. */
  push(bytes: Buffer): LevelReading[] {
    const readings: LevelReading[] = [];
    for (let off = 0; off + 4 <= bytes.length; off += 4) {
      this.slices.push(Math.abs(bytes.readFloatLE(off)));
      if (this.slices.length === SLICES_PER_READING) {
        readings.push(this.reading(this.slices));
        this.slices = [];
      }
    }
    return readings;
  }

  private reading(slices: number[]): LevelReading {
    const peak = Math.max(...slices);
    const rms = Math.sqrt(slices.reduce((a, v) => a + v * v, 0) / slices.length);
    const peakDb = toDb(peak);
    const readingMs = (1000 * slices.length) / SLICE_RATE;
    if (peakDb >= ON_DB) {
      this.signal = true;
      this.quietMs = 0;
    } else if (peakDb < OFF_DB) {
      this.quietMs += readingMs;
      if (this.quietMs >= OFF_HOLD_MS) this.signal = false;
    }
    return { peakDb, rmsDb: toDb(rms), signal: this.signal };
  }
}
