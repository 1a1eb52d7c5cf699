/**
 * The entry point: parse the command line, then compose the daemon:
 * config -> logger -> state -> ports (real or simulated) -> controller -> web panel -> notify.
 */
import { join } from 'node:path';
import { parseCli, USAGE, type CliCommand } from './cli.js';
import { DEFAULT_CONFIG_PATH, checkConfigText, loadEffectiveConfig } from './config/config-file.js';
import { formatProblems } from './config/validate.js';
import { FileStateStore } from './config/state-store.js';
import { compose } from './compose.js';
import { Lifecycle } from './system/lifecycle.js';
import { createLogger, pickLogFormat } from './system/logger.js';
import { createNotifier } from './system/notify.js';
import { VERSION } from './version.js';
import { readFile } from 'node:fs/promises';

async function checkConfig(file: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    process.stderr.write(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 1;
  }
  const result = checkConfigText(text);
  if (result.ok) {
    process.stdout.write(`${file}: valid\n`);
    return 0;
  }
  process.stderr.write(`${file}: ${result.problems.length} problem(s)\n${formatProblems(result.problems)}\n`);
  return 1;
}

async function run(command: Extract<CliCommand, { kind: 'run' }>): Promise<void> {
  const { logger, buffer } = createLogger({ level: command.logLevel ?? 'info', format: pickLogFormat() });
  process.on('unhandledRejection', (err) => logger.error({ err, component: 'main' }, 'unhandled rejection'));

  const stateDir = command.stateDir ?? process.env['STATE_DIRECTORY']?.split(':')[0] ?? '/var/lib/blueline';
  const configPath = command.configPath ?? DEFAULT_CONFIG_PATH;
  // Notify first: a missing binding under systemd is a startup error, said before anything else.
  const notifier = createNotifier();
  const store = await FileStateStore.open(stateDir, logger);
  const config = await loadEffectiveConfig(configPath, command.configPath !== null, join(stateDir, 'config.last-good.json'), logger);
  if (!command.logLevel) logger.level = config.logLevel;
  logger.info({ component: 'main', version: VERSION, node: process.version, stateDir, simulate: command.simulate }, 'blueline starting');

  const daemon = await compose({ config, store, logger, logs: buffer, stateDir, port: command.port, simulate: command.simulate });
  const lifecycle = new Lifecycle({ logger, notifier, services: daemon.services, summary: daemon.summary, loopAlive: daemon.loopAlive });
  lifecycle.handleSignals();
  await lifecycle.start();
}

async function main(argv: string[]): Promise<void> {
  const parsed = parseCli(argv);
  if (!parsed.ok) {
    process.stderr.write(`blueline: ${parsed.error}\n`);
    process.exitCode = 2;
    return;
  }
  const command = parsed.command;
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`blueline ${VERSION}\n`);
      return;
    case 'check-config':
      process.exitCode = await checkConfig(command.file);
      return;
    case 'run':
      await run(command);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`blueline: cannot start: ${message}\n`);
  process.exit(1);
});
