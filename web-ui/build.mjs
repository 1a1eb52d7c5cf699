// Builds the panel into <outdir>: app.js and app.css (esbuild, minified), index.html, icon.svg.
// Prints the gzipped size of the first load (everything index.html pulls in).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] ?? join(here, '..', 'dist', 'web-ui'));
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const common = { bundle: true, minify: true, legalComments: 'none', logLevel: 'warning' };
await build({ ...common, entryPoints: [join(here, 'src/main.ts')], outfile: join(outdir, 'app.js'), format: 'iife', target: ['es2020', 'safari14'] });
await build({ ...common, entryPoints: [join(here, 'src/styles.css')], outfile: join(outdir, 'app.css'), target: ['safari14', 'chrome90', 'firefox90'] });
for (const file of ['index.html', 'icon.svg']) copyFileSync(join(here, 'src', file), join(outdir, file));

const FIRST_LOAD = ['index.html', 'app.js', 'app.css', 'icon.svg'];
const gz = FIRST_LOAD.reduce((sum, f) => sum + gzipSync(readFileSync(join(outdir, f)), { level: 9 }).length, 0);
console.log(`web-ui: ${outdir} (first load ${(gz / 1024).toFixed(1)} KiB gzipped)`);
