/** A real NOTIFY_SOCKET for tests: a python3 listener reporting each message with the sender's PID. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startChild, type Child } from './process.js';

export interface NotifyMessage {
  pid: number | null;
  message: string;
}

export interface NotifySocket {
  path: string;
  messages(): NotifyMessage[];
  waitFor(test: (m: NotifyMessage) => boolean, timeoutMs?: number): Promise<NotifyMessage>;
  close(): void;
}

export async function startNotifySocket(): Promise<NotifySocket> {
  const path = join(await mkdtemp(join(tmpdir(), 'bl-notify-')), 'notify.sock');
  const listener: Child = startChild('python3', [join(repoRoot, 'test', 'helpers', 'notify-listener.py'), path]);
  await listener.waitForLine(/^listening$/, 10000);
  const parse = (l: string) => JSON.parse(l) as NotifyMessage;
  return {
    path,
    messages: () => listener.lines.filter((l) => l.startsWith('{')).map(parse),
    waitFor: async (test, timeoutMs = 15000) => parse(await listener.waitForLine((l) => l.startsWith('{') && test(parse(l)), timeoutMs)),
    close: () => listener.kill(),
  };
}
