/* The virtual package format: what `build/vmodule pack` writes and what the
 * virtual module's FOTA engine checks (model, from-revision, to-revision,
 * payload checksum). Real Quectel packages are opaque to qfota; so is this one:
 * qfota never parses it. Format documented in tests/vmodule/README.md. */
#ifndef VM_PACKAGE_H
#define VM_PACKAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"

/* Writes a package for profile p from revision `from` (NULL: the profile's
 * default) to `to` (NULL: a derived new revision), `size` bytes in all (header
 * included; at least the header size). corrupt: payload checksum wrong.
 * Returns 0 or a negative errno. */
int vm_package_write(const char *out_path, const struct vm_profile *p, const char *from,
		     const char *to, uint64_t size, bool corrupt);

/* Additions (model engineer): what the FOTA engine checks, also usable by tests. */
#include <stddef.h>

#define VM_PACKAGE_HEADER_SIZE 192
#define VM_PACKAGE_MAGIC "QFVPKG1\n"   /* 8 bytes, no NUL */

enum vm_package_verdict {
	VM_PACKAGE_OK = 0,
	VM_PACKAGE_NOT_PACKAGE,  /* too short or bad magic */
	VM_PACKAGE_CORRUPT,      /* payload length or SHA-256 differs from the header */
	VM_PACKAGE_WRONG_MODEL,  /* built for another ATI model */
	VM_PACKAGE_WRONG_FROM,   /* built for another from-revision */
};
const char *vm_package_verdict_to_string(enum vm_package_verdict v);

struct vm_package_info {
	char model[33];
	char from[49];
	char to[49];
	uint64_t payload_len;    /* as the header declares it */
};

/* Checks the package file at path against a module (ATI model, current revision),
 * as the virtual FOTA engine does. Returns a verdict (>= 0) or a negative errno
 * if the file cannot be read; ret (may be NULL) gets the header fields. */
int vm_package_check_file(const char *path, const char *model, const char *revision,
			  struct vm_package_info *ret);

/* The revision a package goes to when none is given: the two digits after the
 * last "A" that is followed by two digits and an "M" are incremented
 * ("EG25GGBR07A08M2G" -> "EG25GGBR07A09M2G"); otherwise "_U1" is appended.
 * Returns 0 or -ENOSPC. */
int vm_package_derive_revision(const char *from, char *buf, size_t cap);

#endif
