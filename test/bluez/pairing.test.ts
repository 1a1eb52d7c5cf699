import t from 'tap';
import type { AgentPrompt } from '../../daemon/src/core/ports.js';
import { isBluelineError } from '../../daemon/src/core/errors.js';
import { device, HCI0, rig, SPEAKER_A, SPEAKER_B, until, type TestLike } from '../helpers/bluez-rig.js';
import type { FakeSpeakerSpec } from '../helpers/fake-bluez/harness.js';

/** A rig with one speaker already found by a scan. */
async function found(t: TestLike, speaker: FakeSpeakerSpec, others: FakeSpeakerSpec[] = []) {
  const r = await rig(t, { adapters: [HCI0], speakers: [speaker, ...others] });
  await r.bt.startDiscovery('hci0');
  await until(r.bt, () => [speaker, ...others].every((s) => device(r.bt, s.address) !== undefined), 'scan results');
  await r.bt.stopDiscovery('hci0');
  const prompts: AgentPrompt[] = [];
  r.bt.on('agent', (p) => prompts.push(p));
  return { ...r, prompts };
}

t.test('PIN speaker with the PIN the user typed', async (t) => {
  const { bt, prompts } = await found(t, { ...SPEAKER_A, pairing: 'pin', pin: '4711' });
  await bt.pair('hci0', SPEAKER_A.address, { pin: '4711' });
  t.equal(device(bt, SPEAKER_A.address)?.paired, true);
  t.same(prompts, [{ kind: 'request-pincode', address: SPEAKER_A.address, pincode: '4711', attempt: 1 }]);
});

t.test('PIN speaker without a PIN: the usual defaults are tried in turn', async (t) => {
  const { bt, prompts } = await found(t, { ...SPEAKER_A, pairing: 'pin', pin: '1234' });
  await bt.pair('hci0', SPEAKER_A.address);
  t.equal(device(bt, SPEAKER_A.address)?.paired, true);
  t.same(prompts.map((p) => p.kind === 'request-pincode' && p.pincode), ['0000', '1234']);
});

t.test('wrong PIN: refused with a reason, nothing paired', async (t) => {
  const { bt } = await found(t, { ...SPEAKER_A, pairing: 'pin', pin: '4711' });
  const e = await bt.pair('hci0', SPEAKER_A.address, { pin: '1111' }).catch((e: unknown) => e);
  t.ok(isBluelineError(e, 'refused'), 'refused');
  t.match((e as Error).message, /did not accept this PIN/);
  t.equal(device(bt, SPEAKER_A.address)?.paired, false);
  const e2 = await bt.pair('hci0', SPEAKER_A.address).catch((e: unknown) => e);
  t.ok(isBluelineError(e2, 'refused'));
  t.match((e2 as Error).message, /0000, 1234, 8888/, 'all defaults tried, then the user is asked for the PIN');
});

t.test('speaker refuses pairing (not in pairing mode)', async (t) => {
  const { bt } = await found(t, { ...SPEAKER_A, pairing: 'refuse' });
  const e = await bt.pair('hci0', SPEAKER_A.address).catch((e: unknown) => e);
  t.ok(isBluelineError(e, 'refused'));
  t.match((e as Error).message, /the speaker refused pairing: put it in pairing mode and try again/);
});

t.test('speaker off: unreachable', async (t) => {
  const { bt, fake } = await found(t, SPEAKER_A);
  await fake.setSpeaker(SPEAKER_A.address, { on: false });
  const e = await bt.pair('hci0', SPEAKER_A.address).catch((e: unknown) => e);
  t.ok(isBluelineError(e, 'unreachable'));
  t.match((e as Error).message, /off or out of range/);
});

t.test('numeric confirmation accepted for the chosen speaker only', async (t) => {
  const { bt, fake, prompts } = await found(t, { ...SPEAKER_A, pairing: 'confirm', passkey: 654321 }, [SPEAKER_B]);
  await bt.pair('hci0', SPEAKER_A.address);
  t.same(prompts, [{ kind: 'confirm-passkey', address: SPEAKER_A.address, passkey: 654321, accepted: true }]);
  prompts.length = 0;
  // Another device asking on its own (nobody is pairing it) is turned down.
  for (const member of ['RequestConfirmation', 'RequestAuthorization', 'RequestPinCode', 'AuthorizeService']) {
    const answer = await fake.askAgent('hci0', SPEAKER_B.address, member);
    t.same(answer, { ok: false, error: 'org.bluez.Error.Rejected' }, `${member} for another device rejected`);
  }
  t.ok(prompts.some((p) => p.kind === 'rejected' && p.address === SPEAKER_B.address));
  t.same(await fake.askAgent('hci0', SPEAKER_A.address, 'AuthorizeService'), { ok: true, body: [] }, 'paired speaker may connect services');
  t.same(await fake.askAgent('hci0', SPEAKER_B.address, 'DisplayPinCode'), { ok: true, body: [] });
  t.ok(prompts.some((p) => p.kind === 'display-pincode' && p.pincode === '4321'));
});

t.test('passkey speaker takes the number the user typed', async (t) => {
  const { bt } = await found(t, { ...SPEAKER_A, pairing: 'passkey', passkey: 2468 });
  await bt.pair('hci0', SPEAKER_A.address, { pin: '2468' });
  t.equal(device(bt, SPEAKER_A.address)?.paired, true);
});

t.test('cancel pairing; pairing twice at once; pairing a paired speaker', async (t) => {
  const { bt, fake, prompts } = await found(t, { ...SPEAKER_A }, [SPEAKER_B]);
  await fake.setSpeaker(SPEAKER_A.address, { on: false });
  const pairing = bt.pair('hci0', SPEAKER_A.address).catch((e: unknown) => e);
  const second = await bt.pair('hci0', SPEAKER_B.address).catch((e: unknown) => e);
  t.ok(isBluelineError(second, 'busy'), 'one pairing at a time');
  await bt.cancelPairing('hci0', SPEAKER_A.address);
  const e = await pairing;
  t.ok(isBluelineError(e, 'refused'));
  t.match((e as Error).message, /cancelled/);
  t.same(prompts, [{ kind: 'cancelled', address: SPEAKER_A.address }], 'bluetoothd told the agent, the panel hears it');
  await bt.cancelPairing('hci0', SPEAKER_A.address); // nothing to cancel: fine
  await bt.pair('hci0', SPEAKER_B.address);
  await bt.pair('hci0', SPEAKER_B.address); // AlreadyExists: already paired is success
  t.equal(device(bt, SPEAKER_B.address)?.paired, true);
});
