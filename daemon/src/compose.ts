/**
 * Builds the daemon's services from the config: the Bluetooth and audio ports (real, or
 * simulated with --simulate), the controller and the web panel.
 */
import type { Logger } from 'pino';
import type { Config } from './config/config-schema.js';
import type { StateStore } from './config/state-schema.js';
import type { LogBuffer } from './system/log-buffer.js';
import type { Service } from './system/lifecycle.js';

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

export async function compose(_options: ComposeOptions): Promise<ComposedDaemon> {
  // The controller, ports and panel are wired in here as they land (issues #3-#6).
  return { services: [], summary: () => 'starting', loopAlive: () => true };
}
