/**
 * Every combination of speaker states x modes: the first plan does the right thing for each
 * speaker, and running the actions on the simulated world converges in a bounded number of
 * passes to the state the mode asks for.
 */
import { pino } from 'pino';
import t from 'tap';
import { defaultSpeaker, defaultState, type PersistedState } from '../../daemon/src/config/state-schema.js';
import type { Mode } from '../../daemon/src/core/api.js';
import { Executor } from '../../daemon/src/core/executor.js';
import { DEFAULT_POLICY, type Action } from '../../daemon/src/core/model.js';
import { observe } from '../../daemon/src/core/observe.js';
import { plan, usedSpeakers } from '../../daemon/src/core/reconcile.js';
import { simSinkName, SIM_USB_SOURCE } from '../../daemon/src/sim/audio.js';
import { ManualClock } from '../../daemon/src/sim/manual-clock.js';
import { createSimulatedWorld } from '../../daemon/src/sim/world.js';
import { JUST_WORKS, LOW_BATTERY, PIN_SPEAKER } from '../helpers/sim-rig.js';

type Link = 'none' | 'acl' | 'a2dp';
const LINKS: Link[] = ['none', 'acl', 'a2dp'];
const MODES: Mode[] = ['single', 'mirror', 'stereo-split'];
const ADDRESSES = [JUST_WORKS, PIN_SPEAKER, LOW_BATTERY];
const MAX_PASSES = 4;

interface Case {
  mode: Mode;
  speakers: { enabled: boolean; link: Link; delayMs: number }[];
}

function* cases(): Generator<Case> {
  const perSpeaker = [true, false].flatMap((enabled) => LINKS.map((link) => ({ enabled, link })));
  for (const mode of MODES)
    for (const a of perSpeaker)
      for (const b of perSpeaker)
        for (const c of perSpeaker) yield { mode, speakers: [a, b, c].map((s, i) => ({ ...s, delayMs: [40, -20, 0][i]! })) };
}

const logger = pino({ level: 'silent' });

async function runCase(k: Case): Promise<{ passes: number; first: Action[]; desired: PersistedState; world: ReturnType<typeof createSimulatedWorld> }> {
  const clock = new ManualClock();
  const world = createSimulatedWorld({ clock, paired: ADDRESSES, echo: false, wander: false, levelIntervalMs: 60_000 });
  await world.bluetooth.start();
  await world.audio.start();
  const desired = defaultState();
  desired.settings.mode = k.mode;
  desired.speakers = ADDRESSES.map((address, i) => ({ ...defaultSpeaker(address, address), enabled: k.speakers[i]!.enabled, delayMs: k.speakers[i]!.delayMs }));
  k.speakers.forEach((s, i) => {
    if (s.link !== 'none') world.sim.radio.setLink(ADDRESSES[i]!, { adapter: 'hci0', a2dp: s.link === 'a2dp' });
  });
  // a route left behind by an earlier run, with a delay nobody wants now
  if (k.speakers[0]!.link === 'a2dp') {
    await Promise.all([world.audio.addRoute({ address: JUST_WORKS, source: SIM_USB_SOURCE, sink: simSinkName(JUST_WORKS), channel: 'stereo', latencyMs: 20, delayMs: 333 }), clock.advance(1000)]);
  }
  const executor = new Executor({ bluetooth: world.bluetooth, audio: world.audio, clock, policy: DEFAULT_POLICY, logger, requestPass: () => undefined, onError: () => undefined });
  let first: Action[] | null = null;
  for (let pass = 1; pass <= MAX_PASSES + 1; pass++) {
    const observed = observe({ bluetooth: world.bluetooth, audio: world.audio, executor, desired, now: clock.now(), lastSignalAt: clock.now(), pairing: null, codecTrialMs: DEFAULT_POLICY.codecTrialMs });
    const actions = plan(desired, observed);
    first ??= actions;
    if (actions.length === 0) return { passes: pass - 1, first, desired, world };
    let done = false;
    const running = (async () => {
      for (const action of actions) await executor.run(action, logger);
    })().finally(() => (done = true));
    // simulated operations take simulated time: move the clock while the actions run, then
    // long enough for a page, a ConnectProfile grace period and a codec switch
    for (let waited = 0; !done || waited < 3_000; waited += 100) await clock.advance(100);
    await running;
  }
  return { passes: Infinity, first: first ?? [], desired, world };
}

t.test('every combination of speaker states x modes converges', async (t) => {
  let count = 0;
  let worst = 0;
  for (const k of cases()) {
    count++;
    const label = `${k.mode} ${k.speakers.map((s) => `${s.enabled ? 'on' : 'off'}/${s.link}`).join(' ')}`;
    const { passes, first, desired, world } = await runCase(k);
    worst = Math.max(worst, passes);
    const used = usedSpeakers(desired).map((s) => s.address);
    const problems: string[] = [];
    if (passes > MAX_PASSES) problems.push(`did not converge in ${MAX_PASSES} passes`);

    // the first plan: the right action for every speaker
    ADDRESSES.forEach((address, i) => {
      const link = k.speakers[i]!.link;
      const connects = first.filter((a) => a.kind === 'connect' && a.address === address).length;
      const disconnects = first.filter((a) => a.kind === 'disconnect' && a.address === address).length;
      const wantConnect = used.includes(address) && link === 'none' ? 1 : 0;
      const wantDisconnect = !used.includes(address) && link !== 'none' ? 1 : 0;
      if (connects !== wantConnect) problems.push(`${address}: ${connects} connects, expected ${wantConnect}`);
      if (disconnects !== wantDisconnect) problems.push(`${address}: ${disconnects} disconnects, expected ${wantDisconnect}`);
      if (!used.includes(address) && first.some((a) => a.kind === 'add-route' && a.spec.address === address)) problems.push(`${address}: routed though unused`);
    });

    // the converged world: exactly the mode's speakers play, on the right channels, aligned
    const routes = world.audio.routes();
    const connected = world.bluetooth.devices().filter((d) => d.connected).map((d) => d.address);
    if (connected.sort().join() !== [...used].sort().join()) problems.push(`connected ${connected.join()} but the mode uses ${used.join()}`);
    if (routes.length !== used.length) problems.push(`${routes.length} routes for ${used.length} speakers`);
    used.forEach((address, index) => {
      const r = routes.find((x) => x.spec.address === address);
      const channel = k.mode === 'stereo-split' ? (index === 0 ? 'left' : 'right') : 'stereo';
      if (r?.spec.channel !== channel) problems.push(`${address}: channel ${r?.spec.channel}, expected ${channel}`);
    });
    const delays = routes.map((r) => r.spec.delayMs);
    if (delays.length && Math.min(...delays) !== 0) problems.push(`delays ${delays.join()} not normalised`);
    world.close();
    if (problems.length) t.fail(`${label}: ${problems.join('; ')}`);
  }
  t.equal(count, 3 * 6 ** 3, 'all combinations tried');
  t.ok(worst <= MAX_PASSES, `worst case converged in ${worst} passes`);
});
