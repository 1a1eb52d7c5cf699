/** Builds the web-ui into a temp dir (the test then serves exactly what ships). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function buildWebUi(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'blueline-webui-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'web-ui', 'build.mjs'), dir], { timeout: 60_000, stdio: 'pipe' });
  return dir;
}
