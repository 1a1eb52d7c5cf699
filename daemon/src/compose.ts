/**
 * Builds the daemon's services from the config: the Bluetooth and audio ports (real, or
 * simulated with --simulate), the controller and the web panel.
 */
import type { Logger } from 'pino';
import type { Config } from './config/config-schema.js';
import type { StateStore } from './config/state-schema.js';
import type { LogBuffer } from './system/log-buffer.js';
import type { Service } from './system/lifecycle.js';
import { createController } from './core/controller.js';
import { createSimulatedWorld } from './sim/world.js';
import { VERSION } from './version.js';

export interface ComposeOptions {
  config: Config;
  store: StateStore;
  logger: Logger;
  logs: LogBuffer;
  stateDir: string;
  /** --port, overriding config.web.port */
  port: number | null;
  simulate: boolean;
}

export interface ComposedDaemon {
  services: Service[];
  summary(): string;
  loopAlive(): boolean;
}

export async function compose(options: ComposeOptions): Promise<ComposedDaemon> {
  // The real ports and the panel are wired in here as they land (issues #3, #4, #6).
  if (!options.simulate) return { services: [], summary: () => 'starting', loopAlive: () => true };
  // BlueZ keeps its pairings on disk: the simulated one knows the speakers the state file knows.
  const world = createSimulatedWorld({ paired: options.store.read().speakers.map((s) => s.address) });
  const controller = createController({ bluetooth: world.bluetooth, audio: world.audio, store: options.store, logger: options.logger, version: VERSION, simulated: true });
  const services: Service[] = [
    {
      name: 'controller',
      start: () => controller.start(),
      stop: async () => {
        world.close();
        await controller.stop();
      },
    },
  ];
  return { services, summary: () => controller.health().summary, loopAlive: () => controller.loopAlive() };
}
