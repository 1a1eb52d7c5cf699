/**
 * The panel as a daemon service: builds the Fastify app, then listens on the socket systemd
 * handed over (blueline.socket, so the service needs no privilege for port 80) or on the
 * configured address and port (0 = any free port). The address it got is logged.
 */
import type { AddressInfo } from 'node:net';
import type { Service } from '../system/lifecycle.js';
import { systemdListenFd } from '../system/listen.js';
import type { WebDeps } from './config.js';
import { createWebServer } from './server.js';

export async function webService(deps: WebDeps): Promise<Service & { address(): AddressInfo | null }> {
  const app = await createWebServer(deps);
  const log = deps.logger.child({ component: 'web' });
  return {
    name: 'web',
    address: () => (app.server.address() as AddressInfo | null) ?? null,
    async start() {
      await app.ready();
      const fd = systemdListenFd();
      await new Promise<void>((resolve, reject) => {
        const listening = () => {
          app.server.off('error', reject);
          resolve();
        };
        app.server.once('error', reject);
        if (fd !== null) app.server.listen({ fd }, listening);
        else app.server.listen({ host: deps.config.bind, port: deps.config.port }, listening);
      });
      const address = app.server.address();
      if (fd !== null) log.info({ fd }, 'panel listening on the socket systemd passed');
      else if (address && typeof address === 'object') {
        log.info({ address: address.address, port: address.port, url: `http://localhost:${address.port}/` }, 'panel listening');
      }
    },
    async stop() {
      await app.close();
    },
  };
}
