/**
 * The lab's machines on the host: btvirt's server (the shared "air" every emulated controller
 * joins) and the QEMU guests (TCG; Debian's kernel; the host's / read-only over 9p).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface Proc { name: string; child: ChildProcess; exited: Promise<number | null> }

function track(name: string, child: ChildProcess): Proc {
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
  return { name, child, exited };
}

export async function stop(proc: Proc, timeoutMs = 5000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  await proc.exited;
  clearTimeout(timer);
}

/** btvirt -s listens on fixed paths in /tmp: a BR/EDR-only server (BR/EDR+LE needs AF_ALG crypto). */
export const BTVIRT_BREDR = '/tmp/bt-server-bredr';

export async function startBtvirt(outDir: string): Promise<Proc> {
  rmSync(BTVIRT_BREDR, { force: true }); // a stale socket from an earlier run would look ready
  const log = createWriteStream(join(outDir, 'host-btvirt.log'));
  const child = spawn('stdbuf', ['-oL', '-eL', 'btvirt', '-s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const proc = track('btvirt', child);
  for (let i = 0; i < 50; i++) {
    if (existsSync(BTVIRT_BREDR)) return proc;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop(proc);
  throw new Error('btvirt server socket did not appear');
}

export interface GuestSpec {
  role: 'tx' | 'spk';
  /** host port -> guest port */
  forwards: Record<number, number>;
  memoryMb: number;
  /** vCPUs: the transmitter gets two, the speakers one, so the host's cores go where the work is */
  cpus: number;
}

export interface LabPaths { root: string; cache: string; out: string }

/** controllerSockets: one unix socket per controller (an H4 framer in front of btvirt). */
export function bootGuest(spec: GuestSpec, paths: LabPaths, controllerSockets: string[]): Proc {
  const guestDir = join(paths.root, 'test/e2e/guest');
  mkdirSync(paths.out, { recursive: true });
  const append = [
    'console=ttyS0', 'quiet', 'panic=-1', 'tsc=reliable',
    `lab.init=${guestDir}/stage2.sh`, `lab.dir=${guestDir}`, `lab.role=${spec.role}`, `lab.out=${paths.out}`,
    `lab.kdir=${paths.cache}/kernel`, `lab.agent=${paths.cache}/agent.mjs`, `lab.btports=${controllerSockets.length}`,
  ].join(' ');
  const hostfwd = Object.entries(spec.forwards).map(([h, g]) => `,hostfwd=tcp:127.0.0.1:${h}-:${g}`).join('');
  const args = [
    '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', String(spec.cpus), '-m', String(spec.memoryMb),
    '-nographic', '-no-reboot', '-kernel', join(paths.cache, 'vmlinuz'), '-initrd', join(paths.cache, 'initramfs.gz'),
    '-append', append,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${paths.out},mount_tag=labout,security_model=none`,
    '-netdev', `user,id=n0${hostfwd}`, '-device', 'virtio-net-pci,netdev=n0,romfile=',
    '-serial', 'mon:stdio',
  ];
  if (controllerSockets.length) args.push('-device', 'virtio-serial-pci');
  for (const [i, socket] of controllerSockets.entries()) {
    // virtio consoles hvc0, hvc1...: stage2 runs btattach on each
    args.push('-chardev', `socket,id=bt${i},path=${socket}`);
    args.push('-device', `virtconsole,chardev=bt${i}`);
  }
  const log = createWriteStream(join(paths.out, `${spec.role}-console.log`));
  const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return track(`qemu-${spec.role}`, child);
}
