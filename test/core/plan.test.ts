/** Table-driven tests of the pure plan: one row per situation, the exact actions expected. */
import t from 'tap';
import type { Action } from '../../daemon/src/core/model.js';
import { plan } from '../../daemon/src/core/reconcile.js';
import { A, B, C, desiredWith, device, NOW, observedWith, route, sink, USB } from '../helpers/observed.js';

type Row = { name: string; desired: ReturnType<typeof desiredWith>; observed: ReturnType<typeof observedWith>; expect: Action[] };

const streamingA = { devices: [device(A, { connected: true })], sinks: [sink(A)], routes: [route({ address: A })], keepAwake: [A], runtimeOf: { [A]: { linkSince: NOW - 60_000 } } };

const rows: Row[] = [
  { name: 'steady state: nothing to do', desired: desiredWith([{}]), observed: observedWith(streamingA), expect: [] },
  { name: 'disconnected speaker: connect', desired: desiredWith([{}]), observed: observedWith({ devices: [device(A)] }), expect: [{ kind: 'connect', address: A, adapter: 'hci0', why: 'down' }] },
  {
    name: 'ACL link without sink inside the grace period: wait',
    desired: desiredWith([{}]),
    observed: observedWith({ devices: [device(A, { connected: true })], runtimeOf: { [A]: { linkSince: NOW - 500 } } }),
    expect: [],
  },
  {
    name: 'ACL link without sink after the grace period: ConnectProfile',
    desired: desiredWith([{}]),
    observed: observedWith({ devices: [device(A, { connected: true })], runtimeOf: { [A]: { linkSince: NOW - 2_000 } } }),
    expect: [{ kind: 'connect', address: A, adapter: 'hci0', why: 'profile-missing' }],
  },
  { name: 'refused speaker: no retries', desired: desiredWith([{}]), observed: observedWith({ devices: [device(A)], runtimeOf: { [A]: { refused: true } } }), expect: [] },
  { name: 'backoff not over: wait', desired: desiredWith([{}]), observed: observedWith({ devices: [device(A)], runtimeOf: { [A]: { attempts: 3, nextRetryAt: NOW + 1 } } }), expect: [] },
  {
    name: 'backoff over: retry',
    desired: desiredWith([{}]),
    observed: observedWith({ devices: [device(A)], runtimeOf: { [A]: { attempts: 3, nextRetryAt: NOW } } }),
    expect: [{ kind: 'connect', address: A, adapter: 'hci0', why: 'down' }],
  },
  { name: 'connect already running: wait', desired: desiredWith([{}]), observed: observedWith({ devices: [device(A)], runtimeOf: { [A]: { connecting: true } } }), expect: [] },
  { name: 'pairing in progress: connection attempts paused', desired: desiredWith([{}]), observed: observedWith({ devices: [device(A)], pairing: C }), expect: [] },
  { name: 'bluetoothd down: no link actions', desired: desiredWith([{}]), observed: observedWith({ bluetoothUp: false, devices: [], adapters: [] }), expect: [] },
  { name: 'speaker no longer paired: nothing to connect', desired: desiredWith([{}]), observed: observedWith({ devices: [device(A, { paired: false })] }), expect: [] },
  {
    name: 'adapter off: power it once for two speakers',
    desired: desiredWith([{}, {}], { mode: 'mirror' }),
    observed: observedWith({
      adapters: [{ id: 'hci0', address: '00:00:00:00:00:01', alias: 'pi', powered: false, discoverable: false, pairable: true, discovering: false }],
      devices: [device(A), device(B)],
    }),
    expect: [{ kind: 'power-adapter', adapter: 'hci0' }],
  },
  {
    name: 'adapter being powered: wait',
    desired: desiredWith([{}]),
    observed: observedWith({
      adapters: [{ id: 'hci0', address: '00:00:00:00:00:01', alias: 'pi', powered: false, discoverable: false, pairable: true, discovering: false }],
      devices: [device(A)],
      powering: new Set(['hci0']),
    }),
    expect: [],
  },
  {
    name: 'single mode: the second speaker is let go',
    desired: desiredWith([{}, {}]),
    observed: observedWith({ ...streamingA, devices: [device(A, { connected: true }), device(B, { connected: true })], sinks: [sink(A), sink(B)] }),
    expect: [{ kind: 'disconnect', address: B, adapter: 'hci0', why: 'not-used' }],
  },
  {
    name: 'disabled first speaker: the next enabled one is used',
    desired: desiredWith([{ enabled: false }, {}]),
    observed: observedWith({ devices: [device(A), device(B)] }),
    expect: [{ kind: 'connect', address: B, adapter: 'hci0', why: 'down' }],
  },
  {
    name: 'mirror: two routes, delays shifted so the smallest is 0',
    desired: desiredWith([{ delayMs: 100 }, { delayMs: -50 }], { mode: 'mirror' }),
    observed: observedWith({ devices: [device(A, { connected: true }), device(B, { connected: true })], sinks: [sink(A), sink(B)] }),
    expect: [
      { kind: 'add-route', spec: { address: A, source: USB, sink: `bluez_output.${A}`, channel: 'stereo', latencyMs: 20, delayMs: 150 } },
      { kind: 'add-route', spec: { address: B, source: USB, sink: `bluez_output.${B}`, channel: 'stereo', latencyMs: 20, delayMs: 0 } },
      { kind: 'set-keep-awake', addresses: [A, B] },
    ],
  },
  {
    name: 'stereo split: first left, second right',
    desired: desiredWith([{}, {}], { mode: 'stereo-split', keepAwake: false }),
    observed: observedWith({ devices: [device(A, { connected: true }), device(B, { connected: true })], sinks: [sink(A), sink(B)] }),
    expect: [
      { kind: 'add-route', spec: { address: A, source: USB, sink: `bluez_output.${A}`, channel: 'left', latencyMs: 20, delayMs: 0 } },
      { kind: 'add-route', spec: { address: B, source: USB, sink: `bluez_output.${B}`, channel: 'right', latencyMs: 20, delayMs: 0 } },
    ],
  },
  {
    name: 'mirror, one speaker dropped: the other route is untouched (delays normalised over the mode set)',
    desired: desiredWith([{ delayMs: 100 }, { delayMs: -50 }], { mode: 'mirror' }),
    observed: observedWith({ devices: [device(A, { connected: true }), device(B)], sinks: [sink(A)], routes: [route({ address: A, delayMs: 150 })], keepAwake: [A] }),
    expect: [{ kind: 'connect', address: B, adapter: 'hci0', why: 'down' }],
  },
  {
    name: 'delay changed: the stale route is replaced',
    desired: desiredWith([{ delayMs: 0 }]),
    observed: observedWith({ ...streamingA, routes: [route({ address: A, latencyMs: 40 })] }),
    expect: [
      { kind: 'remove-route', id: route({ address: A, latencyMs: 40 }).id, address: A },
      { kind: 'add-route', spec: { address: A, source: USB, sink: `bluez_output.${A}`, channel: 'stereo', latencyMs: 20, delayMs: 0 } },
    ],
  },
  {
    name: 'a duplicate route (left by an earlier run) is removed',
    desired: desiredWith([{}]),
    observed: observedWith({ ...streamingA, routes: [route({ address: A }), { ...route({ address: A }), id: 'dup' }] }),
    expect: [{ kind: 'remove-route', id: 'dup', address: A }],
  },
  {
    name: 'volume and mute applied',
    desired: desiredWith([{ volume: 40, muted: true }]),
    observed: observedWith(streamingA),
    expect: [
      { kind: 'set-volume', address: A, volume: 0.4 },
      { kind: 'set-mute', address: A, muted: true },
    ],
  },
  {
    name: 'codec preference: switch first, route after',
    desired: desiredWith([{ codec: 'aac' }]),
    observed: observedWith({ devices: [device(A, { connected: true })], sinks: [sink(A)], keepAwake: [] }),
    expect: [{ kind: 'switch-codec', address: A, codec: 'aac', from: 'sbc' }],
  },
  { name: 'codec the server refused: not asked again', desired: desiredWith([{ codec: 'ldac' }]), observed: observedWith({ ...streamingA, runtimeOf: { [A]: { codecRejected: 'ldac' } } }), expect: [] },
  {
    name: 'codec switch on trial, sink not back yet: wait',
    desired: desiredWith([{ codec: 'sbc_xq' }]),
    observed: observedWith({ devices: [device(A, { connected: true })], runtimeOf: { [A]: { linkSince: NOW - 60_000, codecTrial: { codec: 'sbc_xq', from: 'sbc', since: NOW - 9_000 } } } }),
    expect: [{ kind: 'connect', address: A, adapter: 'hci0', why: 'profile-missing' }],
  },
  {
    name: 'codec switch that left the speaker without a sink for 10 s: switch back',
    desired: desiredWith([{ codec: 'sbc_xq' }]),
    observed: observedWith({ devices: [device(A, { connected: true })], runtimeOf: { [A]: { linkSince: NOW - 60_000, codecTrial: { codec: 'sbc_xq', from: 'sbc', since: NOW - 10_000 } } } }),
    expect: [
      { kind: 'connect', address: A, adapter: 'hci0', why: 'profile-missing' },
      { kind: 'switch-codec', address: A, codec: 'sbc', from: 'sbc_xq', fallback: true },
    ],
  },
  {
    name: 'idle policy: no input for N minutes lets the speaker go',
    desired: desiredWith([{}], { idleDisconnectMinutes: 10 }),
    observed: observedWith({ ...streamingA, lastSignalAt: NOW - 10 * 60_000 }),
    expect: [
      { kind: 'disconnect', address: A, adapter: 'hci0', why: 'idle' },
      { kind: 'remove-route', id: route({ address: A }).id, address: A },
      { kind: 'set-keep-awake', addresses: [] },
    ],
  },
  {
    name: 'input playing: the keep-awake tone stops (the speakers are awake anyway)',
    desired: desiredWith([{}]),
    observed: observedWith({ ...streamingA, lastSignalAt: NOW - 1_000 }),
    expect: [{ kind: 'set-keep-awake', addresses: [] }],
  },
  {
    name: 'input quiet for less than 30 s: no keep-awake tone yet',
    desired: desiredWith([{}]),
    observed: observedWith({ ...streamingA, keepAwake: [], lastSignalAt: NOW - 29_000 }),
    expect: [],
  },
  { name: 'idle policy: still within N minutes', desired: desiredWith([{}], { idleDisconnectMinutes: 10 }), observed: observedWith({ ...streamingA, lastSignalAt: NOW - 9 * 60_000 }), expect: [] },
  {
    name: 'USB card gone: routes go, meter stops',
    desired: desiredWith([{}]),
    observed: observedWith({ ...streamingA, inputs: [] }),
    expect: [
      { kind: 'remove-route', id: route({ address: A }).id, address: A },
      { kind: 'set-meter', source: null },
      { kind: 'set-keep-awake', addresses: [] },
    ],
  },
  {
    name: 'audio server restarted: meter and keep-awake set again, route added',
    desired: desiredWith([{}]),
    observed: observedWith({ ...streamingA, routes: [], meterSource: null, keepAwake: [] }),
    expect: [
      { kind: 'add-route', spec: { address: A, source: USB, sink: `bluez_output.${A}`, channel: 'stereo', latencyMs: 20, delayMs: 0 } },
      { kind: 'set-meter', source: USB },
      { kind: 'set-keep-awake', addresses: [A] },
    ],
  },
  { name: 'audio server down: no audio actions', desired: desiredWith([{}]), observed: observedWith({ ...streamingA, audioUp: false, sinks: [], routes: [], inputs: [] }), expect: [] },
  {
    name: 'speaker pinned to an adapter uses that device object',
    desired: desiredWith([{ adapter: 'hci1' }]),
    observed: observedWith({
      adapters: [
        { id: 'hci0', address: '00:00:00:00:00:01', alias: 'pi', powered: true, discoverable: false, pairable: true, discovering: false },
        { id: 'hci1', address: '00:00:00:00:00:02', alias: 'usb', powered: true, discoverable: false, pairable: true, discovering: false },
      ],
      devices: [device(A), device(A, { adapter: 'hci1' })],
    }),
    expect: [{ kind: 'connect', address: A, adapter: 'hci1', why: 'down' }],
  },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    t.same(plan(row.desired, row.observed), row.expect);
  });
}

t.test('plan is pure: same input, same output, input untouched', async (t) => {
  const desired = desiredWith([{ delayMs: 30 }, {}], { mode: 'mirror' });
  const observed = observedWith({ devices: [device(A, { connected: true }), device(B)], sinks: [sink(A)] });
  const before = JSON.stringify([desired, observed.devices, observed.sinks, observed.routes]);
  t.same(plan(desired, observed), plan(desired, observed));
  t.equal(JSON.stringify([desired, observed.devices, observed.sinks, observed.routes]), before);
});

t.test('adapters are given the configured name, once it differs', async (t) => {
  const { DEFAULT_POLICY } = await import('../../daemon/src/core/model.js');
  const observed = observedWith({
    ...streamingA,
    adapters: [
      { id: 'hci0', address: '00:00:00:00:00:01', alias: 'blueline', powered: true, discoverable: false, pairable: true, discovering: false },
      { id: 'hci1', address: '00:00:00:00:00:02', alias: 'BCM20702A0', powered: false, discoverable: false, pairable: true, discovering: false },
    ],
  });
  t.same(plan(desiredWith([{}]), observed, { ...DEFAULT_POLICY, adapterAlias: 'blueline' }), [
    { kind: 'set-alias', adapter: 'hci1', address: '00:00:00:00:00:02', alias: 'blueline' },
  ]);
  t.same(plan(desiredWith([{}]), observed, DEFAULT_POLICY), [], 'no configured name: adapters left alone');
});
