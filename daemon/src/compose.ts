/**
 * Builds the daemon's services from the config: the Bluetooth and audio ports (real, or
 * simulated with --simulate), the controller and the web panel, in start order.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createPulseAudio } from './audio/pulse-audio.js';
import { createBluezBluetooth } from './bluez/index.js';
import type { Config } from './config/config-schema.js';
import type { StateStore } from './config/state-schema.js';
import { createController } from './core/controller.js';
import type { AudioPort, BluetoothPort } from './core/ports.js';
import { createSimulatedWorld } from './sim/world.js';
import type { Service } from './system/lifecycle.js';
import type { LogBuffer } from './system/log-buffer.js';
import { webService } from './web/service.js';
import { VERSION } from './version.js';

/** Dropping this file on the boot partition clears the panel password at the next start. */
export const PASSWORD_RESET_FILE = '/boot/firmware/blueline-reset-password';

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

interface Ports {
  bluetooth: BluetoothPort;
  audio: AudioPort;
  close(): void;
}

function realPorts(config: Config, logger: Logger): Ports {
  return {
    bluetooth: createBluezBluetooth({ logger, callTimeoutMs: config.bluetooth.callTimeoutMs, adapters: config.bluetooth.adapters }),
    audio: createPulseAudio({ logger, ...(config.audio.server ? { server: config.audio.server } : {}) }),
    close: () => undefined,
  };
}

function simulatedPorts(store: StateStore): Ports {
  // BlueZ keeps its pairings on disk: the simulated one knows the speakers the state file knows.
  const world = createSimulatedWorld({ paired: store.read().speakers.map((s) => s.address) });
  return { bluetooth: world.bluetooth, audio: world.audio, close: () => world.close() };
}

/** The built panel: dist/web-ui beside the bundle, or in the repository when run from source. */
function webRoot(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'web-ui'), join(here, '..', '..', 'dist', 'web-ui')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

export async function compose(options: ComposeOptions): Promise<ComposedDaemon> {
  const { config, store, logger, simulate } = options;
  const ports = simulate ? simulatedPorts(store) : realPorts(config, logger);
  const controller = createController({
    bluetooth: ports.bluetooth,
    audio: ports.audio,
    store,
    logger,
    version: VERSION,
    simulated: simulate,
    policy: { adapterAlias: config.bluetooth.alias },
  });
  const web = await webService({
    api: controller,
    logger,
    logs: options.logs,
    config: {
      bind: config.web.bind,
      port: options.port ?? config.web.port,
      hostname: config.web.hostname,
      allowedHosts: config.web.allowedHosts,
      authFile: join(options.stateDir, 'auth.json'),
      resetFile: simulate ? null : PASSWORD_RESET_FILE,
      webRoot: webRoot(),
      version: VERSION,
    },
  });
  const services: Service[] = [
    {
      name: 'controller',
      start: () => controller.start(),
      stop: async () => {
        ports.close();
        await controller.stop();
      },
    },
    web,
  ];
  return { services, summary: () => controller.health().summary, loopAlive: () => controller.loopAlive() };
}
