// One known speaker: state, codec, battery, signal; volume, mute, delay, codec, enable, forget, test sound.
// update() patches the existing elements so a slider being dragged is never reset under the finger.
import { call, speakerUrl } from '../api.js';
import { h, setText, setValue, uid } from '../dom.js';
import type { CodecInfo, SpeakerPhase, SpeakerView } from '../types.js';

const PHASES: Record<SpeakerPhase, string> = {
  discovered: 'Found', pairing: 'Pairing…', disabled: 'Switched off here', standby: 'Standby (not used by this mode)',
  'idle-disconnected': 'Sleeping until sound comes in', connecting: 'Connecting…', unreachable: 'Not reachable (off or out of range)',
  refused: 'Refused: pair it again', connected: 'Connected', streaming: 'Playing',
};

export function signalText(rssi: number | null): string {
  if (rssi === null) return '–';
  const word = rssi >= -60 ? 'strong' : rssi >= -75 ? 'good' : rssi >= -85 ? 'weak' : 'very weak';
  return `${word} (${rssi} dBm)`;
}

export interface CardHost {
  report(message: string): void;
  /** opens the pairing wizard straight at this speaker (it lost its pairing) */
  pairAgain(view: SpeakerView): void;
  /** the Bluetooth adapters (a speaker per USB dongle is the robust two-speaker setup) */
  adapters(): { id: string; alias: string }[];
}

export class SpeakerCard {
  private view: SpeakerView;
  private readonly title = h('h3', { id: uid('spk') });
  private readonly phase = h('span', { class: 'phase' });
  private readonly codecFact = h('dd', {});
  private readonly battery = h('dd', {});
  private readonly signal = h('dd', {});
  private readonly channel = h('dd', {});
  private readonly lastError = h('p', { class: 'speaker-error', role: 'status' });
  private readonly volume = h('input', { type: 'range', min: 0, max: 100, step: 1, id: uid('vol') });
  private readonly volumeOut = h('output', {});
  private readonly mute = h('button', { type: 'button', class: 'toggle', 'aria-pressed': 'false' }, 'Mute');
  private readonly delay = h('input', { type: 'range', min: -500, max: 500, step: 5, id: uid('delay'), 'aria-label': 'Delay slider' });
  private readonly delayNumber = h('input', { type: 'number', min: -500, max: 500, step: 1, id: uid('delayms'), inputmode: 'numeric', class: 'delay-number' });
  private readonly codec = h('select', { id: uid('codec') });
  private readonly enabled = h('input', { type: 'checkbox', id: uid('en') });
  private readonly adapter = h('select', { id: uid('adapter') });
  private readonly adapterRow = h('div', { class: 'row' }, h('label', { for: this.adapter.id }, 'Adapter'), this.adapter);
  private adapterKey = '';
  private readonly link = h('button', { type: 'button' });
  private readonly forget = h('button', { type: 'button', class: 'danger quiet' }, 'Forget');
  private codecKey = '';
  private volumeTimer: number | undefined;
  readonly el: HTMLElement;

  constructor(view: SpeakerView, private readonly host: CardHost) {
    this.view = view;
    this.el = h('article', { class: 'card speaker', 'aria-labelledby': this.title.id, 'data-address': view.address },
      h('header', {}, this.title, this.phase),
      h('dl', { class: 'facts' }, h('dt', {}, 'Codec'), this.codecFact, h('dt', {}, 'Battery'), this.battery, h('dt', {}, 'Signal'), this.signal, h('dt', {}, 'Channel'), this.channel),
      this.lastError,
      h('div', { class: 'row' }, h('label', { for: this.volume.id }, 'Volume'), this.volume, this.volumeOut, this.mute),
      h('div', { class: 'row' }, h('label', { for: this.delayNumber.id }, 'Delay (ms)'), this.delay, this.delayNumber,
        h('button', { type: 'button', onclick: () => this.run(call('POST', speakerUrl(this.view.address, '/test-sound'))) }, 'Test sound')),
      h('div', { class: 'row' }, h('label', { for: this.codec.id }, 'Codec'), this.codec),
      this.adapterRow,
      h('div', { class: 'row actions' }, h('label', { class: 'switch', for: this.enabled.id }, this.enabled, ' Use this speaker'), this.link, this.forget),
    );
    this.volume.addEventListener('input', () => {
      setText(this.volumeOut, `${this.volume.value} %`);
      clearTimeout(this.volumeTimer);
      this.volumeTimer = window.setTimeout(() => this.patch({ volume: Number(this.volume.value) }), 150);
    });
    this.mute.addEventListener('click', () => this.patch({ muted: !this.view.muted }));
    this.delay.addEventListener('input', () => { this.delayNumber.value = this.delay.value; });
    this.delay.addEventListener('change', () => this.patch({ delayMs: Number(this.delay.value) }));
    this.delayNumber.addEventListener('change', () => {
      const ms = Math.round(Number(this.delayNumber.value));
      if (Number.isFinite(ms) && ms >= -500 && ms <= 500) this.patch({ delayMs: ms });
      else this.host.report('Delay must be between -500 and 500 ms.');
    });
    this.codec.addEventListener('change', () => this.patch({ codec: this.codec.value }));
    this.enabled.addEventListener('change', () => this.patch({ enabled: this.enabled.checked }));
    this.adapter.addEventListener('change', () => this.patch({ adapter: this.adapter.value || null }));
    this.link.addEventListener('click', () => {
      if (this.view.phase === 'refused') this.host.pairAgain(this.view);
      else void this.run(call('POST', speakerUrl(this.view.address, this.view.connected ? '/disconnect' : '/connect')));
    });
    this.forget.addEventListener('click', () => this.confirmForget());
    this.update(view);
  }

  update(view: SpeakerView): void {
    this.view = view;
    setText(this.title, view.name);
    setText(this.phase, PHASES[view.phase]);
    this.phase.className = `phase ${view.phase}`;
    setText(this.codecFact, view.codec ? `${view.codec.toUpperCase()}${view.bitrateKbps ? ` · ${view.bitrateKbps} kbit/s` : ''}` : '–');
    setText(this.battery, view.batteryPercent === null ? '–' : `${view.batteryPercent} %`);
    setText(this.signal, signalText(view.rssi));
    setText(this.channel, view.channel ?? '–');
    setText(this.lastError, view.lastError ?? '');
    setValue(this.volume, String(view.volume));
    setText(this.volumeOut, `${view.volume} %`);
    this.mute.setAttribute('aria-pressed', String(view.muted));
    setText(this.mute, view.muted ? 'Unmute' : 'Mute');
    setValue(this.delay, String(view.delayMs));
    setValue(this.delayNumber, String(view.delayMs));
    this.enabled.checked = view.enabled;
    setText(this.link, view.phase === 'refused' ? 'Pair again' : view.connected ? 'Disconnect' : 'Connect');
    this.showAdapters();
    const key = `${view.connected}:${view.codec}`;
    if (key !== this.codecKey) {
      this.codecKey = key;
      void this.loadCodecs();
    }
  }

  /** the adapter choice appears once there is more than one adapter */
  showAdapters(): void {
    const adapters = this.host.adapters();
    this.adapterRow.hidden = adapters.length < 2;
    const key = JSON.stringify([adapters, this.view.adapter]);
    if (key === this.adapterKey) return;
    this.adapterKey = key;
    this.adapter.replaceChildren(h('option', { value: '' }, 'Any adapter'),
      ...adapters.map((a) => h('option', { value: a.id, selected: a.id === this.view.adapter }, `${a.alias} (${a.id})`)));
  }

  private async loadCodecs(): Promise<void> {
    let codecs: CodecInfo[] = [];
    try {
      if (this.view.connected) codecs = await call<CodecInfo[]>('GET', speakerUrl(this.view.address, '/codecs'));
    } catch {
      // not connected yet or the server cannot list them: show the current codec only
    }
    if (codecs.length === 0 && this.view.codec) codecs = [{ id: this.view.codec, name: this.view.codec.toUpperCase(), active: true, bitrateKbps: this.view.bitrateKbps }];
    this.codec.replaceChildren(...codecs.map((c) => h('option', { value: c.id, selected: c.active || c.id === this.view.codec }, c.name)));
    this.codec.disabled = codecs.length < 2;
    if (codecs.length === 0) this.codec.append(h('option', { value: '' }, 'connect first'));
  }

  private confirmForget(): void {
    if (this.forget.dataset['armed']) {
      void this.run(call('DELETE', speakerUrl(this.view.address)));
      return;
    }
    this.forget.dataset['armed'] = '1';
    setText(this.forget, `Really forget ${this.view.name}?`);
    window.setTimeout(() => { delete this.forget.dataset['armed']; setText(this.forget, 'Forget'); }, 5000);
  }

  private patch(body: object): void {
    void this.run(call<SpeakerView>('PATCH', speakerUrl(this.view.address), body).then((v) => this.update(v)));
  }

  private async run(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      this.host.report(`${this.view.name}: ${(e as Error).message}`);
      this.update(this.view);
    }
  }
}
