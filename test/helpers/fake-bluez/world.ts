/** What the fake bluetoothd simulates: adapters and the speakers in radio range. Shared by the fake and its harness. */

export interface FakeAdapterSpec {
  /** 'hci0' */
  id: string;
  address: string;
  alias?: string;
  /** default true */
  powered?: boolean;
}

/**
 * How the speaker pairs:
 * - 'just-works': no agent call (outgoing Secure Simple Pairing with a NoInputNoOutput speaker)
 * - 'pin': legacy pairing, RequestPinCode; succeeds when the agent answers `pin`
 * - 'confirm': RequestConfirmation(passkey); 'authorize': RequestAuthorization
 * - 'passkey': RequestPasskey; succeeds when the agent answers `passkey`
 * - 'refuse': the speaker rejects pairing (not in pairing mode)
 */
export type PairingMode = 'just-works' | 'pin' | 'confirm' | 'authorize' | 'passkey' | 'refuse';

export interface FakeSpeakerSpec {
  address: string;
  name: string;
  /** class of device; default 0x240414 (audio/video, loudspeaker) */
  class?: number;
  /** default 'audio-card' */
  icon?: string;
  /** default A2DP sink + AVRCP target */
  uuids?: string[];
  /** default 'just-works' */
  pairing?: PairingMode;
  /** for 'pin'; default '0000' */
  pin?: string;
  /** for 'passkey' and 'confirm'; default 123456 */
  passkey?: number;
  /** switched on and in range; default true */
  on?: boolean;
  /** dBm seen during discovery; default -60 */
  rssi?: number;
  /** Battery1.Percentage when set */
  battery?: number;
  /** adapters that can see it; default all */
  adapters?: string[];
}

export interface FakeWorld {
  adapters: FakeAdapterSpec[];
  speakers: FakeSpeakerSpec[];
}

/** Pairings survive a restart of the fake, as bluetoothd keeps them in /var/lib/bluetooth. */
export interface FakePersisted {
  /** adapter id -> address -> what is stored about the bond */
  bonds: Record<string, Record<string, { trusted: boolean; alias?: string }>>;
}

export const A2DP_SINK = '0000110b-0000-1000-8000-00805f9b34fb';
export const AVRCP_TARGET = '0000110c-0000-1000-8000-00805f9b34fb';
export const AVRCP = '0000110e-0000-1000-8000-00805f9b34fb';
