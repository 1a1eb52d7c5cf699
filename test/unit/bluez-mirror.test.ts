import t from 'tap';
import dbus from 'dbus-next';
import { BluezMirror } from '../../daemon/src/bluez/mirror.js';
import type { BluezBus } from '../../daemon/src/bluez/bus.js';

type Message = InstanceType<typeof dbus.Message>;
const v = (sig: string, value: unknown) => new dbus.Variant(sig, value);
const ADAPTER = { Address: v('s', '00:1A:7D:DA:71:10'), Alias: v('s', 'pi'), Powered: v('b', true), Discoverable: v('b', false), Pairable: v('b', true), Discovering: v('b', false) };
const device = (address: string, extra: Record<string, InstanceType<typeof dbus.Variant>> = {}) => ({
  'org.freedesktop.DBus.Properties': {},
  'org.bluez.Device1': { Address: v('s', address), Name: v('s', `dev ${address}`), Alias: v('s', `dev ${address}`), Paired: v('b', false), Connected: v('b', false), UUIDs: v('as', []), ...extra },
});

function signal(path: string, iface: string, member: string, signature: string, body: unknown[]): Message {
  return dbus.Message.newSignal(path, iface, member, signature, body);
}

/** A bus stand-in: messages get arrival numbers; GetManagedObjects answers when the test says so. */
function stubBus() {
  const seq = new WeakMap<object, number>();
  let next = 1;
  let answer: ((m: Message) => void) | undefined;
  const bus = {
    sequenceOf: (m: Message) => seq.get(m) ?? 0,
    call: () => new Promise<Message>((resolve) => (answer = resolve)),
  };
  return {
    bus: bus as unknown as BluezBus,
    arrive(m: Message) {
      seq.set(m, next++);
      return m;
    },
    reply(objects: unknown) {
      const m = new dbus.Message({ type: dbus.MessageType.METHOD_RETURN, replySerial: '1', signature: 'a{oa{sa{sv}}}', body: [objects] });
      seq.set(m, next++);
      answer?.(m);
    },
  };
}

t.test('signals that raced the snapshot: older ones dropped, newer ones applied', async (t) => {
  const mirror = new BluezMirror();
  const s = stubBus();
  const rebuilding = mirror.rebuild(s.bus);
  // arrived before the reply: already reflected in it (and contradicting it here on purpose)
  mirror.onSignal(s.arrive(signal('/org/bluez/hci0/dev_AA_00_00_00_00_01', 'org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as', ['org.bluez.Device1', { Connected: v('b', true) }, []])));
  s.reply({ '/org/bluez/hci0': { 'org.bluez.Adapter1': ADAPTER }, '/org/bluez/hci0/dev_AA_00_00_00_00_01': device('AA:00:00:00:00:01') });
  // arrived after the reply: newer than the snapshot
  mirror.onSignal(s.arrive(signal('/org/bluez/hci0/dev_AA_00_00_00_00_01', 'org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as', ['org.bluez.Device1', { Paired: v('b', true) }, []])));
  await rebuilding;
  const [d] = mirror.devices();
  t.equal(d?.connected, false, 'the older signal did not override the snapshot');
  t.equal(d?.paired, true, 'the newer signal was applied');
});

t.test('typed view: sinks first, RSSI invalidation, adapter removal takes its devices', async (t) => {
  const mirror = new BluezMirror();
  const s = stubBus();
  const rebuilding = mirror.rebuild(s.bus);
  s.reply({
    '/org/bluez/hci0': { 'org.bluez.Adapter1': ADAPTER },
    '/org/bluez/hci0/dev_AA_00_00_00_00_01': device('aa:00:00:00:00:01', { Class: v('u', 0x5a020c), RSSI: v('n', -40) }),
    '/org/bluez/hci0/dev_AA_00_00_00_00_02': device('AA:00:00:00:00:02', { Class: v('u', 0x240414), RSSI: v('n', -80) }),
    '/org/bluez/hci0/dev_AA_00_00_00_00_03': device('AA:00:00:00:00:03', { UUIDs: v('as', ['0000110B-0000-1000-8000-00805F9B34FB']) }),
  });
  await rebuilding;
  t.same(mirror.devices().map((d) => [d.address, d.isAudioSink]), [
    ['AA:00:00:00:00:02', true],
    ['AA:00:00:00:00:03', true],
    ['AA:00:00:00:00:01', false],
  ], 'audio (class or A2DP sink UUID, any case) first, then by RSSI; addresses canonical');
  let changes = 0;
  mirror.on('changed', () => changes++);
  mirror.onSignal(signal('/org/bluez/hci0/dev_AA_00_00_00_00_02', 'org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as', ['org.bluez.Device1', {}, ['RSSI']]));
  t.equal(mirror.devices()[0]?.rssi, null, 'invalidated property is gone');
  mirror.onSignal(signal('/org/bluez/hci0/dev_AA_00_00_00_00_09', 'org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as', ['org.bluez.Device1', { Paired: v('b', true) }, []]));
  t.equal(changes, 1, 'a change for an unknown object is ignored');
  mirror.onSignal(signal('/', 'org.freedesktop.DBus.ObjectManager', 'InterfacesRemoved', 'oas', ['/org/bluez/hci0', ['org.bluez.Adapter1']]));
  t.same(mirror.adapters(), []);
  t.same(mirror.devices(), [], 'devices of a removed adapter go with it');
});
