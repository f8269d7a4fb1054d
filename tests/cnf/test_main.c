/* SPDX-License-Identifier: BSD-3-Clause */
/* cnf unit tests (suite 'unit'): golden SEP<MAC>.cnf.xml, escaping and
 * refusals, the encrypted-configuration stub against the OpenSSL CLI's MD5,
 * warnings, file names, and the provisioning tree writer. */
#include <stdlib.h>

#include "test_cnf.h"

int main(void)
{
	Suite *s = suite_create("cnf");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tcase_build());
	suite_add_tcase(s, tcase_refuse());
	suite_add_tcase(s, tcase_stub());
	suite_add_tcase(s, tcase_warn());
	suite_add_tcase(s, tcase_files());
	suite_add_tcase(s, tcase_tree());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
