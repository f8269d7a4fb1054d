/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport object: creation, listeners, the connection table (64-bit
 * ids that are never reused, hashed to their connection), sending, stats.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "tp_internal.h"

void tp_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *sl_tp_proto_name(enum sl_tp_proto p)
{
	switch (p) {
	case SL_TP_UDP:
		return "UDP";
	case SL_TP_TCP:
		return "TCP";
	case SL_TP_TLS:
		return "TLS";
	}
	return "?";
}

void sl_tp_addr_str(const struct sockaddr_storage *a, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (len == 0)
		return;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)a;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(s->sin_port));
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(s->sin6_port));
	} else {
		snprintf(out, len, "(family %d)", a->ss_family);
	}
}

/* ---- connection table ---- */

static size_t hslot(const struct sl_tp *tp, uint64_t id)
{
	/* Fibonacci hashing: ids are sequential, spread them over the table */
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (tp->hsize - 1);
}

static int htab_grow(struct sl_tp *tp)
{
	size_t nsize = tp->hsize ? tp->hsize * 2 : 64, osize = tp->hsize;
	struct tp_conn **nt = calloc(nsize, sizeof(*nt)), **ot = tp->htab;

	if (nt == NULL)
		return -ENOMEM;
	tp->htab = nt;
	tp->hsize = nsize;
	for (size_t i = 0; i < osize; i++) {
		struct tp_conn *c = ot[i], *n;

		for (; c != NULL; c = n) {
			size_t s = hslot(tp, c->id);

			n = c->hnext;
			c->hnext = nt[s];
			nt[s] = c;
		}
	}
	free(ot);
	return 0;
}

struct tp_conn *tp_conn_find(const struct sl_tp *tp, uint64_t id)
{
	if (tp->hsize == 0 || id == 0)
		return NULL;
	for (struct tp_conn *c = tp->htab[hslot(tp, id)]; c != NULL; c = c->hnext)
		if (c->id == id)
			return c;
	return NULL;
}

struct tp_conn *tp_conn_new(struct sl_tp *tp, enum sl_tp_proto proto, bool outgoing)
{
	struct tp_conn *c;
	size_t s;

	if (tp->nconn + 1 > tp->hsize && htab_grow(tp) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->tp = tp;
	c->id = tp->next_id++;	/* 64 bits: never wraps in practice */
	c->outgoing = outgoing;
	c->peer.proto = proto;
	c->peer.conn_id = c->id;
	s = hslot(tp, c->id);
	c->hnext = tp->htab[s];
	tp->htab[s] = c;
	c->next = tp->conns;
	if (tp->conns != NULL)
		tp->conns->prev = c;
	tp->conns = c;
	tp->nconn++;
	if (!outgoing)
		tp->nconn_in++;
	return c;
}

static void conn_unlink(struct tp_conn *c)
{
	struct sl_tp *tp = c->tp;
	struct tp_conn **pp = &tp->htab[hslot(tp, c->id)];

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp == c)
		*pp = c->hnext;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		tp->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	tp->nconn--;
	if (!c->outgoing)
		tp->nconn_in--;
}

void tp_conn_release(struct tp_conn *c)
{
	if (c->closed && c->busy == 0)
		free(c);
}

void tp_conn_close(struct tp_conn *c, const char *why, bool notify)
{
	struct sl_tp *tp = c->tp;
	uint64_t id = c->id;

	if (c->closed)
		return;
	c->closed = true;
	conn_unlink(c);
	if (c->ssl != NULL)
		SSL_set_app_data(c->ssl, NULL);	/* callbacks must not find c */
	if (c->bev != NULL) {
		bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
		bufferevent_free(c->bev);	/* closes the socket (CLOSE_ON_FREE) */
		c->bev = NULL;
		c->ssl = NULL;
	}
	/* hold c across the callback: on_close may call back into us */
	c->busy++;
	if (notify && tp->cb.on_close != NULL)
		tp->cb.on_close(tp->cb.arg, id, why);
	c->busy--;
	tp_conn_release(c);
}

/* ---- life cycle ---- */

struct sl_tp *sl_tp_new(struct event_base *base, const struct sl_tp_cfg *cfg,
			const struct sl_tp_callbacks *cb, char *err, size_t errlen)
{
	struct sl_tp *tp;

	if (base == NULL || cfg == NULL || cb == NULL || cb->on_message == NULL) {
		tp_errf(err, errlen, "transport: event base, configuration and an "
			"on_message callback are required");
		return NULL;
	}
	tp = calloc(1, sizeof(*tp));
	if (tp == NULL) {
		tp_errf(err, errlen, "transport: out of memory");
		return NULL;
	}
	tp->base = base;
	tp->cfg = *cfg;
	/* sl_sip_frame() never accepts more than SL_SIP_MAX_MSG anyway */
	if (tp->cfg.max_message == 0 || tp->cfg.max_message > TP_DEFAULT_MAX_MESSAGE)
		tp->cfg.max_message = TP_DEFAULT_MAX_MESSAGE;
	tp->cb = *cb;
	tp->next_id = 1;
	tp->keylog_fd = -1;
	tp->udp_buf = malloc(tp->cfg.max_message);
	if (tp->udp_buf == NULL || htab_grow(tp) < 0) {
		tp_errf(err, errlen, "transport: out of memory");
		free(tp->udp_buf);
		free(tp);
		return NULL;
	}
	return tp;
}

void sl_tp_free(struct sl_tp *tp)
{
	if (tp == NULL)
		return;
	while (tp->conns != NULL)
		tp_conn_close(tp->conns, "transport shut down", false);
	for (size_t i = 0; i < tp->nls; i++) {
		struct tp_listener *l = tp->ls[i];

		if (l->proto == SL_TP_UDP)
			tp_udp_close(l);
		else
			tp_stream_unlisten(l);
		free(l);
	}
	free(tp->ls);
	free(tp->htab);
	SSL_CTX_free(tp->srv_ctx);
	SSL_CTX_free(tp->cli_ctx);
	if (tp->keylog_fd >= 0)
		close(tp->keylog_fd);
	free(tp->udp_buf);
	free(tp);
}

/* ---- listeners ---- */

static int parse_host(const char *host, uint16_t port, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_family = AF_UNSPEC };
	struct addrinfo *ai = NULL;
	char pbuf[8];
	int rc;

	snprintf(pbuf, sizeof(pbuf), "%u", port);
	rc = getaddrinfo(host, pbuf, &hints, &ai);
	if (rc != 0 || ai == NULL || ai->ai_addrlen > sizeof(*ss)) {
		tp_errf(err, errlen, "listen address '%s' is not a numeric IPv4 or IPv6 "
			"address (%s); give e.g. 0.0.0.0, 10.77.1.1 or ::",
			host, rc != 0 ? gai_strerror(rc) : "unusable");
		if (ai != NULL)
			freeaddrinfo(ai);
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = (socklen_t)ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int sl_tp_listen(struct sl_tp *tp, enum sl_tp_proto proto, const char *host, uint16_t port,
		 char *err, size_t errlen)
{
	struct tp_listener *l;
	int rc;

	if (proto != SL_TP_UDP && proto != SL_TP_TCP && proto != SL_TP_TLS) {
		tp_errf(err, errlen, "listen: unknown transport %d", (int)proto);
		return -EINVAL;
	}
	if (host == NULL)
		host = "0.0.0.0";
	if (proto == SL_TP_TLS && tp->srv_ctx == NULL) {
		tp_errf(err, errlen, "TLS listener on %s:%u: no certificate installed; "
			"call sl_tp_set_tls() before listening on TLS", host, port);
		return -EINVAL;
	}
	if (tp->nls == tp->capls) {
		size_t ncap = tp->capls ? tp->capls * 2 : 4;
		struct tp_listener **n = realloc(tp->ls, ncap * sizeof(*n));

		if (n == NULL) {
			tp_errf(err, errlen, "listen: out of memory");
			return -ENOMEM;
		}
		tp->ls = n;
		tp->capls = ncap;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		tp_errf(err, errlen, "listen: out of memory");
		return -ENOMEM;
	}
	l->tp = tp;
	l->proto = proto;
	l->fd = -1;
	rc = parse_host(host, port, &l->addr, &l->addrlen, err, errlen);
	if (rc == 0)
		rc = proto == SL_TP_UDP ? tp_udp_open(l, err, errlen)
					: tp_stream_listen(l, err, errlen);
	if (rc < 0) {
		free(l);
		return rc;
	}
	tp->ls[tp->nls++] = l;
	return 0;
}

int sl_tp_listen_port(struct sl_tp *tp, enum sl_tp_proto proto, unsigned idx)
{
	for (size_t i = 0; i < tp->nls; i++) {
		const struct tp_listener *l = tp->ls[i];

		if (l->proto != proto)
			continue;
		if (idx-- > 0)
			continue;
		if (l->addr.ss_family == AF_INET)
			return ntohs(((const struct sockaddr_in *)&l->addr)->sin_port);
		return ntohs(((const struct sockaddr_in6 *)&l->addr)->sin6_port);
	}
	return -ENOENT;
}

/* ---- TLS context ---- */

int sl_tp_set_tls(struct sl_tp *tp, const struct sl_tp_tls_cfg *cfg, char *err, size_t errlen)
{
	SSL_CTX *srv = NULL, *cli = NULL;
	int rc, kfd = -1;

	if (cfg == NULL) {
		tp_errf(err, errlen, "TLS: no configuration given");
		return -EINVAL;
	}
	rc = tp_tls_build(tp, cfg, &srv, &cli, err, errlen);
	if (rc < 0)
		return rc;
	if (cfg->keylog_file != NULL) {
		/* the same file is kept (a process that gave up root cannot open
		 * it again); a new one: session secrets, owner-only, appended,
		 * never through a symlink */
		kfd = tp->keylog_fd >= 0 && !strcmp(cfg->keylog_file, tp->keylog_path) ?
		      dup(tp->keylog_fd) :
		      open(cfg->keylog_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			   0600);
		if (kfd < 0) {
			rc = -errno;
			tp_errf(err, errlen, "TLS key log %s: %s; give a writable path or "
				"leave keylog_file unset", cfg->keylog_file, strerror(errno));
			SSL_CTX_free(srv);
			SSL_CTX_free(cli);
			return rc;
		}
	}
	/*
	 * Existing connections hold their own reference on the old contexts
	 * (SSL_new() takes one), so they keep working; new handshakes use the
	 * new ones.
	 */
	SSL_CTX_free(tp->srv_ctx);
	SSL_CTX_free(tp->cli_ctx);
	tp->srv_ctx = srv;
	tp->cli_ctx = cli;
	if (tp->keylog_fd >= 0)
		close(tp->keylog_fd);
	tp->keylog_fd = kfd;
	snprintf(tp->keylog_path, sizeof(tp->keylog_path), "%s",
		 kfd >= 0 ? cfg->keylog_file : "");
	return 0;
}

/* ---- sending ---- */

int sl_tp_send(struct sl_tp *tp, enum sl_tp_proto proto, uint64_t conn_id,
	       const struct sockaddr_storage *dst, socklen_t dstlen,
	       const char *buf, size_t len, uint64_t *new_conn_id, char *err, size_t errlen)
{
	if (new_conn_id != NULL)
		*new_conn_id = 0;
	if (buf == NULL || len == 0) {
		tp_errf(err, errlen, "send: empty message");
		return -EINVAL;
	}
	if (len > tp->cfg.max_message) {
		tp_errf(err, errlen, "send: message of %zu bytes exceeds max_message (%zu)",
			len, tp->cfg.max_message);
		return -EMSGSIZE;
	}
	switch (proto) {
	case SL_TP_UDP:
		if (conn_id != 0) {
			tp_errf(err, errlen, "send: UDP has no connections (conn_id %llu)",
				(unsigned long long)conn_id);
			return -EINVAL;
		}
		return tp_udp_send(tp, dst, dstlen, buf, len, err, errlen);
	case SL_TP_TCP:
	case SL_TP_TLS:
		if (conn_id != 0)
			return tp_stream_send(tp, proto, conn_id, buf, len, err, errlen);
		return tp_stream_connect(tp, proto, dst, dstlen, buf, len, new_conn_id,
					 err, errlen);
	}
	tp_errf(err, errlen, "send: unknown transport %d", (int)proto);
	return -EINVAL;
}

int sl_tp_conn_peer(struct sl_tp *tp, uint64_t conn_id, struct sl_tp_peer *out)
{
	struct tp_conn *c = tp_conn_find(tp, conn_id);

	if (c == NULL)
		return -ENOENT;
	*out = c->peer;
	return 0;
}

void sl_tp_close(struct sl_tp *tp, uint64_t conn_id)
{
	struct tp_conn *c = tp_conn_find(tp, conn_id);

	if (c != NULL)
		tp_conn_close(c, "closed by the SIP layer", true);
}

void sl_tp_stats(const struct sl_tp *tp, struct sl_tp_stats *out)
{
	*out = tp->st;
	out->conns_open = tp->nconn;
}
