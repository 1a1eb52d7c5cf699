/** The reconcile loop: debounced, one pass at a time, a slow timer, early wake-ups. */
import t from 'tap';
import { sleep } from '../../daemon/src/core/clock.js';
import { ReconcileLoop } from '../../daemon/src/core/loop.js';
import { ManualClock } from '../../daemon/src/sim/manual-clock.js';

function rig(passMs: number, wake: () => number | null = () => null) {
  const clock = new ManualClock();
  const starts: number[] = [];
  let running = 0;
  let overlap = false;
  const loop = new ReconcileLoop({
    clock,
    debounceMs: 100,
    resyncMs: 5_000,
    pass: async () => {
      starts.push(clock.now());
      running++;
      overlap ||= running > 1;
      await sleep(clock, passMs);
      running--;
      return wake();
    },
  });
  return { clock, loop, starts, overlap: () => overlap };
}

t.test('triggers are debounced into one pass', async (t) => {
  const r = rig(10);
  r.loop.start();
  for (let i = 0; i < 50; i++) r.loop.request();
  await r.clock.advance(1_000);
  t.equal(r.starts.length, 1);
  r.loop.stop();
});

t.test('never two passes at once; a trigger during a pass runs one more after it', async (t) => {
  const r = rig(2_000);
  r.loop.start();
  await r.clock.advance(500);
  for (let i = 0; i < 10; i++) {
    r.loop.request();
    await r.clock.advance(100);
  }
  await r.clock.advance(3_000);
  t.equal(r.overlap(), false);
  t.equal(r.starts.length, 2, `passes at ${r.starts.map((s) => s - r.starts[0]!).join(', ')}`);
  r.loop.stop();
});

t.test('the slow timer runs a pass without triggers; an early wake-up comes first', async (t) => {
  const r = rig(0);
  r.loop.start();
  await r.clock.advance(20_200);
  t.equal(r.starts.length, 5, 'at 0.1, 5.1, 10.1, 15.1, 20.1 s');
  r.loop.stop();
  const early = rig(0, () => early.clock.now() + 1_000);
  early.loop.start();
  await early.clock.advance(3_150);
  t.equal(early.starts.length, 4, 'woken every second when asked');
  early.loop.stop();
  await early.clock.advance(10_000);
  t.equal(early.starts.length, 4, 'nothing after stop');
  t.equal(early.clock.timerCount, 0, 'no timer left');
});
