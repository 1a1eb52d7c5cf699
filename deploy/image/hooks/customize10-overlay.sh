#!/bin/sh
# Static image files (fstab, network, journald, Wi-Fi, first boot) and the image-only units.
set -eu
cp -a --no-preserve=ownership "$BLUELINE_OVERLAY/." "$1/"
chmod 0755 "$1"/usr/lib/blueline-image/*
install -m 0644 "$BLUELINE_IMAGE_UNITS"/*.service "$1/etc/systemd/system/"
