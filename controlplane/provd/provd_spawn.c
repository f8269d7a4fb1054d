/* SPDX-License-Identifier: BSD-3-Clause */
/* Forking the prov child (provd.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "provd.h"

pid_t sl_provd_spawn(const struct sl_conf *conf, int ca_fd, const int *close_fds, size_t n,
		     int *parent_fd, char *err, size_t errlen)
{
	int sv[2], big = 1 << 20;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "cannot create the prov socketpair: %s", strerror(errno));
		return -1;
	}
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot fork the prov process: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		for (size_t i = 0; i < n; i++)
			if (close_fds[i] >= 0)
				close(close_fds[i]);
		sl_log_set_proc("prov");
		_exit(sl_provd_child_main(conf, sv[1], ca_fd));
	}
	close(sv[1]);
	*parent_fd = sv[0];
	return pid;
}
