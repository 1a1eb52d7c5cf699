/**
 * createSimulatedWorld: a simulated bluetoothd + audio server sharing one simulated radio,
 * with fault injection, for `--simulate`, the demo, the tests and the soak.
 */
import type { BtAddress } from '../core/address.js';
import { systemClock, type Clock, type Timer } from '../core/clock.js';
import type { AudioPort, BluetoothPort } from '../core/ports.js';
import { SimAudio } from './audio.js';
import { SimBluetooth } from './bluetooth.js';
import { SIM_ADAPTERS, SIM_SPEAKERS, type SimAdapterSpec, type SimSpeakerSpec } from './catalog.js';
import { SimFaults } from './faults.js';
import { SimRadio } from './radio.js';

export interface SimulatedWorldOptions {
  clock?: Clock;
  speakers?: SimSpeakerSpec[];
  adapters?: SimAdapterSpec[];
  /** speakers BlueZ already has keys for (as if paired in an earlier run), on the first adapter */
  paired?: BtAddress[];
  /** the Echo talks now and then (default); false: only when told through faults.echoTalking */
  echo?: boolean;
  /** the wandering speaker leaves range every few minutes (default true) */
  wander?: boolean;
  /** level readings interval (default 100 ms) */
  levelIntervalMs?: number;
  /** seed for the Echo and wanderer schedules */
  seed?: number;
}

export interface SimulatedWorld {
  bluetooth: BluetoothPort;
  audio: AudioPort;
  faults: SimFaults;
  /** the simulated parts, for assertions */
  sim: { radio: SimRadio; bluetooth: SimBluetooth; audio: SimAudio };
  /** stops the background schedules (Echo, wanderer) */
  close(): void;
}

/** mulberry32: small, seeded, good enough for schedules */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createSimulatedWorld(options: SimulatedWorldOptions = {}): SimulatedWorld {
  const clock = options.clock ?? systemClock;
  const radio = new SimRadio(options.speakers ?? SIM_SPEAKERS, options.adapters ?? SIM_ADAPTERS);
  const firstAdapter = radio.adapters.keys().next().value;
  for (const address of options.paired ?? []) if (firstAdapter && radio.speakers.has(address)) radio.pairings.get(firstAdapter)?.add(address);
  const bluetooth = new SimBluetooth(radio, clock);
  const audio = new SimAudio(radio, clock, options.levelIntervalMs);
  const faults = new SimFaults(radio, bluetooth, audio);
  const random = seededRandom(options.seed ?? 1);
  const timers = new Set<Timer>();
  let closed = false;

  const later = (ms: number, fn: () => void): void => {
    const t = clock.setTimeout(() => {
      timers.delete(t);
      if (!closed) fn();
    }, ms);
    timers.add(t);
  };
  const between = (min: number, max: number): number => min + random() * (max - min);

  if (options.echo ?? true) {
    const echo = (): void => {
      radio.echoTalking = !radio.echoTalking;
      later(radio.echoTalking ? between(4_000, 40_000) : between(20_000, 180_000), echo);
    };
    later(between(1_000, 5_000), echo);
  }
  if (options.wander ?? true) {
    for (const s of radio.speakers.values()) {
      if (!s.spec.wanders) continue;
      const wander = (): void => {
        faults.speakerRange(s.spec.address, !s.inRange);
        later(s.inRange ? between(120_000, 360_000) : between(15_000, 60_000), wander);
      };
      later(between(120_000, 360_000), wander);
    }
  }

  return {
    bluetooth,
    audio,
    faults,
    sim: { radio, bluetooth, audio },
    close() {
      closed = true;
      for (const t of timers) clock.clearTimeout(t);
      timers.clear();
    },
  };
}
