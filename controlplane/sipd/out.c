/* SPDX-License-Identifier: BSD-3-Clause */
/* Sending responses and building addresses for the sip child. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sipd.h"

#define OUT_MAX 16384

static const char server_hdr[] = "Server: shieldlockd/0.1\r\n";

static int build(char *out, const struct sl_sip_msg *req, int code, const char *reason,
		 const char *to_tag, const char *extra, const char *ctype, const char *body,
		 size_t blen)
{
	char ex[4096];
	int n = snprintf(ex, sizeof(ex), "%s%s", server_hdr, extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(ex))
		return -ENOSPC;
	return sl_sip_build_response(out, OUT_MAX, req, code, reason, to_tag, ex, ctype, body, blen);
}

int sipd_respond(struct sipd *s, struct sl_txn *st, int code, const char *reason,
		 const char *to_tag, const char *extra, const char *ctype, const char *body,
		 size_t blen)
{
	(void)s;
	char *out = malloc(OUT_MAX);
	if (!out)
		return -ENOMEM;
	int n = build(out, sl_txn_request(st), code, reason, to_tag, extra, ctype, body, blen);
	int rc = n < 0 ? n : sl_txn_respond(st, out, (size_t)n, sipd_now_ms());
	if (rc < 0)
		log_warn("cannot send %d response: %s", code, strerror(-rc));
	free(out);
	return rc;
}

void sipd_respond_stateless(struct sipd *s, const struct sl_sip_msg *req,
			    const struct sl_tp_peer *peer, int code, const char *reason,
			    const char *extra)
{
	char *out = malloc(OUT_MAX);
	char err[128];
	if (!out)
		return;
	char tag[24];
	sl_sip_new_tag(tag);
	int n = build(out, req, code, reason, tag, extra, NULL, NULL, 0);
	if (n > 0 && sl_tp_send(s->tp, peer->proto, peer->conn_id, &peer->remote,
				peer->remote_len, out, (size_t)n, NULL, err, sizeof(err)) < 0)
		log_debug("stateless %d not sent: %s", code, err);
	free(out);
}

void sipd_dest_from_peer(struct sl_txn_dest *d, const struct sl_tp_peer *p)
{
	memset(d, 0, sizeof(*d));
	d->proto = p->proto;
	d->conn_id = p->conn_id;
	d->addr = p->remote;
	d->addrlen = p->remote_len;
}

const char *sipd_via_proto(enum sl_tp_proto p)
{
	return sl_tp_proto_name(p);
}

static uint16_t listen_port(const struct sl_conf *c, enum sl_tp_proto p)
{
	switch (p) {
	case SL_TP_UDP: return c->n_listen_udp ? c->listen_udp[0].port : 5060;
	case SL_TP_TCP: return c->n_listen_tcp ? c->listen_tcp[0].port : 5060;
	case SL_TP_TLS: return c->n_listen_tls ? c->listen_tls[0].port : 5061;
	}
	return 5060;
}

void sipd_contact(struct sipd *s, enum sl_tp_proto p, const char *local_host, char *out,
		  size_t len)
{
	const char *tp = p == SL_TP_TLS ? "tls" : p == SL_TP_TCP ? "tcp" : "udp";
	snprintf(out, len, "<sip:shieldlock@%s:%u;transport=%s>",
		 local_host && local_host[0] ? local_host : s->via_host,
		 listen_port(&s->conf, p), tp);
}

void sipd_host_of(const struct sockaddr_storage *a, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	out[0] = '\0';
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *a4 = (const void *)a;
		if (a4->sin_addr.s_addr != htonl(INADDR_ANY) &&
		    inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip)))
			snprintf(out, len, "%s", ip);
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const void *)a;
		if (!IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) &&
		    inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip)))
			snprintf(out, len, "[%s]", ip);
	}
}

/* Host of a sent-by or URI (numeric literal; names are resolved with
 * getaddrinfo only for trunks, in b2bua.c). */
int sipd_addr_from_host(const char *host, size_t hlen, int port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	char h[64];
	if (hlen == 0 || hlen >= sizeof(h))
		return -EINVAL;
	memcpy(h, host, hlen);
	h[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (h[0] == '[') {
		char *e = strchr(h, ']');
		if (!e)
			return -EINVAL;
		*e = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, h + 1, &a6->sin6_addr) != 1)
			return -EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, h, &a4->sin_addr) != 1)
		return -EINVAL;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*len = sizeof(*a4);
	return 0;
}
