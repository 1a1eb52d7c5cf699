// Pure parts of the audio port: server detection, discovery, route planning and tags, levels.
import t from 'tap';
import { resolveServerPath } from '../../daemon/src/audio/connection.js';
import { inputsFrom, serverInfoFrom, speakersFrom, volumePerChannel, type DeviceEntry } from '../../daemon/src/audio/discovery.js';
import { LevelDetector, SAMPLE_RATE } from '../../daemon/src/audio/level.js';
import { moduleArgs } from '../../daemon/src/audio/module-args.js';
import { findRoutes, planRoute, routeId } from '../../daemon/src/audio/route-plan.js';
import type { AudioServerInfo, RouteSpec } from '../../daemon/src/core/ports.js';

const entry = (name: string, props: Record<string, string> = {}, over: Partial<DeviceEntry> = {}): DeviceEntry => ({
  index: 1, name, description: props['device.description'] ?? name, sampleSpec: { format: 3, channels: 2, rate: 48000 },
  volume: [0x10000, 0x8000], muted: false, card: null, monitorOf: null, state: 0, props, ...over,
});

t.test('server kind and version', async (t) => {
  t.same(serverInfoFrom('PulseAudio (on PipeWire 0.3.65)', '15.0.0'), { kind: 'pipewire', version: '0.3.65', name: 'PulseAudio (on PipeWire 0.3.65)' });
  t.same(serverInfoFrom('pulseaudio', '16.1'), { kind: 'pulseaudio', version: '16.1', name: 'pulseaudio 16.1' });
});

t.test('server socket: option, PULSE_SERVER, runtime dir, system default', async (t) => {
  t.equal(resolveServerPath('unix:/a/native', { PULSE_SERVER: 'unix:/b' }), '/a/native');
  t.equal(resolveServerPath(undefined, { PULSE_SERVER: 'tcp:host:4713 unix:/b/native' }), '/b/native');
  t.equal(resolveServerPath(undefined, { PULSE_SERVER: '{abc}unix:/c/native' }), '/c/native');
  t.equal(resolveServerPath(undefined, { XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/pulse/native');
  t.equal(resolveServerPath(undefined, {}), '/run/pulse/native');
});

t.test('inputs: USB first, monitors and our helper sources left out', async (t) => {
  const inputs = inputsFrom([
    entry('alsa_input.platform-soc_sound.stereo-fallback'),
    entry('alsa_output.usb-Foo.analog-stereo.monitor', {}, { monitorOf: 3 }),
    entry('alsa_input.usb-Generic_USB_Audio-00.analog-stereo', { 'device.bus': 'usb' }),
    entry('blueline.route-0123456789ab', { 'blueline.route': 'route-0123456789ab' }),
    entry('bluez_output.AA_BB_CC_DD_EE_FF.1.monitor', { 'device.class': 'monitor' }),
  ]);
  t.same(inputs.map((i) => [i.name, i.isUsb]), [['alsa_input.usb-Generic_USB_Audio-00.analog-stereo', true], ['alsa_input.platform-soc_sound.stereo-fallback', false]]);
  t.same(inputs[0]?.sampleSpec, { format: 's16le', rate: 48000, channels: 2 });
});

t.test('speakers on both servers, address from properties or name', async (t) => {
  const speakers = speakersFrom([
    entry('bluez_output.AA_BB_CC_DD_EE_01.1', { 'api.bluez5.address': 'AA:BB:CC:DD:EE:01', 'api.bluez5.codec': 'aac', 'device.description': 'Küche ♪' }, { card: 7 }),
    entry('bluez_sink.AA_BB_CC_DD_EE_02.a2dp_sink', { 'device.string': 'aa:bb:cc:dd:ee:02', 'bluetooth.codec': 'sbc' }),
    entry('bluez_output.aa_bb_cc_dd_ee_03.1'),
    entry('alsa_output.platform-bcm2835_audio.stereo-fallback'),
  ], (i) => (i === 7 ? 'bluez_card.AA_BB_CC_DD_EE_01' : null));
  t.same(speakers.map((s) => [s.address, s.codec, s.card]), [
    ['AA:BB:CC:DD:EE:01', 'aac', 'bluez_card.AA_BB_CC_DD_EE_01'],
    ['AA:BB:CC:DD:EE:03', null, null],
    ['AA:BB:CC:DD:EE:02', 'sbc', null],
  ]);
  t.equal(speakers[0]?.description, 'Küche ♪');
  t.same(speakers[0]?.volume, [1, 0.5]);
});

t.test('volume: one value per channel, always', async (t) => {
  t.same(volumePerChannel(0.5, 2), [0x8000, 0x8000]);
  t.same(volumePerChannel([0.25], 2), [0x4000, 0x4000]);
  t.same(volumePerChannel([0, 1], 2), [0, 0x10000]);
  t.equal(volumePerChannel([0.1, 0.2, 0.3], 2), null);
  t.equal(volumePerChannel(-1, 2), null);
  t.equal(volumePerChannel(Number.NaN, 2), null);
});

const pa: AudioServerInfo = { kind: 'pulseaudio', version: '16.1', name: 'pulseaudio 16.1' };
const pw: AudioServerInfo = { kind: 'pipewire', version: '0.3.65', name: 'PulseAudio (on PipeWire 0.3.65)' };
const spec: RouteSpec = { address: 'AA:BB:CC:DD:EE:01', source: 'alsa_input.usb-X', sink: 'bluez_output.AA_BB_CC_DD_EE_01.1', channel: 'stereo', latencyMs: 10, delayMs: 0 };

t.test('route ids are a stable function of the spec', async (t) => {
  t.equal(routeId(spec), routeId({ ...spec }));
  t.match(routeId(spec), /^route-[0-9a-f]{12}$/);
  t.not(routeId(spec), routeId({ ...spec, delayMs: 1 }));
  t.not(routeId(spec), routeId({ ...spec, channel: 'left' }));
});

t.test('route plans per server', async (t) => {
  const stereoPa = planRoute({ ...spec, delayMs: 100 }, pa);
  t.same(stereoPa.loads.map((l) => l.name), ['module-loopback']);
  t.match(stereoPa.loads[0]?.args, /latency_msec=110/, 'PulseAudio: delay added to the loopback latency');
  const splitPa = planRoute({ ...spec, channel: 'left' }, pa);
  t.same(splitPa.loads.map((l) => l.name), ['module-remap-source', 'module-loopback']);
  t.match(splitPa.loads[0]?.args, /master_channel_map="front-left,front-left"/);
  t.match(splitPa.loads[1]?.args, new RegExp(`source="blueline\\.${splitPa.id}"`));
  const splitPw = planRoute({ ...spec, channel: 'right', delayMs: 100 }, pw);
  t.same(splitPw.loads.map((l) => l.name), ['module-loopback'], 'PipeWire splits inside the loopback');
  t.match(splitPw.loads[0]?.args, /channels=1/);
  t.match(splitPw.loads[0]?.args, /audio\.position='\[FR\]'/);
  t.match(splitPw.loads[0]?.args, /audio\.position='\[MONO\]'/);
  t.match(splitPw.loads[0]?.args, /latency_msec=100/, 'PipeWire: latency_msec is the delay buffer');
  t.match(splitPw.loads[0]?.args, /node\.latency='240\/48000'/, 'quantum pinned to half the target');
});

t.test('our modules are found by tag, others ignored', async (t) => {
  const split = planRoute({ ...spec, channel: 'left', delayMs: 20 }, pa);
  const modules = [
    { index: 5, name: 'module-loopback', argument: 'source=foo sink=bar' },
    { index: 9, name: split.loads[1]!.name, argument: split.loads[1]!.args },
    { index: 8, name: split.loads[0]!.name, argument: split.loads[0]!.args },
    { index: 11, name: 'module-loopback', argument: "sink_input_properties=\"blueline.route='not-an-id'\"" },
  ];
  const found = findRoutes(modules);
  t.equal(found.length, 1);
  t.same(found[0]?.modules, [8, 9], 'in load order');
  t.same(found[0]?.spec, { ...spec, channel: 'left', delayMs: 20 }, 'spec read back from the tag');
  t.equal(found[0]?.id, split.id);
});

t.test('module arguments: quoting, and no quotes allowed inside', async (t) => {
  t.equal(moduleArgs({ a: 'x y', b: 3, c: true, d: { 'k.v': 'Küche 1' }, e: undefined }), `a="x y" b=3 c=true d="k.v='Küche 1'"`);
  t.throws(() => moduleArgs({ a: "it's" }), { code: 'invalid' });
});

t.test('levels: peak/RMS per 100 ms, hysteresis on signal', async (t) => {
  const peaks = (values: number[]): Buffer => {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeFloatLE(v, i * 4));
    return b;
  };
  const d = new LevelDetector('peaks');
  const [loud] = d.push(peaks(Array(10).fill(0.5)));
  t.ok(Math.abs(loud!.peakDb - -6.02) < 0.01 && Math.abs(loud!.rmsDb - -6.02) < 0.01 && loud!.signal);
  const quiet = d.push(peaks(Array(190).fill(0.0001)));
  t.equal(quiet.length, 19);
  t.ok(quiet.every((r) => r.signal), 'stays on for 1.9 s of quiet');
  t.equal(d.push(peaks(Array(10).fill(0.0001)))[0]?.signal, false, 'off after 2 s below -60 dBFS');
  t.equal(d.push(peaks(Array(10).fill(0.002)))[0]?.signal, false, '-54 dBFS (between the thresholds) keeps it off');
  t.equal(d.push(peaks(Array(10).fill(0.004)))[0]?.signal, true, '-48 dBFS turns it on');

  const samples = new LevelDetector('samples');
  const frames = SAMPLE_RATE / 10;
  const sine = Buffer.alloc(frames * 2 * 2);
  for (let i = 0; i < frames * 2; i++) sine.writeInt16LE(Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * 1000 * Math.floor(i / 2)) / SAMPLE_RATE)), i * 2);
  const readings = samples.push(sine);
  t.equal(readings.length, 1, `s16 stereo at ${SAMPLE_RATE} Hz: one reading per 100 ms`);
  t.ok(Math.abs(readings[0]!.peakDb - -6.02) < 0.05 && Math.abs(readings[0]!.rmsDb - -6.02) < 0.05, 'sample mode agrees on a sine (AES17 RMS)');
});
