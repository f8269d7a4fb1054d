/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration, log and cpmsg unit tests (suite 'unit'). */
#include <check.h>
#include <stdlib.h>

#include "test_conf.h"

int load(const char *text, struct sl_conf *c, char *err, size_t errlen)
{
	return sl_conf_load_string("t.conf", text, c, err, errlen);
}

int main(void)
{
	Suite *s = suite_create("conf");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tcase_conf());
	suite_add_tcase(s, tcase_conf_errors());
	suite_add_tcase(s, tcase_iface());
	suite_add_tcase(s, tcase_cpmsg());
	suite_add_tcase(s, tcase_log());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
