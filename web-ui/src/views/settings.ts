// Mode and settings: each field saves on change and shows what the daemon accepted.
import { call } from '../api.js';
import { h, setText, setValue } from '../dom.js';
import type { Mode, Settings } from '../types.js';

const MODES: { mode: Mode; label: string; hint: string }[] = [
  { mode: 'single', label: 'One speaker', hint: 'the first enabled speaker plays' },
  { mode: 'mirror', label: 'Mirror', hint: 'two speakers play the same sound' },
  { mode: 'stereo-split', label: 'Stereo split', hint: 'left channel to one speaker, right to the other' },
];

export class SettingsForm {
  private readonly radios = MODES.map((m) => h('input', { type: 'radio', name: 'mode', value: m.mode, id: `mode-${m.mode}` }));
  private readonly input = h('input', { id: 'set-input', type: 'text', placeholder: 'automatic (the USB sound card)', maxlength: 256, autocomplete: 'off' });
  private readonly latency = h('input', { id: 'set-latency', type: 'number', min: 1, max: 500, step: 1, inputmode: 'numeric' });
  private readonly keepAwake = h('input', { id: 'set-awake', type: 'checkbox' });
  private readonly idle = h('input', { id: 'set-idle', type: 'number', min: 0, max: 1440, step: 1, inputmode: 'numeric' });
  private readonly saved = h('p', { class: 'saved', role: 'status' });
  readonly el: HTMLElement;

  constructor(private readonly report: (message: string) => void) {
    this.el = h('section', { class: 'panel settings', 'aria-labelledby': 'settings-title' },
      h('h2', { id: 'settings-title' }, 'Mode and settings'),
      h('fieldset', {}, h('legend', {}, 'Mode'), ...MODES.map((m, i) => h('label', { class: 'radio', for: `mode-${m.mode}` }, this.radios[i], ` ${m.label} `, h('small', {}, m.hint)))),
      h('div', { class: 'field' }, h('label', { for: 'set-input' }, 'Input device'), this.input),
      h('div', { class: 'field' }, h('label', { for: 'set-latency' }, 'Buffer (ms)'), this.latency),
      h('div', { class: 'field' }, h('label', { for: 'set-idle' }, 'Disconnect speakers after minutes of silence (0 = never)'), this.idle),
      h('label', { class: 'switch', for: 'set-awake' }, this.keepAwake, ' Keep speakers awake while idle (inaudible tone)'),
      this.saved);
    for (const r of this.radios) r.addEventListener('change', () => r.checked && this.save({ mode: r.value as Mode }));
    this.input.addEventListener('change', () => this.save({ input: this.input.value.trim() || null }));
    this.latency.addEventListener('change', () => this.save({ latencyMs: Number(this.latency.value) }));
    this.idle.addEventListener('change', () => this.save({ idleDisconnectMinutes: Number(this.idle.value) }));
    this.keepAwake.addEventListener('change', () => this.save({ keepAwake: this.keepAwake.checked }));
  }

  update(s: Settings): void {
    for (const r of this.radios) r.checked = r.value === s.mode;
    setValue(this.input, s.input ?? '');
    setValue(this.latency, String(s.latencyMs));
    setValue(this.idle, String(s.idleDisconnectMinutes));
    this.keepAwake.checked = s.keepAwake;
  }

  private async save(patch: Partial<Settings>): Promise<void> {
    setText(this.saved, 'Saving…');
    try {
      this.update(await call<Settings>('PATCH', '/api/settings', patch));
      setText(this.saved, 'Saved.');
    } catch (e) {
      setText(this.saved, '');
      this.report((e as Error).message);
    }
  }
}
