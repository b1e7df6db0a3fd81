#!/bin/sh
# Installs the Debian packages qfota needs to build and test, when run as root;
# otherwise prints the exact apt-get line and fails. Used by `make check`,
# `make demo` and CI alike.
set -eu
pkgs="build-essential pkg-config libusb-1.0-0-dev libudev-dev libcmocka-dev
libumockdev-dev umockdev libglib2.0-dev libjson-c-dev usbutils udev systemd
groff-base man-db bash-completion clang libclang-rt-14-dev
dpkg-dev debhelper fakeroot lintian"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "qfota: installing missing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "qfota: missing Debian packages. Run as root:" >&2
	echo "  apt-get install$missing" >&2
	exit 1
fi
