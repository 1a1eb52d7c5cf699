#!/bin/sh
# Initramfs /init: the host's / read-only over 9p, a tmpfs overlay on top, then the
# lab's stage 2 (named by lab.init= on the kernel command line) as PID 1.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r ko; do insmod "/mods/$ko" 2>/dev/null; done < /mods/order
stage2=
for arg in $(cat /proc/cmdline); do
  case "$arg" in lab.init=*) stage2=${arg#lab.init=} ;; esac
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower || { echo "init: 9p mount failed"; exec sh; }
mount -t tmpfs -o size=512m tmpfs /upper
mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /newroot || { echo "init: overlay failed"; exec sh; }
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/bash "$stage2"
