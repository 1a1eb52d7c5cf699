/**
 * The controller on the real ports: BluezBluetooth over a private D-Bus with the fake bluetoothd,
 * PulseAudio over the native protocol to a real PulseAudio 16 and a real PipeWire (null sinks
 * stand in for the speakers' A2DP sinks and the USB card). Real time; every wait is bounded.
 */
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { createPulseAudio } from '../../daemon/src/audio/pulse-audio.js';
import { BluezBluetooth } from '../../daemon/src/bluez/index.js';
import { defaultState } from '../../daemon/src/config/state-schema.js';
import { createController, type Controller } from '../../daemon/src/core/controller.js';
import { SERVER_KINDS, SPEAKER_A, SPEAKER_B, startAudioServer, type ServerKind } from '../helpers/audio-servers.js';
import { startBluezTestbed } from '../helpers/fake-bluez/harness.js';
import { MemoryStore } from '../helpers/memory-store.js';

/** collects warn lines; BLUELINE_TEST_LOG=1 also prints every line */
function capture(into: string[]) {
  return pino({ level: 'debug' }, {
    write(line: string) {
      if (process.env['BLUELINE_TEST_LOG']) process.stderr.write(line);
      const l = JSON.parse(line) as { level: number; msg: string; component?: string };
      if (l.level === 40) into.push(l.component === 'controller' ? l.msg : `${l.component}: ${l.msg}`);
    },
  } as never);
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** waits for a pass that started after now: level-based, a fault is only seen by a pass */
async function nextPass(controller: Controller): Promise<void> {
  const now = Date.now();
  await until('a reconcile pass', () => (controller.lastPassAt ?? 0) > now);
}

const phase = (c: Controller, address: string): string | undefined => c.speakers().find((s) => s.address === address)?.phase;

for (const kind of SERVER_KINDS) t.test(`fake BlueZ + real ${kind}: pair two, mirror, survive restarts and unplugs`, (t) => run(t, kind));

async function run(t: Test, kind: ServerKind): Promise<void> {
  const { fake, bus } = await startBluezTestbed(t, {
    adapters: [{ id: 'hci0', address: '00:1A:7D:DA:71:10' }],
    speakers: [
      { address: SPEAKER_A.address, name: 'Kitchen' },
      { address: SPEAKER_B.address, name: 'Bath', pairing: 'pin', pin: '0000' },
    ],
  });
  const server = await startAudioServer(kind);
  t.teardown(() => server.stop());
  const portWarns: string[] = [];
  const warns: string[] = [];
  const bluetooth = new BluezBluetooth({ logger: capture(portWarns), busAddress: bus.address, callTimeoutMs: 3000, pairTimeoutMs: 10_000, connectTimeoutMs: 5000 });
  const audio = createPulseAudio({ logger: capture(portWarns), server: server.socket, callTimeoutMs: 3000 });
  const state = defaultState();
  state.settings.mode = 'mirror';
  const controller = createController({ bluetooth, audio, store: new MemoryStore(state), logger: capture(warns), policy: { backoffCapMs: 2_000 } });
  t.teardown(() => controller.stop());
  await controller.start();
  await until('both ports up', () => bluetooth.available && audio.available);

  await controller.startScan(5);
  await until('speakers discovered', () => controller.speakers().filter((s) => s.phase === 'discovered').length === 2);
  await controller.pair(SPEAKER_A.address);
  await controller.pair(SPEAKER_B.address);
  const bothStreaming = (): boolean => phase(controller, SPEAKER_A.address) === 'streaming' && phase(controller, SPEAKER_B.address) === 'streaming';
  await until('both streaming', bothStreaming);
  t.equal(audio.routes().length, 2, 'two routes on the real server');
  t.equal(controller.health().healthy, true, controller.health().summary);

  await fake.restart();
  await until('bluetoothd back, both reconnected', () => bluetooth.available && bothStreaming() && bluetooth.devices().filter((d) => d.connected).length === 2, 30_000);
  t.pass('bluetoothd restart recovered');

  await server.restart();
  await until('routes back after the audio server restart', () => audio.available && audio.routes().length === 2 && bothStreaming(), 30_000);
  t.pass('audio server restart recovered');

  await server.unplugUsb();
  await until('input gone', () => !controller.status().input.present);
  await nextPass(controller);
  await server.plugUsb();
  await until('routes back after the USB card returns', () => audio.routes().length === 2 && bothStreaming());
  t.pass('USB card replug recovered');

  const routeOfA = (): string | undefined => audio.routes().find((r) => r.spec.address === SPEAKER_A.address)?.id;
  const before = routeOfA();
  await fake.setSpeaker(SPEAKER_B.address, { on: false });
  await until('B not streaming', () => phase(controller, SPEAKER_B.address) !== 'streaming');
  t.equal(routeOfA(), before, 'A keeps its route while B is off');
  await fake.setSpeaker(SPEAKER_B.address, { on: true });
  await until('B back', bothStreaming);
  t.equal(routeOfA(), before, 'A kept the same route throughout');

  await until('recoveries logged', () => warns.length >= 3, 15_000);
  t.same(
    warns.map((w) => w.split(';')[0]),
    ['recovered: bluetoothd went away', 'recovered: the audio server went away', 'recovered: the USB sound card (input) disappeared'],
    'the controller logs each fault once at warn',
  );
  t.comment(`warn lines from the ports: ${portWarns.join(' | ')}`);
}
