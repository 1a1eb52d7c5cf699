#!/usr/bin/env bash
# deploy/image/build.sh OUT — builds OUT/blueline-rpi-arm64.img(.xz, .xz.sha256, .bmap) for
# Raspberry Pi 3/3B+/4/400/Zero 2 W from Debian packages plus the blueline arm64 .deb.
# Runs as root on an x86-64 or arm64 Debian host (see docs/install.md for host packages).
# Env: SUITE (trixie), MIRROR, KEEP_ROOTFS=1 (keep OUT/work/rootfs), NO_XZ=1 (skip .xz/.bmap).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/image.conf"
out=$(realpath -m "${1:?usage: build.sh OUT}")
work=$out/work
started=$SECONDS
log() { printf '[image %4ds] %s\n' "$((SECONDS - started))" "$*"; }
[ "$(id -u)" = 0 ] || { echo "build.sh: run as root (mmdebstrap --mode=root)" >&2; exit 1; }

"$here/binfmt.sh"
mkdir -p "$out" && rm -rf "$work" && mkdir -p "$work"

deb=$(ls "$root"/out/deb/blueline_*_arm64.deb 2>/dev/null | tail -n1 || true)
if [ -z "$deb" ] || [ "$root/dist/blueline.mjs" -nt "$deb" ]; then
  log "building the arm64 .deb"
  "$root/deploy/deb/build.sh" "$root/out/deb" arm64 >/dev/null
  deb=$(ls "$root"/out/deb/blueline_*_arm64.deb | tail -n1)
fi
cp "$deb" "$work/blueline.deb"

log "mmdebstrap $SUITE arm64"
export BLUELINE_DEB=$work/blueline.deb BLUELINE_OVERLAY=$here/overlay BLUELINE_IMAGE_UNITS=$root/deploy/systemd/image
mmdebstrap --mode=root --variant=minbase --architectures=arm64 \
  --components="main non-free-firmware" \
  --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --aptopt='Acquire::Retries "3"' \
  --hook-directory="$here/hooks" \
  "$SUITE" "$work/rootfs" \
  "deb $MIRROR $SUITE main non-free-firmware" \
  "deb $MIRROR $SUITE-updates main non-free-firmware" \
  "deb $SECURITY_MIRROR $SUITE-security main non-free-firmware"

log "finishing the root filesystem"
# After mmdebstrap's own cleanup: first boot is detected by machine-id "uninitialized".
echo uninitialized > "$work/rootfs/etc/machine-id"
echo "$HOSTNAME" > "$work/rootfs/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' "$HOSTNAME" > "$work/rootfs/etc/hosts"
ln -sfn ../run/systemd/resolve/stub-resolv.conf "$work/rootfs/etc/resolv.conf"
cp "$work"/rootfs/boot/vmlinuz-* "$out/vmlinuz"
cp "$work"/rootfs/boot/initrd.img-* "$out/initrd.img"

log "assembling the disk image"
img=$out/$IMAGE_NAME.img
"$here/mkimage.sh" "$work/rootfs" "$img" "$FAT_MIB" "$ROOT_SPARE_MIB"
[ -n "${KEEP_ROOTFS:-}" ] || rm -rf "$work"

if [ -z "${NO_XZ:-}" ]; then
  log "bmap, xz, sha256"
  bmaptool -q create -o "$out/$IMAGE_NAME.bmap" "$img"
  xz -T0 -6 -k -f "$img"
  (cd "$out" && sha256sum "$IMAGE_NAME.img.xz" > "$IMAGE_NAME.img.xz.sha256")
fi
log "done: $(du -h --apparent-size "$img" | cut -f1) raw, $( [ -f "$img.xz" ] && du -h "$img.xz" | cut -f1 || echo no) xz"
