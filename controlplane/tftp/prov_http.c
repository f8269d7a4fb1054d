/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only HTTP provisioning server on evhttp (libevent 2.1).
 *
 * Connections are counted through evhttp's bufferevent hook: each one gets a
 * filter bufferevent whose free callback tells us when evhttp drops the
 * connection (libevent 2.1 has no connection limit of its own). At
 * max_connections the listener is disabled until one closes (further
 * clients wait in the kernel's backlog). Bodies are streamed with pread()
 * in 64 KiB pieces from the fd opened at request time; the next piece is
 * read only once the previous one is in the kernel, so memory stays bounded
 * however large the file (firmware).
 */
#include "prov_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "log.h"
#include "prov.h"

#define DEF_MAX_CONNECTIONS	64
#define DEF_MAX_PER_CLIENT	8
#define DEF_TIMEOUT		10
#define DEF_MAX_HEADERS		8192
#define MAX_BODY		4096		/* we accept no bodies; larger: 413 */
#define CHUNK			(64 * 1024)	/* body piece read and queued at once */

struct http_conn {
	struct http_conn *next, *prev;
	struct sl_prov_http *srv;
	struct bufferevent *bev;		/* the filter evhttp uses */
	struct bufferevent *under;		/* its socket bufferevent */
	struct event *wev;			/* socket writable again */
	struct sockaddr_storage peer;
	bool peer_known;
	/* the body being sent */
	struct evhttp_request *req;
	int fd;
	off_t off, end;
	struct evhttp_connection *evcon;	/* set with req */
	struct event *killev;			/* closes evcon from the loop */
	bool pumping, more;			/* inside pump(); call it again */
	char client[64], name[96];
};

struct sl_prov_http {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lev;
	struct event *resume;			/* re-enables accept after EMFILE */
	int dirfd;
	int passed_fd;				/* the caller's socket, or -1 */
	struct sl_prov_http_config cfg;
	struct sl_prov_http_counters ctr;
	struct http_conn *conns;
	bool paused;
	bool closing;
	struct sl_prov_ratelimit rl_err, rl_req;
};

void sl_prov_http_config_defaults(struct sl_prov_http_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dirfd = -1;
	cfg->fd = -1;
	cfg->max_connections = DEF_MAX_CONNECTIONS;
	cfg->max_per_client = DEF_MAX_PER_CLIENT;
	cfg->timeout = DEF_TIMEOUT;
	cfg->max_headers_size = DEF_MAX_HEADERS;
}

const char *sl_prov_http_content_type(const char *name)
{
	size_t n = strlen(name);

	if (n >= 4 && strcasecmp(name + n - 4, ".xml") == 0)
		return "text/xml";
	return "application/octet-stream";
}

void sl_prov_http_date(time_t t, char *buf, size_t cap)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, cap, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(buf, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday % 7],
		 tm.tm_mday, mon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

/* ---- the filter under evhttp ---- */

/* The socket takes more: let the filter write what it holds. */
static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)fd;
	(void)what;
	bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
}

/*
 * libevent 2.1's filter bufferevent does not move output queued while
 * writing was disabled, and runs the "written" callback while evhttp is
 * still inside its send function (before it sets the callback it wants).
 * After each evhttp send call, kick() moves what is queued (the callback
 * runs when it has moved) or, when the add already moved everything, runs
 * the callback now. bev stays valid: flush and trigger hold a reference.
 */
static void kick(struct bufferevent *bev)
{
	if (bev == NULL)
		return;
	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		bufferevent_flush(bev, EV_WRITE, BEV_NORMAL);
	else
		bufferevent_trigger(bev, EV_WRITE, 0);
}

/* Moves the connection's output only if something is queued. */
static void flush_queued(struct bufferevent *bev)
{
	if (bev != NULL && evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		bufferevent_flush(bev, EV_WRITE, BEV_NORMAL);
}

/*
 * The filter's input side passes bytes through from the socket
 * bufferevent. Its output side writes straight to the socket, so evhttp's
 * "written" callback (which may close the connection at once, after an
 * error page or for HTTP/1.0) runs only once the bytes are in the kernel.
 * What the socket does not take waits for c->wev (socket writable).
 */
static enum bufferevent_filter_result pass_in(struct evbuffer *src, struct evbuffer *dst,
					      ev_ssize_t lim, enum bufferevent_flush_mode mode,
					      void *ctx)
{
	size_t n = evbuffer_get_length(src);

	(void)mode;
	(void)ctx;
	if (lim >= 0 && (size_t)lim < n)
		n = (size_t)lim;
	if (n == 0)
		return BEV_NEED_MORE;
	if (evbuffer_remove_buffer(src, dst, n) < 0)
		return BEV_ERROR;
	return BEV_OK;
}

static enum bufferevent_filter_result write_out(struct evbuffer *src, struct evbuffer *dst,
						ev_ssize_t lim, enum bufferevent_flush_mode mode,
						void *ctx)
{
	struct http_conn *c = ctx;
	evutil_socket_t fd = bufferevent_getfd(c->under);
	int n;

	(void)dst;
	(void)lim;
	(void)mode;
	if (evbuffer_get_length(src) == 0)
		return BEV_NEED_MORE;
	if (fd < 0)
		return BEV_ERROR;
	n = evbuffer_write(src, fd);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		return BEV_ERROR;	/* peer gone: evhttp's write timeout ends it */
	if (evbuffer_get_length(src) > 0) {
		if (c->wev == NULL)
			c->wev = event_new(c->srv->base, fd, EV_WRITE, on_writable, c);
		if (c->wev != NULL)
			event_add(c->wev, NULL);
	}
	return n > 0 ? BEV_OK : BEV_NEED_MORE;
}

/* ---- connection accounting ---- */

static void conn_gone(void *arg)
{
	struct http_conn *c = arg;
	struct sl_prov_http *srv = c->srv;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->fd >= 0)
		close(c->fd);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->killev != NULL)
		event_free(c->killev);
	srv->ctr.active_connections--;
	if (srv->paused && !srv->closing &&
	    srv->ctr.active_connections < srv->cfg.max_connections) {
		srv->paused = false;
		evconnlistener_enable(srv->lev);
	}
	free(c);
}

static struct bufferevent *new_bev(struct event_base *base, void *arg)
{
	struct sl_prov_http *srv = arg;
	struct bufferevent *under, *f;
	struct http_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;	/* evhttp makes a plain one (not counted) */
	under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (under == NULL) {
		free(c);
		return NULL;
	}
	/* Not BEV_OPT_DEFER_CALLBACKS: evhttp's keep-alive stalls with it. */
	c->srv = srv;
	c->under = under;
	f = bufferevent_filter_new(under, pass_in, write_out, BEV_OPT_CLOSE_ON_FREE,
				   conn_gone, c);
	if (f == NULL) {
		bufferevent_free(under);
		free(c);
		return NULL;
	}
	c->bev = f;
	c->fd = -1;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->ctr.connections++;
	srv->ctr.active_connections++;
	if (srv->ctr.active_connections >= srv->cfg.max_connections && !srv->paused) {
		srv->paused = true;
		evconnlistener_disable(srv->lev);
	}
	return f;
}

static struct http_conn *find_conn(struct sl_prov_http *srv, struct evhttp_connection *evcon)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	struct http_conn *c;

	for (c = srv->conns; c != NULL; c = c->next)
		if (c->bev == bev)
			return c;
	return NULL;
}

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

/* Records the peer on the first request; false when the client has too many. */
static bool admit_client(struct sl_prov_http *srv, struct http_conn *c,
			 struct evhttp_connection *evcon)
{
	const struct sockaddr *sa = evhttp_connection_get_addr(evcon);
	struct http_conn *o;
	unsigned n = 0;

	if (c == NULL || c->peer_known)
		return true;
	if (sa == NULL)
		return true;
	if (sa->sa_family == AF_INET)
		memcpy(&c->peer, sa, sizeof(struct sockaddr_in));
	else if (sa->sa_family == AF_INET6)
		memcpy(&c->peer, sa, sizeof(struct sockaddr_in6));
	else
		return true;
	c->peer_known = true;
	sl_prov_addr_str((struct sockaddr *)&c->peer, sizeof(c->peer), c->client,
			 sizeof(c->client));
	for (o = srv->conns; o != NULL; o = o->next)
		if (o->peer_known && same_ip(&o->peer, &c->peer))
			n++;
	return n <= srv->cfg.max_per_client;
}

/* ---- responses ---- */

static void client_str(struct evhttp_request *req, struct http_conn *c, char *buf, size_t cap)
{
	const struct sockaddr *sa;

	if (c != NULL && c->peer_known) {
		snprintf(buf, cap, "%s", c->client);
		return;
	}
	sa = evhttp_connection_get_addr(evhttp_request_get_connection(req));
	if (sa != NULL)
		sl_prov_addr_str(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							      : sizeof(struct sockaddr_in), buf, cap);
	else
		snprintf(buf, cap, "?");
}

/*
 * An error reply with a short text body; the connection closes after it.
 * (evhttp_send_error would drop the Allow header a 405 needs.)
 */
static void send_status(struct evhttp_request *req, struct http_conn *c, int code,
			const char *reason)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();

	evhttp_clear_headers(h);
	evhttp_add_header(h, "Content-Type", "text/plain");
	evhttp_add_header(h, "Connection", "close");
	if (code == 405)
		evhttp_add_header(h, "Allow", "GET, HEAD");
	if (b != NULL)
		evbuffer_add_printf(b, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, b);
	if (b != NULL)
		evbuffer_free(b);
	kick(c != NULL ? c->bev : NULL);	/* c may be gone after this */
}

static void refuse(struct sl_prov_http *srv, struct evhttp_request *req,
		   struct http_conn *c, int code, const char *reason, const char *why)
{
	uint64_t dropped = 0;
	char who[64], path[96];
	const char *uri = evhttp_request_get_uri(req);

	switch (code) {
	case 400: srv->ctr.bad_request++; break;
	case 403: srv->ctr.forbidden++; break;
	case 404: srv->ctr.not_found++; break;
	case 405: srv->ctr.bad_method++; break;
	case 503: srv->ctr.busy++; break;
	default: srv->ctr.server_error++; break;
	}
	if (sl_prov_ratelimit_allow(&srv->rl_err, &dropped)) {
		client_str(req, c, who, sizeof(who));
		sl_prov_sanitize(uri != NULL ? uri : "", uri != NULL ? strlen(uri) : 0,
				 path, sizeof(path));
		log_notice("http: %s \"%s\" refused with %d: %s%s", who, path, code, why,
			   dropped ? " (earlier error lines suppressed)" : "");
	}
	send_status(req, c, code, reason);
}

static void log_done(struct sl_prov_http *srv, const char *who, const char *name,
		     uint64_t bytes, const char *result)
{
	uint64_t dropped = 0;

	if (sl_prov_ratelimit_allow(&srv->rl_req, &dropped))
		log_info("http: %s \"%s\" %llu bytes, %s%s", who, name,
			 (unsigned long long)bytes, result,
			 dropped ? " (earlier request lines suppressed)" : "");
}

/* Reads the next piece of the body into a new evbuffer; NULL on error or EOF. */
static struct evbuffer *read_piece(struct http_conn *c)
{
	size_t want = (size_t)(c->end - c->off) < CHUNK ? (size_t)(c->end - c->off) : CHUNK;
	struct evbuffer *b = evbuffer_new();
	struct evbuffer_iovec v;
	ssize_t n;

	if (b == NULL)
		return NULL;
	if (evbuffer_reserve_space(b, (ev_ssize_t)want, &v, 1) != 1)
		goto err;
	do
		n = pread(c->fd, v.iov_base, want, c->off);
	while (n < 0 && errno == EINTR);
	if (n <= 0)	/* error, or the file shrank under us */
		goto err;
	v.iov_len = (size_t)n;
	if (evbuffer_commit_space(b, &v, 1) != 0)
		goto err;
	c->off += n;
	return b;
err:
	evbuffer_free(b);
	return NULL;
}

static void on_written(struct evhttp_connection *evcon, void *arg);

/* Ends the body: the connection may be gone when this returns. */
static void body_done(struct http_conn *c)
{
	struct evhttp_request *req = c->req;
	struct bufferevent *bev = c->bev;

	close(c->fd);
	c->fd = -1;
	c->req = NULL;
	log_done(c->srv, c->client, c->name, (uint64_t)c->end, "complete");
	evhttp_send_reply_end(req);
	flush_queued(bev);
}

/* Runs from the event loop, outside evhttp's own call chains. */
static void on_kill(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)fd;
	(void)what;
	evhttp_connection_free(c->evcon);	/* frees c too (conn_gone) */
}

/* The body cannot be finished: the length is promised, so close. */
static void abort_body(struct http_conn *c)
{
	log_done(c->srv, c->client, c->name, (uint64_t)c->off,
		 "read error or file shrank, connection closed");
	c->srv->ctr.server_error++;
	close(c->fd);
	c->fd = -1;
	c->req = NULL;
	if (c->killev == NULL)
		c->killev = evtimer_new(c->srv->base, on_kill, c);
	if (c->killev != NULL)
		event_active(c->killev, EV_TIMEOUT, 0);
	/* else evhttp's write timeout ends the connection */
}

/*
 * Sends body pieces while the connection takes them, starting with b.
 * Returns when a piece is waiting for the socket (on_written continues)
 * or the body is done.
 */
static void pump(struct http_conn *c, struct evbuffer *b)
{
	c->pumping = true;
	do {
		c->more = false;
		if (b == NULL)
			b = read_piece(c);
		if (b == NULL) {
			c->pumping = false;
			abort_body(c);
			return;
		}
		c->srv->ctr.bytes_sent += evbuffer_get_length(b);
		if (c->off >= c->end) {
			evhttp_send_reply_chunk(c->req, b);
			evbuffer_free(b);
			c->pumping = false;
			body_done(c);
			return;
		}
		evhttp_send_reply_chunk_with_cb(c->req, b, on_written, c);
		evbuffer_free(b);
		b = NULL;
		kick(c->bev);	/* may call on_written: it sets c->more */
	} while (c->more && c->req != NULL);
	c->pumping = false;
}

static void on_written(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn *c = arg;

	(void)evcon;
	if (c->req == NULL)
		return;	/* stale: the body is done */
	if (c->pumping) {
		c->more = true;
		return;
	}
	pump(c, NULL);
}

static void set_headers(struct evhttp_request *req, const char *rel, const struct stat *st)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char num[32], date[64];

	snprintf(num, sizeof(num), "%lld", (long long)st->st_size);
	sl_prov_http_date(st->st_mtime, date, sizeof(date));
	evhttp_add_header(h, "Content-Type", sl_prov_http_content_type(rel));
	evhttp_add_header(h, "Content-Length", num);
	evhttp_add_header(h, "Last-Modified", date);
	evhttp_add_header(h, "Cache-Control", "no-cache");
}

/* GET on a connection we do not track (its filter could not be made). */
/* A whole reply at once: empty files, HEAD, untracked connections. */
static void reply_now(struct http_conn *c, struct evhttp_request *req, struct evbuffer *b)
{
	struct bufferevent *bev = c != NULL ? c->bev : NULL;

	evhttp_send_reply(req, 200, "OK", b);
	kick(bev);
}

/* GET on a connection we do not track (its filter could not be made). */
static void send_whole(struct sl_prov_http *srv, struct evhttp_request *req,
		       struct http_conn *c, int fd, const struct stat *st,
		       const char *who, const char *name)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL || (st->st_size > 0 && evbuffer_add_file(b, fd, 0, st->st_size) != 0)) {
		if (b != NULL)
			evbuffer_free(b);
		close(fd);
		refuse(srv, req, c, 500, "Internal Server Error", "out of memory");
		return;
	}
	if (st->st_size == 0)
		close(fd);
	srv->ctr.ok++;
	srv->ctr.bytes_sent += (uint64_t)st->st_size;
	log_done(srv, who, name, (uint64_t)st->st_size, "complete");
	reply_now(c, req, b);
	evbuffer_free(b);
}

static void send_file(struct sl_prov_http *srv, struct evhttp_request *req,
		      struct http_conn *c, int fd, const struct stat *st,
		      const char *rel, const char *who)
{
	struct evbuffer *b;
	char name[96];

	sl_prov_sanitize(rel, strlen(rel), name, sizeof(name));
	set_headers(req, rel, st);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		close(fd);
		srv->ctr.ok++;
		log_done(srv, who, name, 0, "HEAD");
		reply_now(c, req, NULL);
		return;
	}
	if (c == NULL || c->req != NULL || st->st_size == 0) {
		send_whole(srv, req, c, fd, st, who, name);
		return;
	}
	c->fd = fd;
	c->off = 0;
	c->end = st->st_size;
	b = read_piece(c);
	if (b == NULL) {
		close(c->fd);
		c->fd = -1;
		refuse(srv, req, c, 500, "Internal Server Error", "cannot read the file");
		return;
	}
	c->req = req;
	c->evcon = evhttp_request_get_connection(req);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->client, sizeof(c->client), "%s", who);
	srv->ctr.ok++;
	evhttp_send_reply_start(req, 200, "OK");
	kick(c->bev);
	pump(c, b);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct sl_prov_http *srv = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct http_conn *c = find_conn(srv, evcon);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path, *why;
	char *raw;
	size_t plen;
	char rel[SL_PROV_NAME_MAX + 1], who[64];
	enum sl_prov_result pr;
	struct stat st;
	size_t dlen = 0;
	char *dec;
	int fd;

	srv->ctr.requests++;
	if (!admit_client(srv, c, evcon)) {
		refuse(srv, req, c, 503, "Service Unavailable",
		       "too many connections from this client");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		refuse(srv, req, c, 405, "Method Not Allowed",
		       "read-only server: only GET and HEAD are allowed");
		return;
	}
	/*
	 * The path is the request target up to '?' or '#' (the query is
	 * ignored). Not evhttp_uri_get_path: it reads "//etc/passwd" as host
	 * "etc" and path "/passwd". Origin form only ("/..."), as phones send.
	 */
	path = evhttp_request_get_uri(req);
	if (path == NULL || path[0] != '/') {
		refuse(srv, req, c, 400, "Bad Request", "request target must start with '/'");
		return;
	}
	plen = strcspn(path, "?#");
	raw = strndup(path, plen);
	dec = raw != NULL ? evhttp_uridecode(raw, 0, &dlen) : NULL;
	free(raw);
	if (dec == NULL) {
		refuse(srv, req, c, 500, "Internal Server Error", "out of memory");
		return;
	}
	/* A %00 decodes to a NUL: the lengths differ and the rules refuse it. */
	pr = sl_prov_check_path(dec, dlen, rel, sizeof(rel), &why);
	free(dec);
	if (pr == SL_PROV_OK)
		pr = sl_prov_open(srv->dirfd, rel, &fd, &st, &why);
	switch (pr) {
	case SL_PROV_OK:
		break;
	case SL_PROV_BADPATH:
		refuse(srv, req, c, 400, "Bad Request", why);
		return;
	case SL_PROV_NOTFOUND:
		refuse(srv, req, c, 404, "Not Found", why);
		return;
	case SL_PROV_FORBIDDEN:
		refuse(srv, req, c, 403, "Forbidden", why);
		return;
	default:
		refuse(srv, req, c, 500, "Internal Server Error", why);
		return;
	}
	client_str(req, c, who, sizeof(who));
	send_file(srv, req, c, fd, &st, rel, who);
}

/* ---- listener ---- */

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct sl_prov_http *srv = arg;

	(void)fd;
	(void)what;
	if (!srv->paused)
		evconnlistener_enable(srv->lev);
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct sl_prov_http *srv = arg;
	struct timeval one = { 1, 0 };
	uint64_t dropped = 0;
	int e = EVUTIL_SOCKET_ERROR();

	if (sl_prov_ratelimit_allow(&srv->rl_err, &dropped))
		log_warn("http: accept failed: %s; pausing new connections for 1 s "
			 "(raise the open files limit if this repeats)", strerror(e));
	/* Out of descriptors: the socket stays readable, so stop polling it. */
	evconnlistener_disable(lev);
	evtimer_add(srv->resume, &one);
}

static struct evconnlistener *make_listener(struct sl_prov_http *srv,
					    const struct sl_prov_http_config *cfg)
{
	const unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
	const char *addr = cfg->bind_addr != NULL ? cfg->bind_addr : "0.0.0.0";
	struct sockaddr_storage ss;
	struct evconnlistener *lev;
	int type = 0;
	socklen_t tl = sizeof(type), sl;

	if (cfg->fd >= 0) {
		if (getsockopt(cfg->fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 ||
		    type != SOCK_STREAM || listen(cfg->fd, 64) != 0 ||
		    evutil_make_socket_nonblocking(cfg->fd) != 0) {
			log_err("http: the socket passed in is not a bound TCP socket; "
				"pass one bound with bind(2), or a port to bind");
			return NULL;
		}
		/* Not LEV_OPT_CLOSE_ON_FREE: sl_prov_http_free closes it, and
		 * a failed start leaves it to the caller. */
		return evconnlistener_new(srv->base, NULL, NULL, LEV_OPT_CLOSE_ON_EXEC,
					  -1, cfg->fd);
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(cfg->port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(cfg->port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		log_err("http: bind address \"%s\" is not a numeric IPv4 or IPv6 address; "
			"give one such as 0.0.0.0 or ::", addr);
		return NULL;
	}
	lev = evconnlistener_new_bind(srv->base, NULL, NULL, flags | LEV_OPT_REUSEABLE, 64,
				      (struct sockaddr *)&ss, (int)sl);
	if (lev == NULL)
		log_err("http: cannot listen on TCP %s port %u: %s (ports below 1024 need "
			"privileges: bind in the parent and pass the socket)", addr,
			(unsigned)cfg->port, strerror(errno));
	return lev;
}

static int apply_defaults(struct sl_prov_http_config *c)
{
	if (c->max_connections == 0)
		c->max_connections = DEF_MAX_CONNECTIONS;
	if (c->max_per_client == 0)
		c->max_per_client = DEF_MAX_PER_CLIENT;
	if (c->timeout == 0)
		c->timeout = DEF_TIMEOUT;
	if (c->max_headers_size == 0)
		c->max_headers_size = DEF_MAX_HEADERS;
	return 0;
}

static int open_tree(struct sl_prov_http *srv, const struct sl_prov_http_config *cfg)
{
	srv->dirfd = sl_prov_take_tree(cfg->dirfd, cfg->dir, "http");
	return srv->dirfd < 0 ? srv->dirfd : 0;
}

static int setup_http(struct sl_prov_http *srv)
{
	srv->http = evhttp_new(srv->base);
	if (srv->http == NULL)
		return -ENOMEM;
	/* Every method reaches on_request, which answers 405 with Allow. */
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
				   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
				   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
				   EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)srv->cfg.max_headers_size);
	evhttp_set_max_body_size(srv->http, MAX_BODY);
	evhttp_set_timeout(srv->http, (int)srv->cfg.timeout);
	evhttp_set_bevcb(srv->http, new_bev, srv);
	evhttp_set_gencb(srv->http, on_request, srv);
	return 0;
}

int sl_prov_http_new(struct event_base *base, const struct sl_prov_http_config *cfg,
		     struct sl_prov_http **out)
{
	struct sl_prov_http *srv;
	int rc;

	*out = NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return -ENOMEM;
	srv->base = base;
	srv->cfg = *cfg;
	srv->cfg.dir = NULL;
	srv->cfg.bind_addr = NULL;
	apply_defaults(&srv->cfg);
	sl_prov_ratelimit_init(&srv->rl_err, 5, 20);
	sl_prov_ratelimit_init(&srv->rl_req, 50, 100);
	rc = open_tree(srv, cfg);
	if (rc != 0)
		goto err_srv;
	rc = setup_http(srv);
	if (rc != 0)
		goto err_tree;
	srv->resume = evtimer_new(base, on_resume, srv);
	if (srv->resume == NULL) {
		rc = -ENOMEM;
		goto err_http;
	}
	srv->lev = make_listener(srv, cfg);
	if (srv->lev == NULL) {
		rc = -EINVAL;
		goto err_resume;
	}
	if (evhttp_bind_listener(srv->http, srv->lev) == NULL) {
		evconnlistener_free(srv->lev);	/* a caller's fd stays open */
		rc = -ENOMEM;
		goto err_resume;
	}
	evconnlistener_set_error_cb(srv->lev, on_accept_error);
	srv->passed_fd = cfg->fd;
	*out = srv;
	return 0;

err_resume:
	event_free(srv->resume);
err_http:
	evhttp_free(srv->http);
err_tree:
	close(srv->dirfd);
err_srv:
	free(srv);
	return rc;
}

void sl_prov_http_free(struct sl_prov_http *srv)
{
	if (srv == NULL)
		return;
	srv->closing = true;
	evhttp_free(srv->http);	/* frees the listener and every connection */
	if (srv->passed_fd >= 0)
		close(srv->passed_fd);
	event_free(srv->resume);
	close(srv->dirfd);
	free(srv);
}

void sl_prov_http_counters(const struct sl_prov_http *srv, struct sl_prov_http_counters *out)
{
	*out = srv->ctr;
}

uint16_t sl_prov_http_port(const struct sl_prov_http *srv)
{
	return sl_prov_sock_port(evconnlistener_get_fd(srv->lev));
}
