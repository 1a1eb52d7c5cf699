#!/usr/bin/env bash
# Installs the Debian packages listed in .ci/packages/*.txt (one per line, # comments).
# Each part of the test suite keeps its own list, so lists never clash.
set -euo pipefail
cd "$(dirname "$0")"
mapfile -t pkgs < <(cat packages/*.txt | sed -e 's/#.*//' -e 's/[[:space:]]//g' | grep -v '^$' | sort -u)
if [ "$(id -u)" != 0 ]; then
  echo "install-packages: run as root (sudo $0)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${pkgs[@]}" >/dev/null
echo "install-packages: ${#pkgs[@]} packages present"
