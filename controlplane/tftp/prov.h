/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the read-only TFTP and HTTP provisioning servers: the path rules,
 * opening a file strictly beneath the tree, and a log rate limiter.
 * docs/tftp-http.md describes the rules.
 */
#ifndef SL_PROV_H
#define SL_PROV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#define SL_PROV_NAME_MAX	1024	/* longest accepted request path */

enum sl_prov_result {
	SL_PROV_OK = 0,
	SL_PROV_BADPATH,	/* refused by the name rules      TFTP 2, HTTP 400 */
	SL_PROV_NOTFOUND,	/* no such file                   TFTP 1, HTTP 404 */
	SL_PROV_FORBIDDEN,	/* symlink, not regular, not o+r  TFTP 2, HTTP 403 */
	SL_PROV_IOERR,		/* anything else                  TFTP 0, HTTP 500 */
};

/*
 * Checks a request path of len bytes (not necessarily NUL-terminated; a NUL
 * inside is refused). One leading '/' is stripped (Cisco phones and URLs
 * send one). Refused: empty, longer than SL_PROV_NAME_MAX, a second leading
 * '/', "..", anywhere, a backslash, bytes below 0x20 and 0x7f, an empty or
 * "." component ("a//b", "a/./b", trailing '/'). On success copies the
 * relative name into out (cap >= len + 1) and returns SL_PROV_OK; otherwise
 * SL_PROV_BADPATH with *why set to a static reason.
 */
enum sl_prov_result sl_prov_check_path(const char *name, size_t len, char *out,
				       size_t cap, const char **why);

/*
 * Opens rel beneath dirfd with openat2(2) RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS and O_RDONLY | O_NOFOLLOW |
 * O_CLOEXEC | O_NONBLOCK (so a FIFO cannot block), then requires a regular
 * file whose mode has S_IROTH ("other" may read). Returns SL_PROV_OK with
 * *fd and *st set, or a refusal with *why (static) and *fd = -1.
 */
enum sl_prov_result sl_prov_open(int dirfd, const char *rel, int *fd,
				 struct stat *st, const char **why);

/*
 * Opens the tree directory (O_PATH | O_DIRECTORY | O_CLOEXEC). Returns the
 * fd or -errno.
 */
int sl_prov_open_tree(const char *path);

/*
 * The tree a server serves: a duplicate of dirfd when it is >= 0, else
 * dir opened with sl_prov_open_tree. Problems are logged with who ("tftp",
 * "http") in front. Returns the fd or -errno.
 */
int sl_prov_take_tree(int dirfd, const char *dir, const char *who);

/* Token bucket for log lines: rate per second, burst lines at once. */
struct sl_prov_ratelimit {
	unsigned rate, burst;
	double tokens;
	struct timespec last;
	uint64_t suppressed;	/* since the last line that got through */
};

void sl_prov_ratelimit_init(struct sl_prov_ratelimit *rl, unsigned rate, unsigned burst);
/*
 * True when a line may be logged now; *suppressed is set to the number of
 * lines dropped since the previous allowed one (log it with this line).
 */
bool sl_prov_ratelimit_allow(struct sl_prov_ratelimit *rl, uint64_t *suppressed);

/* The local port a socket is bound to (0 if unknown). */
uint16_t sl_prov_sock_port(int fd);

/* "1.2.3.4:5678" or "[::1]:5678" into buf. */
void sl_prov_addr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap);

/* Copy of s for logs: printable ASCII, others as '?', truncated to cap-1. */
void sl_prov_sanitize(const char *s, size_t len, char *buf, size_t cap);

#endif
