/**
 * plan(desired, observed): the pure heart of the controller. It compares what the user asked
 * for (PersistedState) with what the ports show (Observed, which carries `now`) and returns the
 * idempotent actions that move the world one step closer. No I/O, no clock, no randomness:
 * the same inputs always give the same actions, which is what the tests rely on.
 */
import type { KnownSpeaker, PersistedState } from '../config/state-schema.js';
import type { BtAddress } from './address.js';
import { DEFAULT_POLICY, freshRuntime, type Action, type Observed, type Policy } from './model.js';
import type { DeviceState, InputSource, RouteChannel, RouteSpec } from './ports.js';

/** how many speakers each mode plays to */
export function speakersForMode(mode: PersistedState['settings']['mode']): number {
  return mode === 'single' ? 1 : 2;
}

/** the speakers the mode uses: the first enabled ones in the user's order */
export function usedSpeakers(desired: PersistedState): KnownSpeaker[] {
  return desired.speakers.filter((s) => s.enabled).slice(0, speakersForMode(desired.settings.mode));
}

/** the configured input if present; with none configured, the first USB source, else the first source */
export function resolveInput(settings: PersistedState['settings'], inputs: InputSource[]): InputSource | null {
  if (settings.input !== null) return inputs.find((i) => i.name === settings.input) ?? null;
  return inputs.find((i) => i.isUsb) ?? inputs[0] ?? null;
}

/** the BlueZ device object this speaker uses: on its configured adapter, else the best one */
export function deviceFor(speaker: KnownSpeaker, observed: Pick<Observed, 'devices' | 'adapters'>): DeviceState | undefined {
  const candidates = observed.devices.filter(
    (d) => d.address === speaker.address && (speaker.adapter === null || adapterMatches(speaker.adapter, d.adapter, observed)),
  );
  const powered = (d: DeviceState): boolean => observed.adapters.some((a) => a.id === d.adapter && a.powered);
  const rank = (d: DeviceState): number => (d.connected ? 0 : d.paired && powered(d) ? 1 : d.paired ? 2 : 3);
  return candidates.sort((a, b) => rank(a) - rank(b))[0];
}

function adapterMatches(wanted: string, adapterId: string, observed: Pick<Observed, 'adapters'>): boolean {
  if (wanted === adapterId) return true;
  return observed.adapters.some((a) => a.id === adapterId && a.address.toUpperCase() === wanted.toUpperCase());
}

/** no input signal for the configured time: speakers are let go until it returns */
export function isIdle(desired: PersistedState, observed: Pick<Observed, 'now' | 'lastSignalAt'>): boolean {
  const minutes = desired.settings.idleDisconnectMinutes;
  return minutes > 0 && observed.now - observed.lastSignalAt >= minutes * 60_000;
}

/** delays shifted so the smallest of the used speakers is 0 (a route cannot play early) */
export function normalizedDelays(used: KnownSpeaker[]): Map<BtAddress, number> {
  const min = Math.min(...used.map((s) => s.delayMs));
  return new Map(used.map((s) => [s.address, s.delayMs - min]));
}

function channelFor(mode: PersistedState['settings']['mode'], index: number): RouteChannel {
  if (mode !== 'stereo-split') return 'stereo';
  return index === 0 ? 'left' : 'right';
}

/** the routes that should exist: one per used speaker whose sink is up, from the resolved input */
export function desiredRoutes(desired: PersistedState, observed: Observed): RouteSpec[] {
  if (!observed.audioUp || isIdle(desired, observed)) return [];
  const input = resolveInput(desired.settings, observed.inputs);
  if (!input) return [];
  const used = usedSpeakers(desired);
  const delays = normalizedDelays(used);
  const specs: RouteSpec[] = [];
  used.forEach((speaker, index) => {
    const sink = observed.sinks.find((s) => s.address === speaker.address);
    if (!sink) return;
    specs.push({
      address: speaker.address,
      source: input.name,
      sink: sink.name,
      channel: channelFor(desired.settings.mode, index),
      latencyMs: desired.settings.latencyMs,
      delayMs: delays.get(speaker.address) ?? 0,
    });
  });
  return specs;
}

export function routeKey(spec: RouteSpec): string {
  return [spec.address, spec.source, spec.sink, spec.channel, spec.latencyMs, spec.delayMs].join('|');
}

function due(observed: Observed, address: BtAddress): boolean {
  const rt = observed.runtime.get(address) ?? freshRuntime();
  return rt.nextRetryAt === null || observed.now >= rt.nextRetryAt;
}

function linkActions(desired: PersistedState, observed: Observed, policy: Policy): Action[] {
  if (!observed.bluetoothUp) return [];
  const actions: Action[] = [];
  const used = usedSpeakers(desired);
  const idle = isIdle(desired, observed);
  const powering = new Set<string>();
  for (const speaker of desired.speakers) {
    const device = deviceFor(speaker, observed);
    const isUsed = used.includes(speaker);
    const rt = observed.runtime.get(speaker.address) ?? freshRuntime();
    if (!isUsed || idle) {
      if (device?.connected && !rt.connecting) actions.push({ kind: 'disconnect', address: speaker.address, adapter: device.adapter, why: isUsed ? 'idle' : 'not-used' });
      continue;
    }
    if (!device?.paired) continue; // nothing to connect to: the view reports it
    const adapter = observed.adapters.find((a) => a.id === device.adapter);
    if (!adapter?.powered) {
      if (adapter && !observed.powering.has(adapter.id) && !powering.has(adapter.id)) {
        powering.add(adapter.id);
        actions.push({ kind: 'power-adapter', adapter: adapter.id });
      }
      continue;
    }
    if (rt.connecting || rt.refused || observed.pairing !== null || !due(observed, speaker.address)) continue;
    if (!device.connected) {
      actions.push({ kind: 'connect', address: speaker.address, adapter: device.adapter, why: 'down' });
    } else if (observed.audioUp && !observed.sinks.some((s) => s.address === speaker.address)) {
      // BlueZ restored the ACL link only (speaker power-cycled): bring the A2DP profile up
      const since = rt.linkSince ?? observed.now;
      if (observed.now - since >= policy.profileGraceMs) {
        actions.push({ kind: 'connect', address: speaker.address, adapter: device.adapter, why: 'profile-missing' });
      }
    }
  }
  return actions;
}

function audioActions(desired: PersistedState, observed: Observed, policy: Policy): Action[] {
  if (!observed.audioUp) return [];
  const actions: Action[] = [];
  const switching = new Set<BtAddress>();
  for (const speaker of desired.speakers) {
    const sink = observed.sinks.find((s) => s.address === speaker.address);
    const rt = observed.runtime.get(speaker.address) ?? freshRuntime();
    if (!sink) {
      // a codec switch that left the speaker without a sink for too long: switch back
      const trial = rt.codecTrial;
      if (trial && deviceFor(speaker, observed)?.connected && observed.now - trial.since >= policy.codecTrialMs) {
        actions.push({ kind: 'switch-codec', address: speaker.address, codec: trial.from ?? 'sbc', from: trial.codec, fallback: true });
      }
      continue;
    }
    if (speaker.codec !== null && sink.codec !== null && sink.codec !== speaker.codec && rt.codecRejected !== speaker.codec) {
      actions.push({ kind: 'switch-codec', address: speaker.address, codec: speaker.codec, from: sink.codec });
      switching.add(speaker.address);
      continue; // the sink is rebuilt by the switch; volume and routes follow on the next pass
    }
    const volume = speaker.volume / 100;
    if (sink.volume.some((v) => Math.abs(v - volume) > 0.005)) actions.push({ kind: 'set-volume', address: speaker.address, volume });
    if (sink.muted !== speaker.muted) actions.push({ kind: 'set-mute', address: speaker.address, muted: speaker.muted });
  }

  const wanted = desiredRoutes(desired, observed).filter((spec) => !switching.has(spec.address));
  const wantedKeys = new Set(wanted.map(routeKey));
  const activeKeys = new Set<string>();
  for (const route of observed.routes) {
    const key = routeKey(route.spec);
    if (wantedKeys.has(key) && !activeKeys.has(key)) activeKeys.add(key);
    else actions.push({ kind: 'remove-route', id: route.id, address: route.spec.address });
  }
  for (const spec of wanted) if (!activeKeys.has(routeKey(spec))) actions.push({ kind: 'add-route', spec });

  const meter = resolveInput(desired.settings, observed.inputs)?.name ?? null;
  if (meter !== observed.meterSource) actions.push({ kind: 'set-meter', source: meter });

  const quiet = observed.now - observed.lastSignalAt >= policy.keepAwakeAfterSilenceMs;
  const awake = desired.settings.keepAwake && quiet ? wanted.map((s) => s.address).sort() : [];
  const current = [...observed.keepAwake].sort();
  if (awake.join() !== current.join()) actions.push({ kind: 'set-keep-awake', addresses: awake });
  return actions;
}

/**
 * The actions that move `observed` toward `desired`, in the order executors should run them:
 * adapters and links first, then codecs, routes (removals before additions), volumes, meter.
 */
/** Every adapter carries the configured name, so speakers list the box as the owner named it. */
function adapterActions(observed: Observed, policy: Policy): Action[] {
  const alias = policy.adapterAlias;
  if (alias === null) return [];
  return observed.adapters.filter((a) => a.alias !== alias).map((a) => ({ kind: 'set-alias', adapter: a.id, address: a.address, alias }));
}

export function plan(desired: PersistedState, observed: Observed, policy: Policy = DEFAULT_POLICY): Action[] {
  const order: Action['kind'][] = ['power-adapter', 'set-alias', 'disconnect', 'connect', 'switch-codec', 'remove-route', 'add-route', 'set-volume', 'set-mute', 'set-meter', 'set-keep-awake'];
  const actions = [...adapterActions(observed, policy), ...linkActions(desired, observed, policy), ...audioActions(desired, observed, policy)];
  return actions.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}
