/**
 * Measures the BlueZ module against the fake bluetoothd on a private bus (run via bench/bluez.mjs):
 * recovery after a bluetoothd restart, a ConnectProfile+Disconnect cycle, a PIN pairing.
 */
import { once } from 'node:events';
import pino from 'pino';
import { BluezBluetooth } from '../daemon/src/bluez/index.js';
import { startPrivateBus } from '../test/helpers/dbus-daemon.js';
import { FakeBluez } from '../test/helpers/fake-bluez/harness.js';

const runs = Number(process.argv[2] ?? 20);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const speaker = { address: 'AA:00:00:00:00:01', name: 'Bench', pairing: 'pin' as const, pin: '0000' };

const bus = await startPrivateBus();
const fake = new FakeBluez({ busAddress: bus.address, world: { adapters: [{ id: 'hci0', address: '00:1A:7D:DA:71:10' }], speakers: [speaker] } });
const bringUps: number[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => {
  const entry = JSON.parse(line) as { msg: string; ms?: number };
  if (entry.msg.startsWith('bluetoothd is up') && entry.ms !== undefined) bringUps.push(entry.ms);
} });
const bt = new BluezBluetooth({ logger, busAddress: bus.address });
try {
  await fake.start();
  await bt.start();
  bringUps.length = 0;

  const pairs: number[] = [];
  for (let i = 0; i < runs; i++) {
    await bt.startDiscovery('hci0');
    while (!bt.devices().length) await once(bt, 'changed');
    const t0 = performance.now();
    await bt.pair('hci0', speaker.address);
    pairs.push(performance.now() - t0);
    await bt.forget('hci0', speaker.address);
  }

  await bt.startDiscovery('hci0');
  while (!bt.devices().length) await once(bt, 'changed');
  await bt.pair('hci0', speaker.address);
  const cycles: number[] = [];
  for (let i = 0; i < runs * 10; i++) {
    const t0 = performance.now();
    await bt.connectAudio('hci0', speaker.address);
    await bt.disconnect('hci0', speaker.address);
    cycles.push(performance.now() - t0);
  }

  for (let i = 0; i < runs; i++) {
    const up = once(bt, 'up');
    await fake.restart();
    await up;
  }

  console.log(`| measure (fake bluetoothd, private dbus-daemon) | runs | median ms |`);
  console.log(`|---|---|---|`);
  console.log(`| bring-up after bluetoothd restart (name back -> mirror + agent, 'up') | ${bringUps.length} | ${median(bringUps).toFixed(1)} |`);
  console.log(`| pair (PIN via the agent) | ${pairs.length} | ${median(pairs).toFixed(1)} |`);
  console.log(`| ConnectProfile + Disconnect | ${cycles.length} | ${median(cycles).toFixed(2)} |`);
} finally {
  await bt.stop();
  await fake.stop();
  await bus.stop();
}
