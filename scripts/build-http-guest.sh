#!/usr/bin/env bash
# Builds the HTTP test guest: a bootable raw disk image with Debian's Linux kernel and a busybox
# initramfs whose init gets an address by DHCP and serves HTTP on port 80. Health-check and
# zero-downtime tests need a guest with a network stack; the sample unikernel has none.
#
#   scripts/build-http-guest.sh [--tag TAG] [--panic] [--firmware bios|uefi] [--out FILE]
#
#   --tag TAG        release tag baked into the image (default v1): GET / answers
#                    "unideploy-http-guest TAG" and the console prints "READY unideploy-http-guest TAG"
#   --panic          the guest's init exits right after boot, so the kernel prints "Kernel panic"
#   --firmware F     bios (default: MBR, FAT16, SYSLINUX) or uefi (GPT, EFI system partition,
#                    systemd-boot)
#   --out FILE       copy the image there; without it the cached image's path is printed
#
# The image's path is the last line on stdout; progress goes to stderr. The disk is 32 MiB raw
# with about 15 MiB of data, and boots from virtio-blk, virtio-scsi, NVMe and IDE/AHCI alike (the
# firmware loads kernel and initramfs; the guest itself never touches the disk).
#
# Reproducible: the same inputs (this script, the Debian packages' versions, the host's syslinux,
# mtools, dosfstools and fdisk versions, SOURCE_DATE_EPOCH) give a byte-identical image. Downloads,
# the extracted kernel and built images are cached in ${UNIDEPLOY_TOOLS:-~/.cache/unideploy-tools}/
# http-guest/, so only the first build downloads anything; what has not been used for 30 days is
# removed from there. Needs Debian or Ubuntu: the host tools
# are installed with apt-get when missing (as root; otherwise the error names the command to run).
set -euo pipefail
shopt -s inherit_errexit # a failing $(...) fails the script too

TAG=v1
PANIC=no
FIRMWARE=bios
OUT=
usage() { sed -n '6,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) [ $# -ge 2 ] || usage; TAG=$2; shift 2 ;;
    --tag=*) TAG=${1#*=}; shift ;;
    --panic) PANIC=yes; shift ;;
    --firmware) [ $# -ge 2 ] || usage; FIRMWARE=$2; shift 2 ;;
    --firmware=*) FIRMWARE=${1#*=}; shift ;;
    --out) [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
    --out=*) OUT=${1#*=}; shift ;;
    -h | --help) usage 0 ;;
    *) echo "build-http-guest: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf 'build-http-guest: %s\n' "$*" >&2; }
die() { printf 'build-http-guest: error: %s\n' "$*" >&2; exit 1; }

[[ $TAG =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] \
  || die "bad --tag '$TAG': use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
case "$FIRMWARE" in bios | uefi) ;; *) die "bad --firmware '$FIRMWARE': use bios or uefi" ;; esac

SCRIPT=$(readlink -f "$0")
TOOLS="${UNIDEPLOY_TOOLS:-$HOME/.cache/unideploy-tools}"
CACHE="$TOOLS/http-guest"
# Every timestamp in the image (cpio entries, FAT directory entries written by mtools) is this
# one; a build system that sets SOURCE_DATE_EPOCH gets its own. https://reproducible-builds.org/specs/source-date-epoch/
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1704067200}"
export LC_ALL=C TZ=UTC
umask 022

# The Debian packages that go into the guest. The cloud kernel, not linux-image-amd64: it is
# LZ4-compressed, and under TCG decompressing the generic kernel's XZ payload alone takes ~5 s
# (READY after ~3 s instead of ~8 s). It has no e1000 driver, so the guest's NIC is virtio-net.
KERNEL_META=linux-image-cloud-amd64
BUSYBOX_PKG=busybox-static
SDBOOT_PKG=systemd-boot-efi
# The modules the guest loads (with what they depend on): the virtio-net NIC, and the ACPI power
# button with its event device, so that a cloud-style "stop" (ACPI power-off) shuts it down.
GUEST_MODULES="virtio_pci virtio_net button evdev"
# The console is COM1 for kernel and init alike. panic=0: a panicked guest hangs as it would on a
# cloud VM, instead of rebooting (QEMU's -no-reboot would turn a reboot into an exit).
KERNEL_ARGS="console=ttyS0,115200 panic=0"

DISK_MIB=32     # virtual disk size
PART_START=2048 # first partition at 1 MiB, in 512-byte sectors
# Fixed identifiers instead of random ones (mkfs.fat and sfdisk would pick new ones per run).
FAT_SERIAL=75644701
MBR_ID=0x75644701
GPT_DISK_GUID=9A6F3E0C-4D5B-4C1E-8E2A-756E69646570
GPT_ESP_GUID=5E1F2B7A-0C3D-4E8F-9A61-756E69646571
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B

mkdir -p "$CACHE/debs" "$CACHE/kernel" "$CACHE/images" "$CACHE/tmp"
# One build at a time per cache: two tests or checkouts building at once share the downloads.
exec 7>"$CACHE/.lock"
flock 7

T0=$SECONDS
WORK=$(mktemp -d "$CACHE/tmp/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

APT_UPDATED=no
apt_update() {
  [ "$APT_UPDATED" = no ] || return 0
  [ "$(id -u)" = 0 ] || die "the package lists need 'apt-get update', which needs root: run 'sudo apt-get update', then this script again"
  log "apt-get update"
  apt-get update -qq >"$WORK/apt-update.log" 2>&1 || { cat "$WORK/apt-update.log" >&2; die "apt-get update failed (output above): check the network and /etc/apt/sources.list"; }
  APT_UPDATED=yes
}

# Host tools: command -> Debian package.
ensure_host_tools() {
  local missing=() pair cmd pkg
  for pair in mcopy:mtools mkfs.fat:dosfstools syslinux:syslinux sfdisk:fdisk cpio:cpio \
    modinfo:kmod gzip:gzip dpkg-deb:dpkg sha256sum:coreutils flock:util-linux; do
    cmd=${pair%%:*} pkg=${pair#*:}
    PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null || missing+=("$pkg")
  done
  [ -f /usr/lib/syslinux/mbr/mbr.bin ] || missing+=(syslinux-common)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing tools (${missing[*]}) and no apt-get: this script needs Debian or Ubuntu"
  [ "$(id -u)" = 0 ] || die "missing tools: run 'sudo apt-get install ${missing[*]}', then this script again"
  log "installing ${missing[*]} with apt-get"
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$WORK/apt-install.log" 2>&1 \
    || { cat "$WORK/apt-install.log" >&2; die "apt-get install ${missing[*]} failed (output above)"; }
}
ensure_host_tools
export PATH="$PATH:/usr/sbin:/sbin"

# Resolves the guest's packages to "ROLE PACKAGE VERSION SHA256" lines (kernel, busybox, sdboot)
# from the local package lists. apt-cache takes ~0.7 s a call, so the answer is kept until the
# lists change (apt-get update rewrites them).
resolve_packages() {
  local stamp file info kernel try
  for try in 1 2; do
    stamp=$( {
      stat -c '%n %Y %s' /var/lib/apt/lists/*_Packages* 2>/dev/null || true
      echo "$KERNEL_META $BUSYBOX_PKG $SDBOOT_PKG"
    } | sha256sum | cut -c1-16)
    file="$CACHE/resolved/$stamp"
    if [ -s "$file" ]; then cat "$file"; return 0; fi
    info=$(apt-cache show --no-all-versions "$KERNEL_META" "$BUSYBOX_PKG" "$SDBOOT_PKG" 2>/dev/null | stanzas) || info=
    kernel=$(awk -v p="$KERNEL_META" '$1 == p { print $4 }' <<<"$info" | tr ',|' '\n' \
      | sed -n 's/^\(linux-image-[^(]*\).*/\1/p' | head -n1)
    if [ -n "$kernel" ] && grep -q "^$BUSYBOX_PKG " <<<"$info" && grep -q "^$SDBOOT_PKG " <<<"$info"; then
      info+=$'\n'$(apt-cache show --no-all-versions "$kernel" 2>/dev/null | stanzas) || true
      if grep -q "^$kernel " <<<"$info"; then
        mkdir -p "$CACHE/resolved"
        awk -v k="$kernel" -v b="$BUSYBOX_PKG" -v s="$SDBOOT_PKG" '
          $1 == k { print "kernel", $1, $2, $3 } $1 == b { print "busybox", $1, $2, $3 }
          $1 == s { print "sdboot", $1, $2, $3 }' <<<"$info" >"$file.tmp"
        mv "$file.tmp" "$file"
        cat "$file"
        return 0
      fi
    fi
    [ "$try" = 1 ] || die "$KERNEL_META, $BUSYBOX_PKG or $SDBOOT_PKG is not in the package lists: is this Debian 12 (bookworm) with main enabled?"
    apt_update
  done
}

# apt-cache show output -> one "PACKAGE VERSION SHA256 DEPENDS" line per package.
stanzas() {
  awk -v RS= '{
    pkg = ver = sha = dep = ""
    n = split($0, l, "\n")
    for (i = 1; i <= n; i++) {
      if (l[i] ~ /^Package: /) pkg = substr(l[i], 10)
      else if (l[i] ~ /^Version: /) ver = substr(l[i], 10)
      else if (l[i] ~ /^SHA256: /) sha = substr(l[i], 9)
      else if (l[i] ~ /^Depends: /) { dep = substr(l[i], 10); gsub(/ /, "", dep) }
    }
    print pkg, ver, sha, dep
  }'
}

# Downloads a package once into the cache, named by its SHA256, and sets DEB to its path.
# Returns 1 when the download failed (stale lists name a version the mirror no longer has).
fetch_deb() {
  local pkg=$1 ver=$2 sha=$3
  DEB="$CACHE/debs/${pkg}_${sha:0:16}.deb"
  [ ! -f "$DEB" ] || return 0
  log "downloading $pkg $ver"
  rm -rf "$WORK/dl" && mkdir -p "$WORK/dl"
  # As root, apt's _apt sandbox user could not write here; the download is checked against the
  # lists' SHA256 below anyway.
  (cd "$WORK/dl" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" "$pkg=$ver") >"$WORK/dl.log" 2>&1 \
    || return 1
  local got
  got=$(sha256sum "$WORK/dl/"*.deb | cut -d' ' -f1)
  [ "$got" = "$sha" ] || die "$pkg $ver downloaded with SHA256 $got, the package lists say $sha: run apt-get update and retry"
  mv "$WORK/dl/"*.deb "$DEB"
}

# Sets KERNEL_DEB, BUSYBOX_DEB and SDBOOT_DEB (uefi only); refreshes the lists once
# when a download fails.
fetch_all() {
  local try role pkg ver sha resolved
  for try in 1 2; do
    local failed=
    resolved=$(resolve_packages)
    while read -r role pkg ver sha; do
      [ "$role" != sdboot ] || [ "$FIRMWARE" = uefi ] || continue
      if ! fetch_deb "$pkg" "$ver" "$sha"; then failed="$pkg=$ver"; break; fi
      case "$role" in
        kernel) KERNEL_DEB=$DEB ;;
        busybox) BUSYBOX_DEB=$DEB ;;
        sdboot) SDBOOT_DEB=$DEB ;;
      esac
    done <<<"$resolved"
    [ -n "$failed" ] || return 0
    if [ "$try" = 2 ] || [ "$(id -u)" != 0 ]; then
      cat "$WORK/dl.log" >&2
      die "apt-get download $failed failed (output above): run apt-get update and retry"
    fi
    apt_update
  done
}

# Extracts the kernel once per package: vmlinuz and the guest modules with their dependencies,
# in load order (modules.load). The full package is ~400 MiB unpacked; the kit is ~9 MiB.
kernel_kit() {
  local deb=$1 kit
  kit="$CACHE/kernel/$(basename "$deb" .deb)-$(sha256sum <<<"$GUEST_MODULES" | cut -c1-8)"
  if [ -f "$kit/modules.load" ]; then touch "$kit"; echo "$kit"; return 0; fi
  log "extracting $(basename "$deb")"
  local x="$WORK/kernel-x" tmp="$kit.tmp"
  rm -rf "$x" "$tmp" && mkdir -p "$x" "$tmp/modules"
  dpkg-deb -x "$deb" "$x"
  local kver
  kver=$(ls "$x/lib/modules")
  [ "$(wc -w <<<"$kver")" = 1 ] || die "expected one kernel version in $deb, found: $kver"
  cp "$x/boot/vmlinuz-$kver" "$tmp/vmlinuz"
  cp "$x/boot/config-$kver" "$tmp/config"
  echo "$kver" >"$tmp/version"
  # Depth-first over modinfo's depends, so every module follows what it needs.
  local -A path=() seen=()
  local f
  while IFS= read -r f; do path[$(basename "$f" .ko)]=$f; done \
    < <(find "$x/lib/modules/$kver" -name '*.ko' | sort)
  : >"$tmp/modules.load"
  visit() {
    local name=${1//-/_} dep
    [ -z "${seen[$name]:-}" ] || return 0
    seen[$name]=1
    [ -n "${path[$name]:-}" ] || {
      grep -q "/$name.ko\$" "$x/lib/modules/$kver/modules.builtin" 2>/dev/null && return 0
      die "module $name is neither in $deb nor built into its kernel"
    }
    for dep in $(modinfo -F depends "${path[$name]}" | tr ',' ' '); do visit "$dep"; done
    cp "${path[$name]}" "$tmp/modules/$name.ko"
    echo "$name" >>"$tmp/modules.load"
  }
  local m
  for m in $GUEST_MODULES; do visit "$m"; done
  rm -rf "$x" "$kit"
  mv "$tmp" "$kit"
  echo "$kit"
}

KERNEL_DEB='' BUSYBOX_DEB='' SDBOOT_DEB=''
fetch_all

# Everything the image's bytes depend on; the image cache is keyed by its hash.
host_versions=$(dpkg-query -W -f='${Package}=${Version}\n' syslinux syslinux-common mtools dosfstools fdisk cpio gzip 2>/dev/null | sort)
KEY=$( {
  sha256sum "$SCRIPT" | cut -d' ' -f1
  basename "$KERNEL_DEB"; basename "$BUSYBOX_DEB"; basename "${SDBOOT_DEB:-none}"
  echo "$host_versions"
  echo "tag=$TAG panic=$PANIC firmware=$FIRMWARE epoch=$SOURCE_DATE_EPOCH"
} | sha256sum | cut -c1-20)
suffix=''
[ "$PANIC" = no ] || suffix=-panic
IMAGE="$CACHE/images/http-guest-$TAG$suffix-$FIRMWARE-$KEY.img"

deliver() {
  if [ -n "$OUT" ]; then
    mkdir -p "$(dirname "$OUT")"
    cp --sparse=always "$IMAGE" "$OUT.tmp.$$" && mv "$OUT.tmp.$$" "$OUT"
    echo "$OUT"
  else
    echo "$IMAGE"
  fi
}
# Drops what no build has used for 30 days (each use touches it): images of older script
# versions, packages and kernels that Debian has replaced since.
prune() {
  touch "$KERNEL_DEB" "$BUSYBOX_DEB" ${SDBOOT_DEB:+"$SDBOOT_DEB"}
  find "$CACHE/images" "$CACHE/debs" "$CACHE/resolved" -maxdepth 1 -type f -mtime +30 -delete 2>/dev/null || true
  find "$CACHE/kernel" -mindepth 1 -maxdepth 1 -type d -mtime +30 -exec rm -rf {} + 2>/dev/null || true
  # Holding the lock, any other work directory is left over from a killed build.
  find "$CACHE/tmp" -mindepth 1 -maxdepth 1 ! -path "$WORK" -exec rm -rf {} + 2>/dev/null || true
}
if [ -f "$IMAGE" ]; then
  touch "$IMAGE"
  prune
  log "cached: $IMAGE ($((SECONDS - T0)) s)"
  deliver
  exit 0
fi

KIT=$(kernel_kit "$KERNEL_DEB")
log "building $TAG$suffix ($FIRMWARE) with kernel $(cat "$KIT/version")"

# --- initramfs ------------------------------------------------------------------------------
ROOT="$WORK/initramfs"
mkdir -p "$ROOT"/{bin,dev,etc,proc,sys,tmp,www,lib/modules}
dpkg-deb --fsys-tarfile "$BUSYBOX_DEB" | tar -x -C "$WORK" ./bin/busybox
cp "$WORK/bin/busybox" "$ROOT/bin/busybox"
# Only the applets init and the DHCP hook call.
for applet in sh mount insmod ip udhcpc httpd sleep cat grep hostname seq sed dd poweroff; do
  ln -s busybox "$ROOT/bin/$applet"
done
while read -r m; do cp "$KIT/modules/$m.ko" "$ROOT/lib/modules/"; done <"$KIT/modules.load"
cp "$KIT/modules.load" "$ROOT/etc/modules"
echo "$TAG" >"$ROOT/etc/guest-tag"
[ "$PANIC" = no ] || echo "built with --panic" >"$ROOT/etc/panic"
echo "unideploy-http-guest $TAG" >"$ROOT/www/index.html"
echo "ok" >"$ROOT/www/healthz"

cat >"$ROOT/init" <<'INIT'
#!/bin/sh
# PID 1 of the unideploy HTTP test guest: network by DHCP, then busybox httpd on port 80.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
TAG=$(cat /etc/guest-tag)
NAME="unideploy-http-guest $TAG"
fail() { echo "FAILED $NAME: $*"; exit 1; } # init exiting makes the kernel panic, loudly
if [ -e /etc/panic ]; then
  echo "$NAME: $(cat /etc/panic): init exits now"
  exit 1
fi
hostname unideploy-http-guest
for m in $(cat /etc/modules); do insmod "/lib/modules/$m.ko" || fail "insmod $m"; done
# ACPI power button (QEMU's system_powerdown, a cloud's stop): power off at once. Each key
# event is a struct input_event, 24 bytes on x86-64; evdev refuses shorter reads.
for ev in /sys/class/input/event*; do
  grep -q 'Power Button' "$ev/device/name" 2>/dev/null || continue
  (dd if="/dev/input/${ev##*/}" of=/dev/null bs=24 count=1 2>/dev/null \
    && echo "$NAME: power button pressed: powering off" && poweroff -f) &
done
ip link set lo up
iface=
for _ in $(seq 1 100); do
  for n in /sys/class/net/*; do
    n=${n##*/}
    [ "$n" = lo ] || { iface=$n; break; }
  done
  [ -n "$iface" ] && break
  sleep 0.1
done
[ -n "$iface" ] || fail "no network interface (this guest drives virtio-net NICs only)"
ip link set "$iface" up
udhcpc -i "$iface" -s /etc/udhcpc.sh -q -f -n -t 20 -T 1 >/dev/null 2>&1 || fail "no DHCP lease on $iface"
httpd -f -p 80 -h /www &
HTTPD=$!
listening() { grep -q ':0050 [0-9A-F]*:0000 0A ' /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
i=0
until listening; do
  i=$((i + 1))
  [ $i -lt 200 ] || fail "httpd does not listen on port 80"
  sleep 0.05
done
echo "READY $NAME ($(ip -4 -o addr show dev "$iface" | sed -n 's/.* inet \([^ ]*\).*/\1/p'))"
wait $HTTPD
fail "httpd exited"
INIT
cat >"$ROOT/etc/udhcpc.sh" <<'DHCP'
#!/bin/sh
# udhcpc hook: applies the lease (busybox passes ip, mask as a prefix length, router).
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound | renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done ;;
esac
exit 0
DHCP
chmod 0755 "$ROOT/init" "$ROOT/etc/udhcpc.sh" "$ROOT/bin/busybox"
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# Sorted names, owner root, fixed inode numbers (--reproducible), gzip without name or time.
(cd "$ROOT" && find . -mindepth 1 | sort | cpio --quiet -o -H newc -R 0:0 --reproducible) \
  | gzip -n -9 >"$WORK/initrd"

# --- boot partition -------------------------------------------------------------------------
PART="$WORK/part.img"
# GPT keeps a backup table in the disk's last 33 sectors: leave the last MiB to it.
part_sectors=$(((DISK_MIB << 11) - PART_START))
[ "$FIRMWARE" = bios ] || part_sectors=$((part_sectors - 2048))
truncate -s $((part_sectors * 512)) "$PART"
mkfs.fat --invariant -i "$FAT_SERIAL" -F 16 -n UNIDEPLOY -h "$PART_START" "$PART" >/dev/null
cp "$KIT/vmlinuz" "$WORK/vmlinuz"
touch -d "@$SOURCE_DATE_EPOCH" "$WORK/vmlinuz" "$WORK/initrd"
mput() { mcopy -m -o -i "$PART" "$1" "::$2"; } # -m: the source's (fixed) mtime
mput "$WORK/vmlinuz" /vmlinuz
mput "$WORK/initrd" /initrd
if [ "$FIRMWARE" = bios ]; then
  printf '%s\n' "SERIAL 0 115200" "DEFAULT guest" "PROMPT 0" "TIMEOUT 0" "LABEL guest" \
    "  KERNEL /vmlinuz" "  INITRD /initrd" "  APPEND $KERNEL_ARGS" >"$WORK/syslinux.cfg"
  touch -d "@$SOURCE_DATE_EPOCH" "$WORK/syslinux.cfg"
  mput "$WORK/syslinux.cfg" /syslinux.cfg
  syslinux --install "$PART"
else
  mkdir -p "$WORK/sdboot"
  dpkg-deb --fsys-tarfile "$SDBOOT_DEB" | tar -x -C "$WORK/sdboot" ./usr/lib/systemd/boot/efi/systemd-bootx64.efi
  printf '%s\n' "default guest.conf" "timeout 0" "editor no" "auto-entries no" "auto-firmware no" \
    "random-seed-mode off" >"$WORK/loader.conf"
  printf '%s\n' "title unideploy-http-guest $TAG" "linux /vmlinuz" "initrd /initrd" \
    "options $KERNEL_ARGS" >"$WORK/guest.conf"
  touch -d "@$SOURCE_DATE_EPOCH" "$WORK/loader.conf" "$WORK/guest.conf" \
    "$WORK/sdboot/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
  for d in /EFI /EFI/BOOT /loader /loader/entries; do mmd -i "$PART" "::$d"; done
  mput "$WORK/sdboot/usr/lib/systemd/boot/efi/systemd-bootx64.efi" /EFI/BOOT/BOOTX64.EFI
  mput "$WORK/loader.conf" /loader/loader.conf
  mput "$WORK/guest.conf" /loader/entries/guest.conf
fi

# --- disk -----------------------------------------------------------------------------------
DISK="$WORK/disk.img"
truncate -s "${DISK_MIB}M" "$DISK"
if [ "$FIRMWARE" = bios ]; then
  printf 'label: dos\nlabel-id: %s\nunit: sectors\nstart=%s, size=%s, type=e, bootable\n' "$MBR_ID" "$PART_START" "$part_sectors" \
    | sfdisk --quiet --no-reread --no-tell-kernel "$DISK"
  # SYSLINUX's MBR code: loads the active partition's boot sector, which loads ldlinux.sys.
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$DISK" bs=440 count=1 conv=notrunc status=none
else
  printf 'label: gpt\nlabel-id: %s\nunit: sectors\nfirst-lba: %s\nstart=%s, size=%s, type=%s, uuid=%s, name="EFI system partition"\n' \
    "$GPT_DISK_GUID" "$PART_START" "$PART_START" "$part_sectors" "$ESP_TYPE" "$GPT_ESP_GUID" \
    | sfdisk --quiet --no-reread --no-tell-kernel "$DISK"
fi
dd if="$PART" of="$DISK" bs=1M seek=$((PART_START / 2048)) conv=notrunc,sparse status=none
mv "$DISK" "$IMAGE.tmp"
mv "$IMAGE.tmp" "$IMAGE"
prune
log "built $IMAGE in $((SECONDS - T0)) s ($(du -k "$IMAGE" | cut -f1) KiB of data, initramfs $(($(stat -c %s "$WORK/initrd") / 1024)) KiB)"
deliver
