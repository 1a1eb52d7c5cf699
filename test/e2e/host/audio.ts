/**
 * Plays test signals into the transmitter's aloop "USB card" and records them at the speakers
 * with the in-guest probe; turns the files into figures on the host's clock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { continuity, decodeSbc, mediaPackets, readSnoop, sbcFrameSamples, type MediaPacket, type SnoopRecord } from './air.js';
import { analyseTone, clickOnsets, frameTime, matchClicks, median, readWav, type Anchors, type ToneResult } from './analysis.js';
import type { GuestClient } from './guest-client.js';
import { AUDIO_ENV, captureSize, collectCapture } from './services.js';

/** Where the probe writes into the "USB card": its capture side (Loopback,0,0) is what PipeWire reads. */
export const USB_CARD_PLAYBACK = 'plughw:Loopback,1,0';
export const TONE_HZ = 1000;
export const TONE_AMP = 0.5;
export const CLICK_AMP = 0.8;
/** within 1 % of the tone sent (the frequency criterion) */
export const nearTone = (hz: number): boolean => Math.abs(hz - TONE_HZ) / TONE_HZ <= 0.01;
const RECORD_TAIL_S = 3;

export interface LabAudio { probe: string; out: string; tx: GuestClient; spk: GuestClient }

interface Recording { wav: string; meta: string; name: string }

/** Media packets the speaker's controller `hci` received since `fromOffset` of the capture. */
export function airPackets(capture: SnoopRecord[], hci: string, fromOffset: number): MediaPacket[] {
  return mediaPackets(capture, Number(hci.replace('hci', '')), fromOffset);
}

let serial = 0;

/** Records each device on the speaker guest while the transmitter plays; returns file names. */
export async function playAndRecord(lab: LabAudio, tag: string, signal: string, seconds: number, devices: string[], leadSeconds = 2): Promise<{ sent: string; recordings: Recording[] }> {
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
  return { sent, recordings };
}

/**
 * Plays like playAndRecord, and also returns what the speakers' controllers received meanwhile:
 * the speaker guest's btmon capture and the offset where this play began (for airPackets).
 */
export async function playRecordAndCapture(lab: LabAudio, tag: string, signal: string, seconds: number, devices: string[]): Promise<{ sent: string; recordings: Recording[]; capture: SnoopRecord[]; airFrom: number }> {
  const airFrom = await captureSize(lab.spk);
  const played = await playAndRecord(lab, tag, signal, seconds, devices);
  // the emulated transmitter runs up to seconds behind: let the end of the signal reach the air
  await new Promise((r) => setTimeout(r, 3000));
  return { ...played, capture: readSnoop(readFileSync(await collectCapture(lab.spk, lab.out))), airFrom };
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

/** Host-clock times (ms) of the clicks received in a recording. */
export function receivedClicks(rec: Recording, spk: GuestClient): number[] {
  const { rate, channels } = readWav(readFileSync(rec.wav));
  const anchors = JSON.parse(readFileSync(rec.meta, 'utf8')) as Anchors;
  return clickOnsets(channels[0]!, rate).map((f) => spk.toHost(frameTime(anchors, f)));
}

/** The tone as the emulated speaker's own audio stack (bluez-alsa) played it. */
export interface PlayedTone {
  frequencyHz: number;
  levelDb: number;
  /** heard at all, within 1 % of the tone's frequency */
  heard: boolean;
  /**
   * When the tone started and ended at the speaker against when it went into the USB card
   * (host clock, ms): tells a tone cut at its start from one cut at its end. Null: not heard.
   */
  startLagMs: number | null;
  endLagMs: number | null;
}

export function playedTone(sentFile: string, rec: Recording, lab: LabAudio): PlayedTone {
  const { rate, channels } = readWav(readFileSync(rec.wav));
  const heard = analyseTone(channels[0]!, rate, TONE_AMP / Math.SQRT2);
  const base = { frequencyHz: heard.frequencyHz, levelDb: heard.levelDb, heard: heard.onsetFrame >= 0 && nearTone(heard.frequencyHz) };
  if (heard.onsetFrame < 0) return { ...base, startLagMs: null, endLagMs: null };
  const sent = JSON.parse(readFileSync(sentFile, 'utf8')) as Anchors & { frames: number };
  const anchors = JSON.parse(readFileSync(rec.meta, 'utf8')) as Anchors;
  const endFrame = heard.onsetFrame + Math.round((1 + heard.analysedSeconds) * rate);
  return {
    ...base,
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
