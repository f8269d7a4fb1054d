/* SPDX-License-Identifier: BSD-3-Clause */
/* Forking the ca child: it keeps only its socket and the standard streams. */
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

static void close_others(int keep)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = CA_CHILD_FD; fd < max; fd++)
		if (fd != keep)
			(void)close(fd);
}

static void child(int fd)
{
	struct rlimit no_core = { 0, 0 };

	if (fd != CA_CHILD_FD) {
		if (dup2(fd, CA_CHILD_FD) < 0)
			sl_fatal("dup2 of the ca socket: %s", strerror(errno));
		fd = CA_CHILD_FD;
	}
	if (close_range(CA_CHILD_FD + 1, ~0U, 0) < 0)
		close_others(fd);
	sl_log_set_proc("ca");
	/* Keep CA key material out of core files and away from ptrace by
	 * other processes of the same user (e.g. a compromised sip child). */
	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* the parent reloads; we have nothing to */
	_exit(sl_ca_main(fd));
}

pid_t sl_ca_spawn(int *fd, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

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
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1]);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}
