/**
 * The real controller on the simulated world, in real time (system clock): what the web tests
 * can run against instead of a fake. Same shape as the web's PanelApi facts.
 */
import { pino, type Logger } from 'pino';
import { defaultSpeaker, defaultState } from '../../daemon/src/config/state-schema.js';
import { createController, type Controller } from '../../daemon/src/core/controller.js';
import { SIM_SPEAKERS, type SimSpeakerSpec } from '../../daemon/src/sim/catalog.js';
import { createSimulatedWorld, type SimulatedWorld, type SimulatedWorldOptions } from '../../daemon/src/sim/world.js';
import { MemoryStore } from './memory-store.js';

/** a speaker whose PIN none of the agent's defaults guess */
export const GARAGE_RADIO: SimSpeakerSpec = { address: '00:1A:7D:DA:71:05', name: 'Garage Radio', pin: '4321', batteryPercent: null, codecs: ['sbc'], autoReconnect: false, wanders: false };

export interface SimulatedApi {
  api: Controller;
  world: SimulatedWorld;
  store: MemoryStore;
  /** a known speaker, streaming when simulatedApi() resolves */
  known: string;
  /** an address no scan will ever find */
  unknown: string;
  /** found by a scan; pairing fails without `pin` */
  pinSpeaker: { address: string; pin: string };
  /** a codec the known speaker can switch to */
  otherCodec: string;
  /** unplug (false) or plug back (true) the USB sound card */
  setInputPresent(present: boolean): void;
  stop(): Promise<void>;
}

export async function simulatedApi(options: { logger?: Logger; world?: SimulatedWorldOptions } = {}): Promise<SimulatedApi> {
  const known = SIM_SPEAKERS[0]!;
  const state = defaultState();
  state.speakers = [defaultSpeaker(known.address, known.name)];
  const store = new MemoryStore(state);
  const world = createSimulatedWorld({ speakers: [...SIM_SPEAKERS, GARAGE_RADIO], paired: [known.address], wander: false, ...options.world });
  const api = createController({ bluetooth: world.bluetooth, audio: world.audio, store, logger: options.logger ?? pino({ level: 'silent' }), simulated: true });
  const stop = async (): Promise<void> => {
    world.close();
    await api.stop();
  };
  await api.start();
  const deadline = Date.now() + 10_000;
  while (api.speakers().find((s) => s.address === known.address)?.phase !== 'streaming') {
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the simulated speaker did not start streaming within 10 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    api,
    world,
    store,
    known: known.address,
    unknown: '0A:0B:0C:0D:0E:0F',
    pinSpeaker: { address: GARAGE_RADIO.address, pin: GARAGE_RADIO.pin! },
    otherCodec: 'aac',
    setInputPresent: (present) => (present ? world.faults.plugUsbCard() : world.faults.unplugUsbCard()),
    stop,
  };
}
