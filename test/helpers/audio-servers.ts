/**
 * Real audio servers for tests and benches: PulseAudio 16, or PipeWire + WirePlumber +
 * pipewire-pulse, each in a private runtime dir, with null/remap sinks standing in for the
 * hardware:
 *
 *   air            6-channel null sink = "the room": FL/FR speaker A, RL/RR speaker B, SL/SR the line-in (PipeWire's null sink drops AUX channels)
 *   usbfeed        remap-sink onto air SL/SR: what the Echo plays into the USB card
 *   alsa_input.usb-Generic_USB_Audio_2020-00.analog-stereo   remap-source of usbfeed.monitor (device.bus=usb)
 *   speaker A/B    remap-sinks onto air FL/FR and RL/RR, named like BlueZ sinks of each server
 *
 * Recording air.monitor gives the line-in and both speakers in one sample-aligned stream, so
 * latency and delay are measured without comparing two recordings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { moduleArgs } from '../../daemon/src/audio/module-args.js';
import { loadModule, ProtocolClient } from '../../daemon/src/audio/protocol.js';

export type ServerKind = 'pulseaudio' | 'pipewire';
export const SERVER_KINDS: ServerKind[] = ['pulseaudio', 'pipewire'];

export const USB_SOURCE = 'alsa_input.usb-Generic_USB_Audio_2020-00.analog-stereo';
export const SPEAKER_A = { address: 'AA:BB:CC:DD:EE:01', description: 'Küche Lautsprecher ♪ 🔊', channels: ['front-left', 'front-right'] };
export const SPEAKER_B = { address: 'AA:BB:CC:DD:EE:02', description: 'Bad', channels: ['rear-left', 'rear-right'] };
export const AIR_CHANNELS = ['front-left', 'front-right', 'rear-left', 'rear-right', 'side-left', 'side-right'];
/** index of each role in a recording of air.monitor */
export const AIR = { aLeft: 0, aRight: 1, bLeft: 2, bRight: 3, inLeft: 4, inRight: 5 };

export interface AudioServer {
  kind: ServerKind;
  /** the pulse socket path */
  socket: string;
  speakerSink(address: string): string;
  /** stops the server processes and starts them again with the same fixtures */
  restart(): Promise<void>;
  /** removes the fake USB card (as when it is unplugged); plugUsb() brings it back */
  unplugUsb(): Promise<void>;
  plugUsb(): Promise<void>;
  /** a connected protocol client for the test's own calls (closed by stop) */
  client(): ProtocolClient;
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 6000;


function speakerName(kind: ServerKind, address: string): string {
  const a = address.replaceAll(':', '_');
  return kind === 'pipewire' ? `bluez_output.${a}.1` : `bluez_sink.${a}.a2dp_sink`;
}

function speakerProps(kind: ServerKind, address: string, description: string): Record<string, string> {
  const common = { 'device.bus': 'bluetooth', 'device.description': description, 'device.icon_name': 'audio-speakers-bluetooth' };
  return kind === 'pipewire'
    ? { ...common, 'device.api': 'bluez5', 'api.bluez5.address': address, 'api.bluez5.profile': 'a2dp-sink', 'api.bluez5.codec': 'sbc', 'node.description': description }
    : { ...common, 'device.string': address, 'bluetooth.protocol': 'a2dp_sink', 'bluetooth.codec': 'sbc' };
}

/**
 * Runs `cmd` under a tiny shell that kills it when our end of its stdin closes, so a test
 * process that dies (a tap timeout, a crash) never leaves a server behind.
 */
const GUARD = [
  'trap \'kill -9 $pid 2>/dev/null\' TERM',
  '"$@" <&- & pid=$!',
  'read -r _',
  // PulseAudio sometimes ignores SIGTERM: escalate after 2 s
  'kill $pid 2>/dev/null',
  'for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 $pid 2>/dev/null || exit 0; sleep 0.2; done',
  'kill -9 $pid 2>/dev/null',
].join('\n');

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  p.stdin?.end();
  // SIGTERM makes the guard SIGKILL the server; a guard that still hangs is killed itself
  const timers = [setTimeout(() => p.kill('SIGTERM'), STOP_TIMEOUT_MS), setTimeout(() => p.kill('SIGKILL'), 2 * STOP_TIMEOUT_MS)];
  await exited;
  for (const t of timers) clearTimeout(t);
}

async function connectWhenReady(socket: string, timeoutMs = 15000): Promise<ProtocolClient> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const client = new ProtocolClient('blueline-test', Buffer.alloc(256), socket);
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.sock?.destroy();
      if (Date.now() > until) throw new Error(`audio server at ${socket} not ready: ${String(err)}`);
      await sleep(100);
    }
  }
}

export async function startAudioServer(kind: ServerKind): Promise<AudioServer> {
  const dir = mkdtempSync(join(tmpdir(), `blueline-${kind}-`));
  const run = join(dir, 'run');
  mkdirSync(run, { mode: 0o700 });
  const socket = kind === 'pipewire' ? join(run, 'pulse', 'native') : join(run, 'native');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_RUNTIME_DIR: run,
    XDG_CONFIG_HOME: join(dir, 'config'),
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(run, 'bus')}`,
    PIPEWIRE_LOG_SYSTEMD: 'false',
  };
  writeConfig(kind, dir, socket);
  let procs: ChildProcess[] = [];
  let client: ProtocolClient | null = null;
  let usbModule: number | null = null;

  const launch = (cmd: string, args: string[]): ChildProcess => {
    // BLUELINE_TEST_SERVER_LOG=1 passes the servers' stderr through, for debugging a failure
    const p = spawn('sh', ['-c', GUARD, 'sh', cmd, ...args], { env, stdio: ['pipe', 'ignore', process.env.BLUELINE_TEST_SERVER_LOG ? 'inherit' : 'pipe'] });
    let tail = '';
    p.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
    p.once('exit', (code, signal) => {
      if (procs.includes(p) && code !== 0 && signal === null) process.stderr.write(`[${kind}] ${cmd} exited ${code}: ${tail}\n`);
    });
    procs.push(p);
    return p;
  };

  const plugUsb = async (): Promise<void> => {
    usbModule = await loadModule(client!, 'module-remap-source', moduleArgs({
      source_name: USB_SOURCE,
      master: 'usbfeed.monitor',
      channels: 2,
      channel_map: 'front-left,front-right',
      source_properties: { 'device.bus': 'usb', 'device.description': 'USB Audio Device', 'device.product.name': 'USB Audio Device' },
    }));
  };

  const up = async (): Promise<void> => {
    if (kind === 'pulseaudio') {
      launch('pulseaudio', ['-n', '-F', join(dir, 'test.pa'), '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=no', '--log-target=stderr', '--log-level=error']);
    } else {
      launch('dbus-daemon', ['--session', `--address=${env.DBUS_SESSION_BUS_ADDRESS}`, '--nofork', '--nopidfile']);
      await sleep(100);
      launch('pipewire', []);
      await sleep(200);
      launch('wireplumber', []);
      launch('pipewire-pulse', []);
    }
    client = await connectWhenReady(socket);
    const load = (name: string, args: Record<string, string | number | boolean | Record<string, string>>) => loadModule(client!, name, moduleArgs(args));
    await load('module-null-sink', { sink_name: 'air', channels: 6, channel_map: AIR_CHANNELS.join(','), rate: 48000, sink_properties: { 'device.description': 'air' } });
    await load('module-remap-sink', {
      sink_name: 'usbfeed', master: 'air', channels: 2, master_channel_map: 'side-left,side-right', channel_map: 'front-left,front-right', remix: false,
      sink_properties: { 'device.description': 'usbfeed' },
    });
    await plugUsb();
    for (const s of [SPEAKER_A, SPEAKER_B]) {
      await load('module-remap-sink', {
        sink_name: speakerName(kind, s.address), master: 'air', channels: 2, master_channel_map: s.channels.join(','),
        channel_map: 'front-left,front-right', remix: false, sink_properties: speakerProps(kind, s.address, s.description),
      });
    }
    // pipewire: give WirePlumber a moment to link the fixtures
    if (kind === 'pipewire') await sleep(500);

  };

  const down = async (): Promise<void> => {
    client?.sock?.destroy();
    client = null;
    const stopping = procs.reverse();
    procs = [];
    for (const p of stopping) await stopProcess(p);
  };

  await up();
  return {
    kind,
    socket,
    speakerSink: (address) => speakerName(kind, address),
    restart: async () => {
      await down();
      await up();
    },
    unplugUsb: async () => {
      if (usbModule !== null) await client!.unloadModule(usbModule);
      usbModule = null;
    },
    plugUsb,
    client: () => client!,
    stop: async () => {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function writeConfig(kind: ServerKind, dir: string, socket: string): void {
  if (kind === 'pulseaudio') {
    writeFileSync(join(dir, 'test.pa'), `load-module module-native-protocol-unix auth-anonymous=1 socket=${socket}\n`);
    return;
  }
  // WirePlumber 0.4 as root, no hardware, no logind: monitors off (see docs/audio.md)
  const wp = join(dir, 'config', 'wireplumber');
  mkdirSync(join(wp, 'main.lua.d'), { recursive: true });
  mkdirSync(join(wp, 'bluetooth.lua.d'), { recursive: true });
  writeFileSync(join(wp, 'main.lua.d', '99-blueline-test.lua'), [
    'alsa_monitor.enabled = false',
    'alsa_monitor.properties["alsa.reserve"] = false',
    'v4l2_monitor.enabled = false',
    'libcamera_monitor.enabled = false',
    'device_defaults.properties["default-volume"] = 1.0',
    '',
  ].join('\n'));
  writeFileSync(join(wp, 'bluetooth.lua.d', '99-blueline-test.lua'), 'bluez_monitor.enabled = false\nbluez_monitor.properties["with-logind"] = false\n');
}
