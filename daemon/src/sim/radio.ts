/**
 * The physical side of the simulation: which adapters are plugged in, which speakers are on and
 * in range, which links exist, which pairings BlueZ keeps on disk, whether the USB card is in
 * and whether the Echo is talking. The simulated bluetoothd and audio server both read it.
 */
import { EventEmitter } from 'node:events';
import type { BtAddress } from '../core/address.js';
import type { SimAdapterSpec, SimSpeakerSpec } from './catalog.js';

export interface SimSpeaker {
  spec: SimSpeakerSpec;
  powered: boolean;
  inRange: boolean;
  /** the next pairing attempt is rejected (the speaker is not in pairing mode) */
  refusePairing: boolean;
  /** the speaker dropped its key for us: connecting fails with an authentication error */
  lostKey: boolean;
  /** codecs it offers but plays nothing with (faults.codecPlaysNothing) */
  silentCodecs: Set<string>;
}

export interface SimLink {
  adapter: string;
  /** the A2DP profile is up (not just the ACL link) */
  a2dp: boolean;
}

export class SimRadio extends EventEmitter<{ changed: [] }> {
  readonly speakers = new Map<BtAddress, SimSpeaker>();
  readonly adapters = new Map<string, { spec: SimAdapterSpec; plugged: boolean }>();
  readonly links = new Map<BtAddress, SimLink>();
  /** adapter id -> addresses paired on it (BlueZ's /var/lib/bluetooth survives restarts) */
  readonly pairings = new Map<string, Set<BtAddress>>();
  usbCardPlugged = true;
  echoTalking = false;

  constructor(speakers: SimSpeakerSpec[], adapters: SimAdapterSpec[]) {
    super();
    for (const spec of speakers) this.speakers.set(spec.address, { spec, powered: true, inRange: true, refusePairing: false, lostKey: false, silentCodecs: new Set() });
    for (const spec of adapters) {
      this.adapters.set(spec.id, { spec, plugged: true });
      this.pairings.set(spec.id, new Set());
    }
  }

  reachable(address: BtAddress): boolean {
    const s = this.speakers.get(address);
    return !!s && s.powered && s.inRange;
  }

  isPaired(adapter: string, address: BtAddress): boolean {
    return this.pairings.get(adapter)?.has(address) ?? false;
  }

  setLink(address: BtAddress, link: SimLink | null): void {
    const before = this.links.get(address);
    if (link) this.links.set(address, link);
    else this.links.delete(address);
    if (before?.adapter !== link?.adapter || before?.a2dp !== link?.a2dp) this.emit('changed');
  }

  /** drops every link on one adapter (dongle pulled, bluetoothd gone) or on all of them */
  dropLinks(adapter?: string): void {
    let any = false;
    for (const [address, link] of this.links) {
      if (adapter === undefined || link.adapter === adapter) {
        this.links.delete(address);
        any = true;
      }
    }
    if (any) this.emit('changed');
  }

  touch(): void {
    this.emit('changed');
  }
}
