/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data plane unit tests: test_dp flowtab|ctl|telemetry
 * One suite per process: EAL is initialised once, with telemetry only for
 * the telemetry suite.
 */
#include <stdio.h>
#include <string.h>

#include "dp_test.h"

int main(int argc, char **argv)
{
	SRunner *sr;
	Suite *s;
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s flowtab|ctl|telemetry\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "flowtab") == 0) {
		dt_init(argv[0], 512, false, 2);
		s = dt_suite_flowtab();
	} else if (strcmp(argv[1], "ctl") == 0) {
		dt_init(argv[0], 256, false, 2);
		s = dt_suite_ctl();
	} else if (strcmp(argv[1], "telemetry") == 0) {
		dt_init(argv[0], 256, true, 2);
		s = dt_suite_telemetry();
	} else {
		fprintf(stderr, "unknown suite %s\n", argv[1]);
		return 2;
	}
	sr = srunner_create(s);
	/* one process: EAL does not survive fork() */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	dt_fini();
	return failed ? 1 : 0;
}
