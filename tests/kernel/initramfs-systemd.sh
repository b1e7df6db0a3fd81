#!/bin/sh
# Builds the systemd guest as an uncompressed initramfs: Debian's systemd,
# udev, dbus, polkitd and ModemManager (fetch-systemd.sh unpacked them into
# build/kernel/sdroot), the kernel's USB modules, busybox for the shell
# tools, and qfota installed the way a user installs it: `make install`
# (PREFIX=/usr/local), then what README's station set-up asks of the
# administrator: the opt-in file in /etc/udev/rules.d, a policy in
# /etc/qfota/policy.conf. The qfota group and /run/qfota are made at boot by
# systemd-sysusers and systemd-tmpfiles from the files make install wrote.
# PID 1 is /lib/systemd/systemd; kernel-test.target runs the scenarios.
# Usage: initramfs-systemd.sh BUILD KERNEL_RELEASE SDROOT PAYLOAD_DIR OUT.cpio
set -eu
build=$(cd "$1" && pwd) krel=$2 sdroot=$3 payload=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kroot=$build/kernel/root
r=$build/kernel/sdguest

rm -rf "$r"
cp -a "$sdroot" "$r"
mkdir -p "$r/proc" "$r/sys" "$r/dev" "$r/run" "$r/tmp" "$r/root" "$r/test" "$r/srv/qfota" \
	"$r/etc/qfota" "$r/etc/udev/rules.d" "$r/etc/modprobe.d" "$r/etc/systemd/system" "$r/var/log"
chmod 1777 "$r/tmp"

# The USB modules (drivers/usb, as fetch.sh unpacked them) with depmod.
mkdir -p "$r/usr/lib/modules"
cp -a "$kroot/lib/modules/$krel" "$r/usr/lib/modules/"
depmod -b "$r" "$krel"

# busybox for what the packages leave out (sh, awk, grep, ...); never in place
# of a program the packages bring.
cp /bin/busybox "$r/usr/bin/busybox"
for applet in $(/bin/busybox --list); do
	case $applet in init | poweroff | reboot | halt | linuxrc) continue ;; esac
	[ -e "$r/usr/bin/$applet" ] || [ -e "$r/usr/sbin/$applet" ] || ln -s busybox "$r/usr/bin/$applet"
done

# qfota, as a user installs it from the tree.
make -s -C "$top" install BUILD="$build" DESTDIR="$r" >/dev/null

# The administrator's part (README, "Station set-up"): automatic upgrades on
# for the ports of scenarios auto-* (1-1, 1-2, 1-3), narrowed as README
# advises; 1-4 is the laptop's modem that ModemManager manages.
sed 's/^SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{QFOTA_AUTO}="1"$/SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", KERNEL=="1-1|1-2|1-3", ENV{QFOTA_AUTO}="1"/' \
	"$r/usr/local/share/doc/qfota/examples/qfota-auto-enable.rules.example" \
	>"$r/etc/udev/rules.d/71-qfota-auto-enable.rules"
grep -q 'KERNEL=="1-1|1-2|1-3"' "$r/etc/udev/rules.d/71-qfota-auto-enable.rules"
cp "$payload"/*.pack "$payload"/*.zip "$r/srv/qfota/"
cp "$payload/policy.conf" "$r/etc/qfota/policy.conf"
chmod 0644 "$r/etc/qfota/policy.conf"

# The machine: a fixed machine-id (not a first boot: systemd-firstboot would
# ask questions on the console), root and its group only (systemd-sysusers
# adds the rest, qfota's group too), the serial console.
echo 5f3a8c2e1d7b4a6e9c0f1b2d3e4a5b6c >"$r/etc/machine-id"
echo kernel-test >"$r/etc/hostname"
echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
echo "root:x:0:" >"$r/etc/group"
: >"$r/etc/fstab"
# xHCI is loaded by the scenarios, after boot: every module is then a real
# plug-in (kernel "add", then "bind") seen by a running systemd.
echo "blacklist xhci_pci" >"$r/etc/modprobe.d/kernel-test.conf"
# Nothing this guest needs: the hwdb rebuild and the first-boot questions.
for u in systemd-hwdb-update.service systemd-firstboot.service ldconfig.service \
	systemd-journal-flush.service systemd-random-seed.service systemd-update-utmp.service \
	systemd-logind.service getty.target systemd-networkd.service; do
	ln -sf /dev/null "$r/etc/systemd/system/$u"
done
# ModemManager is not started at boot (mm-inhibit starts it once the automatic
# upgrades are done); with --debug it logs each AT command with its port.
mkdir -p "$r/etc/systemd/system/ModemManager.service.d"
printf '[Service]\nExecStart=\nExecStart=/usr/sbin/ModemManager --debug\n' \
	>"$r/etc/systemd/system/ModemManager.service.d/kernel-test.conf"
cat >"$r/etc/systemd/system/kernel-test.target" <<'UNIT'
[Unit]
Description=qfota kernel tier: the scenarios under systemd
Requires=basic.target kernel-test.service
After=basic.target
AllowIsolate=yes
UNIT
cat >"$r/etc/systemd/system/kernel-test.service" <<'UNIT'
[Unit]
Description=qfota kernel tier scenarios
After=basic.target dbus.service systemd-udevd.service systemd-journald.service
Wants=dbus.service

[Service]
Type=oneshot
ExecStart=/bin/sh /test/scenarios-systemd.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
UNIT

cp "$here/guest/lib.sh" "$here/guest/scenarios-systemd.sh" "$r/test/"
cp "$payload"/*.to "$payload"/*.from "$r/test/" 2>/dev/null || true
ln -s /lib/systemd/systemd "$r/init"

(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out"
