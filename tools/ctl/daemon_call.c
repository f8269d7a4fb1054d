/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One request to shieldlockd's admin socket with the reply returned to the
 * caller (ctl.h: ctl_daemon_call), for commands that work on the reply
 * themselves (image sign, image verify, cert export).
 */
#include <errno.h>
#include <stdbool.h>
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

#define CALL_TIMEOUT_S	60

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { CALL_TIMEOUT_S, 0 };
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
		ctl_err(CTL_EXIT_FAIL, "cannot connect to shieldlockd at %s: %s — %s", path,
			strerror(e), e == EACCES || e == EPERM ?
			"run shieldlockctl as root or as shieldlockd's user" :
			"is shieldlockd running? (--daemon-socket PATH or $SHIELDLOCK_SOCKET name "
			"another socket)");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int io_all(int fd, uint8_t *p, size_t n, bool out)
{
	while (n) {
		ssize_t k = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int ctl_daemon_exit_code(int status)
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

int ctl_daemon_transact(const struct ctl_opts *o, const uint8_t *frame, size_t frame_len,
			int32_t *status, char **text, size_t *len)
{
	uint8_t hdr[8];
	uint32_t n;
	int fd = connect_to(o->daemon_socket);

	*text = NULL;
	if (fd < 0)
		return CTL_EXIT_FAIL;
	if (io_all(fd, (uint8_t *)(uintptr_t)frame, frame_len, true) < 0) {
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, "sending to shieldlockd at %s: %s", o->daemon_socket,
			       strerror(errno));
	}
	if (io_all(fd, hdr, 8, false) < 0) {
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, errno == EAGAIN ?
			       "shieldlockd did not answer in time" :
			       "shieldlockd closed the connection without an answer (see its log)");
	}
	n = sl_admin_get_u32(hdr);
	if (n < 4 || n > SL_ADMIN_FRAME_MAX) {
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, "shieldlockd sent a reply frame of %u bytes (4 to %u "
			       "expected): is %s shieldlockd's admin socket?", n, SL_ADMIN_FRAME_MAX,
			       o->daemon_socket);
	}
	*status = (int32_t)sl_admin_get_u32(hdr + 4);
	n -= 4;
	*text = malloc(n + 1);
	if (!*text) {
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, "out of memory for a %u-byte reply", n);
	}
	if (n && io_all(fd, (uint8_t *)*text, n, false) < 0) {
		free(*text);
		*text = NULL;
		close(fd);
		return ctl_err(CTL_EXIT_FAIL, "the reply from shieldlockd was cut short");
	}
	close(fd);
	(*text)[n] = '\0';
	*len = n;
	return CTL_EXIT_OK;
}

int ctl_daemon_call(const struct ctl_opts *o, int argc, char **argv, char **text, size_t *len)
{
	int32_t status;
	size_t n;
	char err[256];
	uint8_t *frame;
	size_t frame_len;
	int rc;

	*text = NULL;
	*len = 0;
	if (sl_admin_req_encode(argc, argv, o->json ? SL_ADMIN_F_JSON : 0, &frame, &frame_len, err,
				sizeof(err)) < 0)
		return ctl_err(CTL_EXIT_USAGE, "%s", err);
	rc = ctl_daemon_transact(o, frame, frame_len, &status, text, &n);
	sl_admin_wipe(frame, frame_len);
	free(frame);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (status != SL_ADMIN_OK) {
		while (n && (*text)[n - 1] == '\n')
			(*text)[--n] = '\0';
		ctl_err(0, "%s", *text);
		free(*text);
		*text = NULL;
		return ctl_daemon_exit_code(status);
	}
	*len = n;
	return CTL_EXIT_OK;
}
