#!/usr/bin/env bash
# End-to-end lab (docs/testing.md): two QEMU guests, real BlueZ + PipeWire + blueline, audio
# checked at the emulated speakers; prints a line per scenario and "N passed, N failed".
# Budget: 25 minutes, enforced here. Not gating (see .ci/run).
set -uo pipefail
cd "$(dirname "$0")/../.."
exec timeout --kill-after=30 1500 npm run test:e2e
