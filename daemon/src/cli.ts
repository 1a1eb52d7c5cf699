/** Command-line parsing. Pure: returns what to do, main.ts does it. */
import { parseArgs } from 'node:util';
import { LOG_LEVELS } from './config/config-schema.js';

export const USAGE = `Usage: blueline [options]

blueline plays a line-in (an Echo's 3.5 mm out on a USB sound card) to one or two
Bluetooth speakers, with a web panel to pair and tune them.

Options:
  --config FILE        admin config (default /etc/blueline/config.json; optional)
  --state-dir DIR      where blueline keeps its state (default $STATE_DIRECTORY or /var/lib/blueline)
  --port N             panel port, overrides the config (0 = any free port; the port is logged)
  --simulate           use simulated Bluetooth speakers and audio (no hardware needed)
  --log-level LEVEL    ${LOG_LEVELS.join(', ')} (overrides the config)
  --check-config FILE  check a config file and exit: 0 if valid, 1 listing every problem
  -V, --version        print the version and exit
  -h, --help           print this help and exit
`;

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'check-config'; file: string }
  | {
      kind: 'run';
      configPath: string | null;
      stateDir: string | null;
      port: number | null;
      simulate: boolean;
      logLevel: string | null;
    };

export type CliResult = { ok: true; command: CliCommand } | { ok: false; error: string };

export function parseCli(argv: string[]): CliResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        'state-dir': { type: 'string' },
        port: { type: 'string' },
        simulate: { type: 'boolean' },
        'log-level': { type: 'string' },
        'check-config': { type: 'string' },
        version: { type: 'boolean', short: 'V' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { ok: false, error: `${message}\nTry 'blueline --help'.` };
  }
  const v = parsed.values;
  if (v.help) return { ok: true, command: { kind: 'help' } };
  if (v.version) return { ok: true, command: { kind: 'version' } };
  if (v['check-config'] !== undefined) return { ok: true, command: { kind: 'check-config', file: v['check-config'] } };

  let port: number | null = null;
  if (v.port !== undefined) {
    if (!/^\d{1,5}$/.test(v.port) || Number(v.port) > 65535) {
      return { ok: false, error: `--port takes a number from 0 to 65535, got '${v.port}'\nTry 'blueline --help'.` };
    }
    port = Number(v.port);
  }
  const logLevel = v['log-level'] ?? null;
  if (logLevel !== null && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    return { ok: false, error: `--log-level takes one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'\nTry 'blueline --help'.` };
  }
  return {
    ok: true,
    command: {
      kind: 'run',
      configPath: v.config ?? null,
      stateDir: v['state-dir'] ?? null,
      port,
      simulate: v.simulate ?? false,
      logLevel,
    },
  };
}
