/** Builders for hand-made desired/observed states, for tests of the pure plan. */
import { defaultSpeaker, defaultState, type KnownSpeaker, type PersistedState } from '../../daemon/src/config/state-schema.js';
import { freshRuntime, type Observed, type SpeakerRuntime } from '../../daemon/src/core/model.js';
import type { ActiveRoute, DeviceState, RouteSpec, SpeakerSink } from '../../daemon/src/core/ports.js';

export const NOW = Date.UTC(2026, 0, 1, 12);
export const USB = 'alsa_input.usb-test';
export const A = 'AA:AA:AA:AA:AA:01';
export const B = 'AA:AA:AA:AA:AA:02';
export const C = 'AA:AA:AA:AA:AA:03';

export function desiredWith(speakers: Partial<KnownSpeaker>[], settings: Partial<PersistedState['settings']> = {}): PersistedState {
  const state = defaultState();
  state.settings = { ...state.settings, ...settings };
  state.speakers = speakers.map((s, i) => ({ ...defaultSpeaker(s.address ?? [A, B, C][i]!, `Speaker ${i + 1}`), ...s }));
  return state;
}

export function device(address: string, props: Partial<DeviceState> = {}): DeviceState {
  return {
    address,
    adapter: 'hci0',
    name: address,
    alias: address,
    icon: null,
    classOfDevice: null,
    rssi: null,
    paired: true,
    trusted: true,
    blocked: false,
    connected: false,
    servicesResolved: false,
    uuids: [],
    isAudioSink: true,
    batteryPercent: null,
    ...props,
  };
}

export function sink(address: string, props: Partial<SpeakerSink> = {}): SpeakerSink {
  return { name: `bluez_output.${address}`, address, description: address, card: null, channels: 2, volume: [0.7, 0.7], muted: false, codec: 'sbc', ...props };
}

export function route(spec: Partial<RouteSpec> & { address: string }): ActiveRoute {
  const full: RouteSpec = { source: USB, sink: `bluez_output.${spec.address}`, channel: 'stereo', latencyMs: 20, delayMs: 0, ...spec };
  return { id: `r:${Object.values(full).join('|')}`, spec: full };
}

export function observedWith(props: Partial<Observed> & { runtimeOf?: Record<string, Partial<SpeakerRuntime>> } = {}): Observed {
  const { runtimeOf, ...rest } = props;
  const runtime = new Map(Object.entries(runtimeOf ?? {}).map(([k, v]) => [k, { ...freshRuntime(), ...v }]));
  return {
    now: NOW,
    bluetoothUp: true,
    audioUp: true,
    adapters: [{ id: 'hci0', address: '00:00:00:00:00:01', alias: 'pi', powered: true, discoverable: false, pairable: true, discovering: false }],
    devices: [],
    inputs: [{ name: USB, description: 'USB', isUsb: true, sampleSpec: { format: 's16le', rate: 48000, channels: 2 } }],
    sinks: [],
    routes: [],
    runtime,
    meterSource: USB,
    keepAwake: [],
    // the input has been quiet for a minute: the keep-awake tone applies (it only fills silences)
    lastSignalAt: NOW - 60_000,
    pairing: null,
    powering: new Set(),
    ...rest,
  };
}
