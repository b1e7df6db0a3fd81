/* The policy parser and decision (include/qfota/policy.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "qfota/policy.h"

#define R15 "EC200UCNAAR03A15M08"
#define R16 "EC200UCNAAR03A16M08"
#define R17 "EC200UCNAAR03A17M08"

static struct policy *parse_ok(const char *text, size_t n_rules)
{
	struct policy *p = NULL;
	struct policy_error err;
	int r = policy_parse(text, strlen(text), &p, &err);

	if (r != 0)
		fail_msg("policy rejected at line %u: %s\n%s", err.line, err.reason, text);
	assert_non_null(p);
	assert_int_equal(p->n_rules, n_rules);
	return p;
}

/* A bad policy: rejected at line with a reason containing `why`. */
static void bad_one(const char *text, unsigned line, const char *why)
{
	struct policy *p = (struct policy *)0x1;
	struct policy_error err;
	int r = policy_parse(text, strlen(text), &p, &err);

	if (r != -EINVAL || err.line != line || !strstr(err.reason, why))
		fail_msg("expected -EINVAL at line %u with \"%s\"; got %d at line %u: \"%s\"\n%s", line, why, r, err.line,
			 err.reason, text);
	assert_ptr_equal(p, (struct policy *)0x1); /* ret untouched on failure */
}

static void test_good_policy(void **state)
{
	(void)state;
	struct policy *p = parse_ok("# station policy\n"
				    "\n"
				    "   # indented comment\n"
				    "model=EC200U from=" R15 " to=" R16 " file=/srv/fota/a.pack  # A15 -> A16\r\n"
				    "\tto=" R17 "  url=http://fota.example.com:8080/b.pack model=ec200u from=" R16 "\n"
				    "model=EG25 from=EG25GGBR07A08M2G to=EG25GGBR07A09M2G upload=/srv/c.zip upload-name=x.bin",
				    3);

	assert_string_equal(p->rules[0].model, "EC200U");
	assert_string_equal(p->rules[0].from, R15);
	assert_string_equal(p->rules[0].to, R16);
	assert_int_equal(p->rules[0].source, POLICY_SOURCE_FILE);
	assert_string_equal(p->rules[0].location, "/srv/fota/a.pack");
	assert_int_equal(p->rules[0].line, 4);
	assert_null(p->rules[0].upload_name);
	assert_int_equal(p->rules[1].source, POLICY_SOURCE_URL);
	assert_string_equal(p->rules[1].location, "http://fota.example.com:8080/b.pack");
	assert_int_equal(p->rules[1].line, 5);
	assert_int_equal(p->rules[2].source, POLICY_SOURCE_UPLOAD);
	assert_string_equal(p->rules[2].upload_name, "x.bin");
	policy_free(p);
}

static void test_empty_policy(void **state)
{
	(void)state;
	policy_free(parse_ok("", 0));
	policy_free(parse_ok("# nothing yet\n\n   \n", 0));
}

static void test_bad_policies(void **state)
{
	(void)state;
	/* unknown key */
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a revision=3\n", 1, "unknown key 'revision'");
	bad_one("\n\nmodel=EC200U from=" R15 " to=" R16 " fiel=/a\n", 3, "unknown key 'fiel'");
	/* missing fields */
	bad_one("from=" R15 " to=" R16 " file=/a\n", 1, "model= is missing");
	bad_one("model=EC200U to=" R16 " file=/a\n", 1, "from= is missing");
	bad_one("model=EC200U from=" R15 " file=/a\n", 1, "to= is missing");
	bad_one("model=EC200U from=" R15 " to=" R16 "\n", 1, "give file=, url= or upload=");
	bad_one("model=EC200U from= to=" R16 " file=/a\n", 1, "from= has no value");
	/* bad URL, credentials never shown */
	bad_one("model=EC200U from=" R15 " to=" R16 " url=gopher://h/x\n", 1, "url=gopher://h/x");
	bad_one("model=EC200U from=" R15 " to=" R16 " url=ftp://u:secret@h/dir/x.pack\n", 1, "***");
	bad_one("model=EC200U from=" R15 " to=" R16 " url=http://h:99999/x\n", 1, "port");
	/* a URL under another key, or a typo: still redacted (found by tests/fuzz/fuzz-policy.c) */
	bad_one("model=EC200U from=" R15 " to=" R16 " file=ftp://u:secret@h/x.pack\n", 1,
		"file=ftp://***:***@h/x.pack: give an absolute path");
	bad_one("model=EC200U from=" R15 " to=" R16 " url:ftp://u:secret@h/x.pack\n", 1,
		"'url:ftp://***:***@h/x.pack' is not KEY=VALUE");
	bad_one("model=EC200U from=ftp://u:secret@h/x.pack to=" R16 " file=/a\n", 1, "from=ftp://***:***@h/x.pack: only");
	/* ... also when the quoted field is cut short before its '@' */
	bad_one("model=EC200U from=" R15 " to=" R16 " url:ftp://u:0123456789012345678901234567890123456789012345678901@h/x\n",
		1, "'url:ftp://***:***@h/x' is not KEY=VALUE");
	bad_one("model=EC200U ftp://u:0123456789012345678901234567890123456789@h/x=1 from=" R15 "\n", 1,
		"unknown key 'ftp://***:***@h/x'");
	/* bad revision / model characters */
	bad_one("model=EC200U from=EC200U;A15 to=" R16 " file=/a\n", 1, "only letters, digits");
	bad_one("model=EC200U from=" R15 " to=A16/M08 file=/a\n", 1, "to=A16/M08");
	bad_one("model=EC_200U from=" R15 " to=" R16 " file=/a\n", 1, "model=EC_200U");
	bad_one("model=EC200U from=" R15 " to=0123456789012345678901234567890123456789012345678901234567890123456789"
		" file=/a\n", 1, "longer than 63");
	/* duplicates */
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a\n#\nmodel=ec200u from=" R15 " to=" R17 " file=/b\n", 3,
		"second rule for ec200u from " R15 " (the first is on line 1)");
	bad_one("model=EC200U model=EG25 from=" R15 " to=" R16 " file=/a\n", 1, "model= given twice");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a url=http://h/x\n", 1, "more than one of");
	/* other mistakes */
	bad_one("model=EC200U from=" R15 " to=" R16 " file=a.pack\n", 1, "absolute path");
	bad_one("model=EC200U from=" R15 " to=" R15 " file=/a\n", 1, "the same revision");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a upload-name=x\n", 1, "goes with upload=");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a#b\n", 1, "'#' inside a field");
	bad_one("model=EC200U from=" R15 " to " R16 " file=/a\n", 1, "is not KEY=VALUE");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a\"b\n", 1, "'\"'");
}

static void test_nul_byte(void **state)
{
	(void)state;
	static const char text[] = "# ok\nmodel=EC200U\0 from=x\n";
	struct policy *p = NULL;
	struct policy_error err;

	assert_int_equal(policy_parse(text, sizeof(text) - 1, &p, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.reason, "NUL"));
}

/* Not NUL-terminated: the parser stays within len (ASan would catch a read past). */
static void test_exact_length(void **state)
{
	(void)state;
	const char *src = "model=EC200U from=" R15 " to=" R16 " file=/srv/a.pack";
	size_t n = strlen(src);
	char *buf = malloc(n);
	struct policy *p = NULL;
	struct policy_error err;

	memcpy(buf, src, n);
	assert_int_equal(policy_parse(buf, n, &p, &err), 0);
	assert_int_equal(p->n_rules, 1);
	assert_string_equal(p->rules[0].location, "/srv/a.pack");
	policy_free(p);
	free(buf);
}

static void test_decide(void **state)
{
	(void)state;
	struct policy *p = parse_ok("model=EC200U from=" R15 " to=" R16 " file=/a\n"
				    "model=EC200U from=" R16 " to=" R17 " url=http://h/b\n"
				    "model=EG25 from=EG25A08 to=EG25A09 upload=/c\n",
				    3);
	const struct policy_rule *rule = NULL;

	assert_int_equal(policy_decide(p, "EC200U", R15, &rule), POLICY_UPGRADE);
	assert_ptr_equal(rule, &p->rules[0]);
	/* a chain: from A16 the next rule applies, not "at target" */
	assert_int_equal(policy_decide(p, "ec200u", R16, &rule), POLICY_UPGRADE);
	assert_ptr_equal(rule, &p->rules[1]);
	assert_int_equal(policy_decide(p, "EC200U", R17, &rule), POLICY_AT_TARGET);
	assert_ptr_equal(rule, &p->rules[1]);
	assert_int_equal(policy_decide(p, "EC200U", "EC200UCNAAR03A14M08", &rule), POLICY_UNKNOWN_REVISION);
	assert_null(rule);
	assert_int_equal(policy_decide(p, "EG25", "EG25A09", &rule), POLICY_AT_TARGET);
	assert_int_equal(policy_decide(p, "EP06", "EP06A01", &rule), POLICY_UNKNOWN_MODEL);
	assert_null(rule);
	assert_int_equal(policy_decide(NULL, "EC200U", R15, NULL), POLICY_UNKNOWN_MODEL);
	assert_string_equal(policy_verdict_to_string(POLICY_AT_TARGET), "at target");
	policy_free(p);
}

static void test_load(void **state)
{
	(void)state;
	char path[] = "/tmp/qfota-policy-XXXXXX";
	int fd = mkstemp(path);
	struct policy *p = NULL;
	struct policy_error err;
	static const char text[] = "model=EC200U from=" R15 " to=" R16 " file=/a\nbogus\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	close(fd);
	assert_int_equal(policy_load(path, &p, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	unlink(path);
	assert_int_equal(policy_load(path, &p, &err), -ENOENT);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.reason, "cannot read"));
}

/* imei=: the grammar, and which IMEIs a rule lets through. */
static void test_imei(void **state)
{
	struct policy *p;
	const struct policy_rule *rule = NULL;

	(void)state;
	p = parse_ok("model=EC200U from=" R15 " to=" R16 " file=/a imei=866050034443000,35800*\n"
		     "model=EC200U from=" R16 " to=" R17 " file=/b\n", 2);
	assert_non_null(p->rules[0].imei);
	assert_null(p->rules[1].imei);
	assert_int_equal(policy_decide(p, "EC200U", R15, &rule), POLICY_UPGRADE);
	assert_true(policy_rule_allows_imei(rule, "866050034443000"));
	assert_true(policy_rule_allows_imei(rule, "358001234567890"));
	assert_false(policy_rule_allows_imei(rule, "866050034443001"));
	assert_false(policy_rule_allows_imei(rule, "358011234567890"));
	assert_false(policy_rule_allows_imei(rule, "35800"));  /* not an IMEI */
	assert_false(policy_rule_allows_imei(rule, ""));
	assert_false(policy_rule_allows_imei(rule, NULL));
	assert_true(policy_rule_allows_imei(&p->rules[1], "866050034443001")); /* no list: any */
	assert_true(policy_rule_allows_imei(&p->rules[1], NULL));
	policy_free(p);

	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a imei=12345\n", 1, "imei=12345: give IMEIs of 15");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a imei=8660500344430001\n", 1, "imei=");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a imei=866050034443000,\n", 1, "imei=");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a imei=*\n", 1, "imei=");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a imei=86605*0\n", 1, "imei=");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a imei=8660500344430*\n"
		"model=EC200U from=" R16 " to=" R17 " file=/a imei=abc*\n", 2, "imei=abc*");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a imei=35* imei=36*\n", 1, "imei= given twice");
}

/* The policy file is trusted: refused when another user owns it or others
 * may write it (-EPERM, words saying what to do); a password in it that
 * others may read is flagged for the caller's warning. */
static void test_load_trust(void **state)
{
	char path[] = "/tmp/qfota-policy-XXXXXX";
	int fd = mkstemp(path);
	struct policy *p = NULL;
	struct policy_error err;
	static const char text[] = "model=EC200U from=" R15 " to=" R16 " file=/a\n"
				   "model=EG25 from=A to=B url=ftp://u:pw@h.example/x.zip\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (int)sizeof(text) - 1);
	close(fd);
	/* 0600: fine, and nobody else reads the password */
	assert_int_equal(policy_load(path, &p, &err), 0);
	assert_int_equal(p->credentials_line, 2);
	assert_false(p->readable_by_others);
	policy_free(p);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(policy_load(path, &p, &err), 0);
	assert_true(p->readable_by_others);
	policy_free(p);
	/* writable by others or by the group: refused */
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(policy_load(path, &p, &err), -EPERM);
	assert_non_null(strstr(err.reason, "writable by everyone"));
	assert_non_null(strstr(err.reason, "chmod go-w"));
	assert_int_equal(err.line, 0);
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(policy_load(path, &p, &err), -EPERM);
	assert_non_null(strstr(err.reason, "writable by its group"));
	/* another user's file: refused (giving it away needs root) */
	assert_int_equal(chmod(path, 0644), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(policy_load(path, &p, &err), -EPERM);
		assert_non_null(strstr(err.reason, "owned by uid 65534"));
		assert_non_null(strstr(err.reason, "chown root:"));
	}
	unlink(path);
}

#define H64 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* sha256=: 64 hex digits, with file= or upload= only. */
static void test_sha256_key(void **state)
{
	(void)state;
	struct policy *p = parse_ok("model=EC200U from=" R15 " to=" R16 " file=/a sha256=" H64 "\n"
				    "model=EC200U from=" R16 " to=" R17 " url=http://h/b\n", 2);

	assert_string_equal(p->rules[0].sha256, H64);
	assert_string_equal(p->rules[1].sha256, "");
	policy_free(p);
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a sha256=9f86\n", 1, "sha256= wants 64 hex digits");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a sha256=" H64 "0\n", 1, "sha256= wants 64 hex digits");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a sha256=zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
		1, "sha256= wants 64 hex digits");
	bad_one("model=EC200U from=" R15 " to=" R16 " url=http://h/a sha256=" H64 "\n", 1, "goes with file= or upload=");
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a sha256=" H64 " sha256=" H64 "\n", 1, "given twice");
}

/* Chains are followed to their end; a loop is refused at its first rule. */
static void test_chains_and_loops(void **state)
{
	(void)state;
	const struct policy_rule *hops[4];
	struct policy *p = parse_ok("model=EC200U from=" R16 " to=" R17 " file=/b\n"
				    "model=EC200U from=" R15 " to=" R16 " file=/a\n"
				    "model=EG25 from=" R17 " to=" R15 " file=/c\n", 3); /* another model: no loop */

	assert_int_equal(policy_chain(p, "ec200u", R15, hops, 4), 2);
	assert_int_equal(hops[0]->line, 2);
	assert_int_equal(hops[1]->line, 1);
	assert_int_equal(policy_chain(p, "EC200U", R16, hops, 4), 1);
	assert_int_equal(policy_chain(p, "EC200U", R17, hops, 4), 0);
	assert_int_equal(policy_chain(p, "EC200U", R15, NULL, 0), 2);
	assert_int_equal(policy_chain(p, "EG25", R17, hops, 4), 1);
	policy_free(p);
	bad_one("model=EC200U from=" R15 " to=" R16 " file=/a\nmodel=EC200U from=" R16 " to=" R15 " file=/b\n", 1,
		"lead back to " R15);
	bad_one("# three\nmodel=EC200U from=" R15 " to=" R16 " file=/a\nmodel=EC200U from=" R17 " to=" R15 " file=/c\n"
		"model=ec200u from=" R16 " to=" R17 " file=/b\n", 2, "a module would be upgraded forever");
	/* a chain into a loop that does not include its start: the loop's own rule is named */
	bad_one("model=X from=A0 to=A1 file=/a\nmodel=X from=A1 to=A2 file=/b\nmodel=X from=A2 to=A1 file=/c\n", 2,
		"lead back to A1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_policy),  cmocka_unit_test(test_empty_policy),
		cmocka_unit_test(test_bad_policies), cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_exact_length), cmocka_unit_test(test_decide),
		cmocka_unit_test(test_load),         cmocka_unit_test(test_imei),
		cmocka_unit_test(test_load_trust),
		cmocka_unit_test(test_sha256_key), cmocka_unit_test(test_chains_and_loops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
