import { once } from 'node:events';
import t from 'tap';
import pino from 'pino';
import { BluezBluetooth } from '../../daemon/src/bluez/index.js';
import { isBluelineError } from '../../daemon/src/core/errors.js';
import { device, HCI0, rig, SPEAKER_A, until, withTimeout } from '../helpers/bluez-rig.js';

t.test('bluetoothd restart mid-session: down, then mirror rebuilt and agent re-registered', async (t) => {
  const logs: Array<{ msg: string; ms?: number }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string }) });
  const { bt, fake } = await rig(t, { adapters: [HCI0], speakers: [{ ...SPEAKER_A, pairing: 'pin', pin: '1234' }] }, { bt: { logger } });
  await bt.startDiscovery('hci0');
  await until(bt, () => device(bt, SPEAKER_A.address) !== undefined, 'scan');
  await bt.pair('hci0', SPEAKER_A.address, { pin: '1234' });
  await bt.setTrusted('hci0', SPEAKER_A.address, true);
  await bt.connectAudio('hci0', SPEAKER_A.address);

  const down = once(bt, 'down');
  await fake.kill();
  await withTimeout(down, 3000, 'no down event');
  t.equal(bt.available, false);
  t.same(bt.adapters(), []);
  t.same(bt.devices(), []);
  const e = await bt.connectAudio('hci0', SPEAKER_A.address).catch((e: unknown) => e);
  t.ok(isBluelineError(e, 'unavailable'), 'calls while down fail as unavailable');

  const up = once(bt, 'up');
  await fake.start();
  await withTimeout(up, 10_000, 'not up again after bluetoothd returned');
  const bringUp = logs.filter((l) => l.msg.startsWith('bluetoothd is up')).at(-1);
  t.comment(`mirror rebuilt and agent registered ${bringUp?.ms} ms after the name reappeared`);
  t.ok(logs.some((l) => l.msg === 'bluetoothd went away'), 'the loss is logged');
  t.match(device(bt, SPEAKER_A.address), { paired: true, trusted: true, connected: false }, 'bond back in the rebuilt mirror');
  const state = await fake.state();
  t.equal(state.agents.length, 1, 'agent registered with the new bluetoothd');
  t.equal(state.defaultAgent, state.agents[0]?.owner, 'as the default agent');

  // Still fully working: reconnect, and a PIN pairing goes through the re-registered agent.
  await bt.connectAudio('hci0', SPEAKER_A.address);
  await until(bt, () => device(bt, SPEAKER_A.address)?.connected === true, 'reconnected');
  await bt.forget('hci0', SPEAKER_A.address);
  await bt.startDiscovery('hci0');
  await until(bt, () => device(bt, SPEAKER_A.address) !== undefined, 'scan');
  await bt.pair('hci0', SPEAKER_A.address);
  t.equal(device(bt, SPEAKER_A.address)?.paired, true, 'paired through the re-registered agent');
});

t.test('speaker drops its connection: the mirror follows', async (t) => {
  const { bt, fake } = await rig(t, { adapters: [HCI0], speakers: [SPEAKER_A] });
  await bt.startDiscovery('hci0');
  await until(bt, () => device(bt, SPEAKER_A.address) !== undefined, 'scan');
  await bt.pair('hci0', SPEAKER_A.address);
  await bt.connectAudio('hci0', SPEAKER_A.address);
  await fake.setSpeaker(SPEAKER_A.address, { on: false });
  await until(bt, () => device(bt, SPEAKER_A.address)?.connected === false, 'link dropped');
  const e = await bt.connectAudio('hci0', SPEAKER_A.address).catch((e: unknown) => e);
  t.ok(isBluelineError(e, 'unreachable'), 'page timeout while it is off');
  t.match((e as Error).message, /off or out of range/);
  await fake.setSpeaker(SPEAKER_A.address, { on: true });
  await bt.connectAudio('hci0', SPEAKER_A.address);
  await until(bt, () => device(bt, SPEAKER_A.address)?.connected === true, 'back');
});

t.test('no bluetoothd at start: start() resolves, down, picked up when it appears', async (t) => {
  const { bt, fake } = await rig(t, { adapters: [HCI0], speakers: [] }, { fake: { startFake: false } });
  t.equal(bt.available, false);
  t.same(bt.adapters(), []);
  const e = await bt.startDiscovery('hci0').catch((e: unknown) => e);
  t.ok(isBluelineError(e, 'unavailable'));
  const up = once(bt, 'up');
  await fake.start();
  await withTimeout(up, 10_000, 'not up after bluetoothd appeared');
  t.equal(bt.available, true);
  t.equal(bt.adapters()[0]?.id, 'hci0');
});

t.test('no system bus at all: start() still resolves and the port is down', async (t) => {
  const bt = new BluezBluetooth({ logger: pino({ level: 'silent' }), busAddress: 'unix:path=/nonexistent/blueline-test.sock', callTimeoutMs: 1000 });
  t.teardown(() => bt.stop());
  await bt.start();
  t.equal(bt.available, false);
  t.same(bt.devices(), []);
});

t.test('the system bus itself goes away: down, no crash, stop() still clean', async (t) => {
  const { bt, bus } = await rig(t, { adapters: [HCI0], speakers: [] });
  const down = once(bt, 'down');
  await bus.stop();
  await withTimeout(down, 3000, 'no down event after the bus went away');
  t.equal(bt.available, false);
  t.same(bt.adapters(), []);
  const e = await bt.powerOn('hci0').catch((e: unknown) => e);
  t.ok(isBluelineError(e, 'unavailable'));
});

t.test('bluetoothd dies with a call pending: unavailable, not a hang', async (t) => {
  const { bt, fake } = await rig(t, { adapters: [HCI0], speakers: [SPEAKER_A] });
  await bt.startDiscovery('hci0');
  await until(bt, () => device(bt, SPEAKER_A.address) !== undefined, 'scan');
  await fake.hang(['Pair']);
  const pairing = bt.pair('hci0', SPEAKER_A.address).catch((e: unknown) => e);
  // Wait until the fake holds the call (bounded poll: the fake is another process).
  for (let i = 0; i < 100 && (await fake.calls('Pair')).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await fake.kill();
  const e = await pairing;
  t.ok(isBluelineError(e, 'unavailable'), 'the pending Pair fails as unavailable');
  t.match((e as Error).message, /stopped while handling the request/);
});
