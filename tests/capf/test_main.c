/* SPDX-License-Identifier: BSD-3-Clause */
/* CAPF unit tests (suite 'unit'): codec and the spec §1.11 trace,
 * authentication data, the issued LSC, the session state machine. */
#include <check.h>
#include <stdlib.h>

#include "log.h"
#include "test_capf.h"

int main(void)
{
	SRunner *sr = srunner_create(msg_suite());
	int failed;

	sl_log_init("capf-test", SL_LOG_WARN);
	srunner_add_suite(sr, auth_suite());
	srunner_add_suite(sr, lsc_suite());
	srunner_add_suite(sr, session_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
