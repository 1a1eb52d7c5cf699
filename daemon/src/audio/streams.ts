/**
 * The daemon's own streams: the level meter (a peak-detect record stream) and played signals
 * (the keep-awake tone, the test click train). Each is a small handle with close().
 * Signals are float32le stereo at 48 kHz; the server converts to the sink's format.
 */
import type { PlaybackStream, RecordStream } from 'pulseaudio.js';
import type { LevelReading } from '../core/ports.js';
import { LevelDetector, SAMPLE_CHANNELS, SAMPLE_RATE, SLICE_RATE } from './level.js';
import type { ProtocolClient } from './protocol.js';

const S16LE = 3;
const FLOAT32LE = 5;
export const RATE = 48000;
const CHANNELS = 2;
const FRAME = 4 * CHANNELS;

export interface StreamHandle {
  close(): void;
  /** resolves when the stream ends or fails (the server went away, the device vanished) */
  readonly ended: Promise<void>;
}

/** Also swallows stream errors: a stream dies with its server, which the connection reports. */
function endedOf(stream: NodeJS.EventEmitter): Promise<void> {
  stream.on('error', () => undefined);
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
}

/**
 * For the samples meter (PipeWire): the server resamples the input to SAMPLE_RATE for us, in
 * the same graph cycle as the routes. Its default filter is long; on a slow CPU (the end-to-end
 * lab's transmitter) that work made the graph miss its deadline again and again, and every miss
 * dropped a whole quantum (43 ms) of the audio going to the speakers. A meter needs no
 * anti-aliasing, so it takes the shortest filter: within 0.7 dB up to 2 kHz at SAMPLE_RATE,
 * 5 dB low at 4 kHz (measured, docs/audio.md).
 */
const CHEAP_RESAMPLER = { 'resample.quality': '0' };

/** `peakDetect` false: plain samples (pipewire-pulse 0.3.65 cannot do peak detection, see level.ts). */
export async function openMeter(client: ProtocolClient, source: string, peakDetect: boolean, onReading: (r: LevelReading) => void): Promise<StreamHandle> {
  const detector = new LevelDetector(peakDetect ? 'peaks' : 'samples');
  const rate = peakDetect ? SLICE_RATE : SAMPLE_RATE;
  const channels = peakDetect ? 1 : SAMPLE_CHANNELS;
  const stream: RecordStream = await client.createRecordStream({
    sampleSpec: { format: detector.width === 4 ? FLOAT32LE : S16LE, channels, rate },
    name: source,
    peakDetect,
    adjustLatency: true,
    fragmentSize: detector.width * channels * (rate / 20),
    dontInhibitAutoSuspend: true,
    properties: { 'media.name': 'blueline level meter', 'media.role': 'music', ...(peakDetect ? {} : CHEAP_RESAMPLER) },
  });
  stream.on('data', (chunk: Buffer) => {
    for (const r of detector.push(chunk)) onReading(r);
  });
  const ended = endedOf(stream);
  return { close: () => void stream.destroy(), ended };
}

/** A tone of `seconds` (whole periods, so it loops without a click), float32le stereo. */
export function toneBuffer(frequency: number, dbfs: number, seconds: number): Buffer {
  const frames = Math.round(seconds * RATE);
  const amplitude = 10 ** (dbfs / 20);
  const buf = Buffer.alloc(frames * FRAME);
  for (let i = 0; i < frames; i++) {
    const v = amplitude * Math.sin((2 * Math.PI * frequency * i) / RATE);
    buf.writeFloatLE(v, i * FRAME);
    buf.writeFloatLE(v, i * FRAME + 4);
  }
  return buf;
}

/** `count` clicks (1 ms full-scale-ish pulses) every `intervalMs`, then silence to fill the last interval. */
export function clickTrain(count: number, intervalMs: number, dbfs = -6): Buffer {
  const per = Math.round((intervalMs / 1000) * RATE);
  const width = Math.round(RATE / 1000);
  const amplitude = 10 ** (dbfs / 20);
  const buf = Buffer.alloc(count * per * FRAME);
  for (let c = 0; c < count; c++) {
    for (let i = 0; i < width; i++) {
      const at = (c * per + i) * FRAME;
      buf.writeFloatLE(amplitude, at);
      buf.writeFloatLE(amplitude, at + 4);
    }
  }
  return buf;
}

async function openPlayback(client: ProtocolClient, sink: string, mediaName: string): Promise<PlaybackStream> {
  return client.createPlaybackStream({
    sampleSpec: { format: FLOAT32LE, channels: CHANNELS, rate: RATE },
    name: sink,
    targetLength: Math.round(0.1 * RATE) * FRAME,
    // without it the sink keeps its largest buffer (seconds on a null sink) and draining waits for it
    adjustLatency: true,
    noMove: true,
    properties: { 'media.name': mediaName, 'media.role': 'music' },
  });
}

/** Plays `chunk` over and over until closed. */
export async function loopSignal(client: ProtocolClient, sink: string, chunk: Buffer, mediaName: string): Promise<StreamHandle> {
  const stream = await openPlayback(client, sink, mediaName);
  const ended = endedOf(stream);
  let open = true;
  const pump = (): void => {
    while (open && !stream.destroyed && stream.write(chunk));
    if (open && !stream.destroyed) stream.once('drain', pump);
  };
  pump();
  return {
    close: () => {
      open = false;
      stream.destroy();
    },
    ended,
  };
}

/** Plays `signal` once; `ended` resolves when the server has played it (or the stream died). */
export async function playOnce(client: ProtocolClient, sink: string, signal: Buffer, mediaName: string): Promise<StreamHandle> {
  const stream = await openPlayback(client, sink, mediaName);
  const ended = endedOf(stream);
  stream.end(signal);
  return { close: () => void stream.destroy(), ended };
}

export function durationMs(signal: Buffer): number {
  return (1000 * signal.length) / FRAME / RATE;
}
