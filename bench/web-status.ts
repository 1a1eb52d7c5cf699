#!/usr/bin/env node
// Web benchmark: GET /api/status latency at a fixed 100 requests/s over loopback (open loop:
// latency counts from each request's scheduled time, so a stall is not hidden), with one
// panel's event stream open; and the panel's first-load size (gzipped bytes on the wire).
//
//   node --import @tapjs/typescript/import bench/web-status.ts [--rate 100] [--seconds 30]
//
// The server runs in a child process (bench/web-status-server.ts). Figures go to docs/web.md.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Agent, get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '100' }, seconds: { type: 'string', default: '30' } } });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const root = join(import.meta.dirname, '..');

const webRoot = mkdtempSync(join(tmpdir(), 'bl-bench-ui-'));
execFileSync(process.execPath, [join(root, 'web-ui/build.mjs'), webRoot], { stdio: 'ignore', timeout: 60_000 });
const server = spawn(process.execPath, [...process.execArgv, join(import.meta.dirname, 'web-status-server.ts'), webRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
const killTimer = setTimeout(() => server.kill('SIGKILL'), (seconds + 120) * 1000);
const first = await new Promise<string>((resolve, reject) => {
  createInterface({ input: server.stdout! }).once('line', resolve);
  server.once('exit', (code) => reject(new Error(`server exited (${code})`)));
});
const { port, cookie } = JSON.parse(first) as { port: number; cookie: string };
const headers = { host: `localhost:${port}`, cookie, 'accept-encoding': 'gzip' };
const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function fetchBytes(path: string): Promise<{ status: number; bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks).length, text: Buffer.concat(chunks).toString('latin1') }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject).end();
  });
}

// First load: index.html plus everything it references, as a browser would fetch them (gzip).
const index = await fetchBytes('/');
const plain = await new Promise<string>((resolve) => get({ host: '127.0.0.1', port, path: '/', headers: { host: headers.host } }, (res) => {
  let s = '';
  res.on('data', (c) => (s += c));
  res.on('end', () => resolve(s));
}));
const assets = [...new Set([...plain.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1] as string))];
if (index.status !== 200) throw new Error(`GET / answered ${index.status}`);
let firstLoad = index.bytes;
for (const a of assets) firstLoad += (await fetchBytes(a)).bytes;

// One panel open: the event stream (level meter at ~10 events/s) runs during the measurement.
const sse = request({ host: '127.0.0.1', port, path: '/api/events', headers: { host: headers.host, cookie } }, (res) => res.resume());
sse.on('error', () => {});
sse.end();

const statusBytes = (await fetchBytes('/api/status')).bytes; // also warms up
/** the server's CPU time (user + system, ms) from /proc: a figure a busy machine does not inflate much */
const cpuMs = () => {
  const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const idleStart = cpuMs();
await new Promise((r) => setTimeout(r, 5000));
const idleCpuPerSecond = (cpuMs() - idleStart) / 5;
const cpuStart = cpuMs();
const latencies: number[] = [];
let errors = 0;
const total = rate * seconds;
const start = performance.now() + 100;
await Promise.all(Array.from({ length: total }, (_, i) => new Promise<void>((resolve) => {
  const due = start + (i * 1000) / rate;
  setTimeout(() => {
    fetchBytes('/api/status')
      .then((r) => (r.status === 200 ? latencies.push(performance.now() - due) : errors++))
      .catch(() => errors++)
      .finally(resolve);
  }, Math.max(0, due - performance.now()));
})));
const cpuUsed = cpuMs() - cpuStart - idleCpuPerSecond * seconds;
sse.destroy();
agent.destroy();
server.kill('SIGTERM');
clearTimeout(killTimer);
rmSync(webRoot, { recursive: true, force: true });

const sorted = latencies.sort((a, b) => a - b);
const q = (p: number) => (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN).toFixed(2);
console.log(`| measure | value |\n|---|---|`);
console.log(`| GET /api/status, ${rate}/s for ${seconds} s (${sorted.length} ok, ${errors} errors) | p50 ${q(50)} ms, p90 ${q(90)} ms, p99 ${q(99)} ms, max ${q(100)} ms |`);
console.log(`| server CPU per status request (beyond its idle use with one panel open, ${idleCpuPerSecond.toFixed(1)} ms/s) | ${(cpuUsed / total).toFixed(3)} ms |`);
console.log(`| /api/status body (JSON) | ${statusBytes} bytes |`);
console.log(`| machine load average at the end (1 min, 2 cores shared) | ${loadavg()[0]!.toFixed(1)} |`);
console.log(`| first load (index.html + ${assets.join(', ')}), gzipped | ${(firstLoad / 1024).toFixed(1)} KiB |`);
