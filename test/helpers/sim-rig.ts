/**
 * A controller on the simulated world with a manual clock and a captured JSON log: the rig
 * the core and sim tests (and the web helper's tests) drive.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { defaultSpeaker, defaultState, type PersistedState } from '../../daemon/src/config/state-schema.js';
import type { BluelineEvent } from '../../daemon/src/core/api.js';
import { createController, type Controller } from '../../daemon/src/core/controller.js';
import type { Policy } from '../../daemon/src/core/model.js';
import { SIM_SPEAKERS } from '../../daemon/src/sim/catalog.js';
import { ManualClock } from '../../daemon/src/sim/manual-clock.js';
import { createSimulatedWorld, type SimulatedWorld, type SimulatedWorldOptions } from '../../daemon/src/sim/world.js';
import { MemoryStore } from './memory-store.js';

export const [JUST_WORKS, PIN_SPEAKER, LOW_BATTERY, WANDERER] = SIM_SPEAKERS.map((s) => s.address) as [string, string, string, string];

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Rig {
  clock: ManualClock;
  world: SimulatedWorld;
  store: MemoryStore;
  controller: Controller;
  logs: LogLine[];
  events: BluelineEvent[];
  /** advance simulated time */
  advance(ms: number): Promise<void>;
  /** advance in steps until `check` holds; fails after `maxMs` of simulated time */
  until(check: () => boolean, maxMs?: number, stepMs?: number): Promise<number>;
  close(): Promise<void>;
}

export interface RigOptions {
  /** known speakers, in order (they are pre-paired in the simulated BlueZ) */
  speakers?: string[];
  settings?: Partial<PersistedState['settings']>;
  world?: SimulatedWorldOptions;
  policy?: Partial<Policy>;
  /** start the controller (default true) */
  start?: boolean;
}

export async function createRig(options: RigOptions = {}): Promise<Rig> {
  const clock = new ManualClock();
  const known = options.speakers ?? [JUST_WORKS];
  const state = defaultState();
  state.settings = { ...state.settings, ...options.settings };
  state.speakers = known.map((address) => defaultSpeaker(address, SIM_SPEAKERS.find((s) => s.address === address)?.name ?? address));
  const store = new MemoryStore(state);
  const world = createSimulatedWorld({ clock, paired: known, echo: false, wander: false, levelIntervalMs: 1000, ...options.world });
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  // log times on the simulated clock, so tests can read intervals from the log
  const logger = pino({ level: 'debug', timestamp: () => `,"time":${clock.now()}` }, sink);
  const controller = createController({ bluetooth: world.bluetooth, audio: world.audio, store, logger, clock, policy: options.policy, simulated: true });
  const events: BluelineEvent[] = [];
  controller.on('event', (e) => events.push(e));
  if (options.start ?? true) await controller.start();
  const advance = (ms: number): Promise<void> => clock.advance(ms);
  return {
    clock,
    world,
    store,
    controller,
    logs,
    events,
    advance,
    async until(check, maxMs = 60_000, stepMs = 100) {
      let waited = 0;
      while (!check()) {
        if (waited >= maxMs) throw new Error(`condition not met within ${maxMs} ms of simulated time`);
        await advance(stepMs);
        waited += stepMs;
      }
      return waited;
    },
    async close() {
      world.close();
      await controller.stop();
    },
  };
}

export function phaseOf(rig: Rig, address: string): string | undefined {
  return rig.controller.speakers().find((s) => s.address === address)?.phase;
}

export function warnLines(rig: Rig): LogLine[] {
  return rig.logs.filter((l) => l.level === 40);
}
