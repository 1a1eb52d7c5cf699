// Problem banners: the daemon's current problems (from status and `problems` events), plus
// short-lived messages from failed actions, plus "lost contact" while the event stream is down.
import { h } from '../dom.js';
import type { Problem } from '../types.js';

export class Banners {
  readonly el = h('section', { class: 'banners', 'aria-label': 'Problems' });
  private problems: Problem[] = [];
  private flashes: { id: number; message: string; severity: Problem['severity'] }[] = [];
  private offline = false;
  private next = 0;

  setProblems(problems: Problem[]): void {
    this.problems = problems;
    this.render();
  }

  setOffline(offline: boolean): void {
    if (offline === this.offline) return;
    this.offline = offline;
    this.render();
  }

  /** a message about something the user just did; stays until dismissed or replaced */
  flash(message: string, severity: Problem['severity'] = 'error'): void {
    this.flashes = [...this.flashes.filter((f) => f.message !== message).slice(-2), { id: ++this.next, message, severity }];
    this.render();
  }

  private render(): void {
    const items: HTMLElement[] = [];
    if (this.offline) items.push(banner('warning', 'Lost contact with blueline. Retrying…'));
    for (const p of this.problems) items.push(banner(p.severity, p.message));
    for (const f of this.flashes) {
      const close = h('button', { type: 'button', class: 'quiet', 'aria-label': 'Dismiss', onclick: () => { this.flashes = this.flashes.filter((x) => x.id !== f.id); this.render(); } }, '✕');
      items.push(banner(f.severity, f.message, close));
    }
    this.el.replaceChildren(...items);
  }
}

function banner(severity: Problem['severity'], message: string, action?: HTMLElement): HTMLElement {
  return h('div', { class: `banner ${severity}`, role: severity === 'error' ? 'alert' : 'status' }, h('span', {}, message), action);
}
