#!/bin/bash
# make check-kernel: boots a real Debian kernel with systemd-udevd in qemu
# (TCG), attaches four virtual modules through usb-redir (build/vmodule-redir,
# the same model as build/vmodule), runs tests/kernel/guest/scenarios.sh
# inside, and checks what the modules recorded. Prints one
# `kernel-test <name> PASS|FAIL` line per scenario, the boot and run times,
# and exits nonzero on any failure. README.md beside this file explains.
# Usage: run.sh [BUILD]
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
t_start=$(date +%s.%N)
scenarios="qfota-list udev-rules ec200u-file-upgrade option-rebound dfota-upload station-policy unplug-mid-stream"
unplug_at=300000

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
. "$here/host.sh"
die() { echo "kernel-test: $*" >&2; echo "kernel-test setup FAIL"; echo "0 passed, 1 failed"; exit 1; }

krel=$(sh "$here/fetch.sh" "$build/kernel") || die "cannot fetch the guest kernel and udev"
work=$build/kernel/run
rm -rf "$work"
mkdir -p "$work/payload"

# Packages, and the revision each one upgrades to (to_rev, from_rev: host.sh).
"$build/vmodule" pack --profile ec200u --size 1048576 "$work/payload/ec200u.pack" || die "vmodule pack"
"$build/vmodule" pack --profile eg25 --size 300001 "$work/payload/eg25.zip" || die "vmodule pack"
to_rev "$work/payload/ec200u.pack" >"$work/payload/ec200u.to"
to_rev "$work/payload/eg25.zip" >"$work/payload/eg25.to"
from_rev "$work/payload/ec200u.pack" >"$work/payload/ec200u.from"
sh "$here/initramfs.sh" "$build" "$krel" "$work/payload" "$work/initramfs.cpio" || die "cannot build the initramfs"

# The modules listen, qemu connects (server=off): sockets exist before qemu.
"${VMODULE_REDIR:-$build/vmodule-redir}" --record "$work/record" --pace demo \
	--socket "$work/ur1.sock" --profile ec200u --port 1-1 \
	--socket "$work/ur2.sock" --profile eg25 --port 1-2 \
	--socket "$work/ur3.sock" --profile ec200u --port 1-3 --pace usb2 --fault "unplug-byte:$unplug_at" \
	--socket "$work/ur4.sock" --profile ec200u --port 1-4 --pace demo \
	2>"$work/vmodule-redir.log" &
redir_pid=$!
boot_guest 512 "console=ttyS0 quiet loglevel=3 panic=-1" 1-1 1-2 1-3 1-4
pkg=$work/payload/ec200u.pack
expect ec200u-file-upgrade 1-1 fota_mode FILE
expect ec200u-file-upgrade 1-1 fota_end_code 0
expect ec200u-file-upgrade 1-1 reboots 1
expect ec200u-file-upgrade 1-1 package_bytes "$(stat -c %s "$pkg")"
expect ec200u-file-upgrade 1-1 package_sha256 "$(sha "$pkg")"
expect ec200u-file-upgrade 1-1 revision "$(cat "$work/payload/ec200u.to")"
expect ec200u-file-upgrade 1-1 redir_device_connects 2
pkg=$work/payload/eg25.zip
expect dfota-upload 1-2 fota_mode LOCAL
expect dfota-upload 1-2 fota_end_code 0
expect dfota-upload 1-2 reboots 2
expect dfota-upload 1-2 package_bytes "$(stat -c %s "$pkg")"
expect dfota-upload 1-2 package_sha256 "$(sha "$pkg")"
expect dfota-upload 1-2 revision "$(cat "$work/payload/eg25.to")"
expect dfota-upload 1-2 redir_device_connects 3
expect station-policy 1-4 fota_mode FILE
expect station-policy 1-4 fota_end_code 0
expect station-policy 1-4 reboots 1
expect station-policy 1-4 package_sha256 "$(sha "$work/payload/ec200u.pack")"
expect station-policy 1-4 revision "$(cat "$work/payload/ec200u.to")"
expect station-policy 1-4 redir_device_connects 2
expect station-policy 1-2 redir_device_connects 3
expect unplug-mid-stream 1-3 presence gone
expect unplug-mid-stream 1-3 package_bytes "$unplug_at"
expect unplug-mid-stream 1-3 fota_end_code -1
expect unplug-mid-stream 1-3 redir_device_disconnects 1

# ---- report ----
boot=$(sed -n 's/^kernel-test-ready \([0-9.]*\).*/\1/p' "$work/results.txt" 2>/dev/null | head -n 1)
echo "kernel-test boot-time ${boot:-?} s (guest uptime when the 4 modules were enumerated with option bound)"
report "guest" "kernel-test qemu-time $qemu_s s, run-time $(elapsed "$t_start") s (with download and initramfs)" 60
