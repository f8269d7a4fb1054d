/* SPDX-License-Identifier: BSD-3-Clause */
/* shieldlock-bench calls: see bench_calls.c and docs/benchmarks.md. */
#ifndef SL_BENCH_CALLS_H
#define SL_BENCH_CALLS_H

/* argv[0] is "calls" or "prov"; runs that driver script with argv[1..].
 * Returns only on failure (exit status 1). */
int bench_calls_main(int argc, char **argv);

#endif
