# The kernel tier's station guest (busybox sh, run by /init as
# /test/scenarios.sh): one `qfota station` process upgrades every module at
# once, with its default deadlines. The host (tests/kernel/run-station.sh)
# attached the EC200Us listed in /test/station.ports through usb-redir, on
# several qemu-xhci controllers. Package in /test: ec200u.pack, its
# to-revision in ec200u.to. tests/kernel/README.md explains.
# The checks run per module, so they fork as little as they can: each fork is
# slow under TCG, and there are dozens of modules.
# shellcheck disable=SC1091,SC2154 # lib.sh is in the guest
. /test/lib.sh
export QFOTA_AUDIT_LOG=/tmp/audit.log
ports=$(cat /test/station.ports)
n=$(echo "$ports" | wc -w)
to=$(cat /test/ec200u.to)

# The AT interface of the module on $1 bound to option, with its ttyUSB node
# (lib.sh's option_bound, without forks).
at_bound() {
	[ -e "/sys/bus/usb/drivers/option/$1:1.2" ] || return 1
	for t in /sys/bus/usb/devices/"$1":1.2/ttyUSB*; do [ -c "/dev/${t##*/}" ] && return 0; done
	return 1
}
all_bound() { for p in $ports; do at_bound "$p" || return 1; done; }
# "bus.devnum" of the module on $1 into $dev.
devnum() {
	dev=-
	read -r bus 2>/dev/null <"/sys/bus/usb/devices/$1/busnum" || return 1
	read -r num 2>/dev/null <"/sys/bus/usb/devices/$1/devnum" || return 1
	dev=$bus.$num
}

# ---- boot: as scenarios.sh (udevd, then xHCI: real "add" uevents) ----
echo "init at $(uptime_s) s"
/lib/systemd/systemd-udevd --daemon
modprobe xhci_pci
echo "xhci_pci loaded at $(uptime_s) s"
# One deadline for all: the modules enumerate together (one at a time on
# each root hub: the kernel's hub_wq).
ready=1
wait_for 120 all_bound || for p in $ports; do
	at_bound "$p" || { echo "module on $p: not enumerated with option bound"; ready=0; }
done
udevadm settle -t 30
emit "kernel-test-ready $(uptime_s)"
if [ "$ready" != 1 ]; then
	ls -l /sys/bus/usb/devices/
	dmesg | tail -n 40
fi
free

# ---- one station process, every module at once, each result on its port ----
# `--all` takes every module present: the guest has no other. stdout (the
# JSON events) and stderr are kept apart: only the events are parsed.
begin big-station
before=""
for p in $ports; do devnum "$p"; before="$before $p=$dev"; done
echo "  qfota station --all --json /test/ec200u.pack ($n modules)"
t0=$(uptime_s)
timeout 420 qfota station --all --json /test/ec200u.pack >/tmp/s.json 2>/tmp/s.err
rc=$?
echo "  exit $rc after $(awk -v a="$t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s"
sed 's/^/    2| /' /tmp/s.err
grep '^{"event":"result",' /tmp/s.json >/tmp/r.json
grep -v '"event":"\(transfer\|progress\|urc\|phase\|result\)"' /tmp/s.json | sed 's/^/    1| /'
# The slowest module's durations (ms), for the timings in the README.
sed -n 's/.*"port":"\([^"]*\)".*"total_ms":\([0-9]*\),"download_ms":\([0-9]*\),"reboot_ms":\([0-9]*\),"update_ms":\([0-9]*\).*/\2 \3 \4 \5 \1/p' \
	/tmp/r.json | sort -n | awk '{ print "    result " $5 ": total " $1 ", download " $2 ", reboot " $3 ", update " $4 " ms" }' |
	sed -n '1p; $p'
check "qfota station exits 0" [ "$rc" = 0 ]
check "the summary: $n modules, $n upgraded" grep -q "^{\"event\":\"summary\",\"modules\":$n,\"upgraded\":$n," /tmp/s.json
check "$n result events in all" [ "$(grep -c . /tmp/r.json)" = "$n" ]
# One result per port, ok, upgraded to the package's revision: "PORT=N" for
# each port with a result, N its ok results (one awk for all of them).
got=$(awk -v want="\"to\":\"$to\",\"ok\":true,\"result\":\"ok\"," '
	match($0, /"port":"[^"]*"/) { p = substr($0, RSTART + 8, RLENGTH - 9); seen[p] = 1; if (index($0, want)) ok[p]++ }
	END { for (p in seen) printf " %s=%d", p, ok[p] }' /tmp/r.json)
for p in $ports; do
	case "$got " in *" $p=1 "*) echo "  ok: $p: one result, ok, to $to" ;; *) fail "$p: no single ok result to $to" ;; esac
done
# Back after the reboot: re-enumerated with option bound.
wait_for 60 all_bound
for p in $ports; do
	check "$p back with option bound" at_bound "$p"
	devnum "$p"
	case " $before " in *" $p=$dev "*) fail "$p not re-enumerated ($dev)" ;; esac
done
# No interface of any module left claimed: usbfs (libusb's claim) holds none.
claimed=""
for i in /sys/bus/usb/drivers/usbfs/*:*; do [ -e "$i" ] && claimed="$claimed ${i##*/}"; done
check "no interface left claimed (usbfs holds:${claimed:- none})" [ -z "$claimed" ]
check "no qfota process left" no_qfota_left
end

emit "kernel-test-end $(uptime_s)"
echo "--- bus 1 in the kernel's order (hub_wq takes a root hub's ports one at a time) ---"
dmesg | grep -E 'usb 1-[0-9]+: (new high|USB disconnect)' | tail -n 40
echo "--- kernel log, USB (last 60 lines) ---"
dmesg | grep -E 'usb|option|xhci' | tail -n 60
