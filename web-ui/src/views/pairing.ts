// The pairing wizard: put the speaker in pairing mode -> pick it from the live scan -> done.
// Agent prompts from the event stream are shown while pairing; a refusal leads to a PIN prompt.
import { ApiError, call, speakerUrl } from '../api.js';
import { fill, h, setText } from '../dom.js';
import type { AgentPrompt, SpeakerView } from '../types.js';
import { signalText } from './speaker-card.js';

type Step = 'prepare' | 'pick' | 'pairing' | 'pin' | 'done';
const SCAN_SECONDS = 60;

export class PairingWizard {
  private readonly body = h('div', { class: 'wizard-body' });
  private readonly dialog = h('dialog', { class: 'wizard', 'aria-labelledby': 'pair-title' }, h('h2', { id: 'pair-title' }, 'Add a speaker'), this.body);
  private readonly prompt = h('p', { class: 'prompt', role: 'status', 'aria-live': 'assertive' });
  private readonly found = new Map<string, SpeakerView>();
  private step: Step = 'prepare';
  private scanning = false;
  private target: SpeakerView | null = null;
  private note = '';

  constructor() {
    document.body.append(this.dialog);
    this.dialog.addEventListener('close', () => {
      if (this.scanning) void call('DELETE', '/api/scan').catch(() => {});
    });
  }

  open(speakers: SpeakerView[]): void {
    this.found.clear();
    for (const s of speakers) if (!s.known) this.found.set(s.address, s);
    this.note = '';
    this.show('prepare');
    this.dialog.showModal();
  }

  /** straight to pairing one speaker (a known one that lost its pairing) */
  pairNow(view: SpeakerView): void {
    this.note = '';
    this.dialog.showModal();
    void this.pair(view);
  }

  onSpeaker(view: SpeakerView): void {
    if (view.known) this.found.delete(view.address);
    else this.found.set(view.address, view);
    if (this.step === 'pick') this.render();
  }

  onRemoved(address: string): void {
    if (this.found.delete(address) && this.step === 'pick') this.render();
  }

  onScan(active: boolean): void {
    this.scanning = active;
    if (this.step === 'pick') this.render();
  }

  onAgent(p: AgentPrompt): void {
    if (!this.target || p.address !== this.target.address || !this.dialog.open) return;
    setText(this.prompt, promptText(p));
  }

  private show(step: Step): void {
    this.step = step;
    this.render();
  }

  private render(): void {
    const close = h('button', { type: 'button', class: 'quiet', onclick: () => this.dialog.close() }, this.step === 'done' ? 'Done' : 'Cancel');
    const note = this.note ? h('p', { class: 'banner error', role: 'alert' }, this.note) : null;
    const name = this.target?.name ?? '';
    const focusTarget = this.body.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset['key'] : undefined;
    switch (this.step) {
      case 'prepare':
        fill(this.body, 
          h('ol', {}, h('li', {}, 'Switch the speaker on, close to blueline.'), h('li', {}, 'Put it in pairing mode: usually hold its Bluetooth button until the light flashes quickly.')),
          h('div', { class: 'row actions' }, h('button', { type: 'button', class: 'primary', 'data-key': 'search', onclick: () => void this.search() }, 'Search for speakers'), close));
        break;
      case 'pick': {
        // in the order they were found: a list that re-sorts by signal moves under the finger
        const all = [...this.found.values()];
        const pick = (s: SpeakerView) => h('li', {}, h('button', { type: 'button', class: 'pick', 'data-key': s.address, onclick: () => void this.pair(s) },
          h('strong', {}, s.name), h('span', {}, ` signal ${signalText(s.rssi)}`)));
        const speakers = all.filter((s) => s.isAudioSink);
        const others = all.filter((s) => !s.isAudioSink);
        fill(this.body, note,
          h('p', { role: 'status' }, this.scanning ? 'Searching… speakers appear here as they are found.' : 'Search finished.'),
          speakers.length ? h('ul', { class: 'picks', 'aria-label': 'Speakers found' }, ...speakers.map(pick)) : h('p', {}, 'No speaker found yet. Is it in pairing mode?'),
          others.length ? h('details', {}, h('summary', {}, `Other devices (${others.length})`), h('ul', { class: 'picks' }, ...others.map(pick))) : null,
          h('div', { class: 'row actions' }, this.scanning ? null : h('button', { type: 'button', 'data-key': 'again', onclick: () => void this.search() }, 'Search again'), close));
        break;
      }
      case 'pairing':
        fill(this.body, h('p', {}, `Pairing with ${name}…`), this.prompt, h('div', { class: 'row actions' }, close));
        break;
      case 'pin': {
        const pin = h('input', { id: 'pair-pin', name: 'pin', inputmode: 'numeric', autocomplete: 'off', pattern: '[0-9A-Za-z]{1,16}', required: true, maxlength: 16 });
        const form = h('form', { class: 'pin-form' }, h('label', { for: 'pair-pin' }, 'PIN'), pin, h('button', { type: 'submit', class: 'primary' }, 'Pair with this PIN'));
        form.addEventListener('submit', (e) => { e.preventDefault(); void this.pair(this.target!, pin.value.trim()); });
        fill(this.body, note,
          h('p', {}, `${name} refused pairing. If its manual gives a PIN, enter it here.`), form,
          h('div', { class: 'row actions' }, h('button', { type: 'button', class: 'quiet', onclick: () => this.show('pick') }, 'Back to the list'), close));
        pin.focus();
        return;
      }
      case 'done':
        fill(this.body, h('p', { class: 'done', role: 'status' }, `${name} is paired. It connects by itself from now on.`), h('div', { class: 'row actions' }, close));
        close.focus();
        return;
    }
    const again = focusTarget ? this.body.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusTarget)}"]`) : null;
    (again ?? this.body.querySelector<HTMLElement>('button'))?.focus();
  }

  private async search(): Promise<void> {
    this.note = '';
    try {
      await call('POST', '/api/scan', { seconds: SCAN_SECONDS });
      this.scanning = true;
    } catch (e) {
      this.note = (e as Error).message;
    }
    this.show('pick');
  }

  private async pair(s: SpeakerView, pin?: string): Promise<void> {
    this.target = s;
    this.note = '';
    setText(this.prompt, pin ? `Sending PIN ${pin}…` : 'Waiting for the speaker…');
    this.show('pairing');
    try {
      this.target = await call<SpeakerView>('POST', speakerUrl(s.address, '/pair'), pin ? { pin } : {});
      this.show('done');
    } catch (e) {
      const needsPin = e instanceof ApiError && (e.code === 'refused' || e.field === 'pin');
      // a refusal is explained by the PIN step itself
      this.note = e instanceof ApiError && e.code === 'refused' ? '' : (e as Error).message;
      this.show(needsPin ? 'pin' : 'pick');
    }
  }
}

function promptText(p: AgentPrompt): string {
  switch (p.kind) {
    case 'request-pincode': return `Trying PIN ${p.pincode} (attempt ${p.attempt})…`;
    case 'display-pincode': return `Type ${p.pincode} on the speaker, then press Enter on it.`;
    case 'request-passkey': return 'The speaker asks for a passkey.';
    case 'display-passkey': return `Type ${String(p.passkey).padStart(6, '0')} on the speaker.`;
    case 'confirm-passkey': return `Check that the speaker shows ${String(p.passkey).padStart(6, '0')}.`;
    case 'rejected': return `The speaker refused: ${p.why}`;
    case 'cancelled': return 'Pairing was cancelled.';
  }
}
