#!/usr/bin/env bash
# build-notify-addon.sh DEB_ARCH NODE_DIR OUT_FILE
# Builds the sd-notify binding (node_modules/sd-notify/notify.cc) for the shipped Node major
# and the target CPU, without the target's libsystemd: the addon is linked against a stub
# libsystemd.so.0 so it records DT_NEEDED libsystemd.so.0, and the real library (always on a
# systemd system) resolves the symbols at load time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
deb_arch=$1 node_dir=$2 out=$3
case $deb_arch in
  arm64) cxx=aarch64-linux-gnu-g++ ;;
  amd64) cxx=x86_64-linux-gnu-g++; command -v "$cxx" >/dev/null || cxx=g++ ;;
  *) echo "build-notify-addon: unsupported arch $deb_arch" >&2; exit 2 ;;
esac
src=$root/node_modules/sd-notify/notify.cc
[ -f "$src" ] || { echo "build-notify-addon: $src missing (npm ci first)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/include"
ln -s /usr/include/systemd "$work/include/systemd"   # headers only; arch independent
cat > "$work/stub.c" <<'STUB'
int sd_notify(int u, const char *s) { (void)u; (void)s; return 0; }
int sd_pid_notify(int p, int u, const char *s) { (void)p; (void)u; (void)s; return 0; }
int sd_watchdog_enabled(int u, unsigned long long *t) { (void)u; (void)t; return 0; }
int sd_journal_print(int p, const char *f, ...) { (void)p; (void)f; return 0; }
STUB
"$cxx" -x c -shared -fPIC -o "$work/libsystemd.so" -Wl,-soname,libsystemd.so.0 "$work/stub.c"
"$cxx" -std=gnu++20 -O2 -fPIC -shared -fvisibility=hidden \
  -DNODE_GYP_MODULE_NAME=notify -DBUILDING_NODE_EXTENSION -D_GLIBCXX_USE_CXX11_ABI=1 \
  -I "$node_dir/include/node" -I "$work/include" \
  -o "$out" "$src" -L "$work" -Wl,--no-as-needed -lsystemd -Wl,-z,relro,-z,now
