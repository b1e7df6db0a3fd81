#!/bin/sh
# The Debian packages each part of qfota needs, by set. As root, installs the
# missing ones; otherwise prints the one apt-get line to run and fails, so that
# make stops before it builds anything.
#
#   deps.sh SET...            install (root) or name (others) what SETs lack
#   deps.sh --line SET...     print the apt-get line of SETs, installed or not
#   deps.sh --label L PKG...  the same for a part's own list (tests/kernel/deps.sh)
#
# Sets: build (qfota alone: `make`), vm (the virtual module: `make demo`),
# test (`make check`'s test programs), fuzz (libFuzzer), deb (`make deb`).
set -eu
set_build="build-essential pkg-config libusb-1.0-0-dev libudev-dev libjson-c-dev libsystemd-dev"
set_vm="libumockdev-dev umockdev libglib2.0-dev"
set_test="libcmocka-dev usbutils udev systemd groff-base man-db bash-completion time bc dbus-daemon"
set_fuzz="clang libclang-rt-14-dev"
set_deb="dpkg-dev debhelper fakeroot lintian"

set_packages() {
	for s in "$@"; do
		case "$s" in
		build) echo "$set_build" ;;
		vm) echo "$set_vm" ;;
		test) echo "$set_test" ;;
		fuzz) echo "$set_fuzz" ;;
		deb) echo "$set_deb" ;;
		*) echo "deps.sh: unknown set '$s' (build, vm, test, fuzz, deb)" >&2; return 1 ;;
		esac
	done
}

label=""
case "${1:-}" in
--line)
	shift
	pkgs=$(set_packages "$@")
	# shellcheck disable=SC2086
	echo "apt-get install" $pkgs
	exit 0
	;;
--label)
	label=" $2"
	shift 2
	pkgs="$*"
	;;
"")
	echo "usage: deps.sh SET... | --line SET... | --label LABEL PACKAGE..." >&2
	exit 2
	;;
*)
	label=" ($*)"
	pkgs=$(set_packages "$@")
	;;
esac

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
