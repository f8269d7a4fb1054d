/* SPDX-License-Identifier: BSD-3-Clause */
/* SQLite store unit tests (suite 'unit'): each test gets a fresh store in
 * its own temporary directory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_store.h"

struct tstore T;

const uint8_t test_key[SL_STORE_MASTER_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
const uint8_t other_key[SL_STORE_MASTER_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1e,
};

void test_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void ts_mkdir(struct tstore *t)
{
	const char *tmp = getenv("TMPDIR");

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/sl-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/store.db", t->dir);
}

void ts_setup(void)
{
	int r;

	ts_mkdir(&T);
	r = sl_store_open(T.path, test_key, &T.st, T.err, sizeof(T.err));
	ck_assert_msg(r == 0, "open: %d %s", r, T.err);
}

void ts_rmdir(struct tstore *t)
{
	char p[400];

	sl_store_close(t->st);
	t->st = NULL;
	unlink(t->path);
	snprintf(p, sizeof(p), "%s-wal", t->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", t->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s/link.db", t->dir);
	unlink(p);
	rmdir(t->dir);
}

void ts_teardown(void)
{
	ts_rmdir(&T);
}

void ts_reopen(struct tstore *t, const uint8_t *key)
{
	int r;

	sl_store_close(t->st);
	t->st = NULL;
	r = sl_store_open(t->path, key, &t->st, t->err, sizeof(t->err));
	ck_assert_msg(r == 0, "reopen: %d %s", r, t->err);
}

sqlite3 *ts_raw_open(const char *path)
{
	sqlite3 *db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	return db;
}

int ts_raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = ts_raw_open(path);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	int changes = sqlite3_total_changes(db);

	ck_assert_msg(rc == SQLITE_OK, "raw exec %s: %s", sql, msg ? msg : "");
	sqlite3_free(msg);
	sqlite3_close(db);
	return changes;
}

void ts_add_user(const char *name, const char *password)
{
	struct sl_user u = { .enabled = true };
	int r;

	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.display, sizeof(u.display), "User %s", name);
	r = sl_store_user_add(T.st, &u, "sl.test", password, T.err, sizeof(T.err));
	ck_assert_msg(r == 0, "user_add %s: %d %s", name, r, T.err);
}

int main(void)
{
	Suite *s = suite_create("store");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tcase_schema());
	suite_add_tcase(s, tcase_profiles());
	suite_add_tcase(s, tcase_users());
	suite_add_tcase(s, tcase_devices());
	suite_add_tcase(s, tcase_trunks());
	suite_add_tcase(s, tcase_regs());
	suite_add_tcase(s, tcase_calls());
	suite_add_tcase(s, tcase_crypt());
	suite_add_tcase(s, tcase_capf());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
