import t from 'tap';
import { matchRulesOf } from '../helpers/dbus-daemon.js';
import { device, HCI0, rig, SPEAKER_A, until } from '../helpers/bluez-rig.js';

t.test('no leaked match rules after 1,000 connect/disconnect cycles', async (t) => {
  const { bt, bus, fake } = await rig(t, { adapters: [HCI0], speakers: [SPEAKER_A] });
  await bt.startDiscovery('hci0');
  await until(bt, () => device(bt, SPEAKER_A.address) !== undefined, 'scan');
  await bt.stopDiscovery('hci0');
  await bt.pair('hci0', SPEAKER_A.address);
  const us = (await fake.state()).agents[0]?.owner ?? '';
  t.match(us, /^:1\./, 'our unique name, from the agent registration');

  await bt.connectAudio('hci0', SPEAKER_A.address);
  await bt.disconnect('hci0', SPEAKER_A.address);
  const afterFirst = await matchRulesOf(bus.address, us);
  t.equal(afterFirst, 2, 'exactly two rules: org.bluez signals and its NameOwnerChanged');
  for (let i = 1; i < 1000; i++) {
    await bt.connectAudio('hci0', SPEAKER_A.address);
    await bt.disconnect('hci0', SPEAKER_A.address);
  }
  t.equal(await matchRulesOf(bus.address, us), afterFirst, 'same count after 1,000 cycles');
  await until(bt, () => device(bt, SPEAKER_A.address)?.connected === false, 'mirror in step');
});
