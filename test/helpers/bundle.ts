/** Bundles a TypeScript fixture into a temporary .mjs so tests can run it as a child process. */
import { build } from 'esbuild';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** `external`: modules left out of the bundle (optional requires such as dbus-next's 'x11'). */
export async function bundleFixture(entry: string, external: string[] = []): Promise<string> {
  const outdir = await mkdtemp(join(tmpdir(), 'bl-fixture-'));
  const outfile = join(outdir, basename(entry).replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    external,
    logLevel: 'error',
  });
  return outfile;
}
