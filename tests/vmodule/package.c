/* The virtual package: a 192-byte header and a deterministic pseudo-random
 * payload (format in README.md). Real Quectel packages are opaque to qfota;
 * only the virtual module looks inside this one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qfota/cleanup.h>

#include "package_internal.h"

/* Header layout (little-endian): magic[8] model[32] from[48] to[48]
 * payload_len u64, payload_sha256[32], reserved[16]. Strings NUL-padded. */
#define OFF_MODEL 8
#define OFF_FROM 40
#define OFF_TO 88
#define OFF_LEN 136
#define OFF_SHA 144
#define LEN_MODEL 32
#define LEN_REV 48

const char *vm_package_verdict_to_string(enum vm_package_verdict v)
{
	switch (v) {
	case VM_PACKAGE_OK: return "ok";
	case VM_PACKAGE_NOT_PACKAGE: return "not-a-package";
	case VM_PACKAGE_CORRUPT: return "corrupt";
	case VM_PACKAGE_WRONG_MODEL: return "wrong-model";
	case VM_PACKAGE_WRONG_FROM: return "wrong-from-revision";
	}
	return "?";
}

static void put_str(uint8_t *h, size_t off, size_t cap, const char *s)
{
	memset(h + off, 0, cap);
	memcpy(h + off, s, strlen(s));
}

static void get_str(const uint8_t *h, size_t off, size_t cap, char *out)
{
	memcpy(out, h + off, cap);
	out[cap] = '\0';
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Payload bytes depend only on (model, from, to, size): the same command line
 * makes the same package, so tests can compare checksums across runs. */
static uint64_t seed_of(const char *model, const char *from, const char *to, uint64_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const char *parts[] = { model, "\x1f", from, "\x1f", to };
	for (size_t i = 0; i < QFOTA_ARRAY_SIZE(parts); i++)
		for (const char *c = parts[i]; *c; c++)
			h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
	h ^= size;
	return h ? h : 1;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

int vm_package_derive_revision(const char *from, char *buf, size_t cap)
{
	size_t n = strlen(from);
	if (n + 4 > cap)
		return -ENOSPC;
	strcpy(buf, from);
	for (size_t i = n >= 4 ? n - 4 : 0; n >= 4; i--) {
		if (buf[i] == 'A' && g_ascii_isdigit(buf[i + 1]) && g_ascii_isdigit(buf[i + 2]) &&
		    buf[i + 3] == 'M') {
			int v = (buf[i + 1] - '0') * 10 + (buf[i + 2] - '0');
			v = (v + 1) % 100;
			buf[i + 1] = (char)('0' + v / 10);
			buf[i + 2] = (char)('0' + v % 10);
			return 0;
		}
		if (i == 0)
			break;
	}
	strcat(buf, "_U1");
	return 0;
}

static void unlinkp(const char **p)
{
	if (*p)
		unlink(*p);
}

int vm_package_write(const char *out_path, const struct vm_profile *p, const char *from,
		     const char *to, uint64_t size, bool corrupt)
{
	char derived[LEN_REV + 8];
	uint8_t h[VM_PACKAGE_HEADER_SIZE] = { 0 };

	if (!out_path || !p || !p->ati_model)
		return -EINVAL;
	if (!from)
		from = p->default_revision;
	if (!to) {
		if (vm_package_derive_revision(from, derived, sizeof(derived)) < 0)
			return -EINVAL;
		to = derived;
	}
	if (size < VM_PACKAGE_HEADER_SIZE || strlen(p->ati_model) >= LEN_MODEL ||
	    strlen(from) >= LEN_REV || strlen(to) >= LEN_REV || !*to)
		return -EINVAL;

	_cleanup_fclose_ FILE *f = fopen(out_path, "we");
	if (!f)
		return -errno;
	_cleanup_(unlinkp) const char *remove_on_error = out_path;

	memcpy(h, VM_PACKAGE_MAGIC, 8);
	put_str(h, OFF_MODEL, LEN_MODEL, p->ati_model);
	put_str(h, OFF_FROM, LEN_REV, from);
	put_str(h, OFF_TO, LEN_REV, to);
	uint64_t payload = size - VM_PACKAGE_HEADER_SIZE;
	put_u64(h + OFF_LEN, payload);
	if (fwrite(h, 1, sizeof(h), f) != sizeof(h))
		return -EIO;

	g_autoptr(GChecksum) sha = g_checksum_new(G_CHECKSUM_SHA256);
	uint64_t state = seed_of(p->ati_model, from, to, size);
	_cleanup_free_ uint8_t *buf = malloc(65536);
	if (!buf)
		return -ENOMEM;
	for (uint64_t done = 0; done < payload;) {
		size_t n = payload - done < 65536 ? (size_t)(payload - done) : 65536;
		for (size_t i = 0; i < n; i += 8) {
			uint64_t r = xorshift(&state);
			for (size_t j = 0; j < 8 && i + j < n; j++)
				buf[i + j] = (uint8_t)(r >> (8 * j));
		}
		g_checksum_update(sha, buf, n);
		if (fwrite(buf, 1, n, f) != n)
			return -EIO;
		done += n;
	}
	gsize dlen = 32;
	g_checksum_get_digest(sha, h + OFF_SHA, &dlen);
	if (corrupt)
		h[OFF_SHA] ^= 0x5a;
	if (fseek(f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof(h), f) != sizeof(h))
		return -EIO;
	if (fflush(f) != 0)
		return -errno;
	remove_on_error = NULL;
	return 0;
}

void vm_pkg_reader_init(struct vm_pkg_reader *r)
{
	memset(r, 0, sizeof(*r));
	r->payload = g_checksum_new(G_CHECKSUM_SHA256);
}

void vm_pkg_reader_feed(struct vm_pkg_reader *r, const uint8_t *data, size_t len)
{
	if (r->total < VM_PACKAGE_HEADER_SIZE) {
		size_t n = VM_PACKAGE_HEADER_SIZE - (size_t)r->total;
		if (n > len)
			n = len;
		memcpy(r->header + r->total, data, n);
		r->total += n;
		data += n;
		len -= n;
	}
	if (len && r->payload) {
		g_checksum_update(r->payload, data, len);
		r->total += len;
	}
}

void vm_pkg_reader_finish(struct vm_pkg_reader *r, struct vm_pkg_digest *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->header_ok = r->total >= VM_PACKAGE_HEADER_SIZE &&
			 memcmp(r->header, VM_PACKAGE_MAGIC, 8) == 0;
	if (ret->header_ok) {
		get_str(r->header, OFF_MODEL, LEN_MODEL, ret->info.model);
		get_str(r->header, OFF_FROM, LEN_REV, ret->info.from);
		get_str(r->header, OFF_TO, LEN_REV, ret->info.to);
		ret->info.payload_len = get_u64(r->header + OFF_LEN);
		ret->payload_len = r->total - VM_PACKAGE_HEADER_SIZE;
		uint8_t d[32];
		gsize dlen = sizeof(d);
		g_checksum_get_digest(r->payload, d, &dlen);
		ret->sha_ok = dlen == 32 && memcmp(d, r->header + OFF_SHA, 32) == 0 &&
			      ret->payload_len == ret->info.payload_len;
	}
	vm_pkg_reader_clear(r);
}

void vm_pkg_reader_clear(struct vm_pkg_reader *r)
{
	if (r->payload)
		g_checksum_free(r->payload);
	memset(r, 0, sizeof(*r));
}

/* Order of checks as a real updater would meet them: is it a package at all,
 * is it intact, then does it fit this module (model, source revision). */
enum vm_package_verdict vm_pkg_verdict(const struct vm_pkg_digest *d, const char *model,
					const char *revision)
{
	if (!d->header_ok)
		return VM_PACKAGE_NOT_PACKAGE;
	if (!d->sha_ok)
		return VM_PACKAGE_CORRUPT;
	if (strcmp(d->info.model, model) != 0)
		return VM_PACKAGE_WRONG_MODEL;
	if (strcmp(d->info.from, revision) != 0)
		return VM_PACKAGE_WRONG_FROM;
	return VM_PACKAGE_OK;
}

int vm_pkg_digest_file(const char *path, struct vm_pkg_digest *ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	struct vm_pkg_reader r;
	vm_pkg_reader_init(&r);
	uint8_t buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		vm_pkg_reader_feed(&r, buf, n);
	if (ferror(f)) {
		vm_pkg_reader_clear(&r);
		return -EIO;
	}
	vm_pkg_reader_finish(&r, ret);
	return 0;
}

int vm_package_check_file(const char *path, const char *model, const char *revision,
			  struct vm_package_info *ret)
{
	struct vm_pkg_digest d;
	int r = vm_pkg_digest_file(path, &d);
	if (r < 0)
		return r;
	if (ret)
		*ret = d.info;
	return (int)vm_pkg_verdict(&d, model, revision);
}
