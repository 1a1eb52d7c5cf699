/**
 * The lab's agent inside a guest (run by stage2.sh as the last step). The host runner drives
 * the guest through it over QEMU's forwarded port: start/stop named processes (bluetoothd,
 * audio servers, the daemon, probes), run short commands, read the guest's monotonic clock
 * (to line up clocks between guests) and make direct BlueZ calls. Test infrastructure only:
 * it listens inside a guest that the host alone can reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BluezPlumbing } from './bluez-plumbing.js';

const { values } = parseArgs({ options: { role: { type: 'string' }, out: { type: 'string' }, port: { type: 'string' } } });
const role = values.role ?? 'guest';
const out = values.out ?? '/tmp';
const port = Number(values.port ?? 7000);

interface Managed {
  child: ChildProcess;
  exited: Promise<number | null>;
  exitCode: number | null | undefined;
  /** like systemd's Restart=on-failure: respawned after a crash unless stopped on purpose */
  restartOnFailure: boolean;
  stopping: boolean;
  restarts: number;
}
const processes = new Map<string, Managed>();
const bluez = new BluezPlumbing();

function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function startProcess(name: string, argv: string[], env: Record<string, string> = {}, restartOnFailure = false, restarts = 0): number {
  const existing = processes.get(name);
  if (existing && existing.exitCode === undefined) throw new Error(`${name} already running`);
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('empty argv');
  const log = createWriteStream(join(out, `${role}-${name}.log`), { flags: 'a' });
  log.write(`--- start ${new Date().toISOString()} ${argv.join(' ')}\n`);
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const managed: Managed = { child, exitCode: undefined, exited: Promise.resolve(null), restartOnFailure, stopping: false, restarts };
  managed.exited = new Promise((resolve) => {
    child.on('error', (err) => { log.write(`--- spawn error ${err.message}\n`); managed.exitCode = -1; resolve(-1); });
    child.on('exit', (code, signal) => {
      log.write(`--- exit code=${code} signal=${signal}\n`);
      managed.exitCode = code ?? -1;
      resolve(code);
      if (managed.restartOnFailure && !managed.stopping && (signal !== null || code !== 0)) {
        setTimeout(() => {
          if (processes.get(name) !== managed) return;
          log.write(`--- restarting after a failure (Restart=on-failure, as its systemd unit does)\n`);
          startProcess(name, argv, env, true, managed.restarts + 1);
        }, 500);
      }
    });
  });
  processes.set(name, managed);
  return child.pid ?? -1;
}

async function stopProcess(name: string, signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
  const managed = processes.get(name);
  if (!managed || managed.exitCode !== undefined) return managed?.exitCode ?? null;
  managed.stopping = true;
  managed.child.kill(signal);
  const timer = setTimeout(() => managed.child.kill('SIGKILL'), timeoutMs);
  const code = await managed.exited;
  clearTimeout(timer);
  return code;
}

function runCommand(argv: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd ?? 'false', args, { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: stderr + err.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

type Body = Record<string, unknown>;
const str = (b: Body, k: string): string => String(b[k] ?? '');

async function bt(op: string, b: Body): Promise<unknown> {
  const hci = str(b, 'hci');
  const address = str(b, 'address');
  switch (op) {
    case 'reset': bluez.reset(); return null;
    case 'agent': return bluez.registerAgent();
    case 'adapters': return bluez.adapters();
    case 'setup': return bluez.setupAdapter(hci, { discoverable: Boolean(b.discoverable), alias: b.alias ? str(b, 'alias') : undefined });
    case 'discover': return bluez.discover(hci, address, Number(b.timeoutMs ?? 30_000));
    case 'device': return bluez.device(hci, address);
    case 'pair': return bluez.pair(hci, address);
    case 'trust': return bluez.trust(hci, address);
    case 'connect': return bluez.connect(hci, address);
    case 'connect-profile': return bluez.connectProfile(hci, address, str(b, 'uuid'));
    case 'disconnect': return bluez.disconnect(hci, address);
    case 'remove': return bluez.remove(hci, address);
    default: throw new Error(`unknown bt op ${op}`);
  }
}

async function handle(method: string, path: string, body: Body): Promise<unknown> {
  if (method === 'GET' && path === '/time') return { monoMs: monoMs() };
  if (method === 'GET' && path === '/ps') {
    return Object.fromEntries([...processes].map(([name, m]) => [name, { pid: m.child.pid, exitCode: m.exitCode ?? null, running: m.exitCode === undefined, restarts: m.restarts }]));
  }
  if (method !== 'POST') throw new Error(`no route ${method} ${path}`);
  const env = (body.env ?? {}) as Record<string, string>;
  switch (path) {
    case '/start': return { pid: startProcess(str(body, 'name'), body.argv as string[], env, body.restartOnFailure === true) };
    case '/stop': return { code: await stopProcess(str(body, 'name'), (body.signal as NodeJS.Signals | undefined) ?? 'SIGTERM', Number(body.timeoutMs ?? 5000)) };
    case '/wait': {
      const managed = processes.get(str(body, 'name'));
      if (!managed) throw new Error('no such process');
      const timeoutMs = Number(body.timeoutMs ?? 60_000);
      const code = await Promise.race([managed.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs))]);
      return { code };
    }
    case '/run': return runCommand(body.argv as string[], Number(body.timeoutMs ?? 30_000), env);
    case '/shutdown':
      setTimeout(() => shutdown(), 100);
      return null;
    default:
      if (path.startsWith('/bt/')) return bt(path.slice(4), body);
      throw new Error(`no route ${method} ${path}`);
  }
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: Body = {};
    try { body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Body) : {}; } catch { /* empty body */ }
    handle(req.method ?? 'GET', (req.url ?? '/').split('?')[0] ?? '/', body).then(
      (result) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ ok: true, result: result ?? null })); },
      (err: Error) => { res.writeHead(500, { 'content-type': 'application/json' }); res.end(JSON.stringify({ ok: false, error: err.message })); },
    );
  });
});

async function shutdown(): Promise<void> {
  await Promise.all([...processes.keys()].map((name) => stopProcess(name, 'SIGTERM', 3000)));
  server.close();
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown());
server.listen(port, '0.0.0.0', () => console.log(`agent: ${role} listening on ${port}`));
