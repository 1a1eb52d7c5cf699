#!/usr/bin/env bash
# test-chroot.sh [DEB] — installs, removes and purges the amd64 .deb in a clean Debian chroot
# (mmdebstrap, SUITE=trixie by default) and checks files, user, enabled units, and that the
# maintainer scripts start and stop the units. Exit status 0 only if every check passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
deb=$(realpath "${1:-$(ls "$root"/out/deb/blueline_*_amd64.deb | tail -n1)}")
suite=${SUITE:-trixie}
[ "$(id -u)" = 0 ] || { echo "test-chroot: run as root" >&2; exit 1; }
dir=$(mktemp -d /tmp/blueline-debtest.XXXX)
trap 'rm -rf "$dir"' EXIT
cp "$deb" "$dir/blueline.deb"
cp "$root/deploy/deb/chroot-checks.sh" "$dir/checks.sh"
# The checks run inside mmdebstrap's customize phase, where /proc, /sys and /dev are mounted.
timeout 1200 mmdebstrap --mode=root --variant=apt --quiet "$suite" "$dir/rootfs" \
  "deb http://deb.debian.org/debian $suite main" \
  --customize-hook="cp '$dir/blueline.deb' \"\$1/tmp/blueline.deb\"" \
  --customize-hook="chroot \"\$1\" sh < '$dir/checks.sh'"
echo "test-chroot: PASS ($suite, $(basename "$deb"))"
