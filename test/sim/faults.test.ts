/**
 * Fault injection on the simulated world: each fault recovered without restarting the
 * controller, and logged exactly once at warn with what was done.
 */
import t, { type Test } from 'tap';
import { createRig, JUST_WORKS, PIN_SPEAKER, phaseOf, warnLines, type Rig } from '../helpers/sim-rig.js';

const bothStreaming = (rig: Rig) => (): boolean => phaseOf(rig, JUST_WORKS) === 'streaming' && phaseOf(rig, PIN_SPEAKER) === 'streaming';

async function mirrorRig(t: Test): Promise<Rig> {
  const rig = await createRig({ speakers: [JUST_WORKS, PIN_SPEAKER], settings: { mode: 'mirror' } });
  t.teardown(() => rig.close());
  await rig.until(bothStreaming(rig));
  return rig;
}

function assertOneWarn(t: Test, rig: Rig, fault: string): void {
  const warns = warnLines(rig);
  t.equal(warns.length, 1, `one warn line (${warns.map((w) => w.msg).join(' | ')})`);
  t.equal(warns[0]?.['fault'], fault, `it names the fault: ${warns[0]?.msg}`);
}

t.test('bluetoothd restart: speakers reconnect, routes come back', async (t) => {
  const rig = await mirrorRig(t);
  rig.world.faults.bluetoothdDown();
  await rig.advance(3_000);
  t.equal(rig.world.audio.routes().length, 0, 'links dropped, routes gone');
  t.ok(rig.controller.status().problems.some((p) => p.id === 'bluetooth-down'), 'the panel shows bluetooth down');
  t.equal(rig.controller.health().healthy, false);
  rig.world.faults.bluetoothdUp();
  await rig.until(bothStreaming(rig));
  await rig.advance(10_000);
  assertOneWarn(t, rig, 'bluetoothd');
  t.match(warnLines(rig)[0]?.msg, /reconnected/);
  t.equal(rig.controller.health().healthy, true);
});

t.test('audio server restart: routes, meter and keep-awake restored', async (t) => {
  const rig = await mirrorRig(t);
  rig.world.faults.audioServerDown();
  await rig.advance(2_000);
  t.ok(rig.controller.status().problems.some((p) => p.id === 'audio-down'));
  rig.world.faults.audioServerUp();
  await rig.until(() => rig.world.audio.routes().length === 2);
  await rig.advance(31_000); // the keep-awake tone waits for 30 s of a silent input
  t.equal(rig.world.sim.audio.meter(), rig.world.audio.inputs()[0]?.name, 'level meter back on the input');
  t.same(rig.world.sim.audio.keepAwakeSet().sort(), [JUST_WORKS, PIN_SPEAKER].sort(), 'keep-awake back on both');
  assertOneWarn(t, rig, 'audio-server');
  t.match(warnLines(rig)[0]?.msg, /restored the route to Kitchen Boombox/);
});

t.test('USB card unplugged and plugged back: input found again, routes restored', async (t) => {
  const rig = await mirrorRig(t);
  rig.world.faults.unplugUsbCard();
  await rig.advance(2_000);
  t.equal(rig.world.audio.routes().length, 0);
  t.equal(rig.controller.status().input.present, false);
  t.ok(rig.controller.status().problems.some((p) => p.id === 'no-input'));
  rig.world.faults.plugUsbCard();
  await rig.until(bothStreaming(rig));
  await rig.advance(10_000);
  t.equal(rig.controller.status().input.present, true);
  assertOneWarn(t, rig, 'input');
});

t.test('Bluetooth dongle unplugged and plugged back: adapter powered, speaker reconnected', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS], start: false });
  t.teardown(() => rig.close());
  // this speaker is paired on the USB dongle only
  rig.world.sim.radio.pairings.get('hci0')?.delete(JUST_WORKS);
  rig.world.sim.radio.pairings.get('hci1')?.add(JUST_WORKS);
  await rig.controller.start();
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  t.equal(rig.world.bluetooth.devices().find((d) => d.connected)?.adapter, 'hci1');
  rig.world.faults.unplugDongle('hci1');
  await rig.advance(5_000);
  const view = rig.controller.speakers().find((s) => s.address === JUST_WORKS);
  t.equal(view?.phase, 'unreachable', 'out of reach, not "refused": the pairing is fine');
  t.match(view?.lastError, /hci1\) is unplugged/);
  t.notOk(rig.controller.status().problems.some((p) => p.id.startsWith('speaker-refused')));
  rig.world.faults.plugDongle('hci1');
  t.equal(rig.world.bluetooth.adapters().find((a) => a.id === 'hci1')?.powered, false, 'the dongle comes back unpowered');
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  await rig.advance(10_000);
  assertOneWarn(t, rig, 'adapter:hci1');
  t.match(warnLines(rig)[0]?.msg, /powered hci1/);
});

t.test('two speakers: one switched off, the other route is untouched; it rejoins with its delay', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS, PIN_SPEAKER], settings: { mode: 'mirror' } });
  t.teardown(() => rig.close());
  await rig.controller.updateSpeaker(PIN_SPEAKER, { delayMs: 80 });
  await rig.until(bothStreaming(rig));
  await rig.advance(1_000);
  const routeOf = (address: string) => rig.world.audio.routes().find((r) => r.spec.address === address);
  const first = routeOf(JUST_WORKS)?.id;
  rig.world.faults.speakerPower(PIN_SPEAKER, false);
  await rig.advance(120_000);
  t.equal(phaseOf(rig, PIN_SPEAKER), 'unreachable');
  t.equal(routeOf(JUST_WORKS)?.id, first, 'the playing speaker kept its route');
  rig.world.faults.speakerPower(PIN_SPEAKER, true);
  const took = await rig.until(bothStreaming(rig));
  t.ok(took <= 5_000, `playing again ${took} ms after it was switched on (BlueZ restored only the link)`);
  t.equal(routeOf(JUST_WORKS)?.id, first, 'still the same route');
  t.equal(routeOf(PIN_SPEAKER)?.spec.delayMs, 80, 'rejoined with its delay');
  t.equal(routeOf(JUST_WORKS)?.spec.delayMs, 0);
  t.notOk(rig.logs.some((l) => l.msg === 'removing route' && l['address'] === JUST_WORKS), 'never removed');
});

t.test('every fault at once, in a row: all recovered', async (t) => {
  const rig = await mirrorRig(t);
  const f = rig.world.faults;
  // a second apart, so each is seen (faults that come and go between two looks are never seen, by design)
  f.unplugUsbCard();
  await rig.advance(1_000);
  f.audioServerDown();
  await rig.advance(1_000);
  f.bluetoothdDown();
  await rig.advance(5_000);
  f.bluetoothdUp();
  f.audioServerUp();
  f.plugUsbCard();
  await rig.until(bothStreaming(rig));
  await rig.advance(10_000);
  const faults = warnLines(rig).map((w) => w['fault']).sort();
  t.same(faults, ['audio-server', 'bluetoothd', 'input'], 'each fault logged once');
  t.equal(rig.controller.health().healthy, true, rig.controller.health().summary);
});

t.test('servers missing at start: waited for, then used; said once', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS], start: false });
  t.teardown(() => rig.close());
  rig.world.faults.bluetoothdDown();
  rig.world.faults.audioServerDown();
  await rig.controller.start();
  await rig.advance(20_000);
  t.equal(phaseOf(rig, JUST_WORKS), 'unreachable');
  t.equal(rig.controller.loopAlive(), true, 'the loop keeps running without its servers');
  rig.world.faults.audioServerUp();
  rig.world.faults.bluetoothdUp();
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  await rig.advance(10_000);
  const warns = warnLines(rig).map((w) => w.msg);
  t.equal(warns.length, 2, warns.join(' | '));
  t.ok(warns.some((m) => /^recovered: bluetoothd was not there at start; reconnected Kitchen Boombox/.test(m)));
  t.ok(warns.some((m) => /^recovered: the audio server was not there at start; .*restored the route to Kitchen Boombox/.test(m)));
});
