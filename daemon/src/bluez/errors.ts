/**
 * The one place where D-Bus / BlueZ errors become BluelineErrors with reasons a user can act on.
 * bluetoothd reports connection failures as org.bluez.Error.Failed with a "br-connection-*"
 * message (5.66); newer releases spell them "BR/EDR connection ..." or use org.bluez.Error.BREDR.*,
 * so the message is matched loosely.
 */
import { BluelineError, type ErrorCode } from '../core/errors.js';

/** What a failed D-Bus call gave us: the error name and its text. */
export interface DbusFailure {
  name: string;
  message: string;
}

const REFUSED_PAIRING = 'the speaker refused pairing: put it in pairing mode and try again';
const UNREACHABLE = 'the speaker is off or out of range: switch it on, bring it closer and try again';

interface Mapping {
  code: ErrorCode;
  reason: string;
}

const BY_NAME: Record<string, Mapping> = {
  'org.bluez.Error.AuthenticationFailed': { code: 'refused', reason: REFUSED_PAIRING },
  'org.bluez.Error.AuthenticationRejected': { code: 'refused', reason: REFUSED_PAIRING },
  'org.bluez.Error.AuthenticationCanceled': { code: 'refused', reason: 'pairing was cancelled: put the speaker in pairing mode and try again' },
  'org.bluez.Error.AuthenticationTimeout': { code: 'unreachable', reason: 'the speaker did not answer the pairing request: put it in pairing mode and try again' },
  'org.bluez.Error.ConnectionAttemptFailed': { code: 'unreachable', reason: UNREACHABLE },
  'org.bluez.Error.HostDown': { code: 'unreachable', reason: UNREACHABLE },
  'org.bluez.Error.InProgress': { code: 'busy', reason: 'Bluetooth is already doing this: wait a moment and try again' },
  'org.bluez.Error.AlreadyConnected': { code: 'conflict', reason: 'the speaker is already connected' },
  'org.bluez.Error.AlreadyExists': { code: 'conflict', reason: 'this already exists (the speaker is already paired)' },
  'org.bluez.Error.DoesNotExist': { code: 'not-found', reason: 'the speaker or adapter is not known to Bluetooth any more: scan again' },
  'org.freedesktop.DBus.Error.UnknownObject': { code: 'not-found', reason: 'the speaker or adapter is not known to Bluetooth any more: scan again' },
  'org.freedesktop.DBus.Error.UnknownInterface': { code: 'not-found', reason: 'the speaker or adapter is not known to Bluetooth any more: scan again' },
  'org.bluez.Error.NotReady': { code: 'unavailable', reason: 'the Bluetooth adapter is not ready (is it powered on?)' },
  'org.bluez.Error.NotPowered': { code: 'unavailable', reason: 'the Bluetooth adapter is off: power it on and try again' },
  'org.bluez.Error.NotSupported': { code: 'unsupported', reason: 'the speaker or adapter does not support this' },
  'org.bluez.Error.NotAvailable': { code: 'unsupported', reason: 'the speaker does not offer this service (is it an audio sink?)' },
  'org.freedesktop.DBus.Error.UnknownMethod': { code: 'unsupported', reason: 'the Bluetooth service does not support this call (BlueZ too old?)' },
  'org.bluez.Error.InvalidArguments': { code: 'invalid', reason: 'Bluetooth rejected the request as invalid' },
  'org.freedesktop.DBus.Error.InvalidArgs': { code: 'invalid', reason: 'Bluetooth rejected the request as invalid' },
  'org.bluez.Error.NotConnected': { code: 'conflict', reason: 'the speaker is not connected' },
  'org.bluez.Error.NotAuthorized': { code: 'refused', reason: 'Bluetooth refused the request (not authorized)' },
  'org.bluez.Error.NotPermitted': { code: 'refused', reason: 'Bluetooth does not permit this right now' },
  'org.bluez.Error.Rejected': { code: 'refused', reason: REFUSED_PAIRING },
  'org.bluez.Error.Canceled': { code: 'refused', reason: 'the request was cancelled' },
  'org.freedesktop.DBus.Error.ServiceUnknown': { code: 'unavailable', reason: 'the Bluetooth service (bluetoothd) is not running' },
  'org.freedesktop.DBus.Error.NameHasNoOwner': { code: 'unavailable', reason: 'the Bluetooth service (bluetoothd) is not running' },
  'org.freedesktop.DBus.Error.NoReply': { code: 'timeout', reason: 'Bluetooth did not answer in time: try again' },
  'org.freedesktop.DBus.Error.Timeout': { code: 'timeout', reason: 'Bluetooth did not answer in time: try again' },
  'org.freedesktop.DBus.Error.AccessDenied': { code: 'refused', reason: 'the D-Bus policy does not allow blueline to use Bluetooth (check the D-Bus config)' },
};

/** Keywords of bluetoothd's BR/EDR connection messages ("br-connection-page-timeout", "BR/EDR connection page timeout"). */
const BY_MESSAGE: Array<[RegExp, Mapping]> = [
  // dbus-daemon's NoReply when bluetoothd exits with our call pending
  [/recipient disconnected/i, { code: 'unavailable', reason: 'the Bluetooth service (bluetoothd) stopped while handling the request: try again when it is back' }],
  [/page[- ]timeout|host[- ]down|connection[- ]timeout|timed out/i, { code: 'unreachable', reason: UNREACHABLE }],
  [/connection[- ]refused|key[- ]missing/i, { code: 'refused', reason: 'the speaker refused the connection: it may have forgotten this Pi; forget it here and pair again' }],
  [/connection[- ]busy|in progress/i, { code: 'busy', reason: 'Bluetooth is busy with another connection: wait a moment and try again' }],
  [/rfkill/i, { code: 'unavailable', reason: 'the Bluetooth radio is switched off (rfkill): unblock it (rfkill unblock bluetooth) and try again' }],
  [/adapter[- ]not[- ]powered/i, { code: 'unavailable', reason: 'the Bluetooth adapter is off: power it on and try again' }],
  [/profile[- ]unavailable|not[- ]supported/i, { code: 'unsupported', reason: 'the speaker does not offer the audio profile (A2DP)' }],
  [/connection[- ]canceled|connection[- ]cancelled/i, { code: 'failed', reason: 'the connection attempt was cancelled: try again' }],
  [/already[- ]connected/i, { code: 'conflict', reason: 'the speaker is already connected' }],
];

/** Reads the name and text of whatever a dbus-next call threw (DBusError carries `type` and `text`). */
export function dbusFailureOf(e: unknown): DbusFailure | null {
  if (typeof e !== 'object' || e === null) return null;
  const rec = e as { type?: unknown; text?: unknown; message?: unknown };
  if (typeof rec.type !== 'string') return null;
  const message = typeof rec.text === 'string' ? rec.text : typeof rec.message === 'string' ? rec.message : '';
  return { name: rec.type, message };
}

/** Maps a D-Bus failure to a BluelineError; `action` says what we were doing ("connect the speaker"). */
export function mapDbusError(e: unknown, action: string): BluelineError {
  if (e instanceof BluelineError) return e;
  const failure = dbusFailureOf(e);
  if (!failure) {
    const detail = e instanceof Error ? e.message : String(e);
    return new BluelineError('failed', `could not ${action}`, { cause: e, detail });
  }
  const detail = `${failure.name}: ${failure.message}`;
  const byMessage = BY_MESSAGE.find(([re]) => re.test(failure.message))?.[1];
  const byName = BY_NAME[failure.name];
  // A generic Failed (or BREDR.*) name says little; its message says what went wrong.
  const mapping = isGeneric(failure.name) ? (byMessage ?? byName) : (byName ?? byMessage);
  if (mapping) return new BluelineError(mapping.code, mapping.reason, { cause: e, detail });
  return new BluelineError('failed', `could not ${action}`, { cause: e, detail });
}

function isGeneric(name: string): boolean {
  return name === 'org.bluez.Error.Failed' || name === 'org.freedesktop.DBus.Error.NoReply' || name.startsWith('org.bluez.Error.BREDR') || !(name in BY_NAME);
}

/** True when the failure says the goal is already reached (e.g. AlreadyConnected on connect). */
export function isDbusError(e: unknown, ...names: string[]): boolean {
  const failure = dbusFailureOf(e);
  return failure !== null && names.includes(failure.name);
}

export function timeoutError(action: string, ms: number): BluelineError {
  return new BluelineError('timeout', `Bluetooth did not answer in time while trying to ${action}: try again`, {
    detail: `no reply within ${ms} ms`,
  });
}
