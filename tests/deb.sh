#!/bin/sh
# `make deb`: builds the Debian package from a copy of the tree (so that
# dpkg-buildpackage's files never land in the working tree), then checks it:
# dpkg -c lists every file `make install PREFIX=/usr` installs, and lintian
# reports no error. Prints the lintian tags and the .deb's path.
# Needs: dpkg-dev debhelper fakeroot lintian (and the Build-Depends).
set -eu
out=${1:-build/deb}
top=$(cd "$(dirname "$0")/.." && pwd)
missing=""
for p in dpkg-dev debhelper fakeroot lintian pkg-config libusb-1.0-0-dev libudev-dev libjson-c-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "qfota deb: missing Debian packages. Run as root:" >&2
	echo "  apt-get install$missing" >&2
	exit 1
fi

version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$top/debian/changelog")
rm -rf "$out"
mkdir -p "$out/src/qfota-$version"
out=$(cd "$out" && pwd)
src="$out/src/qfota-$version"
(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) | (cd "$src" && tar -xf -)
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	echo "qfota deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
deb=$(ls "$out"/src/qfota_"$version"_*.deb)
mv "$deb" "$out/"
deb="$out/$(basename "$deb")"

# What the package must hold (the Makefile's install, PREFIX=/usr, and dh's docs).
dpkg -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$out/contents"
status=0
for f in /usr/bin/qfota /usr/share/man/man1/qfota.1.gz \
	/usr/lib/udev/rules.d/70-qfota.rules \
	/usr/lib/udev/rules.d/72-qfota-auto.rules /usr/lib/systemd/system/qfota-auto@.service \
	/usr/lib/sysusers.d/qfota.conf /usr/lib/tmpfiles.d/qfota.conf \
	/usr/share/bash-completion/completions/qfota \
	/usr/share/doc/qfota/examples/policy.conf.example \
	/usr/share/doc/qfota/examples/qfota-auto-enable.rules.example \
	/usr/share/doc/qfota/examples/qfota-modemmanager-ignore.rules.example \
	/usr/share/doc/qfota/copyright /usr/share/doc/qfota/README.md.gz; do
	grep -qx "$f" "$out/contents" || { echo "qfota deb: $f missing from the package" >&2; status=1; }
done
dpkg-deb -I "$deb" postinst | grep -q 'udevadm control --reload-rules' ||
	{ echo "qfota deb: postinst does not reload udev's rules" >&2; status=1; }
# the qfota group exists before udevd applies the rules that name it
dpkg-deb -I "$deb" postinst | awk '/systemd-sysusers/ && !u { s = 1 } /udevadm control/ { u = 1 } END { exit !s }' ||
	{ echo "qfota deb: postinst does not create the qfota group before reloading udev's rules" >&2; status=1; }

lintian --tag-display-limit 0 "$deb" >"$out/lintian.txt" 2>&1 || true
cat "$out/lintian.txt"
if grep -q '^E:' "$out/lintian.txt"; then
	echo "qfota deb: lintian reports errors" >&2
	status=1
fi
echo "deb $deb"
exit $status
