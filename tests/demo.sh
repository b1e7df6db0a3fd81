#!/bin/sh
# make demo: the main job on a virtual module. A virtual EC200U (2c7c:0901,
# the layout of QUECTEL_FACTS §1.3) on USB port 1-1 is upgraded in FILE mode
# with a sample package, at a pace slow enough to watch: the package streams,
# the module reports its progress, reboots, comes back on the same port, says
# END,0 and shows its new revision.
set -u
build=${1:-build}
dir=$(mktemp -d /tmp/qfota-demo-XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM
export QFOTA_AUDIT_LOG="" QFOTA_LOCK_DIR="$dir/locks"

"$build/vmodule" pack --profile ec200u --size 4194304 "$dir/EC200U.pack" || exit 1
cat <<TXT
== qfota demo ==
A virtual EC200U module on USB port 1-1 (real libusb and libudev in qfota;
the kernel's usbdevfs emulated by umockdev), and a 4 MiB sample package.

\$ qfota list
TXT
"$build/vmodule" --profile ec200u --pace demo --record "$dir/record" -- sh -c "
	'$build/qfota' list &&
	echo && echo '\$ qfota upgrade --port 1-1 EC200U.pack' &&
	'$build/qfota' upgrade --port 1-1 '$dir/EC200U.pack'"
rc=$?
echo
echo "What the virtual module saw:"
grep -E " (revision_before|revision|reboots|package_bytes|fota_end_code|claimed|driver_bound) " "$dir/record" |
	sed 's/^/  /'
echo
if [ "$rc" -eq 0 ]; then
	echo "qfota demo: upgraded; the kernel driver was given back (driver_bound 1)."
else
	echo "qfota demo: FAILED with exit code $rc" >&2
fi
exit "$rc"
