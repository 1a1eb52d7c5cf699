/**
 * Fault injection on the simulated world: everything that happens to a real appliance
 * (services restarting, cables pulled, speakers switched off or wandering away).
 */
import type { BtAddress } from '../core/address.js';
import type { SimAudio } from './audio.js';
import type { SimBluetooth } from './bluetooth.js';
import type { SimRadio } from './radio.js';

export const FAULT_KINDS = ['bluetoothd', 'audio-server', 'usb-card', 'dongle', 'speaker-power', 'speaker-range'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export class SimFaults {
  constructor(
    private readonly radio: SimRadio,
    private readonly bluetooth: SimBluetooth,
    private readonly audio: SimAudio,
  ) {}

  bluetoothdDown(): void {
    this.bluetooth.crash();
  }

  bluetoothdUp(): void {
    this.bluetooth.revive();
  }

  audioServerDown(): void {
    this.audio.crash();
  }

  audioServerUp(): void {
    this.audio.revive();
  }

  /** the USB sound card (the Echo's input) is pulled out */
  unplugUsbCard(): void {
    this.radio.usbCardPlugged = false;
    this.radio.touch();
  }

  plugUsbCard(): void {
    this.radio.usbCardPlugged = true;
    this.radio.touch();
  }

  /** a Bluetooth dongle (a removable adapter) is pulled out; its links drop */
  unplugDongle(adapter = this.firstRemovable()): void {
    const a = this.radio.adapters.get(adapter);
    if (!a?.plugged) return;
    a.plugged = false;
    this.bluetooth.adapterUnplugged(adapter);
    this.radio.dropLinks(adapter);
    this.radio.touch();
  }

  plugDongle(adapter = this.firstRemovable()): void {
    const a = this.radio.adapters.get(adapter);
    if (!a || a.plugged) return;
    a.plugged = true;
    this.bluetooth.adapterReplugged(adapter);
    this.radio.touch();
  }

  /** switching a speaker off drops its link; switching it on lets an auto-reconnecting speaker
   *  page its last source, which restores the ACL link without the A2DP profile */
  speakerPower(address: BtAddress, on: boolean, lastAdapter?: string): void {
    const s = this.radio.speakers.get(address);
    if (!s || s.powered === on) return;
    s.powered = on;
    if (!on) {
      this.radio.setLink(address, null);
      return;
    }
    if (s.spec.autoReconnect && s.inRange) {
      const adapter = lastAdapter ?? [...this.radio.adapters.keys()].find((id) => this.radio.isPaired(id, address) && this.bluetooth.isPowered(id));
      if (adapter && this.bluetooth.isPowered(adapter) && !this.radio.links.has(address)) this.radio.setLink(address, { adapter, a2dp: false });
    }
    this.radio.touch();
  }

  speakerRange(address: BtAddress, inRange: boolean): void {
    const s = this.radio.speakers.get(address);
    if (!s || s.inRange === inRange) return;
    s.inRange = inRange;
    if (!inRange) this.radio.setLink(address, null);
    this.radio.touch();
  }

  /** the next pairings with this speaker are rejected (not in pairing mode) */
  refusePairing(address: BtAddress, refuse = true): void {
    const s = this.radio.speakers.get(address);
    if (s) s.refusePairing = refuse;
  }

  /** the speaker forgot its key for us (reset): connecting fails with an auth error */
  speakerLosesKey(address: BtAddress): void {
    const s = this.radio.speakers.get(address);
    if (!s) return;
    s.lostKey = true;
    this.radio.setLink(address, null);
  }

  /** the speaker offers this codec, but switching to it leaves no sink (seen in the end-to-end lab with SBC-XQ) */
  codecPlaysNothing(address: BtAddress, codec: string): void {
    this.radio.speakers.get(address)?.silentCodecs.add(codec);
    this.radio.touch();
  }

  /** the Echo starts or stops talking (drives the level meter and the idle policy) */
  echoTalking(talking: boolean): void {
    this.radio.echoTalking = talking;
  }

  private firstRemovable(): string {
    for (const [id, a] of this.radio.adapters) if (a.spec.removable) return id;
    throw new Error('no removable adapter in this simulation');
  }
}
