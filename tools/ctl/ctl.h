/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl internals: options shared by every command and the entry
 * points of the command groups (docs/shieldlockctl.md).
 */
#ifndef SL_CTL_H
#define SL_CTL_H

#include <stdbool.h>
#include <stdio.h>

#include "dp_client.h"

#define CTL_DEFAULT_DP_SOCKET "/run/shieldlock/dp.sock"

/* Exit codes. */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,     /* the data plane refused the request, or is unreachable */
	CTL_EXIT_USAGE = 2,    /* bad command line (nothing was sent) */
};

struct ctl_opts {
	const char *dp_socket; /* --socket, $SHIELDLOCK_DP_SOCKET, default */
	bool json;             /* --json: machine-readable output on stdout */
};

/* Prints "shieldlockctl: ..." on stderr and returns code. */
__attribute__((format(printf, 2, 3)))
int ctl_err(int code, const char *fmt, ...);

/* Connects to the data plane; NULL after printing why. */
struct sl_dp_client *ctl_dp_connect(const struct ctl_opts *o);

/* Command groups: argv[0] is the group name ("dp"). */
int ctl_dp_main(const struct ctl_opts *o, int argc, char **argv);
void ctl_dp_usage(FILE *f);

/* dp stats / status / events (dp_stats.c). */
int ctl_dp_stats(const struct ctl_opts *o, int argc, char **argv);
int ctl_dp_status(const struct ctl_opts *o, int argc, char **argv);
int ctl_dp_events(const struct ctl_opts *o, int argc, char **argv);

#endif
