/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl user / device / profile / trunk / registrations / calls /
 * cert: forwarded to shieldlockd over its administration socket
 * (controlplane/admin/admin_proto.h). shieldlockctl only frames argv; the
 * daemon checks every value and answers with a status and text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "admin_proto.h"
#include "ctl.h"

#define CTL_REPLY_TIMEOUT_S 60

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
	{ "profile", "profile set NAME [--mode MODE] [--description T]" },
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

/* Which commands carry a password, and what it is for in the prompt. */
static const char *password_for(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[0], "user") && (!strcmp(argv[1], "add") || !strcmp(argv[1], "passwd")))
		return argv[2][0] == '-' ? "the user" : argv[2];
	if (argc >= 4 && !strcmp(argv[0], "trunk") && !strcmp(argv[1], "cred") && !strcmp(argv[2], "set"))
		return argv[3][0] == '-' ? "the trunk" : argv[3];
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

static int connect_daemon(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { CTL_REPLY_TIMEOUT_S, 0 };
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		ctl_err(CTL_EXIT_USAGE, "daemon socket path %s is longer than %zu bytes", path,
			sizeof(sun.sun_path) - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ctl_err(CTL_EXIT_FAIL, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		e = errno;
		close(fd);
		if (e == EACCES || e == EPERM)
			ctl_err(CTL_EXIT_FAIL, "cannot connect to shieldlockd at %s: %s — run shieldlockctl "
				"as root or as shieldlockd's user", path, strerror(e));
		else
			ctl_err(CTL_EXIT_FAIL, "cannot connect to shieldlockd at %s: %s — is shieldlockd "
				"running? (--daemon-socket PATH or $SHIELDLOCK_SOCKET name another socket)",
				path, strerror(e));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* 0, 1 at EOF before the first byte, -1 on error or EOF inside. */
static int recv_all(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = recv(fd, p + got, n - got, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0)
			errno = ECONNRESET;
		if (k <= 0)
			return got == 0 && k == 0 ? 1 : -1;
		got += (size_t)k;
	}
	return 0;
}

static int exit_code(int status)
{
	switch (status) {
	case SL_ADMIN_OK: return CTL_EXIT_OK;
	case SL_ADMIN_E_USAGE: return CTL_EXIT_USAGE;
	case SL_ADMIN_E_NOTFOUND: return CTL_EXIT_NOTFOUND;
	case SL_ADMIN_E_EXISTS: return CTL_EXIT_EXISTS;
	case SL_ADMIN_E_BUSY: return CTL_EXIT_BUSY;
	default: return CTL_EXIT_FAIL;
	}
}

/* Sends one request and prints the reply. */
static int transact(const struct ctl_opts *o, uint8_t *frame, size_t frame_len)
{
	uint8_t hdr[8], *text;
	uint32_t len;
	int32_t status;
	int fd, r;

	fd = connect_daemon(o->daemon_socket);
	if (fd < 0)
		return CTL_EXIT_FAIL;
	if (send_all(fd, frame, frame_len) < 0) {
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, "sending to shieldlockd at %s: %s", o->daemon_socket,
			       strerror(errno));
	}
	r = recv_all(fd, hdr, 4);
	if (r == 0) {
		len = sl_admin_get_u32(hdr);
		if (len < 4 || len > SL_ADMIN_FRAME_MAX) {
			close(fd);
			return ctl_err(CTL_EXIT_FAIL, "shieldlockd sent a reply frame of %u bytes (4 to %u "
				       "expected): is %s shieldlockd's admin socket?", len,
				       SL_ADMIN_FRAME_MAX, o->daemon_socket);
		}
		r = recv_all(fd, hdr + 4, 4);
	}
	if (r != 0) {
		int e = errno;

		close(fd);
		if (e == EAGAIN || e == EWOULDBLOCK)
			return ctl_err(CTL_EXIT_FAIL, "shieldlockd did not answer within %d s",
				       CTL_REPLY_TIMEOUT_S);
		return ctl_err(CTL_EXIT_FAIL, "shieldlockd closed the connection without an answer "
			       "(see its log)");
	}
	status = (int32_t)sl_admin_get_u32(hdr + 4);
	len -= 4;
	text = malloc(len + 1);
	if (!text) {
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, "out of memory for a %u-byte reply", len);
	}
	if (len && recv_all(fd, text, len) != 0) {
		free(text);
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, "the reply from shieldlockd was cut short");
	}
	close(fd);
	text[len] = '\0';
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
	return exit_code(status);
}

int ctl_daemon_main(const struct ctl_opts *o, int argc, char **argv)
{
	struct ctl_pw_opts pw = { 0 };
	char password[CTL_PASSWORD_MAX + 2];
	char *args[SL_ADMIN_ARGC_MAX + 1], err[256];
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
	target = password_for(argc, argv);
	if ((pw.from_stdin || pw.file) && !target)
		return ctl_err(CTL_EXIT_USAGE, "--password-stdin/--password-file belong to user add, "
			       "user passwd and trunk cred set (with the NAME first)");
	for (n = 0; n < argc; n++)
		args[n] = argv[n];
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
