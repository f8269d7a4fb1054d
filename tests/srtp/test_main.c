/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP core unit tests, run on one engine: test_srtp ENGINE [ENGINE-ARGS]
 * (e.g. `test_srtp ipsec-mb`, `test_srtp cryptodev crypto_aesni_mb`).
 * Exits 77 (meson: skipped) when the cryptodev engine cannot open here.
 */
#include <stdlib.h>

#include "test_util.h"

int main(int argc, char **argv)
{
	SRunner *sr;
	int err = 0, failed;

	if (argc < 2) {
		fprintf(stderr, "usage: %s ENGINE [ENGINE-ARGS]\n", argv[0]);
		return 2;
	}
	tu_engine_name = argv[1];
	tu_engine = sl_engine_open(argv[1], argc > 2 ? argv[2] : NULL, &err);
	if (!tu_engine) {
		if (strcmp(argv[1], "cryptodev") == 0) {
			printf("SKIP: engine cryptodev (%s) does not open here (%d)\n",
			       argc > 2 ? argv[2] : "", err);
			return 77;
		}
		fprintf(stderr, "FAIL: engine %s does not open (%d)\n", argv[1], err);
		return 1;
	}
	printf("SRTP core unit tests on engine %s\n", argv[1]);
	sr = srunner_create(tu_suite_core());
	srunner_add_suite(sr, tu_suite_errors());
	srunner_add_suite(sr, tu_suite_libsrtp());
	/* one process: DPDK engines do not survive fork() */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	sl_engine_close(tu_engine);
	return failed ? 1 : 0;
}
