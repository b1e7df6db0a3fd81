#!/bin/bash
# The kernel tier's station guest: the busybox guest of run.sh (the same
# initramfs builder, kernel and udevd) with sixty modules on four xHCI
# controllers, from one vmodule-redir, and one scenario in which ONE `qfota
# station` process upgrades them all at once with its default deadlines
# (tests/kernel/guest/scenarios-station.sh); then each module's record is
# checked on its own port. Prints `kernel-test <name> PASS|FAIL`
# lines, the boot and run times, `N passed, N failed`, and exits nonzero on
# any failure. README.md beside this file explains.
# Usage: run-station.sh [BUILD]
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
t_start=$(date +%s.%N)
scenarios="big-station"
# qemu-xhci controllers (their USB 2.0 buses are 1, 3, ...: host.sh
# boot_guest says why, and why not hubs) and the modules on each.
controllers=${STATION_CONTROLLERS:-4} per_controller=${STATION_PER_CONTROLLER:-15}

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
. "$here/host.sh"
die() { echo "kernel-test: $*" >&2; echo "kernel-test station-setup FAIL"; echo "0 passed, 1 failed"; exit 1; }

krel=$(sh "$here/fetch.sh" "$build/kernel") || die "cannot fetch the guest kernel and udev"
work=$build/kernel/run-station
rm -rf "$work"
mkdir -p "$work/payload"
p=$work/payload

ports=()
for ((k = 1; k <= controllers; k++)); do
	for ((i = 1; i <= per_controller; i++)); do ports+=("$((2 * k - 1))-$i"); done
done
pkg=$p/ec200u.pack
"$build/vmodule" pack --profile ec200u --size 1048576 "$pkg" || die "vmodule pack"
to_rev "$pkg" >"$p/ec200u.to"
echo "${ports[*]}" >"$p/station.ports"
t_image=$(date +%s.%N)
sh "$here/initramfs.sh" "$build" "$krel" "$p" "$work/initramfs.cpio" scenarios-station.sh ||
	die "cannot build the initramfs"
image_s=$(elapsed "$t_image")

# Every module an EC200U at the demo pace, each with its own IMEI (the
# adapter adds the module's index to the default).
args=()
for ((i = 1; i <= ${#ports[@]}; i++)); do
	args+=(--socket "$work/ur$i.sock" --port "${ports[i - 1]}")
done
"${VMODULE_REDIR:-$build/vmodule-redir}" --record "$work/record" --pace demo --profile ec200u "${args[@]}" \
	2>"$work/vmodule-redir.log" &
redir_pid=$!
boot_guest 512 "console=ttyS0 quiet loglevel=3 panic=-1" "${ports[@]}"
sum=$(sha "$pkg") size=$(stat -c %s "$pkg") to=$(cat "$p/ec200u.to")
for port in "${ports[@]}"; do
	expect big-station "$port" fota_mode FILE
	expect big-station "$port" fota_end_code 0
	expect big-station "$port" reboots 1
	expect big-station "$port" package_bytes "$size"
	expect big-station "$port" package_sha256 "$sum"
	expect big-station "$port" revision "$to"
	expect big-station "$port" redir_device_connects 2
done

# ---- report ----
boot=$(sed -n 's/^kernel-test-ready \([0-9.]*\).*/\1/p' "$work/results.txt" 2>/dev/null | head -n 1)
echo "kernel-test station-boot-time ${boot:-?} s (guest uptime when the ${#ports[@]} modules were enumerated with option bound)"
report "station guest" "kernel-test station image-time $image_s s, qemu-time $qemu_s s, run-time $(elapsed "$t_start") s" 80
