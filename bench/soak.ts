/**
 * Soak: 24 simulated hours of the controller on the simulated world, with random faults and
 * user changes, at an accelerated clock. Reports RSS drift, listeners, timers and routes so leaks
 * show up as trends. Not a test: run `node bench/soak.mjs [--hours 24] [--seed 1]`.
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { defaultSpeaker, defaultState } from '../daemon/src/config/state-schema.js';
import { createController } from '../daemon/src/core/controller.js';
import { SIM_SPEAKERS } from '../daemon/src/sim/catalog.js';
import { ManualClock } from '../daemon/src/sim/manual-clock.js';
import { createSimulatedWorld, seededRandom } from '../daemon/src/sim/world.js';
import { MemoryStore } from '../test/helpers/memory-store.js';

const { values } = parseArgs({ options: { hours: { type: 'string', default: '24' }, seed: { type: 'string', default: '1' } } });
const hours = Number(values.hours);
const random = seededRandom(Number(values.seed));
const [kitchen, soundbar, pebble, wanderer] = SIM_SPEAKERS.map((s) => s.address) as [string, string, string, string];

const clock = new ManualClock();
const state = defaultState();
state.settings.mode = 'mirror';
state.speakers = [kitchen, wanderer, soundbar, pebble].map((a) => defaultSpeaker(a, SIM_SPEAKERS.find((s) => s.address === a)!.name));
const store = new MemoryStore(state);
const world = createSimulatedWorld({ clock, paired: [kitchen, soundbar, pebble], levelIntervalMs: 1_000, seed: Number(values.seed) });
world.sim.radio.pairings.get('hci1')?.add(wanderer); // the wanderer uses the USB dongle

let warns = 0;
let errors = 0;
const sink = new Writable({
  write(chunk: Buffer, _e, done) {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      const level = (JSON.parse(line) as { level: number }).level;
      if (level === 40) warns++;
      if (level >= 50) errors++;
    }
    done();
  },
});
const controller = createController({ bluetooth: world.bluetooth, audio: world.audio, store, logger: pino({ level: 'warn' }, sink), clock, simulated: true });
let events = 0;
controller.on('event', () => events++);

type Fault = { name: string; inject: () => void; restore: () => void };
const f = world.faults;
const faults: Fault[] = [
  { name: 'bluetoothd', inject: () => f.bluetoothdDown(), restore: () => f.bluetoothdUp() },
  { name: 'audio-server', inject: () => f.audioServerDown(), restore: () => f.audioServerUp() },
  { name: 'usb-card', inject: () => f.unplugUsbCard(), restore: () => f.plugUsbCard() },
  { name: 'dongle', inject: () => f.unplugDongle('hci1'), restore: () => f.plugDongle('hci1') },
  { name: 'kitchen-power', inject: () => f.speakerPower(kitchen, false), restore: () => f.speakerPower(kitchen, true) },
];
const injected = new Map<string, number>();

function listeners(): number {
  const emitters = [world.bluetooth, world.audio, world.sim.radio, controller];
  return emitters.reduce((n, e) => n + e.eventNames().reduce((m, name) => m + e.listenerCount(name), 0), 0);
}

function rssMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

async function randomHour(): Promise<void> {
  let elapsed = 0;
  while (elapsed < 3_600_000) {
    const gap = Math.round(5 * 60_000 + random() * 25 * 60_000);
    const step = Math.min(gap, 3_600_000 - elapsed);
    await clock.advance(step);
    elapsed += step;
    if (elapsed >= 3_600_000) break;
    const r = random();
    if (r < 0.7) {
      const fault = faults[Math.floor(random() * faults.length)]!;
      injected.set(fault.name, (injected.get(fault.name) ?? 0) + 1);
      fault.inject();
      const outage = Math.round(5_000 + random() * 115_000);
      await clock.advance(outage);
      elapsed += outage;
      fault.restore();
    } else if (r < 0.85) {
      await controller.updateSpeaker(kitchen, { volume: Math.round(random() * 100), delayMs: Math.round(random() * 200) - 100 });
    } else {
      await controller.updateSettings({ mode: (['single', 'mirror', 'stereo-split'] as const)[Math.floor(random() * 3)]! });
    }
  }
}

const started = performance.now();
await controller.start();
await clock.advance(60_000);
const samples: { hour: number; rss: number; heap: number; listeners: number; timers: number; routes: number; healthy: boolean; why: string }[] = [];
const sample = (hour: number): void => {
  const routes = world.audio.routes();
  const health = controller.health();
  const rss = rssMiB();
  samples.push({ hour, rss, heap: process.memoryUsage().heapUsed / 2 ** 20, listeners: listeners(), timers: clock.timerCount, routes: routes.length, healthy: health.healthy, why: health.reasons.join('; ') });
};
sample(0);
let leakedRoutes = 0;
for (let hour = 1; hour <= hours; hour++) {
  await randomHour();
  // settle: every fault is restored; two minutes later the world should be whole again
  await clock.advance(120_000);
  const routes = world.audio.routes();
  const ids = new Set(routes.map((r) => r.spec.address));
  const wanted = controller.settings().mode === 'single' ? 1 : 2;
  if (routes.length > wanted || ids.size !== routes.length) leakedRoutes++;
  sample(hour);
}
const wallSeconds = (performance.now() - started) / 1000;
world.close();
await controller.stop();

const first = samples[1] ?? samples[0]!;
const last = samples.at(-1)!;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`# soak: ${hours} simulated hours in ${wallSeconds.toFixed(1)} s wall (seed ${values.seed})\n`);
console.log('| hour | RSS MiB | heap MiB | listeners | timers | routes | healthy |');
console.log('|---:|---:|---:|---:|---:|---:|:---|');
for (const s of samples.filter((s) => s.hour % 4 === 0 || s.hour === hours)) console.log(`| ${s.hour} | ${s.rss.toFixed(1)} | ${s.heap.toFixed(1)} | ${s.listeners} | ${s.timers} | ${s.routes} | ${s.healthy} |`);
console.log('');
console.log(`- RSS drift hour 1 -> ${hours}: ${(last.rss - first.rss).toFixed(1)} MiB (median ${median(samples.map((s) => s.rss)).toFixed(1)} MiB)`);
console.log(`- listeners: ${first.listeners} -> ${last.listeners}; pending timers: ${first.timers} -> ${last.timers} (max ${Math.max(...samples.map((s) => s.timers))})`);
console.log(`- hours with leaked/duplicate routes after settling: ${leakedRoutes}`);
console.log(`- heap drift hour 1 -> ${hours}: ${(last.heap - first.heap).toFixed(2)} MiB`);
console.log(`- hours not healthy after settling: ${samples.filter((s) => !s.healthy).length} of ${samples.length}${samples.filter((s) => !s.healthy).map((s) => ` (hour ${s.hour}: ${s.why})`).join('')}`);
console.log(`- faults injected: ${[...injected].map(([k, v]) => `${k} ${v}`).join(', ')}; warn lines: ${warns}; error lines: ${errors}; panel events: ${events}`);
