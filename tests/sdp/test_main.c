/* SPDX-License-Identifier: BSD-3-Clause */
/* SDP unit tests (suite 'unit'). */
#include <stdlib.h>

#include "test_sdp.h"

int main(void)
{
	Suite *s = suite_create("sdp");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tcase_parse());
	suite_add_tcase(s, tcase_reject());
	suite_add_tcase(s, tcase_build());
	suite_add_tcase(s, tcase_pick());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
