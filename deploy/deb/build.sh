#!/usr/bin/env bash
# Builds blueline_<version>_<arch>.deb from dist/ (run `npm run build` first) with dpkg-deb.
#   deploy/deb/build.sh [OUT_DIR [ARCH...]]     default: out/deb, arm64 amd64
# Each package carries a private Node.js runtime (deploy/node.conf) because the sd_notify
# addon is tied to one Node major; the system's /usr/bin/node is never used or touched.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-$root/out/deb}")
shift || true
arches=("$@"); [ ${#arches[@]} -gt 0 ] || arches=(arm64 amd64)
cache=${BLUELINE_CACHE:-$root/out/cache}
version=$(node -p "require('$root/package.json').version")
sys=$root/deploy/systemd
for f in blueline.mjs blueline.mjs.map; do
  [ -f "$root/dist/$f" ] || { echo "deb: dist/$f missing; run npm run build" >&2; exit 1; }
done
mkdir -p "$out"

stage_common() {  # $1 = staging root
  local r=$1 lib=$1/usr/lib/blueline share=$1/usr/share/blueline
  install -d "$lib/native" "$lib/node/bin" "$share/bluetooth" "$r/usr/bin" "$r/usr/share/doc/blueline" \
    "$r/usr/lib/systemd/system/bluetooth.service.d" "$r/usr/lib/sysusers.d" "$r/usr/share/dbus-1/system.d"
  install -m 0644 "$root/dist/blueline.mjs" "$root/dist/blueline.mjs.map" "$lib/"
  [ -d "$root/dist/web-ui" ] && cp -r "$root/dist/web-ui" "$lib/web-ui"
  install -m 0644 "$sys/blueline.service" "$sys/blueline.socket" "$sys/blueline-password-reset.service" "$r/usr/lib/systemd/system/"
  install -m 0644 "$sys/bluetooth.service.d/blueline.conf" "$r/usr/lib/systemd/system/bluetooth.service.d/"
  install -m 0644 "$sys/blueline.sysusers" "$r/usr/lib/sysusers.d/blueline.conf"
  install -m 0644 "$sys/dbus-blueline.conf" "$r/usr/share/dbus-1/system.d/blueline.conf"
  install -m 0644 "$sys/bluetooth-main.conf" "$share/bluetooth/main.conf"
  install -m 0644 "$sys/audio-session.conf.in" "$share/"
  cp -r "$sys/wireplumber" "$share/wireplumber"
  install -m 0755 "$root/deploy/deb/blueline-cli" "$r/usr/bin/blueline"
  printf 'blueline %s\nLicense: MIT\nNode.js runtime: MIT, see /usr/lib/blueline/node/LICENSE\n' "$version" \
    > "$r/usr/share/doc/blueline/copyright"
}

for arch in "${arches[@]}"; do
  node_dir=$("$root/deploy/lib/fetch-node.sh" "$arch" "$cache")
  stage=$(mktemp -d)
  stage_common "$stage"
  case $arch in arm64) strip=aarch64-linux-gnu-strip ;; *) strip=strip ;; esac
  install -m 0755 "$node_dir/bin/node" "$stage/usr/lib/blueline/node/bin/node"
  "$strip" --strip-debug "$stage/usr/lib/blueline/node/bin/node"
  install -m 0644 "$node_dir/LICENSE" "$stage/usr/lib/blueline/node/LICENSE"
  "$root/deploy/lib/build-notify-addon.sh" "$arch" "$node_dir" "$stage/usr/lib/blueline/native/notify.node"
  install -d "$stage/DEBIAN"
  size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
    "$root/deploy/deb/control.in" > "$stage/DEBIAN/control"
  for s in postinst prerm postrm; do install -m 0755 "$root/deploy/deb/$s" "$stage/DEBIAN/$s"; done
  (cd "$stage" && find usr -type f -printf '%P\n' | sed 's|^|usr/|' | sort | xargs md5sum) > "$stage/DEBIAN/md5sums"
  deb=$out/blueline_${version}_$arch.deb
  dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
  rm -rf "$stage"
  echo "deb: $deb ($(du -h "$deb" | cut -f1))"
done
