/**
 * Plays test signals into the transmitter's aloop "USB card" and records them at the speakers
 * with the in-guest probe; turns the files into figures on the host's clock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseTone, arrivalStalls, clickOnsets, frameTime, matchClicks, median, readWav, type Anchors, type ToneResult } from './analysis.js';
import type { GuestClient } from './guest-client.js';
import { AUDIO_ENV } from './services.js';

/** Where the probe writes into the "USB card": its capture side (Loopback,0,0) is what PipeWire reads. */
export const USB_CARD_PLAYBACK = 'plughw:Loopback,1,0';
export const TONE_HZ = 1000;
export const TONE_AMP = 0.5;
export const CLICK_AMP = 0.8;

export interface LabAudio { probe: string; out: string; tx: GuestClient; spk: GuestClient }

interface Recording { wav: string; meta: string; name: string }

let serial = 0;

/** Records each device on the speaker guest while the transmitter plays; returns file names. */
export async function playAndRecord(lab: LabAudio, tag: string, signal: string, seconds: number, devices: string[], leadSeconds = 2): Promise<{ sent: string; recordings: Recording[] }> {
  const id = `${tag}-${++serial}`;
  const recordings = devices.map((device, i) => {
    const name = `${id}-rec${i}`;
    return { name, device, wav: join(lab.out, `${name}.wav`), meta: join(lab.out, `${name}.json`) };
  });
  for (const r of recordings) {
    await lab.spk.start(r.name, ['/usr/bin/python3', lab.probe, 'record', r.device, String(seconds + leadSeconds), r.wav, r.meta]);
  }
  const sent = join(lab.out, `${id}-sent.json`);
  await lab.tx.start(`${id}-play`, ['/usr/bin/python3', lab.probe, 'play', USB_CARD_PLAYBACK, signal, String(seconds), sent], AUDIO_ENV);
  const budget = (seconds + leadSeconds) * 1000 + 60_000;
  const played = await lab.tx.wait(`${id}-play`, budget);
  if (played.code !== 0) throw new Error(`probe play exited ${played.code} (see tx-${id}-play.log)`);
  for (const r of recordings) {
    const done = await lab.spk.wait(r.name, budget);
    if (done.code !== 0) throw new Error(`probe record exited ${done.code} (see spk-${r.name}.log)`);
  }
  return { sent, recordings };
}

export interface ToneFigures extends ToneResult { stallsMs: number[] }

export function toneFigures(rec: Recording): ToneFigures {
  const { rate, channels } = readWav(readFileSync(rec.wav));
  const result = analyseTone(channels[0]!, rate, TONE_AMP / Math.SQRT2);
  const anchors = JSON.parse(readFileSync(rec.meta, 'utf8')) as Anchors;
  const fromFrame = result.onsetFrame < 0 ? 0 : result.onsetFrame + rate;
  return { ...result, stallsMs: result.onsetFrame < 0 ? [] : arrivalStalls(anchors, fromFrame, 20) };
}

/** Host-clock times (ms) of the clicks received in a recording. */
export function receivedClicks(rec: Recording, spk: GuestClient): number[] {
  const { rate, channels } = readWav(readFileSync(rec.wav));
  const anchors = JSON.parse(readFileSync(rec.meta, 'utf8')) as Anchors;
  return clickOnsets(channels[0]!, rate).map((f) => spk.toHost(frameTime(anchors, f)));
}

/** Host-clock times (ms) at which the clicks entered the "USB card". */
export function sentClicks(sentFile: string, tx: GuestClient): number[] {
  const meta = JSON.parse(readFileSync(sentFile, 'utf8')) as Anchors & { clicks: number[] };
  return meta.clicks.map((f) => tx.toHost(frameTime(meta, f)));
}

export interface LatencyFigures { clicksSent: number; clicksMatched: number; medianMs: number; minMs: number; maxMs: number; clockErrorMs: number }

export function latencyFigures(sentFile: string, rec: Recording, lab: LabAudio): LatencyFigures {
  const sent = sentClicks(sentFile, lab.tx);
  const latencies = matchClicks(sent, receivedClicks(rec, lab.spk));
  return {
    clicksSent: sent.length,
    clicksMatched: latencies.length,
    medianMs: median(latencies),
    minMs: Math.min(...latencies),
    maxMs: Math.max(...latencies),
    clockErrorMs: lab.tx.offsetErrorMs + lab.spk.offsetErrorMs,
  };
}
