/**
 * The BluelineApi the web tests run against, with the facts the tests need about it.
 * Today: FakeApi (test/helpers/fake-api.ts).
 */
import type { BluelineApi } from '../../daemon/src/core/api.js';
import { FakeApi } from './fake-api.js';

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
  const api = new FakeApi();
  api.startLevels();
  return {
    api, known: '00:11:22:33:44:55', unknown: '0A:0B:0C:0D:0E:0F',
    pinSpeaker: { address: '00:11:22:33:44:77', pin: '4321' }, otherCodec: 'aac',
    setInputPresent: (present) => api.setInputPresent(present),
    stop: async () => api.stop(),
  };
}
