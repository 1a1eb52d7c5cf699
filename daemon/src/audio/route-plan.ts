/**
 * Pure route planning: which server modules one RouteSpec needs, and how to find them again.
 *
 * Every module carries the tag `blueline.route=<id>` in a property list inside its arguments
 * (module arguments are listed by both servers, so a restarted daemon finds its own modules,
 * and only those). The loopback also carries the spec (`blueline.spec=<base64url JSON>`), so
 * routes() can report a route a previous run left behind.
 */
import { createHash } from 'node:crypto';
import type { ActiveRoute, AudioServerInfo, RouteChannel, RouteSpec } from '../core/ports.js';
import { moduleArgs } from './module-args.js';
import type { ModuleInfo } from './protocol.js';

export const TAG = 'blueline.route';
const SPEC_TAG = 'blueline.spec';
const RATE = 48000;

export interface ModuleLoad {
  name: string;
  args: string;
}

export function routeId(spec: RouteSpec): string {
  const canonical = JSON.stringify([spec.address, spec.source, spec.sink, spec.channel, spec.latencyMs, spec.delayMs]);
  return `route-${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}

function encodeSpec(spec: RouteSpec): string {
  const { address, source, sink, channel, latencyMs, delayMs } = spec;
  return Buffer.from(JSON.stringify({ address, source, sink, channel, latencyMs, delayMs })).toString('base64url');
}

function decodeSpec(text: string): RouteSpec | null {
  try {
    const s = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<RouteSpec>;
    const channels: RouteChannel[] = ['stereo', 'left', 'right'];
    if (typeof s.address !== 'string' || typeof s.source !== 'string' || typeof s.sink !== 'string') return null;
    if (!channels.includes(s.channel as RouteChannel) || typeof s.latencyMs !== 'number' || typeof s.delayMs !== 'number') return null;
    return { address: s.address, source: s.source, sink: s.sink, channel: s.channel as RouteChannel, latencyMs: s.latencyMs, delayMs: s.delayMs };
  } catch {
    return null;
  }
}

/** Name of the per-route channel-pick source PulseAudio needs for a stereo split. */
export function splitSourceName(id: string): string {
  return `blueline.${id}`;
}

/**
 * The modules for one route, loaded in this order (each may depend on the previous one).
 *
 * Latency: PulseAudio's loopback keeps `latency_msec` of audio end to end, so the delay trim
 * is simply added to it. pipewire-pulse turns `latency_msec` into a fixed extra delay buffer
 * (target.delay.sec) on top of the graph quantum, so there the quantum is pinned with
 * node.latency (half the target) and latency_msec carries only the delay trim, at least 1 ms:
 * without any delay buffer the graph stalled twice under load in bench/route-latency (see
 * docs/audio.md), with 1 ms it ran clean.
 *
 * Stereo split: PulseAudio picks one input channel with a remap-source whose two output
 * channels both read it; pipewire-pulse does it in the loopback itself (a one-channel FL or FR
 * capture stream, played back as MONO, which PipeWire spreads to both speaker channels).
 */
export function planRoute(spec: RouteSpec, server: AudioServerInfo): { id: string; loads: ModuleLoad[] } {
  const id = routeId(spec);
  const loads: ModuleLoad[] = [];
  const tag = { [TAG]: id };
  const pick = spec.channel === 'left' ? 'front-left' : 'front-right';
  const media = { 'media.name': `blueline ${id}`, 'node.description': `blueline route to ${spec.address}` };
  let source = spec.source;
  const loopback: Record<string, string | number | boolean | Record<string, string> | undefined> = {
    source,
    sink: spec.sink,
    source_dont_move: true,
    sink_dont_move: true,
  };

  if (server.kind === 'pulseaudio') {
    if (spec.channel !== 'stereo') {
      source = splitSourceName(id);
      loads.push({
        name: 'module-remap-source',
        args: moduleArgs({
          source_name: source,
          master: spec.source,
          channels: 2,
          master_channel_map: `${pick},${pick}`,
          channel_map: 'front-left,front-right',
          remix: false,
          source_properties: { ...tag, 'device.description': `blueline ${spec.channel} channel of ${spec.source}` },
        }),
      });
    }
    loopback.source = source;
    loopback.latency_msec = Math.max(1, Math.round(spec.latencyMs + spec.delayMs));
    loopback.source_output_properties = { ...tag, [SPEC_TAG]: encodeSpec(spec), ...media };
    loopback.sink_input_properties = { ...tag, ...media };
  } else {
    const quantum = `${Math.max(32, Math.round((spec.latencyMs / 2 / 1000) * RATE))}/${RATE}`;
    const capture: Record<string, string> = { ...tag, [SPEC_TAG]: encodeSpec(spec), ...media, 'node.latency': quantum };
    const playback: Record<string, string> = { ...tag, ...media, 'node.latency': quantum };
    if (spec.channel !== 'stereo') {
      loopback.channels = 1;
      capture['audio.position'] = spec.channel === 'left' ? '[FL]' : '[FR]';
      playback['audio.position'] = '[MONO]';
    }
    loopback.latency_msec = Math.max(1, Math.round(spec.delayMs));
    loopback.source_output_properties = capture;
    loopback.sink_input_properties = playback;
  }
  loads.push({ name: 'module-loopback', args: moduleArgs(loopback) });
  return { id, loads };
}

export interface FoundRoute {
  id: string;
  spec: RouteSpec | null;
  /** module indices, in load order */
  modules: number[];
}

const ID_PATTERN = new RegExp(`${TAG.replace('.', '\\.')}='?(route-[0-9a-f]{12})`);
const SPEC_PATTERN = new RegExp(`${SPEC_TAG.replace('.', '\\.')}='?([A-Za-z0-9_-]+)`);

/** Our routes among the server's modules, found by their tag. */
export function findRoutes(modules: ModuleInfo[]): FoundRoute[] {
  const byId = new Map<string, FoundRoute>();
  for (const m of [...modules].sort((a, b) => a.index - b.index)) {
    const id = ID_PATTERN.exec(m.argument)?.[1];
    if (!id) continue;
    const route = byId.get(id) ?? { id, spec: null, modules: [] };
    route.modules.push(m.index);
    const spec = SPEC_PATTERN.exec(m.argument)?.[1];
    if (spec) route.spec = decodeSpec(spec);
    byId.set(id, route);
  }
  return [...byId.values()];
}

export function toActiveRoute(found: FoundRoute): ActiveRoute | null {
  return found.spec ? { id: found.id, spec: found.spec } : null;
}
