/**
 * The BluelineApi the web tests run against, with the facts the tests need about it:
 * the real controller on the simulated world (test/helpers/sim-api.ts).
 */
import type { BluelineApi } from '../../daemon/src/core/api.js';
import { simulatedApi } from './sim-api.js';

export interface PanelApi {
  api: BluelineApi;
  /** a known, connected speaker */
  known: string;
  /** an address no scan will ever find */
  unknown: string;
  /** found by a scan; refuses pairing without `pin` */
  pinSpeaker: { address: string; pin: string };
  /** a codec the known speaker can switch to */
  otherCodec: string;
  /** unplug (false) or plug back (true) the USB sound card */
  setInputPresent(present: boolean): void;
  stop(): Promise<void>;
}

export async function panelApi(): Promise<PanelApi> {
  return simulatedApi();
}
