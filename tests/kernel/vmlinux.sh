#!/bin/sh
# Writes the uncompressed kernel (an ELF with a PVH note) found inside a
# bzImage: the payload is one compressed stream somewhere after the setup code;
# try each compression's magic until one decompresses to an ELF file.
# Usage: vmlinux.sh VMLINUZ OUT
set -eu
in=$1 out=$2
tmp=$out.tmp
try() { # magic (as grep -P bytes), decompressor
	# shellcheck disable=SC2013 # byte offsets, one number a line
	for off in $(LC_ALL=C grep -obUaP "$1" "$in" | cut -d: -f1); do
		tail -c +$((off + 1)) "$in" | $2 >"$tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv "$tmp" "$out"
			return 0
		fi
	done
	return 1
}
try '\x28\xb5\x2f\xfd' 'zstd -dc' || try '\xfd\x37\x7a\x58\x5a\x00' 'xz -dc' ||
	try '\x1f\x8b\x08' 'gzip -dc' || { rm -f "$tmp"; echo "kernel-test: no vmlinux in $in" >&2; exit 1; }
