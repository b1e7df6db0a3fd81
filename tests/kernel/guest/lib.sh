# Helpers of the guest's scenarios (sourced by scenarios.sh; busybox sh).
#
# Results go to the second serial port (/dev/ttyS1, a file on the host), one
# line each: "kernel-test <name> PASS|FAIL [what failed]", plus
# "kernel-test-ready <uptime>" and "kernel-test-end". The console (ttyS0)
# gets the details.

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

uptime_s() { cut -d' ' -f1 /proc/uptime; }
emit() { echo "$*" >&3; echo "$*"; }

# begin NAME; check DESC COMMAND...; end
begin() { name=$1 fails="" t_begin=$(uptime_s); echo "=== $name"; }
fail() { fails="$fails$1; "; echo "  FAIL: $1"; }
check() {
	desc=$1
	shift
	if "$@"; then echo "  ok: $desc"; else fail "$desc"; fi
}
end() {
	t=$(awk -v a="$t_begin" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')
	if [ -z "$fails" ]; then emit "kernel-test $name PASS ${t}s"; else emit "kernel-test $name FAIL ${t}s $fails"; fi
}

# wait_for SECONDS COMMAND...: polls every 0.1 s until the guest's clock
# has moved SECONDS on (a count of polls would stretch under TCG).
wait_for() {
	until=$(awk -v u="$(uptime_s)" -v s="$1" 'BEGIN { printf "%d", u + s }')
	shift
	while :; do
		"$@" && return 0
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$until" ] || return 1
		sleep 0.1
	done
}

# The usbfs node of the device on port $1 (e.g. 1-1), or nothing.
devnode() {
	[ -r "/sys/bus/usb/devices/$1/devnum" ] || return 1
	printf '/dev/bus/usb/%03d/%03d\n' "$(cat "/sys/bus/usb/devices/$1/busnum")" \
		"$(cat "/sys/bus/usb/devices/$1/devnum")"
}
driver_of() { basename "$(readlink "/sys/bus/usb/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
tty_of() { for t in /sys/bus/usb/devices/"$1"/ttyUSB*; do [ -e "$t" ] && basename "$t" && return 0; done; return 1; }

# The AT interface ($1:1.2) bound to option, with its /dev/ttyUSBn node.
option_bound() {
	[ "$(driver_of "$1:1.2")" = option ] || return 1
	t=$(tty_of "$1:1.2") || return 1
	[ -c "/dev/$t" ]
}
# No interface of the device on port $1 is held through usbfs (libusb's claim).
none_claimed() {
	for d in /sys/bus/usb/devices/"$1":1.*/driver; do
		[ "$(basename "$(readlink "$d" 2>/dev/null)")" != usbfs ] || { echo "  $d is usbfs"; return 1; }
	done
}
is_gone() { [ ! -e "/sys/bus/usb/devices/$1" ]; }
has_text() { grep -q "$1" "$2"; }
no_qfota_left() { ! pidof qfota >/dev/null; }

# node_is PATH GROUP MODE (octal, e.g. 660)
node_is() {
	got=$(stat -c '%G %a' "$1" 2>/dev/null)
	[ "$got" = "$2 $3" ] || { echo "  $1 is \"$got\", want \"$2 $3\""; return 1; }
}
prop_is() { udevadm info -q property -n "$1" 2>/dev/null | grep -qx "$2=$3"; }
no_prop() { ! udevadm info -q property -n "$1" 2>/dev/null | grep -q "^$2="; }

# run_qfota LOG ARGS...: qfota with a bound, its exit code in $rc.
run_qfota() {
	log=$1
	shift
	echo "  qfota $*"
	timeout 240 qfota "$@" >"$log" 2>&1
	rc=$?
	sed 's/^/    | /' "$log"
	echo "  exit $rc"
}
