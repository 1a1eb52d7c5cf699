# Runs inside the clean chroot (sh). A systemctl shim logs what the maintainer scripts ask
# for; /run/systemd/system makes them take the "systemd is running" path.
set -eu
fails=0
ok() { echo "ok   $*"; }
no() { echo "FAIL $*"; fails=$((fails + 1)); }
check() {
  desc=$1; shift
  if out=$("$@" 2>&1); then ok "$desc"; else no "$desc"; printf '%s\n' "$out" | sed 's/^/     /' | tail -n 5; fi
}
log=/var/log/systemctl-calls.log
dpkg-divert --quiet --local --rename --add /usr/bin/systemctl
cat > /usr/bin/systemctl <<'SHIM'
#!/bin/sh
echo "systemctl $*" >> /var/log/systemctl-calls.log
exec /usr/bin/systemctl.distrib "$@"
SHIM
chmod 0755 /usr/bin/systemctl
mkdir -p /run/systemd/system
# mmdebstrap's policy-rc.d forbids starting services; the checks want to see the requests.
[ -e /usr/sbin/policy-rc.d ] && mv /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.test
# Enablement is read from the unit files, not from the (absent) service manager.
export SYSTEMD_OFFLINE=1

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends /tmp/blueline.deb > /var/log/apt-install.log 2>&1 || { cat /var/log/apt-install.log; exit 1; }
echo "== installed"
check "bundle installed" test -s /usr/lib/blueline/blueline.mjs
check "Node 24 runtime runs" sh -c '/usr/lib/blueline/node/bin/node --version | grep -q "^v24\."'
check "sd-notify addon loads with that runtime" /usr/lib/blueline/node/bin/node -e 'require("/usr/lib/blueline/native/notify.node")'
check "user blueline with home /var/lib/blueline" sh -c 'getent passwd blueline | grep -q ":/var/lib/blueline:/usr/sbin/nologin$"'
check "blueline is in the audio group" sh -c 'id -nG blueline | grep -qw audio'
check "blueline is not root" sh -c '[ "$(id -u blueline)" != 0 ]'
check "state directory owned by blueline" sh -c '[ "$(stat -c %U /var/lib/blueline)" = blueline ]'
check "blueline.service enabled" systemctl.distrib is-enabled blueline.service
check "blueline.socket enabled" systemctl.distrib is-enabled blueline.socket
check "audio-session drop-in names the user's UID" grep -q "XDG_RUNTIME_DIR=/run/user/$(id -u blueline)$" /etc/systemd/system/blueline.service.d/10-audio-session.conf
check "linger enabled" test -e /var/lib/systemd/linger/blueline
check "WirePlumber 0.5 settings for blueline's session" test -f /var/lib/blueline/.config/wireplumber/wireplumber.conf.d/50-blueline.conf
check "D-Bus policy installed" test -f /usr/share/dbus-1/system.d/blueline.conf
check "bluetoothd drop-in installed" test -f /usr/lib/systemd/system/bluetooth.service.d/blueline.conf
check "units verify in the installed system" sh -c "systemd-analyze verify --man=no blueline.service blueline.socket bluetooth.service 2>&1 | tee /dev/stderr | grep -q . && exit 1 || exit 0"
check "postinst restarted the units" grep -q "restart.*blueline.service" $log || cat $log

: > $log
apt-get remove -y -q blueline > /var/log/apt-remove.log 2>&1 || { cat /var/log/apt-remove.log; exit 1; }
echo "== removed"
check "prerm stopped the service and socket" sh -c "grep -q 'stop.*blueline.service' $log && grep -q 'stop.*blueline.socket' $log"
check "program files gone" test ! -e /usr/lib/blueline
check "blueline.service no longer enabled" sh -c '[ "$(systemctl.distrib is-enabled blueline.service 2>/dev/null)" != enabled ]'
check "blueline.socket no longer enabled" sh -c '[ "$(systemctl.distrib is-enabled blueline.socket 2>/dev/null)" != enabled ]'
check "state kept on remove" test -d /var/lib/blueline

apt-get purge -y -q blueline > /var/log/apt-purge.log 2>&1 || { cat /var/log/apt-purge.log; exit 1; }
echo "== purged"
check "state removed" test ! -e /var/lib/blueline
check "configuration removed" test ! -e /etc/blueline
check "drop-in removed" test ! -e /etc/systemd/system/blueline.service.d
check "linger removed" test ! -e /var/lib/systemd/linger/blueline
check "no unit links left" sh -c '! find /etc/systemd/system -name "blueline*" | grep .'

rm -rf /run/systemd/system
[ -e /usr/sbin/policy-rc.d.test ] && mv /usr/sbin/policy-rc.d.test /usr/sbin/policy-rc.d
rm -f /usr/bin/systemctl && dpkg-divert --quiet --local --rename --remove /usr/bin/systemctl
echo "checks failed: $fails"
[ "$fails" = 0 ]
