/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line of shieldlock-dp: `shieldlock-dp [EAL args] -- [options]`
 * (docs/dataplane.md, "Options"). A bad value stops the program with
 * "shieldlock-dp: --option: what is wrong; expected ..." and exit status 2.
 */
#ifndef SL_DP_OPTIONS_H
#define SL_DP_OPTIONS_H

#include <stdio.h>

#include "dp.h"

#define DP_EXIT_USAGE 2

#define DP_DEFAULT_CTL_PATH   "/run/shieldlock/dp.sock"
#define DP_DEFAULT_CDEV       "crypto_aesni_mb"
#define DP_DEFAULT_CAPACITY   1048576u
#define DP_MAX_CAPACITY       (1u << 26)
#define DP_MIN_MBUFS          1024u

/* Splits argv at the first "--": returns the index of "--", or argc if there
 * is none. Handles --help / --version (exit 0) and application options
 * given without "--" (exit 2) before EAL sees them. */
int dp_options_split(int argc, char **argv);

/* Application options (argv[0] is the program name). Fills cfg with the
 * defaults first. Exits with status 2 on a bad option. */
void dp_options_parse(struct dp_config *cfg, int argc, char **argv);

/* After EAL init: checks --workers against the EAL lcores, or fills it with
 * every worker lcore. Exits with status 2 on a bad list. */
void dp_options_resolve_workers(struct dp_config *cfg);

void dp_usage(FILE *f);

#endif
