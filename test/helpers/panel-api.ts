/**
 * The BluelineApi the web tests run against: the real controller on the simulated world in
 * real time (sim-api.ts), with the Echo talking all the time so the level meter moves.
 */
import type { BluelineApi } from '../../daemon/src/core/api.js';
import { simulatedApi } from './sim-api.js';

export interface PanelApi {
  api: BluelineApi;
  /** a known speaker, streaming at start */
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
  const sim = await simulatedApi({ world: { echo: false } });
  sim.world.faults.echoTalking(true);
  const { api, known, unknown, pinSpeaker, otherCodec, stop } = sim;
  return {
    api, known, unknown, pinSpeaker, otherCodec, stop,
    setInputPresent: (present) => (present ? sim.world.faults.plugUsbCard() : sim.world.faults.unplugUsbCard()),
  };
}
