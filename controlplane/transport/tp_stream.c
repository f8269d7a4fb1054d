/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP over TCP and TLS (RFC 3261 §18, §26.2): listeners, accepted and
 * outgoing connections as libevent bufferevents (OpenSSL ones for TLS),
 * stream framing with sl_sip_frame() (RFC 3261 §18.3), CRLF keepalives
 * (RFC 5626 §3.5.1), idle timeouts and the connection limit.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "sip.h"
#include "tp_internal.h"

static void conn_read(struct bufferevent *bev, void *arg);
static void conn_event(struct bufferevent *bev, short what, void *arg);

static void conn_set_local(struct tp_conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	c->peer.local_len = sizeof(c->peer.local);
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&c->peer.local, &c->peer.local_len) < 0)
		c->peer.local_len = 0;
}

/*
 * RFC 5626 §3.5.1 / §4.4.1: a double CRLF ("ping") gets a single CRLF
 * ("pong"). A lone CRLF (a pong, or the CRLFs RFC 3261 §7.5 lets precede a
 * start line) gets nothing. The match survives reads that split the ping.
 */
static void conn_crlf(struct tp_conn *c, const unsigned char *p, size_t n)
{
	static const char ping[] = "\r\n\r\n";

	for (size_t i = 0; i < n; i++) {
		if (p[i] == (unsigned char)ping[c->ping_state])
			c->ping_state++;
		else
			c->ping_state = p[i] == '\r' ? 1 : 0;
		if (c->ping_state == 4) {
			c->ping_state = 0;
			c->tp->st.keepalives++;
			bufferevent_write(c->bev, "\r\n", 2);
		}
	}
}

/* Frames and delivers every complete message in the input buffer. */
static void conn_read(struct bufferevent *bev, void *arg)
{
	struct tp_conn *c = arg;
	struct sl_tp *tp = c->tp;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t max = tp->cfg.max_message;
	char why[160];

	c->busy++;
	if (c->peer.proto == SL_TP_TLS && !c->established) {
		/* data before the CONNECTED event: fill the peer now */
		c->established = true;
		tp_tls_peer_fill(c);
	}
	while (!c->closed) {
		size_t len = evbuffer_get_length(in), n = len < max ? len : max, ml;
		const char *fwhy;
		unsigned char *p;

		if (len == 0)
			break;
		/* contiguous bytes for the framer, never more than max_message */
		p = evbuffer_pullup(in, (ev_ssize_t)n);
		if (p == NULL) {
			tp_conn_close(c, "out of memory framing a message", true);
			break;
		}
		switch (sl_sip_frame(p, n, &ml, &fwhy)) {
		case SL_SIP_FRAME_MORE:
			if (len >= max) {
				tp->st.oversized++;
				snprintf(why, sizeof(why), "message larger than max_message "
					 "(%zu bytes)", max);
				tp_conn_close(c, why, true);
			}
			goto out;
		case SL_SIP_FRAME_KEEPALIVE:
			conn_crlf(c, p, ml);
			evbuffer_drain(in, ml);
			break;
		case SL_SIP_FRAME_BAD:
			tp->st.framing_errors++;
			snprintf(why, sizeof(why), "SIP framing error: %s",
				 fwhy != NULL ? fwhy : "unknown");
			tp_conn_close(c, why, true);
			goto out;
		case SL_SIP_FRAME_MSG:
			c->ping_state = 0;
			tp->st.stream_rx++;
			tp->cb.on_message(tp->cb.arg, &c->peer, (const char *)p, ml);
			if (!c->closed)
				evbuffer_drain(in, ml);
			break;
		}
	}
out:
	c->busy--;
	tp_conn_release(c);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct tp_conn *c = arg;
	struct sl_tp *tp = c->tp;
	char why[256];
	int e = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		c->established = true;
		conn_set_local(c);
		if (c->peer.proto == SL_TP_TLS)
			tp_tls_peer_fill(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		snprintf(why, sizeof(why), "idle timeout: nothing received for %u s",
			 tp->cfg.idle_timeout_s);
	} else if (what & BEV_EVENT_EOF) {
		snprintf(why, sizeof(why), "%s", c->established || c->peer.proto != SL_TP_TLS
			 ? "closed by the peer" : "closed by the peer during the TLS handshake");
		if (!c->established && c->peer.proto == SL_TP_TLS)
			tp->st.tls_handshake_failed++;
	} else if (c->peer.proto == SL_TP_TLS && !c->established) {
		tp->st.tls_handshake_failed++;
		tp_tls_error_str(c, why, sizeof(why));
	} else if (c->outgoing && !c->established) {
		snprintf(why, sizeof(why), "connect failed: %s", strerror(e));
	} else {
		snprintf(why, sizeof(why), "connection error: %s", strerror(e));
	}
	tp_conn_close(c, why, true);
}

/* Callbacks, idle timeout, reading on. */
static int conn_start(struct tp_conn *c)
{
	struct sl_tp *tp = c->tp;

	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	if (tp->cfg.idle_timeout_s > 0) {
		struct timeval tv = { .tv_sec = tp->cfg.idle_timeout_s };

		bufferevent_set_timeouts(c->bev, &tv, NULL);
	}
	return bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* A bufferevent for fd (-1: to be connected); takes fd even on failure. */
static bool expect_ip(SSL *ssl, const struct sockaddr_storage *dst)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	if (dst->ss_family == AF_INET)
		return X509_VERIFY_PARAM_set1_ip(vp,
			(const unsigned char *)&((const struct sockaddr_in *)dst)->sin_addr, 4) == 1;
	if (dst->ss_family == AF_INET6)
		return X509_VERIFY_PARAM_set1_ip(vp,
			(const unsigned char *)&((const struct sockaddr_in6 *)dst)->sin6_addr, 16) == 1;
	return false;
}

static struct bufferevent *conn_bev(struct tp_conn *c, evutil_socket_t fd, SSL_CTX *ctx,
				    enum bufferevent_ssl_state st)
{
	struct sl_tp *tp = c->tp;
	struct bufferevent *bev;

	if (c->peer.proto != SL_TP_TLS) {
		bev = bufferevent_socket_new(tp->base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL && fd >= 0)
			close(fd);
		return bev;
	}
	c->ssl = SSL_new(ctx);
	if (c->ssl == NULL) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	SSL_set_app_data(c->ssl, c);
	bev = bufferevent_openssl_socket_new(tp->base, fd, c->ssl, st, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		/* the SSL's socket BIO owns fd by now: SSL_free closes it */
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	return bev;
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct tp_listener *l = arg;
	struct sl_tp *tp = l->tp;
	struct tp_conn *c;

	(void)lev;
	if (tp->cfg.max_connections > 0 && tp->nconn_in >= tp->cfg.max_connections) {
		tp->st.conns_refused++;
		close(fd);
		return;
	}
	c = tp_conn_new(tp, l->proto, false);
	if (c == NULL) {
		tp->st.conns_refused++;
		close(fd);
		return;
	}
	tp->st.conns_accepted++;
	if (salen > 0 && (size_t)salen <= sizeof(c->peer.remote)) {
		memcpy(&c->peer.remote, sa, (size_t)salen);
		c->peer.remote_len = (socklen_t)salen;
	}
	c->peer.local_len = sizeof(c->peer.local);
	if (getsockname(fd, (struct sockaddr *)&c->peer.local, &c->peer.local_len) < 0)
		c->peer.local_len = 0;
	c->bev = conn_bev(c, fd, tp->srv_ctx, BUFFEREVENT_SSL_ACCEPTING);
	if (c->bev == NULL || conn_start(c) < 0) {
		tp_conn_close(c, "out of memory setting up the connection", false);
		return;
	}
	if (l->proto == SL_TP_TCP)
		c->established = true;
}

static void accept_retry(evutil_socket_t fd, short what, void *arg)
{
	struct tp_listener *l = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(l->lev);
}

/* accept() failed: on resource exhaustion pause the listener, don't spin. */
static void accept_error(struct evconnlistener *lev, void *arg)
{
	struct tp_listener *l = arg;
	int e = EVUTIL_SOCKET_ERROR();

	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		struct timeval tv = { 0, TP_ACCEPT_RETRY_MS * 1000 };

		evconnlistener_disable(lev);
		evtimer_add(l->ev, &tv);
	}
}

int tp_stream_listen(struct tp_listener *l, char *err, size_t errlen)
{
	struct sl_tp *tp = l->tp;
	char as[64];
	int one = 1, fam = l->addr.ss_family, rc, fd;

	sl_tp_addr_str(&l->addr, as, sizeof(as));
	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		tp_errf(err, errlen, "%s %s: socket: %s", sl_tp_proto_name(l->proto), as,
			strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&l->addr, l->addrlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&l->addr, &l->addrlen) < 0) {
		rc = -errno;
		tp_errf(err, errlen, "%s %s: bind: %s; check that the address is configured "
			"on this host and the port is free", sl_tp_proto_name(l->proto), as,
			strerror(errno));
		close(fd);
		return rc;
	}
	l->ev = evtimer_new(tp->base, accept_retry, l);
	if (l->ev == NULL) {
		close(fd);
		tp_errf(err, errlen, "%s %s: out of memory", sl_tp_proto_name(l->proto), as);
		return -ENOMEM;
	}
	l->lev = evconnlistener_new(tp->base, accept_cb, l,
				    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
				    TP_LISTEN_BACKLOG, fd);
	if (l->lev == NULL) {
		rc = errno ? -errno : -ENOMEM;
		tp_errf(err, errlen, "%s %s: listen: %s", sl_tp_proto_name(l->proto), as,
			strerror(-rc));
		close(fd);
		event_free(l->ev);
		l->ev = NULL;
		return rc;
	}
	evconnlistener_set_error_cb(l->lev, accept_error);
	return 0;
}

void tp_stream_unlisten(struct tp_listener *l)
{
	if (l->lev != NULL)
		evconnlistener_free(l->lev);
	if (l->ev != NULL)
		event_free(l->ev);
	l->lev = NULL;
	l->ev = NULL;
}

static int conn_write(struct tp_conn *c, const char *buf, size_t len, char *err, size_t errlen)
{
	struct sl_tp *tp = c->tp;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t cap = TP_OUTQ_FACTOR * tp->cfg.max_message;

	/* a peer that stops reading must not make us queue without bound */
	if (evbuffer_get_length(out) + len > cap) {
		tp_errf(err, errlen, "connection %llu: %zu bytes already queued, the peer is "
			"not reading; message not sent", (unsigned long long)c->id,
			evbuffer_get_length(out));
		return -ENOBUFS;
	}
	if (bufferevent_write(c->bev, buf, len) < 0) {
		tp_errf(err, errlen, "connection %llu: out of memory queueing a message",
			(unsigned long long)c->id);
		return -ENOMEM;
	}
	tp->st.stream_tx++;
	return 0;
}

int tp_stream_send(struct sl_tp *tp, enum sl_tp_proto proto, uint64_t conn_id,
		   const char *buf, size_t len, char *err, size_t errlen)
{
	struct tp_conn *c = tp_conn_find(tp, conn_id);

	if (c == NULL || c->closed) {
		tp_errf(err, errlen, "connection %llu is closed; the peer has to reconnect "
			"(or send with conn_id 0 to open a new connection)",
			(unsigned long long)conn_id);
		return -ENOTCONN;
	}
	if (c->peer.proto != proto) {
		tp_errf(err, errlen, "connection %llu is %s, not %s",
			(unsigned long long)conn_id, sl_tp_proto_name(c->peer.proto),
			sl_tp_proto_name(proto));
		return -EINVAL;
	}
	return conn_write(c, buf, len, err, errlen);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/*
 * RFC 3261 §18.1.1: reuse an open outgoing connection to the destination,
 * else open one. The message is queued until it is connected (and for TLS
 * until the handshake, which verifies the server against the trust store,
 * is done).
 */
int tp_stream_connect(struct sl_tp *tp, enum sl_tp_proto proto,
		      const struct sockaddr_storage *dst, socklen_t dstlen,
		      const char *buf, size_t len, uint64_t *new_conn_id,
		      char *err, size_t errlen)
{
	struct tp_conn *c;
	char as[64];
	int rc;

	if (dst == NULL || (dst->ss_family != AF_INET && dst->ss_family != AF_INET6) ||
	    dstlen < (dst->ss_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6)) ||
	    dstlen > sizeof(*dst)) {
		tp_errf(err, errlen, "%s connect: no valid IPv4/IPv6 destination given",
			sl_tp_proto_name(proto));
		return -EINVAL;
	}
	sl_tp_addr_str(dst, as, sizeof(as));
	if (proto == SL_TP_TLS && tp->cli_ctx == NULL) {
		tp_errf(err, errlen, "TLS connect to %s: no TLS configuration; call "
			"sl_tp_set_tls() first", as);
		return -EINVAL;
	}
	for (c = tp->conns; c != NULL; c = c->next)
		if (c->outgoing && c->peer.proto == proto && same_addr(&c->peer.remote, dst))
			break;
	if (c == NULL) {
		c = tp_conn_new(tp, proto, true);
		if (c == NULL) {
			tp_errf(err, errlen, "%s connect to %s: out of memory",
				sl_tp_proto_name(proto), as);
			return -ENOMEM;
		}
		memcpy(&c->peer.remote, dst, dstlen);
		c->peer.remote_len = dstlen;
		c->bev = conn_bev(c, -1, tp->cli_ctx, BUFFEREVENT_SSL_CONNECTING);
		/* RFC 5922 §7.2 / RFC 3261 §26.3.1: the server certificate must be
		 * for the host we connect to; trunks are configured by address, so
		 * an IP subjectAltName must match (a trusted CA is not enough) */
		if (c->bev != NULL && c->ssl != NULL && !expect_ip(c->ssl, dst)) {
			tp_conn_close(c, "out of memory", false);
			tp_errf(err, errlen, "TLS connect to %s: cannot set the expected "
				"server address", as);
			return -ENOMEM;
		}
		if (c->bev == NULL || conn_start(c) < 0) {
			tp_conn_close(c, "out of memory", false);
			tp_errf(err, errlen, "%s connect to %s: out of memory",
				sl_tp_proto_name(proto), as);
			return -ENOMEM;
		}
		if (bufferevent_socket_connect(c->bev, (const struct sockaddr *)dst,
					       (int)dstlen) < 0) {
			rc = EVUTIL_SOCKET_ERROR();
			rc = rc > 0 ? -rc : -ECONNREFUSED;
			tp_errf(err, errlen, "%s connect to %s: %s", sl_tp_proto_name(proto),
				as, strerror(-rc));
			tp_conn_close(c, "connect failed", false);
			return rc;
		}
	}
	rc = conn_write(c, buf, len, err, errlen);
	if (rc == 0 && new_conn_id != NULL)
		*new_conn_id = c->id;
	return rc;
}
