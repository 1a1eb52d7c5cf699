#!/usr/bin/env bash
# qemu-boot.sh [OUT] — boots OUT/blueline-rpi-arm64.img in qemu-system-aarch64 -M virt (TCG)
# with an emulated USB sound card and passes only if
#   blueline.service reached READY (active/running), the panel answers on port 80 from the
#   host (user-mode network, hostfwd), no unit failed, and STATUS= names the USB input.
# The image's own kernel and initrd are used; the test boots a copy, the image stays untouched.
# Env: BOOT_TIMEOUT (s, default 900), KEEP_LOG=path to keep the console log.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=$(realpath "${1:-$root/out/image}")
img=$out/blueline-rpi-arm64.img
timeout_s=${BOOT_TIMEOUT:-900}
for f in "$img" "$out/vmlinuz" "$out/initrd.img"; do [ -f "$f" ] || { echo "qemu-boot: $f missing; build the image first" >&2; exit 2; }; done
work=$(mktemp -d /tmp/blueline-boot.XXXX)
qemu_pid= usbip_pid=
cleanup() {
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
  [ -n "$usbip_pid" ] && kill "$usbip_pid" 2>/dev/null && wait "$usbip_pid" 2>/dev/null
  [ -n "${KEEP_LOG:-}" ] && cp "$work/console.log" "$KEEP_LOG"
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port) usbip_port=$(free_port)
# A sparse copy with 1 GiB more (first boot grows the root filesystem) and a first-boot
# settings file on the FAT partition (4 MiB into the disk), so first boot is tested too.
cp --sparse=always "$img" "$work/disk.img"
truncate -s +1G "$work/disk.img"
cat > "$work/blueline.txt" <<'SETTINGS'
# boot-test settings (Windows line ends on purpose)
hostname=blueline-test
wifi_country=DE
wifi_ssid=Test "Net"
wifi_psk=correct horse battery
timezone=Europe/Berlin
ssh_authorized_key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBlueLineBootTestKeyOnlyNotARealKey0000000 ci@test
SETTINGS
sed -i 's/\\r$/\r/' "$work/blueline.txt"
mcopy -i "$work/disk.img@@4M" "$work/blueline.txt" ::blueline.txt

# QEMU's usb-audio is playback only, so the line-in is a USB Audio Class device emulated here
# and attached in the guest over USB/IP (blueline-test-line-in.service, vhci-hcd).
node "$root/deploy/image/test/usbip-line-in.mjs" "$usbip_port" > "$work/usbip.log" 2>&1 &
usbip_pid=$!
append="console=ttyAMA0 root=LABEL=RASPIROOT rw rootwait net.ifnames=0 \
systemd.wants=blueline-test-line-in.service blueline.test_usbip=10.0.2.2:$usbip_port \
systemd.wants=blueline-selftest.service"
started=$SECONDS
timeout "$timeout_s" qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 1024 \
  -display none -monitor none -serial "file:$work/console.log" -no-reboot \
  -kernel "$out/vmlinuz" -initrd "$out/initrd.img" -append "$append" \
  -drive "if=none,id=hd0,file=$work/disk.img,format=raw" -device virtio-blk-pci,drive=hd0 \
  -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:80" \
  -device qemu-xhci -audiodev none,id=snd0 -device usb-audio,audiodev=snd0 &
qemu_pid=$!

while ! grep -q 'BLUELINE-SELFTEST done' "$work/console.log" 2>/dev/null; do
  kill -0 "$qemu_pid" 2>/dev/null || { echo "qemu-boot: QEMU exited before the self-test reported"; tail -n 40 "$work/console.log"; exit 1; }
  [ $((SECONDS - started)) -lt "$timeout_s" ] || { echo "qemu-boot: no self-test report after ${timeout_s}s"; tail -n 40 "$work/console.log"; exit 1; }
  sleep 2
done
report_s=$((SECONDS - started))
http=$(curl -s -o "$work/panel.html" -w '%{http_code}' -m 20 "http://127.0.0.1:$port/" || true)
# First start as an owner meets it: set the panel password from the LAN (QEMU's user network
# presents the host as 10.0.2.2, a private address).
setup=$(curl -s -o "$work/setup.json" -w '%{http_code}' -m 30 -X POST -H 'Content-Type: application/json' \
  -H "Origin: http://127.0.0.1:$port" --data '{"password":"blueline boot test"}' "http://127.0.0.1:$port/api/setup" || true)

fact() { sed -n "s/^.*BLUELINE-SELFTEST $1=//p" "$work/console.log" | tr -d '\r' | tail -n1; }
active=$(fact active) ready_us=$(fact ready_us) status=$(fact status) failed=$(fact failed)
grep 'BLUELINE-SELFTEST' "$work/console.log" | tr -d '\r' | sed 's/^.*BLUELINE-SELFTEST /  /'
set +e  # each check below reports instead of aborting
fails=0
verdict() { if [ "$1" = 0 ]; then echo "ok   $2"; else echo "FAIL $2"; fails=$((fails + 1)); fi; }
[ "$active" = active/running ] && [ "${ready_us:-0}" -gt 0 ]; verdict $? "blueline.service reached READY ($active)"
[ "$http" = 200 ]; verdict $? "panel answers on port 80 from the host (HTTP $http)"
[ -z "${failed// /}" ]; verdict $? "no failed unit (${failed:-none})"
[[ "$setup" == 2?? ]]; verdict $? "first-start password setup from the LAN (HTTP $setup $(head -c 200 "$work/setup.json" 2>/dev/null))"
# The daemon's STATUS= line names its input, e.g. "input alsa_input.usb-..."; "no input" fails.
printf '%s' "$status" | grep -Eiq '(^|[^a-z])input:? +[^ ;,]*usb' && ! printf '%s' "$status" | grep -qi 'no input'
verdict $? "STATUS reports the USB input ($status)"
# First boot: settings applied and consumed, Wi-Fi configured without blocking boot, root grown.
[ "$(fact hostname)" = blueline-test ] && [ "$(fact settings_file)" = consumed ] && [ "$(fact wifi_conf)" = present ] \
  && [ "$(fact timezone)" = Europe/Berlin ] && [ "$(fact root_authorized_keys)" = 1 ]
verdict $? "first-boot settings applied and the file consumed"
[ "$(fact ssh_host_keys)" -ge 1 ] && [ "$(fact machine_id)" != uninitialized ] && [ "$(fact root_fs_mib)" -gt "$(( $(stat -c %s "$img") / 1048576 ))" ]
verdict $? "SSH host keys, machine-id and a grown root filesystem ($(fact root_fs_mib) MiB)"
if [ "${ready_us:-0}" -gt 0 ]; then
  echo "figure: boot-to-READY $(awk "BEGIN { printf \"%.1f\", $ready_us / 1e6 }") s after kernel start (TCG, 2 vCPU); self-test report after ${report_s} s wall"
fi
[ "$fails" = 0 ] && echo "qemu-boot: PASS" || { echo "qemu-boot: FAIL ($fails)"; exit 1; }
