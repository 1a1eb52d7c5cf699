/**
 * The state file (/var/lib/blueline/state.json): what the user asked for through the panel.
 * The daemon owns it; it is the controller's desired state. Versioned: bump STATE_VERSION and
 * add a step to migrations in state-store.ts when the shape changes.
 */
import { Type, type Static } from '@sinclair/typebox';

export const STATE_VERSION = 1;

export const DELAY_MIN_MS = -500;
export const DELAY_MAX_MS = 500;

const Address = Type.String({ pattern: '^[0-9A-F]{2}(:[0-9A-F]{2}){5}$', description: 'AA:BB:CC:DD:EE:FF' });

export const KnownSpeakerSchema = Type.Object(
  {
    address: Address,
    name: Type.String({ maxLength: 248 }),
    /** adapter id ('hci0') or address this speaker uses; null = any powered adapter */
    adapter: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]),
    /** preferred codec id ('sbc', 'aac', ...); null = whatever the speaker negotiates */
    codec: Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()]),
    volume: Type.Integer({ minimum: 0, maximum: 100 }),
    muted: Type.Boolean(),
    delayMs: Type.Integer({ minimum: DELAY_MIN_MS, maximum: DELAY_MAX_MS }),
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type KnownSpeaker = Static<typeof KnownSpeakerSchema>;

export const SettingsSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('single'), Type.Literal('mirror'), Type.Literal('stereo-split')]),
    input: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()]),
    latencyMs: Type.Integer({ minimum: 1, maximum: 500 }),
    keepAwake: Type.Boolean(),
    idleDisconnectMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
  },
  { additionalProperties: false },
);

export const PersistedStateSchema = Type.Object(
  {
    version: Type.Literal(STATE_VERSION),
    settings: SettingsSchema,
    /** in the user's order: the first enabled speakers are the ones the mode uses */
    speakers: Type.Array(KnownSpeakerSchema, { maxItems: 32 }),
  },
  { additionalProperties: false },
);
export type PersistedState = Static<typeof PersistedStateSchema>;

export function defaultState(): PersistedState {
  return {
    version: STATE_VERSION,
    settings: { mode: 'single', input: null, latencyMs: 20, keepAwake: true, idleDisconnectMinutes: 0 },
    speakers: [],
  };
}

export function defaultSpeaker(address: string, name: string): KnownSpeaker {
  return { address, name, adapter: null, codec: null, volume: 70, muted: false, delayMs: 0, enabled: true };
}

/** How the controller persists desired state; implemented by config/state-store.ts (atomic writes). */
export interface StateStore {
  /** the current state (loaded at start, or the last one written) */
  read(): PersistedState;
  /** validates, then writes atomically (temp file, fsync, rename, fsync dir) */
  write(state: PersistedState): Promise<void>;
}
