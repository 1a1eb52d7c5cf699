#!/usr/bin/env node
// Footprint benchmark: time from spawn to READY=1 (read on a real NOTIFY_SOCKET) and RSS after
// an idle period, for the bundled daemon, compared in the same run with a bare `node -e` process.
//
//   node bench/footprint.mjs [--runs 5] [--idle 60] [--simulate]
//
// Prints a Markdown table; figures go to docs/performance.md. Needs `npm run build` first.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, idle: { type: 'string', default: '60' }, simulate: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const idleSeconds = Number(values.idle);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

function notifyListener() {
  const path = join(mkdtempSync(join(tmpdir(), 'bl-bench-')), 'notify.sock');
  const proc = spawn('python3', [join(root, 'test/helpers/notify-listener.py'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  const waiters = [];
  proc.stdout.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      for (const w of waiters.splice(0)) w(line);
    }
  });
  const next = () => new Promise((resolve) => waiters.push(resolve));
  return { path, proc, next };
}

function daemonArgs(stateDir) {
  const args = [join(root, 'dist/blueline.mjs'), '--state-dir', stateDir, '--port', '0'];
  if (values.simulate) args.push('--simulate');
  return args;
}

const isolatedEnv = (extra) => ({
  PATH: process.env.PATH,
  DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/blueline-bench-bus',
  PULSE_SERVER: 'unix:/nonexistent/blueline-bench-pulse',
  ...extra,
});

async function timeToReady() {
  const listener = notifyListener();
  await listener.next(); // 'listening'
  const stateDir = mkdtempSync(join(tmpdir(), 'bl-bench-state-'));
  const started = process.hrtime.bigint();
  const daemon = spawn(process.execPath, daemonArgs(stateDir), { stdio: 'ignore', env: isolatedEnv({ NOTIFY_SOCKET: listener.path }) });
  for (;;) {
    const line = await listener.next();
    if (line.includes('READY=1')) break;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  daemon.kill('SIGTERM');
  listener.proc.kill();
  await new Promise((r) => daemon.once('exit', r));
  return ms;
}

async function bareNodeStartMs() {
  const started = process.hrtime.bigint();
  const p = spawn(process.execPath, ['-e', 'process.stdout.write("x")'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((r) => p.stdout.once('data', r));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  await new Promise((r) => p.once('exit', r));
  return ms;
}

const ready = [];
const bare = [];
for (let i = 0; i < runs; i++) {
  ready.push(await timeToReady());
  bare.push(await bareNodeStartMs());
}

// Idle RSS: both processes side by side for the same period.
const stateDir = mkdtempSync(join(tmpdir(), 'bl-bench-idle-'));
const daemon = spawn(process.execPath, daemonArgs(stateDir), { stdio: 'ignore', env: isolatedEnv({}) });
const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, idleSeconds * 1000));
const daemonRss = rssKiB(daemon.pid);
const bareRss = rssKiB(idle.pid);
daemon.kill('SIGTERM');
idle.kill();

const f = (x) => x.toFixed(0);
console.log(`footprint (${values.simulate ? 'simulated hardware' : 'real ports, no bluetoothd or audio server'}; node ${process.version}; ${runs} runs; idle ${idleSeconds} s)\n`);
console.log('| measure | blueline | bare node | ratio |');
console.log('|---|---|---|---|');
console.log(`| start -> READY=1, median ms (min-max) | ${f(median(ready))} (${f(Math.min(...ready))}-${f(Math.max(...ready))}) | ${f(median(bare))} (first output) | ${(median(ready) / median(bare)).toFixed(1)}x |`);
console.log(`| RSS after ${idleSeconds} s idle, MiB | ${(daemonRss / 1024).toFixed(1)} | ${(bareRss / 1024).toFixed(1)} | ${(daemonRss / bareRss).toFixed(1)}x |`);
