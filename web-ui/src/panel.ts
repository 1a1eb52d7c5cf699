// The logged-in panel: builds the sections and feeds them from the server-sent event stream.
import { h, setText } from './dom.js';
import type { BluelineEvent, SpeakerView, StatusView } from './types.js';
import { Banners } from './views/banners.js';
import { InputPanel } from './views/input.js';
import { logsPanel } from './views/logs.js';
import { PairingWizard } from './views/pairing.js';
import { SettingsForm } from './views/settings.js';
import { SpeakerList } from './views/speakers.js';

type EventData<T extends BluelineEvent['type']> = Omit<Extract<BluelineEvent, { type: T }>, 'type'>;
/** the stream's event names: `error` is renamed, as EventSource uses that name for its own errors */
const streamName = (type: BluelineEvent['type']) => (type === 'error' ? 'daemon-error' : type);

export function startPanel(root: HTMLElement, onLost: () => void): () => void {
  const banners = new Banners();
  const report = (message: string) => banners.flash(message);
  const input = new InputPanel();
  const speakers = new Map<string, SpeakerView>();
  const wizard = new PairingWizard();
  let adapters: { id: string; alias: string }[] = [];
  const list = new SpeakerList({ report, pairAgain: (v) => wizard.pairNow(v), adapters: () => adapters }, () => wizard.open([...speakers.values()]));
  const settings = new SettingsForm(report);
  const servers = document.getElementById('servers')!;
  const footer = document.getElementById('footer')!;
  root.replaceChildren(banners.el, input.el, list.el, settings.el, logsPanel());

  const showServers = (s: StatusView['servers']) => {
    adapters = s.bluetooth.adapters.map((a) => ({ id: a.id, alias: a.alias }));
    list.refreshAdapters();
    const down = [!s.bluetooth.up && 'Bluetooth', !s.audio.up && 'audio server'].filter(Boolean);
    setText(servers, down.length ? `${down.join(' and ')} not running` : 'Ready');
    servers.classList.toggle('bad', down.length > 0);
  };
  const onSpeaker = (v: SpeakerView) => {
    speakers.set(v.address, v);
    list.upsert(v);
    wizard.onSpeaker(v);
  };

  const events = new EventSource('/api/events');
  const on = <T extends BluelineEvent['type']>(type: T, fn: (data: EventData<T>) => void) =>
    events.addEventListener(streamName(type), (e) => fn(JSON.parse((e as MessageEvent<string>).data) as EventData<T>));
  events.addEventListener('status', (e) => {
    const status = JSON.parse((e as MessageEvent<string>).data) as StatusView;
    speakers.clear();
    for (const s of status.speakers) speakers.set(s.address, s);
    list.setAll(status.speakers);
    input.update(status.input);
    settings.update(status.settings);
    banners.setProblems(status.problems);
    banners.setOffline(false);
    showServers(status.servers);
    wizard.onScan(status.scan.active);
    setText(footer, `blueline ${status.daemon.version}${status.daemon.simulated ? ' · simulated hardware' : ''}`);
    document.body.classList.add('ready');
  });
  on('speaker', (d) => onSpeaker(d.speaker));
  on('speaker-removed', (d) => {
    speakers.delete(d.address);
    list.remove(d.address);
    wizard.onRemoved(d.address);
  });
  on('scan', (d) => wizard.onScan(d.active));
  on('level', (d) => input.level(d.peakDb, d.signal));
  on('input', (d) => input.update(d.input));
  on('settings', (d) => settings.update(d.settings));
  on('servers', (d) => showServers(d.servers));
  on('problems', (d) => banners.setProblems(d.problems));
  on('agent', (d) => wizard.onAgent(d.prompt));
  on('error', (d) => report(d.message));
  events.onerror = () => {
    banners.setOffline(true);
    // A closed stream (not a retrying one) means the server refused it: the session is over.
    if (events.readyState === EventSource.CLOSED) onLost();
  };

  const logout = document.getElementById('logout')!;
  logout.hidden = false;
  return () => {
    events.close();
    logout.hidden = true;
    root.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  };
}
