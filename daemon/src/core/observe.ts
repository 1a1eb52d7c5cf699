/**
 * Builds the Observed snapshot a pass plans on: the ports' snapshots plus the controller's own
 * per-speaker runtime, whose link bookkeeping is updated here (audio up ends the backoff; a
 * link that came up means the speaker is in reach, so the next attempt need not wait).
 */
import type { PersistedState } from '../config/state-schema.js';
import type { BtAddress } from './address.js';
import type { Executor } from './executor.js';
import type { Observed } from './model.js';
import type { AudioPort, BluetoothPort } from './ports.js';
import { recordReachable, recordSuccess } from './backoff.js';
import { deviceFor } from './reconcile.js';

export interface ObserveInput {
  bluetooth: BluetoothPort;
  audio: AudioPort;
  executor: Executor;
  desired: PersistedState;
  now: number;
  lastSignalAt: number;
  pairing: BtAddress | null;
  /** Policy.codecTrialMs */
  codecTrialMs: number;
}

export function observe({ bluetooth, audio, executor, desired, now, lastSignalAt, pairing, codecTrialMs }: ObserveInput): Observed {
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
      // audio up: the backoff is over. A link without audio only means the speaker is in
      // reach: try now, but keep counting, or a speaker whose profile keeps failing after our
      // own page brought the link up would be retried every few seconds, never backing off
      const sink = observed.sinks.find((s) => s.address === speaker.address);
      const trial = rt.codecTrial;
      if (sink && trial) {
        // the new codec plays: the switch passed its trial
        if (sink.codec === trial.codec || sink.codec === null) rt.codecTrial = null;
        // still another codec when the trial ends: the server settled on that one; do not ask again
        else if (now - trial.since >= codecTrialMs) {
          rt.codecRejected = trial.codec;
          rt.codecTrial = null;
        }
      }
      if (sink && (rt.attempts > 0 || rt.lastError !== null)) recordSuccess(rt);
      else if (rt.linkSince === null) recordReachable(rt);
      rt.linkSince ??= now;
    } else {
      rt.linkSince = null;
      // a scan hears it (RSSI): it is back in reach, so the backoff wait is pointless
      if (device?.rssi != null && rt.nextRetryAt !== null && !rt.refused) rt.nextRetryAt = null;
    }
  }
  return observed;
}
