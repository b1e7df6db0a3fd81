# The kernel tier's scenarios, run by /init in the guest (busybox sh). The
# host (tests/kernel/run.sh) attached four virtual modules through usb-redir:
#   1-1 EC200U (FILE mode), 1-2 EG25 (DFOTA, local file), 1-3 EC200U that
#   vanishes after 300000 package bytes (fault unplug-byte:300000), 1-4
#   EC200U for the station.
# A scenario's checks all run, so one line lists every failed check.
# Packages in /test: ec200u.pack, eg25.zip, their to-revisions in *.to, the
# EC200U package's from-revision in ec200u.from.
# tests/kernel/README.md explains.
# shellcheck disable=SC1091,SC2154 # lib.sh is in the guest; it sets $rc
. /test/lib.sh
export QFOTA_AUDIT_LOG=/tmp/audit.log

# ---- boot: udevd with the stock rules and qfota's, xHCI, enumeration ----
echo "init at $(uptime_s) s"
/lib/systemd/systemd-udevd --daemon
# No coldplug of the whole guest: every device that matters here is added
# after udevd runs (the xHCI driver loads next, the modules enumerate behind
# it), so udevd sees their real "add" uevents.
modprobe xhci_pci
echo "xhci_pci loaded at $(uptime_s) s"
# `udevadm settle` can return before the hub has enumerated: wait for the
# devices themselves, and for option (loaded by udevd by modalias).
ready=1
for p in 1-1 1-2 1-3 1-4; do
	wait_for 60 option_bound "$p" || { echo "module on $p: not enumerated with option bound"; ready=0; }
done
udevadm settle -t 30
emit "kernel-test-ready $(uptime_s)"
if [ "$ready" != 1 ]; then
	ls -l /sys/bus/usb/devices/
	dmesg | tail -n 40
fi

# ---- discovery on real sysfs: qfota list ----
begin qfota-list
run_qfota /tmp/l.log list
check "qfota list exits 0" [ "$rc" = 0 ]
check "1-1 listed as 2c7c:0901 with option" grep -q '^1-1 .*2c7c:0901.*at=2 driver=option' /tmp/l.log
check "1-2 listed as 2c7c:0125 with option" grep -q '^1-2 .*2c7c:0125.*at=2 driver=option' /tmp/l.log
check "1-3 listed as 2c7c:0901 with option" grep -q '^1-3 .*2c7c:0901.*at=2 driver=option' /tmp/l.log
check "1-4 listed as 2c7c:0901 with option" grep -q '^1-4 .*2c7c:0901.*at=2 driver=option' /tmp/l.log
check "four modules, nothing else" [ "$(grep -c . /tmp/l.log)" = 4 ]
end

# ---- d. qfota's rules applied by the real udevd ----
begin udev-rules
for p in 1-1 1-2; do
	n=$(devnode "$p")
	check "$p usb_device $n is qfota 0660" node_is "$n" qfota 660
	check "$p usb_device left to ModemManager (no ID_MM_DEVICE_IGNORE)" no_prop "$n" ID_MM_DEVICE_IGNORE
	check "$p autosuspend off (power/control on)" has_text on "/sys/bus/usb/devices/$p/power/control"
	t=$(tty_of "$p:1.2")
	check "$p AT tty /dev/$t keeps Debian's dialout 0660 (qfota opens no tty)" node_is "/dev/$t" dialout 660
	check "$p AT tty left to ModemManager (no ID_MM_DEVICE_IGNORE)" no_prop "/dev/$t" ID_MM_DEVICE_IGNORE
	t0=$(tty_of "$p:1.3")
	check "$p other tty /dev/$t0 keeps Debian's dialout 0660" node_is "/dev/$t0" dialout 660
done
end

# ---- a. FILE-mode upgrade of an EC200U, one reboot ----
begin ec200u-file-upgrade
before=$(devnode 1-1)
run_qfota /tmp/a.log upgrade --port 1-1 --expect "$(cat /test/ec200u.to)" /test/ec200u.pack
check "qfota exits 0" [ "$rc" = 0 ]
check "qfota says upgraded" has_text upgraded /tmp/a.log
check "module back on 1-1" wait_for 30 option_bound 1-1
after=$(devnode 1-1)
check "no interface of 1-1 left claimed (usbfs)" none_claimed 1-1
check "re-enumerated with a new device number ($before -> $after)" [ "$before" != "$after" ]
end

# ---- e. option bound again after qfota, and the rules on the new device ----
begin option-rebound
check "after the upgrade: option on 1-1:1.2 with its ttyUSB" wait_for 30 option_bound 1-1
n=$(devnode 1-1)
check "after the reboot: $n is qfota 0660" node_is "$n" qfota 660
run_qfota /tmp/e.log info --port 1-1
check "qfota info exits 0" [ "$rc" = 0 ]
check "qfota info shows the new revision" has_text "$(cat /test/ec200u.to)" /tmp/e.log
check "after qfota info: option on 1-1:1.2 with its ttyUSB" wait_for 10 option_bound 1-1
check "same device (no re-enumeration)" [ "$(devnode 1-1)" = "$n" ]
check "no interface of 1-1 left claimed (usbfs)" none_claimed 1-1
end

# ---- b. DFOTA from a local file (AT+QFUPL), two reboots ----
begin dfota-upload
before=$(devnode 1-2)
run_qfota /tmp/b.log upgrade --port 1-2 --expect "$(cat /test/eg25.to)" --upload /test/eg25.zip
check "qfota exits 0" [ "$rc" = 0 ]
check "qfota says upgraded" has_text upgraded /tmp/b.log
check "after: option on 1-2:1.2 with its ttyUSB" wait_for 30 option_bound 1-2
check "re-enumerated ($before -> $(devnode 1-2))" [ "$before" != "$(devnode 1-2)" ]
check "no interface of 1-2 left claimed (usbfs)" none_claimed 1-2
end

# ---- f. a station with a policy: one module upgraded, one at its target ----
# The upgrade runs under the claim its identify step took (fota_held); the
# module at its target is let go at once, and the kernel binds option again.
begin station-policy
{
	echo "model=EC200U from=$(cat /test/ec200u.from) to=$(cat /test/ec200u.to) file=/test/ec200u.pack"
	echo "model=EG25 from=EG25GGBR07A07M2G to=$(cat /test/eg25.to) upload=/test/eg25.zip"
} >/tmp/policy.conf
before4=$(devnode 1-4)
before2=$(devnode 1-2)
run_qfota /tmp/f.log station --port 1-4 --port 1-2 --policy /tmp/policy.conf
check "qfota station exits 0" [ "$rc" = 0 ]
check "1-4 upgraded" grep -q "1-4: upgraded EC200U" /tmp/f.log
check "1-2 skipped at its target" grep -q "1-2: skipped: already runs" /tmp/f.log
check "after: option on 1-4:1.2 with its ttyUSB" wait_for 30 option_bound 1-4
check "after: option on 1-2:1.2 with its ttyUSB" wait_for 10 option_bound 1-2
check "1-4 re-enumerated ($before4 -> $(devnode 1-4))" [ "$before4" != "$(devnode 1-4)" ]
check "1-2 not re-enumerated (skipped)" [ "$before2" = "$(devnode 1-2)" ]
check "no interface of 1-4 left claimed (usbfs)" none_claimed 1-4
check "no interface of 1-2 left claimed (usbfs)" none_claimed 1-2
check "no qfota process left" no_qfota_left
end

# ---- c. unplugged mid-stream ----
begin unplug-mid-stream
run_qfota /tmp/c.log upgrade --port 1-3 /test/ec200u.pack
check "qfota exits 7 (vanished)" [ "$rc" = 7 ]
check "qfota says the module vanished" has_text vanished /tmp/c.log
check "1-3 has left the bus" wait_for 10 is_gone 1-3
check "no qfota process left" no_qfota_left
check "the other modules keep option (1-1)" option_bound 1-1
check "the other modules keep option (1-2)" option_bound 1-2
check "nothing claimed on the other modules (1-1)" none_claimed 1-1
check "nothing claimed on the other modules (1-2)" none_claimed 1-2
end

emit "kernel-test-end $(uptime_s)"
echo "--- kernel log, USB ---"
dmesg | grep -E 'usb|option|xhci' | tail -n 80
