// Bundles the lab's host runner and in-guest agent (TypeScript) into the lab cache folder.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cache = process.argv[2] ?? join(here, '../../.lab');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  external: ['x11', 'usocket'],
  // CommonJS dependencies (dbus-next) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __labRequire } from 'node:module';\nconst require = __labRequire(import.meta.url);" },
};
await build({ ...common, entryPoints: [join(here, 'host/lab.ts')], outfile: join(cache, 'lab.mjs') });
await build({ ...common, entryPoints: [join(here, 'guest/agent.ts')], outfile: join(cache, 'agent.mjs') });
