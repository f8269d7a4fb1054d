/* SPDX-License-Identifier: BSD-3-Clause */
/* Creation, reopening, migrations, file permissions and open failures. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"
#include "test_store.h"

static unsigned file_mode(const char *path)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return (unsigned)(sb.st_mode & 07777);
}

/* The schema as SQLite records it, one line per object, sorted. */
static void schema_dump(const char *path, char *out, size_t outlen)
{
	sqlite3 *db = ts_raw_open(path);
	sqlite3_stmt *s;
	size_t n = 0;

	out[0] = '\0';
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema "
					    "ORDER BY type, name", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int k = snprintf(out + n, outlen - n, "%s|%s|%s|%s\n", sqlite3_column_text(s, 0),
				 sqlite3_column_text(s, 1), sqlite3_column_text(s, 2),
				 sqlite3_column_text(s, 3) ? (const char *)sqlite3_column_text(s, 3) : "");

		ck_assert_int_lt(k, (int)(outlen - n));
		n += (size_t)k;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static int raw_int(const char *path, const char *sql)
{
	sqlite3 *db = ts_raw_open(path);
	sqlite3_stmt *s;
	int v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

struct plist {
	int n;
	struct sl_profile p[8];
};

static int collect_profile(const struct sl_profile *p, void *arg)
{
	struct plist *l = arg;

	if (l->n < 8)
		l->p[l->n++] = *p;
	return 0;
}

START_TEST(test_fresh)
{
	struct tstore t;
	struct plist l = { 0 };
	char mode[32];
	sqlite3 *db;
	sqlite3_stmt *s;
	mode_t old = umask(022);	/* a permissive umask must not matter */

	ts_mkdir(&t);
	ck_assert_int_eq(sl_store_open(t.path, test_key, &t.st, t.err, sizeof(t.err)), 0);
	umask(old);
	ck_assert_int_eq(sl_store_schema_latest(), 3);
	ck_assert_int_eq(sl_store_schema_version(t.st), 3);
	ck_assert_str_eq(sl_store_warning(t.st), "");
	ck_assert_uint_eq(file_mode(t.path), 0600);

	ck_assert_int_eq(sl_store_profile_list(t.st, collect_profile, &l, t.err, sizeof(t.err)), 0);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.p[0].name, "non-secure");
	ck_assert_int_eq(l.p[0].mode, SL_SEC_NONSECURE);
	ck_assert_str_eq(l.p[1].name, "authenticated");
	ck_assert_int_eq(l.p[1].mode, SL_SEC_AUTHENTICATED);
	ck_assert_str_eq(l.p[2].name, "encrypted");
	ck_assert_int_eq(l.p[2].mode, SL_SEC_ENCRYPTED);

	/* WAL is persistent in the file; a second connection sees it. */
	db = ts_raw_open(t.path);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	snprintf(mode, sizeof(mode), "%s", sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	ck_assert_str_eq(mode, "wal");
	ts_rmdir(&t);
}
END_TEST

START_TEST(test_foreign_keys_on)
{
	struct sl_device d = { .name = "dev1", .user = "alice", .profile = "encrypted" };

	/* The store's own connection enforces foreign keys: a device row naming
	 * a missing user can only come from a raw write, and deleting a user
	 * a device names is refused even without the explicit check. */
	ts_add_user("alice", "pw-alice");
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, T.err, sizeof(T.err)), 0);
	ck_assert_int_eq(sqlite3_exec(T.st->db, "DELETE FROM users WHERE name = 'alice'",
				      NULL, NULL, NULL), SQLITE_CONSTRAINT_FOREIGNKEY);
}
END_TEST

START_TEST(test_reopen)
{
	struct sl_user u;

	ts_add_user("alice", "pw-alice");
	ts_reopen(&T, test_key);
	ck_assert_int_eq(sl_store_schema_version(T.st), sl_store_schema_latest());
	ck_assert_int_eq(sl_store_user_get(T.st, "alice", &u, T.err, sizeof(T.err)), 0);
	ck_assert_str_eq(u.display, "User alice");
	ck_assert(u.enabled);
	ck_assert_int_gt(u.created, 1700000000);
	ck_assert_uint_eq(file_mode(T.path), 0600);
}
END_TEST

static int count_cred(const struct sl_cred *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

START_TEST(test_migrate_from_v1)
{
	struct tstore fresh;
	struct sl_call c = { .id = "c1", .state = "ended", .started = 10, .ended = 20 };
	struct sl_device d = { .name = "SEP001122334455", .user = "alice", .profile = "encrypted" };
	struct sl_device got;
	static char dump_up[32768], dump_fresh[32768];
	int n = 0;

	sl_store_close(T.st);
	unlink(T.path);
	ck_assert_int_eq(sl_store_open_version(T.path, test_key, 1, &T.st, T.err, sizeof(T.err)), 0);
	ck_assert_int_eq(sl_store_schema_version(T.st), 1);
	ts_add_user("alice", "pw-alice");
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, T.err, sizeof(T.err)), 0);
	ck_assert_int_eq(sl_store_call_put(T.st, &c, T.err, sizeof(T.err)), 0);
	sl_store_close(T.st);
	T.st = NULL;
	ck_assert_int_eq(raw_int(T.path, "PRAGMA user_version"), 1);
	ck_assert_int_eq(raw_int(T.path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
				 "AND name = 'calls_started'"), 0);

	/* Upgrade by opening with this build. */
	ts_reopen(&T, test_key);
	ck_assert_int_eq(sl_store_schema_version(T.st), 3);
	ck_assert_int_eq(sl_store_device_get(T.st, d.name, &got, T.err, sizeof(T.err)), 0);
	ck_assert_str_eq(got.user, "alice");
	ck_assert_int_eq(sl_store_cred_walk(T.st, count_cred, &n, T.err, sizeof(T.err)), 0);
	ck_assert_int_eq(n, 2);
	sl_store_close(T.st);
	T.st = NULL;

	ts_mkdir(&fresh);
	ck_assert_int_eq(sl_store_open(fresh.path, test_key, &fresh.st, fresh.err, sizeof(fresh.err)), 0);
	sl_store_close(fresh.st);
	fresh.st = NULL;
	schema_dump(T.path, dump_up, sizeof(dump_up));
	schema_dump(fresh.path, dump_fresh, sizeof(dump_fresh));
	ck_assert_ptr_nonnull(strstr(dump_up, "index|calls_started|calls|"));
	ck_assert_str_eq(dump_up, dump_fresh);
	ck_assert_int_eq(raw_int(fresh.path, "PRAGMA user_version"), 3);
	ts_rmdir(&fresh);
	ts_reopen(&T, test_key);
}
END_TEST

/* A version-2 store (the schema before issue 5) with data, upgraded to 3:
 * the data stays, the new columns get their defaults, the new tables are
 * empty, and the schema equals a fresh store's. */
START_TEST(test_migrate_from_v2)
{
	struct tstore fresh;
	struct sl_device d = { .name = "SEP001122334455", .user = "alice", .profile = "lab" };
	struct sl_profile p;
	struct sl_capf c;
	struct sl_device got;
	static char dump_up[32768], dump_fresh[32768];
	char secret[64];
	size_t len = 99;
	int n = 0;

	sl_store_close(T.st);
	unlink(T.path);
	ck_assert_int_eq(sl_store_open_version(T.path, test_key, 2, &T.st, T.err, sizeof(T.err)), 0);
	ck_assert_int_eq(sl_store_schema_version(T.st), 2);
	ts_add_user("alice", "pw-alice");
	/* This build's profile calls use the schema-3 column: write it raw, as
	 * a version-2 build did. */
	ck_assert_int_eq(sqlite3_exec(T.st->db, "INSERT INTO profiles (name, mode, description) "
				      "VALUES ('lab', 1, 'lab')", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, T.err, sizeof(T.err)), 0);
	sl_store_close(T.st);
	T.st = NULL;
	ck_assert_int_eq(raw_int(T.path, "PRAGMA user_version"), 2);
	ck_assert_int_eq(raw_int(T.path, "SELECT count(*) FROM sqlite_schema WHERE name = 'capf'"), 0);

	ts_reopen(&T, test_key);
	ck_assert_int_eq(sl_store_schema_version(T.st), 3);
	ck_assert_int_eq(sl_store_device_get(T.st, d.name, &got, T.err, sizeof(T.err)), 0);
	ck_assert_str_eq(got.profile, "lab");
	ck_assert_int_eq(sl_store_profile_get(T.st, "lab", &p, T.err, sizeof(T.err)), 0);
	ck_assert_int_eq(p.mode, SL_SEC_AUTHENTICATED);
	ck_assert(!p.encrypt_config);
	ck_assert_int_eq(sl_store_cred_walk(T.st, count_cred, &n, T.err, sizeof(T.err)), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(sl_store_capf_get(T.st, d.name, &c, T.err, sizeof(T.err)), 0);
	ck_assert(!c.configured);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_NONE);
	/* alice's password was set before the store kept provisioning secrets. */
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "alice", secret, sizeof(secret), &len,
						  T.err, sizeof(T.err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "set the password again"));
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(sl_store_user_passwd(T.st, "alice", "sl.test", "pw-alice2", T.err,
					      sizeof(T.err)), 0);
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "alice", secret, sizeof(secret), &len,
						  T.err, sizeof(T.err)), 0);
	ck_assert_str_eq(secret, "pw-alice2");
	sl_store_close(T.st);
	T.st = NULL;

	ts_mkdir(&fresh);
	ck_assert_int_eq(sl_store_open(fresh.path, test_key, &fresh.st, fresh.err, sizeof(fresh.err)), 0);
	sl_store_close(fresh.st);
	fresh.st = NULL;
	schema_dump(T.path, dump_up, sizeof(dump_up));
	schema_dump(fresh.path, dump_fresh, sizeof(dump_fresh));
	ck_assert_ptr_nonnull(strstr(dump_up, "table|capf|capf|"));
	ck_assert_ptr_nonnull(strstr(dump_up, "table|user_secrets|user_secrets|"));
	ck_assert_ptr_nonnull(strstr(dump_up, "encrypt_config"));
	ck_assert_str_eq(dump_up, dump_fresh);
	ts_rmdir(&fresh);
	ts_reopen(&T, test_key);
}
END_TEST

START_TEST(test_newer_refused)
{
	struct sl_store *st = NULL;
	int r;

	sl_store_close(T.st);
	T.st = NULL;
	ts_raw_exec(T.path, "PRAGMA user_version = 99");
	r = sl_store_open(T.path, test_key, &st, T.err, sizeof(T.err));
	ck_assert_int_eq(r, -ENOTSUP);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(T.err, "99"));
	/* Nothing was changed. */
	ck_assert_int_eq(raw_int(T.path, "PRAGMA user_version"), 99);
}
END_TEST

START_TEST(test_bad_target)
{
	struct sl_store *st = NULL;

	sl_store_close(T.st);
	T.st = NULL;
	ck_assert_int_eq(sl_store_open_version(T.path, test_key, 4, &st, T.err, sizeof(T.err)), -EINVAL);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(test_mode_fixed)
{
	ck_assert_int_eq(chmod(T.path, 0644), 0);
	ts_reopen(&T, test_key);
	ck_assert_uint_eq(file_mode(T.path), 0600);
	ck_assert_ptr_nonnull(strstr(sl_store_warning(T.st), "0644"));
	ck_assert_ptr_nonnull(strstr(sl_store_warning(T.st), "0600"));
	ts_reopen(&T, test_key);
	ck_assert_str_eq(sl_store_warning(T.st), "");
}
END_TEST

START_TEST(test_symlink_refused)
{
	char link[400];
	struct sl_store *st = NULL;

	snprintf(link, sizeof(link), "%s/link.db", T.dir);
	ck_assert_int_eq(symlink(T.path, link), 0);
	ck_assert_int_lt(sl_store_open(link, test_key, &st, T.err, sizeof(T.err)), 0);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(T.err, "symlink"));
}
END_TEST

START_TEST(test_not_a_database)
{
	struct sl_store *st = NULL;
	char junk[4096], p[400];
	int fd;

	sl_store_close(T.st);
	T.st = NULL;
	memset(junk, 'x', sizeof(junk));
	fd = open(T.path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof(junk)), (int)sizeof(junk));
	close(fd);
	snprintf(p, sizeof(p), "%s-wal", T.path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", T.path);
	unlink(p);
	ck_assert_int_eq(sl_store_open(T.path, test_key, &st, T.err, sizeof(T.err)), -EIO);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(T.err, "backup"));
}
END_TEST

START_TEST(test_missing_dir)
{
	struct sl_store *st = NULL;
	char p[400];

	snprintf(p, sizeof(p), "%s/no/such/dir/store.db", T.dir);
	ck_assert_int_eq(sl_store_open(p, test_key, &st, T.err, sizeof(T.err)), -EIO);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(T.err, "directory"));
	ck_assert_int_eq(sl_store_open(NULL, test_key, &st, T.err, sizeof(T.err)), -EINVAL);
}
END_TEST

START_TEST(test_locked_is_ebusy)
{
	struct sl_user u = { .name = "carol", .enabled = true };
	sqlite3 *other = ts_raw_open(T.path);

	/* Another writer holds the lock past the busy timeout (shortened here
	 * from the 5 s default): the call fails with -EBUSY and changes nothing. */
	sqlite3_busy_timeout(T.st->db, 50);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", "pw", T.err, sizeof(T.err)), -EBUSY);
	ck_assert_ptr_nonnull(strstr(T.err, "locked"));
	ck_assert_int_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	ck_assert_int_eq(sl_store_user_get(T.st, "carol", &u, T.err, sizeof(T.err)), -ENOENT);
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", "pw", T.err, sizeof(T.err)), 0);
}
END_TEST

START_TEST(test_sec_mode_names)
{
	enum sl_sec_mode m;

	ck_assert_str_eq(sl_sec_mode_name(SL_SEC_NONSECURE), "non-secure");
	ck_assert_str_eq(sl_sec_mode_name(SL_SEC_AUTHENTICATED), "authenticated");
	ck_assert_str_eq(sl_sec_mode_name(SL_SEC_ENCRYPTED), "encrypted");
	ck_assert_str_eq(sl_sec_mode_name((enum sl_sec_mode)7), "unknown");
	ck_assert_int_eq(sl_sec_mode_parse("encrypted", &m), 0);
	ck_assert_int_eq(m, SL_SEC_ENCRYPTED);
	ck_assert_int_eq(sl_sec_mode_parse("non-secure", &m), 0);
	ck_assert_int_eq(m, SL_SEC_NONSECURE);
	ck_assert_int_eq(sl_sec_mode_parse("Encrypted", &m), -EINVAL);
	ck_assert_int_eq(sl_sec_mode_parse("", &m), -EINVAL);
	ck_assert_int_eq(sl_sec_mode_parse(NULL, &m), -EINVAL);
}
END_TEST

TCase *tcase_schema(void)
{
	TCase *tc = tcase_create("schema");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_fresh);
	tcase_add_test(tc, test_foreign_keys_on);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_migrate_from_v1);
	tcase_add_test(tc, test_migrate_from_v2);
	tcase_add_test(tc, test_newer_refused);
	tcase_add_test(tc, test_bad_target);
	tcase_add_test(tc, test_mode_fixed);
	tcase_add_test(tc, test_symlink_refused);
	tcase_add_test(tc, test_not_a_database);
	tcase_add_test(tc, test_missing_dir);
	tcase_add_test(tc, test_locked_is_ebusy);
	tcase_add_test(tc, test_sec_mode_names);
	return tc;
}
