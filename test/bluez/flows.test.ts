import t from 'tap';
import type { AgentPrompt } from '../../daemon/src/core/ports.js';
import { A2DP_SINK } from '../helpers/fake-bluez/harness.js';
import { device, HCI0, rig, SPEAKER_A, until } from '../helpers/bluez-rig.js';

t.test('discover -> pair (Just Works) -> trust -> connect -> disconnect -> forget', async (t) => {
  const { bt, fake } = await rig(t, { adapters: [HCI0], speakers: [{ ...SPEAKER_A, battery: 80 }] });
  t.same(bt.adapters().map((a) => [a.id, a.address, a.powered]), [['hci0', HCI0.address, true]]);
  t.equal(bt.devices().length, 0);

  await bt.startDiscovery('hci0');
  await until(bt, () => device(bt, SPEAKER_A.address)?.rssi !== null && device(bt, SPEAKER_A.address) !== undefined, 'speaker in scan');
  const found = device(bt, SPEAKER_A.address)!;
  t.match(found, { name: SPEAKER_A.name, alias: SPEAKER_A.name, rssi: -60, isAudioSink: true, paired: false, icon: 'audio-card' });
  t.ok(bt.adapters()[0]?.discovering);
  const filters = await fake.calls('SetDiscoveryFilter');
  t.equal(filters.length, 1, 'BR/EDR filter set before scanning');
  await bt.stopDiscovery('hci0');
  await until(bt, () => device(bt, SPEAKER_A.address)?.rssi === null, 'RSSI invalidated when the scan stops');
  await bt.startDiscovery('hci0'); // scanning again: pair() ends the scan before paging the speaker

  const prompts: AgentPrompt[] = [];
  bt.on('agent', (p) => prompts.push(p));
  await bt.pair('hci0', SPEAKER_A.address.toLowerCase());
  t.equal(device(bt, SPEAKER_A.address)?.paired, true);
  t.same(prompts, [], 'Just Works asks nothing');
  t.equal(bt.adapters()[0]?.discovering, false);

  await bt.setTrusted('hci0', SPEAKER_A.address, true);
  await until(bt, () => device(bt, SPEAKER_A.address)?.trusted === true, 'trusted');

  await bt.connectAudio('hci0', SPEAKER_A.address);
  await until(bt, () => device(bt, SPEAKER_A.address)?.connected === true, 'connected');
  t.equal(device(bt, SPEAKER_A.address)?.batteryPercent, 80);
  const state = await fake.state();
  t.same(state.profiles['/org/bluez/hci0/dev_AA_00_00_00_00_01'], [A2DP_SINK], 'A2DP sink profile connected explicitly');
  await bt.connectAudio('hci0', SPEAKER_A.address); // AlreadyConnected is success

  await bt.disconnect('hci0', SPEAKER_A.address);
  await until(bt, () => device(bt, SPEAKER_A.address)?.connected === false, 'disconnected');
  t.equal(device(bt, SPEAKER_A.address)?.batteryPercent, null);
  await bt.disconnect('hci0', SPEAKER_A.address); // NotConnected is success

  await bt.forget('hci0', SPEAKER_A.address);
  await until(bt, () => device(bt, SPEAKER_A.address) === undefined, 'forgotten');
  t.same((await fake.state()).bonds, { hci0: {} });
});
