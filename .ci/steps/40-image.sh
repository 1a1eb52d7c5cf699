#!/usr/bin/env bash
# The .deb (arm64 + amd64) and its clean-chroot install/remove/purge test, then the SD-card
# image and its QEMU boot test (docs/install.md). Needs root (mmdebstrap --mode=root,
# binfmt_misc) and dist/ from `npm test`. Budget: the whole step is cut off after 35 minutes
# (uncontended 2-core estimate: deb 2 min, deb test 2 min, image 12-15 min, boot test 3 min);
# .img.xz and .bmap are skipped here (NO_XZ=1) because nothing in CI consumes them.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec timeout --kill-after=30 2100 bash -euo pipefail -c '
  timeout 600 bash deploy/deb/build.sh out/deb
  timeout 600 bash deploy/deb/test-chroot.sh
  NO_XZ=1 timeout 1500 bash deploy/image/build.sh out/image
  BOOT_TIMEOUT=600 timeout 660 bash deploy/image/test/qemu-boot.sh out/image
'
