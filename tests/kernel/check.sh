#!/bin/bash
# make check-kernel: the three guests of the kernel tier one after the other
# (each qemu keeps a core busy): run.sh (busybox init + udevd, four modules),
# run-systemd.sh (Debian's systemd as PID 1, with ModemManager) and
# run-station.sh (the busybox guest with sixty modules, one station). Each
# prints its own `kernel-test` lines and `N passed, N failed`; the last line
# is the sum. Exits nonzero if any guest had a failure.
# Usage: check.sh [BUILD]
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
t0=$(date +%s)
passed=0 failed=0 status=0
for run in run.sh run-systemd.sh run-station.sh; do
	echo "== kernel tier: $run"
	out=$(mktemp)
	bash "$here/$run" "$build" | tee "$out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	passed=$((passed + ${line%% passed*}))
	f=${line#*passed, }
	failed=$((failed + ${f%% failed}))
	rm -f "$out"
done
echo "kernel tier: $(($(date +%s) - t0)) s in all"
echo "$passed passed, $failed failed"
exit "$status"
