/** BlueZ over D-Bus: the BluetoothPort the daemon uses on real hardware. See docs/bluetooth.md. */
import { BluezBluetooth, type BluezOptions } from './bluez-bluetooth.js';

export { BluezBluetooth, type BluezOptions } from './bluez-bluetooth.js';

export function createBluezBluetooth(options: BluezOptions): BluezBluetooth {
  return new BluezBluetooth(options);
}
