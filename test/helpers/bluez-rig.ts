/** Shared set-up for the BlueZ integration tests: a private bus, the fake, and a BluezBluetooth on it. */
import { once } from 'node:events';
import pino from 'pino';
import { BluezBluetooth, type BluezOptions } from '../../daemon/src/bluez/index.js';
import { startBluezTestbed, type BluezTestbed, type FakeBluezOptions, type FakeWorld } from './fake-bluez/harness.js';

export const SPEAKER_A = { address: 'AA:00:00:00:00:01', name: 'Kitchen Speaker' };
export const SPEAKER_B = { address: 'AA:00:00:00:00:02', name: 'Patio Speaker' };
export const HCI0 = { id: 'hci0', address: '00:1A:7D:DA:71:10' };
export const HCI1 = { id: 'hci1', address: '00:1A:7D:DA:71:11' };

export interface Rig extends BluezTestbed {
  bt: BluezBluetooth;
}

export type TestLike = { teardown(fn: () => unknown): void };

export async function rig(
  t: TestLike,
  world: FakeWorld,
  options: { fake?: Omit<FakeBluezOptions, 'busAddress' | 'world'> & { startFake?: boolean }; bt?: Partial<BluezOptions> } = {},
): Promise<Rig> {
  const testbed = await startBluezTestbed(t, world, options.fake);
  const logger = pino({ level: process.env.BLUELINE_TEST_LOG ?? 'silent' });
  const bt = new BluezBluetooth({ logger, busAddress: testbed.bus.address, callTimeoutMs: 3000, pairTimeoutMs: 10_000, connectTimeoutMs: 5000, ...options.bt });
  t.teardown(() => bt.stop());
  const up = once(bt, 'up');
  await bt.start();
  if (options.fake?.startFake !== false) await withTimeout(up, 5000, 'port did not come up');
  return { ...testbed, bt };
}

/** Resolves when `check` holds after a `changed` event (or right away). */
export async function until(bt: BluezBluetooth, check: () => boolean, what: string, ms = 5000): Promise<void> {
  if (check()) return;
  await withTimeout(
    new Promise<void>((resolve) => {
      const on = () => {
        if (check()) {
          bt.off('changed', on);
          resolve();
        }
      };
      bt.on('changed', on);
    }),
    ms,
    `timed out waiting for ${what}`,
  );
}

export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export function device(bt: BluezBluetooth, address: string, adapter = 'hci0') {
  return bt.devices().find((d) => d.address === address && d.adapter === adapter);
}
