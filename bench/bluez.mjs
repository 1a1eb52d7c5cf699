#!/usr/bin/env node
// BlueZ module figures against the fake bluetoothd on a private dbus-daemon:
//
//   node bench/bluez.mjs [runs=20]
//
// Prints a Markdown table; figures go to docs/bluetooth.md. Needs dbus-daemon (.ci/packages/bluez.txt).
// The measuring script is TypeScript; it runs with the TypeScript loader tap uses for the tests.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync(process.execPath, ['--import=@tapjs/typescript/import', join(root, 'bench/bluez-run.ts'), process.argv[2] ?? '20'], {
  stdio: 'inherit',
  cwd: root,
  timeout: 300_000,
});
process.exitCode = result.status ?? 1;
