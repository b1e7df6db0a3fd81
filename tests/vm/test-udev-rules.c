/* qfota's udev rules and systemd unit (udev/), checked with systemd's own
 * tools: their syntax, and their effect on virtual modules through the real
 * rules engine (`udevadm test` under umockdev's preload, UMOCKDEV_NOTES
 * "Testing udev rules with the real rules engine").
 *
 * Where the rules go: systemd 252's `udevadm test` reads only the system rules
 * directories, so the rules must be in /run/udev/rules.d. Each run happens in
 * a private mount namespace (unshare) with a fresh tmpfs on /run and on /dev:
 * the rules are visible to that one udevadm only, and what `udevadm test`
 * writes (its database under /run/udev/data, /dev/char links, and the
 * permissions of a real /dev node with the same name) never reaches the host
 * — not even if the test is killed. Without namespaces (not root and no user
 * namespaces) those tests are skipped, saying so.
 *
 * The group: the rules give the modules to group "qfota", which the .deb
 * creates (udev/qfota.sysusers). The host under test need not have it: each
 * namespaced run bind-mounts a copy of /etc/group with a qfota line over
 * /etc/group, for that one udevadm.
 *
 * Devices: the station's modules ec200u (1-1), eg25 (1-2) and ep06 (1-3.1,
 * behind the hub 1-3, a Genesys 05e3:0608: the non-Quectel device), plus, made
 * by hand in the testbed's sysfs, ttyUSB nodes under AT and non-AT interfaces
 * and a Quectel product qfota does not know (2c7c:030a, EM05-G).
 */
#include <errno.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "common/testutil.h"
#include "vmodule/vmodule.h"

#define UDEVADM_TIMEOUT_MS 60000
#define SYS_USB1 "devices/pci0000:00/0000:00:14.0/usb1"

/* The rules `make install` puts in the rules directory. */
static const char *const rule_files[] = {
	"70-qfota.rules", "72-qfota-auto.rules",
};
/* Every file that matches modules by ID: the installed rules and the opt-in
 * example that keeps ModemManager away (for dedicated stations). */
static const char *const id_files[] = {
	"70-qfota.rules", "72-qfota-auto.rules", "qfota-modemmanager-ignore.rules.example",
};
/* What udev applies on: every action but remove (the kernel follows each
 * "add" of a USB device with a "bind"; `udevadm trigger` sends "change"). */
static const char *const actions[] = { "add", "bind", "change" };
/* The products qfota knows (QUECTEL_FACTS §1.4), as every rules file must list them. */
static const char *const known_pids[] = {
	"0121", "0125", "0296", "0306", "0512", "0800", "0801", "0901", "6002", "6026",
};

static struct {
	struct vm_station *st;
	char *tmp;
	char dir_none[300], dir_base[300], dir_auto[300], dir_mm[300], dir_broken[300];
	char *ns_argv[8];       /* unshare ... : the prefix of every namespaced run */
	bool ns_ok;
	char ns_why[512];
	char qfota_gid[16];
	char group_file[300];   /* /etc/group plus qfota, mounted in the namespaces */
	char *sys[3];           /* the modules' usb_device syspaths ("/sys/devices/...") */
	const char *kernel[3];  /* and their kernel names (port paths) */
	char *sys_hub, *sys_em05;
	char *tty_at[2], *tty_other; /* ec200u/eg25 if2; ec200u if3 */
} g;

/* ---- helpers ------------------------------------------------------------ */

static char *top_path(const char *rel)
{
	return g_build_filename(tu_top_dir(), rel, NULL);
}

static void file_copy(const char *from, const char *to)
{
	char *text = tu_read_file(from);

	if (!text)
		fail_msg("cannot read %s", from);
	assert_true(g_file_set_contents(to, text, -1, NULL));
	free(text);
}

/* Writes a file under the testbed's sysfs (path relative to its /sys). */
static void sys_write(const char *rel, const char *text)
{
	char *p = g_build_filename(g_getenv("UMOCKDEV_DIR"), "sys", rel, NULL);
	char *dir = g_path_get_dirname(p);

	assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
	assert_true(g_file_set_contents(p, text, -1, NULL));
	g_free(dir);
	g_free(p);
}

/* A symlink at sysfs path `at` to sysfs path `to`, relative as the kernel's
 * (and umockdev's) are. Both paths are relative to /sys. */
static void sys_link(const char *at, const char *to)
{
	char *p = g_build_filename(g_getenv("UMOCKDEV_DIR"), "sys", at, NULL);
	char *dir = g_path_get_dirname(p);
	GString *target = g_string_new(NULL);

	for (const char *c = at; *c; c++)
		if (*c == '/')
			g_string_append(target, "../");
	g_string_append(target, to);
	assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
	if (symlink(target->str, p) < 0)
		fail_msg("symlink %s -> %s: %s", p, target->str, strerror(errno));
	g_string_free(target, TRUE);
	g_free(dir);
	g_free(p);
}

/* ttyN under interface iface ("1-1/1-1:1.2"), as usb-serial (option) makes it:
 * <iface>/ttyUSBn (bus usb-serial) / tty/ttyUSBn (class tty, the node). */
static char *fake_tty(const char *iface, unsigned n)
{
	char *port = g_strdup_printf(SYS_USB1 "/%s/ttyUSB%u", iface, n);
	char *node = g_strdup_printf("%s/tty/ttyUSB%u", port, n);
	char *p, *text, *cls;

	p = g_strdup_printf("%s/uevent", port);
	sys_write(p, "DRIVER=option1\n");
	g_free(p);
	p = g_strdup_printf("%s/subsystem", port);
	sys_link(p, "bus/usb-serial");
	g_free(p);
	p = g_strdup_printf("%s/uevent", node);
	text = g_strdup_printf("MAJOR=188\nMINOR=%u\nDEVNAME=ttyUSB%u\n", n, n);
	sys_write(p, text);
	g_free(text);
	g_free(p);
	p = g_strdup_printf("%s/dev", node);
	text = g_strdup_printf("188:%u\n", n);
	sys_write(p, text);
	g_free(text);
	g_free(p);
	p = g_strdup_printf("%s/subsystem", node);
	sys_link(p, "class/tty");
	g_free(p);
	cls = g_strdup_printf("class/tty/ttyUSB%u", n);
	sys_link(cls, node);
	g_free(cls);
	g_free(port);
	p = g_strdup_printf("/sys/%s", node);
	g_free(node);
	return p;
}

/* A Quectel product qfota does not know: 2c7c:030a (EM05-G, facts §1.1), as a
 * bare usb_device (the station only plays the profiles it has). */
static char *fake_em05(void)
{
	static const struct { const char *name, *value; } attrs[] = {
		{ "idVendor", "2c7c\n" }, { "idProduct", "030a\n" }, { "bcdDevice", "0318\n" },
		{ "busnum", "1\n" }, { "devnum", "90\n" }, { "devpath", "9\n" }, { "dev", "189:89\n" },
		{ "bDeviceClass", "ef\n" }, { "bNumConfigurations", "1\n" }, { "bConfigurationValue", "1\n" },
		{ "manufacturer", "Quectel\n" }, { "product", "EM05-G\n" }, { "power/control", "auto\n" },
	};
	char *p;

	sys_write(SYS_USB1 "/1-9/uevent",
		  "DEVTYPE=usb_device\nDRIVER=usb\nPRODUCT=2c7c/30a/318\nTYPE=239/2/1\nBUSNUM=001\n"
		  "DEVNUM=090\nMAJOR=189\nMINOR=89\nDEVNAME=bus/usb/001/090\n");
	for (size_t i = 0; i < G_N_ELEMENTS(attrs); i++) {
		p = g_strdup_printf(SYS_USB1 "/1-9/%s", attrs[i].name);
		sys_write(p, attrs[i].value);
		g_free(p);
	}
	sys_link(SYS_USB1 "/1-9/subsystem", "bus/usb");
	sys_link("bus/usb/devices/1-9", SYS_USB1 "/1-9");
	return g_strdup("/sys/" SYS_USB1 "/1-9");
}

/* A directory holding copies of the project's rules files (n of them, from
 * rule_files[]), plus extra_name with the text of extra_src when given. */
static void rules_dir_make(char *dir, size_t cap, const char *name, size_t n, const char *extra_src,
			   const char *extra_name)
{
	snprintf(dir, cap, "%s/%s", g.tmp, name);
	assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
	for (size_t i = 0; i < n; i++) {
		char *src = g_strdup_printf("udev/%s", rule_files[i]), *from = top_path(src);
		char *to = g_build_filename(dir, rule_files[i], NULL);

		file_copy(from, to);
		g_free(to);
		g_free(from);
		g_free(src);
	}
	if (extra_src) {
		char *from = top_path(extra_src), *to = g_build_filename(dir, extra_name, NULL);

		file_copy(from, to);
		g_free(to);
		g_free(from);
	}
}

/* Runs argv (after the namespace prefix when ns) and returns stderr then
 * stdout in one malloc'd string; *status gets the exit status. */
static char *run(bool ns, const char *const *argv, int *status)
{
	char *full[24];
	size_t n = 0;
	struct tu_run r;
	char *all;

	if (ns)
		for (size_t i = 0; g.ns_argv[i]; i++)
			full[n++] = g.ns_argv[i];
	for (size_t i = 0; argv[i] && n < G_N_ELEMENTS(full) - 1; i++)
		full[n++] = (char *)argv[i];
	full[n] = NULL;
	if (tu_run(full, NULL, UDEVADM_TIMEOUT_MS, &r) < 0)
		fail_msg("cannot start %s", full[0]);
	if (r.timed_out)
		fail_msg("%s timed out", full[0]);
	all = g_strdup_printf("%s\n%s", r.err ? r.err : "", r.out ? r.out : "");
	*status = r.status;
	tu_run_clear(&r);
	return all;
}

/* The script run inside the namespace: private /run and /dev, /etc/group
 * with the qfota group ($4), the rules of $1 in /run/udev/rules.d, then
 * udevadm test --action=$2 $3. */
static const char ns_script[] =
	"set -e\n"
	"mount -t tmpfs -o mode=0755 qfota-test /run\n"
	"mount -t tmpfs -o mode=0755 qfota-test /dev\n"
	"mount --bind \"$4\" /etc/group\n"
	"mkdir -p /run/udev/rules.d\n"
	"cp -R \"$1\"/. /run/udev/rules.d/\n"
	"exec udevadm test --action=\"$2\" \"$3\"\n";

/* `udevadm test` of syspath with the rules of dir; output as run() gives it. */
static char *udev_test(const char *dir, const char *action, const char *syspath)
{
	const char *argv[] = { "sh", "-c", ns_script, "sh", dir, action, syspath, g.group_file, NULL };
	int status;
	char *out;

	if (!g.ns_ok)
		skip();
	out = run(true, argv, &status);
	if (status != 0)
		fail_msg("udevadm test %s %s exited %d:\n%s", action, syspath, status, out);
	return out;
}

static bool has_line(const char *out, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = out; (p = strstr(p, line)); p++)
		if ((p == out || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
			return true;
	return false;
}

/* A rule's effect as udevadm logs it: "<sysname>: <file>:<line> <what>". */
static bool has_effect(const char *out, const char *sysname, const char *file, const char *what)
{
	char *head = g_strdup_printf("%s: /run/udev/rules.d/%s:", sysname, file);
	bool found = false;

	for (const char *p = out; !found && (p = strstr(p, head)); p++) {
		const char *eol = strchr(p, '\n'), *sp;

		if (p != out && p[-1] != '\n')
			continue;
		if (!eol)
			eol = p + strlen(p);
		sp = memchr(p + strlen(head), ' ', (size_t)(eol - p - (ptrdiff_t)strlen(head)));
		found = sp && (size_t)(eol - sp - 1) == strlen(what) && strncmp(sp + 1, what, strlen(what)) == 0;
	}
	g_free(head);
	return found;
}

/* Any line one of the project's rules files produced for this device. */
static bool has_any_effect(const char *out, const char *sysname)
{
	char *head = g_strdup_printf("%s: /run/udev/rules.d/7", sysname);
	bool found = strstr(out, head) != NULL;

	g_free(head);
	return found;
}

static const char *tag_line(const char *out)
{
	const char *t = strstr(out, "\nTAGS=");
	return t ? t + 1 : "";
}

static bool has_tag(const char *out, const char *tag)
{
	char *want = g_strdup_printf(":%s:", tag);
	const char *t = tag_line(out), *eol = strchr(t, '\n');
	char *line = g_strndup(t, eol ? (size_t)(eol - t) : strlen(t));
	bool found = strstr(line, want) != NULL;

	g_free(line);
	g_free(want);
	return found;
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* What every known module's usb_device must get from the rules: group qfota
 * 0660, and not the seat's user (no uaccess); ModemManager keeps it unless
 * the station's opt-in file is there (mm_ignored). */
static void assert_module_access(const char *out, const char *sysname, const char *syspath, bool mm_ignored)
{
	char *group = g_strdup_printf("GROUP %s", g.qfota_gid);
	char *attr = g_strdup_printf("ATTR '%s/power/control' writing 'on'", syspath);

	if (!has_effect(out, sysname, "70-qfota.rules", group) || !has_effect(out, sysname, "70-qfota.rules", "MODE 0660"))
		fail_msg("%s: no GROUP qfota (%s) / MODE 0660 from 70-qfota.rules:\n%s", sysname, g.qfota_gid, out);
	if (!has_effect(out, sysname, "70-qfota.rules", attr))
		fail_msg("%s: autosuspend not turned off:\n%s", sysname, out);
	if (has_tag(out, "uaccess"))
		fail_msg("%s: tagged uaccess (the seat's user gets the whole modem):\n%s", sysname, out);
	if (has_line(out, "ID_MM_DEVICE_IGNORE=1") != mm_ignored)
		fail_msg("%s: ID_MM_DEVICE_IGNORE=1 %s:\n%s", sysname, mm_ignored ? "missing" : "set without the opt-in file", out);
	g_free(attr);
	g_free(group);
}

/* ---- set-up ------------------------------------------------------------- */

static int add_module(const char *profile, const char *port, const char *imei)
{
	struct vm_model_config cfg = { 0 };

	cfg.profile = vm_profile_find(profile);
	cfg.port = port;
	cfg.imei = imei;
	if (!cfg.profile || !vm_pacing_preset("fast", &cfg.pacing))
		return -EINVAL;
	return vm_station_add(g.st, &cfg);
}

/* The /etc/group of the namespaced runs: the host's, with a qfota line when
 * the host has none (a system gid that is free here). */
static void group_file_make(void)
{
	struct group *gr = getgrnam("qfota");
	char *host = tu_read_file("/etc/group"), *text;
	unsigned gid = 999;

	assert_non_null(host);
	if (gr) {
		gid = (unsigned)gr->gr_gid;
		text = g_strdup(host);
	} else {
		while (gid > 100 && getgrgid((gid_t)gid))
			gid--;
		text = g_strdup_printf("%s%sqfota:x:%u:\n", host, *host && host[strlen(host) - 1] != '\n' ? "\n" : "", gid);
	}
	snprintf(g.qfota_gid, sizeof(g.qfota_gid), "%u", gid);
	snprintf(g.group_file, sizeof(g.group_file), "%s/group", g.tmp);
	assert_true(g_file_set_contents(g.group_file, text, -1, NULL));
	g_free(text);
	free(host);
}

/* Can we make a private mount namespace with our own /run? As root a plain
 * one; otherwise a user namespace mapping us to root, where the kernel
 * allows an unprivileged tmpfs mount. */
static void ns_probe(void)
{
	const char *probe[] = { "sh", "-c", "mount -t tmpfs qfota-probe /run && mount -t tmpfs qfota-probe /dev", NULL };
	int status;
	char *out;
	size_t n = 0;

	g.ns_argv[n++] = "unshare";
	if (geteuid() != 0)
		g.ns_argv[n++] = "--map-root-user";
	g.ns_argv[n++] = "--mount";
	g.ns_argv[n++] = "--propagation";
	g.ns_argv[n++] = "private";
	g.ns_argv[n] = NULL;
	out = run(true, probe, &status);
	g.ns_ok = status == 0;
	if (!g.ns_ok)
		snprintf(g.ns_why, sizeof(g.ns_why), "no private mount namespace (%s%s --mount: %.300s)",
			 g.ns_argv[0], geteuid() ? " --map-root-user" : "", out);
	g_free(out);
}

static int group_setup(void **state)
{
	static const char *const mods[][3] = {
		{ "ec200u", "1-1", "866050034443331" },
		{ "eg25", "1-2", "866050034443349" },
		{ "ep06", "1-3.1", "866050034443356" },
	};

	(void)state;
	if (!(g.tmp = tu_mkdtemp()))
		return -1;
	group_file_make();
	rules_dir_make(g.dir_none, sizeof(g.dir_none), "none", 0, NULL, NULL);
	rules_dir_make(g.dir_base, sizeof(g.dir_base), "base", G_N_ELEMENTS(rule_files), NULL, NULL);
	rules_dir_make(g.dir_auto, sizeof(g.dir_auto), "auto", G_N_ELEMENTS(rule_files),
		       "udev/qfota-auto-enable.rules.example", "71-qfota-auto-enable.rules");
	rules_dir_make(g.dir_mm, sizeof(g.dir_mm), "mm", G_N_ELEMENTS(rule_files),
		       "udev/qfota-modemmanager-ignore.rules.example", "71-qfota-modemmanager.rules");
	/* A negative control: the syntax check must notice a broken line. */
	rules_dir_make(g.dir_broken, sizeof(g.dir_broken), "broken", 0, "udev/70-qfota.rules", "70-qfota.rules");
	{
		char *p = g_build_filename(g.dir_broken, "70-qfota.rules", NULL);
		FILE *f = fopen(p, "a");
		assert_non_null(f);
		fputs("SUBSYSTEM==\"usb\", ATTRS{idVendor}=\"2c7c\", GROUP=\"qfota\"\n", f);
		fclose(f);
		g_free(p);
	}

	if (!(g.st = vm_station_new()))
		return -1;
	for (size_t i = 0; i < G_N_ELEMENTS(mods); i++) {
		int idx = add_module(mods[i][0], mods[i][1], mods[i][2]);
		const char *sp;

		if (idx < 0 || !(sp = vm_station_sysfs_path(g.st, (size_t)idx))) {
			fprintf(stderr, "test-udev-rules: cannot add %s on %s: %d\n", mods[i][0], mods[i][1], idx);
			return -1;
		}
		g.sys[i] = g_strdup(sp);
		g.kernel[i] = mods[i][1];
	}
	g.sys_hub = g_path_get_dirname(g.sys[2]); /* 1-3, the hub in front of 1-3.1 */
	g.tty_at[0] = fake_tty("1-1/1-1:1.2", 0);
	g.tty_other = fake_tty("1-1/1-1:1.3", 1);
	g.tty_at[1] = fake_tty("1-2/1-2:1.2", 2);
	g.sys_em05 = fake_em05();
	ns_probe();
	if (!g.ns_ok)
		fprintf(stderr, "test-udev-rules: rule effect and syntax tests will be skipped: %s\n", g.ns_why);
	return 0;
}

/* Nothing on the host to clean: the rules only ever lived in the namespaces'
 * tmpfs. The station and the copies go. */
static int group_teardown(void **state)
{
	(void)state;
	vm_station_free(g.st);
	for (size_t i = 0; i < G_N_ELEMENTS(g.sys); i++)
		g_free(g.sys[i]);
	g_free(g.sys_hub);
	g_free(g.sys_em05);
	g_free(g.tty_at[0]);
	g_free(g.tty_at[1]);
	g_free(g.tty_other);
	if (g.tmp)
		tu_rmrf(g.tmp);
	free(g.tmp);
	return 0;
}

/* ---- syntax ------------------------------------------------------------- */

/* udev's parser reports each problem as "<file>:<line> <what>" at the start
 * of a line (systemd 252 has no `udevadm verify`; `udevadm test` parses every
 * rules file before it runs). */
static bool parser_complained(const char *out, char **ret_line)
{
	for (const char *p = out; (p = strstr(p, "/run/udev/rules.d/")); p++) {
		if (p == out || p[-1] == '\n') {
			const char *eol = strchr(p, '\n');
			*ret_line = g_strndup(p, eol ? (size_t)(eol - p) : strlen(p));
			return true;
		}
	}
	return false;
}

static void test_rules_syntax(void **state)
{
	char *out, *complaint = NULL;

	(void)state;
	out = udev_test(g.dir_auto, "add", g.sys[0]);
	for (size_t i = 0; i < G_N_ELEMENTS(rule_files); i++) {
		char *read = g_strdup_printf("Reading rules file: /run/udev/rules.d/%s", rule_files[i]);
		if (!has_line(out, read))
			fail_msg("%s was not read:\n%s", rule_files[i], out);
		g_free(read);
	}
	assert_true(has_line(out, "Reading rules file: /run/udev/rules.d/71-qfota-auto-enable.rules"));
	if (parser_complained(out, &complaint))
		fail_msg("udev's parser complained: %s", complaint);
	g_free(out);
	out = udev_test(g.dir_mm, "add", g.sys[0]);
	assert_true(has_line(out, "Reading rules file: /run/udev/rules.d/71-qfota-modemmanager.rules"));
	if (parser_complained(out, &complaint))
		fail_msg("udev's parser complained: %s", complaint);
	g_free(out);

	/* the check can fail: a broken copy is caught */
	out = udev_test(g.dir_broken, "add", g.sys[0]);
	assert_true(parser_complained(out, &complaint));
	assert_non_null(strstr(complaint, "70-qfota.rules:"));
	g_free(complaint);
	g_free(out);
}

/* What the rules say, for what the effect tests cannot reach: the same ID
 * list in every file, nothing broader, no RUN+= program. */
static void test_rules_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(id_files); i++) {
		char *rel = g_strdup_printf("udev/%s", id_files[i]), *path = top_path(rel);
		char *text = tu_read_file(path);
		char **lines;
		size_t lists = 0;

		assert_non_null(text);
		lines = g_strsplit(text, "\n", -1);
		for (char **l = lines; *l; l++) {
			const char *pids, *end;
			char *list, **items;

			if ((*l)[0] == '#')
				continue;
			assert_null(strstr(*l, "RUN"));
			/* one group, qfota's; no seat access; no tty node */
			if (strstr(*l, "plugdev") || strstr(*l, "uaccess") || strstr(*l, "tty"))
				fail_msg("%s: \"%s\"", id_files[i], *l);
			if (strstr(*l, "idVendor"))
				assert_non_null(strstr(*l, "\"2c7c\""));
			if (!(pids = strstr(*l, "idProduct}")))
				continue;
			pids = strchr(pids, '"') + 1;
			end = strchr(pids, '"');
			list = g_strndup(pids, (size_t)(end - pids));
			items = g_strsplit(list, "|", -1);
			assert_int_equal(g_strv_length(items), G_N_ELEMENTS(known_pids));
			for (size_t k = 0; k < G_N_ELEMENTS(known_pids); k++)
				if (!g_strv_contains((const char *const *)items, known_pids[k]))
					fail_msg("%s: product %s missing from \"%s\"", id_files[i], known_pids[k], list);
			lists++;
			g_strfreev(items);
			g_free(list);
		}
		if (lists == 0)
			fail_msg("%s: no idProduct list", id_files[i]);
		g_strfreev(lines);
		free(text);
		g_free(path);
		g_free(rel);
	}
}

/* A copy of the unit with ExecStart's `qfota` replaced by text (/bin/true:
 * `systemd-analyze verify` insists that the binary exists), as the instance
 * qfota-auto@1-4.2.service the auto rule asks for. Returns that path. */
static char *unit_copy(const char *name, const char *exec, const char *extra)
{
	char *src = top_path("udev/qfota-auto@.service"), *text = tu_read_file(src);
	char *dir = g_build_filename(g.tmp, name, NULL);
	char *tmpl = g_build_filename(dir, "qfota-auto@.service", NULL);
	char *inst = g_build_filename(dir, "qfota-auto@1-4.2.service", NULL);
	char *fixed, *at;

	assert_non_null(text);
	assert_non_null(at = strstr(text, "\nExecStart=qfota "));
	at[0] = '\0';
	fixed = g_strdup_printf("%s\nExecStart=%s %s%s", text, exec, at + strlen("\nExecStart=qfota "), extra);
	assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
	assert_true(g_file_set_contents(tmpl, fixed, -1, NULL));
	if (symlink("qfota-auto@.service", inst) < 0)
		fail_msg("symlink %s: %s", inst, strerror(errno));
	g_free(fixed);
	free(text);
	g_free(src);
	g_free(tmpl);
	g_free(dir);
	return inst;
}

static void test_unit_verify(void **state)
{
	char *inst = unit_copy("unit-ok", "/bin/true", ""), *out;
	const char *verify[] = { "systemd-analyze", "verify", "--man=no", inst, NULL };
	const char *security[] = { "systemd-analyze", "security", "--offline=yes", "--threshold=15", inst, NULL };
	int status;

	(void)state;
	/* no error and no warning: verify only warns about unknown keys */
	out = run(false, verify, &status);
	if (status != 0 || strspn(out, "\n") != strlen(out))
		fail_msg("systemd-analyze verify (status %d):\n%s", status, out);
	g_free(out);
	/* systemd's own exposure score stays at 1.5 of 10 or lower (issue 16.14;
	 * it was 2.0) */
	out = run(false, security, &status);
	if (status != 0)
		fail_msg("systemd-analyze security: exposure above 1.5:\n%s", out);
	g_free(out);
	g_free(inst);

	/* the check can fail: an unknown key and a missing binary are reported */
	inst = unit_copy("unit-bad", "/nonexistent/qfota", "Bogus=1\n");
	verify[3] = inst; /* after "--man=no" */
	out = run(false, verify, &status);
	assert_int_not_equal(status, 0);
	assert_non_null(strstr(out, "Bogus"));
	g_free(out);
	g_free(inst);
}

/* The instance is the port path verbatim: %i. %I would unescape "1-4.2" to
 * "1/4.2", as systemd-escape -u shows. The unit must not be bound to the
 * device, which vanishes mid-upgrade. */
static void test_unit_text(void **state)
{
	char *path = top_path("udev/qfota-auto@.service"), *text = tu_read_file(path), *out;
	const char *unescape[] = { "systemd-escape", "-u", "1-4.2", NULL };
	const char *escape[] = { "systemd-escape", "--template=qfota-auto@.service", "1-4.2", NULL };
	char **lines;
	int status;

	(void)state;
	assert_non_null(text);
	assert_true(has_line(text, "ExecStart=qfota auto --port %i --policy /etc/qfota/policy.conf"));
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if ((*l)[0] == '#')
			continue;
		if (g_str_has_prefix(*l, "BindsTo=") || g_str_has_prefix(*l, "Requires=") ||
		    g_str_has_prefix(*l, "PartOf=") || g_str_has_prefix(*l, "StopWhenUnneeded=") ||
		    g_str_has_prefix(*l, "RuntimeDirectory") || /* would reset /run/qfota (tmpfiles.d's) */
		    g_str_has_prefix(*l, "PrivateNetwork=") || g_str_has_prefix(*l, "PrivateDevices=") ||
		    (g_str_has_prefix(*l, "After=") && strstr(*l, ".device")))
			fail_msg("the unit must not have \"%s\"", *l);
		if (g_str_has_prefix(*l, "ExecStart="))
			assert_null(strstr(*l, "%I"));
		/* the usbfs nodes only: qfota opens no tty */
		if (g_str_has_prefix(*l, "DeviceAllow=") && strcmp(*l, "DeviceAllow=char-usb_device rw") != 0)
			fail_msg("the unit must not allow \"%s\"", *l);
	}
	g_strfreev(lines);
	for (const char *const *k = (const char *const[]){ "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict",
		      "ProtectHome=yes", "DevicePolicy=closed", "DeviceAllow=char-usb_device rw",
		      "RestrictAddressFamilies=AF_UNIX AF_NETLINK", "IPAddressDeny=any",
		      "ReadWritePaths=/var/lib/qfota /run/qfota", "SupplementaryGroups=qfota", "Type=oneshot",
		      "ProtectProc=invisible", "ProcSubset=pid", "PrivateMounts=yes", "UMask=0077",
		      "SystemCallFilter=~@privileged @resources", "CapabilityBoundingSet=", NULL };
	     *k; k++)
		if (!has_line(text, *k))
			fail_msg("the unit lacks \"%s\"", *k);
	free(text);
	g_free(path);

	out = run(false, unescape, &status);
	assert_int_equal(status, 0);
	assert_true(has_line(out, "1/4.2"));
	g_free(out);
	/* escaping is not needed for a valid instance, but would give this: */
	out = run(false, escape, &status);
	assert_int_equal(status, 0);
	assert_true(has_line(out, "qfota-auto@1\\x2d4.2.service"));
	g_free(out);
}

/* ---- effect ------------------------------------------------------------- */

/* Without qfota's rules the stock ones give usbfs nodes 0664 root and no
 * ModemManager exclusion: what the effect tests see is the project's doing. */
static void test_effect_baseline(void **state)
{
	char *out;

	(void)state;
	out = udev_test(g.dir_none, "add", g.sys[0]);
	assert_false(has_any_effect(out, "1-1"));
	assert_false(has_line(out, "ID_MM_DEVICE_IGNORE=1"));
	assert_false(has_tag(out, "uaccess"));
	assert_null(strstr(out, "qfota-auto@"));
	g_free(out);
}

/* On every action but remove: udev replaces the record at each uevent, so
 * what "add" set and "bind" did not is gone after the bind. */
static void test_effect_modules(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(g.sys); i++)
		for (size_t a = 0; a < G_N_ELEMENTS(actions); a++) {
			char *out = udev_test(g.dir_base, actions[a], g.sys[i]);

			assert_module_access(out, g.kernel[i], g.sys[i], false);
			/* the auto rule is off unless enabled */
			if (strstr(out, "qfota-auto@") || has_tag(out, "systemd"))
				fail_msg("%s %s: auto-upgrade without being enabled:\n%s", actions[a], g.kernel[i], out);
			g_free(out);
		}
}

/* "remove": nothing of qfota's runs (the node is going). */
static void test_effect_remove(void **state)
{
	const char *dirs[] = { g.dir_auto, g.dir_mm };

	(void)state;
	for (size_t d = 0; d < G_N_ELEMENTS(dirs); d++) {
		char *out = udev_test(dirs[d], "remove", g.sys[0]);

		if (has_any_effect(out, "1-1") || strstr(out, "qfota-auto@") || has_line(out, "ID_MM_DEVICE_IGNORE=1"))
			fail_msg("remove: qfota's rules acted:\n%s", out);
		g_free(out);
	}
}

/* The station's opt-in file (qfota-modemmanager-ignore.rules.example, as
 * /etc/udev/rules.d/71-qfota-modemmanager.rules): ModemManager kept from the
 * module and every tty below it, on every action but remove. */
static void test_effect_mm_ignore_optin(void **state)
{
	const char *ttys[] = { g.tty_at[0], g.tty_at[1], g.tty_other };

	(void)state;
	for (size_t a = 0; a < G_N_ELEMENTS(actions); a++) {
		for (size_t i = 0; i < G_N_ELEMENTS(g.sys); i++) {
			char *out = udev_test(g.dir_mm, actions[a], g.sys[i]);

			assert_module_access(out, g.kernel[i], g.sys[i], true);
			g_free(out);
		}
		for (size_t i = 0; i < G_N_ELEMENTS(ttys); i++) {
			char *out = udev_test(g.dir_mm, actions[a], ttys[i]);

			if (!has_line(out, "ID_MM_DEVICE_IGNORE=1"))
				fail_msg("%s %s: no ID_MM_DEVICE_IGNORE=1 with the opt-in file:\n%s", actions[a],
					 basename_of(ttys[i]), out);
			g_free(out);
		}
	}
}

/* The hub (05e3:0608) and a Quectel product qfota does not know (2c7c:030a)
 * get nothing from qfota's rules, enabled auto-upgrade included. */
static void test_effect_others_untouched(void **state)
{
	const char *const devs[][2] = { { g.sys_hub, "1-3" }, { g.sys_em05, "1-9" } };

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(devs); i++) {
		char *out = udev_test(g.dir_auto, "add", devs[i][0]);

		if (has_any_effect(out, devs[i][1]) || has_line(out, "ID_MM_DEVICE_IGNORE=1") ||
		    has_tag(out, "uaccess") || strstr(out, "qfota-auto@") || has_line(out, "QFOTA_AUTO=1") == false)
			fail_msg("%s touched by qfota's rules (or not reached by the enabling rule):\n%s", devs[i][1], out);
		g_free(out);
	}
}

/* ttyUSB: qfota opens no tty, so no tty node gets anything from
 * 70-qfota.rules, the AT interface's (if 02) no more than another's (they
 * keep what the stock rules give: dialout 0660); ModemManager keeps them
 * (it is asked to inhibit the modem during an upgrade instead). */
static void test_effect_tty(void **state)
{
	const char *ttys[] = { g.tty_at[0], g.tty_at[1], g.tty_other };

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(ttys); i++) {
		const char *name = basename_of(ttys[i]);
		char *out = udev_test(g.dir_base, "add", ttys[i]);
		char *from70 = g_strdup_printf("%s: /run/udev/rules.d/70-qfota.rules:", name);

		if (strstr(out, from70) || has_tag(out, "uaccess"))
			fail_msg("%s got access from qfota's rules:\n%s", name, out);
		if (has_line(out, "ID_MM_DEVICE_IGNORE=1"))
			fail_msg("%s: ModemManager kept away without the opt-in file:\n%s", name, out);
		g_free(from70);
		g_free(out);
	}
}

/* Enabled: on every action but remove the module's device is tagged for
 * systemd and wants qfota-auto@<port>.service. On "add" alone, the "bind"
 * that follows every add (and any `udevadm trigger`) would leave a record
 * without them, and systemd would take the device for unplugged. A "change"
 * or "bind" of a plugged device with the same SYSTEMD_WANTS starts nothing
 * (systemd acts on wants new to the device): the kernel tier's
 * auto-retrigger scenario checks that under a real systemd. */
static void test_effect_auto_enabled(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(g.sys); i++) {
		char *want = g_strdup_printf("SYSTEMD_WANTS=qfota-auto@%s.service", g.kernel[i]);

		for (size_t a = 0; a < G_N_ELEMENTS(actions); a++) {
			char *out = udev_test(g.dir_auto, actions[a], g.sys[i]);

			if (!has_line(out, want) || !has_tag(out, "systemd"))
				fail_msg("%s %s: no %s or no systemd tag:\n%s", actions[a], g.kernel[i], want, out);
			assert_module_access(out, g.kernel[i], g.sys[i], false);
			g_free(out);
		}
		g_free(want);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_text),
		cmocka_unit_test(test_unit_text),
		cmocka_unit_test(test_unit_verify),
		cmocka_unit_test(test_rules_syntax),
		cmocka_unit_test(test_effect_baseline),
		cmocka_unit_test(test_effect_modules),
		cmocka_unit_test(test_effect_others_untouched),
		cmocka_unit_test(test_effect_tty),
		cmocka_unit_test(test_effect_auto_enabled),
		cmocka_unit_test(test_effect_remove),
		cmocka_unit_test(test_effect_mm_ignore_optin),
	};

	vm_require_preload(argc, argv);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
