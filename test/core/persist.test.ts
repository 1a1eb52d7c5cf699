/** The controller persists every change through the real atomic store; a restart finds it all. */
import { pino } from 'pino';
import t from 'tap';
import { FileStateStore } from '../../daemon/src/config/state-store.js';
import { createController } from '../../daemon/src/core/controller.js';
import { ManualClock } from '../../daemon/src/sim/manual-clock.js';
import { createSimulatedWorld } from '../../daemon/src/sim/world.js';
import { JUST_WORKS, PIN_SPEAKER } from '../helpers/sim-rig.js';

const logger = pino({ level: 'silent' });

async function boot(dir: string, paired: string[]) {
  const clock = new ManualClock();
  const store = await FileStateStore.open(dir, logger);
  const world = createSimulatedWorld({ clock, paired, echo: false, wander: false, levelIntervalMs: 1000 });
  const controller = createController({ bluetooth: world.bluetooth, audio: world.audio, store, logger, clock });
  await controller.start();
  const advance = (ms: number) => clock.advance(ms);
  return {
    controller,
    world,
    advance,
    close: async () => {
      world.close();
      await controller.stop();
    },
  };
}

t.test('pair, settings and speaker changes survive a restart', async (t) => {
  const dir = t.testdir();
  const first = await boot(dir, []);
  const scan = first.controller.startScan(5);
  await first.advance(2_000);
  await scan;
  for (const address of [JUST_WORKS, PIN_SPEAKER]) {
    const pairing = first.controller.pair(address);
    await first.advance(4_000);
    await pairing;
  }
  await first.controller.updateSettings({ mode: 'stereo-split', idleDisconnectMinutes: 30 });
  await first.controller.updateSpeaker(PIN_SPEAKER, { volume: 42, delayMs: 25, codec: 'aac' });
  await first.close();

  // BlueZ keeps its pairings on disk: the second run's simulated BlueZ knows both speakers
  const second = await boot(dir, [JUST_WORKS, PIN_SPEAKER]);
  t.teardown(() => second.close());
  t.match(second.controller.settings(), { mode: 'stereo-split', idleDisconnectMinutes: 30 });
  t.match(second.controller.speakers().find((s) => s.address === PIN_SPEAKER), { volume: 42, delayMs: 25, known: true });
  await second.advance(10_000);
  const routes = second.world.audio.routes();
  t.same(routes.map((r) => [r.spec.address, r.spec.channel, r.spec.delayMs]).sort(), [
    [JUST_WORKS, 'left', 0],
    [PIN_SPEAKER, 'right', 25],
  ]);
  t.equal(second.world.audio.speakerSinks().find((s) => s.address === PIN_SPEAKER)?.codec, 'aac', 'the codec preference applied at boot');
});
