#!/bin/sh
# Boot configuration, enabled units, and the single initramfs build.
set -eu
r=$1
# raspi-firmware writes cmdline.txt from these (not from the build host's root device).
cat > "$r/etc/default/raspi-firmware" <<CONF
ROOTPART=LABEL=RASPIROOT
CONSOLES="tty0 ttyS1,115200"
CMA=0
KERNEL_ARCH=arm64
CONF
chroot "$r" systemctl enable systemd-networkd.service systemd-resolved.service systemd-timesyncd.service \
  avahi-daemon.service ssh.service bluetooth.service blueline-firstboot.service blueline-ssh-keygen.service
# Never wait for a network at boot (no Ethernet, no Wi-Fi settings yet); never prompt on a console.
chroot "$r" systemctl mask systemd-networkd-wait-online.service systemd-firstboot.service
chroot "$r" systemctl set-default multi-user.target
# Host keys are per device: made at first boot by blueline-ssh-keygen.service.
rm -f "$r"/etc/ssh/ssh_host_*

rm -f "$r/usr/sbin/update-initramfs"
chroot "$r" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
for kver in $(ls "$r/lib/modules"); do
  chroot "$r" update-initramfs -c -k "$kver"
done
