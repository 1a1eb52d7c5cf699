#!/bin/bash
# Guest stage 2 (PID 1). Mounts scratch space and the results folder, loads modules,
# brings up the network, udev and the system bus, attaches the emulated controllers
# (serial ports wired by QEMU to the host's btvirt server) and hands over to the agent.
# Everything else (bluetoothd, audio servers, the daemon) is started by the agent on request.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
declare -A arg
for kv in $(cat /proc/cmdline); do
  case "$kv" in lab.*=*) k=${kv%%=*}; arg[${k#lab.}]=${kv#*=} ;; esac
done
role=${arg[role]} out=${arg[out]} kdir=${arg[kdir]} agent=${arg[agent]} ports=${arg[btports]:-1}
log() { echo "[stage2 $(cut -d' ' -f1 /proc/uptime)] $*"; }
finish() { log "powering off"; sync; echo o > /proc/sysrq-trigger; sleep 5; }

mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /tmp
ln -sf /proc/self/fd /dev/fd
mkdir -p /var/lib/bluetooth /root && mount -t tmpfs tmpfs /var/lib/bluetooth && mount -t tmpfs tmpfs /root
mount -t devpts devpts /dev/pts 2>/dev/null || { mkdir -p /dev/pts && mount -t devpts devpts /dev/pts; }
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
mkdir -p "$out"; mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 labout "$out" || { log "results mount failed"; finish; }
exec > >(tee -a "$out/$role-stage2.log") 2>&1
kver=$(uname -r)
mkdir -p "/lib/modules/$kver" && mount --bind "$kdir/lib/modules/$kver" "/lib/modules/$kver"
log "role=$role kernel=$kver"
modprobe -a virtio_net virtio_console hci_uart snd-aloop || log "modprobe failed"

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2

if [ "$role" = tx ]; then  # PipeWire finds the aloop "USB card" through udev
  /lib/systemd/systemd-udevd --daemon >/dev/null 2>&1
  udevadm trigger --action=add >/dev/null 2>&1  # no settle: PipeWire starts much later
fi
conf=${arg[dir]}/config
if [ "$role" = spk ]; then
  cp "$conf/bluealsa-lab.conf" /etc/dbus-1/system.d/
else
  rm -rf /etc/wireplumber && cp -r /usr/share/wireplumber /etc/wireplumber
  cp "$conf/51-lab-bluetooth.lua" /etc/wireplumber/bluetooth.lua.d/
  cp "$conf/51-lab-alsa.lua" /etc/wireplumber/main.lua.d/
fi
mkdir -p /run/dbus && dbus-daemon --system --fork --nopidfile
hostname "lab-$role"

# One virtio console per controller (hvc0, hvc1), each wired by QEMU to btvirt's server
# socket (through the host's H4 framer). A 16550 would cost an emulated I/O access per byte.
for i in $(seq 0 $((ports - 1))); do
  for _ in $(seq 1 50); do [ -e "/dev/hvc$i" ] && break; sleep 0.1; done
  btattach -N -B "/dev/hvc$i" -P h4 > "$out/$role-btattach$i.log" 2>&1 &
done
for _ in $(seq 1 100); do
  [ "$(ls /sys/class/bluetooth 2>/dev/null | grep -c '^hci[0-9]*$')" -ge "$ports" ] && break
  sleep 0.2
done
log "controllers: $(ls /sys/class/bluetooth | tr '\n' ' ')"
[ "${arg[smoke]:-0}" = 1 ] && { sleep 3; btmgmt info; dmesg | grep -i -E "blue|hci" ; finish; }

export HOME=/root XDG_RUNTIME_DIR=/run/user/0
mkdir -p -m 0700 /run/user/0
# a crashing service leaves a core in tmpfs; the host copies it out and prints a backtrace
# (suid_dumpable: bluetoothd drops capabilities, which would otherwise forbid its core)
ulimit -c unlimited && echo '/tmp/core.%E.%p' > /proc/sys/kernel/core_pattern && echo 2 > /proc/sys/fs/suid_dumpable \
  || log "no core dumps: $(ulimit -c) $(cat /proc/sys/kernel/core_pattern)"
node "$agent" --role "$role" --out "$out" --port 7000
log "agent exited: $?"
finish
