/* SPDX-License-Identifier: BSD-3-Clause */
/* The provisioning tree writer: atomic writes, mtimes of unchanged files,
 * the generation sweep, operator files, refused names, the lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_cnf.h"

static char *base_dir, *tree_dir;

static void setup(void)
{
	base_dir = make_tmpdir();
	ck_assert_ptr_nonnull(base_dir);
	ck_assert_int_ge(asprintf(&tree_dir, "%s/tftpboot", base_dir), 0);
}

static void teardown(void)
{
	remove_tree(base_dir);
	free(base_dir);
	free(tree_dir);
}

static char *path(const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", tree_dir, name), 0);
	return p;
}

static bool exists(const char *name)
{
	char *p = path(name);
	struct stat sb;
	bool ok = lstat(p, &sb) == 0;

	free(p);
	return ok;
}

static void write_plain(const char *name, const char *text)
{
	char *p = path(name);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void assert_content(const char *name, const char *text)
{
	char *p = path(name);
	size_t len = 0;
	uint8_t *b = read_file(p, &len);

	ck_assert_msg(b != NULL, "%s missing", p);
	ck_assert_str_eq((const char *)b, text);
	free(b);
	free(p);
}

static void put(struct sl_tree *t, const char *name, const char *text)
{
	char err[256] = "";

	ck_assert_msg(sl_tree_put(t, name, (const uint8_t *)text, strlen(text), err,
				  sizeof(err)) == 0, "put %s: %s", name, err);
}

static struct sl_tree *open_tree(void)
{
	struct sl_tree *t;
	char err[256] = "";

	ck_assert_msg(sl_tree_open(&t, tree_dir, err, sizeof(err)) == 0, "%s", err);
	return t;
}

/* No temporary file is left anywhere under dir. */
static void assert_no_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		ck_assert_msg(strncmp(e->d_name, ".sl-tmp-", 8) != 0, "temp %s/%s left",
			      dir, e->d_name);
	}
	closedir(d);
}

START_TEST(put_modes_and_manifest)
{
	struct sl_tree_stats st;
	struct sl_tree *t;
	struct stat sb;
	char err[256], *p;
	size_t len = 0;
	uint8_t *m;

	umask(077);	/* modes must not depend on the umask */
	t = open_tree();
	sl_tree_begin(t);
	put(t, "SEP001122AABBCC.cnf.xml", "<device/>\n");
	put(t, "New_Zealand/g3-tones.xml", "<tones/>\n");
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.unchanged, 0);
	ck_assert_uint_eq(st.removed, 0);
	assert_content("SEP001122AABBCC.cnf.xml", "<device/>\n");
	assert_content("New_Zealand/g3-tones.xml", "<tones/>\n");

	p = path("SEP001122AABBCC.cnf.xml");
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0644);
	free(p);
	p = path("New_Zealand");
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0755);
	assert_no_temps(p);
	free(p);
	assert_no_temps(tree_dir);

	p = path(SL_TREE_MANIFEST);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);	/* not for the servers */
	m = read_file(p, &len);
	ck_assert_ptr_nonnull(strstr((char *)m, "\nNew_Zealand/g3-tones.xml\n"
				     "SEP001122AABBCC.cnf.xml\n"));
	free(m);
	free(p);
	sl_tree_close(t);
	umask(022);
}
END_TEST

START_TEST(unchanged_keeps_mtime_and_rewrite_is_atomic)
{
	struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct sl_tree_stats st;
	struct sl_tree *t;
	struct stat before, after;
	char err[256], buf[32] = "", *p;
	int fd;

	t = open_tree();
	sl_tree_begin(t);
	put(t, "SEP001122AABBCC.cnf.xml", "version one\n");
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	p = path("SEP001122AABBCC.cnf.xml");
	ck_assert_int_eq(utimensat(AT_FDCWD, p, old, 0), 0);
	ck_assert_int_eq(stat(p, &before), 0);

	/* Same bytes: not rewritten, mtime and inode kept. */
	sl_tree_begin(t);
	put(t, "SEP001122AABBCC.cnf.xml", "version one\n");
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.unchanged, 1);
	ck_assert_uint_eq(st.written, 0);
	ck_assert_int_eq(stat(p, &after), 0);
	ck_assert_int_eq(after.st_mtim.tv_sec, 1000000000);
	ck_assert_uint_eq(after.st_ino, before.st_ino);

	/* Same length, other bytes: rewritten through rename, so a reader that
	 * opened the old file still reads the old bytes whole. */
	fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	sl_tree_begin(t);
	put(t, "SEP001122AABBCC.cnf.xml", "version two\n");
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.written, 1);
	ck_assert_int_eq(read(fd, buf, sizeof(buf) - 1), 12);
	ck_assert_str_eq(buf, "version one\n");
	close(fd);
	assert_content("SEP001122AABBCC.cnf.xml", "version two\n");
	ck_assert_int_eq(stat(p, &after), 0);
	ck_assert_uint_ne(after.st_ino, before.st_ino);
	ck_assert_int_gt(after.st_mtim.tv_sec, 1000000000);
	assert_no_temps(tree_dir);
	free(p);
	sl_tree_close(t);
}
END_TEST

START_TEST(sweep_keeps_operator_files)
{
	struct sl_tree_stats st;
	struct sl_tree *t;
	char err[256], *p;

	t = open_tree();
	sl_tree_begin(t);
	put(t, "SEP001122AABBCC.cnf.xml", "a\n");
	put(t, "SEP001122AABBDD.cnf.xml", "b\n");
	put(t, "SEP001122AABBDD.cnf.xml.sgn", "b signed\n");
	put(t, "New_Zealand/g3-tones.xml", "t\n");
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.written, 4);
	/* The operator's own files, at the top and in a subdirectory of ours. */
	write_plain("ring1.raw", "ring");
	write_plain("New_Zealand/mk-sip.jar", "jar");
	p = path("Desktops");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	write_plain("Desktops/List.xml", "list");

	/* Device ...DD deleted, the tones no longer generated. */
	sl_tree_begin(t);
	put(t, "SEP001122AABBCC.cnf.xml", "a\n");
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.unchanged, 1);
	ck_assert_uint_eq(st.removed, 3);
	ck_assert(!exists("SEP001122AABBDD.cnf.xml"));
	ck_assert(!exists("SEP001122AABBDD.cnf.xml.sgn"));
	ck_assert(!exists("New_Zealand/g3-tones.xml"));
	ck_assert(exists("SEP001122AABBCC.cnf.xml"));
	assert_content("ring1.raw", "ring");
	assert_content("New_Zealand/mk-sip.jar", "jar");
	assert_content("Desktops/List.xml", "list");
	sl_tree_close(t);

	/* The manifest survives a restart: an empty generation removes the
	 * last generated file and still nothing of the operator's. */
	t = open_tree();
	sl_tree_begin(t);
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert(!exists("SEP001122AABBCC.cnf.xml"));
	assert_content("ring1.raw", "ring");
	assert_content("Desktops/List.xml", "list");
	sl_tree_close(t);
}
END_TEST

START_TEST(operator_file_not_overwritten)
{
	struct sl_tree *t;
	char err[256] = "";
	static const uint8_t x[] = "generated";

	t = open_tree();
	write_plain("SEP001122AABBCC.cnf.xml", "hand made");
	write_plain("Ringlist.xml", "operator");
	sl_tree_begin(t);
	ck_assert_int_eq(sl_tree_put(t, "SEP001122AABBCC.cnf.xml", x, sizeof(x) - 1, err,
				     sizeof(err)), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err, "was not written by shieldlock"));
	assert_content("SEP001122AABBCC.cnf.xml", "hand made");
	ck_assert_int_eq(sl_tree_del(t, "Ringlist.xml", err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "operator files are removed by hand"));
	assert_content("Ringlist.xml", "operator");
	ck_assert_int_eq(sl_tree_end(t, NULL, err, sizeof(err)), 0);
	assert_content("SEP001122AABBCC.cnf.xml", "hand made");
	sl_tree_close(t);
}
END_TEST

START_TEST(del_generated)
{
	struct sl_tree_stats st;
	struct sl_tree *t;
	char err[256];

	t = open_tree();
	put(t, "SEP001122AABBCC.cnf.xml", "plain");	/* outside a generation */
	ck_assert(exists("SEP001122AABBCC.cnf.xml"));
	ck_assert_int_eq(sl_tree_del(t, "SEP001122AABBCC.cnf.xml", err, sizeof(err)), 0);
	ck_assert(!exists("SEP001122AABBCC.cnf.xml"));
	ck_assert_int_eq(sl_tree_del(t, "SEP001122AABBCC.cnf.xml", err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), -EINVAL);

	/* Put then deleted within a generation: stays deleted and unlisted. */
	sl_tree_begin(t);
	put(t, "SEP001122AABBCC.cnf.xml", "plain");
	put(t, "SEP001122AABBCC.cnf.xml.sgn", "signed");
	ck_assert_int_eq(sl_tree_del(t, "SEP001122AABBCC.cnf.xml", err, sizeof(err)), 0);
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.written, 2);
	ck_assert_uint_eq(st.removed, 1);
	ck_assert(!exists("SEP001122AABBCC.cnf.xml"));
	ck_assert(exists("SEP001122AABBCC.cnf.xml.sgn"));
	{
		char *p = path(SL_TREE_MANIFEST);
		size_t len = 0;
		uint8_t *m = read_file(p, &len);

		ck_assert_ptr_nonnull(m);
		ck_assert_ptr_null(strstr((char *)m, "SEP001122AABBCC.cnf.xml\n"));
		ck_assert_ptr_nonnull(strstr((char *)m, "SEP001122AABBCC.cnf.xml.sgn\n"));
		free(m);
		free(p);
	}
	sl_tree_close(t);
}
END_TEST

START_TEST(crash_before_end)
{
	struct sl_tree_stats st;
	struct sl_tree *t;
	char err[256];

	/* Files put by a run that never reached sl_tree_end are still known
	 * as generated: the manifest is appended before each new file. */
	t = open_tree();
	sl_tree_begin(t);
	put(t, "SEP001122AABBCC.cnf.xml", "x");
	put(t, "sub/dir/SEP001122AABBCC.cnf.xml", "y");
	sl_tree_close(t);

	t = open_tree();
	sl_tree_begin(t);
	ck_assert_int_eq(sl_tree_end(t, &st, err, sizeof(err)), 0);
	ck_assert_uint_eq(st.removed, 2);
	ck_assert(!exists("SEP001122AABBCC.cnf.xml"));
	ck_assert(!exists("sub/dir/SEP001122AABBCC.cnf.xml"));
	sl_tree_close(t);
}
END_TEST

START_TEST(names_refused)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "", "empty file name" },
		{ "../escape.xml", "starts with '.'" },
		{ "a/../../escape.xml", "starts with '.'" },
		{ "./x.xml", "starts with '.'" },
		{ "/etc/passwd", "empty path component" },
		{ "a//b.xml", "empty path component" },
		{ "dir/", "empty path component" },
		{ SL_TREE_MANIFEST, "reserved" },
		{ ".sl-tmp-1-1", "reserved" },
		{ "a\nb.xml", "control character 0x0a" },
		{ "a\x7f.xml", "control character 0x7f" },
		{ "a b.xml", "character ' '" },
		{ "a\\..\\b.xml", "character '\\'" },
		{ "caf\xc3\xa9.xml", "non-ASCII byte 0xc3 at byte 3" },
		{ "a/b/c/d/e/f/g/h/i.xml", "deeper than 8" },
	};
	struct sl_tree *t;
	char err[256], longname[SL_TREE_NAME_MAX + 2], longcomp[120], *p;
	struct stat sb;

	t = open_tree();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = 0;
		ck_assert_int_eq(sl_tree_put(t, cases[i].name, (const uint8_t *)"x", 1, err,
					     sizeof(err)), -EINVAL);
		ck_assert_msg(strstr(err, cases[i].want) != NULL, "case %zu: \"%s\" lacks "
			      "\"%s\"", i, err, cases[i].want);
		ck_assert_int_eq(sl_tree_del(t, cases[i].name, err, sizeof(err)), -EINVAL);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	ck_assert_int_eq(sl_tree_put(t, longname, (const uint8_t *)"x", 1, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	memset(longcomp, 'a', sizeof(longcomp) - 1);
	longcomp[sizeof(longcomp) - 1] = 0;
	ck_assert_int_eq(sl_tree_name_check(longcomp, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sl_tree_name_check("Desktops/320x212x12/List.xml", err,
					    sizeof(err)), 0);
	/* Nothing escaped the tree. */
	ck_assert_int_ne(asprintf(&p, "%s/escape.xml", base_dir), -1);
	ck_assert_int_ne(stat(p, &sb), 0);
	free(p);
	sl_tree_close(t);
}
END_TEST

START_TEST(symlinks_not_followed)
{
	struct sl_tree *t;
	char err[256] = "", *outside, *link, *target;
	struct stat sb;

	ck_assert_int_ge(asprintf(&outside, "%s/outside", base_dir), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	t = open_tree();
	link = path("linked");
	ck_assert_int_eq(symlink(outside, link), 0);
	ck_assert_int_lt(sl_tree_put(t, "linked/SEP001122AABBCC.cnf.xml",
				     (const uint8_t *)"x", 1, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "symbolic link") != NULL, "%s", err);
	ck_assert_int_ge(asprintf(&target, "%s/SEP001122AABBCC.cnf.xml", outside), 0);
	ck_assert_int_ne(stat(target, &sb), 0);
	free(link);

	/* A symbolic link in the place of a file. */
	link = path("SEP001122AABBCC.cnf.xml");
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_lt(sl_tree_put(t, "SEP001122AABBCC.cnf.xml", (const uint8_t *)"x", 1,
				     err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "symbolic link") != NULL, "%s", err);
	ck_assert_int_ne(stat(target, &sb), 0);
	free(link);
	free(target);
	free(outside);
	sl_tree_close(t);
}
END_TEST

START_TEST(one_writer_at_a_time)
{
	struct sl_tree *t, *t2;
	char err[256] = "";

	t = open_tree();
	ck_assert_int_eq(sl_tree_open(&t2, tree_dir, err, sizeof(err)), -EWOULDBLOCK);
	ck_assert_ptr_null(t2);
	ck_assert_ptr_nonnull(strstr(err, "in use by another process"));
	sl_tree_close(t);
	t2 = open_tree();
	sl_tree_close(t2);
}
END_TEST

TCase *tcase_tree(void)
{
	TCase *tc = tcase_create("tree");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, put_modes_and_manifest);
	tcase_add_test(tc, unchanged_keeps_mtime_and_rewrite_is_atomic);
	tcase_add_test(tc, sweep_keeps_operator_files);
	tcase_add_test(tc, operator_file_not_overwritten);
	tcase_add_test(tc, del_generated);
	tcase_add_test(tc, crash_before_end);
	tcase_add_test(tc, names_refused);
	tcase_add_test(tc, symlinks_not_followed);
	tcase_add_test(tc, one_writer_at_a_time);
	return tc;
}
