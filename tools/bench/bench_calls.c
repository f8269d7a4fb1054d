/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-bench calls: signalling capacity and memory of shieldlockd
 * (call setups/s and registrations/s with digest over TLS, memory per
 * registration and per call; docs/benchmarks.md, docs/sipp.md), and
 * shieldlock-bench prov: building, signing and serving the provisioning
 * tree (tools/bench/shieldlock-bench-prov, $SHIELDLOCK_BENCH_PROV).
 *
 * The measurement is driven by SIPp, stunnel4 and an asyncio client, so it
 * lives in the Python script tools/bench/shieldlock-bench-calls; this
 * subcommand only finds the script and replaces itself with it:
 *   1. $SHIELDLOCK_BENCH_CALLS, if set;
 *   2. BENCH_CALLS_SCRIPT, the script in the source tree this binary was
 *      built from (set by tools/bench/meson.build).
 * The script finds the SIPp scenarios next to it (../../tests/sipp) and the
 * programs through --build DIR, $SHIELDLOCKD/$SHIELDLOCKCTL/$SHIELDLOCK_DP
 * or PATH.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_calls.h"

#ifndef BENCH_CALLS_SCRIPT
#define BENCH_CALLS_SCRIPT "shieldlock-bench-calls"
#endif
#ifndef BENCH_PROV_SCRIPT
#define BENCH_PROV_SCRIPT "shieldlock-bench-prov"
#endif

int bench_calls_main(int argc, char **argv)
{
	bool prov = argc >= 1 && !strcmp(argv[0], "prov");
	const char *script = getenv(prov ? "SHIELDLOCK_BENCH_PROV" : "SHIELDLOCK_BENCH_CALLS");
	char **args;

	if (!script || !*script)
		script = prov ? BENCH_PROV_SCRIPT : BENCH_CALLS_SCRIPT;
	if (argc < 1)
		return 2;
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args) {
		fprintf(stderr, "shieldlock-bench calls: out of memory\n");
		return 1;
	}
	/* argv[0] "calls" becomes the script's name; the options follow. */
	args[0] = (char *)script;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	args[argc] = NULL;
	execvp(script, args);
	fprintf(stderr,
		"shieldlock-bench %s: cannot run %s: %s (it is tools/bench/shieldlock-bench-%s "
		"of the source tree, needs python3; set $SHIELDLOCK_BENCH_%s to its path)\n",
		prov ? "prov" : "calls", script, strerror(errno), prov ? "prov" : "calls",
		prov ? "PROV" : "CALLS");
	free(args);
	return 1;
}
