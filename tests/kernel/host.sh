# The host half both guests share (sourced by run.sh and run-systemd.sh, bash):
# boot the guest against the virtual modules' sockets, reap the adapter, and
# read back what the modules recorded. Needs $build, $krel, $work and
# $redir_pid (the vmodule-redir started with --socket $work/ur1..4.sock).

# Waits for the four sockets, boots qemu (memory MiB, kernel command line),
# waits for the adapter to write its record, and collects the results into
# $work/results.txt. Sets qemu_rc and qemu_s.
boot_guest() {
	local mem=$1 append=$2 t_qemu i
	local -a usb=()

	trap 'kill "$redir_pid" 2>/dev/null' EXIT
	for _ in $(seq 100); do
		[ -S "$work/ur1.sock" ] && [ -S "$work/ur2.sock" ] && [ -S "$work/ur3.sock" ] && [ -S "$work/ur4.sock" ] && break
		sleep 0.05
	done
	t_qemu=$(date +%s.%N)
	for i in 1 2 3 4; do
		usb+=(-chardev "socket,id=ur$i,path=$work/ur$i.sock,server=off"
			-device "usb-redir,chardev=ur$i,id=redir$i,bus=hc.0,port=$i")
	done
	timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 1 -nodefaults -display none -no-reboot \
		-kernel "$build/kernel/vmlinux-$krel" -initrd "$work/initramfs.cpio" -append "$append" \
		-serial "file:$work/console.log" -serial "file:$work/results" \
		-device qemu-xhci,id=hc "${usb[@]}" </dev/null >"$work/qemu.log" 2>&1
	qemu_rc=$?
	qemu_s=$(elapsed "$t_qemu")
	# qemu gone: the modules see their sockets close, write the record and exit.
	for _ in $(seq 100); do kill -0 "$redir_pid" 2>/dev/null || break; sleep 0.05; done
	kill "$redir_pid" 2>/dev/null && wait "$redir_pid" 2>/dev/null
	trap - EXIT
	# The second serial port first; the same lines on the console as a fallback.
	{ cat "$work/results"; grep -a '^kernel-test' "$work/console.log"; } 2>/dev/null | tr -d '\r' >"$work/results.txt"
}

# ---- what the modules recorded (tests/vmodule/README.md "Record") ----
rec() { awk -v p="$1" -v k="$2" '$1 == p && $2 == k { sub(/^[^ ]+ [^ ]+ /, ""); print; exit }' "$work/record" 2>/dev/null; }
declare -A host_fail
expect() { # scenario port key want
	local got
	got=$(rec "$2" "$3")
	[ "$got" = "$4" ] || host_fail[$1]+="module $2 recorded $3=$got, want $4; "
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# The report: each scenario's line with the guest's and the host's checks
# together (a SKIP counts neither way), the logs when one failed, and
# "N passed, N failed"; returns nonzero on any failure. $1: the guest's name
# in a message, $2: the timing line, $3: console lines to show on failure.
report() {
	local what=$1 times=$2 lines=$3 s line passed=0 failed=0

	for s in $scenarios; do
		line=$(grep "^kernel-test $s " "$work/results.txt" 2>/dev/null | head -n 1)
		if [ -z "$line" ]; then
			echo "kernel-test $s FAIL did not run (see $work/console.log)"
			failed=$((failed + 1))
		elif [[ $line == *" SKIP "* ]]; then
			echo "$line"
		elif [ -n "${host_fail[$s]:-}" ]; then
			echo "${line/ PASS / FAIL } host: ${host_fail[$s]}"
			failed=$((failed + 1))
		elif [[ $line == *" PASS "* ]]; then
			echo "$line"
			passed=$((passed + 1))
		else
			echo "$line"
			failed=$((failed + 1))
		fi
	done
	grep -q '^kernel-test-end' "$work/results.txt" 2>/dev/null ||
		echo "kernel-test: the $what did not finish (qemu exit $qemu_rc; 124 = timeout); see $work/console.log"
	echo "$times"
	if [ "$failed" -gt 0 ]; then
		echo "--- guest console (last $lines lines of $work/console.log) ---"
		tail -n "$lines" "$work/console.log" 2>/dev/null
		echo "--- vmodule-redir (last 20 lines) ---"
		tail -n 20 "$work/vmodule-redir.log" 2>/dev/null
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
