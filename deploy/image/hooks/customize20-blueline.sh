#!/bin/sh
# Installs blueline from the same arm64 .deb that Raspberry Pi OS users install, so the
# image and the package share one set of units, user, drop-ins and maintainer scripts.
set -eu
cp "$BLUELINE_DEB" "$1/tmp/blueline.deb"
chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/blueline.deb
rm -f "$1/tmp/blueline.deb"
# The addon must load with the shipped Node and the image's libsystemd (arm64, under qemu-user).
chroot "$1" /usr/lib/blueline/node/bin/node -e \
  'require("/usr/lib/blueline/native/notify.node"); console.log(`image: node ${process.version} ${process.arch}, sd-notify addon loads`)'
