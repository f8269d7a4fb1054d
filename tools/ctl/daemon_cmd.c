/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl user / device / profile / trunk / registrations / calls /
 * cert / capf: forwarded to shieldlockd over its administration socket
 * (controlplane/admin/admin_proto.h). shieldlockctl only frames argv; the
 * daemon checks every value and answers with a status and text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin_proto.h"
#include "ctl.h"


static const struct {
	const char *group;
	const char *line;
} usage_lines[] = {
	{ "user", "user add NAME [--display TEXT] [--disabled]   add a SIP user (password asked)" },
	{ "user", "user passwd NAME                           set a new password" },
	{ "user", "user del NAME                              delete (and its registrations)" },
	{ "user", "user enable NAME | user disable NAME       allow / stop registering and calling" },
	{ "user", "user list | user show NAME" },
	{ "device", "device add NAME --user U --profile P [--cert-identity ID] [--description T]" },
	{ "device", "device set NAME [--user U] [--profile P] [--cert-identity ID] [--description T]" },
	{ "device", "device del NAME | device list | device show NAME" },
	{ "profile", "profile add NAME --mode non-secure|authenticated|encrypted [--description T]" },
	{ "profile", "            [--encrypt-config yes|no]" },
	{ "profile", "profile set NAME [--mode MODE] [--description T] [--encrypt-config yes|no]" },
	{ "profile", "profile del NAME | profile list" },
	{ "trunk", "trunk add NAME --host H [--port N] [--transport tls|tcp|udp] [--prefix P]" },
	{ "trunk", "          [--profile P]" },
	{ "trunk", "trunk set NAME [--host H] [--port N] [--transport T] [--prefix P] [--profile P]" },
	{ "trunk", "trunk del NAME | trunk list | trunk show NAME" },
	{ "trunk", "trunk cred set TRUNK --realm R --username U   (password asked)" },
	{ "trunk", "trunk cred del TRUNK --realm R" },
	{ "registrations", "registrations [--user U]                   current registrar bindings" },
	{ "calls", "calls [--all] [--limit N]                  calls with legs, suites, security" },
	{ "cert", "cert show                                  the node certificate and fingerprints" },
	{ "capf", "capf set DEVICE --install|--fetch|--delete|--none   schedule CAPF for a phone" },
	{ "capf", "         [--auth password|null|lsc|mic|lsc-or-mic]  (password asked for 'password')" },
	{ "capf", "         [--keep-password]                  with --auth password: keep the stored one" },
	{ "capf", "         [--key rsa:1024|rsa:2048|rsa:3072|rsa:4096|ec:P-256|ec:P-384|ec:P-521]" },
	{ "capf", "         [--deadline DAYS]                    must be done within DAYS (1-365)" },
	{ "capf", "capf status [DEVICE]                       pending operations, results, certificates" },
	{ "capf", "capf clear DEVICE                          cancel the pending operation" },
	{ "prov", "prov status                                CAPF, TFTP and HTTP counters" },
};

void ctl_daemon_usage(FILE *f, const char *group)
{
	fprintf(f, "usage: shieldlockctl [--daemon-socket PATH] [--json] COMMAND\n\n");
	for (size_t i = 0; i < sizeof(usage_lines) / sizeof(usage_lines[0]); i++)
		if (!group || !strcmp(group, usage_lines[i].group))
			fprintf(f, "  %s\n", usage_lines[i].line);
	fprintf(f,
"\n"
"Passwords are never taken from the command line: shieldlockctl asks for them\n"
"on the terminal, or reads one line with --password-stdin or --password-file FILE.\n"
"The daemon socket is --daemon-socket PATH, else $SHIELDLOCK_SOCKET, else\n"
CTL_DEFAULT_DAEMON_SOCKET ".\n");
}

/* "capf set ... --auth password" (or --auth=password): a CAPF password
 * follows, unless --keep-password says to keep the stored one. */
static bool capf_password(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--keep-password"))
			return false;
	for (int i = 2; i < argc; i++)
		if ((!strcmp(argv[i], "--auth") && i + 1 < argc && !strcmp(argv[i + 1], "password")) ||
		    !strcmp(argv[i], "--auth=password"))
			return true;
	return false;
}

/* Which commands carry a password, and what it is for in the prompt. */
static const char *password_for(int argc, char **argv, char *buf, size_t n)
{
	if (argc >= 3 && !strcmp(argv[0], "user") && (!strcmp(argv[1], "add") || !strcmp(argv[1], "passwd")))
		return argv[2][0] == '-' ? "the user" : argv[2];
	if (argc >= 4 && !strcmp(argv[0], "trunk") && !strcmp(argv[1], "cred") && !strcmp(argv[2], "set"))
		return argv[3][0] == '-' ? "the trunk" : argv[3];
	if (argc >= 3 && !strcmp(argv[0], "capf") && !strcmp(argv[1], "set") &&
	    capf_password(argc, argv)) {
		snprintf(buf, n, "CAPF enrolment of %s (4-15 characters)",
			 argv[2][0] == '-' ? "the device" : argv[2]);
		return buf;
	}
	return NULL;
}

/*
 * Takes --password-stdin / --password-file out of argv (compacting it) and
 * refuses --password. Returns the new argc or -1 after printing why.
 */
static int take_pw_opts(int argc, char **argv, struct ctl_pw_opts *p)
{
	int n = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--password-stdin")) {
			p->from_stdin = true;
		} else if (!strcmp(a, "--password-file")) {
			if (++i >= argc)
				return ctl_err(-1, "--password-file needs a FILE");
			p->file = argv[i];
		} else if (!strncmp(a, "--password-file=", 16)) {
			p->file = a + 16;
		} else if (!strcmp(a, "--password") || !strncmp(a, "--password=", 11)) {
			if (a[10] == '=')
				sl_admin_wipe(argv[i] + 11, strlen(argv[i] + 11));
			return ctl_err(-1, "passwords are not taken from the command line (other users "
				       "see it in ps): answer the prompt, or use --password-stdin or "
				       "--password-file FILE");
		} else {
			argv[n++] = argv[i];
		}
	}
	if (p->from_stdin && p->file)
		return ctl_err(-1, "give either --password-stdin or --password-file, not both");
	return n;
}

/* Sends one request and prints the reply (daemon_call.c does the I/O). */
static int transact(const struct ctl_opts *o, uint8_t *frame, size_t frame_len)
{
	int32_t status;
	char *text;
	size_t len;
	int rc = ctl_daemon_transact(o, frame, frame_len, &status, &text, &len);

	if (rc != CTL_EXIT_OK)
		return rc;
	if (status == SL_ADMIN_OK) {
		fwrite(text, 1, len, stdout);
		if (len && text[len - 1] != '\n')
			fputc('\n', stdout);
	} else {
		while (len && text[len - 1] == '\n')
			text[--len] = '\0';
		ctl_err(0, "%s", text);
	}
	free(text);
	return ctl_daemon_exit_code(status);
}

int ctl_daemon_main(const struct ctl_opts *o, int argc, char **argv)
{
	struct ctl_pw_opts pw = { 0 };
	char password[CTL_PASSWORD_MAX + 2];
	char *args[SL_ADMIN_ARGC_MAX + 1], err[256], what[128];
	const char *target;
	uint8_t *frame;
	size_t frame_len;
	int n, rc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    (i == 1 && !strcmp(argv[i], "help"))) {
			ctl_daemon_usage(stdout, argv[0]);
			return CTL_EXIT_OK;
		}
	argc = take_pw_opts(argc, argv, &pw);
	if (argc < 0)
		return CTL_EXIT_USAGE;
	if (argc > SL_ADMIN_ARGC_MAX - 2)
		return ctl_err(CTL_EXIT_USAGE, "too many arguments (%d; at most %d)", argc,
			       SL_ADMIN_ARGC_MAX - 2);
	target = password_for(argc, argv, what, sizeof(what));
	if ((pw.from_stdin || pw.file) && !target)
		return ctl_err(CTL_EXIT_USAGE, "--password-stdin/--password-file belong to user add, "
			       "user passwd, trunk cred set and capf set --auth password (with the "
			       "NAME first)");
	/* --keep-password is shieldlockctl's: the daemon keeps a stored
	 * password whenever none is sent */
	for (int i = n = 0; i < argc; i++)
		if (strcmp(argv[0], "capf") || strcmp(argv[i], "--keep-password"))
			args[n++] = argv[i];
	argc = n;
	if (target) {
		rc = ctl_read_password(&pw, target, password, sizeof(password));
		if (rc != CTL_EXIT_OK)
			return rc;
		args[n++] = "--password";
		args[n++] = password;
	}
	args[n] = NULL;
	rc = sl_admin_req_encode(n, args, o->json ? SL_ADMIN_F_JSON : 0, &frame, &frame_len, err,
				 sizeof(err));
	sl_admin_wipe(password, sizeof(password));
	if (rc < 0)
		return ctl_err(CTL_EXIT_USAGE, "%s", err);
	rc = transact(o, frame, frame_len);
	sl_admin_wipe(frame, frame_len);
	free(frame);
	return rc;
}
