/** Request schemas (typebox -> JSON Schema, checked by Fastify's AJV; no coercion, no silent stripping). */
import { Type, type Static } from '@sinclair/typebox';
import { DELAY_MAX_MS, DELAY_MIN_MS } from '../config/state-schema.js';

export const AddressParams = Type.Object({
  address: Type.String({ pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$', maxLength: 17 }),
});
export type AddressParams = Static<typeof AddressParams>;

export const ScanBody = Type.Object({ seconds: Type.Integer({ minimum: 1, maximum: 300 }) }, { additionalProperties: false });
export type ScanBody = Static<typeof ScanBody>;

/** legacy PINs are up to 16 characters, usually digits */
export const PairBody = Type.Object({ pin: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z]{1,16}$' })) }, { additionalProperties: false });
export type PairBody = Static<typeof PairBody>;

export const SpeakerPatchBody = Type.Object(
  {
    volume: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    muted: Type.Optional(Type.Boolean()),
    delayMs: Type.Optional(Type.Integer({ minimum: DELAY_MIN_MS, maximum: DELAY_MAX_MS })),
    codec: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{1,32}$' })),
    enabled: Type.Optional(Type.Boolean()),
    adapter: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Za-z0-9:_-]{1,64}$' }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SpeakerPatchBody = Static<typeof SpeakerPatchBody>;

export const SettingsPatchBody = Type.Object(
  {
    mode: Type.Optional(Type.Union([Type.Literal('single'), Type.Literal('mirror'), Type.Literal('stereo-split')])),
    input: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f]+$' }), Type.Null()])),
    latencyMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    keepAwake: Type.Optional(Type.Boolean()),
    idleDisconnectMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SettingsPatchBody = Static<typeof SettingsPatchBody>;

export const LogsQuery = Type.Object({ lines: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })) }, { additionalProperties: false });
export type LogsQuery = Static<typeof LogsQuery>;
