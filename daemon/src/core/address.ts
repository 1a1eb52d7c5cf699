import { BluelineError } from './errors.js';

/** A Bluetooth device address in canonical form: upper case, colon separated. */
export type BtAddress = string;

const ADDRESS = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;

export function isBtAddress(value: string): boolean {
  return ADDRESS.test(value);
}

/** Accepts `aa:bb:cc:dd:ee:ff` in any case; anything else is an 'invalid' error. */
export function parseBtAddress(value: string): BtAddress {
  const upper = value.toUpperCase();
  if (!ADDRESS.test(upper)) {
    throw new BluelineError('invalid', `"${value}" is not a Bluetooth address (expected AA:BB:CC:DD:EE:FF)`);
  }
  return upper;
}

/** BlueZ object path segment: dev_AA_BB_CC_DD_EE_FF */
export function addressToPathSegment(address: BtAddress): string {
  return `dev_${address.replaceAll(':', '_')}`;
}

/** The address embedded in a BlueZ device path or a bluez_output./bluez_sink. name, if any. */
export function addressFromName(name: string): BtAddress | undefined {
  const m = /([0-9A-Fa-f]{2})[_:]([0-9A-Fa-f]{2})[_:]([0-9A-Fa-f]{2})[_:]([0-9A-Fa-f]{2})[_:]([0-9A-Fa-f]{2})[_:]([0-9A-Fa-f]{2})/.exec(name);
  return m ? m.slice(1, 7).join(':').toUpperCase() : undefined;
}
