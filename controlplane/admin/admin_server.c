/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The administration socket on the parent's libevent loop: accepts
 * shieldlockctl connections from root or the daemon's own user
 * (SO_PEERCRED), reads framed requests (admin_proto.h), runs each with
 * sl_admin_exec and writes the reply. Single-threaded: a command runs to
 * completion inside the read callback.
 *
 * Request bytes may hold a password: they are copied out of the bufferevent
 * once, the bufferevent's own chunks are wiped in place before they are
 * drained, and the copy is wiped after the command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "admin_int.h"
#include "log.h"

#define ADMIN_MAX_CONNS		32
#define ADMIN_IDLE_TIMEOUT_S	60
#define ADMIN_OUT_HIGH		(4u << 20)	/* stop reading while this much is unsent */

struct conn {
	struct sl_admin *a;
	struct bufferevent *bev;
	uid_t uid;
	pid_t pid;
	bool closing;			/* free once the output is flushed */
	struct conn *next, **pprev;
};

struct sl_admin {
	struct event_base *base;
	struct evconnlistener *lis;
	struct sl_admin_ctx ctx;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	struct conn *conns;
	unsigned nconns;
};

static void conn_free(struct conn *c)
{
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->a->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

static void reply(struct conn *c, int status, const char *text, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint8_t hdr[8];

	sl_admin_reply_header(hdr, status, len);
	evbuffer_add(out, hdr, sizeof(hdr));
	if (len)
		evbuffer_add(out, text, len);
}

/* Replies and closes the connection once the reply is out. */
static void reply_close(struct conn *c, int status, const char *text)
{
	reply(c, status, text, strlen(text));
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
}

/* Copies n bytes out of in, then wipes them inside in and drains them. */
static int take_wiped(struct evbuffer *in, uint8_t *dst, size_t n)
{
	struct evbuffer_iovec vec[16];
	struct evbuffer_ptr pos;
	size_t left = n;

	if (evbuffer_copyout(in, dst, n) != (ev_ssize_t)n)
		return -1;
	evbuffer_ptr_set(in, &pos, 0, EVBUFFER_PTR_SET);
	while (left) {
		int k = evbuffer_peek(in, (ev_ssize_t)left, &pos, vec, 16);
		size_t done = 0;

		if (k <= 0)
			break;
		for (int i = 0; i < k && i < 16 && done < left; i++) {
			size_t m = vec[i].iov_len < left - done ? vec[i].iov_len : left - done;

			sl_admin_wipe(vec[i].iov_base, m);
			done += m;
		}
		left -= done;
		if (left && evbuffer_ptr_set(in, &pos, done, EVBUFFER_PTR_ADD) < 0)
			break;
	}
	return evbuffer_drain(in, n);
}

/* "trunk cred set carrier": argv up to the first option, at most 4 words. */
static void command_words(int argc, char **argv, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && i < 4 && strncmp(argv[i], "--", 2); i++) {
		int k = snprintf(buf + used, n - used, "%s%.63s", i ? " " : "", argv[i]);

		if (k < 0 || (size_t)k >= n - used)
			break;
		used += (size_t)k;
	}
	adm_sanitize(buf, n, buf);
}

static void run_request(struct conn *c, uint8_t *payload, size_t len)
{
	char *argv[SL_ADMIN_ARGC_MAX + 1], err[256];
	struct sl_admin_out out;
	uint32_t flags = 0;
	int argc, st;

	argc = sl_admin_req_decode(payload, len, &flags, argv, SL_ADMIN_ARGC_MAX + 1, err, sizeof(err));
	if (argc < 0) {
		log_warn("admin: bad request from uid %u pid %d: %s", (unsigned)c->uid, (int)c->pid, err);
		reply_close(c, SL_ADMIN_E_USAGE, err);
		return;
	}
	sl_admin_out_init(&out);
	st = sl_admin_exec(&c->a->ctx, argc, argv, flags & SL_ADMIN_F_JSON, &out);
	/* Audit trail: the command words and the object's name, never an
	 * option value (a password travels as one). Listings are not logged. */
	if (st != SL_ADMIN_OK || (argc > 1 && strcmp(argv[1], "list") && strcmp(argv[1], "show"))) {
		char words[160];

		command_words(argc, argv, words, sizeof(words));
		if (st == SL_ADMIN_OK)
			log_info("admin: uid %u: %s", (unsigned)c->uid, words);
		else
			log_info("admin: uid %u: %s refused (%s)", (unsigned)c->uid, words,
				 sl_admin_status_name(st));
	}
	reply(c, st, out.buf ? out.buf : "", out.len);
	sl_admin_out_free(&out);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->closing) {
		uint8_t hdr[4], *frame;
		size_t len;

		if (evbuffer_get_length(bufferevent_get_output(bev)) > ADMIN_OUT_HIGH) {
			bufferevent_disable(bev, EV_READ);	/* write_cb resumes */
			return;
		}
		if (evbuffer_copyout(in, hdr, 4) < 4)
			return;
		len = sl_admin_get_u32(hdr);
		if (len > SL_ADMIN_FRAME_MAX || len < 6) {
			char msg[128];

			snprintf(msg, sizeof(msg), "request frame of %zu bytes: a request has 6 to %u bytes",
				 len, SL_ADMIN_FRAME_MAX);
			reply_close(c, SL_ADMIN_E_USAGE, msg);
			return;
		}
		if (evbuffer_get_length(in) < 4 + len) {
			bufferevent_setwatermark(bev, EV_READ, 4 + len, 0);
			return;
		}
		bufferevent_setwatermark(bev, EV_READ, 0, 0);
		frame = malloc(4 + len);
		if (!frame || take_wiped(in, frame, 4 + len) < 0) {
			free(frame);
			reply_close(c, SL_ADMIN_E_INTERNAL, "out of memory reading the request");
			return;
		}
		run_request(c, frame + 4, len);
		sl_admin_wipe(frame, 4 + len);
		free(frame);
	}
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closing) {
		conn_free(c);
		return;
	}
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		read_cb(bev, c);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("admin: uid %u idle for %ds, closed", (unsigned)c->uid, ADMIN_IDLE_TIMEOUT_S);
	conn_free(c);
}

static void accept_cb(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct sl_admin *a = arg;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct timeval tv = { ADMIN_IDLE_TIMEOUT_S, 0 };
	struct conn *c;

	(void)lis; (void)sa; (void)salen;
	memset(&cred, 0, sizeof(cred));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		log_warn("admin: SO_PEERCRED failed: %s; connection closed", strerror(errno));
		evutil_closesocket(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->bev = bufferevent_socket_new(a->base, fd, BEV_OPT_CLOSE_ON_FREE))) {
		free(c);
		evutil_closesocket(fd);
		log_err("admin: out of memory accepting a connection");
		return;
	}
	c->a = a;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->next = a->conns;
	c->pprev = &a->conns;
	if (a->conns)
		a->conns->pprev = &c->next;
	a->conns = c;
	a->nconns++;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	if (cred.uid != 0 && cred.uid != geteuid()) {
		char msg[200];

		log_warn("admin: refused uid %u pid %d (neither root nor uid %u)", (unsigned)cred.uid,
			 (int)cred.pid, (unsigned)geteuid());
		snprintf(msg, sizeof(msg), "permission denied: uid %u is neither root nor shieldlockd's "
			 "user (uid %u); run shieldlockctl as one of them", (unsigned)cred.uid,
			 (unsigned)geteuid());
		reply_close(c, SL_ADMIN_E_DENIED, msg);
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	if (a->nconns > ADMIN_MAX_CONNS) {
		reply_close(c, SL_ADMIN_E_BUSY, "too many administration connections; try again");
		bufferevent_enable(c->bev, EV_WRITE);
		return;
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void accept_err_cb(struct evconnlistener *lis, void *arg)
{
	(void)lis; (void)arg;
	log_warn("admin: accept failed: %s", strerror(errno));
}

/* A socket file left behind: reuse the path only if nobody answers there. */
static int clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (snprintf(err, errlen, "cannot check %s: %s", path,
						       strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; remove it or set [admin] "
			 "admin_socket to another path", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "another process (shieldlockd?) is listening on %s; stop it first",
			 path);
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct sl_admin *sl_admin_new(struct event_base *base, const char *path,
			      const struct sl_admin_ctx *ctx, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sl_admin *a;
	struct stat st;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "admin socket path '%s' is empty or longer than %zu bytes",
			 path ? path : "", sizeof(sun.sun_path) - 1);
		return NULL;
	}
	if (!ctx || !ctx->store) {
		snprintf(err, errlen, "admin socket: no store");
		return NULL;
	}
	if (clear_stale(path, err, errlen) < 0)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->base = base;
	a->ctx = *ctx;
	memcpy(a->path, path, strlen(path) + 1);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto err_alloc;
	}
	/* Linux creates the socket file with the socket inode's mode minus
	 * the umask: 0600 from the first moment, then chmod to be sure. */
	if (fchmod(fd, 0600) < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "cannot create the admin socket %s: %s%s", path, strerror(errno),
			 errno == ENOENT ? " (create its directory first)" : "");
		goto err_fd;
	}
	if (chmod(path, 0600) < 0 || stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot set mode 0600 on %s: %s", path, strerror(errno));
		goto err_bound;
	}
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	a->lis = evconnlistener_new(base, accept_cb, a, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
				    16, fd);
	if (!a->lis) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		goto err_bound;
	}
	evconnlistener_set_error_cb(a->lis, accept_err_cb);
	return a;

err_bound:
	unlink(path);
err_fd:
	close(fd);
err_alloc:
	free(a);
	return NULL;
}

void sl_admin_set_conf(struct sl_admin *a, const struct sl_conf *conf)
{
	if (a)
		a->ctx.conf = conf;
}

void sl_admin_free(struct sl_admin *a)
{
	struct stat st;

	if (!a)
		return;
	while (a->conns)
		conn_free(a->conns);
	if (a->lis)
		evconnlistener_free(a->lis);
	/* Unlink only our own socket (not one a successor bound since). */
	if (stat(a->path, &st) == 0 && st.st_dev == a->dev && st.st_ino == a->ino)
		unlink(a->path);
	free(a);
}
