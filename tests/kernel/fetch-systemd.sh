#!/bin/sh
# Downloads the systemd guest's Debian packages into $1 (build/kernel) and
# unpacks them into $1/sdroot with dpkg-deb -x (no maintainer scripts run;
# nothing is installed on the host): systemd, udev, dbus, ModemManager, kmod
# and qfota's libraries, with their dependency closure (apt-cache depends
# --recurse) minus what a guest that boots, runs units and has nobody log in
# never runs: the other choices of an "a | b" dependency (elogind,
# dbus-broker, opensysusers), perl, debconf, dpkg, PAM's modules, the
# policykit-1 transitional package. Cached: a second run with the same package
# versions does nothing. Prints the root's path.
set -eu
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$out/sdroot

wanted="systemd udev dbus modemmanager polkitd kmod libusb-1.0-0 libjson-c5 libsystemd0 libudev1"
skip=" adduser cdebconf debconf libdebian-installer4 libnewt0.52 libslang2 libtextwrap1 dpkg install-info
 usrmerge usr-is-merged sgml-base xml-core elogind libelogind0 libpam-elogind dbus-broker opensysusers
 systemd-standalone-sysusers perl perl-base perl-modules-5.36 libperl5.36 libgdbm-compat4 libgdbm6 libdb5.3
 libfile-find-rule-perl libnumber-compare-perl libtext-glob-perl policykit-1 pkexec libpam-modules
 libpam-runtime libpam-systemd libsemanage-common libsemanage2 libsepol2 passwd systemd-sysv sysvinit-utils
 tar sed lsb-base init-system-helpers readline-common libreadline8 "

pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
	--no-enhances $wanted 2>/dev/null | grep '^[a-z0-9]' | sort -u)
# shellcheck disable=SC2086 # one line, each name between spaces
skip=" $(echo $skip) "
list=""
for p in $pkgs; do
	case "$skip" in *" $p "*) continue ;; esac
	list="$list $p"
done
# The versions decide the cache: a new systemd in the archive, a new root.
stamp=$(apt-cache policy $list 2>/dev/null | sed -n 's/^  Candidate: //p' | cksum | cut -d' ' -f1)
if [ ! -f "$out/sdroot-ready-$stamp" ]; then
	rm -rf "$out/sddebs" "$root" "$out"/sdroot-ready-*
	mkdir -p "$out/sddebs" "$root"
	chmod 0777 "$out/sddebs"
	# shellcheck disable=SC2086 # a list of names
	(cd "$out/sddebs" && apt-get download -q $list >/dev/null)
	# Debian 12's merged /usr, as usrmerge makes it: /bin, /sbin, /lib and
	# /lib64 are links into /usr, kept as links while the packages unpack.
	for d in bin sbin lib lib64; do mkdir -p "$root/usr/$d"; ln -s "usr/$d" "$root/$d"; done
	for d in "$out"/sddebs/*.deb; do
		dpkg-deb --fsys-tarfile "$d" | tar -x --keep-directory-symlink -C "$root"
	done
	rm -rf "$out/sddebs" "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" \
		"$root/usr/share/info" "$root/usr/share/zsh" "$root/usr/share/bash-completion"
	touch "$out/sdroot-ready-$stamp"
fi
echo "$root"
