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
#define CTL_DEFAULT_DAEMON_SOCKET "/run/shieldlock/shieldlockd.sock"
#define CTL_PASSWORD_MAX 1024

/* Exit codes. */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,     /* the data plane refused the request, or is unreachable */
	CTL_EXIT_USAGE = 2,    /* bad command line (nothing was sent), or shieldlockd
				  found a value invalid (nothing was changed) */
	CTL_EXIT_NOTFOUND = 3, /* shieldlockd: the named object does not exist */
	CTL_EXIT_EXISTS = 4,   /* shieldlockd: an object of that name exists already */
	CTL_EXIT_BUSY = 5,     /* shieldlockd: in use by another object */
};

struct ctl_opts {
	const char *dp_socket; /* --socket, $SHIELDLOCK_DP_SOCKET, default */
	bool json;             /* --json: machine-readable output on stdout */
	const char *daemon_socket; /* --daemon-socket, $SHIELDLOCK_SOCKET, default */
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

/* Commands of shieldlockd (user, device, profile, trunk, registrations,
 * calls, cert): argv[0] is the group; forwarded over the admin socket
 * (daemon_cmd.c). */
int ctl_daemon_main(const struct ctl_opts *o, int argc, char **argv);
void ctl_daemon_usage(FILE *f, const char *group);

/* cert ...: import/export read and write files here, the rest is forwarded
 * to shieldlockd (cert_cmd.c). */
int ctl_cert_main(const struct ctl_opts *o, int argc, char **argv);

/* Sends one request frame to shieldlockd and returns the reply's status
 * and text (malloc'd, NUL-terminated). Exit code of the transport: errors
 * reaching the daemon are printed (daemon_cmd.c). */
#include <stdint.h>
int ctl_daemon_transact(const struct ctl_opts *o, const uint8_t *frame, size_t frame_len,
			int32_t *status, char **text, size_t *len);
/* The exit code for a reply status (enum sl_admin_status). */
int ctl_daemon_exit_code(int status);

/* Runs one shieldlockd command and returns its reply text (malloc'd,
 * NUL-terminated) instead of printing it; errors are printed. Exit code. */
int ctl_daemon_call(const struct ctl_opts *o, int argc, char **argv, char **text, size_t *len);

/* ctl build|verify, image sign|verify (prov_cmd.c). */
int ctl_prov_main(const struct ctl_opts *o, int argc, char **argv);
void ctl_prov_usage(FILE *f, const char *group);

/* Where a password comes from (daemon_pw.c). */
struct ctl_pw_opts {
	bool from_stdin;       /* --password-stdin */
	const char *file;      /* --password-file FILE */
};
/* Reads the password into buf[n] (prompting twice on the terminal unless
 * stdin or a file is named). CTL_EXIT_OK, or an exit code after printing why. */
int ctl_read_password(const struct ctl_pw_opts *p, const char *what, char *buf, size_t n);

#endif
