/* SPDX-License-Identifier: BSD-3-Clause */
/* Stateless nonces and the nonce-count replay table (injected clock). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "test_auth.h"

static const uint8_t key1[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t key2[32] = "fedcba9876543210fedcba9876543210";
#define T0 1800000000ull

static struct sl_digest_nonce_key *new_key(const uint8_t *k, unsigned min)
{
	char err[256];
	struct sl_digest_nonce_key *nk;

	nk = sl_digest_nonce_key_new(k, 32, min, err, sizeof(err));
	ck_assert_msg(nk != NULL, "%s", err);
	return nk;
}

START_TEST(nonce_lifetime)
{
	struct sl_digest_nonce_key *k = new_key(key1, 5);
	char n[SL_DIGEST_NONCE_LEN + 1];
	uint64_t issued = 0;

	ck_assert_int_eq(sl_digest_nonce_make(k, "r", T0, n), 0);
	ck_assert_uint_eq(strlen(n), SL_DIGEST_NONCE_LEN);
	ck_assert_int_eq(sl_digest_nonce_check(k, n, "r", T0, &issued),
			 SL_NONCE_OK);
	ck_assert_uint_eq(issued, T0);
	ck_assert_int_eq(sl_digest_nonce_check(k, n, "r", T0 + 299, NULL),
			 SL_NONCE_OK);
	ck_assert_int_eq(sl_digest_nonce_check(k, n, "r", T0 + 300, NULL),
			 SL_NONCE_STALE);
	/* Clock stepped back a little: fine; far into the future: stale. */
	ck_assert_int_eq(sl_digest_nonce_check(k, n, "r", T0 - 30, NULL),
			 SL_NONCE_OK);
	ck_assert_int_eq(sl_digest_nonce_check(k, n, "r", T0 - 3600, NULL),
			 SL_NONCE_STALE);
	sl_digest_nonce_key_free(k);
}
END_TEST

START_TEST(nonce_tampered)
{
	struct sl_digest_nonce_key *k = new_key(key1, 5), *k2 = new_key(key2, 5);
	char n[SL_DIGEST_NONCE_LEN + 1], t[SL_DIGEST_NONCE_LEN + 2];
	size_t i;

	ck_assert_int_eq(sl_digest_nonce_make(k, "r", T0, n), 0);
	ck_assert_int_eq(sl_digest_nonce_check(k, n, "other", T0, NULL),
			 SL_NONCE_INVALID);
	ck_assert_int_eq(sl_digest_nonce_check(k2, n, "r", T0, NULL),
			 SL_NONCE_INVALID);
	/* Every single-character change is refused (timestamp, salt, MAC). */
	for (i = 0; i < SL_DIGEST_NONCE_LEN; i++) {
		strcpy(t, n);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		ck_assert_int_eq(sl_digest_nonce_check(k, t, "r", T0, NULL),
				 SL_NONCE_INVALID);
	}
	strcpy(t, n);
	t[SL_DIGEST_NONCE_LEN - 1] = '=';
	ck_assert_int_eq(sl_digest_nonce_check(k, t, "r", T0, NULL),
			 SL_NONCE_INVALID);
	strcpy(t, n);
	strcat(t, "A");
	ck_assert_int_eq(sl_digest_nonce_check(k, t, "r", T0, NULL),
			 SL_NONCE_INVALID);
	ck_assert_int_eq(sl_digest_nonce_check(k, "", "r", T0, NULL),
			 SL_NONCE_INVALID);
	sl_digest_nonce_key_free(k);
	sl_digest_nonce_key_free(k2);
}
END_TEST

START_TEST(nonce_salt)
{
	struct sl_digest_nonce_key *k = new_key(key1, 1);
	const uint8_t s1[8] = { 1 }, s2[8] = { 2 };
	char a[SL_DIGEST_NONCE_LEN + 1], b[SL_DIGEST_NONCE_LEN + 1];

	ck_assert_int_eq(sl_digest_nonce_make_salt(k, "r", T0, s1, a), 0);
	ck_assert_int_eq(sl_digest_nonce_make_salt(k, "r", T0, s1, b), 0);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(sl_digest_nonce_make_salt(k, "r", T0, s2, b), 0);
	ck_assert_str_ne(a, b);
	/* Layout: the first 8 bytes are the big-endian time (docs/digest.md):
	 * T0 = 0x6B49D200 -> 00 00 00 00 6B 49 D2 00 -> "AAAAAGtJ0gAB..." */
	ck_assert_int_eq(strncmp(a, "AAAAAGtJ0gA", 11), 0);
	sl_digest_nonce_key_free(k);
}
END_TEST

START_TEST(nonce_key_errors)
{
	char err[256];

	ck_assert_ptr_null(sl_digest_nonce_key_new(key1, 8, 5, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "16 to 64 bytes"));
	ck_assert_ptr_null(sl_digest_nonce_key_new(key1, 32, 0, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "1 to 1440 minutes"));
	sl_digest_nonce_key_free(NULL);
}
END_TEST

START_TEST(nc_increasing_and_replay)
{
	char err[128];
	struct sl_digest_nctab *t = sl_digest_nctab_new(16, err, sizeof(err));

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 1), SL_NC_OK);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 1), SL_NC_REPLAY);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 2), SL_NC_OK);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 5), SL_NC_OK);
	/* 3 and 4 overtaken by 5: accepted once each. */
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 4), SL_NC_OK);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 3), SL_NC_OK);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 3), SL_NC_REPLAY);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 2), SL_NC_REPLAY);
	/* Outside the 64-count window: refused. */
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 200), SL_NC_OK);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 100), SL_NC_REPLAY);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0, 0), SL_NC_REPLAY);
	/* Another nonce is independent. */
	ck_assert_int_eq(sl_digest_nctab_update(t, "n2", T0, 1), SL_NC_OK);
	ck_assert_uint_eq(sl_digest_nctab_count(t), 2);
	sl_digest_nctab_free(t);
}
END_TEST

START_TEST(nc_eviction_fails_closed)
{
	char err[128], name[16];
	struct sl_digest_nctab *t = sl_digest_nctab_new(16, err, sizeof(err));
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(sl_digest_nctab_update(t, name, T0 + i, 1),
				 SL_NC_OK);
	}
	/* n0 is the least recently used: a 17th nonce evicts it. */
	ck_assert_int_eq(sl_digest_nctab_update(t, "new", T0 + 100, 1), SL_NC_OK);
	ck_assert_uint_eq(sl_digest_nctab_count(t), 16);
	/* n0 can no longer be checked: STALE (new challenge), never OK. */
	ck_assert_int_eq(sl_digest_nctab_update(t, "n0", T0, 1), SL_NC_STALE);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n0", T0, 2), SL_NC_STALE);
	/* An unseen nonce as old as the evicted one: also STALE. */
	ck_assert_int_eq(sl_digest_nctab_update(t, "old", T0, 1), SL_NC_STALE);
	/* Nonces still in the table keep working; newer ones are fine. */
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0 + 1, 2), SL_NC_OK);
	ck_assert_int_eq(sl_digest_nctab_update(t, "n1", T0 + 1, 2), SL_NC_REPLAY);
	ck_assert_int_eq(sl_digest_nctab_update(t, "newer", T0 + 101, 1), SL_NC_OK);
	sl_digest_nctab_free(t);
	ck_assert_ptr_null(sl_digest_nctab_new(8, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
}
END_TEST

TCase *tcase_nonce(void)
{
	TCase *tc = tcase_create("nonce");

	tcase_add_test(tc, nonce_lifetime);
	tcase_add_test(tc, nonce_tampered);
	tcase_add_test(tc, nonce_salt);
	tcase_add_test(tc, nonce_key_errors);
	tcase_add_test(tc, nc_increasing_and_replay);
	tcase_add_test(tc, nc_eviction_fails_closed);
	return tc;
}
