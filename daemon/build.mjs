// Builds what ships: type-checks everything, bundles the daemon into dist/blueline.mjs
// (runs with plain node, no node_modules beside it), copies the sd_notify native binding
// next to it, and builds the web-ui into dist/web-ui/.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const skipTypecheck = process.argv.includes('--no-typecheck');

if (!skipTypecheck) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const project of ['tsconfig.json', 'web-ui/tsconfig.json']) {
    if (!existsSync(join(root, project))) continue;
    try {
      execFileSync(process.execPath, [tsc, '-p', project, '--noEmit'], { cwd: root, stdio: 'inherit' });
    } catch {
      console.error(`build: type errors in ${project} (listed above)`);
      process.exit(1);
    }
  }
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'native'), { recursive: true });

await build({
  entryPoints: [join(root, 'daemon/src/main.ts')],
  outfile: join(dist, 'blueline.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { BLUELINE_VERSION: JSON.stringify(pkg.version) },
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __blRequire } from 'node:module';\nconst require = __blRequire(import.meta.url);",
  },
  // dbus-next's optional helpers (X11 session-bus lookup, native fd passing): never used, left out.
  external: ['x11', 'usocket'],
  logLevel: 'warning',
});

// The sd_notify binding is a native addon: it ships beside the bundle, built for the target.
const addon = join(root, 'node_modules/sd-notify/build/Release/notify.node');
if (existsSync(addon)) copyFileSync(addon, join(dist, 'native', 'notify.node'));
else console.warn('build: sd-notify binding not built; the bundle works without systemd notify only');

const webBuild = join(root, 'web-ui/build.mjs');
if (existsSync(webBuild)) execFileSync(process.execPath, [webBuild, join(dist, 'web-ui')], { cwd: root, stdio: 'inherit' });
console.log(`build: dist/blueline.mjs v${pkg.version}`);
