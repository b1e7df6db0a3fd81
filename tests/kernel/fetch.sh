#!/bin/sh
# Downloads the guest's Debian kernel and udev into $1 (build/kernel) with
# apt-get download + dpkg-deb -x (nothing is installed on the host), and
# extracts the uncompressed vmlinux (qemu boots it through PVH, about 4 s
# faster than the bzImage: ../shared/KERNEL_BENCH_NOTES.md). Cached: a second
# run with the same kernel ABI does nothing. Prints the kernel release.
# Layout: $1/root (the unpacked packages), $1/vmlinux-<release>.
set -eu
out=$1
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

# The kernel ABI current in the archive is the one the metapackage depends on
# (older ABIs stay listed by apt-cache search but leave the mirrors).
abi_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n 1)
if [ -z "$abi_pkg" ]; then
	# No package lists yet (fresh machine): refresh once, as root can.
	[ "$(id -u)" -eq 0 ] && apt-get update -qq
	abi_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n 1)
fi
[ -n "$abi_pkg" ] || { echo "kernel-test: cannot find linux-image-6.1.0-*-amd64 with apt-cache" >&2; exit 1; }
krel=${abi_pkg#linux-image-}

if [ ! -f "$out/ready-$krel" ]; then
	rm -rf "$out/debs" "$out/root" "$out"/ready-*
	mkdir -p "$out/debs" "$out/root"
	# apt-get download writes into the current directory, as the _apt user
	# when it can: the directory must be writable by it.
	chmod 0777 "$out/debs"
	(cd "$out/debs" && apt-get download -q "$abi_pkg" udev >/dev/null)
	# The kernel package unpacks to 400 MB; the guest needs the image and
	# the USB drivers only.
	dpkg-deb --fsys-tarfile "$out/debs/${abi_pkg}"_*.deb | tar -x -C "$out/root" --wildcards \
		'./boot/vmlinuz-*' './lib/modules/*/kernel/drivers/usb/*' './lib/modules/*/modules.builtin*' \
		'./lib/modules/*/modules.order'
	dpkg-deb -x "$out"/debs/udev_*.deb "$out/root"
	depmod -b "$out/root" "$krel"
	rm -f "$out"/debs/*.deb
	sh "$(dirname "$0")/vmlinux.sh" "$out/root/boot/vmlinuz-$krel" "$out/vmlinux-$krel"
	touch "$out/ready-$krel"
fi
echo "$krel"
