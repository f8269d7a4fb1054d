/* SPDX-License-Identifier: BSD-3-Clause */
/* Digest authentication unit tests (suite 'unit'). */
#include <check.h>
#include <stdlib.h>

#include "test_auth.h"

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

int main(void)
{
	Suite *s = suite_create("digest");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tcase_vectors());
	suite_add_tcase(s, tcase_parse());
	suite_add_tcase(s, tcase_challenge());
	suite_add_tcase(s, tcase_nonce());
	suite_add_tcase(s, tcase_verify());
	suite_add_tcase(s, tcase_ratelimit());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
