/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal state of the SIP transports (transport.h): the transport object,
 * its listeners and its TCP/TLS connections. One event_base, one thread.
 */
#ifndef SL_TP_INTERNAL_H
#define SL_TP_INTERNAL_H

#include <openssl/ssl.h>

#include "transport.h"

struct bufferevent;
struct evconnlistener;
struct event;

/* Defaults and bounds (docs/transport.md). */
enum {
	TP_DEFAULT_MAX_MESSAGE = 65535,	/* = SL_SIP_MAX_MSG */
	TP_UDP_BURST = 64,		/* datagrams read per readiness event */
	TP_LISTEN_BACKLOG = 128,
	TP_ACCEPT_RETRY_MS = 500,	/* after EMFILE & co. */
	TP_OUTQ_FACTOR = 16,		/* output queue cap = 16 * max_message */
};

struct tp_listener {
	struct sl_tp *tp;
	enum sl_tp_proto proto;
	int fd;				/* UDP socket; -1 for streams */
	struct evconnlistener *lev;	/* TCP/TLS */
	struct event *ev;		/* UDP readiness, or accept retry timer */
	struct sockaddr_storage addr;	/* bound address (real port) */
	socklen_t addrlen;
};

struct tp_conn {
	struct sl_tp *tp;
	uint64_t id;
	struct bufferevent *bev;
	SSL *ssl;			/* owned by bev; NULL for TCP */
	struct sl_tp_peer peer;
	struct tp_conn *hnext;		/* hash chain */
	struct tp_conn *prev, *next;	/* all connections */
	bool outgoing;
	bool established;		/* TCP connected / TLS handshake done */
	bool closed;
	bool verify_failed;		/* verify callback saw an error */
	int verify_err;			/* first X509_V_ERR_* seen */
	unsigned busy;			/* inside our read callback */
	unsigned ping_state;		/* bytes of "\r\n\r\n" matched */
};

struct sl_tp {
	struct event_base *base;
	struct sl_tp_cfg cfg;
	struct sl_tp_callbacks cb;

	struct tp_listener **ls;
	size_t nls, capls;

	struct tp_conn **htab;		/* id -> connection, chained */
	size_t hsize;			/* power of two */
	size_t nconn, nconn_in;
	struct tp_conn *conns;		/* list head */
	uint64_t next_id;

	SSL_CTX *srv_ctx, *cli_ctx;
	int keylog_fd;
	char keylog_path[4096];		/* the file keylog_fd is open on */

	unsigned char *udp_buf;		/* max_message bytes */
	struct sl_tp_stats st;
};

/* tp_core.c */
void tp_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct tp_conn *tp_conn_new(struct sl_tp *tp, enum sl_tp_proto proto, bool outgoing);
struct tp_conn *tp_conn_find(const struct sl_tp *tp, uint64_t id);
/* Unlinks, frees the bufferevent, reports on_close if notify (why). */
void tp_conn_close(struct tp_conn *c, const char *why, bool notify);
void tp_conn_release(struct tp_conn *c);	/* frees c if closed and idle */

/* tp_udp.c */
int tp_udp_open(struct tp_listener *l, char *err, size_t errlen);
void tp_udp_close(struct tp_listener *l);
int tp_udp_send(struct sl_tp *tp, const struct sockaddr_storage *dst, socklen_t dstlen,
		const char *buf, size_t len, char *err, size_t errlen);

/* tp_stream.c */
int tp_stream_listen(struct tp_listener *l, char *err, size_t errlen);
void tp_stream_unlisten(struct tp_listener *l);
int tp_stream_send(struct sl_tp *tp, enum sl_tp_proto proto, uint64_t conn_id,
		   const char *buf, size_t len, char *err, size_t errlen);
int tp_stream_connect(struct sl_tp *tp, enum sl_tp_proto proto,
		      const struct sockaddr_storage *dst, socklen_t dstlen,
		      const char *buf, size_t len, uint64_t *new_conn_id,
		      char *err, size_t errlen);

/* tp_tls.c */
int tp_tls_build(struct sl_tp *tp, const struct sl_tp_tls_cfg *cfg,
		 SSL_CTX **srv, SSL_CTX **cli, char *err, size_t errlen);
void tp_tls_peer_fill(struct tp_conn *c);
/* "TLS handshake failed: <first OpenSSL reason>" into out. */
void tp_tls_error_str(struct tp_conn *c, char *out, size_t len);

#endif
