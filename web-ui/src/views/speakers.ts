// The speakers section: one card per known speaker, in the daemon's order, and the "Add" button.
import { h } from '../dom.js';
import type { SpeakerView } from '../types.js';
import { SpeakerCard, type CardHost } from './speaker-card.js';

export class SpeakerList {
  private readonly cards = new Map<string, SpeakerCard>();
  private readonly list = h('div', { class: 'cards' });
  private readonly empty = h('p', { class: 'empty' }, 'No speaker yet. Add one to start.');
  readonly el: HTMLElement;

  constructor(private readonly host: CardHost, onAdd: () => void) {
    this.el = h('section', { class: 'panel speakers', 'aria-labelledby': 'speakers-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'speakers-title' }, 'Speakers'), h('button', { type: 'button', class: 'primary', id: 'add-speaker', onclick: onAdd }, 'Add a speaker')),
      this.empty, this.list);
  }

  setAll(views: SpeakerView[]): void {
    const known = views.filter((v) => v.known);
    for (const address of this.cards.keys()) if (!known.some((v) => v.address === address)) this.remove(address);
    for (const v of known) this.upsert(v);
    this.list.replaceChildren(...known.map((v) => this.cards.get(v.address)!.el));
  }

  upsert(view: SpeakerView): void {
    if (!view.known) return this.remove(view.address);
    const card = this.cards.get(view.address);
    if (card) card.update(view);
    else {
      const created = new SpeakerCard(view, this.host);
      this.cards.set(view.address, created);
      this.list.append(created.el);
    }
    this.empty.hidden = this.cards.size > 0;
  }

  /** the adapter list changed */
  refreshAdapters(): void {
    for (const card of this.cards.values()) card.showAdapters();
  }

  remove(address: string): void {
    this.cards.get(address)?.el.remove();
    this.cards.delete(address);
    this.empty.hidden = this.cards.size > 0;
  }
}
