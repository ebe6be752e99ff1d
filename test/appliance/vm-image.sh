#!/bin/bash
# Build (or reuse) the Debian VM images the appliance test boots.
#
#   vm-image.sh            prints the image directory on its last line
#
# Two images, both cached under $KASTELL_VM_CACHE (default ~/.cache/kastell-vm)
# by a key of their inputs (this script, the suite, the package lists):
#   base.qcow2      a fresh, minimal Debian: what an operator starts from; the
#                   lynis baseline is measured on it.
#   prepared.qcow2  base plus the packages the roles install, installed natively
#                   in a chroot (dpkg under TCG costs minutes per package set).
#                   The roles still ensure every package; with
#                   KASTELL_VM_PREINSTALL=0 the test starts from base instead.
# Kernel and initrd are extracted for qemu's direct kernel boot.
set -euo pipefail

SUITE="${KASTELL_VM_SUITE:-trixie}"
MIRROR="${KASTELL_VM_MIRROR:-http://deb.debian.org/debian}"
CACHE="${KASTELL_VM_CACHE:-$HOME/.cache/kastell-vm}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# What a bare server has (plus python3/python3-apt for Ansible, lynis to measure).
BASE_PACKAGES="systemd-sysv udev dbus libpam-systemd linux-image-amd64 initramfs-tools openssh-server python3 python3-apt sudo iproute2 ca-certificates lynis procps less"
# What the roles install (ansible/roles/*/defaults): pre-installed to save TCG time.
ROLE_PACKAGES="$(cat "$HERE/role-packages.txt")"
# crowdsec's maintainer scripts need a running systemd: only downloaded here
# (into apt's cache), configured in the VM by the role.
DOWNLOAD_ONLY="crowdsec crowdsec-firewall-bouncer"

key="$(printf '%s\n' "$SUITE" "$MIRROR" "$BASE_PACKAGES" "$ROLE_PACKAGES" "$DOWNLOAD_ONLY" | cat - "$0" | sha256sum | cut -c1-16)"
out="$CACHE/$SUITE-$key"
if [[ -f "$out/ready" ]]; then
  echo "$out"
  exit 0
fi
mkdir -p "$CACHE"
[[ -f "$CACHE/id_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C kastell-vm-test -f "$CACHE/id_ed25519"

work="$(mktemp -d "$CACHE/build.XXXXXX")"
cleanup() {
  cp "$work/apt.log" "$CACHE/last-build-apt.log" 2>/dev/null || true
  for m in proc sys dev/pts dev; do umount -l "$work/root/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
root="$work/root"

echo "[image] debootstrap $SUITE" >&2
debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; exit 1; }

mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
in_root() { chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

cat >"$root/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
SRC
# Services must not start inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
echo "[image] base packages" >&2
in_root apt-get update -q >"$work/apt.log" 2>&1
extra=""
in_root apt-cache show systemd-networkd >/dev/null 2>&1 && extra="systemd-networkd"
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends $BASE_PACKAGES $extra >>"$work/apt.log" 2>&1 \
  || { tail -30 "$work/apt.log" >&2; exit 1; }

echo kastell-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 kastell-vm\n' >"$root/etc/hosts"
printf 'nameserver 10.0.2.3\n' >"$root/etc/resolv.conf"
printf '/dev/vda / ext4 rw,relatime 0 1\n' >"$root/etc/fstab"
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=eth0\n\n[Network]\nAddress=10.0.2.15/24\nGateway=10.0.2.2\nDNS=10.0.2.3\n' >"$root/etc/systemd/network/10-eth0.network"
in_root systemctl enable systemd-networkd.service >/dev/null 2>&1
in_root systemctl enable ssh.service >/dev/null 2>&1 || true
# The operator's account: key only, sudo (as after a typical install).
in_root useradd -m -s /bin/bash -G sudo admin
install -d -m 700 -o 1000 -g 1000 "$root/home/admin/.ssh"
install -m 600 -o 1000 -g 1000 "$CACHE/id_ed25519.pub" "$root/home/admin/.ssh/authorized_keys"
echo 'admin ALL=(ALL) NOPASSWD:ALL' >"$root/etc/sudoers.d/admin"; chmod 440 "$root/etc/sudoers.d/admin"
in_root passwd -d root >/dev/null; in_root passwd -l root >/dev/null
in_root apt-get clean

mkdir -p "$work/out"
cp "$(readlink -f "$root/vmlinuz")" "$work/out/vmlinuz"
cp "$(readlink -f "$root/initrd.img")" "$work/out/initrd.img"

mkimage() { # dir → qcow2
  local dir="$1" name="$2" raw="$work/$2.raw"
  truncate -s 8G "$raw"
  mkfs.ext4 -q -F -L root -d "$dir" "$raw"
  qemu-img convert -O qcow2 "$raw" "$work/out/$name.qcow2"
  rm -f "$raw"
}
rm -f "$root/usr/sbin/policy-rc.d"
for m in dev/pts dev sys proc; do umount -l "$root/$m"; done
echo "[image] base.qcow2" >&2
mkimage "$root" base

echo "[image] prepared: role packages" >&2
mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
in_root apt-get update -q >>"$work/apt.log" 2>&1
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends $ROLE_PACKAGES >>"$work/apt.log" 2>&1 \
  || { tail -30 "$work/apt.log" >&2; exit 1; }
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends --download-only $DOWNLOAD_ONLY >>"$work/apt.log" 2>&1
rm -f "$root/usr/sbin/policy-rc.d"
for m in dev/pts dev sys proc; do umount -l "$root/$m"; done
mkimage "$root" prepared
cp "$work/apt.log" "$work/out/apt.log"

rm -rf "$out"; mv "$work/out" "$out"; touch "$out/ready"
echo "$out"
