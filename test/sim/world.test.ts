/** The simulated world on its own: it must fail the way real BlueZ and PipeWire fail. */
import t from 'tap';
import type { AgentPrompt } from '../../daemon/src/core/ports.js';
import { simSinkName, SIM_USB_SOURCE } from '../../daemon/src/sim/audio.js';
import { ManualClock } from '../../daemon/src/sim/manual-clock.js';
import { createSimulatedWorld } from '../../daemon/src/sim/world.js';
import { JUST_WORKS, LOW_BATTERY, PIN_SPEAKER, WANDERER } from '../helpers/sim-rig.js';

async function world(options: Parameters<typeof createSimulatedWorld>[0] = {}) {
  const clock = new ManualClock();
  const w = createSimulatedWorld({ clock, echo: false, wander: false, levelIntervalMs: 1000, ...options });
  await w.bluetooth.start();
  await w.audio.start();
  /** runs an operation while simulated time passes */
  const during = async <T>(op: Promise<T>, ms = 5_000): Promise<T> => {
    const [result] = await Promise.allSettled([op, clock.advance(ms)]);
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  };
  return { clock, w, during };
}

t.test('pairing: Just Works, PIN 0000 found by the agent, a wrong PIN refused', async (t) => {
  const { w, during } = await world();
  t.teardown(() => w.close());
  const prompts: AgentPrompt[] = [];
  w.bluetooth.on('agent', (p) => prompts.push(p));
  await t.rejects(w.bluetooth.pair('hci0', JUST_WORKS), { code: 'not-found' }, 'not seen yet');
  await during(w.bluetooth.startDiscovery('hci0'), 1_500);
  t.ok(w.bluetooth.devices().some((d) => d.address === PIN_SPEAKER && d.rssi !== null), 'discovery sees the speakers with RSSI');
  await during(w.bluetooth.pair('hci0', JUST_WORKS));
  t.equal(prompts.length, 0, 'Just Works: no prompt');
  await t.rejects(during(w.bluetooth.pair('hci0', PIN_SPEAKER, { pin: '1111' })), { code: 'refused' });
  await during(w.bluetooth.pair('hci0', PIN_SPEAKER));
  t.match(prompts.at(-1), { kind: 'request-pincode', pincode: '0000', attempt: 1 });
  t.same(w.bluetooth.devices().filter((d) => d.paired).map((d) => d.address).sort(), [JUST_WORKS, PIN_SPEAKER].sort());
});

t.test('connect: page timeout when off, auth refused when the key is gone, sink appears when up', async (t) => {
  const { w, during } = await world({ paired: [JUST_WORKS, LOW_BATTERY] });
  t.teardown(() => w.close());
  w.faults.speakerPower(LOW_BATTERY, false);
  await t.rejects(during(w.bluetooth.connectAudio('hci0', LOW_BATTERY)), { code: 'unreachable' });
  await during(w.bluetooth.connectAudio('hci0', JUST_WORKS));
  t.equal(w.audio.speakerSinks()[0]?.name, simSinkName(JUST_WORKS));
  t.equal(w.bluetooth.devices().find((d) => d.address === JUST_WORKS)?.batteryPercent, 80);
  w.faults.speakerLosesKey(JUST_WORKS);
  t.equal(w.audio.speakerSinks().length, 0, 'link dropped');
  await t.rejects(during(w.bluetooth.connectAudio('hci0', JUST_WORKS)), { code: 'refused' });
});

t.test('switched back on, an auto-reconnecting speaker restores the ACL link only', async (t) => {
  const { w, during } = await world({ paired: [JUST_WORKS] });
  t.teardown(() => w.close());
  await during(w.bluetooth.connectAudio('hci0', JUST_WORKS));
  w.faults.speakerPower(JUST_WORKS, false);
  w.faults.speakerPower(JUST_WORKS, true);
  t.equal(w.bluetooth.devices()[0]?.connected, true, 'link up');
  t.equal(w.audio.speakerSinks().length, 0, 'but no A2DP sink until ConnectProfile');
});

t.test('codec switch rebuilds the sink and drops its route; unknown codecs are unsupported', async (t) => {
  const { w, during } = await world({ paired: [PIN_SPEAKER] });
  t.teardown(() => w.close());
  await during(w.bluetooth.connectAudio('hci0', PIN_SPEAKER));
  await during(w.audio.addRoute({ address: PIN_SPEAKER, source: SIM_USB_SOURCE, sink: simSinkName(PIN_SPEAKER), channel: 'stereo', latencyMs: 20, delayMs: 0 }));
  t.equal(w.audio.routes().length, 1);
  t.same((await w.audio.listCodecs(PIN_SPEAKER)).map((c) => c.id), ['sbc', 'sbc_xq', 'aac', 'aptx']);
  await during(w.audio.switchCodec(PIN_SPEAKER, 'aac'));
  t.equal(w.audio.speakerSinks()[0]?.codec, 'aac');
  t.equal(w.audio.routes().length, 0, 'the route went with the old sink');
  await t.rejects(during(w.audio.switchCodec(PIN_SPEAKER, 'ldac')), { code: 'unsupported' });
});

t.test('bluetoothd restart keeps pairings; a replugged dongle comes back unpowered', async (t) => {
  const { w } = await world({ paired: [JUST_WORKS] });
  t.teardown(() => w.close());
  w.faults.bluetoothdDown();
  t.equal(w.bluetooth.available, false);
  t.same(w.bluetooth.devices(), []);
  await t.rejects(w.bluetooth.connectAudio('hci0', JUST_WORKS), { code: 'unavailable' });
  w.faults.bluetoothdUp();
  t.equal(w.bluetooth.devices().find((d) => d.address === JUST_WORKS)?.paired, true);
  w.faults.unplugDongle();
  t.same(w.bluetooth.adapters().map((a) => a.id), ['hci0']);
  w.faults.plugDongle();
  t.equal(w.bluetooth.adapters().find((a) => a.id === 'hci1')?.powered, false);
});

t.test('audio server restart and USB card: inputs and routes vanish and come back', async (t) => {
  const { w, during } = await world({ paired: [JUST_WORKS] });
  t.teardown(() => w.close());
  await during(w.bluetooth.connectAudio('hci0', JUST_WORKS));
  await during(w.audio.addRoute({ address: JUST_WORKS, source: SIM_USB_SOURCE, sink: simSinkName(JUST_WORKS), channel: 'left', latencyMs: 20, delayMs: 10 }));
  w.faults.unplugUsbCard();
  t.same(w.audio.inputs(), []);
  t.equal(w.audio.routes().length, 0, 'a loopback dies with its source');
  w.faults.plugUsbCard();
  const spec = { address: JUST_WORKS, source: SIM_USB_SOURCE, sink: simSinkName(JUST_WORKS), channel: 'stereo' as const, latencyMs: 20, delayMs: 0 };
  const first = await during(w.audio.addRoute(spec));
  t.equal((await during(w.audio.addRoute(spec))).id, first.id, 'equal specs, equal ids');
  w.faults.audioServerDown();
  t.equal(w.audio.available, false);
  await t.rejects(w.audio.addRoute(spec), { code: 'unavailable' });
  w.faults.audioServerUp();
  t.same(w.audio.routes(), [], 'modules died with the server');
  t.equal(w.audio.speakerSinks().length, 1, 'the speaker sink is back');
});

t.test('the Echo talks now and then; the wanderer leaves and comes back', async (t) => {
  const { clock, w } = await world({ echo: true, wander: true, paired: [WANDERER], seed: 7 });
  t.teardown(() => w.close());
  const levels: boolean[] = [];
  w.audio.on('level', (l) => levels.push(l.signal));
  await w.audio.setMeterSource(SIM_USB_SOURCE);
  const ranges: boolean[] = [];
  for (let minute = 0; minute < 20; minute++) {
    await clock.advance(60_000);
    ranges.push(w.sim.radio.speakers.get(WANDERER)!.inRange);
  }
  t.ok(levels.includes(true) && levels.includes(false), 'signal and silence');
  t.ok(ranges.includes(false) && ranges.includes(true), `wanderer in range per minute: ${ranges.map((r) => (r ? 1 : 0)).join('')}`);
  w.close();
  const timers = clock.timerCount;
  await w.audio.setMeterSource(null);
  t.ok(clock.timerCount < timers, 'closing the world and stopping the meter leaves no timers behind');
});
