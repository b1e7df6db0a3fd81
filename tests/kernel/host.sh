# The host half the guests share (sourced by run.sh, run-systemd.sh and
# run-station.sh, bash): boot the guest against the virtual modules' sockets,
# reap the adapter, and read back what the modules recorded. Needs $build,
# $krel, $work, $redir_pid (the vmodule-redir started with --socket
# $work/ur1.sock, ur2.sock, ... in the order of the ports given to boot_guest)
# and the caller's elapsed and die.

# The revisions a package takes a module from and to (tests/vmodule/README.md
# "Package format": from at offset 40, to at offset 88, 48 bytes each).
to_rev() { dd if="$1" bs=1 skip=88 count=48 status=none | tr -d '\0'; }
from_rev() { dd if="$1" bs=1 skip=40 count=48 status=none | tr -d '\0'; }

# boot_guest MEMORY APPEND PORT...: waits for the modules' sockets, boots qemu
# (memory MiB, kernel command line), waits for the adapter to write its
# record, and collects the results into $work/results.txt. Sets qemu_rc and
# qemu_s. PORT is where the module on $work/urN.sock (N: its place in the
# list) is plugged in, as the guest names it: B-P is port P of bus B. Each
# qemu-xhci controller gives the guest two buses, its USB 2.0 root hub and
# then its USB 3 one (even with p3=0, seen with Debian's 6.1), so bus 1 is
# the first controller's USB 2.0 ports, bus 3 the second's, and so on (B is
# odd); a controller has as many USB 2.0 ports as its highest one used, 15 at
# most (qemu cuts more silently). qemu's usb-hub is a full-speed hub that
# refuses a high-speed module (speed mismatch): a larger station takes more
# controllers, not hubs.
boot_guest() {
	local mem=$1 append=$2 t_qemu i b p n k hcs=0
	shift 2
	local -a ports=("$@") usb=() ctl=() top=()

	trap 'kill "$redir_pid" 2>/dev/null' EXIT
	n=${#ports[@]}
	for ((i = 1; i <= n; i++)); do
		b=${ports[i - 1]%%-*} p=${ports[i - 1]#*-}
		if ! [[ $b =~ ^[1-9][0-9]?$ && $p =~ ^[1-9][0-9]?$ ]] || [ $((b % 2)) = 0 ] || [ "$p" -gt 15 ]; then
			die "boot_guest: port ${ports[i - 1]} is not B-P with B odd and P 1-15"
		fi
		k=$(((b + 1) / 2))
		[ "${top[k]:-0}" -ge "$p" ] || top[k]=$p
		[ "$k" -le "$hcs" ] || hcs=$k
		usb+=(-chardev "socket,id=ur$i,path=$work/ur$i.sock,server=off"
			-device "usb-redir,chardev=ur$i,id=redir$i,bus=hc$k.0,port=$p")
	done
	for ((k = 1; k <= hcs; k++)); do
		ctl+=(-device "qemu-xhci,id=hc$k,p2=${top[k]:-1}")
	done
	for _ in $(seq 100); do
		for ((i = 1; i <= n; i++)); do [ -S "$work/ur$i.sock" ] || break; done
		[ "$i" -gt "$n" ] && break
		sleep 0.05
	done
	t_qemu=$(date +%s.%N)
	timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 1 -nodefaults -display none -no-reboot \
		-kernel "$build/kernel/vmlinux-$krel" -initrd "$work/initramfs.cpio" -append "$append" \
		-serial "file:$work/console.log" -serial "file:$work/results" \
		"${ctl[@]}" "${usb[@]}" </dev/null >"$work/qemu.log" 2>&1
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
