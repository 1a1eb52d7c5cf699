/**
 * Plays test signals into the transmitter's aloop "USB card" and records them at the speakers
 * with the in-guest probe; turns the files into figures on the host's clock.
 */
import { readFileSync, statSync } from 'node:fs';
import { continuity, decodeSbc, mediaPackets, readSnoop, sbcFrameSamples, type MediaPacket } from './air.js';
import { join } from 'node:path';
import { analyseTone, arrivalStalls, clickOnsets, frameTime, matchClicks, median, readWav, type Anchors, type ToneResult } from './analysis.js';
import type { GuestClient } from './guest-client.js';
import { AUDIO_ENV, collectCapture } from './services.js';

/** Where the probe writes into the "USB card": its capture side (Loopback,0,0) is what PipeWire reads. */
export const USB_CARD_PLAYBACK = 'plughw:Loopback,1,0';
export const TONE_HZ = 1000;
export const TONE_AMP = 0.5;
export const CLICK_AMP = 0.8;
const RECORD_TAIL_S = 3;

export interface LabAudio { probe: string; out: string; tx: GuestClient; spk: GuestClient }

interface Recording { wav: string; meta: string; name: string }

/** The speaker guest's btmon capture, copied into the results folder; its size marks a point in it. */
async function speakerCapture(lab: LabAudio): Promise<{ file: string; size: number }> {
  const file = await collectCapture(lab.spk, lab.out);
  return { file, size: statSync(file).size };
}

/** Media packets the speaker's controller `hci` received since `fromOffset` of the capture. */
export function airPackets(capture: string, hci: string, fromOffset: number): MediaPacket[] {
  return mediaPackets(readSnoop(readFileSync(capture)), Number(hci.replace('hci', '')), fromOffset);
}

let serial = 0;

/**
 * Records each device on the speaker guest while the transmitter plays; returns file names,
 * and the capture offset where this play began (for airPackets).
 */
export async function playAndRecord(lab: LabAudio, tag: string, signal: string, seconds: number, devices: string[], leadSeconds = 2): Promise<{ sent: string; recordings: Recording[]; capture: string; airFrom: number }> {
  const airFrom = (await speakerCapture(lab)).size;
  const id = `${tag}-${++serial}`;
  const recordings = devices.map((device, i) => {
    const name = `${id}-rec${i}`;
    return { name, device, wav: join(lab.out, `${name}.wav`), meta: join(lab.out, `${name}.json`) };
  });
  for (const r of recordings) {
    // a tail after the signal: the emulated transmitter can run seconds late
    await lab.spk.start(r.name, ['/usr/bin/python3', lab.probe, 'record', r.device, String(seconds + leadSeconds + RECORD_TAIL_S), r.wav, r.meta]);
  }
  const sent = join(lab.out, `${id}-sent.json`);
  await lab.tx.start(`${id}-play`, ['/usr/bin/python3', lab.probe, 'play', USB_CARD_PLAYBACK, signal, String(seconds), sent], AUDIO_ENV);
  const budget = (seconds + leadSeconds + RECORD_TAIL_S) * 1000 + 60_000;
  const played = await lab.tx.wait(`${id}-play`, budget);
  if (played.code !== 0) throw new Error(`probe play exited ${played.code} (see tx-${id}-play.log)`);
  for (const r of recordings) {
    const done = await lab.spk.wait(r.name, budget);
    if (done.code !== 0) throw new Error(`probe record exited ${done.code} (see spk-${r.name}.log)`);
  }
  // the emulated transmitter runs up to seconds behind: let the end of the signal reach the air
  await new Promise((r) => setTimeout(r, 3000));
  return { sent, recordings, capture: (await speakerCapture(lab)).file, airFrom };
}

export interface AirToneFigures extends ToneResult {
  packets: number;
  /** audio missing from the stream, by its RTP clock (ms each) */
  lostMs: number[];
  /** spread of the packets' arrival against the stream's clock, over the analysed part */
  arrivalJitterMs: number;
}

/** The tone as it reached the speaker's radio, decoded from the air capture. */
export function airToneFigures(packets: MediaPacket[]): AirToneFigures {
  const { rate, samples } = decodeSbc(packets);
  const tone = analyseTone(samples, rate, TONE_AMP / Math.SQRT2);
  if (tone.onsetFrame < 0) return { ...tone, packets: packets.length, lostMs: [], arrivalJitterMs: 0 };
  // the packets that carry the analysed part (from a second after the onset)
  const from = tone.onsetFrame + rate;
  const to = from + tone.analysedSeconds * rate;
  let position = 0;
  const analysed = packets.filter((p) => {
    const start = position;
    position += p.frames * sbcFrameSamples(p.sbc);
    return position > from && start < to;
  });
  const c = continuity(analysed, rate);
  return { ...tone, packets: packets.length, lostMs: c.lostMs, arrivalJitterMs: c.arrivalJitterMs };
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

/**
 * When the played tone started and ended at the speaker, against when it went into the USB
 * card (host clock, ms): tells a tone cut at its start from one cut at its end.
 */
export function toneLags(sentFile: string, rec: Recording, lab: LabAudio): { startLagMs: number; endLagMs: number } | null {
  const sent = JSON.parse(readFileSync(sentFile, 'utf8')) as Anchors & { frames: number };
  const { rate, channels } = readWav(readFileSync(rec.wav));
  const heard = analyseTone(channels[0]!, rate, TONE_AMP / Math.SQRT2);
  if (heard.onsetFrame < 0) return null;
  const anchors = JSON.parse(readFileSync(rec.meta, 'utf8')) as Anchors;
  const endFrame = heard.onsetFrame + Math.round((1 + heard.analysedSeconds) * rate);
  return {
    startLagMs: lab.spk.toHost(frameTime(anchors, heard.onsetFrame)) - lab.tx.toHost(frameTime(sent, 0)),
    endLagMs: lab.spk.toHost(frameTime(anchors, endFrame)) - lab.tx.toHost(frameTime(sent, sent.frames)),
  };
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
