/**
 * The controller's vocabulary: what it observes (port snapshots + its own per-speaker runtime)
 * and the actions `plan` returns. Plain data only, so plan stays a pure function.
 */
import type { BtAddress } from './address.js';
import type { ActiveRoute, AdapterState, DeviceState, InputSource, RouteSpec, SpeakerSink } from './ports.js';

/** What the controller remembers per known speaker between passes. */
export interface SpeakerRuntime {
  /** failed connection attempts in a row (0 after a success) */
  attempts: number;
  /** epoch ms when the next attempt may start; null = now */
  nextRetryAt: number | null;
  lastError: string | null;
  /** the speaker said no (auth failed, pairing gone): no retries until the user acts */
  refused: boolean;
  /** a connect or disconnect is running for this speaker (executors run link operations in the background) */
  connecting: boolean;
  /** epoch ms since when the link has been up; null while down */
  linkSince: number | null;
  /** a codec the audio server refused, or the speaker played nothing with: not asked again until the preference changes */
  codecRejected: string | null;
  /**
   * A codec switch waiting to prove itself: the speaker must get its sink back with the new
   * codec within Policy.codecTrialMs, or the controller switches back to `from`.
   */
  codecTrial: { codec: string; from: string | null; since: number } | null;
  /** the adapter it was last connected through (to tell "dongle unplugged" from "pairing gone") */
  lastAdapter: string | null;
}

export function freshRuntime(): SpeakerRuntime {
  return { attempts: 0, nextRetryAt: null, lastError: null, refused: false, connecting: false, linkSince: null, codecRejected: null, codecTrial: null, lastAdapter: null };
}

export interface Observed {
  now: number;
  bluetoothUp: boolean;
  audioUp: boolean;
  adapters: AdapterState[];
  devices: DeviceState[];
  inputs: InputSource[];
  sinks: SpeakerSink[];
  routes: ActiveRoute[];
  runtime: ReadonlyMap<BtAddress, SpeakerRuntime>;
  /** what the executors last set on the audio server (reset when it restarts) */
  meterSource: string | null;
  keepAwake: BtAddress[];
  /** epoch ms of the last input signal (or of start-up, when none was heard yet) */
  lastSignalAt: number;
  /** a pairing is running: connection attempts wait (paging disturbs pairing) */
  pairing: BtAddress | null;
  /** adapters being powered right now */
  powering: ReadonlySet<string>;
}

export type Action =
  | { kind: 'power-adapter'; adapter: string }
  | { kind: 'set-alias'; adapter: string; address: BtAddress; alias: string }
  | { kind: 'connect'; address: BtAddress; adapter: string; why: 'down' | 'profile-missing' }
  | { kind: 'disconnect'; address: BtAddress; adapter: string; why: 'not-used' | 'idle' }
  | { kind: 'remove-route'; id: string; address: BtAddress }
  | { kind: 'add-route'; spec: RouteSpec }
  | { kind: 'set-volume'; address: BtAddress; volume: number }
  | { kind: 'set-mute'; address: BtAddress; muted: boolean }
  /** `from`: the codec before; `fallback`: undoing a switch the speaker played nothing with */
  | { kind: 'switch-codec'; address: BtAddress; codec: string; from: string | null; fallback?: true }
  | { kind: 'set-meter'; source: string | null }
  | { kind: 'set-keep-awake'; addresses: BtAddress[] };

/** Tunables of the loop and the policy; defaults in DEFAULT_POLICY. */
export interface Policy {
  /** a link without an A2DP sink for this long gets ConnectProfile */
  profileGraceMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** slow timer: reconcile at least this often */
  resyncMs: number;
  /** events within this window are folded into one pass */
  debounceMs: number;
  /** a pass running longer than this means the loop is stuck (the watchdog stops) */
  stuckPassMs: number;
  /** the name speakers see (config bluetooth.alias); null leaves the adapters' names alone */
  adapterAlias: string | null;
  /**
   * The keep-awake tone plays only once the input has been silent this long: while the Echo
   * plays, the speakers are awake anyway, and the tone (whose samples the daemon pushes itself)
   * would only cost CPU and be mixed under the music.
   */
  keepAwakeAfterSilenceMs: number;
  /**
   * After a codec switch the speaker's sink must come back within this long; a speaker that
   * negotiated a codec it cannot play (seen in the end-to-end lab) would otherwise stay silent.
   */
  codecTrialMs: number;
}

export const DEFAULT_POLICY: Policy = { profileGraceMs: 1_500, backoffBaseMs: 1_000, backoffCapMs: 30_000, resyncMs: 5_000, debounceMs: 100, stuckPassMs: 60_000, adapterAlias: null, keepAwakeAfterSilenceMs: 30_000, codecTrialMs: 10_000 };
