/**
 * Lab-only workaround for BlueZ 5.66's AVDTP acceptor bug: when the speaker's bluetoothd
 * accepts a stream without knowing the transmitter's endpoints, it runs a reverse discovery
 * that overlaps SET_CONFIGURATION and answers with the wrong transaction label
 * ("Transaction label doesn't match", then br-connection-canceled). Fixed upstream by
 * "avdtp: Fix potential incorrect transaction label" (1f9ff8fb4, BlueZ 5.72); Debian 12 ships 5.66.
 * Real speakers do not run BlueZ, so only the emulated speaker needs this: it connects to the
 * transmitter once by itself, which stores the transmitter's endpoints in its cache, and the
 * racy reverse discovery never runs again. That connection may fail (the transmitter's own
 * 5.66 hits the same race as acceptor); only the cache matters. bluetoothd 5.66 sometimes
 * crashes here ("Resolving services" after a failed page), so it is restarted when needed.
 */
import { A2DP_SOURCE_UUID } from './drivers.js';
import type { GuestClient } from './guest-client.js';
import { startBluetoothd, waitFor } from './services.js';

export interface PrimeDeps {
  spk: GuestClient;
  txAddress: string;
  speakers: { hci: string; address: string }[];
  log(line: string): void;
  /** re-register agent and adapters after a bluetoothd restart */
  setupSpeakers(): Promise<void>;
}

async function hasCachedEndpoints(spk: GuestClient, speaker: string, tx: string): Promise<boolean> {
  const r = await spk.run(['grep', '-q', '^\\[Endpoints\\]', `/var/lib/bluetooth/${speaker}/cache/${tx}`], 5000);
  return r.code === 0;
}

async function bluetoothdRunning(spk: GuestClient): Promise<boolean> {
  const ps = await spk.call<Record<string, { running: boolean }>>('GET', '/ps');
  return ps.bluetoothd?.running ?? false;
}

/**
 * The emulated speakers' bluetoothd 5.66 crashes now and then (SIGSEGV right after
 * device_bonding_failed status 14, when a link drops while its reverse service discovery is
 * pending). A speaker's firmware would reboot its stack: the lab restarts it within seconds
 * and logs it, so blueline meets a speaker that is briefly gone, not a dead lab.
 */
export function superviseSpeakers(deps: PrimeDeps): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      if (await bluetoothdRunning(deps.spk)) return;
      deps.log('speaker bluetoothd died (BlueZ 5.66 crash); restarting it');
      await deps.spk.bt('reset');
      await startBluetoothd(deps.spk);
      await deps.setupSpeakers();
    })().catch((err: Error) => deps.log(`speaker restart failed: ${err.message}`)).finally(() => { busy = false; });
  }, 2000);
  return () => clearInterval(timer);
}

/**
 * Before blueline runs: each emulated speaker meets the transmitter once (paired by hand,
 * primed), then both forget the pairing, but the speaker keeps the endpoint cache, like a
 * speaker that has seen this Pi before. blueline then scans, pairs and connects from scratch
 * without ever hitting the acceptor bug (it connects right after pairing, before any prime
 * could run).
 */
export async function introduceSpeakers(deps: PrimeDeps & { tx: GuestClient; pair(address: string): Promise<void> }): Promise<void> {
  const prime = makePrime(deps);
  for (const { hci, address } of deps.speakers) {
    const cache = `/var/lib/bluetooth/${address}/cache/${deps.txAddress}`;
    try {
      await deps.pair(address);
      await prime(address);
      await deps.spk.runOk(['cp', cache, `/tmp/lab-cache-${hci}`]);
    } catch (err) {
      // the scenarios that use this speaker will fail and show why; the others can still run
      deps.log(`${hci} could not meet the transmitter: ${(err as Error).message}`);
    }
    await deps.tx.bt('remove', { hci: 'hci0', address }).catch(() => undefined);
    await deps.spk.bt('remove', { hci, address: deps.txAddress }).catch(() => undefined);
    const kept = await deps.spk.run(['cp', `/tmp/lab-cache-${hci}`, cache]);
    deps.log(`${hci}: pairing forgotten on both sides; endpoint cache ${kept.code === 0 ? 'kept' : 'missing'}`);
  }
}

export function makePrime(deps: PrimeDeps): (speaker: string) => Promise<void> {
  const { spk, txAddress } = deps;
  return async (speaker: string) => {
    const hci = deps.speakers.find((s) => s.address === speaker)?.hci;
    if (!hci) throw new Error(`no emulated speaker ${speaker}`);
    for (let attempt = 1; attempt <= 4; attempt++) {
      if (await hasCachedEndpoints(spk, speaker, txAddress)) return;
      if (!(await bluetoothdRunning(spk))) {
        deps.log('speaker bluetoothd died (BlueZ 5.66 crash); restarting it');
        await spk.bt('reset');
        await startBluetoothd(spk);
        await deps.setupSpeakers();
      }
      // let the pairing's own link go down first: connecting while it drops crashes 5.66
      await waitFor('speaker link idle', 15_000, async () => (await spk.bt<{ Connected?: boolean } | null>('device', { hci, address: txAddress }))?.Connected === false).catch(() => undefined);
      await spk.bt('trust', { hci, address: txAddress }).catch(() => undefined);
      const result = await spk.bt('connect-profile', { hci, address: txAddress, uuid: A2DP_SOURCE_UUID }, 20_000).then(() => 'connected', (err: Error) => err.message);
      await spk.bt('disconnect', { hci, address: txAddress }).catch(() => undefined);
      deps.log(`prime ${hci} #${attempt}: ${result}`);
      await waitFor('speaker link down', 15_000, async () => (await spk.bt<{ Connected?: boolean } | null>('device', { hci, address: txAddress }))?.Connected === false).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1500));
    }
    if (!(await hasCachedEndpoints(spk, speaker, txAddress))) throw new Error(`speaker ${hci} could not learn the transmitter's endpoints`);
  };
}
