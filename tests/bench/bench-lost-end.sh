#!/bin/sh
# bench lost_end_verdict_s: from the module being back and ready to qfota's
# verdict, when END was lost in the reboot (virtual EG25, DFOTA from a local
# file; faults no-drain + reboot-no-end + boot-silent:2000). The module's
# record gives when it answered again (last_ready_ms, CLOCK_MONOTONIC); the
# verdict's time is taken when qfota exits (/proc/uptime, the same clock on a
# host that never suspends). Target: <= 5 s. Baseline: the 120 s report gap
# (--timeout-update-gap) that a qfota without the verdict would wait out.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$top/$build/vmodule" pack --profile eg25 --size 200000 "$dir/eg25.zip" || exit 1
sh "$top/tests/in-ram.sh" timeout 600 umockdev-wrapper "$top/$build/vmodule" --profile eg25 \
	--fault no-drain --fault reboot-no-end --fault boot-silent:2000 --record "$dir/record" -- \
	sh -c "'$top/$build/qfota' upgrade --port 1-1 --upload '$dir/eg25.zip' >&2; rc=\$?; \
	       awk '{print \$1}' /proc/uptime > '$dir/t_end'; exit \$rc" || { echo "qfota failed" >&2; exit 1; }
ready_ms=$(awk '$2 == "last_ready_ms" { v = $3 } END { print v }' "$dir/record")
awk -v ready="$ready_ms" '{ printf "bench lost_end_verdict_s %.2f s\n", $1 - ready / 1000 }' "$dir/t_end"
