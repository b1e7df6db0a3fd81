#!/bin/sh
# Runs COMMAND with TMPDIR on a private tmpfs when it can (root, and mount
# namespaces allowed), else as it is. The virtual modules' testbed (umockdev's
# sysfs, udev database and device nodes) lives under TMPDIR: each
# re-enumeration writes and deletes hundreds of files there, under the
# adapter's lock. On a disk file system a reboot wave of 32 modules then held
# every link for seconds (ext4 inode allocation was a quarter of the virtual
# modules' CPU); in RAM, as the real sysfs is, it takes a fraction of that.
# Nothing stays mounted: the tmpfs lives in the command's own mount namespace.
# Usage: in-ram.sh COMMAND [ARGS]...
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	ram=$(mktemp -d "${TMPDIR:-/tmp}/qfota-ram.XXXXXX") || exec "$@"
	unshare -m sh -c 'mount -t tmpfs -o size=2g qfota-ram "$0" && TMPDIR="$0" exec "$@"' "$ram" "$@"
	rc=$?
	rmdir "$ram" 2>/dev/null
	exit "$rc"
fi
exec "$@"
