#!/usr/bin/env bash
# Makes arm64 binaries runnable on an x86-64 host through qemu-user (needed for the arm64
# maintainer scripts). Works without systemd-binfmt: mounts binfmt_misc and registers
# qemu-aarch64 with the F flag, so nothing has to be copied into the chroot.
set -euo pipefail
[ "$(uname -m)" = aarch64 ] && exit 0
dir=/proc/sys/fs/binfmt_misc
mountpoint -q "$dir" || mount -t binfmt_misc binfmt_misc "$dir"
if [ ! -e "$dir/qemu-aarch64" ]; then
  conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  [ -f "$conf" ] || { echo "binfmt: $conf missing (apt install qemu-user-static)" >&2; exit 1; }
  cat "$conf" > "$dir/register"
fi
arch-test arm64 >/dev/null || { echo "binfmt: arm64 binaries do not run" >&2; exit 1; }
