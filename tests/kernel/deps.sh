#!/bin/sh
# The Debian packages the kernel tier (make check-kernel) needs on the host,
# installed by tests/deps.sh. The guest's kernel and udev are not installed:
# tests/kernel/fetch.sh downloads and unpacks them into build/kernel.
exec sh "$(dirname "$0")/../deps.sh" --label "for the kernel tier" qemu-system-x86 libusbredirparser-dev \
	busybox-static cpio zstd xz-utils kmod libglib2.0-dev pkg-config udev
