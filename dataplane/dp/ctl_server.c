/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server (ctl_server.h, docs/dp-control.md).
 *
 * One poll() loop on the main lcore serves up to DP_CTL_MAX_CLIENTS
 * connections. Each connection has an input buffer large enough for the
 * largest message, so a message that arrives in pieces simply waits, and an
 * output buffer: the server never blocks on a slow client. Replies always
 * find room because a client's requests are only read while its output
 * buffer is at most half full; events are dropped (and counted) when the
 * buffer is over half full, so a subscriber that does not read can never
 * stall the data plane.
 *
 * Framing errors (bad magic, version, length) close the connection after
 * the SL_DP_ERROR reply: the stream cannot be resynchronised. Unknown types
 * with a sane length are skipped; field errors only get the reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "ctl_server.h"
#include "flowtab.h"

#define IN_CAP   (sizeof(struct sl_dp_hdr) + SL_DP_MSG_MAX)
#define OUT_CAP  (8 * IN_CAP)
#define OUT_SOFT (OUT_CAP / 2)   /* above this: no new requests, no events */
#define DRAIN_MAX 256            /* ring entries per dp_ctl_poll call */

struct client {
	int fd;                    /* -1: free slot */
	unsigned conn;             /* connection number, for logs */
	bool hello, closing;
	uint32_t sub;              /* SL_DP_SUB_* */
	pid_t pid;
	uid_t uid;
	char name[32];
	uint8_t *in;               /* IN_CAP bytes */
	size_t inlen;
	uint8_t *out;              /* OUT_CAP bytes: [outoff, outlen) pending */
	size_t outoff, outlen;
	uint64_t dropped;          /* events not queued: buffer over half full */
};

struct dp_ctl {
	struct dp *dp;
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned nconn;
	struct client cl[DP_CTL_MAX_CLIENTS];
	uint8_t *scratch;          /* one reply body (LIST_REPLY, punt event) */
};

int dp_ctl_log_max = LOG_INFO;
static uint64_t g_punt_drop, g_events_dropped;

void dp_ctl_log(int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	const char *lv = level <= LOG_ERR ? "error" : level == LOG_WARNING ? "warning" : "info";

	if (level > dp_ctl_log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "shieldlock-dp: %s: %s\n", lv, line);
}

static const char *const msg_names[SL_DP_MSG__COUNT] = {
	[0] = "header",
	[SL_DP_HELLO] = "HELLO", [SL_DP_OK] = "OK", [SL_DP_ERROR] = "ERROR",
	[SL_DP_FLOW_ADD] = "FLOW_ADD", [SL_DP_FLOW_MOD] = "FLOW_MOD",
	[SL_DP_FLOW_DEL] = "FLOW_DEL", [SL_DP_FLOW_GET] = "FLOW_GET",
	[SL_DP_FLOW_INFO] = "FLOW_INFO", [SL_DP_FLOW_LIST] = "FLOW_LIST",
	[SL_DP_FLOW_LIST_REPLY] = "FLOW_LIST_REPLY", [SL_DP_FLOW_FLUSH] = "FLOW_FLUSH",
	[SL_DP_STATS_GET] = "STATS_GET", [SL_DP_STATS] = "STATS",
	[SL_DP_STATUS_GET] = "STATUS_GET", [SL_DP_STATUS] = "STATUS",
	[SL_DP_SUBSCRIBE] = "SUBSCRIBE", [SL_DP_EVENT_PUNT] = "EVENT_PUNT",
	[SL_DP_EVENT_LATCH] = "EVENT_LATCH",
};

void dp_ctl_stats_fill(const struct dp *dp, struct sl_dp_stats *st)
{
	dp_stats_fill(dp, st);
	if (dp->ft) {
		st->flows = dp_flowtab_count(dp->ft);
		st->flows_capacity = dp_flowtab_capacity(dp->ft);
	}
	st->punt_drop += __atomic_load_n(&g_punt_drop, __ATOMIC_RELAXED);
}

uint64_t dp_ctl_events_dropped(void)
{
	return __atomic_load_n(&g_events_dropped, __ATOMIC_RELAXED);
}

int dp_ctl_fd(const struct dp_ctl *c)
{
	return c->lfd;
}

/* aligned_alloc wants a size that is a multiple of the alignment. */
static void *alloc64(size_t n)
{
	return aligned_alloc(64, (n + 63) & ~(size_t)63);
}

/* ---- output ------------------------------------------------------------- */

static int queue_msg(struct client *cl, uint16_t type, uint32_t seq,
		     const void *b1, uint32_t l1, const void *b2, uint32_t l2)
{
	struct sl_dp_hdr h = {
		.magic = SL_DP_MAGIC, .version = SL_DP_VERSION,
		.type = type, .len = l1 + l2, .seq = seq,
	};
	size_t need = sizeof(h) + l1 + l2;

	if (cl->outlen + need > OUT_CAP && cl->outoff) {
		memmove(cl->out, cl->out + cl->outoff, cl->outlen - cl->outoff);
		cl->outlen -= cl->outoff;
		cl->outoff = 0;
	}
	if (cl->outlen + need > OUT_CAP)
		return -ENOBUFS;
	memcpy(cl->out + cl->outlen, &h, sizeof(h));
	if (l1)
		memcpy(cl->out + cl->outlen + sizeof(h), b1, l1);
	if (l2)
		memcpy(cl->out + cl->outlen + sizeof(h) + l1, b2, l2);
	cl->outlen += need;
	return 0;
}

static void reply_error(struct client *cl, uint32_t seq, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reply_error(struct client *cl, uint32_t seq, int code, const char *fmt, ...)
{
	struct sl_dp_error e = { .code = code };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	queue_msg(cl, SL_DP_ERROR, seq, &e, sizeof(e), NULL, 0);
}

/* Replies with the result of a flow table call: OK{id} or ERROR{msg}. */
static void reply_rc(struct client *cl, uint32_t seq, int rc, uint64_t id, const char *msg)
{
	struct sl_dp_ok ok = { .id = id };

	if (rc == 0)
		queue_msg(cl, SL_DP_OK, seq, &ok, sizeof(ok), NULL, 0);
	else
		reply_error(cl, seq, -rc, "%s", msg);
}

/* ---- connections -------------------------------------------------------- */

static void client_close(struct dp_ctl *c, struct client *cl, const char *why)
{
	if (cl->fd < 0)
		return;
	dp_ctl_log(LOG_INFO, "control client %u (pid %d%s%s) closed: %s", cl->conn, (int)cl->pid,
		   cl->name[0] ? ", " : "", cl->name, why);
	close(cl->fd);
	cl->fd = -1;
	/* May still hold FLOW_ADD/MOD bytes (keys). */
	sl_wipe(cl->in, IN_CAP);
	free(cl->in);
	free(cl->out);
	cl->in = cl->out = NULL;
	(void)c;
}

static void accept_one(struct dp_ctl *c)
{
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct client *cl = NULL;
	int fd;

	fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			dp_ctl_log(LOG_WARNING, "control socket: accept: %s", strerror(errno));
		return;
	}
	c->nconn++;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0) {
		dp_ctl_log(LOG_WARNING, "control connection %u refused: no peer credentials (%s)",
			   c->nconn, strerror(errno));
		close(fd);
		return;
	}
	/* Only root, our own user and the --ctl-user may program the data plane. */
	if (cr.uid != 0 && cr.uid != geteuid() &&
	    !(c->dp->cfg.ctl_user_set && cr.uid == c->dp->cfg.ctl_uid)) {
		dp_ctl_log(LOG_WARNING, "control connection %u refused: peer pid %d uid %u is neither "
			   "root nor uid %u%s%s", c->nconn, (int)cr.pid, (unsigned)cr.uid,
			   (unsigned)geteuid(), c->dp->cfg.ctl_user_set ? " nor --ctl-user " : "",
			   c->dp->cfg.ctl_user_set ? c->dp->cfg.ctl_user : "");
		close(fd);
		return;
	}
	for (unsigned i = 0; i < DP_CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd < 0) {
			cl = &c->cl[i];
			break;
		}
	if (!cl) {
		dp_ctl_log(LOG_WARNING, "control connection %u refused: already %d clients",
			   c->nconn, DP_CTL_MAX_CLIENTS);
		close(fd);
		return;
	}
	memset(cl, 0, sizeof(*cl));
	cl->in = alloc64(IN_CAP);
	cl->out = alloc64(OUT_CAP);
	if (!cl->in || !cl->out) {
		free(cl->in);
		free(cl->out);
		cl->fd = -1;
		close(fd);
		dp_ctl_log(LOG_ERR, "control connection %u refused: out of memory", c->nconn);
		return;
	}
	cl->fd = fd;
	cl->conn = c->nconn;
	cl->pid = cr.pid;
	cl->uid = cr.uid;
	dp_ctl_log(LOG_INFO, "control client %u connected (pid %d, uid %u)", cl->conn,
		   (int)cr.pid, (unsigned)cr.uid);
}

/* ---- requests ----------------------------------------------------------- */

static void do_hello(struct dp_ctl *c, struct client *cl, uint32_t seq, const void *body)
{
	struct sl_dp_hello h, mine = { .version = SL_DP_VERSION, .nsizes = SL_DP_MSG__COUNT };

	memcpy(&h, body, sizeof(h));
	h.name[sizeof(h.name) - 1] = 0;
	for (char *p = h.name; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	snprintf(cl->name, sizeof(cl->name), "%s", h.name);
	if (h.version != SL_DP_VERSION) {
		reply_error(cl, seq, SL_DP_E_VERSION,
			    "hello: protocol version %u, this data plane speaks %u; use matching builds",
			    h.version, SL_DP_VERSION);
		goto mismatch;
	}
	if (h.nsizes != SL_DP_MSG__COUNT) {
		reply_error(cl, seq, SL_DP_E_VERSION,
			    "hello: client knows %u message types, this data plane %u; rebuild both from the same dp_proto.h",
			    h.nsizes, SL_DP_MSG__COUNT);
		goto mismatch;
	}
	for (unsigned i = 0; i < SL_DP_MSG__COUNT; i++) {
		if (h.sizes[i] == sl_dp_body_size(i))
			continue;
		reply_error(cl, seq, SL_DP_E_VERSION,
			    "hello: %s is %u bytes for the client, %u here; rebuild both from the same dp_proto.h",
			    msg_names[i], h.sizes[i], sl_dp_body_size(i));
		goto mismatch;
	}
	for (unsigned i = 0; i < SL_DP_MSG__COUNT; i++)
		mine.sizes[i] = sl_dp_body_size(i);
	snprintf(mine.name, sizeof(mine.name), "shieldlock-dp %s", DP_VERSION);
	queue_msg(cl, SL_DP_HELLO, seq, &mine, sizeof(mine), NULL, 0);
	if (!cl->hello)
		dp_ctl_log(LOG_INFO, "control client %u: hello from \"%s\"", cl->conn, cl->name);
	cl->hello = true;
	(void)c;
	return;
mismatch:
	dp_ctl_log(LOG_WARNING, "control client %u (\"%s\"): hello refused (protocol mismatch)",
		   cl->conn, cl->name);
	cl->closing = true;
}

static void do_flow_add_mod(struct dp_ctl *c, struct client *cl, const struct sl_dp_hdr *h,
			    const void *body)
{
	struct sl_dp_flow_spec spec;
	char msg[sizeof(((struct sl_dp_error *)0)->msg)] = "";
	uint64_t id = 0;
	int rc;

	memcpy(&spec, body, sizeof(spec));
	if (h->type == SL_DP_FLOW_ADD)
		rc = dp_flowtab_add(c->dp->ft, &spec, &id, msg, sizeof(msg));
	else
		rc = dp_flowtab_mod(c->dp->ft, &spec, msg, sizeof(msg));
	sl_wipe(&spec, sizeof(spec));
	reply_rc(cl, h->seq, rc, id, msg);
	if (rc)
		dp_ctl_log(LOG_INFO, "control client %u: %s refused: %s", cl->conn,
			   msg_names[h->type], msg);
}

static void do_flow_list(struct dp_ctl *c, struct client *cl, uint32_t seq, const void *body)
{
	struct sl_dp_flow_list_req req;
	struct sl_dp_flow_list_reply rep = { 0 };
	struct sl_dp_flow_info *fi = (struct sl_dp_flow_info *)c->scratch;

	memcpy(&req, body, sizeof(req));
	if (req.max == 0 || req.max > SL_DP_LIST_MAX)
		req.max = SL_DP_LIST_MAX;
	rep.count = dp_flowtab_list(c->dp->ft, req.cursor, req.max, fi, &rep.next_cursor);
	queue_msg(cl, SL_DP_FLOW_LIST_REPLY, seq, &rep, sizeof(rep), fi,
		  rep.count * sizeof(*fi));
}

static void do_request(struct dp_ctl *c, struct client *cl, const struct sl_dp_hdr *h,
		       const void *body)
{
	char msg[sizeof(((struct sl_dp_error *)0)->msg)] = "";
	struct sl_dp_flow_ref ref;
	int rc;

	if (h->type == SL_DP_HELLO) {
		do_hello(c, cl, h->seq, body);
		return;
	}
	if (!cl->hello) {
		reply_error(cl, h->seq, SL_DP_E_TYPE,
			    "%s before HELLO: a session starts with the hello exchange",
			    msg_names[h->type]);
		return;
	}
	switch (h->type) {
	case SL_DP_FLOW_ADD:
	case SL_DP_FLOW_MOD:
	case SL_DP_FLOW_DEL:
	case SL_DP_FLOW_GET:
	case SL_DP_FLOW_LIST:
	case SL_DP_FLOW_FLUSH:
		if (!c->dp->ft) {
			reply_error(cl, h->seq, SL_DP_E_NOTSUP, "the flow table is not set up yet");
			return;
		}
		break;
	default:
		break;
	}
	switch (h->type) {
	case SL_DP_FLOW_ADD:
	case SL_DP_FLOW_MOD:
		do_flow_add_mod(c, cl, h, body);
		break;
	case SL_DP_FLOW_DEL:
		memcpy(&ref, body, sizeof(ref));
		rc = dp_flowtab_del(c->dp->ft, ref.id, msg, sizeof(msg));
		reply_rc(cl, h->seq, rc, 0, msg);
		break;
	case SL_DP_FLOW_GET: {
		struct sl_dp_flow_info fi;

		memcpy(&ref, body, sizeof(ref));
		rc = dp_flowtab_get(c->dp->ft, ref.id, &fi, msg, sizeof(msg));
		if (rc)
			reply_rc(cl, h->seq, rc, 0, msg);
		else
			queue_msg(cl, SL_DP_FLOW_INFO, h->seq, &fi, sizeof(fi), NULL, 0);
		break;
	}
	case SL_DP_FLOW_LIST:
		do_flow_list(c, cl, h->seq, body);
		break;
	case SL_DP_FLOW_FLUSH: {
		uint64_t n = dp_flowtab_flush(c->dp->ft);

		dp_ctl_log(LOG_INFO, "control client %u: flushed %llu flows", cl->conn,
			   (unsigned long long)n);
		reply_rc(cl, h->seq, 0, n, NULL);
		break;
	}
	case SL_DP_STATS_GET: {
		struct sl_dp_stats *st = (struct sl_dp_stats *)c->scratch;

		memset(st, 0, sizeof(*st));
		dp_ctl_stats_fill(c->dp, st);
		queue_msg(cl, SL_DP_STATS, h->seq, st, sizeof(*st), NULL, 0);
		break;
	}
	case SL_DP_STATUS_GET: {
		struct sl_dp_status *st = (struct sl_dp_status *)c->scratch;

		memset(st, 0, sizeof(*st));
		dp_status_fill(c->dp, st);
		queue_msg(cl, SL_DP_STATUS, h->seq, st, sizeof(*st), NULL, 0);
		break;
	}
	case SL_DP_SUBSCRIBE: {
		struct sl_dp_subscribe s;

		memcpy(&s, body, sizeof(s));
		if (s.events & ~(uint32_t)(SL_DP_SUB_PUNT | SL_DP_SUB_LATCH)) {
			reply_error(cl, h->seq, SL_DP_E_INVAL,
				    "events: unknown bits 0x%x (punt = 0x1, latch = 0x2)",
				    s.events & ~(uint32_t)(SL_DP_SUB_PUNT | SL_DP_SUB_LATCH));
			break;
		}
		cl->sub = s.events;
		reply_rc(cl, h->seq, 0, 0, NULL);
		break;
	}
	default:
		reply_error(cl, h->seq, SL_DP_E_TYPE,
			    "%s is sent by the data plane, not a request", msg_names[h->type]);
		break;
	}
}

/*
 * Checks the header at the front of what is buffered. Returns 1 when the
 * whole message is there and should be dispatched, 0 when more bytes are
 * needed, -1 after a framing error (reply queued, connection closing).
 */
static int check_header(struct client *cl, const struct sl_dp_hdr *h, size_t avail)
{
	if (h->magic != SL_DP_MAGIC) {
		reply_error(cl, h->seq, SL_DP_E_FRAMING,
			    "bad magic 0x%08x: not a shieldlock control message (expected 0x%08x)",
			    h->magic, SL_DP_MAGIC);
		return -1;
	}
	if (h->version != SL_DP_VERSION) {
		reply_error(cl, h->seq, SL_DP_E_VERSION,
			    "header version %u, this data plane speaks %u", h->version, SL_DP_VERSION);
		return -1;
	}
	if (h->len > SL_DP_MSG_MAX) {
		reply_error(cl, h->seq, SL_DP_E_FRAMING,
			    "message body of %u bytes is larger than the maximum %u", h->len,
			    SL_DP_MSG_MAX);
		return -1;
	}
	if (h->type != 0 && h->type < SL_DP_MSG__COUNT) {
		uint32_t want = sl_dp_body_size(h->type);

		if (sl_dp_is_variable(h->type) ? h->len < want : h->len != want) {
			reply_error(cl, h->seq, SL_DP_E_FRAMING,
				    "%s body is %u bytes, expected %s%u (protocol mismatch?)",
				    msg_names[h->type], h->len,
				    sl_dp_is_variable(h->type) ? "at least " : "", want);
			return -1;
		}
	}
	return avail >= sizeof(*h) + h->len;
}

/* Dispatches every complete message buffered, while output has room. */
static unsigned process_input(struct dp_ctl *c, struct client *cl)
{
	size_t pos = 0;
	unsigned n = 0;

	while (!cl->closing && cl->inlen - pos >= sizeof(struct sl_dp_hdr) &&
	       cl->outlen - cl->outoff <= OUT_SOFT) {
		struct sl_dp_hdr h;
		uint8_t *body = cl->in + pos + sizeof(h);
		int rc;

		memcpy(&h, cl->in + pos, sizeof(h));
		rc = check_header(cl, &h, cl->inlen - pos);
		if (rc < 0) {
			dp_ctl_log(LOG_WARNING, "control client %u: framing error (type %u, len %u); closing",
				   cl->conn, h.type, h.len);
			cl->closing = true;
			break;
		}
		if (rc == 0)
			break;
		if (h.type == 0 || h.type >= SL_DP_MSG__COUNT)
			reply_error(cl, h.seq, SL_DP_E_TYPE,
				    "unknown message type %u (this data plane knows 1..%u)", h.type,
				    SL_DP_MSG__COUNT - 1);
		else
			do_request(c, cl, &h, body);
		if (h.type == SL_DP_FLOW_ADD || h.type == SL_DP_FLOW_MOD)
			sl_wipe(body, h.len);
		pos += sizeof(h) + h.len;
		n++;
	}
	if (pos) {
		memmove(cl->in, cl->in + pos, cl->inlen - pos);
		/* The vacated tail may hold copies of later messages' bytes. */
		sl_wipe(cl->in + cl->inlen - pos, pos);
		cl->inlen -= pos;
	}
	return n;
}

static bool wants_input(const struct client *cl)
{
	return !cl->closing && cl->inlen < IN_CAP && cl->outlen - cl->outoff <= OUT_SOFT;
}

static void read_client(struct dp_ctl *c, struct client *cl)
{
	ssize_t r;

	if (!wants_input(cl))
		return;
	r = recv(cl->fd, cl->in + cl->inlen, IN_CAP - cl->inlen, MSG_DONTWAIT);
	if (r == 0) {
		client_close(c, cl, cl->inlen ? "peer closed mid-message" : "peer closed");
		return;
	}
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			client_close(c, cl, strerror(errno));
		return;
	}
	cl->inlen += r;
}

static void write_client(struct dp_ctl *c, struct client *cl)
{
	while (cl->outoff < cl->outlen) {
		ssize_t w = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			client_close(c, cl, strerror(errno));
			return;
		}
		cl->outoff += w;
	}
	cl->outoff = cl->outlen = 0;
	if (cl->closing)
		client_close(c, cl, "after an error that ends the session");
}

/* ---- events ------------------------------------------------------------- */

/* Queues an event to every subscriber of `bit`; returns how many got it. */
static unsigned broadcast(struct dp_ctl *c, uint32_t bit, uint16_t type,
			  const void *b1, uint32_t l1, const void *b2, uint32_t l2)
{
	unsigned got = 0;

	for (unsigned i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		if (cl->fd < 0 || !cl->hello || cl->closing || !(cl->sub & bit))
			continue;
		if (cl->outlen - cl->outoff + sizeof(struct sl_dp_hdr) + l1 + l2 > OUT_SOFT ||
		    queue_msg(cl, type, 0, b1, l1, b2, l2) != 0) {
			if (cl->dropped++ == 0)
				dp_ctl_log(LOG_WARNING, "control client %u does not read its events: "
					   "dropping them", cl->conn);
			__atomic_fetch_add(&g_events_dropped, 1, __ATOMIC_RELAXED);
			continue;
		}
		got++;
	}
	return got;
}

static bool has_subscriber(const struct dp_ctl *c, uint32_t bit)
{
	for (unsigned i = 0; i < DP_CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && c->cl[i].hello && (c->cl[i].sub & bit))
			return true;
	return false;
}

static unsigned drain_latch(struct dp_ctl *c)
{
	struct sl_dp_event_latch ev[32];
	unsigned n, total = 0;

	if (!c->dp->latch_ring)
		return 0;
	while (total < DRAIN_MAX &&
	       (n = rte_ring_dequeue_burst_elem(c->dp->latch_ring, ev, sizeof(ev[0]),
						RTE_DIM(ev), NULL)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (c->dp->ft)
				dp_flowtab_latch_apply(c->dp->ft, &ev[i]);
			broadcast(c, SL_DP_SUB_LATCH, SL_DP_EVENT_LATCH, &ev[i], sizeof(ev[i]), NULL, 0);
		}
		total += n;
	}
	return total;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void punt_one(struct dp_ctl *c, struct rte_mbuf *m)
{
	struct sl_dp_event_punt ev = {
		.in_port = m->port,
		.orig_len = rte_pktmbuf_pkt_len(m),
		.time_ns = realtime_ns(),
	};
	const void *data;

	if (!has_subscriber(c, SL_DP_SUB_PUNT)) {
		__atomic_fetch_add(&g_punt_drop, 1, __ATOMIC_RELAXED);
		return;
	}
	ev.len = RTE_MIN(ev.orig_len, (uint32_t)SL_DP_PUNT_MAX);
	data = rte_pktmbuf_read(m, 0, ev.len, c->scratch);
	if (!data)
		ev.len = 0;
	if (broadcast(c, SL_DP_SUB_PUNT, SL_DP_EVENT_PUNT, &ev, sizeof(ev), data, ev.len) == 0)
		__atomic_fetch_add(&g_punt_drop, 1, __ATOMIC_RELAXED);
}

static unsigned drain_punt(struct dp_ctl *c)
{
	struct rte_mbuf *m[32];
	unsigned n, total = 0;

	if (!c->dp->punt_ring)
		return 0;
	while (total < DRAIN_MAX &&
	       (n = rte_ring_dequeue_burst(c->dp->punt_ring, (void **)m, RTE_DIM(m), NULL)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			punt_one(c, m[i]);
			rte_pktmbuf_free(m[i]);
		}
		total += n;
	}
	return total;
}

static bool rings_pending(const struct dp_ctl *c)
{
	return (c->dp->latch_ring && rte_ring_count(c->dp->latch_ring)) ||
	       (c->dp->punt_ring && rte_ring_count(c->dp->punt_ring));
}

/* ---- poll loop ---------------------------------------------------------- */

int dp_ctl_poll(struct dp_ctl *c, int timeout_ms)
{
	struct pollfd pfd[1 + DP_CTL_MAX_CLIENTS];
	struct client *who[1 + DP_CTL_MAX_CLIENTS];
	unsigned np = 0, done = 0;
	int rc;

	done += drain_latch(c) + drain_punt(c);
	pfd[np].fd = c->lfd;
	pfd[np].events = POLLIN;
	who[np++] = NULL;
	for (unsigned i = 0; i < DP_CTL_MAX_CLIENTS; i++) {
		struct client *cl = &c->cl[i];

		if (cl->fd < 0)
			continue;
		/* Work already buffered must not wait for poll. */
		done += process_input(c, cl);
		pfd[np].fd = cl->fd;
		pfd[np].events = (wants_input(cl) ? POLLIN : 0) |
				 (cl->outoff < cl->outlen ? POLLOUT : 0);
		who[np++] = cl;
	}
	if (done || rings_pending(c))
		timeout_ms = 0;
	rc = poll(pfd, np, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? (int)done : -errno;
	if (pfd[0].revents & POLLIN)
		accept_one(c);
	for (unsigned i = 1; i < np; i++) {
		struct client *cl = who[i];

		if (cl->fd < 0 || cl->fd != pfd[i].fd)
			continue;
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			read_client(c, cl);
		if (cl->fd >= 0)
			done += process_input(c, cl);
		if (cl->fd >= 0)
			write_client(c, cl);
	}
	done += drain_latch(c) + drain_punt(c);
	/* Flush what the events queued; close sessions that ended. */
	for (unsigned i = 0; i < DP_CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && (c->cl[i].outoff < c->cl[i].outlen || c->cl[i].closing))
			write_client(c, &c->cl[i]);
	return (int)done;
}

/* ---- open / close ------------------------------------------------------- */

/* A socket file at path: stale (nobody listening) is removed, live refused. */
static int clear_stale(const char *path, char *msg, size_t msglen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : (snprintf(msg, msglen, "control socket %s: %s", path,
						       strerror(errno)), -errno);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(msg, msglen, "control socket %s exists and is not a socket; "
			 "remove it or choose another --ctl-socket", path);
		return -EEXIST;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(msg, msglen, "control socket: socket(): %s", strerror(errno));
		return -errno;
	}
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		snprintf(msg, msglen, "control socket %s is in use by a running process "
			 "(another shieldlock-dp?); stop it or choose another --ctl-socket", path);
		return -EADDRINUSE;
	}
	if (errno != ECONNREFUSED) {
		snprintf(msg, msglen, "control socket %s exists and cannot be checked (%s); "
			 "remove it by hand", path, strerror(errno));
		return -EEXIST;
	}
	if (unlink(path) != 0) {
		snprintf(msg, msglen, "stale control socket %s cannot be removed: %s", path,
			 strerror(errno));
		return -errno;
	}
	dp_ctl_log(LOG_INFO, "removed stale control socket %s", path);
	return 0;
}

struct dp_ctl *dp_ctl_open(struct dp *dp, const char *path, char *msg, size_t msglen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct dp_ctl *c;
	mode_t old;
	int rc;

	if (dp->cfg.quiet)
		dp_ctl_log_max = LOG_WARNING;
	if (!path || !path[0] || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(msg, msglen, "--ctl-socket: path must be 1..%zu bytes",
			 sizeof(sa.sun_path) - 1);
		return NULL;
	}
	if (clear_stale(path, msg, msglen) != 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->scratch = alloc64(IN_CAP))) {
		free(c);
		snprintf(msg, msglen, "control socket: out of memory");
		return NULL;
	}
	c->dp = dp;
	for (unsigned i = 0; i < DP_CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	strcpy(c->path, path);
	strcpy(sa.sun_path, path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		snprintf(msg, msglen, "control socket: socket(): %s", strerror(errno));
		goto err_c;
	}
	/* No window in which the socket is reachable with a wider mode. */
	old = umask(0177);
	rc = bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0) {
		snprintf(msg, msglen, "control socket %s: bind: %s", path, strerror(errno));
		goto err_fd;
	}
	if (chmod(path, 0600) != 0 || listen(c->lfd, DP_CTL_MAX_CLIENTS) != 0) {
		snprintf(msg, msglen, "control socket %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	if (dp->cfg.ctl_user_set) {
		/* connect(2) needs write permission on the socket file: the user owns it */
		if (chown(path, dp->cfg.ctl_uid, dp->cfg.ctl_gid) != 0) {
			snprintf(msg, msglen, "control socket %s: cannot hand it to --ctl-user %s: "
				 "%s", path, dp->cfg.ctl_user, strerror(errno));
			goto err_unlink;
		}
		dp_ctl_log(LOG_INFO, "control socket %s (mode 0600, owner %s; root and %s)", path,
			   dp->cfg.ctl_user, dp->cfg.ctl_user);
	} else if (geteuid() == 0)
		dp_ctl_log(LOG_INFO, "control socket %s (mode 0600, root only)", path);
	else
		dp_ctl_log(LOG_INFO, "control socket %s (mode 0600, uid %u and root)", path,
			   (unsigned)geteuid());
	return c;

err_unlink:
	unlink(path);
err_fd:
	close(c->lfd);
err_c:
	free(c->scratch);
	free(c);
	return NULL;
}

void dp_ctl_close(struct dp_ctl *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < DP_CTL_MAX_CLIENTS; i++)
		client_close(c, &c->cl[i], "data plane stopping");
	close(c->lfd);
	unlink(c->path);
	free(c->scratch);
	free(c);
}
