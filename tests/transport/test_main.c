/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport tests on 127.0.0.1 with ephemeral ports. A throwaway PKI is made
 * at start in a temporary directory by mkcerts.sh (path in SL_TP_MKCERTS)
 * and removed at the end.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_test.h"

int main(void)
{
	const char *mk = getenv("SL_TP_MKCERTS");
	char cmd[1024];
	SRunner *sr;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	snprintf(tt_dir, sizeof(tt_dir), "/tmp/sl-tp-test-XXXXXX");
	if (mk == NULL || mkdtemp(tt_dir) == NULL) {
		fprintf(stderr, "set SL_TP_MKCERTS to tests/transport/mkcerts.sh (meson test does)\n");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", mk, tt_dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot make the test certificates with %s\n", mk);
		return 1;
	}
	sr = srunner_create(suite_stream());
	srunner_add_suite(sr, suite_tls());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tt_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tt_dir);
	return failed == 0 ? 0 : 1;
}
