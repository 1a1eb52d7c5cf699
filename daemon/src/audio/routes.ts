/**
 * Route bookkeeping against the live server: load a route's modules (all or nothing), unload
 * them, and tell which tagged routes are really there. Mutations run one at a time.
 */
import type { Logger } from 'pino';
import type { ActiveRoute, AudioServerInfo, RouteSpec } from '../core/ports.js';
import { BluelineError } from '../core/errors.js';
import type { Connection } from './connection.js';
import type { Snapshot } from './inventory.js';
import { loadModule } from './protocol.js';
import { findRoutes, planRoute, toActiveRoute, type FoundRoute } from './route-plan.js';

/** Runs async jobs one after another. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Tagged routes whose modules are all loaded and whose source and sink exist. */
export function liveRoutes(snap: Snapshot, server: AudioServerInfo | null): { active: ActiveRoute[]; found: FoundRoute[] } {
  const found = findRoutes(snap.modules);
  if (!server) return { active: [], found };
  const sinks = new Set(snap.sinks.map((s) => s.name));
  const sources = new Set(snap.sources.map((s) => s.name));
  const active: ActiveRoute[] = [];
  for (const f of found) {
    const route = toActiveRoute(f);
    if (!route) continue;
    const complete = f.modules.length === planRoute(route.spec, server).loads.length;
    if (complete && sinks.has(route.spec.sink) && sources.has(route.spec.source)) active.push(route);
  }
  return { active, found };
}

export function checkSpec(spec: RouteSpec): void {
  const bad = (what: string): never => {
    throw new BluelineError('invalid', `route ${what} is out of range`);
  };
  if (!Number.isFinite(spec.latencyMs) || spec.latencyMs < 1 || spec.latencyMs > 1000) bad('latency');
  if (!Number.isFinite(spec.delayMs) || spec.delayMs < 0 || spec.delayMs > 1000) bad('delay');
  if (!['stereo', 'left', 'right'].includes(spec.channel)) bad('channel');
}

export async function loadRoute(connection: Connection, server: AudioServerInfo, spec: RouteSpec, log: Logger): Promise<string> {
  const { id, loads } = planRoute(spec, server);
  log.debug({ id, loads }, 'loading route');
  const loaded: number[] = [];
  try {
    for (const load of loads) {
      loaded.push(await connection.call(`load ${load.name}`, (c) => loadModule(c, load.name, load.args)));
    }
  } catch (err) {
    await unloadModules(connection, loaded.reverse(), log);
    throw err;
  }
  return id;
}

export async function unloadModules(connection: Connection, modules: number[], log: Logger): Promise<void> {
  for (const index of modules) {
    await connection.call('unload module', (c) => c.unloadModule(index)).catch((err: unknown) => log.debug({ err, index }, 'module already gone'));
  }
}
