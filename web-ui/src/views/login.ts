// First start (choose a password) or login.
import { call } from '../api.js';
import { h } from '../dom.js';
import type { SessionInfo } from '../types.js';

export function loginView(session: SessionInfo, done: () => void): HTMLElement {
  const error = h('p', { class: 'form-error', role: 'alert' });
  if (session.setupRequired && !session.setupAllowed) {
    return h('section', { class: 'panel narrow' }, h('h2', {}, 'Set a password'), h('p', {}, 'No password is set yet. Open this panel from a phone or computer on the same home network to choose one.'));
  }
  const setup = session.setupRequired;
  const password = h('input', { id: 'password', type: 'password', required: true, minlength: setup ? 8 : 1, maxlength: 256, autocomplete: setup ? 'new-password' : 'current-password' });
  const repeat = setup ? h('input', { id: 'password2', type: 'password', required: true, minlength: 8, maxlength: 256, autocomplete: 'new-password' }) : null;
  const submit = h('button', { type: 'submit', class: 'primary' }, setup ? 'Set password' : 'Log in');
  const form = h('form', { class: 'panel narrow login' },
    h('h2', {}, setup ? 'Welcome: choose a password' : 'Log in'),
    setup ? h('p', {}, 'This password protects the panel on your network. At least 8 characters.') : null,
    h('label', { for: 'password' }, 'Password'), password,
    repeat ? h('label', { for: 'password2' }, 'Repeat the password') : null, repeat,
    error, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (repeat && repeat.value !== password.value) {
      error.textContent = 'The two passwords differ.';
      repeat.focus();
      return;
    }
    submit.disabled = true;
    try {
      await call('POST', setup ? '/api/setup' : '/api/login', { password: password.value });
      done();
    } catch (err) {
      error.textContent = (err as Error).message;
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  queueMicrotask(() => password.focus());
  return form;
}
