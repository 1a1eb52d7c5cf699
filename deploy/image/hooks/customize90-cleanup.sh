#!/bin/sh
# Nothing in the image that is per-build or per-device.
set -eu
r=$1
chroot "$r" apt-get clean
rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/debconf/*-old "$r"/var/log/*.log "$r"/tmp/*
