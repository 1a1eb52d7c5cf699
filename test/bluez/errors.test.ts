import t from 'tap';
import { isBluelineError } from '../../daemon/src/core/errors.js';
import { device, HCI0, HCI1, rig, SPEAKER_A, until } from '../helpers/bluez-rig.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
}

t.test('a call that never answers times out with a clear error', async (t) => {
  const { bt, fake } = await rig(t, { adapters: [HCI0], speakers: [SPEAKER_A] }, { bt: { connectTimeoutMs: 500, callTimeoutMs: 500 } });
  await bt.startDiscovery('hci0');
  await until(bt, () => device(bt, SPEAKER_A.address) !== undefined, 'scan');
  await fake.hang(['ConnectProfile', 'Disconnect']);
  const e = await rejection(bt.connectAudio('hci0', SPEAKER_A.address));
  t.ok(isBluelineError(e, 'timeout'), 'timeout code');
  t.match(e.message, /did not answer in time while trying to connect to the speaker/);
  t.ok(isBluelineError(await rejection(bt.disconnect('hci0', SPEAKER_A.address)), 'timeout'), 'plain calls are bounded too');
  await fake.hang([]);
  await bt.connectAudio('hci0', SPEAKER_A.address);
  t.equal(bt.available, true, 'still up after timeouts');
});

t.test('bad input: malformed addresses, unknown adapters and devices', async (t) => {
  const { bt } = await rig(t, { adapters: [HCI0], speakers: [SPEAKER_A] });
  for (const bad of ['', 'AA:BB', 'zz:zz:zz:zz:zz:zz', 'AA-00-00-00-00-01', '../../etc', 'AA:00:00:00:00:01; rm -rf /']) {
    const e = await rejection(bt.pair('hci0', bad));
    t.ok(isBluelineError(e, 'invalid'), `"${bad}" is invalid`);
    t.match(e.message, /is not a Bluetooth address/);
  }
  const unknown = await rejection(bt.connectAudio('hci0', 'AA:00:00:00:00:99'));
  t.ok(isBluelineError(unknown, 'not-found'));
  t.match(unknown.message, /not known on hci0: scan for it first/);
  t.ok(isBluelineError(await rejection(bt.forget('hci0', 'AA:00:00:00:00:99')), 'not-found'));
  const noAdapter = await rejection(bt.startDiscovery('hci7'));
  t.ok(isBluelineError(noAdapter, 'not-found'));
  t.match(noAdapter.message, /no Bluetooth adapter hci7/);
  t.ok(isBluelineError(await rejection(bt.powerOn('/org/bluez/hci0')), 'invalid'), 'an object path is not an adapter name');
  t.ok(isBluelineError(await rejection(bt.pair('hci0', SPEAKER_A.address, { pin: '\u0000' })), 'invalid'), 'a PIN with control characters');
});

t.test('an adapter that vanishes mid-call: clear errors, no crash', async (t) => {
  const { bt, fake } = await rig(t, { adapters: [HCI0, HCI1], speakers: [SPEAKER_A] }, { bt: { connectTimeoutMs: 800 } });
  await bt.startDiscovery('hci1');
  await until(bt, () => device(bt, SPEAKER_A.address, 'hci1') !== undefined, 'scan');
  await fake.hang(['ConnectProfile']);
  const inFlight = rejection(bt.connectAudio('hci1', SPEAKER_A.address));
  await fake.removeAdapter('hci1');
  await until(bt, () => bt.adapters().length === 1 && bt.devices().length === 0, 'adapter and its devices gone from the mirror');
  t.ok(isBluelineError(await inFlight, 'timeout'), 'the call in flight ends with a timeout');
  const after = await rejection(bt.connectAudio('hci1', SPEAKER_A.address));
  t.ok(isBluelineError(after, 'not-found'));
  t.match(after.message, /no Bluetooth adapter hci1/);
  await fake.hang([]);
  // A raced call that reaches bluetoothd after the adapter went: UnknownObject maps to not-found.
  await fake.addAdapter({ ...HCI1 });
  await until(bt, () => bt.adapters().length === 2, 'adapter back');
  const race = bt.startDiscovery('hci1');
  await fake.removeAdapter('hci1');
  const raced = await race.then(() => null, (e: unknown) => e);
  t.ok(raced === null || isBluelineError(raced, 'not-found'), 'either done first or a not-found error');
  t.equal(bt.available, true);
});

t.test('a device without the A2DP sink profile: unsupported', async (t) => {
  const phone = { address: 'AA:00:00:00:00:07', name: 'Phone', class: 0x5a020c, uuids: ['0000110e-0000-1000-8000-00805f9b34fb'] };
  const { bt } = await rig(t, { adapters: [HCI0], speakers: [phone] });
  await bt.startDiscovery('hci0');
  await until(bt, () => device(bt, phone.address) !== undefined, 'scan');
  t.equal(device(bt, phone.address)?.isAudioSink, false);
  await bt.pair('hci0', phone.address);
  const e = await rejection(bt.connectAudio('hci0', phone.address));
  t.ok(isBluelineError(e, 'unsupported'));
  t.match(e.message, /does not offer this service/);
});
