/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the transport tests: event loop, recorders, clients. */
#ifndef TP_TEST_H
#define TP_TEST_H

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <openssl/ssl.h>

#include "transport.h"

#define TP_MAX_REC 16

struct rec_msg {
	struct sl_tp_peer peer;
	char data[4096];
	size_t len;
};

/* One transport under test with what its callbacks saw. */
struct tt {
	struct event_base *base;
	struct sl_tp *tp;
	struct rec_msg msg[TP_MAX_REC];
	unsigned nmsg;
	uint64_t closed_id[TP_MAX_REC];
	char closed_why[TP_MAX_REC][256];
	unsigned nclose;
	/* optional: answer each message with this over its connection */
	const char *echo;
	bool own_base;
};

/* Paths of the throwaway PKI (mkcerts.sh), set by main(). */
extern char tt_dir[256];
const char *tt_path(const char *name);	/* static buffer rotation (8) */

void tt_init(struct tt *t, unsigned max_conn, unsigned idle_s, size_t max_msg);
/* A second transport on t's loop: base = other->base. */
void tt_init_base(struct tt *t, struct event_base *base, unsigned max_conn, unsigned idle_s,
		  size_t max_msg);
void tt_fini(struct tt *t);
void tt_tls(struct tt *t, const char *cert, bool require, const char *keylog);
int tt_listen(struct tt *t, enum sl_tp_proto p);	/* 127.0.0.1:0, returns port */
/* Runs the loop until *cond() is true or ms pass; returns cond(). */
bool tt_run(struct tt *t, bool (*cond)(struct tt *, void *), void *arg, int ms);
bool tt_nmsg_ge(struct tt *t, void *n);		/* arg: (uintptr_t)count */
bool tt_nclose_ge(struct tt *t, void *n);
void tt_sleep_loop(struct tt *t, int ms);

int tcp_client(int port, int type);		/* SOCK_STREAM or SOCK_DGRAM */
void write_all(int fd, const void *p, size_t n);
/* Reads from fd while running the loop until n bytes or ms; returns bytes. */
size_t tt_read(struct tt *t, int fd, char *buf, size_t n, int ms);
/* True when the server closed fd (EOF) within ms. */
bool tt_eof(struct tt *t, int fd, int ms);

/* A TLS client in its own thread (blocking OpenSSL). */
struct tcli {
	int port;
	SSL_CTX *ctx;
	pthread_t th;
	atomic_int hs;			/* 0 pending, 1 ok, -1 failed */
	atomic_int quit, peer_closed, send_gen, sent_gen;
	pthread_mutex_t mu;
	char sendbuf[4096];
	size_t sendlen;
	char recv[8192];
	size_t nrecv;
	char server_fp[65];
	char version[16];
};
SSL_CTX *tcli_ctx(const char *cert, int max_version);	/* cert: base name or NULL */
void tcli_start(struct tcli *c, SSL_CTX *ctx, int port);
void tcli_send(struct tcli *c, const char *s);
size_t tcli_nrecv(struct tcli *c);
void tcli_stop(struct tcli *c);
bool tcli_hs_done(struct tt *t, void *c);
bool tcli_closed(struct tt *t, void *c);

/* "openssl x509 -fingerprint -sha256" of a PEM, lowercase without colons. */
void cli_fingerprint(const char *pem, char out[65]);

Suite *suite_stream(void);
Suite *suite_tls(void);

#endif
