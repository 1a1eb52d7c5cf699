/**
 * Module argument strings, as PulseAudio's modargs parser (and pipewire-pulse's copy of it)
 * reads them: key=value pairs; a value with spaces is quoted; a property list value is itself
 * a quoted string of key='value' pairs. Values we build never contain quotes or backslashes
 * (checked), so no escaping rules are needed.
 */
import { BluelineError } from '../core/errors.js';

export type ArgValue = string | number | boolean | Record<string, string>;

function plain(value: string): string {
  if (/['"\\]/.test(value)) {
    throw new BluelineError('invalid', 'a name or value contains quotes, which the audio server cannot take', { detail: value });
  }
  return value;
}

export function propList(props: Record<string, string>): string {
  return Object.entries(props)
    .map(([k, v]) => `${plain(k)}='${plain(v)}'`)
    .join(' ');
}

export function moduleArgs(args: Record<string, ArgValue | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    if (typeof value === 'object') parts.push(`${key}="${propList(value)}"`);
    else if (typeof value === 'string') parts.push(`${key}="${plain(value)}"`);
    else parts.push(`${key}=${String(value)}`);
  }
  return parts.join(' ');
}
