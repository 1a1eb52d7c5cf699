#!/usr/bin/env bash
# mkimage.sh ROOTFS IMG FAT_MIB SPARE_MIB — an MBR disk image without loop devices or mounts:
# p1 FAT32 "RASPIFIRM" (ROOTFS/boot/firmware: Pi firmware, kernel, initrd, DTBs, config.txt)
# p2 ext4 "RASPIROOT" (the rest), sized to contents + 15 % + SPARE_MIB.
set -euo pipefail
rootfs=$1 img=$2 fat_mib=$3 spare_mib=$4
tmp=$(mktemp -d "$(dirname "$img")/mkimage.XXXX")
trap 'rm -rf "$tmp"' EXIT
offset_mib=4

mkfs.vfat -F 32 -n RASPIFIRM -C "$tmp/fat.img" $((fat_mib * 1024)) >/dev/null
mcopy -s -p -i "$tmp/fat.img" "$rootfs"/boot/firmware/* ::

# The ext4 gets an empty /boot/firmware mount point.
mv "$rootfs/boot/firmware" "$tmp/firmware" && mkdir "$rootfs/boot/firmware"
used_mib=$(du -sm --apparent-size "$rootfs" | cut -f1)
root_mib=$((used_mib * 115 / 100 + spare_mib))
mkfs.ext4 -q -L RASPIROOT -d "$rootfs" -E root_owner=0:0 "$tmp/root.img" "${root_mib}M"
rmdir "$rootfs/boot/firmware" && mv "$tmp/firmware" "$rootfs/boot/firmware"

rm -f "$img"
truncate -s $(((offset_mib + fat_mib + root_mib) * 1024 * 1024)) "$img"
sfdisk -q "$img" <<PARTS
label: dos
start=${offset_mib}MiB, size=${fat_mib}MiB, type=c, bootable
start=$((offset_mib + fat_mib))MiB, type=83
PARTS
dd if="$tmp/fat.img" of="$img" bs=1M seek=$offset_mib conv=notrunc,sparse status=none
dd if="$tmp/root.img" of="$img" bs=1M seek=$((offset_mib + fat_mib)) conv=notrunc,sparse status=none
