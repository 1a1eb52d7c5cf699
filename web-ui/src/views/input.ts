// The input card: which device, signal or not, and a live level meter fed by `level` events.
import { h, setText } from '../dom.js';
import type { InputView } from '../types.js';

const FLOOR_DB = -60;

export class InputPanel {
  private readonly device = h('p', { class: 'device' });
  private readonly signal = h('span', { class: 'signal' });
  private readonly bar = h('div', { class: 'meter-bar' });
  private readonly value = h('span', { class: 'meter-value' }, '–');
  private readonly meter = h('div', { class: 'meter', role: 'meter', 'aria-label': 'Input level', 'aria-valuemin': FLOOR_DB, 'aria-valuemax': 0, 'aria-valuenow': FLOOR_DB }, this.bar);
  readonly el = h('section', { class: 'panel input', 'aria-labelledby': 'input-title' },
    h('h2', { id: 'input-title' }, 'Input'), this.device, h('div', { class: 'meter-row' }, this.meter, this.value), this.signal);
  private pending: { peakDb: number; signal: boolean } | null = null;

  update(input: InputView): void {
    setText(this.device, input.present ? input.description ?? input.device ?? 'USB sound card' : 'No USB sound card found');
    if (!input.present) this.level(FLOOR_DB, false);
    else if (input.peakDb !== null) this.level(input.peakDb, input.signal);
    else this.showSignal(input.signal);
  }

  /** coalesced to one paint per frame */
  level(peakDb: number, signal: boolean): void {
    const first = this.pending === null;
    this.pending = { peakDb, signal };
    if (first) requestAnimationFrame(() => this.paint());
  }

  private paint(): void {
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    const db = Math.max(FLOOR_DB, Math.min(0, Math.round(p.peakDb)));
    this.bar.style.transform = `scaleX(${db / FLOOR_DB})`;
    this.meter.setAttribute('aria-valuenow', String(db));
    this.meter.setAttribute('aria-valuetext', `${db} dB`);
    setText(this.value, db <= FLOOR_DB ? 'silent' : `${db} dB`);
    this.showSignal(p.signal);
  }

  private showSignal(signal: boolean): void {
    setText(this.signal, signal ? 'Sound is coming in.' : 'No sound at the moment.');
    this.signal.classList.toggle('on', signal);
  }
}
