/**
 * pino, written where the reader is:
 * - journald (JOURNAL_STREAM names our stdout): `<N>component: message key=value` lines, where
 *   <N> is the syslog priority journald reads (SyslogLevelPrefix), so `journalctl -p warning` works;
 * - a terminal: the same text with a time stamp;
 * - anything else (a pipe, a file, a test): pino's JSON lines.
 * Every record also goes to a ring buffer the panel shows (GET /api/logs).
 */
import { fstatSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { LogBuffer } from './log-buffer.js';

export type LogFormat = 'journald' | 'text' | 'json';

/** pino numeric level -> syslog priority (RFC 5424 severity). */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2; // fatal -> crit
  if (level >= 50) return 3; // error -> err
  if (level >= 40) return 4; // warn -> warning
  if (level >= 30) return 6; // info -> info
  return 7; // debug, trace -> debug
}

/** True when fd 1 is the stream systemd handed to journald (JOURNAL_STREAM=<dev>:<inode>). */
export function stdoutIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 1): boolean {
  const stream = env['JOURNAL_STREAM'];
  if (!stream) return false;
  const [dev, ino] = stream.split(':');
  if (!dev || !ino) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(dev) && st.ino === BigInt(ino);
  } catch {
    return false;
  }
}

export function pickLogFormat(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): LogFormat {
  const forced = env['BLUELINE_LOG_FORMAT'];
  if (forced === 'json' || forced === 'text' || forced === 'journald') return forced;
  if (stdoutIsJournal(env)) return 'journald';
  return isTTY ? 'text' : 'json';
}

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  /** where lines go; defaults to stdout */
  write?: (line: string) => void;
  buffer?: LogBuffer;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const RESERVED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component', 'err']);

/** One human line: `component: message key=value ...`, with the error and its causes at the end. */
export function formatText(record: Record<string, unknown>): string {
  const parts: string[] = [];
  const component = typeof record['component'] === 'string' ? `${record['component']}: ` : '';
  parts.push(`${component}${String(record['msg'] ?? '')}`);
  for (const [key, value] of Object.entries(record)) {
    if (RESERVED.has(key) || value === undefined) continue;
    parts.push(`${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  }
  // errors with their chain of causes, outermost first
  let err = record['err'] as { message?: string; type?: string; cause?: unknown } | undefined;
  for (let depth = 0; err && typeof err === 'object' && depth < 5; depth++) {
    parts.push(`${depth === 0 ? 'error' : 'cause'}=${JSON.stringify(err.message ?? err.type ?? 'unknown')}`);
    err = err.cause as typeof err;
  }
  return parts.join(' ');
}

export function createLogger(options: LoggerOptions): { logger: Logger; buffer: LogBuffer } {
  const buffer = options.buffer ?? new LogBuffer(500);
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const destination = {
    write(json: string) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(json) as Record<string, unknown>;
      } catch {
        write(json);
        return;
      }
      buffer.push(record);
      const level = typeof record['level'] === 'number' ? record['level'] : 30;
      if (options.format === 'json') write(json);
      else if (options.format === 'journald') write(`<${syslogPriority(level)}>${formatText(record).replaceAll('\n', ' ')}\n`);
      else {
        const time = new Date(Number(record['time'] ?? Date.now())).toISOString().slice(11, 23);
        write(`${time} ${(LEVEL_NAMES[level] ?? String(level)).padEnd(5)} ${formatText(record)}\n`);
      }
    },
  };
  const logger = pino(
    {
      level: options.level,
      base: undefined, // pid and hostname are journald's job
      serializers: { err: pino.stdSerializers.errWithCause },
    },
    destination,
  );
  return { logger, buffer };
}
