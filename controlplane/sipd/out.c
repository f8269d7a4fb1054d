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
	const struct sl_sip_msg *req = sl_txn_request(st);
	if (!req) {	/* a final response was sent already */
		log_debug("no %d: the transaction has its final response", code);
		return -EINVAL;
	}
	char *out = malloc(OUT_MAX);
	if (!out)
		return -ENOMEM;
	int n = build(out, req, code, reason, to_tag, extra, ctype, body, blen);
	int rc = n < 0 ? n : sl_txn_respond(st, out, (size_t)n, sipd_now_ms());
	if (rc < 0)
		log_warn("cannot send %d response: %s", code, strerror(-rc));
	free(out);
	return rc;
}

/*
 * A response to a request too broken for sl_sip_build_response (missing
 * From, To, Call-ID or CSeq, RFC 4475 §3.1.2.18): the status line, every
 * Via as received (§8.2.6.2: the response goes where the Via says) and
 * whichever of From/To/Call-ID/CSeq exist. Without a Via there is nobody
 * to answer: -1.
 */
static int build_minimal(char *out, size_t cap, const struct sl_sip_msg *req, int code,
			 const char *reason)
{
	static const enum sl_sip_hdr copy[] = {
		SL_SIP_H_VIA, SL_SIP_H_FROM, SL_SIP_H_TO, SL_SIP_H_CALL_ID, SL_SIP_H_CSEQ,
	};
	static const char *const names[] = { "Via", "From", "To", "Call-ID", "CSeq" };
	if (!req->count[SL_SIP_H_VIA])
		return -1;
	int n = snprintf(out, cap, "SIP/2.0 %d %s\r\n", code, reason ? reason : sl_sip_reason(code));
	for (size_t k = 0; k < sizeof(copy) / sizeof(copy[0]); k++) {
		unsigned pos = 0;
		const struct sl_sip_header *h;
		while ((h = sl_sip_header_next(req, copy[k], &pos))) {
			if (n < 0 || (size_t)n >= cap)
				return -1;
			n += snprintf(out + n, cap - (size_t)n, "%s: %.*s\r\n", names[k],
				      (int)h->value.n, h->value.p);
		}
	}
	if (n < 0 || (size_t)n >= cap)
		return -1;
	n += snprintf(out + n, cap - (size_t)n, "%sContent-Length: 0\r\n\r\n", server_hdr);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

void sipd_respond_stateless(struct sipd *s, const struct sl_sip_msg *req,
			    const struct sl_tp_peer *peer, int code, const char *reason,
			    const char *extra)
{
	char *out = malloc(OUT_MAX);
	char err[128], a[80];
	if (!out)
		return;
	char tag[24];
	sl_sip_new_tag(tag);
	int n = build(out, req, code, reason, tag, extra, NULL, NULL, 0);
	if (n < 0)
		n = build_minimal(out, OUT_MAX, req, code, reason);
	sl_tp_addr_str(&peer->remote, a, sizeof(a));
	if (n < 0)
		log_info("%d %s to %s not sent: the request has no Via to answer to", code,
			 reason ? reason : sl_sip_reason(code), a);
	else if (sl_tp_send(s->tp, peer->proto, peer->conn_id, &peer->remote, peer->remote_len,
			    out, (size_t)n, NULL, err, sizeof(err)) < 0)
		log_info("%d to %s not sent: %s", code, a, err);
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
