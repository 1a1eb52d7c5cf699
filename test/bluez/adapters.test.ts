import t from 'tap';
import { isBluelineError } from '../../daemon/src/core/errors.js';
import { device, HCI0, HCI1, rig, SPEAKER_A, SPEAKER_B, until } from '../helpers/bluez-rig.js';

t.test('two adapters with one speaker each', async (t) => {
  const { bt, fake } = await rig(t, {
    adapters: [HCI0, { ...HCI1, powered: false }],
    speakers: [
      { ...SPEAKER_A, adapters: ['hci0'] },
      { ...SPEAKER_B, adapters: ['hci1'], battery: 55 },
    ],
  });
  t.same(bt.adapters().map((a) => [a.id, a.powered]), [['hci0', true], ['hci1', false]]);
  const off = await bt.startDiscovery('hci1').catch((e: unknown) => e);
  t.ok(isBluelineError(off, 'unavailable'), 'scanning on a powered-off adapter says so');
  await bt.powerOn(HCI1.address.toLowerCase()); // by address
  t.equal(bt.adapters()[1]?.powered, true);
  await bt.setAdapter('hci1', { alias: 'blueline dongle', pairable: true });
  await until(bt, () => bt.adapters()[1]?.alias === 'blueline dongle', 'alias');

  await bt.startDiscovery('hci0');
  await bt.startDiscovery('hci1');
  await until(bt, () => device(bt, SPEAKER_A.address, 'hci0') !== undefined && device(bt, SPEAKER_B.address, 'hci1') !== undefined, 'both scans');
  t.equal(device(bt, SPEAKER_B.address, 'hci0'), undefined, 'each adapter sees only its speaker');
  await bt.stopDiscovery('hci0');
  await bt.stopDiscovery('hci1');

  await bt.pair('hci0', SPEAKER_A.address);
  await bt.pair('hci1', SPEAKER_B.address);
  await Promise.all([bt.connectAudio('hci0', SPEAKER_A.address), bt.connectAudio('hci1', SPEAKER_B.address)]);
  await until(bt, () => bt.devices().filter((d) => d.connected).length === 2, 'both connected');
  t.same(bt.devices().map((d) => [d.adapter, d.address, d.batteryPercent]).sort(), [['hci0', SPEAKER_A.address, null], ['hci1', SPEAKER_B.address, 55]]);
  const state = await fake.state();
  t.same(Object.keys(state.profiles).sort(), ['/org/bluez/hci0/dev_AA_00_00_00_00_01', '/org/bluez/hci1/dev_AA_00_00_00_00_02']);
});

t.test('the adapters option limits blueline to the configured ones', async (t) => {
  const { bt } = await rig(t, { adapters: [HCI0, HCI1], speakers: [] }, { bt: { adapters: [HCI1.address] } });
  t.same(bt.adapters().map((a) => a.id), ['hci1']);
  const e = await bt.powerOn('hci0').catch((e: unknown) => e);
  t.ok(isBluelineError(e, 'not-found'));
});

t.test('the same speaker seen by two adapters is two devices', async (t) => {
  const { bt } = await rig(t, { adapters: [HCI0, HCI1], speakers: [SPEAKER_A] });
  await bt.startDiscovery('hci0');
  await bt.startDiscovery('hci1');
  await until(bt, () => bt.devices().length === 2, 'both adapters see it');
  t.same(bt.devices().map((d) => d.adapter).sort(), ['hci0', 'hci1']);
});

t.test('discovery stops by itself after discoveryMs', async (t) => {
  const { bt, fake } = await rig(t, { adapters: [HCI0], speakers: [SPEAKER_A] }, { bt: { discoveryMs: 300 } });
  await bt.startDiscovery('hci0');
  await bt.startDiscovery('hci0'); // already scanning: fine, the timer restarts
  await until(bt, () => bt.adapters()[0]?.discovering === true, 'scanning');
  await until(bt, () => bt.adapters()[0]?.discovering === false, 'stopped by the timer', 3000);
  t.equal((await fake.calls('StopDiscovery')).length, 1);
  await bt.stopDiscovery('hci0'); // nothing to stop: fine
});
