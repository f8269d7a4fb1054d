/* SPDX-License-Identifier: BSD-3-Clause */
/* Credentials at rest: decrypted HA1 values, nothing secret in the file,
 * wrong key, tampered and swapped blobs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest.h"
#include "test_store.h"

#define E T.err, sizeof(T.err)

struct creds {
	int n;
	struct sl_cred c[8];
};

static int collect_cred(const struct sl_cred *c, void *arg)
{
	struct creds *l = arg;

	if (l->n < 8)
		l->c[l->n++] = *c;
	return 0;
}

/* H(user ":" realm ":" password) with OpenSSL directly (RFC 7616 §3.4.2). */
static void ref_ha1(const char *md, const char *user, const char *realm, const char *pw,
		    uint8_t *out, unsigned *len)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pw);

	ck_assert(EVP_Digest(buf, (size_t)n, out, len, EVP_get_digestbyname(md), NULL) == 1);
}

START_TEST(test_walk_ha1)
{
	struct sl_user u = { .name = "Mufasa", .enabled = true };
	struct creds l = { 0 };
	uint8_t ref[32], mine[32];
	unsigned len;
	char hex[65];
	int i;

	ck_assert_int_eq(sl_store_user_add(T.st, &u, "testrealm@host.com", "Circle Of Life", E), 0);
	ck_assert_int_eq(sl_store_cred_walk(T.st, collect_cred, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_str_eq(l.c[i].user, "Mufasa");
		ck_assert_str_eq(l.c[i].realm, "testrealm@host.com");
	}
	ck_assert_int_eq(l.c[0].alg, SL_DIGEST_MD5);
	ck_assert_uint_eq(l.c[0].ha1_len, 16);
	/* RFC 2617 §3.5: HA1 of Mufasa / testrealm@host.com / Circle Of Life. */
	test_hex(l.c[0].ha1, 16, hex);
	ck_assert_str_eq(hex, "939e7578ed9e3c518a452acee763bce9");
	ck_assert_int_eq(sl_digest_ha1(SL_DIGEST_MD5, "Mufasa", "testrealm@host.com",
				       "Circle Of Life", mine, NULL, 0), 0);
	ck_assert_mem_eq(l.c[0].ha1, mine, 16);

	ck_assert_int_eq(l.c[1].alg, SL_DIGEST_SHA256);
	ck_assert_uint_eq(l.c[1].ha1_len, 32);
	ref_ha1("SHA256", "Mufasa", "testrealm@host.com", "Circle Of Life", ref, &len);
	ck_assert_uint_eq(len, 32);
	ck_assert_mem_eq(l.c[1].ha1, ref, 32);
	ck_assert_int_eq(sl_digest_ha1(SL_DIGEST_SHA256, "Mufasa", "testrealm@host.com",
				       "Circle Of Life", mine, NULL, 0), 0);
	ck_assert_mem_eq(l.c[1].ha1, mine, 32);
}
END_TEST

START_TEST(test_walk_passwd_realms_disabled)
{
	struct creds l = { 0 };
	uint8_t want[32];
	int i;

	ts_add_user("alice", "old-pw");
	ts_add_user("bob", "bob-pw");
	ck_assert_int_eq(sl_store_user_passwd(T.st, "alice", "sl.test", "new-pw", E), 0);
	ck_assert_int_eq(sl_store_user_passwd(T.st, "alice", "other.realm", "realm2-pw", E), 0);
	ck_assert_int_eq(sl_store_user_set_enabled(T.st, "bob", false, E), 0);
	ck_assert_int_eq(sl_store_cred_walk(T.st, collect_cred, &l, E), 0);
	ck_assert_int_eq(l.n, 4);	/* alice x 2 realms x 2 algs; bob disabled */
	for (i = 0; i < 4; i++) {
		const char *pw = !strcmp(l.c[i].realm, "sl.test") ? "new-pw" : "realm2-pw";

		ck_assert_str_eq(l.c[i].user, "alice");
		ck_assert_int_eq(sl_digest_ha1((enum sl_digest_alg)l.c[i].alg, "alice", l.c[i].realm,
					       pw, want, NULL, 0), 0);
		ck_assert_uint_eq(l.c[i].ha1_len, sl_digest_alg_len((enum sl_digest_alg)l.c[i].alg));
		ck_assert_mem_eq(l.c[i].ha1, want, l.c[i].ha1_len);
	}
	ck_assert_str_eq(l.c[0].realm, "other.realm");
	ck_assert_str_eq(l.c[2].realm, "sl.test");
	ck_assert_int_eq(sl_store_user_set_enabled(T.st, "bob", true, E), 0);
	l.n = 0;
	ck_assert_int_eq(sl_store_cred_walk(T.st, collect_cred, &l, E), 0);
	ck_assert_int_eq(l.n, 6);
}
END_TEST

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	return memmem(hay, n, needle, m) != NULL;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

START_TEST(test_file_has_no_secrets)
{
	static const char *const pw[] = { "Tr0ub4dor&3-alice", "correct horse battery bob" };
	static const char *const users[] = { "alice", "bob" };
	static const enum sl_digest_alg algs[] = { SL_DIGEST_MD5, SL_DIGEST_SHA256 };
	uint8_t ha1[32];
	char hex[65];
	uint8_t *buf;
	size_t len;
	int i, a;

	ts_add_user("alice", pw[0]);
	ts_add_user("bob", pw[1]);
	ck_assert_int_eq(sl_store_user_passwd(T.st, "alice", "sl.test", pw[0], E), 0);
	/* Closing checkpoints the WAL into the main file. */
	sl_store_close(T.st);
	T.st = NULL;
	buf = slurp(T.path, &len);
	/* The search works: the user names are in the file in clear. */
	ck_assert(contains(buf, len, "alice", 5));
	ck_assert(contains(buf, len, "sl.test", 7));
	for (i = 0; i < 2; i++) {
		ck_assert(!contains(buf, len, pw[i], strlen(pw[i])));
		for (a = 0; a < 2; a++) {
			size_t hl = sl_digest_alg_len(algs[a]);

			ck_assert_int_eq(sl_digest_ha1(algs[a], users[i], "sl.test", pw[i], ha1,
						       NULL, 0), 0);
			test_hex(ha1, hl, hex);
			ck_assert_msg(!contains(buf, len, ha1, hl), "binary HA1 of %s in the file",
				      users[i]);
			/* Also no 8-byte window of it (a partial leak). */
			ck_assert(!contains(buf, len, ha1 + 4, 8));
			ck_assert(!contains(buf, len, hex, 2 * hl));
		}
	}
	free(buf);
	ts_reopen(&T, test_key);
}
END_TEST

START_TEST(test_nonces_fresh)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	uint8_t n1[12], n2[12], c1[32], c2[32];

	/* Same password and realm for two users, and the same user twice:
	 * every blob has its own nonce and a different ciphertext. */
	ts_add_user("alice", "same");
	ts_add_user("bob", "same");
	db = ts_raw_open(T.path);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT nonce, ciphertext FROM credentials "
					    "WHERE alg = 1 ORDER BY user", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_bytes(s, 0), 12);
	ck_assert_int_eq(sqlite3_column_bytes(s, 1), 32);
	memcpy(n1, sqlite3_column_blob(s, 0), 12);
	memcpy(c1, sqlite3_column_blob(s, 1), 32);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	memcpy(n2, sqlite3_column_blob(s, 0), 12);
	memcpy(c2, sqlite3_column_blob(s, 1), 32);
	sqlite3_finalize(s);
	ck_assert(memcmp(n1, n2, 12) != 0);
	ck_assert(memcmp(c1, c2, 32) != 0);

	ck_assert_int_eq(sl_store_user_passwd(T.st, "alice", "sl.test", "same", E), 0);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT nonce FROM credentials WHERE alg = 1 "
					    "AND user = 'alice'", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert(memcmp(n1, sqlite3_column_blob(s, 0), 12) != 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
}
END_TEST

static int count_only(const struct sl_cred *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
	return 0;
}

START_TEST(test_wrong_key)
{
	int n = 0;

	ts_add_user("alice", "pw");
	ts_reopen(&T, other_key);
	ck_assert_int_eq(sl_store_cred_walk(T.st, count_only, &n, E), -EIO);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(T.err, "\"alice\""));
	ck_assert_ptr_nonnull(strstr(T.err, "master key"));
	/* The right key still works: nothing was changed. */
	ts_reopen(&T, test_key);
	ck_assert_int_eq(sl_store_cred_walk(T.st, count_only, &n, E), 0);
	ck_assert_int_eq(n, 2);
}
END_TEST

/* Expects the walk to fail with -EIO naming who. */
static void expect_walk_eio(const char *who)
{
	int n = 0;

	ck_assert_int_eq(sl_store_cred_walk(T.st, count_only, &n, E), -EIO);
	ck_assert_msg(strstr(T.err, who) != NULL, "error names %s: %s", who, T.err);
	ck_assert_msg(strstr(T.err, "does not decrypt") != NULL, "%s", T.err);
}

/* Flips one bit of a blob column of a credentials row through a second
 * connection (test code: table and column are constants). */
static void flip_bit(const char *table, const char *col, const char *keycol, const char *key,
		     int alg, int byte)
{
	char sql[256];
	uint8_t blob[64];
	sqlite3 *db = ts_raw_open(T.path);
	sqlite3_stmt *s;
	int n;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s = ?1 AND alg = ?2", col, table, keycol);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, alg);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_bytes(s, 0);
	ck_assert(n > byte && n <= (int)sizeof(blob));
	memcpy(blob, sqlite3_column_blob(s, 0), (size_t)n);
	sqlite3_finalize(s);
	blob[byte] ^= 0x01;
	snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?3 WHERE %s = ?1 AND alg = ?2", table, col, keycol);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, alg);
	sqlite3_bind_blob(s, 3, blob, n, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_changes(db), 1);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

START_TEST(test_tampered_ciphertext)
{
	ts_add_user("alice", "pw");
	flip_bit("credentials", "ciphertext", "user", "alice", SL_DIGEST_SHA256, 31);
	expect_walk_eio("\"alice\"");
}
END_TEST

START_TEST(test_tampered_tag)
{
	ts_add_user("alice", "pw");
	flip_bit("credentials", "tag", "user", "alice", SL_DIGEST_MD5, 0);
	expect_walk_eio("\"alice\"");
}
END_TEST

START_TEST(test_tampered_nonce)
{
	ts_add_user("alice", "pw");
	flip_bit("credentials", "nonce", "user", "alice", SL_DIGEST_MD5, 11);
	expect_walk_eio("\"alice\"");
}
END_TEST

START_TEST(test_truncated_blob)
{
	ts_add_user("alice", "pw");
	ck_assert_int_eq(ts_raw_exec(T.path, "UPDATE credentials SET ciphertext = "
				     "substr(ciphertext, 1, 15) WHERE user = 'alice' AND alg = 0"), 1);
	expect_walk_eio("\"alice\"");
}
END_TEST

START_TEST(test_swapped_between_users)
{
	/* Move bob's blob (valid under the store key) onto alice's row: the
	 * AAD names bob, so it does not open as alice's. */
	ts_add_user("alice", "alice-pw");
	ts_add_user("bob", "bob-pw");
	ck_assert_int_eq(ts_raw_exec(T.path,
		"UPDATE credentials SET (nonce, ciphertext, tag) = "
		"(SELECT b.nonce, b.ciphertext, b.tag FROM credentials b "
		" WHERE b.user = 'bob' AND b.realm = credentials.realm AND b.alg = credentials.alg) "
		"WHERE user = 'alice'"), 2);
	expect_walk_eio("\"alice\"");
}
END_TEST

START_TEST(test_moved_realm_and_alg)
{
	/* Renaming the realm of a row breaks its AAD too. */
	ts_add_user("alice", "pw");
	ck_assert_int_eq(ts_raw_exec(T.path, "UPDATE credentials SET realm = 'evil.realm' "
				     "WHERE user = 'alice' AND alg = 1"), 1);
	expect_walk_eio("\"alice\"");
}
END_TEST

/* ---- trunk credentials ---- */

struct tcreds {
	int n;
	struct sl_trunk_cred c[8];
};

static int collect_tcred(const struct sl_trunk_cred *c, void *arg)
{
	struct tcreds *l = arg;

	if (l->n < 8)
		l->c[l->n++] = *c;
	return 0;
}

static void add_trunk(const char *name)
{
	struct sl_trunk t = { .host = "sip.example.net", .transport = "tls", .profile = "encrypted" };

	snprintf(t.name, sizeof(t.name), "%s", name);
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), 0);
}

START_TEST(test_trunk_creds)
{
	struct tcreds l = { 0 };
	uint8_t want[32];
	int i;

	ck_assert_int_eq(sl_store_trunk_cred_set(T.st, "carrier", "carrier.net", "acct42", "tpw", E),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "\"carrier\""));
	add_trunk("carrier");
	ck_assert_int_eq(sl_store_trunk_cred_set(T.st, "carrier", "carrier.net", "acct42", "tpw", E), 0);
	ck_assert_int_eq(sl_store_trunk_cred_set(T.st, "carrier", "carrier.net", "acct43", "tpw2", E), 0);
	ck_assert_int_eq(sl_store_trunk_cred_set(T.st, "carrier", "other.net", "x", "y", E), 0);
	ck_assert_int_eq(sl_store_trunk_cred_walk(T.st, collect_tcred, &l, E), 0);
	ck_assert_int_eq(l.n, 4);
	for (i = 0; i < 2; i++) {
		ck_assert_str_eq(l.c[i].trunk, "carrier");
		ck_assert_str_eq(l.c[i].realm, "carrier.net");
		ck_assert_str_eq(l.c[i].username, "acct43");	/* replaced */
		ck_assert_int_eq(l.c[i].alg, i);
		ck_assert_int_eq(sl_digest_ha1((enum sl_digest_alg)i, "acct43", "carrier.net", "tpw2",
					       want, NULL, 0), 0);
		ck_assert_uint_eq(l.c[i].ha1_len, sl_digest_alg_len((enum sl_digest_alg)i));
		ck_assert_mem_eq(l.c[i].ha1, want, l.c[i].ha1_len);
	}
	ck_assert_int_eq(sl_store_trunk_cred_del(T.st, "carrier", "other.net", E), 0);
	ck_assert_int_eq(sl_store_trunk_cred_del(T.st, "carrier", "other.net", E), -ENOENT);
	ck_assert_int_eq(sl_store_trunk_cred_set(T.st, "carrier", "carrier.net", "bad\"user", "p", E),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "trunk username"));
	ck_assert_int_eq(sl_store_trunk_cred_set(T.st, "carrier", "carrier.net", "u", "", E), -EINVAL);

	/* Deleting the trunk deletes its credentials. */
	ck_assert_int_eq(sl_store_trunk_del(T.st, "carrier", E), 0);
	l.n = 0;
	ck_assert_int_eq(sl_store_trunk_cred_walk(T.st, collect_tcred, &l, E), 0);
	ck_assert_int_eq(l.n, 0);
}
END_TEST

START_TEST(test_trunk_creds_tamper)
{
	struct tcreds l = { 0 };

	add_trunk("carrier");
	add_trunk("backup");
	ck_assert_int_eq(sl_store_trunk_cred_set(T.st, "carrier", "carrier.net", "acct42", "tpw", E), 0);
	ck_assert_int_eq(sl_store_trunk_cred_set(T.st, "backup", "carrier.net", "acct42", "tpw", E), 0);
	/* The AAD binds the user name the HA1 was made for. */
	ck_assert_int_eq(ts_raw_exec(T.path, "UPDATE trunk_credentials SET username = 'acct99' "
				     "WHERE trunk = 'carrier' AND alg = 0"), 1);
	ck_assert_int_eq(sl_store_trunk_cred_walk(T.st, collect_tcred, &l, E), -EIO);
	ck_assert_ptr_nonnull(strstr(T.err, "\"carrier\""));
	ck_assert_int_eq(ts_raw_exec(T.path, "UPDATE trunk_credentials SET username = 'acct42' "
				     "WHERE trunk = 'carrier' AND alg = 0"), 1);
	l.n = 0;
	ck_assert_int_eq(sl_store_trunk_cred_walk(T.st, collect_tcred, &l, E), 0);
	ck_assert_int_eq(l.n, 4);
	/* Same realm, user name and password on two trunks: still not swappable. */
	ck_assert_int_eq(ts_raw_exec(T.path,
		"UPDATE trunk_credentials SET (nonce, ciphertext, tag) = "
		"(SELECT b.nonce, b.ciphertext, b.tag FROM trunk_credentials b "
		" WHERE b.trunk = 'backup' AND b.realm = trunk_credentials.realm "
		" AND b.alg = trunk_credentials.alg) WHERE trunk = 'carrier'"), 2);
	ck_assert_int_eq(sl_store_trunk_cred_walk(T.st, collect_tcred, &l, E), -EIO);
	/* Wrong master key. */
	ts_reopen(&T, other_key);
	ck_assert_int_eq(sl_store_trunk_cred_walk(T.st, collect_tcred, &l, E), -EIO);
}
END_TEST

TCase *tcase_crypt(void)
{
	TCase *tc = tcase_create("crypt");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_walk_ha1);
	tcase_add_test(tc, test_walk_passwd_realms_disabled);
	tcase_add_test(tc, test_file_has_no_secrets);
	tcase_add_test(tc, test_nonces_fresh);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_tampered_ciphertext);
	tcase_add_test(tc, test_tampered_tag);
	tcase_add_test(tc, test_tampered_nonce);
	tcase_add_test(tc, test_truncated_blob);
	tcase_add_test(tc, test_swapped_between_users);
	tcase_add_test(tc, test_moved_realm_and_alg);
	tcase_add_test(tc, test_trunk_creds);
	tcase_add_test(tc, test_trunk_creds_tamper);
	return tc;
}
