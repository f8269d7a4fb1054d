/* SPDX-License-Identifier: BSD-3-Clause */
/* Transaction layer unit tests: builders, server and client machines. */
#include <stdlib.h>

#include "harness.h"

int main(void)
{
	SRunner *sr = srunner_create(build_suite());
	int failed;

	srunner_add_suite(sr, server_suite());
	srunner_add_suite(sr, client_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
