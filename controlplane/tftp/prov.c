/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Path rules and safe opening for the provisioning servers, plus a token
 * bucket for log lines so that a request flood cannot flood the log.
 */
#include "prov.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

static enum sl_prov_result bad(const char **why, const char *msg)
{
	*why = msg;
	return SL_PROV_BADPATH;
}

/* Components must be non-empty and not ".". */
static bool components_ok(const char *s)
{
	for (;;) {
		const char *slash = strchr(s, '/');
		size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);

		if (n == 0 || (n == 1 && s[0] == '.'))
			return false;
		if (slash == NULL)
			return true;
		s = slash + 1;
	}
}

enum sl_prov_result sl_prov_check_path(const char *name, size_t len, char *out,
				       size_t cap, const char **why)
{
	size_t i;

	if (name == NULL || len == 0)
		return bad(why, "empty file name");
	if (name[0] == '/') {	/* one leading '/' is allowed (Cisco phones, URLs) */
		name++;
		len--;
	}
	if (len == 0)
		return bad(why, "empty file name");
	if (len > SL_PROV_NAME_MAX || len + 1 > cap)
		return bad(why, "file name longer than 1024 bytes");
	if (name[0] == '/')
		return bad(why, "absolute file name");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == 0)
			return bad(why, "NUL byte in file name");
		if (c < 0x20 || c == 0x7f)
			return bad(why, "control character in file name");
		if (c == '\\')
			return bad(why, "backslash in file name");
		if (c == '.' && i + 1 < len && name[i + 1] == '.')
			return bad(why, "\"..\" in file name");
	}
	memcpy(out, name, len);
	out[len] = '\0';
	if (!components_ok(out))
		return bad(why, "empty or \".\" path component in file name");
	return SL_PROV_OK;
}

enum sl_prov_result sl_prov_open(int dirfd, const char *rel, int *fd,
				 struct stat *st, const char **why)
{
	struct open_how how;
	long r;

	*fd = -1;
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	/* Debian 12's glibc has no openat2() wrapper: call the syscall. */
	r = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (r < 0) {
		switch (errno) {
		case ENOENT:
		case ENOTDIR:
			*why = "file not found";
			return SL_PROV_NOTFOUND;
		case ELOOP:
			*why = "symbolic links are not served";
			return SL_PROV_FORBIDDEN;
		case EXDEV:
			*why = "path leaves the served tree";
			return SL_PROV_FORBIDDEN;
		case EACCES:
		case EPERM:
			*why = "permission denied";
			return SL_PROV_FORBIDDEN;
		case ENAMETOOLONG:
			*why = "file name too long";
			return SL_PROV_BADPATH;
		case ENOSYS:
			*why = "openat2(2) is not available: Linux 5.6 or later is needed";
			return SL_PROV_IOERR;
		default:
			*why = "cannot open file";
			return SL_PROV_IOERR;
		}
	}
	if (fstat((int)r, st) != 0) {
		close((int)r);
		*why = "cannot stat file";
		return SL_PROV_IOERR;
	}
	if (!S_ISREG(st->st_mode)) {
		close((int)r);
		*why = "not a regular file";
		return SL_PROV_FORBIDDEN;
	}
	if ((st->st_mode & S_IROTH) == 0) {
		close((int)r);
		*why = "file is not world-readable (chmod o+r to serve it)";
		return SL_PROV_FORBIDDEN;
	}
	*fd = (int)r;
	return SL_PROV_OK;
}

int sl_prov_open_tree(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int sl_prov_take_tree(int dirfd, const char *dir, const char *who)
{
	int fd;

	if (dirfd >= 0) {
		fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	if (dir == NULL) {
		log_err("%s: no directory to serve; pass a directory fd or path", who);
		return -EINVAL;
	}
	fd = sl_prov_open_tree(dir);
	if (fd < 0)
		log_err("%s: cannot open directory \"%s\": %s; check that it exists", who, dir,
			strerror(-fd));
	return fd;
}

void sl_prov_ratelimit_init(struct sl_prov_ratelimit *rl, unsigned rate, unsigned burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate = rate ? rate : 1;
	rl->burst = burst ? burst : 1;
	rl->tokens = rl->burst;
	clock_gettime(CLOCK_MONOTONIC, &rl->last);
}

bool sl_prov_ratelimit_allow(struct sl_prov_ratelimit *rl, uint64_t *suppressed)
{
	struct timespec now;
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - rl->last.tv_sec) +
	     (double)(now.tv_nsec - rl->last.tv_nsec) / 1e9;
	rl->last = now;
	if (dt > 0)
		rl->tokens += dt * rl->rate;
	if (rl->tokens > rl->burst)
		rl->tokens = rl->burst;
	if (rl->tokens < 1.0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens -= 1.0;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void sl_prov_addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, cap, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, cap, "?");
	}
}

void sl_prov_sanitize(const char *s, size_t len, char *buf, size_t cap)
{
	size_t i;

	if (cap == 0)
		return;
	if (len > cap - 1)
		len = cap - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[len] = '\0';
}

uint16_t sl_prov_sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}
