/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the trust store and the cert commands (suite 'unit'). */
#include <stdlib.h>

#include "log.h"
#include "test_trust.h"

int main(void)
{
	Suite *s = suite_create("trust");
	SRunner *sr;
	int failed;

	sl_log_init("test-trust", SL_LOG_WARN);
	suite_add_tcase(s, tc_store());
	suite_add_tcase(s, tc_check());
	suite_add_tcase(s, tc_admin());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
