/**
 * BlueZ D-Bus names and the typed shapes of the properties blueline reads.
 * Follows BlueZ 5.66 doc/org.bluez.{Adapter,Device,Agent,AgentManager,Battery}.rst.
 */
import dbus from 'dbus-next';

export const BLUEZ = 'org.bluez';
export const BLUEZ_ROOT = '/org/bluez';
export const DBUS = 'org.freedesktop.DBus';
export const DBUS_PATH = '/org/freedesktop/DBus';
export const OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager';
export const PROPERTIES = 'org.freedesktop.DBus.Properties';

export const ADAPTER = 'org.bluez.Adapter1';
export const DEVICE = 'org.bluez.Device1';
export const BATTERY = 'org.bluez.Battery1';
export const AGENT = 'org.bluez.Agent1';
export const AGENT_MANAGER = 'org.bluez.AgentManager1';

/** Our agent object; the capability lets the panel show passkeys while speakers still get Just Works. */
export const AGENT_PATH = '/org/blueline/agent';
export const AGENT_CAPABILITY = 'KeyboardDisplay';

/** Major device class 0x04: audio/video (speakers, headphones, car kits). */
export const MAJOR_CLASS_AUDIO_VIDEO = 0x04;

/** Properties of an object, per interface, with variants unwrapped. */
export type InterfaceProps = Record<string, unknown>;
export type ObjectInterfaces = Map<string, InterfaceProps>;

/** `{ [name]: Variant }` as dbus-next hands it over. */
export type VariantDict = Record<string, InstanceType<typeof dbus.Variant>>;

/** Unwraps a variant (recursively for nested variants); BigInt is left to the reader. */
export function unwrap(value: unknown): unknown {
  if (value instanceof dbus.Variant) return unwrap(value.value);
  return value;
}

export function unwrapDict(dict: VariantDict): InterfaceProps {
  const out: InterfaceProps = {};
  for (const [key, value] of Object.entries(dict)) out[key] = unwrap(value);
  return out;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function bool(value: unknown): boolean {
  return value === true;
}

/** D-Bus integers: 32-bit and smaller are numbers, 64-bit arrive as BigInt. */
export function num(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return null;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** '/org/bluez/hci0/dev_AA_BB' -> 'hci0' */
export function adapterIdFromPath(path: string): string | null {
  const m = /^\/org\/bluez\/([^/]+)/.exec(path);
  return m?.[1] ?? null;
}
