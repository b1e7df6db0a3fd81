#!/bin/sh
# make bench: runs every benchmark of a build (programs build/tests/bench/bench-*
# and scripts tests/bench/bench-*.sh) against virtual modules and prints each
# figure as a line `bench <name> <value> <unit>` on stdout; everything else a
# benchmark says goes to stderr. Each figure is measured against a baseline in
# the same run (see each benchmark's header comment).
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
export QFOTA_TOP="$top" QFOTA_BUILD="$top/$build"
export QFOTA_AUDIT_LOG="" QFOTA_LOCK_DIR="${TMPDIR:-/tmp}/qfota-bench-locks-$$"
export ASAN_OPTIONS="verify_asan_link_order=0"
# Testbeds in RAM when root (tests/in-ram.sh): the lone and the many-module
# figures are measured in the same place.
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	echo "bench: testbeds on a private tmpfs" >&2
else
	echo "bench: testbeds on ${TMPDIR:-/tmp} (not root: no private tmpfs)" >&2
fi
status=0
for b in "$build"/tests/bench/bench-* "$top"/tests/bench/bench-*.sh; do
	[ -x "$b" ] || [ "${b%.sh}" != "$b" ] || continue
	[ -e "$b" ] || continue
	case "$b" in *.d|*.o) continue ;; esac
	echo "running $(basename "$b")" >&2
	case "$b" in
	*.sh) out=$(sh "$b" "$build" 2>&3) ;;
	*) out=$(sh "$top/tests/in-ram.sh" timeout 1200 umockdev-wrapper "$b" 2>&3) ;;
	esac 3>&2
	rc=$?
	printf '%s\n' "$out" | grep '^bench ' || true
	printf '%s\n' "$out" | grep -v '^bench ' | grep -v '^$' >&2 || true
	if [ "$rc" -ne 0 ]; then
		echo "$(basename "$b") failed with status $rc" >&2
		status=1
	fi
done
exit "$status"
