/**
 * Read models for the panel and STATUS=, built from desired + observed state. Pure functions:
 * the controller calls them after every change and emits events for what differs.
 */
import type { KnownSpeaker, PersistedState } from '../config/state-schema.js';
import type { BtAddress } from './address.js';
import type { Health, InputView, Problem, SpeakerPhase, SpeakerView } from './api.js';
import { freshRuntime, type Observed } from './model.js';
import type { CodecInfo, DeviceState, LevelReading } from './ports.js';
import { deviceFor, desiredRoutes, isIdle, resolveInput, usedSpeakers } from './reconcile.js';

export interface ViewInput {
  desired: PersistedState;
  observed: Observed;
  level: LevelReading | null;
  /** last codec lists seen per speaker (for bitrates) */
  codecs: ReadonlyMap<BtAddress, CodecInfo[]>;
}

const LOW_BATTERY = 15;

function phaseOf(speaker: KnownSpeaker, device: DeviceState | undefined, v: ViewInput): SpeakerPhase {
  const { desired, observed } = v;
  const rt = observed.runtime.get(speaker.address) ?? freshRuntime();
  if (observed.pairing === speaker.address) return 'pairing';
  if (!speaker.enabled) return 'disabled';
  if (!usedSpeakers(desired).some((s) => s.address === speaker.address)) return 'standby';
  if (isIdle(desired, observed)) return 'idle-disconnected';
  if (rt.refused || (observed.bluetoothUp && !device?.paired && !adapterGone(rt.lastAdapter, observed))) return 'refused';
  if (device?.connected) {
    const routed = observed.routes.some((r) => r.spec.address === speaker.address);
    return routed ? 'streaming' : observed.sinks.some((s) => s.address === speaker.address) ? 'connected' : 'connecting';
  }
  if (!device) return 'unreachable'; // bluetoothd or the adapter is gone
  if (rt.connecting || rt.attempts === 0) return 'connecting';
  return 'unreachable';
}

/** the speaker's adapter is unplugged: it is out of reach, not unpaired */
function adapterGone(adapter: string | null, observed: Observed): boolean {
  return adapter !== null && !observed.adapters.some((a) => a.id === adapter);
}

function channelOf(address: BtAddress, v: ViewInput): SpeakerView['channel'] {
  return v.observed.routes.find((r) => r.spec.address === address)?.spec.channel ?? null;
}

function knownView(speaker: KnownSpeaker, v: ViewInput): SpeakerView {
  const { observed } = v;
  const device = deviceFor(speaker, observed);
  const sink = observed.sinks.find((s) => s.address === speaker.address);
  const rt = observed.runtime.get(speaker.address) ?? freshRuntime();
  const codec = sink?.codec ?? null;
  const phase = phaseOf(speaker, device, v);
  const notPaired = phase === 'refused' && !rt.refused ? 'This speaker is not paired with the Pi any more; pair it again' : null;
  const unplugged = !device && adapterGone(rt.lastAdapter, observed) ? `Its Bluetooth adapter (${rt.lastAdapter}) is unplugged` : null;
  return {
    address: speaker.address,
    name: speaker.name,
    known: true,
    enabled: speaker.enabled,
    adapter: speaker.adapter ?? device?.adapter ?? null,
    phase,
    paired: device?.paired ?? false,
    connected: device?.connected ?? false,
    isAudioSink: true,
    rssi: device?.rssi ?? null,
    batteryPercent: device?.batteryPercent ?? null,
    codec,
    bitrateKbps: v.codecs.get(speaker.address)?.find((c) => c.id === codec)?.bitrateKbps ?? null,
    volume: speaker.volume,
    muted: speaker.muted,
    delayMs: speaker.delayMs,
    channel: channelOf(speaker.address, v),
    lastError: rt.lastError ?? notPaired ?? unplugged,
    nextRetryAt: phase === 'unreachable' && rt.nextRetryAt !== null ? new Date(rt.nextRetryAt).toISOString() : null,
  };
}

function discoveredView(device: DeviceState, v: ViewInput): SpeakerView {
  const sink = v.observed.sinks.find((s) => s.address === device.address);
  return {
    address: device.address,
    name: device.alias,
    known: false,
    enabled: false,
    adapter: device.adapter,
    phase: v.observed.pairing === device.address ? 'pairing' : 'discovered',
    paired: device.paired,
    connected: device.connected,
    isAudioSink: device.isAudioSink,
    rssi: device.rssi,
    batteryPercent: device.batteryPercent,
    codec: sink?.codec ?? null,
    bitrateKbps: null,
    volume: sink ? Math.round((sink.volume[0] ?? 0) * 100) : 0,
    muted: sink?.muted ?? false,
    delayMs: 0,
    channel: null,
    lastError: null,
    nextRetryAt: null,
  };
}

/** known speakers in the user's order, then discovered audio sinks, then other devices (by signal) */
export function speakerViews(v: ViewInput): SpeakerView[] {
  const known = new Set(v.desired.speakers.map((s) => s.address));
  const others = new Map<BtAddress, DeviceState>();
  for (const d of v.observed.devices) {
    if (known.has(d.address)) continue;
    const prev = others.get(d.address);
    if (!prev || (prev.rssi === null && d.rssi !== null)) others.set(d.address, d);
  }
  const rank = (d: DeviceState): number => (d.isAudioSink ? 0 : 1);
  const discovered = [...others.values()].sort((a, b) => rank(a) - rank(b) || (b.rssi ?? -999) - (a.rssi ?? -999));
  return [...v.desired.speakers.map((s) => knownView(s, v)), ...discovered.map((d) => discoveredView(d, v))];
}

export function inputView(v: Pick<ViewInput, 'level'> & { desired: Pick<PersistedState, 'settings'>; observed: Pick<Observed, 'inputs'> }): InputView {
  const input = resolveInput(v.desired.settings, v.observed.inputs);
  return {
    device: input?.name ?? v.desired.settings.input,
    description: input?.description ?? null,
    sampleSpec: input?.sampleSpec ?? null,
    present: input !== null,
    signal: input !== null && (v.level?.signal ?? false),
    peakDb: input && v.level ? Math.round(v.level.peakDb * 10) / 10 : null,
    rmsDb: input && v.level ? Math.round(v.level.rmsDb * 10) / 10 : null,
  };
}

export function problems(v: ViewInput, speakers: SpeakerView[]): Problem[] {
  const { desired, observed } = v;
  const out: Problem[] = [];
  if (!observed.bluetoothUp) out.push({ id: 'bluetooth-down', severity: 'error', message: 'The Bluetooth service is not running; blueline reconnects when it is back' });
  else if (observed.adapters.length === 0) out.push({ id: 'no-adapter', severity: 'error', message: 'No Bluetooth adapter found; plug the Bluetooth dongle back in' });
  if (!observed.audioUp) out.push({ id: 'audio-down', severity: 'error', message: 'The audio server is not running; blueline restores the audio when it is back' });
  else if (!resolveInput(desired.settings, observed.inputs)) {
    const which = desired.settings.input ?? 'USB sound card';
    out.push({ id: 'no-input', severity: 'error', message: `No input: ${which} not found; plug in the sound card the Echo is connected to` });
  }
  if (desired.speakers.length === 0) out.push({ id: 'no-speakers', severity: 'warning', message: 'No speaker set up yet: scan and pair one' });
  if (observed.pairing !== null) {
    const name = observed.devices.find((d) => d.address === observed.pairing)?.alias ?? observed.pairing;
    out.push({ id: 'pairing', severity: 'warning', message: `Pairing ${name}: reconnecting other speakers is paused until it finishes` });
  }
  for (const s of speakers) {
    if (!s.known) continue;
    if (s.phase === 'refused') out.push({ id: `speaker-refused:${s.address}`, severity: 'error', message: `${s.name}: ${s.lastError ?? 'refused the connection'}` });
    if (s.batteryPercent !== null && s.batteryPercent < LOW_BATTERY) {
      out.push({ id: `low-battery:${s.address}`, severity: 'warning', message: `${s.name}: battery at ${s.batteryPercent} %` });
    }
  }
  return out;
}

/**
 * healthy = everything the user asked for is happening: both servers up, input present, every
 * used speaker streaming (or let go by the idle policy). The watchdog is tied to the loop
 * running, not to this flag: a missing speaker is not a reason for systemd to restart us.
 */
export function health(v: ViewInput, speakers: SpeakerView[], issues: Problem[]): Health {
  const used = usedSpeakers(v.desired);
  const views = used.map((u) => speakers.find((s) => s.address === u.address)).filter((s): s is SpeakerView => !!s);
  const playing = views.filter((s) => s.phase === 'streaming');
  const idle = isIdle(v.desired, v.observed);
  const reasons = issues.filter((p) => p.severity === 'error').map((p) => p.message);
  for (const s of views) if (!idle && s.phase !== 'streaming' && s.phase !== 'refused') reasons.push(`${s.name} is ${s.phase}`);
  const input = inputView(v);
  const parts = [
    used.length === 0
      ? 'no speaker set up'
      : idle
        ? 'idle (no input)'
        : `${playing.length}/${used.length} playing: ${views.map((s) => `${s.name} ${s.phase === 'streaming' ? (s.codec ?? '?') : s.phase}`).join(', ')}`,
    // the device is named so a glance at `systemctl status` shows which card blueline found
    input.present ? `input ${input.device ?? '?'} ${input.signal ? 'signal' : 'silent'}` : 'no input',
  ];
  if (!v.observed.bluetoothUp) parts.push('bluetooth down');
  if (!v.observed.audioUp) parts.push('audio down');
  if (used.length === 0) reasons.push('no speaker set up: pair one in the panel');
  const routedOk = desiredRoutes(v.desired, v.observed).length === used.length || idle;
  return { healthy: reasons.length === 0 && routedOk && used.length > 0, summary: parts.join('; '), reasons };
}
