/* Streaming check of a virtual package as its bytes arrive (FILE mode data,
 * QFUPL upload, a URL "download"), keeping only the header and a running
 * SHA-256 of the payload: a 40 MB package never sits in memory. */
#ifndef VM_PACKAGE_INTERNAL_H
#define VM_PACKAGE_INTERNAL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "package.h"

/* What the module remembers of a package once all of it went by. */
struct vm_pkg_digest {
	bool header_ok;            /* long enough, right magic */
	struct vm_package_info info;
	uint64_t payload_len;      /* bytes after the header actually seen */
	bool sha_ok;               /* payload SHA-256 equals the header's */
};

struct vm_pkg_reader {
	uint8_t header[VM_PACKAGE_HEADER_SIZE];
	uint64_t total;            /* bytes fed so far */
	GChecksum *payload;        /* SHA-256 of bytes after the header */
};

void vm_pkg_reader_init(struct vm_pkg_reader *r);
void vm_pkg_reader_feed(struct vm_pkg_reader *r, const uint8_t *data, size_t len);
/* Finishes r into ret and frees r's resources (r can be init'ed again). */
void vm_pkg_reader_finish(struct vm_pkg_reader *r, struct vm_pkg_digest *ret);
void vm_pkg_reader_clear(struct vm_pkg_reader *r);   /* accepts an unused reader */

enum vm_package_verdict vm_pkg_verdict(const struct vm_pkg_digest *d, const char *model,
					const char *revision);

/* Feeds a host file into a digest. Returns 0 or a negative errno. */
int vm_pkg_digest_file(const char *path, struct vm_pkg_digest *ret);

#endif
