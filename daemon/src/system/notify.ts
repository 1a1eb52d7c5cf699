/**
 * systemd notification (sd_notify): READY=1, STATUS=, WATCHDOG=1, STOPPING=1.
 *
 * Node has no unix datagram sockets, so messages go through libsystemd's sd_notify in a small
 * native addon (the sd-notify package's binding, shipped beside the bundle as native/notify.node).
 * Being in-process, every message comes from the daemon's own PID, as NotifyAccess=main needs.
 * Without NOTIFY_SOCKET (a terminal, a test, the demo) the notifier is a silent no-op and the
 * addon is never loaded; with NOTIFY_SOCKET set and no addon, startup fails with a clear error.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BluelineError } from '../core/errors.js';

interface NotifyBinding {
  sendState(state: string): void;
}

export interface Notifier {
  readonly enabled: boolean;
  /** half of WATCHDOG_USEC when systemd asked for a watchdog on us; null otherwise */
  readonly watchdogIntervalMs: number | null;
  ready(status: string): void;
  status(text: string): void;
  watchdog(): void;
  stopping(status: string): void;
}

/** Where the addon may be: beside the bundle, an explicit override, or the package in development. */
function bindingCandidates(env: NodeJS.ProcessEnv, moduleUrl: string): string[] {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [join(here, 'native', 'notify.node')];
  if (env['BLUELINE_NOTIFY_ADDON']) candidates.unshift(env['BLUELINE_NOTIFY_ADDON']);
  // running from source (tests): <repo>/daemon/src/system -> <repo>/node_modules
  candidates.push(join(here, '..', '..', '..', 'node_modules', 'sd-notify', 'build', 'Release', 'notify.node'));
  return candidates;
}

function loadBinding(candidates: string[]): NotifyBinding {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      tried.push(`${path} (missing)`);
      continue;
    }
    try {
      return require(path) as NotifyBinding;
    } catch (e) {
      tried.push(`${path} (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  throw new BluelineError(
    'unavailable',
    'NOTIFY_SOCKET is set but the sd_notify native binding (notify.node) could not be loaded; reinstall blueline or run without Type=notify',
    { detail: `tried: ${tried.join('; ')}` },
  );
}

/** One line, no newlines: systemd reads STATUS= up to the end of the line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 400);
}

export function watchdogIntervalFrom(env: NodeJS.ProcessEnv, pid = process.pid): number | null {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  const watchdogPid = env['WATCHDOG_PID'];
  if (watchdogPid && Number(watchdogPid) !== pid) return null; // the watchdog is someone else's
  return Math.max(1, Math.floor(usec / 2000));
}

export function createNotifier(env: NodeJS.ProcessEnv = process.env, moduleUrl: string = import.meta.url): Notifier {
  if (!env['NOTIFY_SOCKET']) {
    return { enabled: false, watchdogIntervalMs: null, ready() {}, status() {}, watchdog() {}, stopping() {} };
  }
  const binding = loadBinding(bindingCandidates(env, moduleUrl));
  const send = (state: string) => binding.sendState(state);
  return {
    enabled: true,
    watchdogIntervalMs: watchdogIntervalFrom(env),
    ready: (status) => send(`READY=1\nSTATUS=${oneLine(status)}`),
    status: (text) => send(`STATUS=${oneLine(text)}`),
    watchdog: () => send('WATCHDOG=1'),
    stopping: (status) => send(`STOPPING=1\nSTATUS=${oneLine(status)}`),
  };
}
