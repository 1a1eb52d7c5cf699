import t from 'tap';
import dbus from 'dbus-next';
import { BluelineError } from '../../daemon/src/core/errors.js';
import { mapDbusError } from '../../daemon/src/bluez/errors.js';

const cases: Array<[string, string, string, RegExp]> = [
  ['org.bluez.Error.AuthenticationFailed', 'Authentication Failed', 'refused', /the speaker refused pairing: put it in pairing mode and try again/],
  ['org.bluez.Error.AuthenticationRejected', 'Authentication Rejected', 'refused', /refused pairing/],
  ['org.bluez.Error.AuthenticationCanceled', 'Authentication Canceled', 'refused', /cancelled/],
  ['org.bluez.Error.AuthenticationTimeout', 'Authentication Timeout', 'unreachable', /did not answer/],
  ['org.bluez.Error.ConnectionAttemptFailed', 'Page Timeout', 'unreachable', /the speaker is off or out of range/],
  ['org.bluez.Error.Failed', 'br-connection-page-timeout', 'unreachable', /the speaker is off or out of range/],
  ['org.bluez.Error.Failed', 'BR/EDR connection page timeout', 'unreachable', /off or out of range/],
  ['org.bluez.Error.BREDR.PageTimeout', 'Page timeout', 'unreachable', /off or out of range/],
  ['org.bluez.Error.HostDown', 'Host is down', 'unreachable', /off or out of range/],
  ['org.bluez.Error.InProgress', 'In Progress', 'busy', /already doing this/],
  ['org.bluez.Error.Failed', 'br-connection-busy', 'busy', /busy/],
  ['org.bluez.Error.Failed', 'br-connection-key-missing', 'refused', /forget it here and pair again/],
  ['org.bluez.Error.Failed', 'br-connection-profile-unavailable', 'unsupported', /audio profile/],
  ['org.bluez.Error.Failed', 'br-connection-adapter-not-powered', 'unavailable', /adapter is off/],
  ['org.bluez.Error.Failed', 'Blocked through rfkill', 'unavailable', /rfkill unblock bluetooth/],
  ['org.bluez.Error.Failed', 'br-connection-already-connected', 'conflict', /already connected/],
  ['org.bluez.Error.DoesNotExist', 'Does Not Exist', 'not-found', /not known to Bluetooth/],
  ['org.freedesktop.DBus.Error.UnknownObject', 'Method "Connect" ... doesn\'t exist', 'not-found', /not known/],
  ['org.bluez.Error.NotReady', 'Resource Not Ready', 'unavailable', /not ready/],
  ['org.bluez.Error.NotSupported', 'Operation is not supported', 'unsupported', /does not support/],
  ['org.bluez.Error.InvalidArguments', 'Invalid arguments in method call', 'invalid', /invalid/],
  ['org.freedesktop.DBus.Error.ServiceUnknown', 'The name org.bluez was not provided', 'unavailable', /bluetoothd\) is not running/],
  ['org.freedesktop.DBus.Error.NoReply', 'Did not receive a reply', 'timeout', /did not answer in time/],
  ['org.freedesktop.DBus.Error.NoReply', 'Message recipient disconnected from message bus without replying', 'unavailable', /stopped while handling the request/],
  ['org.bluez.Error.Failed', 'something new', 'failed', /could not connect to the speaker/],
  ['org.example.Weird', 'odd', 'failed', /could not connect to the speaker/],
];

t.test('D-Bus errors map to codes and plain reasons, keeping the cause', async (t) => {
  for (const [name, text, code, reason] of cases) {
    const cause = new dbus.DBusError(name, text);
    const e = mapDbusError(cause, 'connect to the speaker');
    t.equal(e.code, code, `${name} "${text}" -> ${code}`);
    t.match(e.reason, reason);
    t.equal(e.cause, cause);
    t.match(e.message, name, 'the D-Bus name stays in the message for the log');
  }
});

t.test('BluelineErrors pass through; anything else is failed', async (t) => {
  const own = new BluelineError('timeout', 'x');
  t.equal(mapDbusError(own, 'pair'), own);
  const e = mapDbusError(new Error('socket closed'), 'pair with the speaker');
  t.equal(e.code, 'failed');
  t.equal(e.reason, 'could not pair with the speaker');
});
