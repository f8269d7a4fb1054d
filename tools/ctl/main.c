/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl: the administration CLI (docs/shieldlockctl.md).
 *
 *   shieldlockctl [--socket PATH] [--daemon-socket PATH] [--json] COMMAND ...
 *
 * Commands live in one table so later groups (cert, capf, ctl, user, ...)
 * are one line each. Global options may appear anywhere before a "--".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

struct command {
	const char *name;
	const char *summary;
	int (*run)(const struct ctl_opts *o, int argc, char **argv);
	void (*usage)(FILE *f);
};

static const struct command commands[] = {
	{ "user", "SIP users and their passwords (shieldlockd)", ctl_daemon_main, NULL },
	{ "device", "phones: line user, security profile, certificate identity", ctl_daemon_main, NULL },
	{ "profile", "security profiles: non-secure, authenticated, encrypted", ctl_daemon_main, NULL },
	{ "trunk", "SIP trunks and the credentials used towards them", ctl_daemon_main, NULL },
	{ "registrations", "current registrations", ctl_daemon_main, NULL },
	{ "calls", "calls with legs, SRTP suites, security status, counters", ctl_daemon_main, NULL },
	{ "cert", "own certificates and the trust store: list, show, import, export", ctl_cert_main, NULL },
	{ "capf", "certificate enrolment of phones (CAPF): schedule, status", ctl_daemon_main, NULL },
	{ "ctl", "trust lists (CTLFile.tlv, ITLFile.tlv): build, verify", ctl_prov_main, NULL },
	{ "image", "signed files (.sgn) such as firmware images: sign, verify", ctl_prov_main, NULL },
	{ "prov", "provisioning servers (CAPF, TFTP, HTTP): status and counters", ctl_daemon_main, NULL },
	{ "dp", "the data plane: flows, counters, status, events", ctl_dp_main, ctl_dp_usage },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int ctl_err(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("shieldlockctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

struct sl_dp_client *ctl_dp_connect(const struct ctl_opts *o)
{
	char msg[512];
	struct sl_dp_client *c = sl_dp_client_connect(o->dp_socket, "shieldlockctl", msg, sizeof(msg));

	if (!c)
		ctl_err(CTL_EXIT_FAIL, "%s", msg);
	return c;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: shieldlockctl [--socket PATH] [--daemon-socket PATH] [--json] COMMAND [ARGS...]\n"
"\n"
"Administers a Shieldlock appliance.\n"
"\n"
"Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
"\n"
"Options (anywhere on the line):\n"
"  --socket PATH         data plane control socket (default $SHIELDLOCK_DP_SOCKET,\n"
"                        else " CTL_DEFAULT_DP_SOCKET ")\n"
"  --daemon-socket PATH  shieldlockd's admin socket (default $SHIELDLOCK_SOCKET,\n"
"                        else " CTL_DEFAULT_DAEMON_SOCKET ")\n"
"  --json                machine-readable JSON on stdout\n"
"  -h, --help            this help; 'shieldlockctl COMMAND --help' for a command\n"
"  --version             print the version\n"
"\n"
"Exit status: 0 success, 1 the request failed (refused by the data plane, or\n"
"the data plane or shieldlockd is unreachable), 2 usage error or invalid value\n"
"(nothing was sent or changed), 3 not found, 4 already exists, 5 in use.\n");
}

/*
 * Takes the global options out of argv wherever they are (so
 * "shieldlockctl dp flow list --json" works), up to a "--".
 * Returns the new argc, or -1 after printing a usage error.
 */
static int take_globals(int argc, char **argv, struct ctl_opts *o, int *help, int *version)
{
	int n = 1;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (++i < argc)
				argv[n++] = argv[i];
			break;
		}
		if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--socket")) {
			if (++i >= argc)
				return ctl_err(-1, "--socket needs a PATH");
			o->dp_socket = argv[i];
		} else if (!strncmp(a, "--socket=", 9)) {
			o->dp_socket = a + 9;
		} else if (!strcmp(a, "--daemon-socket")) {
			if (++i >= argc)
				return ctl_err(-1, "--daemon-socket needs a PATH");
			o->daemon_socket = argv[i];
		} else if (!strncmp(a, "--daemon-socket=", 16)) {
			o->daemon_socket = a + 16;
		} else if (n == 1 && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			*help = 1;
		} else if (n == 1 && !strcmp(a, "--version")) {
			*version = 1;
		} else if (n == 1 && a[0] == '-') {
			return ctl_err(-1, "unknown option '%s' (see shieldlockctl --help)", a);
		} else {
			argv[n++] = a;
		}
	}
	argv[n] = NULL;
	return n;
}

int main(int argc, char **argv)
{
	struct ctl_opts o = { .dp_socket = getenv("SHIELDLOCK_DP_SOCKET"),
			      .daemon_socket = getenv("SHIELDLOCK_SOCKET") };
	int help = 0, version = 0;

	if (!o.dp_socket || !*o.dp_socket)
		o.dp_socket = CTL_DEFAULT_DP_SOCKET;
	if (!o.daemon_socket || !*o.daemon_socket)
		o.daemon_socket = CTL_DEFAULT_DAEMON_SOCKET;
	argc = take_globals(argc, argv, &o, &help, &version);
	if (argc < 0)
		return CTL_EXIT_USAGE;
	if (version) {
		printf("shieldlockctl 0.1.0 (control protocol %u)\n", SL_DP_VERSION);
		return CTL_EXIT_OK;
	}
	if (help || argc < 2) {
		usage(help ? stdout : stderr);
		return help ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(&o, argc - 1, argv + 1);
	return ctl_err(CTL_EXIT_USAGE, "unknown command '%s' (commands: user, device, profile, trunk, "
		       "registrations, calls, cert, capf, ctl, image, prov, dp; see shieldlockctl --help)",
		       argv[1]);
}
