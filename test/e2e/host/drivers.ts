/**
 * Two ways to make the transmitter do what a scenario needs:
 * - ApiDriver: blueline's HTTP API, as the web panel would (this is what scenarios count);
 * - PlumbingDriver: direct BlueZ D-Bus calls and pactl, to prove the lab's own plumbing
 *   (diagnostic mode; never counted as a scenario passing).
 */
import type { ApiClient } from './api-client.js';
import type { GuestClient } from './guest-client.js';
import { AUDIO_ENV, bluezSink, usbSource, waitFor } from './services.js';

export const A2DP_SINK_UUID = '0000110b-0000-1000-8000-00805f9b34fb';
export const A2DP_SOURCE_UUID = '0000110a-0000-1000-8000-00805f9b34fb';

export interface Driver {
  kind: 'api' | 'plumbing';
  /** scan, pair, connect and route the USB card to the speaker */
  addSpeaker(address: string): Promise<void>;
  /** resolves once the speaker is streaming (connected and routed) */
  waitStreaming(address: string, timeoutMs: number): Promise<void>;
  setMirror(): Promise<void>;
  codecs(address: string): Promise<string[]>;
  activeCodec(address: string): Promise<string | null>;
  switchCodec(address: string, codec: string): Promise<void>;
  /** what happens after a fault: the API driver only waits, the plumbing driver repairs by hand */
  recover(address: string): Promise<void>;
  /** take the scenario's route away (for the hand-built baseline) and give it back */
  pauseRoute(address: string): Promise<void>;
  resumeRoute(address: string): Promise<void>;
}

export class ApiDriver implements Driver {
  readonly kind = 'api';
  constructor(private api: ApiClient, private startDaemon: () => Promise<void>, private stopDaemon: () => Promise<void>) {}

  async addSpeaker(address: string): Promise<void> {
    await this.api.ok('POST', '/api/scan', { seconds: 20 });
    await waitFor(`scan to find ${address}`, 40_000, async () => (await this.api.speaker(address)) !== undefined, 1000);
    await this.api.ok('POST', `/api/speakers/${address}/pair`, {}, 90_000);
    // blueline may already be connecting by itself after pairing: a conflict is fine
    const r = await this.api.send('POST', `/api/speakers/${address}/connect`, undefined, 90_000);
    if (r.status >= 300 && r.status !== 409) throw new Error(`connect ${address} -> ${r.status} ${JSON.stringify(r.body)}`);
    // a new speaker starts at 70 %; full volume passes the input through unchanged, as the
    // level check needs
    await this.api.ok('PATCH', `/api/speakers/${address}`, { volume: 100 });
    await this.waitStreaming(address, 90_000);
    // WirePlumber 0.4.13 (Debian 12) sometimes crashes as the new speaker's sink appears; the
    // lab restarts it as systemd would, and blueline reconnects: let that settle before measuring
    await new Promise((r) => setTimeout(r, 5000));
    await this.waitStreaming(address, 90_000);
  }

  async waitStreaming(address: string, timeoutMs: number): Promise<void> {
    await waitFor(`${address} streaming`, timeoutMs, async () => (await this.api.speaker(address))?.phase === 'streaming', 500);
  }

  async setMirror(): Promise<void> {
    await this.api.ok('PATCH', '/api/settings', { mode: 'mirror' });
  }

  private codecInfo(address: string): Promise<{ id: string; active: boolean }[]> {
    return this.api.ok<{ id: string; active: boolean }[]>('GET', `/api/speakers/${address}/codecs`);
  }

  async codecs(address: string): Promise<string[]> {
    return (await this.codecInfo(address)).map((c) => c.id);
  }

  async activeCodec(address: string): Promise<string | null> {
    return (await this.codecInfo(address)).find((c) => c.active)?.id ?? null;
  }

  async switchCodec(address: string, codec: string): Promise<void> {
    await this.api.ok('PATCH', `/api/speakers/${address}`, { codec }, 60_000);
  }

  async recover(address: string): Promise<void> {
    await this.waitStreaming(address, 120_000);
  }

  async pauseRoute(): Promise<void> {
    await this.stopDaemon();
  }

  async resumeRoute(address: string): Promise<void> {
    await this.startDaemon();
    await this.waitStreaming(address, 120_000);
  }
}

/** The route a careful hand would build: loopback from the USB card with a short latency. */
const PLUMBING_LATENCY_MS = 60;

export class PlumbingDriver implements Driver {
  readonly kind = 'plumbing';
  private routes = new Map<string, string>();
  private meterStarted = false;

  constructor(private tx: GuestClient, private hci: string) {}

  private pactl(args: string[]): Promise<string> {
    return this.tx.runOk(['pactl', ...args], 20_000, AUDIO_ENV);
  }

  async connectA2dp(address: string): Promise<void> {
    // as a user would: try again a few times (the speaker may still be tearing down a link)
    for (let attempt = 1; ; attempt++) {
      const err = await this.tx.bt('connect-profile', { hci: this.hci, address, uuid: A2DP_SINK_UUID }).then(() => null, (e: Error) => e);
      if (!err || /AlreadyConnected|InProgress/.test(err.message)) break;
      if (attempt >= 4) throw err;
      await new Promise((r) => setTimeout(r, 5000));
    }
    await waitFor(`bluez sink for ${address}`, 60_000, () => bluezSink(this.tx, address));
  }

  async route(address: string, latencyMs: number | null): Promise<void> {
    const source = await usbSource(this.tx);
    const sink = await bluezSink(this.tx, address);
    if (!source || !sink) throw new Error(`cannot route: source=${source} sink=${sink}`);
    const args = ['load-module', 'module-loopback', `source=${source}`, `sink=${sink}`, 'source_dont_move=true', 'sink_dont_move=true'];
    if (latencyMs !== null && process.env.LAB_PLUMBING_NODE_LATENCY) {
      // diagnostic: the route as blueline builds it on PipeWire (route-plan.ts), by hand
      const quantum = `node.latency=${process.env.LAB_PLUMBING_NODE_LATENCY}`;
      args.push('latency_msec=1', `source_output_properties=${quantum}`, `sink_input_properties=${quantum}`);
    } else if (latencyMs !== null) args.push(`latency_msec=${latencyMs}`);
    if (process.env.LAB_PLUMBING_METER && !this.meterStarted) {
      this.meterStarted = true;
      // diagnostic: a record stream like blueline's level meter (16 kHz mono from the input)
      await this.tx.start('plumbing-meter', ['sh', '-c', `exec parec -d ${source} --rate=16000 --channels=1 --format=s16le > /dev/null`], AUDIO_ENV);
    }
    const id = (await this.pactl(args)).trim();
    this.routes.set(address, id);
    await this.pactl(['set-sink-volume', sink, '100%']);
    await this.pactl(['set-source-volume', source, '100%']);
  }

  async unroute(address: string): Promise<void> {
    const id = this.routes.get(address);
    if (id) await this.pactl(['unload-module', id]).catch(() => undefined);
    this.routes.delete(address);
  }

  /** discover, pair and trust by hand */
  async pair(address: string): Promise<void> {
    await this.tx.bt('agent');
    await this.tx.bt('discover', { hci: this.hci, address, timeoutMs: 40_000 });
    await this.tx.bt('pair', { hci: this.hci, address });
    await this.tx.bt('trust', { hci: this.hci, address });
  }

  async addSpeaker(address: string): Promise<void> {
    await this.pair(address);
    await this.connectA2dp(address);
    await this.route(address, PLUMBING_LATENCY_MS);
  }

  async waitStreaming(address: string, timeoutMs: number): Promise<void> {
    await waitFor(`${address} sink`, timeoutMs, () => bluezSink(this.tx, address));
  }

  async setMirror(): Promise<void> {
    // nothing to do: every speaker added gets its own loopback from the same source
  }

  private async card(address: string): Promise<string> {
    return `bluez_card.${address.replaceAll(':', '_')}`;
  }

  async codecs(address: string): Promise<string[]> {
    const out = await this.pactl(['list', 'cards']);
    const card = await this.card(address);
    const section = out.split(/\n(?=Card #)/).find((s) => s.includes(`Name: ${card}`)) ?? '';
    return [...section.matchAll(/^\s+a2dp-sink(?:-(\S+))?: .*available: (?:yes|unknown)/gm)].map((m) => m[1] ?? 'sbc');
  }

  async activeCodec(address: string): Promise<string | null> {
    const out = await this.pactl(['list', 'cards']);
    const card = await this.card(address);
    const section = out.split(/\n(?=Card #)/).find((s) => s.includes(`Name: ${card}`)) ?? '';
    const m = /Active Profile: a2dp-sink(?:-(\S+))?/.exec(section);
    return m ? (m[1] ?? 'sbc') : null;
  }

  async switchCodec(address: string, codec: string): Promise<void> {
    await this.unroute(address);
    await this.pactl(['set-card-profile', await this.card(address), `a2dp-sink-${codec}`]);
    await waitFor(`bluez sink for ${address}`, 30_000, () => bluezSink(this.tx, address));
    await this.route(address, PLUMBING_LATENCY_MS);
  }

  async recover(address: string): Promise<void> {
    // nothing reconnects on its own here: that is blueline's job, so the plumbing repairs by hand
    this.routes.delete(address);
    await waitFor(`${address} reconnect by hand`, 90_000, async () => {
      await this.tx.bt('agent').catch(() => undefined);
      await this.connectA2dp(address);
      return true;
    }, 3000);
    await this.route(address, PLUMBING_LATENCY_MS);
  }

  async pauseRoute(address: string): Promise<void> {
    await this.unroute(address);
  }

  async resumeRoute(address: string): Promise<void> {
    await this.route(address, PLUMBING_LATENCY_MS);
  }
}
