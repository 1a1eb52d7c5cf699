/** The simulated speakers and adapters the demo and the tests start with. */
import type { BtAddress } from '../core/address.js';

export interface SimSpeakerSpec {
  address: BtAddress;
  name: string;
  /** PIN the speaker insists on; null = Just Works */
  pin: string | null;
  batteryPercent: number | null;
  /** codec ids the speaker supports, SBC first */
  codecs: string[];
  /** pages the last source when switched on, so BlueZ sees the link before we ask */
  autoReconnect: boolean;
  /** walks out of range now and then (every few minutes, for a while) */
  wanders: boolean;
}

export interface SimAdapterSpec {
  id: string;
  address: BtAddress;
  alias: string;
  /** a USB dongle can be unplugged; the on-board radio cannot */
  removable: boolean;
}

export const SIM_SPEAKERS: SimSpeakerSpec[] = [
  { address: '00:1A:7D:DA:71:01', name: 'Kitchen Boombox', pin: null, batteryPercent: 80, codecs: ['sbc', 'aac'], autoReconnect: true, wanders: false },
  { address: '00:1A:7D:DA:71:02', name: 'Living Room Soundbar', pin: '0000', batteryPercent: null, codecs: ['sbc', 'sbc_xq', 'aac', 'aptx'], autoReconnect: true, wanders: false },
  { address: '00:1A:7D:DA:71:03', name: 'Patio Pebble', pin: null, batteryPercent: 9, codecs: ['sbc'], autoReconnect: false, wanders: false },
  { address: '00:1A:7D:DA:71:04', name: 'Wanderer Mini', pin: null, batteryPercent: 55, codecs: ['sbc', 'aac'], autoReconnect: false, wanders: true },
];

export const SIM_ADAPTERS: SimAdapterSpec[] = [
  { id: 'hci0', address: 'B8:27:EB:00:00:01', alias: 'blueline', removable: false },
  { id: 'hci1', address: '00:1B:DC:00:00:02', alias: 'blueline (USB)', removable: true },
];

export const CODEC_NAMES: Record<string, { name: string; bitrateKbps: number | null }> = {
  sbc: { name: 'SBC', bitrateKbps: 328 },
  sbc_xq: { name: 'SBC XQ', bitrateKbps: 552 },
  aac: { name: 'AAC', bitrateKbps: 256 },
  aptx: { name: 'aptX', bitrateKbps: 352 },
  aptx_hd: { name: 'aptX HD', bitrateKbps: 576 },
  ldac: { name: 'LDAC', bitrateKbps: 660 },
};
