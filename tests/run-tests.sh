#!/bin/sh
# Runs every test program of a build directory (unit, vm, it) and prints a
# closing line "tests: N passed, N failed". Tests that talk to virtual modules
# run under umockdev's preload (umockdev-wrapper), as the program under test
# would on a station (see ../shared/UMOCKDEV_NOTES.md).
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export QFOTA_TOP="$top" QFOTA_BUILD="$top/$build"
# ASan must not insist on coming first: umockdev's preload does (UMOCKDEV_NOTES gotcha 8).
# (No fast_unwind_on_malloc=0: unwinding every malloc with DWARF made the
# 32-module station 15 times slower, and no suppression needs libusb's frames.)
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=1:abort_on_error=0"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export G_SLICE=always-malloc G_DEBUG=gc-friendly
# Tests never append to the host's audit log (/var/lib/qfota when root) or
# write to its journal (test-qfota-journal listens in a namespace of its own), and lock
# ports in a directory of their own.
export QFOTA_JOURNAL=0 QFOTA_AUDIT_LOG="" QFOTA_LOCK_DIR="${TMPDIR:-/tmp}/qfota-test-locks-$$"

passed=0 failed=0 programs_failed=""
log=$(mktemp)
for t in "$build"/tests/unit/test-* "$build"/tests/vm/test-* "$build"/tests/it/test-*; do
	[ -x "$t" ] || continue
	case "$t" in *.d|*.o) continue ;; esac
	case "$t" in
	*/unit/*) timeout 300 "$t" >"$log" 2>&1 ;;
	*) sh "$top/tests/in-ram.sh" timeout 600 umockdev-wrapper "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	cat "$log"
	ok=$(grep -c '^\[       OK \]' "$log")
	bad=$(grep '^\[  FAILED  \]' "$log" | grep -vc 'test(s)')
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "$t: exited with status $rc (crash, sanitizer report or timeout)"
		bad=1
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	[ "$bad" -gt 0 ] && programs_failed="$programs_failed $t"
done
rm -f "$log"
[ -n "$programs_failed" ] && echo "failing programs:$programs_failed"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
