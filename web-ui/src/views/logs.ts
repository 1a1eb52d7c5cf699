// Troubleshooting: the daemon's recent log lines, fetched when opened.
import { call } from '../api.js';
import { h } from '../dom.js';

interface LogRecord { time?: number | string; level?: number; msg?: string; component?: string }
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function logsPanel(): HTMLElement {
  const pre = h('pre', { class: 'logs', tabindex: 0, 'aria-label': 'Recent log lines' });
  const load = async () => {
    pre.textContent = 'Loading…';
    try {
      const { lines } = await call<{ lines: LogRecord[] }>('GET', '/api/logs?lines=200');
      pre.textContent = lines.map(format).join('\n') || 'No log lines yet.';
    } catch (e) {
      pre.textContent = (e as Error).message;
    }
  };
  const details = h('details', { class: 'panel' },
    h('summary', {}, h('h2', {}, 'Troubleshooting')),
    h('p', {}, 'Recent log lines, newest last. ', h('button', { type: 'button', class: 'quiet', onclick: load }, 'Refresh')), pre);
  details.addEventListener('toggle', () => details.open && void load());
  return details;
}

function format(r: LogRecord): string {
  const time = r.time === undefined ? '' : new Date(r.time).toLocaleTimeString();
  return [time, LEVELS[r.level ?? 30] ?? r.level, r.component ? `[${r.component}]` : '', r.msg ?? JSON.stringify(r)].filter(Boolean).join(' ');
}
