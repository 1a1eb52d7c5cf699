/**
 * bench/route-latency: click-to-click latency from the fake USB input to a fake speaker,
 * through blueline's route and through a default `module-loopback`, on real PulseAudio and
 * real PipeWire in one run; then dropouts while a busy loop loads one core.
 *
 *   node --import ./node_modules/@tapjs/typescript/dist/esm/import.mjs bench/route-latency.ts [loadedSeconds]
 *   (BENCH_SERVERS=pulseaudio or =pipewire for one server only)
 *
 * Latency is read from one recording of "the room" (see test/helpers/audio-servers.ts): the
 * click as it enters the USB card (SL) and as it leaves speaker A (FL), sample-aligned.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createPulseAudio } from '../daemon/src/audio/pulse-audio.js';
import { loadModule } from '../daemon/src/audio/protocol.js';
import { AIR, SERVER_KINDS, SPEAKER_A, startAudioServer, USB_SOURCE, type AudioServer } from '../test/helpers/audio-servers.js';
import { clicks, median, onsets, pairDelaysMs, play, RATE, recordAir, rmsDb, sine, stereo } from '../test/helpers/signal.js';

const CLICKS = 60;
const INTERVAL_MS = 400;
const loadedSeconds = Number(process.argv[2] ?? 60);

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function measure(server: AudioServer): Promise<{ n: number; median: number; p10: number; p90: number; min: number; max: number }> {
  await sleep(2000); // let adaptive loopbacks settle
  const seconds = (CLICKS * INTERVAL_MS) / 1000 + 0.5;
  const signal = stereo(seconds, clicks(CLICKS, INTERVAL_MS), clicks(CLICKS, INTERVAL_MS));
  const rec = await recordAir(server.client(), seconds + 0.6, () => play(server.client(), 'usbfeed', signal));
  const d = pairDelaysMs(onsets(rec[AIR.inLeft]!), onsets(rec[AIR.aLeft]!), INTERVAL_MS - 50);
  return { n: d.length, median: median(d), p10: quantile(d, 0.1), p90: quantile(d, 0.9), min: Math.min(...d), max: Math.max(...d) };
}

/**
 * Dropouts with a busy loop on one core: 10 ms windows where the routed tone (shifted by the
 * route latency) is more than 3 dB low although the input around it was fine. Input dropouts
 * (the test's own feeder starving) are counted apart: they are not the route's fault.
 */
async function dropouts(server: AudioServer, seconds: number, latencyMs: number): Promise<{ windows: number; routeDropouts: number; inputDropouts: number }> {
  const hog = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  // longer than the recording, which loses a little time between its 10 s chunks
  const tone = stereo(seconds * 1.2 + 5, sine(1000, 0.5), sine(1000, 0.5));
  const playing = play(server.client(), 'usbfeed', tone);
  await sleep(1000);
  let windows = 0;
  let routeDropouts = 0;
  let inputDropouts = 0;
  try {
    for (let done = 0; done < seconds; done += 10) {
      const rec = await recordAir(server.client(), Math.min(10, seconds - done));
      const w = RATE / 100;
      const shift = Math.round((latencyMs / 1000) * RATE);
      const low = (ch: Float32Array, at: number) => rmsDb(ch, at, at + w) < -12.03;
      const input = rec[AIR.inLeft]!;
      for (let at = w; at + 2 * w + shift <= input.length; at += w) {
        windows++;
        if (low(input, at - w) || low(input, at) || low(input, at + w)) {
          if (low(input, at)) inputDropouts++;
        } else if (low(rec[AIR.aLeft]!, at + shift)) routeDropouts++;
      }
    }
  } finally {
    hog.kill('SIGKILL');
  }
  await playing;
  return { windows, routeDropouts, inputDropouts };
}

const results: Record<string, unknown> = {};
// BENCH_SERVERS=pipewire runs one server only
const kinds = SERVER_KINDS.filter((k) => !process.env.BENCH_SERVERS || process.env.BENCH_SERVERS.split(',').includes(k));
for (const kind of kinds) {
  const server = await startAudioServer(kind);
  const audio = createPulseAudio({ logger: pino({ level: 'warn' }), server: `unix:${server.socket}` });
  try {
    const up = once(audio, 'up');
    await audio.start();
    await up;
    const sink = server.speakerSink(SPEAKER_A.address);
    const route = await audio.addRoute({ address: SPEAKER_A.address, source: USB_SOURCE, sink, channel: 'stereo', latencyMs: 10, delayMs: 0 });
    const blueline = await measure(server);
    const loaded = await dropouts(server, loadedSeconds, blueline.median);
    await audio.removeRoute(route.id);
    const plain = await loadModule(server.client(), 'module-loopback', `source=${USB_SOURCE} sink=${sink}`);
    const defaultLoopback = await measure(server);
    await server.client().unloadModule(plain);
    results[kind] = { blueline, defaultLoopback, ratio: blueline.median / defaultLoopback.median, loaded };
    console.log(kind, JSON.stringify(results[kind]));
  } finally {
    await audio.stop();
    await server.stop();
  }
}
console.log(JSON.stringify({ date: new Date().toISOString(), clicks: CLICKS, loadedSeconds, results }, null, 2));
