/* SPDX-License-Identifier: BSD-3-Clause */
/* Forking the ca child: it keeps only its sockets and the standard streams. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ca.h"
#include "log.h"

#define CA_CHILD_FD	3

/* Closes every descriptor from first up (close_range fallback). */
static void close_from(int first)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = first; fd < max; fd++)
		(void)close(fd);
}

static void child(int fd, int pfd)
{
	struct rlimit no_core = { 0, 0 };

	/* fds 3 (parent) and 4 (prov): move both out of the way first. */
	if (pfd >= 0) {
		int t = fcntl(pfd, F_DUPFD, CA_CHILD_FD + 2);

		if (t < 0)
			sl_fatal("dup of the prov socket: %s", strerror(errno));
		pfd = t;
	}
	if (fd != CA_CHILD_FD) {
		if (dup2(fd, CA_CHILD_FD) < 0)
			sl_fatal("dup2 of the ca socket: %s", strerror(errno));
		fd = CA_CHILD_FD;
	}
	if (pfd >= 0) {
		if (dup2(pfd, CA_CHILD_FD + 1) < 0)
			sl_fatal("dup2 of the prov socket: %s", strerror(errno));
		pfd = CA_CHILD_FD + 1;
	}
	if (close_range((unsigned)(pfd >= 0 ? pfd : fd) + 1, ~0U, 0) < 0)
		close_from((pfd >= 0 ? pfd : fd) + 1);
	sl_log_set_proc("ca");
	/* Keep CA key material out of core files and away from ptrace by
	 * other processes of the same user (e.g. a compromised sip child). */
	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* the parent reloads; we have nothing to */
	_exit(sl_ca_main(fd, pfd));
}

pid_t sl_ca_spawn(int *fd, int *prov_fd, char *err, size_t errlen)
{
	int sv[2], pv[2] = { -1, -1 };
	pid_t pid;

	if (prov_fd && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pv) < 0) {
		snprintf(err, errlen, "cannot create the prov-ca socketpair: %s",
			 strerror(errno));
		return -1;
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "cannot create the ca socketpair: %s",
			 strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot fork the ca process: %s",
			 strerror(errno));
		close(sv[0]);
		close(sv[1]);
		if (prov_fd) {
			close(pv[0]);
			close(pv[1]);
		}
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		if (prov_fd)
			close(pv[0]);
		child(sv[1], prov_fd ? pv[1] : -1);
	}
	close(sv[1]);
	*fd = sv[0];
	if (prov_fd) {
		close(pv[1]);
		*prov_fd = pv[0];
	}
	return pid;
}
