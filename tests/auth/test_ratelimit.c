/* SPDX-License-Identifier: BSD-3-Clause */
/* Failure rate limiting with an injected clock. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "test_auth.h"

#define T0 1800000000ull

static struct sl_ratelimit *new_rl(void)
{
	struct sl_ratelimit_cfg cfg = {
		.threshold = 3, .window_s = 60, .penalty_s = 300, .capacity = 16,
	};
	char err[256];
	struct sl_ratelimit *rl = sl_ratelimit_new(&cfg, err, sizeof(err));

	ck_assert_msg(rl != NULL, "%s", err);
	return rl;
}

START_TEST(rl_blocks_and_expires)
{
	struct sl_ratelimit *rl = new_rl();
	uint64_t until = 0;

	ck_assert_int_eq(sl_ratelimit_fail(rl, "192.0.2.1", T0), 0);
	ck_assert_int_eq(sl_ratelimit_fail(rl, "192.0.2.1", T0 + 1), 0);
	ck_assert(!sl_ratelimit_blocked(rl, "192.0.2.1", T0 + 1, NULL));
	ck_assert_int_eq(sl_ratelimit_fail(rl, "192.0.2.1", T0 + 2), 1);
	ck_assert(sl_ratelimit_blocked(rl, "192.0.2.1", T0 + 2, &until));
	ck_assert_uint_eq(until, T0 + 302);
	/* Failures while blocked do not log again nor extend the block. */
	ck_assert_int_eq(sl_ratelimit_fail(rl, "192.0.2.1", T0 + 100), 0);
	ck_assert(sl_ratelimit_blocked(rl, "192.0.2.1", T0 + 301, NULL));
	ck_assert(!sl_ratelimit_blocked(rl, "192.0.2.1", T0 + 302, NULL));
	/* Other keys are independent. */
	ck_assert(!sl_ratelimit_blocked(rl, "alice@shieldlock.example", T0 + 2,
					NULL));
	sl_ratelimit_free(rl);
}
END_TEST

START_TEST(rl_window_and_success)
{
	struct sl_ratelimit *rl = new_rl();

	/* Two failures, then the window passes: counting starts again. */
	sl_ratelimit_fail(rl, "bob@r", T0);
	sl_ratelimit_fail(rl, "bob@r", T0 + 10);
	ck_assert_int_eq(sl_ratelimit_fail(rl, "bob@r", T0 + 61), 0);
	ck_assert_int_eq(sl_ratelimit_fail(rl, "bob@r", T0 + 62), 0);
	ck_assert_int_eq(sl_ratelimit_fail(rl, "bob@r", T0 + 63), 1);
	/* A success clears the failures of a key that is not blocked. */
	sl_ratelimit_fail(rl, "carol@r", T0);
	sl_ratelimit_fail(rl, "carol@r", T0);
	sl_ratelimit_success(rl, "carol@r");
	ck_assert_int_eq(sl_ratelimit_fail(rl, "carol@r", T0), 0);
	ck_assert(!sl_ratelimit_blocked(rl, "carol@r", T0, NULL));
	sl_ratelimit_free(rl);
}
END_TEST

START_TEST(rl_bounded)
{
	struct sl_ratelimit *rl = new_rl();
	struct sl_ratelimit_cfg bad = { 0, 60, 300, 16 };
	char key[32], err[256];
	int i;

	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "198.51.100.%d", i);
		sl_ratelimit_fail(rl, key, T0);
	}
	ck_assert_uint_eq(sl_ratelimit_count(rl), 16);
	sl_ratelimit_free(rl);
	ck_assert_ptr_null(sl_ratelimit_new(&bad, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "at least 1"));
	ck_assert_ptr_null(sl_ratelimit_new(NULL, err, sizeof(err)));
	sl_ratelimit_free(NULL);
}
END_TEST

TCase *tcase_ratelimit(void)
{
	TCase *tc = tcase_create("ratelimit");

	tcase_add_test(tc, rl_blocks_and_expires);
	tcase_add_test(tc, rl_window_and_success);
	tcase_add_test(tc, rl_bounded);
	return tc;
}
