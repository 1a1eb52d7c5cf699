/**
 * The admin config file (/etc/blueline/config.json): optional, every key has a default.
 * Edited by hand or by the image's first-boot settings; the daemon never writes it.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Migrations } from './migrate.js';

export const CONFIG_VERSION = 1;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const ConfigSchema = Type.Object(
  {
    version: Type.Literal(CONFIG_VERSION, { default: CONFIG_VERSION }),
    logLevel: Type.Union(
      LOG_LEVELS.map((l) => Type.Literal(l)),
      { default: 'info', description: `one of ${LOG_LEVELS.join(', ')}` },
    ),
    web: Type.Object(
      {
        /** address the panel listens on; '::' or '0.0.0.0' for the LAN, '127.0.0.1' for local only */
        bind: Type.String({ default: '0.0.0.0', minLength: 1, maxLength: 64 }),
        port: Type.Integer({ default: 80, minimum: 0, maximum: 65535, description: '0 to 65535, 0 = any free port' }),
        /** the device's name on the LAN: the panel answers to NAME and NAME.local */
        hostname: Type.String({ default: 'blueline', pattern: '^[A-Za-z0-9-]{1,63}$', description: 'letters, digits and -' }),
        /** extra Host header values the panel accepts (e.g. a DNS name your router gives it) */
        allowedHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { default: [], maxItems: 32 }),
      },
      { default: {}, additionalProperties: false },
    ),
    bluetooth: Type.Object(
      {
        /** adapters blueline may use, by id (hci0) or address; empty = all */
        adapters: Type.Array(Type.String({ pattern: '^(hci[0-9]+|[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5})$', description: 'hciN or AA:BB:CC:DD:EE:FF' }), {
          default: [],
          maxItems: 8,
        }),
        /** the name speakers and phones see */
        alias: Type.String({ default: 'blueline', minLength: 1, maxLength: 248 }),
        callTimeoutMs: Type.Integer({ default: 25000, minimum: 1000, maximum: 120000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    audio: Type.Object(
      {
        /** PulseAudio-protocol server; null = PULSE_SERVER, else the usual places */
        server: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()], { default: null }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

export const configMigrations: Migrations = {
  // A config without "version" is a version 1 document: admins may leave it out.
  0: (doc) => doc,
};
