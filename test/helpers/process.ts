/** Spawning helpers for tests: every child is killed at teardown, every wait has a timeout. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bundlePath = join(repoRoot, 'dist', 'blueline.mjs');

export interface Child {
  proc: ChildProcess;
  lines: string[];
  /** resolves with the first line (already seen or future) that matches */
  waitForLine(match: RegExp | ((line: string) => boolean), timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function startChild(command: string, args: string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const lines: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const onData = (chunk: Buffer, buffered: { rest: string }) => {
    const parts = (buffered.rest + chunk.toString('utf8')).split('\n');
    buffered.rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) if (w.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const out = { rest: '' };
  const err = { rest: '' };
  proc.stdout?.on('data', (c: Buffer) => onData(c, out));
  proc.stderr?.on('data', (c: Buffer) => onData(c, err));
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  return {
    proc,
    lines,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    waitForLine(match, timeoutMs = 15000) {
      const test = typeof match === 'function' ? match : (l: string) => match.test(l);
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${String(match)} within ${timeoutMs} ms; got:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({ test, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      });
    },
  };
}

/** Runs to completion (with a timeout) and returns exit code and output. */
export async function runToEnd(command: string, args: string[], options: SpawnOptions = {}, timeoutMs = 20000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const [code] = await once(proc, 'exit');
  clearTimeout(timer);
  return { code: code as number | null, stdout, stderr };
}
