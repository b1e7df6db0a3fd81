/* The virtual package format: what vm_package_write makes, what the FOTA
 * engine's check says about it (round trip, wrong model, wrong from-revision,
 * corrupt, not a package), determinism, derived revisions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "vmodule/package.h"

static char *tmpdir;

static const struct vm_profile *prof(const char *name)
{
	const struct vm_profile *p = vm_profile_find(name);
	assert_non_null(p);
	return p;
}

static char *path_of(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static void test_round_trip(void **state)
{
	(void)state;
	static const char *const profiles[] = { "ec200u", "eg25", "ep06" };
	for (size_t i = 0; i < 3; i++) {
		char *p = path_of("rt.pkg");
		const struct vm_profile *pr = prof(profiles[i]);
		assert_int_equal(vm_package_write(p, pr, NULL, NULL, 100000, false), 0);
		gchar *data;
		gsize len;
		assert_true(g_file_get_contents(p, &data, &len, NULL));
		assert_int_equal(len, 100000);
		assert_memory_equal(data, VM_PACKAGE_MAGIC, 8);
		/* the header carries the payload's SHA-256 (computed here independently) */
		char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
							(const guchar *)data + VM_PACKAGE_HEADER_SIZE,
							len - VM_PACKAGE_HEADER_SIZE);
		GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
		g_checksum_update(c, (const guchar *)data + VM_PACKAGE_HEADER_SIZE,
				  len - VM_PACKAGE_HEADER_SIZE);
		guint8 dig[32];
		gsize dl = 32;
		g_checksum_get_digest(c, dig, &dl);
		assert_memory_equal(data + 144, dig, 32);
		g_checksum_free(c);
		g_free(sha);

		struct vm_package_info info;
		assert_int_equal(vm_package_check_file(p, pr->ati_model, pr->default_revision, &info),
				 VM_PACKAGE_OK);
		assert_string_equal(info.model, pr->ati_model);
		assert_string_equal(info.from, pr->default_revision);
		char want_to[64];
		assert_int_equal(vm_package_derive_revision(pr->default_revision, want_to, sizeof(want_to)), 0);
		assert_string_equal(info.to, want_to);
		assert_string_not_equal(info.to, info.from);
		assert_int_equal(info.payload_len, 100000 - VM_PACKAGE_HEADER_SIZE);
		g_free(data);
		unlink(p);
		g_free(p);
	}
}

struct check_case {
	const char *profile;      /* package built for */
	const char *from, *to;
	uint64_t size;
	bool corrupt;
	const char *module_model;
	const char *module_rev;
	int want;
};

static void check_one(const struct check_case *c)
{
	char *p = path_of("c.pkg");
	assert_int_equal(vm_package_write(p, prof(c->profile), c->from, c->to, c->size, c->corrupt), 0);
	assert_int_equal(vm_package_check_file(p, c->module_model, c->module_rev, NULL), c->want);
	unlink(p);
	g_free(p);
}

static void test_checks(void **state)
{
	(void)state;
	static const struct check_case cases[] = {
		{ "ec200u", NULL, NULL, 4096, false, "EC200U", "EC200UCNAAR03A15M08", VM_PACKAGE_OK },
		{ "ec200u", NULL, "EC200UCNAAR03A20M08", 192, false, "EC200U", "EC200UCNAAR03A15M08", VM_PACKAGE_OK },
		{ "ec200u", NULL, NULL, 4096, true, "EC200U", "EC200UCNAAR03A15M08", VM_PACKAGE_CORRUPT },
		{ "eg25", NULL, NULL, 4096, false, "EC200U", "EG25GGBR07A08M2G", VM_PACKAGE_WRONG_MODEL },
		{ "eg25", "EG25GGBR07A07M2G", NULL, 4096, false, "EG25", "EG25GGBR07A08M2G", VM_PACKAGE_WRONG_FROM },
		{ "ep06", NULL, NULL, 4096, true, "EG25", "X", VM_PACKAGE_CORRUPT },   /* integrity first */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_one(&cases[i]);
}

static void test_not_a_package(void **state)
{
	(void)state;
	char *p = path_of("junk.bin");
	/* too short, wrong magic, truncated payload, extra bytes */
	assert_true(g_file_set_contents(p, "QFVPKG1\n", 8, NULL));
	assert_int_equal(vm_package_check_file(p, "EC200U", "R", NULL), VM_PACKAGE_NOT_PACKAGE);
	char *junk = g_strnfill(5000, 'x');
	assert_true(g_file_set_contents(p, junk, 5000, NULL));
	assert_int_equal(vm_package_check_file(p, "EC200U", "R", NULL), VM_PACKAGE_NOT_PACKAGE);
	g_free(junk);
	assert_int_equal(vm_package_write(p, prof("ec200u"), NULL, NULL, 5000, false), 0);
	gchar *data;
	gsize len;
	assert_true(g_file_get_contents(p, &data, &len, NULL));
	assert_true(g_file_set_contents(p, data, (gssize)len - 1, NULL));
	assert_int_equal(vm_package_check_file(p, "EC200U", "EC200UCNAAR03A15M08", NULL), VM_PACKAGE_CORRUPT);
	GString *more = g_string_new_len(data, (gssize)len);
	g_string_append_c(more, 0);
	assert_true(g_file_set_contents(p, more->str, (gssize)more->len, NULL));
	assert_int_equal(vm_package_check_file(p, "EC200U", "EC200UCNAAR03A15M08", NULL), VM_PACKAGE_CORRUPT);
	data[1000] ^= 1;   /* one payload bit */
	assert_true(g_file_set_contents(p, data, (gssize)len, NULL));
	assert_int_equal(vm_package_check_file(p, "EC200U", "EC200UCNAAR03A15M08", NULL), VM_PACKAGE_CORRUPT);
	g_string_free(more, TRUE);
	g_free(data);
	assert_int_equal(vm_package_check_file("/nonexistent/x", "EC200U", "R", NULL), -ENOENT);
	unlink(p);
	g_free(p);
}

static void test_deterministic_and_errors(void **state)
{
	(void)state;
	char *a = path_of("a.pkg"), *b = path_of("b.pkg");
	assert_int_equal(vm_package_write(a, prof("eg25"), NULL, NULL, 70000, false), 0);
	assert_int_equal(vm_package_write(b, prof("eg25"), NULL, NULL, 70000, false), 0);
	gchar *da, *db;
	gsize la, lb;
	assert_true(g_file_get_contents(a, &da, &la, NULL));
	assert_true(g_file_get_contents(b, &db, &lb, NULL));
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
	g_free(db);
	/* another target revision: another payload */
	assert_int_equal(vm_package_write(b, prof("eg25"), NULL, "EG25GGBR07A10M2G", 70000, false), 0);
	assert_true(g_file_get_contents(b, &db, &lb, NULL));
	assert_memory_not_equal(da + 1000, db + 1000, 1000);
	g_free(da);
	g_free(db);

	assert_int_equal(vm_package_write(a, prof("eg25"), NULL, NULL, 100, false), -EINVAL);
	assert_int_equal(vm_package_write(a, NULL, NULL, NULL, 1000, false), -EINVAL);
	char longrev[80];
	memset(longrev, 'R', sizeof(longrev) - 1);
	longrev[79] = '\0';
	assert_int_equal(vm_package_write(a, prof("eg25"), longrev, NULL, 1000, false), -EINVAL);
	assert_true(vm_package_write("/nonexistent/dir/x.pkg", prof("eg25"), NULL, NULL, 1000, false) < 0);
	unlink(a);
	unlink(b);
	g_free(a);
	g_free(b);
}

static void derive_one(const char *from, const char *want)
{
	char buf[64];
	assert_int_equal(vm_package_derive_revision(from, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_derive_revision(void **state)
{
	(void)state;
	derive_one("EG25GGBR07A08M2G", "EG25GGBR07A09M2G");
	derive_one("EC200UCNAAR03A15M08", "EC200UCNAAR03A16M08");
	derive_one("EP06ELAR04A05M4G", "EP06ELAR04A06M4G");
	derive_one("X99A99M1", "X99A00M1");
	derive_one("PLAIN", "PLAIN_U1");
	char small[8];
	assert_int_equal(vm_package_derive_revision("EG25GGBR07A08M2G", small, sizeof(small)), -ENOSPC);
}

static int setup(void **state)
{
	(void)state;
	tmpdir = g_dir_make_tmp("vmpkg-XXXXXX", NULL);
	return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rmdir(tmpdir);
	g_free(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_not_a_package),
		cmocka_unit_test(test_deterministic_and_errors),
		cmocka_unit_test(test_derive_revision),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
