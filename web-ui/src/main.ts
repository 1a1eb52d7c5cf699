// Entry: ask who we are, then show the password screen or the panel.
import { call, whenUnauthorized } from './api.js';
import { h } from './dom.js';
import { startPanel } from './panel.js';
import type { SessionInfo } from './types.js';
import { loginView } from './views/login.js';

const root = document.getElementById('app')!;
let stopPanel: (() => void) | null = null;

async function start(): Promise<void> {
  stopPanel?.();
  stopPanel = null;
  let session: SessionInfo;
  try {
    session = await call<SessionInfo>('GET', '/api/session');
  } catch (e) {
    root.replaceChildren(h('p', { class: 'banner error', role: 'alert' }, (e as Error).message), h('button', { type: 'button', onclick: () => void start() }, 'Try again'));
    return;
  }
  if (!session.authenticated) {
    root.replaceChildren(loginView(session, () => void start()));
    return;
  }
  stopPanel = startPanel(root, () => void start());
}

whenUnauthorized(() => void start());
document.getElementById('logout')!.addEventListener('click', async () => {
  await call('POST', '/api/logout').catch(() => {});
  void start();
});
void start();
