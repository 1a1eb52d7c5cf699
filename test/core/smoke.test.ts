import t from 'tap';
import { createRig, JUST_WORKS, phaseOf } from '../helpers/sim-rig.js';

t.test('a known speaker connects at boot and streams', async (t) => {
  const rig = await createRig();
  t.teardown(() => rig.close());
  const took = await rig.until(() => phaseOf(rig, JUST_WORKS) === 'streaming');
  t.ok(took <= 5000, `streaming after ${took} ms`);
  t.equal(rig.world.audio.routes().length, 1);
  t.equal(rig.controller.health().healthy, true, rig.controller.health().summary);
  t.comment(rig.controller.health().summary);
});
