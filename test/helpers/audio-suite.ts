/**
 * The audio integration suite, run once per real server (test/audio/pulseaudio.test.ts,
 * test/audio/pipewire.test.ts). One server per file; every check plays real audio into the
 * fake USB card and records "the room" (see audio-servers.ts).
 */
import pino from 'pino';
import type { Test } from 'tap';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPulseAudio, type PulseAudio } from '../../daemon/src/audio/pulse-audio.js';
import { flattenProps, listModules, loadModule } from '../../daemon/src/audio/protocol.js';
import type { LevelReading, RouteSpec } from '../../daemon/src/core/ports.js';
import { AIR, SPEAKER_A, SPEAKER_B, startAudioServer, USB_SOURCE, type AudioServer, type ServerKind } from './audio-servers.js';
import { clicks, frequency, goertzelDb, loudest, median, onsets, pairDelaysMs, play, recordAir, rmsDb, silence, sine, stereo } from './signal.js';

const TONE = 0.5; // -6 dBFS peak, -9 dB RMS

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function port(server: AudioServer): PulseAudio {
  return createPulseAudio({ logger: pino({ level: process.env.BLUELINE_TEST_LOG ?? 'silent' }), server: `unix:${server.socket}`, callTimeoutMs: 4000 });
}

async function started(server: AudioServer): Promise<PulseAudio> {
  const audio = port(server);
  const up = once(audio, 'up');
  await audio.start();
  await up;
  return audio;
}

export function audioSuite(t: Test, kind: ServerKind): void {
  let server: AudioServer;
  let audio: PulseAudio;
  const spec = (address: string, over: Partial<RouteSpec> = {}): RouteSpec => ({
    address, source: USB_SOURCE, sink: server.speakerSink(address), channel: 'stereo', latencyMs: 10, delayMs: 0, ...over,
  });
  const clearRoutes = async (): Promise<void> => {
    for (const r of audio.routes()) await audio.removeRoute(r.id);
  };

  t.before(async () => {
    server = await startAudioServer(kind);
    audio = await started(server);
  });
  t.teardown(async () => {
    await audio?.stop();
    await server?.stop();
  });

  t.test('finds the server, the USB input and the speakers', async (t) => {
    t.equal(audio.server()?.kind, kind);
    t.match(audio.server()?.version, kind === 'pipewire' ? /^0\.3\.\d+$/ : /^16\.\d+$/);
    const [input] = audio.inputs();
    t.equal(input?.name, USB_SOURCE, 'the USB capture source comes first');
    t.equal(input?.isUsb, true);
    t.equal(input?.sampleSpec.channels, 2);
    t.notOk(audio.inputs().some((i) => i.name.endsWith('.monitor')), 'monitors are not inputs');
    const speakers = audio.speakerSinks();
    t.same(speakers.map((s) => s.address), [SPEAKER_A.address, SPEAKER_B.address]);
    t.equal(speakers[0]?.description, SPEAKER_A.description, 'non-ASCII speaker name survives');
  });

  t.test('audio flows: stereo tone through a route', async (t) => {
    await audio.addRoute(spec(SPEAKER_A.address));
    const rec = await recordAir(server.client(), 2.5, () => play(server.client(), 'usbfeed', stereo(2, sine(1000, TONE), sine(1500, TONE))));
    const [from, to] = loudest(rec[AIR.aLeft]!, 500);
    t.ok(Math.abs(frequency(rec[AIR.aLeft]!, from, to) - 1000) < 5, 'left channel carries 1000 Hz');
    t.ok(Math.abs(frequency(rec[AIR.aRight]!, from, to) - 1500) < 5, 'right channel carries 1500 Hz');
    t.ok(Math.abs(rmsDb(rec[AIR.aLeft]!, from, to) - -9.03) < 1, `level kept (${rmsDb(rec[AIR.aLeft]!, from, to).toFixed(2)} dB)`);
    t.ok(rmsDb(rec[AIR.bLeft]!) < -90, 'the other speaker stays silent');
    await clearRoutes();
  });

  t.test('stereo split: left to A, right to B', async (t) => {
    await audio.addRoute(spec(SPEAKER_A.address, { channel: 'left' }));
    await audio.addRoute(spec(SPEAKER_B.address, { channel: 'right' }));
    t.equal(audio.routes().length, 2);
    const rec = await recordAir(server.client(), 2.5, () => play(server.client(), 'usbfeed', stereo(2, sine(700, TONE), sine(1300, TONE))));
    const [from, to] = loudest(rec[AIR.aLeft]!, 500);
    for (const [name, ch, hz, other] of [['A left', AIR.aLeft, 700, 1300], ['A right', AIR.aRight, 700, 1300], ['B left', AIR.bLeft, 1300, 700], ['B right', AIR.bRight, 1300, 700]] as const) {
      const x = rec[ch]!;
      t.ok(Math.abs(frequency(x, from, to) - hz) < 5, `${name} carries ${hz} Hz (${frequency(x, from, to).toFixed(1)})`);
      t.ok(goertzelDb(x, hz, from, to) - goertzelDb(x, other, from, to) > 40, `${name} has no ${other} Hz`);
      t.ok(Math.abs(rmsDb(x, from, to) - -9.03) < 1, `${name} level kept`);
    }
    await clearRoutes();
  });

  t.test('delay trim: +100 ms on B, measured against A', async (t) => {
    await audio.addRoute(spec(SPEAKER_A.address));
    await audio.addRoute(spec(SPEAKER_B.address, { delayMs: 100 }));
    await sleep(1000); // let PulseAudio's loopback settle on its target
    const signal = stereo(4, clicks(12, 300), silence);
    const rec = await recordAir(server.client(), 4.5, () => play(server.client(), 'usbfeed', signal));
    const delays = pairDelaysMs(onsets(rec[AIR.aLeft]!), onsets(rec[AIR.bLeft]!), 250);
    t.ok(delays.length >= 10, `clicks paired (${delays.length})`);
    const m = median(delays);
    t.ok(Math.abs(m - 100) <= 2, `B is ${m.toFixed(2)} ms behind A (100 +/- 2)`);
    await clearRoutes();
  });

  t.test('volume: one value reaches every channel; mute', async (t) => {
    await audio.setVolume(SPEAKER_A.address, 0.5);
    t.same(audio.speakerSinks()[0]?.volume, [0.5, 0.5], 'both channels, also on PipeWire');
    await audio.setVolume(SPEAKER_A.address, [0.25, 0.75]);
    t.same(audio.speakerSinks()[0]?.volume, [0.25, 0.75]);
    await t.rejects(audio.setVolume(SPEAKER_A.address, [0.1, 0.2, 0.3]), { code: 'invalid' });
    await audio.setMute(SPEAKER_A.address, true);
    t.equal(audio.speakerSinks()[0]?.muted, true);
    await audio.setMute(SPEAKER_A.address, false);
    await audio.setVolume(SPEAKER_A.address, 1);
    await t.rejects(audio.setVolume('00:11:22:33:44:55', 1), { code: 'not-found' });
  });

  t.test('level meter: peak and RMS of the input, signal on', async (t) => {
    const readings: LevelReading[] = [];
    const onLevel = (r: LevelReading) => readings.push(r);
    audio.on('level', onLevel);
    await audio.setMeterSource(USB_SOURCE);
    await play(server.client(), 'usbfeed', stereo(1.5, sine(1000, TONE), sine(1000, TONE)));
    const meterStream = (await server.client().getSourceOutputList()).map((o) => flattenProps(o.properties)).find((p) => p['media.name'] === 'blueline level meter');
    // the short resampling filter (streams.ts) must keep the level up to 2 kHz
    await sleep(300);
    const highFrom = readings.length;
    await play(server.client(), 'usbfeed', stereo(1.5, sine(2000, TONE), sine(2000, TONE)));
    await sleep(300);
    await audio.setMeterSource(null);
    audio.off('level', onLevel);
    const high = readings.slice(highFrom).filter((r) => r.peakDb > -20);
    const loud = readings.slice(0, highFrom).filter((r) => r.peakDb > -20);
    t.ok(loud.length >= 5, `readings during the tone (${loud.length} of ${readings.length})`);
    const peak = median(loud.map((r) => r.peakDb));
    const rms = median(loud.map((r) => r.rmsDb));
    t.ok(Math.abs(peak - -6.02) < 1, `peak ${peak.toFixed(2)} dBFS`);
    t.ok(Math.abs(rms - -6.02) < 1.5, `rms ${rms.toFixed(2)} dBFS (sine, AES17)`);
    t.ok(loud.every((r) => r.signal), 'signal present');
    t.ok(high.length >= 5, `readings during a 2 kHz tone (${high.length})`);
    t.ok(Math.abs(median(high.map((r) => r.rmsDb)) - -6.02) < 1.5, `2 kHz rms ${median(high.map((r) => r.rmsDb)).toFixed(2)} dBFS`);
    if (kind === 'pipewire') {
      // samples meter: the server must resample with its cheapest filter (streams.ts)
      t.equal(meterStream?.['resample.quality'], '0', 'the meter stream asks for the shortest resampling filter');
    }
  });

  t.test('keep-awake tone and test clicks', async (t) => {
    await audio.setKeepAwake([SPEAKER_A.address]);
    // PulseAudio's idle null sink starts a new stream up to 2 s late (a fixture quirk)
    await sleep(2500);
    const rec = await recordAir(server.client(), 3);
    await audio.setKeepAwake([]);
    const level = goertzelDb(rec[AIR.aLeft]!, 40, 96000, 144000);
    t.ok(level > -53 && level < -47, `40 Hz at ${level.toFixed(1)} dBFS: present, far below audible`);
    t.ok(rmsDb(rec[AIR.bLeft]!) < -90, 'only on the chosen speaker');
    const clicksRec = await recordAir(server.client(), 4.5, () => audio.playTestSound(SPEAKER_B.address));
    t.ok(onsets(clicksRec[AIR.bLeft]!).length >= 6, 'test clicks on B');
    t.equal(onsets(clicksRec[AIR.aLeft]!).length, 0, 'nothing on A');
  });

  t.test('routes are found again by a new daemon, and only ours', async (t) => {
    const route = await audio.addRoute(spec(SPEAKER_A.address, { channel: 'left', delayMs: 20 }));
    const foreign = await loadModule(server.client(), 'module-loopback', `source=${USB_SOURCE} sink=${server.speakerSink(SPEAKER_B.address)}`);
    const second = await started(server);
    t.teardown(() => second.stop());
    t.same(second.routes(), [route], 'same id and spec, foreign loopback ignored');
    t.equal((await second.addRoute(route.spec)).id, route.id, 'adding it again is a no-op');
    await server.client().unloadModule(foreign);
    await clearRoutes();
  });

  t.test('no leaks: module count back to baseline after 500 rebuilds', async (t) => {
    const baseline = (await listModules(server.client())).length;
    for (let i = 0; i < 250; i++) {
      const a = await audio.addRoute(spec(SPEAKER_A.address, { channel: 'left', delayMs: i % 7 }));
      const b = await audio.addRoute(spec(SPEAKER_B.address, { channel: 'right' }));
      await audio.removeRoute(a.id);
      await audio.removeRoute(b.id);
    }
    t.equal((await listModules(server.client())).length, baseline);
    t.same(audio.routes(), []);
  });

  t.test('USB card unplugged: no input, routes reflect it; restored when it is back', async (t) => {
    const route = await audio.addRoute(spec(SPEAKER_A.address));
    const changed = once(audio, 'changed');
    await server.unplugUsb();
    await changed;
    await until('input gone', () => audio.inputs().length === 0);
    await until('route gone', () => audio.routes().length === 0);
    await server.plugUsb();
    await until('input back', () => audio.inputs().length === 1);
    await until('route restored', () => audio.routes().length === 1);
    t.equal((await audio.addRoute(spec(SPEAKER_A.address))).id, route.id, 'the controller re-adding it is a no-op');
    const rec = await recordAir(server.client(), 2, () => play(server.client(), 'usbfeed', stereo(1.5, sine(1000, TONE), sine(1000, TONE))));
    const [from, to] = loudest(rec[AIR.aLeft]!, 500);
    t.ok(Math.abs(frequency(rec[AIR.aLeft]!, from, to) - 1000) < 5, 'audio flows again');
    await clearRoutes();
  });

  t.test('server restart mid-stream: routes, meter and keep-awake come back', async (t) => {
    await audio.addRoute(spec(SPEAKER_A.address));
    await audio.addRoute(spec(SPEAKER_B.address, { delayMs: 30 }));
    await audio.setKeepAwake([SPEAKER_A.address]);
    await audio.setMeterSource(USB_SOURCE);
    const down = once(audio, 'down');
    const restarting = server.restart();
    await down;
    t.equal(audio.available, false, 'reports the server down');
    await restarting;
    const back = Date.now();
    await until('routes rebuilt', () => audio.routes().length === 2, 10000);
    t.comment(`routes back ${Date.now() - back} ms after the server was ready`);
    const readings: LevelReading[] = [];
    audio.on('level', (r) => readings.push(r));
    const rec = await recordAir(server.client(), 2.5, () => play(server.client(), 'usbfeed', stereo(2, sine(1000, TONE), sine(1000, TONE))));
    const [from, to] = loudest(rec[AIR.aLeft]!, 500);
    t.ok(Math.abs(frequency(rec[AIR.aLeft]!, from, to) - 1000) < 5, 'audio flows to A again');
    t.ok(Math.abs(frequency(rec[AIR.bLeft]!, from, to) - 1000) < 5, 'audio flows to B again');
    t.ok(readings.some((r) => r.peakDb > -10), 'level meter reopened');
    // in any half second of the recording: under load the keep-alive stream may come back a little after the routes
    const air = rec[AIR.aLeft]!;
    const windows = Array.from({ length: Math.floor((air.length - 24000) / 12000) + 1 }, (_, w) => goertzelDb(air, 40, w * 12000, w * 12000 + 24000));
    t.ok(Math.max(...windows) > -55, `keep-awake tone back (${windows.map((d) => d.toFixed(0)).join(' ')} dB)`);
    await audio.setMeterSource(null);
    await audio.setKeepAwake([]);
    await clearRoutes();
  });
}
