#!/usr/bin/env bash
# fetch-node.sh DEB_ARCH CACHE_DIR -> prints the directory holding bin/node and include/node.
# Downloads node-linux-<cpu>@NODE_VERSION with npm (cached), checks its sha512 integrity.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/node.conf"
deb_arch=$1 cache=$2
case $deb_arch in arm64) cpu=arm64 ;; amd64) cpu=x64 ;; *) echo "fetch-node: unsupported arch $deb_arch" >&2; exit 2 ;; esac
integrity_var=NODE_INTEGRITY_$cpu
want=${!integrity_var}
tgz=$cache/node-linux-$cpu-$NODE_VERSION.tgz
dir=$cache/node-linux-$cpu-$NODE_VERSION
mkdir -p "$cache"
if [ ! -s "$tgz" ]; then
  (cd "$cache" && timeout 600 npm pack --silent "node-linux-$cpu@$NODE_VERSION" >/dev/null)
fi
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$got" != "$want" ]; then
  echo "fetch-node: integrity mismatch for $tgz" >&2; rm -f "$tgz"; exit 1
fi
if [ ! -x "$dir/bin/node" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  tar -xzf "$tgz" -C "$dir" --strip-components=1 package/bin/node package/include package/LICENSE
fi
echo "$dir"
