/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client side of the data plane control protocol (dp_proto.h) over a Unix
 * stream socket. Blocking, one request at a time:
 *
 *   send request (seq n) -> read messages until the reply with seq n;
 *   events (PUNT, LATCH) read on the way are queued for sl_dp_next_event.
 *
 * Any framing or I/O problem (bad magic, wrong length, wrong seq, timeout,
 * EOF) leaves the byte stream in an unknown state, so the client marks the
 * connection broken and every later call fails with the same reason: fail
 * closed rather than pair a reply with the wrong request.
 *
 * Buffers that held a FLOW_ADD/FLOW_MOD body (SRTP master keys) are wiped
 * with sl_wipe; we wipe every request buffer, which costs nothing here.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dp_client.h"
#include "dp_client_priv.h"
#include "engine.h"

#define DEFAULT_TIMEOUT_MS 5000
#define EVENT_QUEUE        32     /* events kept while waiting for a reply */

struct queued_event {
	uint16_t type;
	uint32_t len;
	uint8_t *body;
};

struct sl_dp_client {
	int fd;
	uint32_t seq;
	int timeout_ms;               /* per reply */
	bool broken;
	char broken_msg[256];
	char peer_name[32];
	unsigned ev_head, ev_count;
	uint64_t ev_dropped;
	struct queued_event ev[EVENT_QUEUE];
	uint8_t rx[SL_DP_MSG_MAX];    /* body of the last message read */
};

static const char *const msg_names[SL_DP_MSG__COUNT] = {
	[0] = "header",
	[SL_DP_HELLO] = "HELLO",
	[SL_DP_OK] = "OK",
	[SL_DP_ERROR] = "ERROR",
	[SL_DP_FLOW_ADD] = "FLOW_ADD",
	[SL_DP_FLOW_MOD] = "FLOW_MOD",
	[SL_DP_FLOW_DEL] = "FLOW_DEL",
	[SL_DP_FLOW_GET] = "FLOW_GET",
	[SL_DP_FLOW_INFO] = "FLOW_INFO",
	[SL_DP_FLOW_LIST] = "FLOW_LIST",
	[SL_DP_FLOW_LIST_REPLY] = "FLOW_LIST_REPLY",
	[SL_DP_FLOW_FLUSH] = "FLOW_FLUSH",
	[SL_DP_STATS_GET] = "STATS_GET",
	[SL_DP_STATS] = "STATS",
	[SL_DP_STATUS_GET] = "STATUS_GET",
	[SL_DP_STATUS] = "STATUS",
	[SL_DP_SUBSCRIBE] = "SUBSCRIBE",
	[SL_DP_EVENT_PUNT] = "EVENT_PUNT",
	[SL_DP_EVENT_LATCH] = "EVENT_LATCH",
};

const char *sl_dp_msg_name(unsigned type)
{
	return type < SL_DP_MSG__COUNT && msg_names[type] ? msg_names[type] : "unknown";
}

static const char *const err_names[] = {
	[SL_DP_E_OK] = "success",
	[SL_DP_E_FRAMING] = "control connection failed (I/O or framing error)",
	[SL_DP_E_VERSION] = "control protocol version or message sizes differ",
	[SL_DP_E_TYPE] = "unknown or unexpected message type",
	[SL_DP_E_INVAL] = "invalid argument",
	[SL_DP_E_EXISTS] = "a flow with the same match already exists",
	[SL_DP_E_NOENT] = "no such flow",
	[SL_DP_E_FULL] = "flow table full",
	[SL_DP_E_CRYPTO] = "SRTP key setup failed",
	[SL_DP_E_NOMEM] = "out of memory",
	[SL_DP_E_PORT] = "no such port",
	[SL_DP_E_NOTSUP] = "not supported by this data plane",
};

const char *sl_dp_strerror(int code)
{
	if (code < 0)
		code = -code;
	if ((size_t)code < sizeof(err_names) / sizeof(err_names[0]))
		return err_names[code];
	return "unknown error";
}

__attribute__((format(printf, 4, 5)))
static int fail(int code, char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -code;
}

/* Marks the stream unusable and reports why (now and on every later call). */
__attribute__((format(printf, 4, 5)))
static int broken(struct sl_dp_client *c, char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->broken_msg, sizeof(c->broken_msg), fmt, ap);
	va_end(ap);
	c->broken = true;
	return fail(SL_DP_E_FRAMING, msg, msglen, "%s", c->broken_msg);
}

/* ---- time and raw I/O ---------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (-1 = no deadline: wait forever). */
static int left_ms(int64_t deadline)
{
	int64_t l;

	if (deadline < 0)
		return -1;
	l = deadline - now_ms();
	return l < 0 ? 0 : (l > 3600000 ? 3600000 : (int)l);
}

static void timeout_text(int ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%d s", ms / 1000);
	else
		snprintf(buf, len, "%.3g s", ms / 1000.0);
}

/* 1 = readable/writable, 0 = deadline passed, <0 = -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int rc = poll(&p, 1, left_ms(deadline));

		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* IO_STALL: a message started but did not complete in time. */
enum io_result { IO_OK = 0, IO_TIMEOUT, IO_STALL, IO_EOF, IO_ERR };

/*
 * Reads exactly len bytes. The first byte may take until first_deadline
 * (-1 = forever); once something arrived the rest must follow within
 * rest_ms (a message, once started, must complete).
 */
static enum io_result read_full(int fd, void *buf, size_t len, int64_t first_deadline,
				int rest_ms, int *err)
{
	uint8_t *p = buf;
	size_t got = 0;
	int64_t deadline = first_deadline;

	while (got < len) {
		int w = wait_fd(fd, POLLIN, deadline);
		ssize_t n;

		if (w == 0)
			return got ? IO_STALL : IO_TIMEOUT;
		if (w < 0) {
			*err = -w;
			return IO_ERR;
		}
		n = recv(fd, p + got, len - got, MSG_DONTWAIT);
		if (n == 0)
			return IO_EOF;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			*err = errno;
			return IO_ERR;
		}
		if (got == 0)
			deadline = now_ms() + rest_ms;
		got += (size_t)n;
	}
	return IO_OK;
}

static enum io_result write_full(int fd, const void *buf, size_t len, int64_t deadline, int *err)
{
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < len) {
		int w = wait_fd(fd, POLLOUT, deadline);
		ssize_t n;

		if (w == 0)
			return IO_TIMEOUT;
		if (w < 0) {
			*err = -w;
			return IO_ERR;
		}
		/* MSG_NOSIGNAL: a data plane that went away is an error, not SIGPIPE. */
		n = send(fd, p + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			*err = errno;
			return errno == EPIPE || errno == ECONNRESET ? IO_EOF : IO_ERR;
		}
		done += (size_t)n;
	}
	return IO_OK;
}

static int io_fail(struct sl_dp_client *c, enum io_result r, int err, const char *what,
		   char *msg, size_t msglen)
{
	char t[32];

	switch (r) {
	case IO_TIMEOUT:
	case IO_STALL:
		timeout_text(c->timeout_ms, t, sizeof(t));
		return broken(c, msg, msglen, "data plane did not answer within %s (%s); is it stuck? check shieldlock-dp's log",
			      t, what);
	case IO_EOF:
		return broken(c, msg, msglen, "the data plane closed the control connection (%s); is shieldlock-dp still running?",
			      what);
	default:
		return broken(c, msg, msglen, "control socket error while %s: %s", what, strerror(err));
	}
}

/* ---- framing ------------------------------------------------------------------ */

static int send_msg(struct sl_dp_client *c, uint16_t type, uint32_t seq, const void *body,
		    uint32_t len, char *msg, size_t msglen)
{
	struct sl_dp_hdr h = {
		.magic = SL_DP_MAGIC, .version = SL_DP_VERSION, .type = type, .len = len, .seq = seq,
	};
	size_t total = sizeof(h) + len;
	uint8_t *buf;
	enum io_result r;
	int err = 0;

	if (len > SL_DP_MSG_MAX)
		return fail(SL_DP_E_INVAL, msg, msglen, "%s request of %u bytes exceeds the %u-byte limit",
			    sl_dp_msg_name(type), len, SL_DP_MSG_MAX);
	/* One buffer, one send: the message cannot be interleaved or split oddly. */
	buf = malloc(total);
	if (!buf)
		return fail(SL_DP_E_NOMEM, msg, msglen, "out of memory");
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	r = write_full(c->fd, buf, total, now_ms() + c->timeout_ms, &err);
	sl_wipe(buf, total);
	free(buf);
	if (r != IO_OK)
		return io_fail(c, r, err, "sending the request", msg, msglen);
	return 0;
}

/* hdr.len must be exactly the type's size (variable types: at least it). */
static int check_len(struct sl_dp_client *c, const struct sl_dp_hdr *h, char *msg, size_t msglen)
{
	uint32_t want = sl_dp_body_size(h->type);

	if (h->len > SL_DP_MSG_MAX)
		return broken(c, msg, msglen, "data plane sent a %s message of %u bytes (limit %u): protocol error",
			      sl_dp_msg_name(h->type), h->len, SL_DP_MSG_MAX);
	if (sl_dp_is_variable(h->type) ? h->len < want : h->len != want)
		return broken(c, msg, msglen, "data plane sent a %s message of %u bytes, expected %s%u: protocol error",
			      sl_dp_msg_name(h->type), h->len,
			      sl_dp_is_variable(h->type) ? "at least " : "", want);
	return 0;
}

/*
 * Reads one message into *h and c->rx. first_ms: how long to wait for it
 * to start (-1 = forever); once started it must complete within the reply
 * timeout. Returns 0, 1 on a quiet timeout (nothing arrived), or -code.
 */
static int read_msg(struct sl_dp_client *c, int first_ms, struct sl_dp_hdr *h, bool quiet,
		    const char *what, char *msg, size_t msglen)
{
	int64_t first = first_ms < 0 ? -1 : now_ms() + first_ms;
	enum io_result r;
	int err = 0;

	r = read_full(c->fd, h, sizeof(*h), first, c->timeout_ms, &err);
	if (r == IO_TIMEOUT && quiet)
		return 1;
	if (r != IO_OK)
		return io_fail(c, r, err, what, msg, msglen);
	if (h->magic != SL_DP_MAGIC)
		return broken(c, msg, msglen, "data plane sent a message with bad magic 0x%08x (expected 0x%08x): is %s a shieldlock-dp control socket?",
			      h->magic, SL_DP_MAGIC, "the peer");
	if (h->type == 0 || h->type >= SL_DP_MSG__COUNT)
		return broken(c, msg, msglen, "data plane sent unknown message type %u: protocol error",
			      h->type);
	if (h->type == SL_DP_HELLO) {
		/* Versions may differ: the hello is read whole and compared field by field. */
		if (h->len > SL_DP_MSG_MAX)
			return broken(c, msg, msglen, "data plane hello of %u bytes: protocol error", h->len);
	} else {
		if (h->version != SL_DP_VERSION)
			return broken(c, msg, msglen, "data plane sent protocol version %u, we speak %u",
				      h->version, SL_DP_VERSION);
		if (check_len(c, h, msg, msglen) < 0)
			return -SL_DP_E_FRAMING;
	}
	r = read_full(c->fd, c->rx, h->len, now_ms() + c->timeout_ms, c->timeout_ms, &err);
	if (r != IO_OK)
		return io_fail(c, r, err, what, msg, msglen);
	return 0;
}

static bool is_event(uint16_t type)
{
	return type == SL_DP_EVENT_PUNT || type == SL_DP_EVENT_LATCH;
}

/* Keeps an event read while waiting for a reply; drops the oldest if full. */
static void queue_event(struct sl_dp_client *c, const struct sl_dp_hdr *h)
{
	struct queued_event *e;
	uint8_t *body = malloc(h->len ? h->len : 1);

	if (!body) {
		c->ev_dropped++;
		return;
	}
	memcpy(body, c->rx, h->len);
	if (c->ev_count == EVENT_QUEUE) {
		e = &c->ev[c->ev_head];
		free(e->body);
		c->ev_head = (c->ev_head + 1) % EVENT_QUEUE;
		c->ev_count--;
		c->ev_dropped++;
	}
	e = &c->ev[(c->ev_head + c->ev_count) % EVENT_QUEUE];
	e->type = h->type;
	e->len = h->len;
	e->body = body;
	c->ev_count++;
}

/* ---- request / reply --------------------------------------------------------- */

static int copy_error(const void *body, char *msg, size_t msglen)
{
	struct sl_dp_error e;
	int code;

	memcpy(&e, body, sizeof(e));
	e.msg[sizeof(e.msg) - 1] = '\0';
	code = e.code;
	if (code <= 0 || code > 1000)
		code = SL_DP_E_INVAL;
	return fail(code, msg, msglen, "%s", e.msg[0] ? e.msg : sl_dp_strerror(code));
}

int sl_dp_client_call(struct sl_dp_client *c, uint16_t type, const void *body, uint32_t len,
		      uint16_t *reply_type, void *reply, uint32_t cap, uint32_t *reply_len,
		      char *msg, size_t msglen)
{
	struct sl_dp_hdr h;
	uint32_t seq;
	int rc;

	if (!c)
		return fail(SL_DP_E_INVAL, msg, msglen, "not connected");
	if (c->broken)
		return fail(SL_DP_E_FRAMING, msg, msglen, "%s", c->broken_msg);
	seq = ++c->seq;
	if (seq == 0)
		seq = ++c->seq;
	rc = send_msg(c, type, seq, body, len, msg, msglen);
	if (rc < 0)
		return rc;
	for (;;) {
		rc = read_msg(c, c->timeout_ms, &h, false, "waiting for the reply", msg, msglen);
		if (rc < 0)
			return rc;
		if (is_event(h.type)) {
			queue_event(c, &h);
			continue;
		}
		break;
	}
	if (h.seq != seq)
		return broken(c, msg, msglen, "data plane answered %s request %u with %s for request %u: protocol error (reconnect)",
			      sl_dp_msg_name(type), seq, sl_dp_msg_name(h.type), h.seq);
	if (reply_type)
		*reply_type = h.type;
	if (reply_len)
		*reply_len = h.len;
	if (h.type == SL_DP_ERROR)
		return copy_error(c->rx, msg, msglen);
	if (h.len > cap)
		return fail(SL_DP_E_NOMEM, msg, msglen, "%s reply of %u bytes does not fit the caller's %u-byte buffer",
			    sl_dp_msg_name(h.type), h.len, cap);
	if (h.len)
		memcpy(reply, c->rx, h.len);
	return 0;
}

/* A call whose reply must be of one type (dp_client_priv.h). */
int sl_dp_call_expect(struct sl_dp_client *c, uint16_t type, const void *body, uint32_t len,
		      uint16_t want, void *reply, uint32_t cap, uint32_t *rlen, char *msg, size_t msglen)
{
	uint16_t rt = 0;
	uint32_t rl = 0;
	int rc = sl_dp_client_call(c, type, body, len, &rt, reply, cap, &rl, msg, msglen);

	if (rc < 0)
		return rc;
	if (rt != want)
		return fail(SL_DP_E_TYPE, msg, msglen, "data plane answered %s with %s, expected %s",
			    sl_dp_msg_name(type), sl_dp_msg_name(rt), sl_dp_msg_name(want));
	if (rlen)
		*rlen = rl;
	return 0;
}

/* A reply that is well framed but inconsistent (dp_client_priv.h). */
int sl_dp_client_protocol_error(struct sl_dp_client *c, char *msg, size_t msglen, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return broken(c, msg, msglen, "%s: protocol error", text);
}

/* ---- hello ---------------------------------------------------------------------- */

static void fill_hello(struct sl_dp_hello *hello, const char *name)
{
	memset(hello, 0, sizeof(*hello));
	hello->version = SL_DP_VERSION;
	hello->nsizes = SL_DP_MSG__COUNT;
	for (unsigned t = 0; t < SL_DP_MSG__COUNT; t++)
		hello->sizes[t] = sl_dp_body_size(t);
	snprintf(hello->name, sizeof(hello->name), "%s", name ? name : "sl_dp_client");
}

/* Compares the server's hello (hlen bytes in c->rx) with ours. */
static int check_hello(struct sl_dp_client *c, uint32_t hlen, char *msg, size_t msglen)
{
	struct sl_dp_hello theirs;
	uint32_t n;

	memset(&theirs, 0, sizeof(theirs));
	if (hlen < 8)
		return fail(SL_DP_E_VERSION, msg, msglen, "data plane hello is only %u bytes", hlen);
	memcpy(&theirs, c->rx, hlen < sizeof(theirs) ? hlen : sizeof(theirs));
	if (theirs.version != SL_DP_VERSION)
		return fail(SL_DP_E_VERSION, msg, msglen,
			    "data plane speaks control protocol version %u, this client version %u: use a shieldlockctl from the same release as shieldlock-dp",
			    theirs.version, SL_DP_VERSION);
	n = theirs.nsizes < SL_DP_MSG__COUNT ? theirs.nsizes : SL_DP_MSG__COUNT;
	for (unsigned t = 0; t < n && 8 + 4 * (t + 1) <= hlen; t++)
		if (theirs.sizes[t] != sl_dp_body_size(t))
			return fail(SL_DP_E_VERSION, msg, msglen,
				    "message size mismatch for %s: data plane %u bytes, client %u bytes (built from different dp_proto.h; rebuild both from one tree)",
				    sl_dp_msg_name(t), theirs.sizes[t], sl_dp_body_size(t));
	if (theirs.nsizes != SL_DP_MSG__COUNT || hlen != sizeof(theirs))
		return fail(SL_DP_E_VERSION, msg, msglen,
			    "data plane knows %u message types (hello %u bytes), client %u (%zu bytes): rebuild both from one tree",
			    theirs.nsizes, hlen, SL_DP_MSG__COUNT, sizeof(theirs));
	memcpy(c->peer_name, theirs.name, sizeof(c->peer_name));
	c->peer_name[sizeof(c->peer_name) - 1] = '\0';
	return 0;
}

static int do_hello(struct sl_dp_client *c, const char *name, char *msg, size_t msglen)
{
	struct sl_dp_hello hello;
	struct sl_dp_hdr h;
	uint32_t seq = ++c->seq;
	int rc;

	fill_hello(&hello, name);
	rc = send_msg(c, SL_DP_HELLO, seq, &hello, sizeof(hello), msg, msglen);
	if (rc < 0)
		return rc;
	rc = read_msg(c, c->timeout_ms, &h, false, "waiting for the data plane's hello", msg, msglen);
	if (rc < 0)
		return rc;
	if (h.type == SL_DP_ERROR) {
		char m[256];

		rc = copy_error(c->rx, m, sizeof(m));
		return fail(-rc, msg, msglen, "data plane refused the hello: %s", m);
	}
	if (h.type != SL_DP_HELLO)
		return fail(SL_DP_E_FRAMING, msg, msglen, "data plane answered HELLO with %s: protocol error",
			    sl_dp_msg_name(h.type));
	/* The seq of the hello reply is not checked: it is the first message either way. */
	return check_hello(c, h.len, msg, msglen);
}

/* ---- connect / close -------------------------------------------------------------- */

static const char *connect_hint(int err)
{
	switch (err) {
	case ENOENT:
	case ECONNREFUSED:
		return "is shieldlock-dp running? --ctl-socket";
	case EACCES:
	case EPERM:
		return "run as root or as the data plane's user";
	default:
		return "check the socket path";
	}
}

static int default_timeout(void)
{
	const char *e = getenv("SHIELDLOCK_DP_TIMEOUT_MS");
	char *end;
	long v;

	if (!e || !*e)
		return DEFAULT_TIMEOUT_MS;
	v = strtol(e, &end, 10);
	return (*end || v <= 0 || v > 3600000) ? DEFAULT_TIMEOUT_MS : (int)v;
}

static int open_socket(const char *path, char *msg, size_t msglen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (!path || !*path)
		return fail(SL_DP_E_INVAL, msg, msglen, "no control socket path given");
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(SL_DP_E_INVAL, msg, msglen,
			    "control socket path '%s' is longer than %zu bytes (a Unix socket limit): use a shorter path",
			    path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(SL_DP_E_FRAMING, msg, msglen, "cannot create a Unix socket: %s", strerror(errno));
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		err = errno;
		close(fd);
		return fail(SL_DP_E_FRAMING, msg, msglen, "cannot connect to the data plane at %s: %s (%s)",
			    path, strerror(err), connect_hint(err));
	}
	return fd;
}

struct sl_dp_client *sl_dp_client_connect(const char *path, const char *name,
					  char *msg, size_t msglen)
{
	struct sl_dp_client *c;
	int fd = open_socket(path, msg, msglen);

	if (fd < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		fail(SL_DP_E_NOMEM, msg, msglen, "out of memory");
		return NULL;
	}
	c->fd = fd;
	c->timeout_ms = default_timeout();
	if (do_hello(c, name, msg, msglen) < 0) {
		sl_dp_client_close(c);
		return NULL;
	}
	return c;
}

void sl_dp_client_close(struct sl_dp_client *c)
{
	if (!c)
		return;
	while (c->ev_count) {
		free(c->ev[c->ev_head].body);
		c->ev_head = (c->ev_head + 1) % EVENT_QUEUE;
		c->ev_count--;
	}
	if (c->fd >= 0)
		close(c->fd);
	sl_wipe(c->rx, sizeof(c->rx));
	free(c);
}

int sl_dp_client_fd(const struct sl_dp_client *c)
{
	return c ? c->fd : -1;
}

void sl_dp_client_set_timeout(struct sl_dp_client *c, int timeout_ms)
{
	if (c)
		c->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
}

const char *sl_dp_client_peer_name(const struct sl_dp_client *c)
{
	return c ? c->peer_name : "";
}

uint64_t sl_dp_client_events_dropped(const struct sl_dp_client *c)
{
	return c ? c->ev_dropped : 0;
}

/* ---- events ---------------------------------------------------------------------- */

static int deliver_event(uint16_t etype, const void *body, uint32_t blen, uint16_t *type,
			 void *buf, uint32_t cap, uint32_t *len, char *msg, size_t msglen)
{
	if (blen > cap)
		return fail(SL_DP_E_NOMEM, msg, msglen, "%s event of %u bytes does not fit the %u-byte buffer",
			    sl_dp_msg_name(etype), blen, cap);
	if (type)
		*type = etype;
	if (len)
		*len = blen;
	if (blen)
		memcpy(buf, body, blen);
	return 1;
}

int sl_dp_next_event(struct sl_dp_client *c, int timeout_ms, uint16_t *type, void *buf,
		     uint32_t cap, uint32_t *len, char *msg, size_t msglen)
{
	struct sl_dp_hdr h;
	int rc;

	if (!c)
		return fail(SL_DP_E_INVAL, msg, msglen, "not connected");
	if (c->ev_count) {
		struct queued_event *e = &c->ev[c->ev_head];

		rc = deliver_event(e->type, e->body, e->len, type, buf, cap, len, msg, msglen);
		if (rc < 0)
			return rc;
		free(e->body);
		c->ev_head = (c->ev_head + 1) % EVENT_QUEUE;
		c->ev_count--;
		return 1;
	}
	if (c->broken)
		return fail(SL_DP_E_FRAMING, msg, msglen, "%s", c->broken_msg);
	rc = read_msg(c, timeout_ms, &h, true, "waiting for events", msg, msglen);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (!is_event(h.type))
		return broken(c, msg, msglen, "data plane sent %s (seq %u) while no request was pending: protocol error",
			      sl_dp_msg_name(h.type), h.seq);
	return deliver_event(h.type, c->rx, h.len, type, buf, cap, len, msg, msglen);
}
