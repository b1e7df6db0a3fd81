#!/bin/bash
# The kernel tier's second guest: Debian's systemd as PID 1 (with its udevd,
# journald, dbus, polkitd and ModemManager), qfota installed by `make install`
# with README's station set-up, four virtual modules plugged in after boot.
# Runs tests/kernel/guest/scenarios-systemd.sh inside and checks what the
# modules recorded. Prints `kernel-test <name> PASS|FAIL|SKIP` lines, the boot
# and run times, `N passed, N failed` (SKIP is neither), and exits nonzero on
# any failure. README.md beside this file explains.
# Usage: run-systemd.sh [BUILD]
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
t_start=$(date +%s.%N)
scenarios="auto-retrigger auto-plug-systemd journal-fields auto-multi-hop mm-inhibit"

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
. "$here/host.sh"
die() { echo "kernel-test: $*" >&2; echo "kernel-test systemd-setup FAIL"; echo "0 passed, 1 failed"; exit 1; }

krel=$(sh "$here/fetch.sh" "$build/kernel") || die "cannot fetch the guest kernel and udev"
sdroot=$(sh "$here/fetch-systemd.sh" "$build/kernel") || die "cannot fetch the systemd guest's packages"
work=$build/kernel/run-systemd
rm -rf "$work"
mkdir -p "$work/payload"
p=$work/payload

# Packages and the policy (to_rev, from_rev: host.sh).
vm=$build/vmodule
$vm pack --profile ec200u --size 1048576 "$p/ec200u.pack" || die "vmodule pack"
$vm pack --profile eg25 --size 8388608 "$p/eg25.zip" || die "vmodule pack"
$vm pack --profile ep06 --size 300001 --to EP06ELAR04A06M4G "$p/ep06-ab.zip" || die "vmodule pack"
$vm pack --profile ep06 --size 300001 --from EP06ELAR04A06M4G --to EP06ELAR04A07M4G "$p/ep06-bc.zip" || die "vmodule pack"
to_rev "$p/ec200u.pack" >"$p/ec200u.to"
from_rev "$p/ec200u.pack" >"$p/ec200u.from"
to_rev "$p/eg25.zip" >"$p/eg25.to"
from_rev "$p/ep06-ab.zip" >"$p/ep06.from"
to_rev "$p/ep06-bc.zip" >"$p/ep06.to"
{
	echo "# qfota kernel tier (systemd guest): /etc/qfota/policy.conf"
	echo "model=EC200U from=$(cat "$p/ec200u.from") to=$(cat "$p/ec200u.to") file=/srv/qfota/ec200u.pack"
	echo "model=EG25 from=$(from_rev "$p/eg25.zip") to=$(cat "$p/eg25.to") upload=/srv/qfota/eg25.zip"
	echo "model=EP06 from=$(cat "$p/ep06.from") to=EP06ELAR04A06M4G upload=/srv/qfota/ep06-ab.zip"
	echo "model=EP06 from=EP06ELAR04A06M4G to=$(cat "$p/ep06.to") upload=/srv/qfota/ep06-bc.zip"
} >"$p/policy.conf"
t_image=$(date +%s.%N)
sh "$here/initramfs-systemd.sh" "$build" "$krel" "$sdroot" "$p" "$work/initramfs.cpio" ||
	die "cannot build the systemd guest"
image_s=$(elapsed "$t_image")

"${VMODULE_REDIR:-$build/vmodule-redir}" --record "$work/record" --pace demo \
	--socket "$work/ur1.sock" --profile ec200u --port 1-1 \
	--socket "$work/ur2.sock" --profile ep06 --port 1-2 \
	--socket "$work/ur3.sock" --profile eg25 --port 1-3 \
	--socket "$work/ur4.sock" --profile ec200u --port 1-4 \
	2>"$work/vmodule-redir.log" &
redir_pid=$!
boot_guest 1280 "console=ttyS0 quiet loglevel=3 panic=-1 systemd.unit=kernel-test.target systemd.show_status=auto" \
	1-1 1-2 1-3 1-4
expect auto-plug-systemd 1-1 fota_mode FILE
expect auto-plug-systemd 1-1 fota_end_code 0
expect auto-plug-systemd 1-1 reboots 2
expect auto-plug-systemd 1-1 package_bytes "$(stat -c %s "$p/ec200u.pack")"
expect auto-plug-systemd 1-1 package_sha256 "$(sha "$p/ec200u.pack")"
expect auto-plug-systemd 1-1 revision "$(cat "$p/ec200u.to")"
expect auto-retrigger 1-3 fota_mode LOCAL
expect auto-retrigger 1-3 fota_end_code 0
expect auto-retrigger 1-3 reboots 2
expect auto-retrigger 1-3 package_sha256 "$(sha "$p/eg25.zip")"
expect auto-retrigger 1-3 revision "$(cat "$p/eg25.to")"
expect auto-retrigger 1-3 redir_device_connects 3
expect auto-multi-hop 1-2 fota_end_code 0
expect auto-multi-hop 1-2 reboots 4
expect auto-multi-hop 1-2 revision "$(cat "$p/ep06.to")"
expect mm-inhibit 1-4 fota_mode FILE
expect mm-inhibit 1-4 fota_end_code 0
expect mm-inhibit 1-4 reboots 1
expect mm-inhibit 1-4 package_sha256 "$(sha "$p/ec200u.pack")"
expect mm-inhibit 1-4 revision "$(cat "$p/ec200u.to")"

# ---- report ----
boot=$(sed -n 's/^kernel-test-ready \([0-9.]*\).*/\1/p' "$work/results.txt" 2>/dev/null | head -n 1)
echo "kernel-test systemd-boot-time ${boot:-?} s (guest uptime when the 4 modules were enumerated, systemd up)"
report "systemd guest" "kernel-test systemd image-time $image_s s, qemu-time $qemu_s s, run-time $(elapsed "$t_start") s (with download)" 80
