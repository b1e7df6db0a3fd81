#!/bin/sh
# Builds the kernel tier's guest as an uncompressed initramfs (the kernel
# unpacks it faster than a compressed one under TCG): busybox, the USB modules
# (with depmod), systemd-udevd/udevadm with Debian's stock rules plus qfota's
# udev/*.rules, /etc/group with qfota, build/qfota with its shared libraries,
# the guest scripts and the test payload. SCRIPT (default scenarios.sh) is
# the file of guest/ that /init runs, installed as /test/scenarios.sh.
# Usage: initramfs.sh BUILD KERNEL_RELEASE PAYLOAD_DIR OUT.cpio [SCRIPT]
set -eu
build=$(cd "$1" && pwd) krel=$2 payload=$3 out=$4 script=${5:-scenarios.sh}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kroot=$build/kernel/root
r=$build/kernel/initramfs
# The modules the guest needs; their dependencies are added (modinfo).
modules="xhci-pci usbserial usb_wwan option"

rm -rf "$r"
mkdir -p "$r/bin" "$r/etc/udev/rules.d" "$r/lib/udev/rules.d" "$r/lib/systemd" "$r/proc" "$r/sys" \
	"$r/dev" "$r/run" "$r/tmp" "$r/var/lib/qfota" "$r/test" "$r/lib/modules/$krel"
ln -s bin "$r/sbin"

# A program and every shared library ldd names, at the same paths.
copy_prog() { # src dest
	cp -L "$1" "$r$2"
	ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' |
		while read -r lib; do
			[ -e "$r$lib" ] && continue
			mkdir -p "$r$(dirname "$lib")"
			cp -L "$lib" "$r$lib"
		done
}

cp /bin/busybox "$r/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
done
# kmod's modprobe (module dependencies from modules.dep; udevd loads the
# rest by modalias through libkmod itself).
rm -f "$r/bin/modprobe" "$r/bin/insmod" "$r/bin/lsmod" "$r/bin/rmmod" "$r/bin/depmod" "$r/bin/modinfo"
copy_prog "$(command -v kmod)" /bin/kmod
for t in modprobe insmod lsmod rmmod; do ln -s kmod "$r/bin/$t"; done

# Modules and their dependencies.
todo=$modules seen=""
while [ -n "$todo" ]; do
	# shellcheck disable=SC2086 # a list of names, split on purpose
	set -- $todo
	m=$1
	shift
	todo=$*
	case " $seen " in *" $m "*) continue ;; esac
	seen="$seen $m"
	f=$(modinfo -b "$kroot" -k "$krel" -F filename "$m")
	rel=${f#"$kroot"}
	[ "$rel" != "$f" ] || { echo "kernel-test: module $m is not under $kroot: $f" >&2; exit 1; }
	mkdir -p "$r$(dirname "$rel")"
	cp "$f" "$r$rel"
	deps=$(modinfo -b "$kroot" -k "$krel" -F depends "$m" | tr ',' ' ')
	todo="$todo $deps"
done
cp "$kroot/lib/modules/$krel"/modules.builtin* "$kroot/lib/modules/$krel/modules.order" "$r/lib/modules/$krel/"
depmod -b "$r" "$krel"

# udev: the daemon is udevadm under another name; Debian's rules, then ours.
copy_prog "$kroot/bin/udevadm" /bin/udevadm
ln -s /bin/udevadm "$r/lib/systemd/systemd-udevd"
cp "$kroot"/lib/udev/rules.d/*.rules "$r/lib/udev/rules.d/"
cp "$top"/udev/*.rules "$r/lib/udev/rules.d/"
cat >"$r/etc/group" <<'GROUPS'
root:x:0:
tty:x:5:
disk:x:6:
lp:x:7:
kmem:x:15:
dialout:x:20:
cdrom:x:24:
floppy:x:25:
tape:x:26:
audio:x:29:
video:x:44:
plugdev:x:46:
qfota:x:990:
input:x:101:
kvm:x:102:
render:x:103:
sgx:x:104:
GROUPS
echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"

# The program under test and the test itself.
copy_prog "$build/qfota" /bin/qfota
cp "$here/guest/init" "$r/init"
cp "$here/guest/lib.sh" "$r/test/"
cp "$here/guest/$script" "$r/test/scenarios.sh"
cp "$payload"/* "$r/test/"
chmod 0755 "$r/init"

(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out"
