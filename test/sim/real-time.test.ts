/** The controller on the simulated world with the real clock, as the demo and the web tests run it. */
import t from 'tap';
import { simulatedApi } from '../helpers/sim-api.js';

t.test('real time: streaming at start, scan, pair with a typed PIN, codec switch', async (t) => {
  const sim = await simulatedApi();
  t.teardown(() => sim.stop());
  t.equal(sim.api.health().healthy, true, sim.api.health().summary);
  await sim.api.startScan(3);
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  t.equal(sim.api.speakers().find((s) => s.address === sim.pinSpeaker.address)?.phase, 'discovered');
  await t.rejects(sim.api.pair(sim.pinSpeaker.address), { code: 'refused' }, 'default PINs do not fit');
  const paired = await sim.api.pair(sim.pinSpeaker.address, { pin: sim.pinSpeaker.pin });
  t.equal(paired.known, true);
  await sim.api.updateSpeaker(sim.known, { codec: sim.otherCodec });
  const deadline = Date.now() + 5_000;
  while (sim.world.audio.speakerSinks().find((s) => s.address === sim.known)?.codec !== sim.otherCodec && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.equal(sim.world.audio.speakerSinks().find((s) => s.address === sim.known)?.codec, sim.otherCodec);
  t.ok((await sim.api.codecs(sim.known)).some((c) => c.id === sim.otherCodec && c.active));
});
