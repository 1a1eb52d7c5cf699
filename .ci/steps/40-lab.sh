#!/usr/bin/env bash
# End-to-end lab (docs/testing.md): two QEMU guests, real BlueZ + PipeWire + blueline, audio
# checked at the emulated speakers. Budget: 25 minutes, enforced here.
# Not gating yet: the scenarios run against blueline and print "N passed, N failed", but a
# failure does not fail CI until the real daemon passes them (set LAB_GATING=1 to gate).
set -uo pipefail
cd "$(dirname "$0")/../.."
timeout --kill-after=30 1500 npm run test:e2e
rc=$?
if [ "$rc" != 0 ] && [ "${LAB_GATING:-0}" = 1 ]; then exit "$rc"; fi
[ "$rc" = 0 ] || echo "lab: exit $rc (not gating CI yet; see docs/testing.md)"
