/** Loads and checks the admin config file. A missing file means "all defaults". */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { writeFileAtomic } from './atomic-file.js';
import { CONFIG_VERSION, ConfigSchema, configMigrations, type Config } from './config-schema.js';
import { migrate } from './migrate.js';
import { formatProblems, parseJson, validate, type Problem } from './validate.js';

export const DEFAULT_CONFIG_PATH = '/etc/blueline/config.json';

export type ConfigResult =
  | { ok: true; config: Config; source: 'file' | 'defaults' }
  | { ok: false; problems: Problem[] };

/** Checks config text; every problem is reported, not just the first. */
export function checkConfigText(text: string): ConfigResult {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const migrated = migrate(parsed.value, CONFIG_VERSION, configMigrations);
  if (!migrated.ok) return migrated;
  const checked = validate(ConfigSchema, migrated.value);
  return checked.ok ? { ok: true, config: checked.value, source: 'file' } : checked;
}

export function defaultConfig(): Config {
  const checked = validate(ConfigSchema, {});
  if (!checked.ok) throw new Error('built-in config defaults are invalid');
  return checked.value;
}

/**
 * Reads the config file. `required` is true when the user named the file explicitly:
 * then a missing file is a problem; the default path may be absent.
 */
export async function loadConfigFile(path: string, required: boolean): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return { ok: true, config: defaultConfig(), source: 'defaults' };
    return { ok: false, problems: [{ path: '(file)', reason: `cannot read ${path}: ${code ?? String(e)}` }] };
  }
  return checkConfigText(text);
}

/**
 * The config the daemon runs with. A config that does not check out never stops the appliance:
 * every problem is logged, and the last config that did check out (kept in the state
 * directory) is used instead, or the defaults when there is none.
 */
export async function loadEffectiveConfig(
  path: string,
  required: boolean,
  lastGoodPath: string,
  logger: Logger,
): Promise<Config> {
  const log = logger.child({ component: 'config' });
  const result = await loadConfigFile(path, required);
  if (result.ok) {
    log.info({ path, source: result.source }, result.source === 'file' ? 'config loaded' : 'no config file: using defaults');
    if (result.source === 'file') {
      // Written only when it changed: an SD card should not be rewritten at every start.
      const text = JSON.stringify(result.config, null, 2) + '\n';
      const kept = await readFile(lastGoodPath, 'utf8').catch(() => null);
      if (kept !== text) {
        await writeFileAtomic(lastGoodPath, text).catch((err: unknown) => log.warn({ err, path: lastGoodPath }, 'could not keep a copy of the good config'));
      }
    }
    return result.config;
  }
  log.error({ path, problems: formatProblems(result.problems) }, 'config file is invalid');
  const fallback = await loadConfigFile(lastGoodPath, true);
  if (fallback.ok) {
    log.warn({ path: lastGoodPath }, 'using the last good config until the config file is fixed');
    return fallback.config;
  }
  log.warn('no good config to fall back to: using defaults');
  return defaultConfig();
}
