#!/bin/sh
# Installs Debian packages when run as root; otherwise prints the exact
# apt-get line and fails. Without arguments: what qfota needs to build and
# test (used by `make check`, `make demo` and CI alike). With arguments: a
# label and the packages of a part that needs more (tests/kernel/deps.sh).
set -eu
label=""
pkgs="build-essential pkg-config libusb-1.0-0-dev libudev-dev libcmocka-dev
libumockdev-dev umockdev libglib2.0-dev libjson-c-dev usbutils udev systemd
groff-base man-db bash-completion clang libclang-rt-14-dev
dpkg-dev debhelper fakeroot lintian"
if [ $# -gt 0 ]; then
	label=" $1"
	shift
	pkgs="$*"
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "qfota: installing missing Debian packages$label:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "qfota: missing Debian packages$label. Run as root:" >&2
	echo "  apt-get install$missing" >&2
	exit 1
fi
