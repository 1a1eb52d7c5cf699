// A tiny element builder: h('button', { type: 'button', onclick: fn }, 'Text').
// No innerHTML anywhere: every text from the daemon or a speaker name goes in as a text node.
type Child = Node | string | number | null | undefined | false;
type Attr = string | number | boolean | null | undefined | ((e: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, Attr> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
}

export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** sets a form control's value unless the user is using it right now */
export function setValue(el: HTMLInputElement | HTMLSelectElement, value: string): void {
  if (document.activeElement !== el && el.value !== value) el.value = value;
}

let ids = 0;
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** replaceChildren that skips empty children */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}
