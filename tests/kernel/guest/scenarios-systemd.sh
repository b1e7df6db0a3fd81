# The kernel tier's scenarios under systemd as PID 1 (busybox sh, run by
# kernel-test.service). The host (tests/kernel/run-systemd.sh) attached four
# virtual modules through usb-redir, on ports the guest has not enumerated
# yet (xhci_pci is blacklisted until this script loads it: a plug-in):
#   1-1 EC200U  auto-plug-systemd, journal-fields  (FILE mode, 1 reboot)
#   1-2 EP06    auto-multi-hop  (two rules A->B, B->C, DFOTA upload, 2 reboots each)
#   1-3 EG25    auto-retrigger  (DFOTA upload, 2 reboots)
#   1-4 EC200U  mm-inhibit: no QFOTA_AUTO; ModemManager manages it, qfota by hand
# /etc/udev/rules.d/71-qfota-auto-enable.rules opts 1-1, 1-2 and 1-3 in;
# /etc/qfota/policy.conf has the rules; the packages are in /srv/qfota, their
# revisions in /test/*.to and *.from. tests/kernel/README.md explains.
# shellcheck disable=SC1091,SC2154 # lib.sh is in the guest; it sets $rc
. /test/lib.sh
export SYSTEMD_PAGER="" SYSTEMD_COLORS=0

unit_prop() { systemctl show -p "$2" --value "$1" 2>/dev/null; }
unit_state() { unit_prop "$1" ActiveState; }
unit_running() { case $(unit_state "$1") in active | activating | deactivating | reloading) return 0 ;; esac; return 1; }
# Done: not running and no job queued (a start may be queued between runs).
unit_done() { ! unit_running "$1" && [ -z "$(unit_prop "$1" Job)" ]; }
# Done and staying so once udev has delivered every event it holds.
unit_settled() { unit_done "$1" && udevadm settle -t 30 && sleep 1 && unit_done "$1"; }
present() { [ -e "/sys/bus/usb/devices/$1/devnum" ]; }
claimed() { [ "$(driver_of "$1:1.2")" = usbfs ]; }
# How often systemd started the unit: "Starting ..." lines in its journal.
starts() { journalctl -b -q -o cat -u "$1" 2>/dev/null | grep -c '^Starting '; }
# The module's last reboot of an upgrade re-enumerates it; qfota sees it back
# in sysfs and may finish before udevd has processed the "add". systemd then
# starts the unit again when that "add" reaches it: a second run, which finds
# the module at its target and skips it. Either is right: one run, or a
# second that skipped (and never two at once: the checks during the upgrade).
# One run of the unit upgraded the module; every other run (the module's
# return from its last reboot reaching systemd after qfota verified it, a
# udevadm trigger of another scenario) found it at its target and skipped it.
runs_ok() { # unit
	up=0 other=0
	for inv in $(journalctl -b -u "$1" -o export 2>/dev/null | sed -n 's/^_SYSTEMD_INVOCATION_ID=//p' | sort -u); do
		out=$(journalctl -b -q -o cat "_SYSTEMD_INVOCATION_ID=$inv")
		if echo "$out" | grep -q 'upgraded from'; then
			up=$((up + 1))
		elif ! echo "$out" | grep -q 'skipped: already runs'; then
			other=$((other + 1))
		fi
	done
	[ "$up" = 1 ] && [ "$other" = 0 ] && return 0
	echo "  $1: $up runs upgraded, $other neither upgraded nor skipped (of $(starts "$1") starts)"
	return 1
}
# runs_ok once journald has indexed the last run's lines (under load a run
# just ended can show its "Starting" before its words): quiet while it waits.
runs_ok_soon() {
	tries=0
	until runs_ok "$1" >/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || { runs_ok "$1"; return 1; }
		sleep 0.2
	done
}
never_failed() { ! ujournal "$1" | grep -q 'Failed with result'; }
# A re-plug of the module on port $1 by its own reset (AT+CFUN=1,1 on its AT
# tty): it leaves the bus and comes back, as after a power cycle.
module_reset() { t=$(tty_of "$1:1.2") && printf 'AT+CFUN=1,1\r' >"/dev/$t"; }
ujournal() { journalctl -b -q -o cat -u "$1" 2>/dev/null; }
# qfota processes working on port $1.
qfota_count() { n=0; for p in $(pidof qfota); do tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q -- "--port $1 " && n=$((n + 1)); done; echo "$n"; }
# udev's record of the usb_device on port $1 (the real database, after the real uevents).
record_has() { udevadm info -q property -p "/bus/usb/devices/$1" 2>/dev/null | grep -qx "$2"; }
current_tag_systemd() { udevadm info -q property -p "/bus/usb/devices/$1" 2>/dev/null | grep -q '^CURRENT_TAGS=.*:systemd:'; }
# systemd's device unit of the usb_device on port $1: plugged ("active").
device_unit_plugged() {
	dev_unit=$(systemd-escape -p --suffix=device "$(readlink -f "/sys/bus/usb/devices/$1")")
	[ "$(unit_prop "$dev_unit" ActiveState)" = active ]
}
rules_apply() { # port: what 70- and 72-qfota*.rules set, in the record now
	record_has "$1" "QFOTA_AUTO=1" && record_has "$1" "SYSTEMD_WANTS=qfota-auto@$1.service" &&
		current_tag_systemd "$1" && device_unit_plugged "$1"
}
settled() { wait_for 30 option_bound "$1" && none_claimed "$1"; }
policy_to() { sed -n "s/^model=$1 from=$2 to=\([^ ]*\) .*/\1/p" /etc/qfota/policy.conf; }

echo "systemd guest: scenarios start at $(uptime_s) s"
systemctl --no-pager is-system-running || true

# ---- the plug-in: xHCI loaded, four modules enumerate with real "add" and
# "bind" uevents under a running systemd ----
modprobe xhci_pci
ready=1
for p in 1-1 1-2 1-3 1-4; do wait_for 60 present "$p" || { echo "module on $p: not enumerated"; ready=0; }; done
emit "kernel-test-ready $(uptime_s)"
[ "$ready" = 1 ] || { ls -l /sys/bus/usb/devices/; dmesg | tail -n 40; }

# ---- auto-retrigger, part one (it must act during the upgrade) ----
# udevadm trigger (change) of every USB device and a re-bind of option on
# another interface of 1-3 while qfota-auto@1-3 upgrades it.
begin auto-retrigger
u=qfota-auto@1-3.service
check "$u starts by itself" wait_for 60 unit_running "$u"
check "qfota has claimed 1-3 (its AT interface held through usbfs)" wait_for 60 claimed 1-3
pid0=$(unit_prop "$u" MainPID) inv0=$(unit_prop "$u" InvocationID)
echo "  $u: MainPID $pid0, InvocationID $inv0 at $(uptime_s) s"
# How many qfota work on 1-3 at once, sampled until the upgrade is over.
(while :; do qfota_count 1-3; sleep 0.2; done) >/tmp/qc-1-3 &
sampler=$!
# The events first, at once: qfota has just claimed the module and the
# upload has begun, so they surely land during the upgrade, also on a
# loaded host.
udevadm trigger --action=bind /sys/bus/usb/devices/1-3
udevadm trigger --action=change --subsystem-match=usb
check "the events were sent while the same qfota (MainPID $pid0) upgraded" \
	[ "$(unit_prop "$u" MainPID) $(unit_prop "$u" InvocationID)" = "$pid0 $inv0" ]
# Then a re-bind, while the module is on the bus (qfota holds
# its AT interface 1-3:1.2; option keeps the others).
# The module leaves the bus at each reboot: try again until one re-bind
# happened with it on the bus, while the same run upgrades it.
rebind() {
	unit_running "$u" && [ "$(unit_prop "$u" InvocationID)" = "$inv0" ] || return 2
	[ "$(driver_of 1-3:1.3)" = option ] || return 1
	echo -n 1-3:1.3 2>/dev/null >/sys/bus/usb/drivers/option/unbind || return 1
	echo -n 1-3:1.3 2>/dev/null >/sys/bus/usb/drivers/option/bind || return 1
	[ "$(driver_of 1-3:1.3)" = option ]
}
rebound() { rebind; r=$?; [ "$r" = 2 ] && return 0; [ "$r" = 0 ] && rebind_ok=1; [ "$r" = 0 ]; }
rebind_ok=0
wait_for 60 rebound
check "option re-bound on 1-3:1.3 during the upgrade" [ "$rebind_ok" = 1 ]
udevadm settle -t 30
echo "  re-bind, udevadm trigger (bind of 1-3, change of every USB device) done at $(uptime_s) s"
check "after udevadm trigger: the rules still apply to 1-3 (tag, SYSTEMD_WANTS, device plugged)" wait_for 30 rules_apply 1-3
# Under load the upgrade may be over by now; if not, it is the same run.
same_run() {
	! unit_running "$u" || [ "$(unit_prop "$u" InvocationID)" = "$inv0" ] ||
		journalctl -b -q -o cat "_SYSTEMD_INVOCATION_ID=$inv0" | grep -q 'upgraded EG25'
}
check "after the events: the first run still running, or ended by itself" same_run
retrigger_fails=$fails retrigger_t=$t_begin

# ---- every automatic upgrade to its end ----
for p in 1-1 1-2 1-3; do
	wait_for 300 unit_settled "qfota-auto@$p.service" || echo "qfota-auto@$p.service still running"
done
echo "automatic upgrades done at $(uptime_s) s"
systemctl --no-pager list-units --all 'qfota-auto@*'

# ---- auto-retrigger, part two ----
name=auto-retrigger fails=$retrigger_fails t_begin=$retrigger_t
kill "$sampler"
check "the first run was never stopped" sh -c "! journalctl -b -q -o cat _SYSTEMD_INVOCATION_ID=$inv0 | grep -q -e '^Stopping' -e 'Failed with result'"
check "never two qfota on 1-3 at once ($(sort -u /tmp/qc-1-3 | tr '\n' ' '))" [ "$(sort -n /tmp/qc-1-3 | tail -n 1)" = 1 ]
check "the first run upgraded it, to its end" sh -c "journalctl -b -q -o cat _SYSTEMD_INVOCATION_ID=$inv0 | grep -q 'upgraded EG25'"
check "$u ended inactive" [ "$(unit_state "$u")" = inactive ]
check "$u result success" [ "$(unit_prop "$u" Result)" = success ]
check "one run upgraded, any other skipped (trigger, re-bind and 2 reboots)" runs_ok_soon "$u"
check "no run failed" never_failed "$u"
check "option bound on 1-3 after" wait_for 30 option_bound 1-3
check "nothing claimed on 1-3" none_claimed 1-3
end

# ---- auto-plug-systemd: 1-1 from plug-in to upgraded under systemd ----
begin auto-plug-systemd
u=qfota-auto@1-1.service
to=$(cat /test/ec200u.to)
ujournal "$u" | sed 's/^/    | /'
check "$u: one run upgraded, any other skipped (1 reboot)" runs_ok_soon "$u"
check "no run failed" never_failed "$u"
check "$u ended inactive" [ "$(unit_state "$u")" = inactive ]
check "$u result success, exit 0" [ "$(unit_prop "$u" Result) $(unit_prop "$u" ExecMainStatus)" = "success 0" ]
check "qfota says upgraded to $to" sh -c "journalctl -b -q -o cat -u $u | grep -q 'upgraded EC200U.*$to'"
check "audit log: the upgraded line for 1-1" sh -c "grep '\"port\":\"1-1\"' /var/lib/qfota/audit.log | grep '\"to\":\"$to\"' | grep -q '\"result\":\"ok\"'"
check "option bound on 1-1 after" wait_for 30 option_bound 1-1
check "nothing claimed on 1-1" none_claimed 1-1
check "the rules after the re-enumeration's add and bind (tag, SYSTEMD_WANTS, device plugged)" rules_apply 1-1
check "1-1 group qfota 0660" node_is "$(devnode 1-1)" qfota 660
# The re-plug: the module resets (leaves the bus, comes back).
n0=$(starts "$u")
check "re-plug: the module resets" module_reset 1-1
check "re-plug: 1-1 left the bus" wait_for 20 is_gone 1-1
check "re-plug: 1-1 back" wait_for 30 present 1-1
check "re-plug: $u starts again" wait_for 30 sh -c "[ \$(journalctl -b -q -o cat -u $u | grep -c '^Starting ') -gt $n0 ]"
check "re-plug: $u ends" wait_for 120 unit_settled "$u"
check "re-plug: result success" [ "$(unit_prop "$u" Result) $(unit_state "$u")" = "success inactive" ]
check "re-plug: skipped at its target" sh -c "journalctl -b -q -o cat -u $u | grep -q 'skipped'"
check "re-plug: audit log has the skip" sh -c "grep '\"port\":\"1-1\"' /var/lib/qfota/audit.log | grep -q '\"result\":\"skipped\"'"
check "re-plug: option bound, nothing claimed" settled 1-1
end

# ---- journal-fields: the structured entries of 1-1's upgrade ----
begin journal-fields
journalctl -b -o json QFOTA_PORT=1-1 >/tmp/j.json 2>/dev/null
echo "  $(grep -c . /tmp/j.json) entries with QFOTA_PORT=1-1"
jq_has() { grep -q "$1" /tmp/j.json; }
check "entries with QFOTA_PORT=1-1" jq_has '"QFOTA_PORT":"1-1"'
check "from the unit" jq_has '"_SYSTEMD_UNIT":"qfota-auto@1-1.service"'
check "QFOTA_MODEL=EC200U" jq_has '"QFOTA_MODEL":"EC200U"'
check "QFOTA_IMEI (15 digits)" jq_has '"QFOTA_IMEI":"[0-9]\{15\}"'
check "QFOTA_FROM=$(cat /test/ec200u.from)" jq_has "\"QFOTA_FROM\":\"$(cat /test/ec200u.from)\""
check "QFOTA_TO=$to" jq_has "\"QFOTA_TO\":\"$to\""
check "QFOTA_PHASE entries" jq_has '"QFOTA_PHASE":"'
check "QFOTA_RESULT=ok with MESSAGE_ID upgraded" sh -c "grep '\"QFOTA_RESULT\":\"ok\"' /tmp/j.json | grep -q '\"MESSAGE_ID\":\"f05b5155f4414291a2148f32dcc5611d\"'"
check "QFOTA_RESULT=skipped with MESSAGE_ID skipped (the re-plug)" sh -c "grep '\"QFOTA_RESULT\":\"skipped\"' /tmp/j.json | grep -q '\"MESSAGE_ID\":\"b2cf549810b24c8ca5c78402010ef85b\"'"
check "select by MESSAGE_ID: 1-1's upgrade" sh -c "journalctl -b -o cat MESSAGE_ID=f05b5155f4414291a2148f32dcc5611d QFOTA_PORT=1-1 | grep -q ."
check "no entry of 1-1 with another port's field" sh -c "! grep -q '\"QFOTA_PORT\":\"1-[234]\"' /tmp/j.json"
end

# ---- auto-multi-hop: 1-2 two deltas behind, to C by plug-in alone ----
begin auto-multi-hop
u=qfota-auto@1-2.service
a=$(cat /test/ep06.from) b=$(policy_to EP06 "$a") c=$(policy_to EP06 "$b")
ujournal "$u" | sed 's/^/    | /'
if ! grep -q 'a hop of a chain' /usr/local/bin/qfota; then
	# Policy chains are taken hop by hop in one run on branch ops-18, not
	# on main yet: this qfota stops at B.
	run_qfota /tmp/mh.log info --port 1-2
	emit "kernel-test auto-multi-hop SKIP needs policy chains (issue 18, branch ops-18): this qfota takes one hop ($a -> $b) a run; 1-2 is at $(grep -o 'EP06[A-Z0-9]*M4G' /tmp/mh.log | tail -n 1) (a second hop only if a second run happened)"
else
	check "$u ended inactive, result success" [ "$(unit_prop "$u" Result) $(unit_state "$u")" = "success inactive" ]
	check "qfota says upgraded to $c" sh -c "journalctl -b -q -o cat -u $u | grep -q 'upgraded EP06.*$c'"
	check "audit log: 1-2 at $c" sh -c "grep '\"port\":\"1-2\"' /var/lib/qfota/audit.log | grep -q '\"to\":\"$c\"'"
	run_qfota /tmp/mh.log info --port 1-2
	check "qfota info: 1-2 runs $c" has_text "$c" /tmp/mh.log
	check "option bound on 1-2, nothing claimed" settled 1-2
	end
fi

# ---- mm-inhibit: Debian's ModemManager manages 1-4; qfota borrows it ----
begin mm-inhibit
to=$(cat /test/ec200u.to)
mm_modem_of() { # port: the D-Bus path of ModemManager's modem on it
	dev=$(readlink -f "/sys/bus/usb/devices/$1")
	for m in $(mmcli -L -K 2>/dev/null | sed -n 's/^modem-list.value\[[0-9]*\] *: *//p'); do
		mmcli -m "$m" -K 2>/dev/null | grep -q "^modem.generic.device *: *$dev\$" && { echo "$m"; return 0; }
	done
	return 1
}
mm_revision_is() { m=$(mm_modem_of "$1") && mmcli -m "$m" -K | grep -q "^modem.generic.revision *: *$2\$"; }
systemctl start ModemManager.service
check "ModemManager runs" wait_for 30 sh -c "systemctl is-active -q ModemManager.service"
check "ModemManager manages 1-4 (a modem object)" wait_for 120 mm_modem_of 1-4
from=$(cat /test/ec200u.from)
check "mmcli shows 1-4 at $from" mm_revision_is 1-4 "$from"
m=$(mm_modem_of 1-4) && mmcli -m "$m" | sed 's/^/    | /'
# 1-4's ttys, whatever their numbers across its reboot, collected while qfota runs.
: >/tmp/ttys
(while :; do ls -d /sys/bus/usb/devices/1-4:1.*/ttyUSB* 2>/dev/null | sed 's|.*/||' >>/tmp/ttys; sleep 0.2; done) &
watcher=$!
cursor=$(journalctl -n 0 --show-cursor -q 2>/dev/null | sed -n 's/^-- cursor: //p')
run_qfota /tmp/mm.log upgrade --port 1-4 --expect "$to" /srv/qfota/ec200u.pack
kill "$watcher"
journalctl -q -o short-monotonic -u ModemManager.service --after-cursor="$cursor" >/tmp/mm-during.log 2>/dev/null
check "qfota exits 0, upgraded" sh -c "[ $rc = 0 ] && grep -q upgraded /tmp/mm.log"
grep -i 'inhibit' /tmp/mm-during.log | sed 's/^/    | /'
check "ModemManager inhibited the modem for qfota" sh -c "grep -i 'inhibit' /tmp/mm-during.log | grep -q '1-4'"
sort -u /tmp/ttys >/tmp/ttys.u
echo "  1-4's ttys during the upgrade: $(tr '\n' ' ' </tmp/ttys.u)"
# ModemManager's log during the upgrade: no AT command sent on any of them
# (its --debug log names the port of each command: "[ttyUSBn/at] -->").
probe_free() {
	ok=0
	while read -r t; do
		grep -E "\[$t(/at)?\].*(-->|probing)" /tmp/mm-during.log && ok=1
	done </tmp/ttys.u
	return $ok
}
check "ModemManager sent nothing to 1-4 during the upgrade" probe_free
check "ModemManager manages 1-4 again" wait_for 120 mm_modem_of 1-4
check "mmcli shows the new revision $to" wait_for 60 mm_revision_is 1-4 "$to"
m=$(mm_modem_of 1-4) && mmcli -m "$m" | sed 's/^/    | /'
end

emit "kernel-test-end $(uptime_s)"
echo "--- ModemManager (last 60 lines) ---"
journalctl -b -q -o short-monotonic -u ModemManager.service | tail -n 60
echo "--- kernel log, USB ---"
dmesg | grep -E 'usb|option|xhci' | tail -n 60
sync
systemctl --force --force poweroff
