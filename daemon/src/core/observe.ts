/**
 * Builds the Observed snapshot a pass plans on: the ports' snapshots plus the controller's own
 * per-speaker runtime, whose link bookkeeping is updated here (a link that came up means the
 * speaker is reachable: its backoff is over).
 */
import type { PersistedState } from '../config/state-schema.js';
import type { BtAddress } from './address.js';
import type { Executor } from './executor.js';
import type { Observed } from './model.js';
import type { AudioPort, BluetoothPort } from './ports.js';
import { recordSuccess } from './backoff.js';
import { deviceFor } from './reconcile.js';

export interface ObserveInput {
  bluetooth: BluetoothPort;
  audio: AudioPort;
  executor: Executor;
  desired: PersistedState;
  now: number;
  lastSignalAt: number;
  pairing: BtAddress | null;
}

export function observe({ bluetooth, audio, executor, desired, now, lastSignalAt, pairing }: ObserveInput): Observed {
  const observed: Observed = {
    now,
    bluetoothUp: bluetooth.available,
    audioUp: audio.available,
    adapters: bluetooth.adapters(),
    devices: bluetooth.devices(),
    inputs: audio.inputs(),
    sinks: audio.speakerSinks(),
    routes: audio.routes(),
    runtime: executor.runtime,
    meterSource: executor.meterSource,
    keepAwake: executor.keepAwake,
    lastSignalAt,
    pairing,
    powering: executor.powering,
  };
  for (const speaker of desired.speakers) {
    const rt = executor.runtimeOf(speaker.address);
    const device = deviceFor(speaker, observed);
    if (device?.connected) {
      rt.lastAdapter = device.adapter;
      // the link came up (the speaker is reachable) or the audio profile is there: backoff over
      const profileUp = observed.sinks.some((s) => s.address === speaker.address);
      if (rt.linkSince === null || (profileUp && rt.attempts > 0)) recordSuccess(rt);
      rt.linkSince ??= now;
    } else {
      rt.linkSince = null;
      // a scan hears it (RSSI): it is back in reach, so the backoff wait is pointless
      if (device?.rssi != null && rt.nextRetryAt !== null && !rt.refused) rt.nextRetryAt = null;
    }
  }
  return observed;
}
