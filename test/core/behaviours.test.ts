/** What a user expects of the controller, on the simulated world with a manual clock. */
import t from 'tap';
import { sleep } from '../../daemon/src/core/clock.js';
import { BluelineError } from '../../daemon/src/core/errors.js';
import { createRig, JUST_WORKS, LOW_BATTERY, PIN_SPEAKER, phaseOf } from '../helpers/sim-rig.js';

t.test('at boot, two known speakers connect on their own and audio flows', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS, PIN_SPEAKER], settings: { mode: 'stereo-split' } });
  t.teardown(() => rig.close());
  await rig.until(() => rig.world.audio.routes().length === 2, 10_000);
  const channels = Object.fromEntries(rig.world.audio.routes().map((r) => [r.spec.address, r.spec.channel]));
  t.same(channels, { [JUST_WORKS]: 'left', [PIN_SPEAKER]: 'right' });
  t.equal(rig.controller.health().healthy, true);
  const streamingEvents = rig.events.filter((e) => e.type === 'speaker' && e.speaker.phase === 'streaming');
  t.equal(streamingEvents.length, 2, 'one streaming event per speaker');
});

t.test('an absent speaker: unreachable, retried with backoff capped at 30 s; success resets it', async (t) => {
  const rig = await createRig({ speakers: [LOW_BATTERY], start: false });
  t.teardown(() => rig.close());
  rig.world.faults.speakerPower(LOW_BATTERY, false);
  await rig.controller.start();
  await rig.advance(5 * 60_000);
  const view = rig.controller.speakers().find((s) => s.address === LOW_BATTERY);
  t.equal(view?.phase, 'unreachable');
  t.ok(view?.nextRetryAt, 'the panel shows when the next attempt is due');
  const attempts = rig.logs.filter((l) => l.msg === 'connecting speaker').map((l) => l.time as number);
  const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
  t.ok(Math.max(...gaps) <= 30_000 + 2_000 + 200, `longest gap ${Math.max(...gaps)} ms (cap 30 s + page timeout)`);
  t.comment(gaps.join(' '));
  t.ok(Math.max(...gaps) >= 30_000, 'the backoff reached its cap');
  t.ok(attempts.length < 20, `${attempts.length} attempts in 5 minutes, not a flood`);
  t.equal(rig.logs.filter((l) => l.msg === 'speaker not reachable; will retry' && l.level >= 30).length, 1, 'the first failure at info, the rest at debug');
  rig.world.faults.speakerPower(LOW_BATTERY, true);
  await rig.until(() => phaseOf(rig, LOW_BATTERY) === 'streaming', 35_000);
  t.equal(rig.controller.speakers()[0]?.lastError, null, 'error cleared');
});

t.test('a speaker that refuses: no retries, a problem for the user; connect() tries again', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS] });
  t.teardown(() => rig.close());
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  rig.world.faults.speakerLosesKey(JUST_WORKS);
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'refused');
  const before = rig.logs.filter((l) => l.msg === 'connecting speaker').length;
  await rig.advance(5 * 60_000);
  t.equal(rig.logs.filter((l) => l.msg === 'connecting speaker').length, before, 'no more attempts');
  t.ok(rig.controller.status().problems.some((p) => p.id === `speaker-refused:${JUST_WORKS}`));
  t.ok(rig.events.some((e) => e.type === 'error' && e.address === JUST_WORKS), 'an error event for the panel');
  const tried = t.rejects(rig.controller.connect(JUST_WORKS), { code: 'refused' });
  await rig.advance(2_000);
  await tried;
});

t.test('pairing a second speaker while the first plays', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS], settings: { mode: 'mirror' } });
  t.teardown(() => rig.close());
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  const playing = rig.world.audio.routes()[0]?.id;
  const scan = rig.controller.startScan(10);
  await rig.advance(2_000);
  await scan;
  t.equal(phaseOf(rig, PIN_SPEAKER), 'discovered');
  const pairing = rig.controller.pair(PIN_SPEAKER);
  await rig.advance(100);
  t.equal(rig.controller.status().pairing, PIN_SPEAKER);
  t.ok(rig.controller.status().problems.some((p) => p.id === 'pairing'), 'the panel says reconnects are paused');
  t.equal(rig.controller.status().scan.active, false, 'discovery stopped for pairing');
  await t.rejects(rig.controller.pair(LOW_BATTERY), { code: 'conflict' });
  await rig.advance(3_000);
  const view = await pairing;
  t.equal(view.known, true);
  t.ok(rig.events.some((e) => e.type === 'agent' && e.prompt.kind === 'request-pincode' && e.prompt.pincode === '0000'), 'the agent tried PIN 0000');
  await rig.until(() => phaseOf(rig, PIN_SPEAKER) === 'streaming');
  t.equal(rig.world.audio.routes().find((r) => r.spec.address === JUST_WORKS)?.id, playing, 'the first speaker never stopped');
  t.equal(rig.store.read().speakers.length, 2, 'persisted');
});

t.test('pairing refused by the speaker is reported, nothing is added', async (t) => {
  const rig = await createRig({ speakers: [] });
  t.teardown(() => rig.close());
  rig.world.faults.refusePairing(LOW_BATTERY);
  const scan = rig.controller.startScan(5);
  await rig.advance(2_000);
  await scan;
  const pairing = t.rejects(rig.controller.pair(LOW_BATTERY), { code: 'refused' });
  await rig.advance(3_000);
  await pairing;
  t.equal(rig.store.read().speakers.length, 0);
  t.equal(rig.controller.status().pairing, null);
});

t.test('volume, mute, codec, delay and mode: applied live and persisted', async (t) => {
  const rig = await createRig({ speakers: [PIN_SPEAKER, JUST_WORKS] });
  t.teardown(() => rig.close());
  await rig.until(() => phaseOf(rig, PIN_SPEAKER) === 'streaming');
  const sink = () => rig.world.audio.speakerSinks().find((s) => s.address === PIN_SPEAKER);
  await rig.controller.updateSpeaker(PIN_SPEAKER, { volume: 35, muted: true });
  await rig.advance(500);
  t.same(sink()?.volume, [0.35, 0.35]);
  t.equal(sink()?.muted, true);
  await rig.controller.updateSpeaker(PIN_SPEAKER, { codec: 'aptx' });
  await rig.until(() => sink()?.codec === 'aptx' && phaseOf(rig, PIN_SPEAKER) === 'streaming');
  t.same(sink()?.volume, [0.35, 0.35], 'volume survives the codec switch');
  await rig.controller.updateSpeaker(PIN_SPEAKER, { codec: 'ldac' });
  await rig.advance(2_000);
  t.equal(sink()?.codec, 'aptx', 'a codec the speaker lacks is not applied');
  t.ok(rig.events.some((e) => e.type === 'error' && /LDAC/.test(e.message)), 'and the panel is told');
  await rig.controller.updateSettings({ mode: 'mirror' });
  await rig.until(() => rig.world.audio.routes().length === 2);
  await rig.controller.updateSpeaker(JUST_WORKS, { delayMs: -40 });
  await rig.until(() => rig.world.audio.routes().find((r) => r.spec.address === PIN_SPEAKER)?.spec.delayMs === 40);
  const saved = rig.store.read();
  t.match(saved.speakers.find((s) => s.address === PIN_SPEAKER), { volume: 35, muted: true, codec: 'ldac' });
  t.equal(saved.settings.mode, 'mirror');
  t.equal(saved.speakers.find((s) => s.address === JUST_WORKS)?.delayMs, -40);
  t.ok(rig.events.some((e) => e.type === 'settings' && e.settings.mode === 'mirror'));
  await t.rejects(rig.controller.updateSpeaker(JUST_WORKS, { volume: 101 }), { code: 'invalid' });
  await t.rejects(rig.controller.updateSettings({ latencyMs: 0 }), { code: 'invalid' });
});

t.test('a codec the speaker plays nothing with is undone within seconds, and not tried again', async (t) => {
  const rig = await createRig({ speakers: [PIN_SPEAKER] });
  t.teardown(() => rig.close());
  await rig.until(() => phaseOf(rig, PIN_SPEAKER) === 'streaming');
  rig.world.faults.codecPlaysNothing(PIN_SPEAKER, 'sbc_xq');
  const sink = () => rig.world.audio.speakerSinks().find((s) => s.address === PIN_SPEAKER);
  await rig.controller.updateSpeaker(PIN_SPEAKER, { codec: 'sbc_xq' });
  await rig.until(() => sink() === undefined, 2_000);
  const silentFor = await rig.until(() => sink()?.codec === 'sbc' && phaseOf(rig, PIN_SPEAKER) === 'streaming', 20_000);
  t.ok(silentFor >= 10_000 && silentFor <= 13_000, `audio back on SBC ${silentFor} ms after the switch (trial 10 s)`);
  t.ok(rig.logs.some((l) => l.msg === 'the speaker played nothing with this codec; switching back' && l.level === 40), 'a warning in the log');
  t.ok(rig.events.some((e) => e.type === 'error' && /played nothing with codec sbc_xq/.test(e.message)), 'and the panel is told');
  const switches = rig.logs.filter((l) => l.msg === 'switching codec').length;
  await rig.advance(5 * 60_000);
  t.equal(rig.logs.filter((l) => l.msg === 'switching codec').length, switches, 'not switched to it again');
  t.equal(sink()?.codec, 'sbc');
  // a codec that works still switches, and passes its trial
  await rig.controller.updateSpeaker(PIN_SPEAKER, { codec: 'aac' });
  await rig.until(() => sink()?.codec === 'aac' && phaseOf(rig, PIN_SPEAKER) === 'streaming');
  await rig.advance(30_000);
  t.equal(sink()?.codec, 'aac', 'a working codec stays');
});

t.test('a failed state write: the command fails and nothing changes', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS] });
  t.teardown(() => rig.close());
  rig.store.failNext = true;
  await t.rejects(rig.controller.updateSpeaker(JUST_WORKS, { volume: 10 }), { code: 'failed' });
  t.equal(rig.controller.speakers()[0]?.volume, 70);
  await rig.controller.updateSpeaker(JUST_WORKS, { volume: 10 });
  t.equal(rig.store.read().speakers[0]?.volume, 10, 'the next change is saved');
});

t.test('idle policy: let go after N minutes without input, back when the Echo talks', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS], settings: { idleDisconnectMinutes: 2 } });
  t.teardown(() => rig.close());
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  await rig.advance(2 * 60_000 + 1_000);
  t.equal(phaseOf(rig, JUST_WORKS), 'idle-disconnected');
  t.equal(rig.world.bluetooth.devices().find((d) => d.address === JUST_WORKS)?.connected, false, 'the speaker was let go');
  await rig.advance(60_000);
  t.equal(rig.logs.filter((l) => l.msg === 'connecting speaker').length, 1, 'no reconnects while idle');
  rig.world.faults.echoTalking(true);
  const took = await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  t.ok(took <= 5_000, `playing ${took} ms after the input came back`);
});

t.test('keep-awake: only after 30 s of a silent input, off while it plays, and follows the setting', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS] });
  t.teardown(() => rig.close());
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  await rig.advance(500);
  t.same(rig.world.sim.audio.keepAwakeSet(), [], 'not at once: the input has not been quiet for 30 s');
  await rig.advance(30_000);
  t.same(rig.world.sim.audio.keepAwakeSet(), [JUST_WORKS], 'after 30 s of silence');
  rig.world.faults.echoTalking(true);
  await rig.advance(1_000);
  t.same(rig.world.sim.audio.keepAwakeSet(), [], 'off as soon as the Echo plays');
  rig.world.faults.echoTalking(false);
  await rig.advance(31_000);
  t.same(rig.world.sim.audio.keepAwakeSet(), [JUST_WORKS], 'back after the next 30 s of silence');
  await rig.controller.updateSettings({ keepAwake: false });
  await rig.advance(500);
  t.same(rig.world.sim.audio.keepAwakeSet(), []);
});

t.test('disconnect and forget', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS] });
  t.teardown(() => rig.close());
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  const off = rig.controller.disconnect(JUST_WORKS);
  await rig.advance(1_000);
  t.equal((await off).phase, 'disabled');
  await rig.advance(60_000);
  t.equal(rig.world.bluetooth.devices().find((d) => d.address === JUST_WORKS)?.connected, false, 'stays disconnected');
  const on = rig.controller.connect(JUST_WORKS);
  await rig.advance(1_000);
  await on;
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  await rig.controller.forget(JUST_WORKS);
  await rig.advance(1_000);
  t.equal(rig.store.read().speakers.length, 0);
  t.equal(rig.world.audio.routes().length, 0);
  t.notOk(rig.controller.speakers().some((s) => s.address === JUST_WORKS), 'BlueZ forgot it too');
  t.ok(rig.events.some((e) => e.type === 'speaker-removed' && e.address === JUST_WORKS));
});

t.test('the reconcile loop reports each pass and stays alive', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS] });
  t.teardown(() => rig.close());
  const passes: boolean[] = [];
  const off = rig.controller.onReconcilePass((p) => passes.push(p.health.healthy));
  await rig.advance(30_000);
  off();
  t.ok(passes.length >= 6, `${passes.length} passes in 30 s (slow timer 5 s)`);
  t.equal(passes.at(-1), true);
  t.equal(rig.controller.loopAlive(), true);
  t.match(rig.controller.health().summary, /1\/1 playing: Kitchen Boombox sbc/);
});

t.test('watchdog: a hung Bluetooth call does not stop the loop; a pass stuck on audio does', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS, PIN_SPEAKER], settings: { mode: 'mirror' } });
  t.teardown(() => rig.close());
  await rig.until(() => rig.world.audio.routes().length === 2);
  let release = (): void => undefined;
  const never = new Promise<void>((resolve) => (release = resolve));
  rig.world.sim.bluetooth.disconnect = () => never;
  await rig.controller.updateSettings({ mode: 'single' });
  await rig.advance(120_000);
  t.equal(rig.controller.loopAlive(), true, 'disconnect hangs in the background, passes go on');
  t.equal(rig.world.audio.routes().length, 1, 'the unused speaker lost its route meanwhile');
  rig.world.sim.audio.setVolume = () => never;
  await rig.controller.updateSpeaker(JUST_WORKS, { volume: 10 });
  await rig.advance(30_000);
  t.equal(rig.controller.loopAlive(), true, 'a long call is not yet a stuck loop');
  await rig.advance(40_000);
  t.equal(rig.controller.loopAlive(), false, 'stuck for over a minute: no more WATCHDOG=1');
  release();
  await rig.advance(1_000);
  t.equal(rig.controller.loopAlive(), true, 'and alive again once the call returns');
});

t.test('a connect that "succeeds" without a link is retried with backoff, not on every pass', async (t) => {
  const rig = await createRig({ speakers: [JUST_WORKS], start: false });
  t.teardown(() => rig.close());
  rig.world.sim.bluetooth.connectAudio = async () => undefined; // BlueZ says yes, nothing happens
  await rig.controller.start();
  await rig.advance(60_000);
  const attempts = rig.logs.filter((l) => l.msg === 'connecting speaker').length;
  t.ok(attempts >= 3 && attempts <= 10, `${attempts} attempts in a minute`);
});

t.test('a speaker whose link comes up but whose audio profile keeps failing still backs off', async (t) => {
  // seen in the end-to-end lab: each ConnectProfile paged the speaker (ACL link up), then
  // failed with br-connection-profile-unavailable; the link coming up used to reset the backoff
  const rig = await createRig({ speakers: [JUST_WORKS], start: false });
  t.teardown(() => rig.close());
  const { radio } = rig.world.sim;
  rig.world.sim.bluetooth.connectAudio = async (adapter, address) => {
    radio.setLink(address, { adapter, a2dp: false });
    await sleep(rig.clock, 2_000);
    radio.setLink(address, null);
    throw new BluelineError('unreachable', 'The speaker did not accept the audio connection', { detail: 'org.bluez.Error.Failed: br-connection-profile-unavailable' });
  };
  await rig.controller.start();
  await rig.advance(4 * 60_000);
  const attempts = rig.logs.filter((l) => l.msg === 'connecting speaker');
  const gaps = attempts.slice(1).map((l, i) => (l.time as number) - (attempts[i]!.time as number));
  t.comment(gaps.join(' '));
  t.ok(Math.max(...gaps) >= 30_000, `the backoff reached its cap (longest gap ${Math.max(...gaps)} ms)`);
  t.ok(attempts.length < 16, `${attempts.length} attempts in 4 minutes, not one every few seconds`);
  t.ok((attempts.at(-1)?.attempt as number) > 5, `attempts are counted on (last: ${String(attempts.at(-1)?.attempt)})`);
  // and once audio works again, everything is reset
  rig.world.sim.bluetooth.connectAudio = Object.getPrototypeOf(rig.world.sim.bluetooth).connectAudio;
  await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming', 35_000);
  t.equal(rig.controller.speakers()[0]?.lastError, null, 'error cleared');
});

t.test('a speaker heard by a scan is retried at once, not when its backoff ends', async (t) => {
  const rig = await createRig({ speakers: [LOW_BATTERY], start: false });
  t.teardown(() => rig.close());
  rig.world.faults.speakerPower(LOW_BATTERY, false);
  await rig.controller.start();
  await rig.advance(3 * 60_000); // backoff at its 30 s cap
  rig.world.faults.speakerPower(LOW_BATTERY, true);
  const scan = rig.controller.startScan(10);
  await rig.advance(100);
  await scan;
  const took = await rig.until(() => phaseOf(rig, LOW_BATTERY) === 'streaming', 30_000);
  t.ok(took <= 5_000, `streaming ${took} ms after it was switched on during a scan`);
});

t.test('a box with no speaker yet is not healthy, and says why', async (t) => {
  const { simulatedApi } = await import('../helpers/sim-api.js');
  const sim = await simulatedApi();
  t.teardown(() => sim.stop());
  await sim.api.forget(sim.known);
  const health = sim.api.health();
  t.equal(health.healthy, false);
  t.match(health.reasons.join('\n'), /no speaker set up/);
});
