/**
 * The BluelineApi the web tests run against: the real controller on the simulated world in
 * real time (sim-api.ts), with the Echo talking all the time so the level meter moves.
 */
import { simulatedApi, type SimulatedApi } from './sim-api.js';

export type PanelApi = Omit<SimulatedApi, 'world' | 'store'>;

export async function panelApi(): Promise<PanelApi> {
  const sim = await simulatedApi({ world: { echo: false } });
  sim.world.faults.echoTalking(true);
  return sim;
}
