/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tp_test.h"

char tt_dir[256];

const char *tt_path(const char *name)
{
	static char bufs[8][512];
	static unsigned i;
	char *b = bufs[i++ % 8];

	snprintf(b, 512, "%s/%s", tt_dir, name);
	return b;
}

static void on_message(void *arg, const struct sl_tp_peer *peer, const char *buf, size_t len)
{
	struct tt *t = arg;
	struct rec_msg *m;

	ck_assert_uint_lt(t->nmsg, TP_MAX_REC);
	m = &t->msg[t->nmsg++];
	m->peer = *peer;
	ck_assert_uint_lt(len, sizeof(m->data));
	memcpy(m->data, buf, len);
	m->data[len] = '\0';
	m->len = len;
	/* answer requests only, so two echoing ends do not ping-pong */
	if (t->echo != NULL && strncmp(buf, "SIP/2.0 ", 8) != 0) {
		char err[256];
		int rc = sl_tp_send(t->tp, peer->proto, peer->conn_id, &peer->remote,
				    peer->remote_len, t->echo, strlen(t->echo), NULL, err,
				    sizeof(err));

		ck_assert_msg(rc == 0, "echo: %s", err);
	}
}

static void on_close(void *arg, uint64_t id, const char *why)
{
	struct tt *t = arg;

	ck_assert_uint_lt(t->nclose, TP_MAX_REC);
	t->closed_id[t->nclose] = id;
	snprintf(t->closed_why[t->nclose], sizeof(t->closed_why[0]), "%s", why);
	t->nclose++;
}

void tt_init(struct tt *t, unsigned max_conn, unsigned idle_s, size_t max_msg)
{
	tt_init_base(t, NULL, max_conn, idle_s, max_msg);
}

void tt_init_base(struct tt *t, struct event_base *base, unsigned max_conn, unsigned idle_s,
		  size_t max_msg)
{
	struct sl_tp_cfg cfg = { max_conn, idle_s, max_msg };
	struct sl_tp_callbacks cb = { t, on_message, on_close };
	char err[256];

	memset(t, 0, sizeof(*t));
	t->own_base = base == NULL;
	t->base = base != NULL ? base : event_base_new();
	ck_assert_ptr_nonnull(t->base);
	t->tp = sl_tp_new(t->base, &cfg, &cb, err, sizeof(err));
	ck_assert_msg(t->tp != NULL, "sl_tp_new: %s", err);
}

void tt_fini(struct tt *t)
{
	sl_tp_free(t->tp);
	if (t->own_base)
		event_base_free(t->base);
}

void tt_tls(struct tt *t, const char *cert, bool require, const char *keylog)
{
	char c[64], k[64], err[512];
	struct sl_tp_tls_cfg cfg = {
		.cert_file = c, .key_file = k, .trust_dir = tt_path("trust"),
		.min_version = TLS1_2_VERSION, .require_client_cert = require,
		.keylog_file = keylog,
	};
	char cp[512], kp[512];

	snprintf(c, sizeof(c), "%s.pem", cert);
	snprintf(k, sizeof(k), "%s.key", cert);
	snprintf(cp, sizeof(cp), "%s", tt_path(c));
	snprintf(kp, sizeof(kp), "%s", tt_path(k));
	cfg.cert_file = cp;
	cfg.key_file = kp;
	ck_assert_msg(sl_tp_set_tls(t->tp, &cfg, err, sizeof(err)) == 0, "set_tls: %s", err);
}

int tt_listen(struct tt *t, enum sl_tp_proto p)
{
	char err[256];
	unsigned idx = 0;
	int port;

	ck_assert_msg(sl_tp_listen(t->tp, p, "127.0.0.1", 0, err, sizeof(err)) == 0,
		      "listen: %s", err);
	while (sl_tp_listen_port(t->tp, p, idx + 1) > 0)
		idx++;
	port = sl_tp_listen_port(t->tp, p, idx);
	ck_assert_int_gt(port, 0);
	return port;
}

bool tt_run(struct tt *t, bool (*cond)(struct tt *, void *), void *arg, int ms)
{
	struct timeval tv = { 0, 5000 };

	for (int i = 0; i < ms / 5; i++) {
		if (cond != NULL && cond(t, arg))
			return true;
		event_base_loopexit(t->base, &tv);
		event_base_dispatch(t->base);
	}
	return cond != NULL && cond(t, arg);
}

void tt_sleep_loop(struct tt *t, int ms)
{
	tt_run(t, NULL, NULL, ms);
}

bool tt_nmsg_ge(struct tt *t, void *n)
{
	return t->nmsg >= (uintptr_t)n;
}

bool tt_nclose_ge(struct tt *t, void *n)
{
	return t->nclose >= (uintptr_t)n;
}

int tcp_client(int port, int type)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, type, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

void write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		ck_assert_int_gt(w, 0);
		c += w;
		n -= (size_t)w;
	}
}

size_t tt_read(struct tt *t, int fd, char *buf, size_t n, int ms)
{
	size_t got = 0;

	for (int i = 0; i < ms / 5 && got < n; i++) {
		ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);

		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			break;
		tt_sleep_loop(t, 5);
	}
	return got;
}

bool tt_eof(struct tt *t, int fd, int ms)
{
	char b[256];

	for (int i = 0; i < ms / 5; i++) {
		ssize_t r = recv(fd, b, sizeof(b), MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return true;
		if (r < 0)
			tt_sleep_loop(t, 5);
	}
	return false;
}

/* ---- TLS client thread ---- */

SSL_CTX *tcli_ctx(const char *cert, int max_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(SSL_CTX_load_verify_locations(ctx, NULL, tt_path("trust")), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (max_version != 0) {
		if (max_version < TLS1_2_VERSION) {
			/* let this client offer the old protocol at all */
			SSL_CTX_set_security_level(ctx, 0);
			SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
			SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		}
		SSL_CTX_set_max_proto_version(ctx, max_version);
	}
	if (cert != NULL) {
		char c[64], k[64];

		snprintf(c, sizeof(c), "%s.pem", cert);
		snprintf(k, sizeof(k), "%s.key", cert);
		ck_assert_int_eq(SSL_CTX_use_certificate_file(ctx, tt_path(c), SSL_FILETYPE_PEM), 1);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(ctx, tt_path(k), SSL_FILETYPE_PEM), 1);
	}
	return ctx;
}

static void *tcli_main(void *arg)
{
	struct tcli *c = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };
	struct timeval tv = { 0, 20000 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	SSL *ssl = SSL_new(c->ctx);
	X509 *x;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || ssl == NULL || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		goto fail;
	x = SSL_get1_peer_certificate(ssl);
	if (x != NULL) {
		unsigned char md[32];
		unsigned int n = 0;

		X509_digest(x, EVP_sha256(), md, &n);
		for (unsigned i = 0; i < n; i++)
			snprintf(c->server_fp + 2 * i, 3, "%02x", md[i]);
		X509_free(x);
	}
	snprintf(c->version, sizeof(c->version), "%s", SSL_get_version(ssl));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	atomic_store(&c->hs, 1);
	while (!atomic_load(&c->quit)) {
		char b[1024];
		int r, g = atomic_load(&c->send_gen);

		if (g != atomic_load(&c->sent_gen)) {
			pthread_mutex_lock(&c->mu);
			r = SSL_write(ssl, c->sendbuf, (int)c->sendlen);
			pthread_mutex_unlock(&c->mu);
			if (r <= 0)
				break;
			atomic_store(&c->sent_gen, g);
		}
		r = SSL_read(ssl, b, sizeof(b));
		if (r > 0) {
			pthread_mutex_lock(&c->mu);
			if (c->nrecv + (size_t)r <= sizeof(c->recv)) {
				memcpy(c->recv + c->nrecv, b, (size_t)r);
				c->nrecv += (size_t)r;
			}
			pthread_mutex_unlock(&c->mu);
			continue;
		}
		if (SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ) {
			ERR_clear_error();
			continue;
		}
		break;	/* alert, EOF or reset */
	}
	atomic_store(&c->peer_closed, 1);
	SSL_free(ssl);
	close(fd);
	ERR_clear_error();
	return NULL;
fail:
	atomic_store(&c->hs, -1);
	atomic_store(&c->peer_closed, 1);
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
	return NULL;
}

void tcli_start(struct tcli *c, SSL_CTX *ctx, int port)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->port = port;
	pthread_mutex_init(&c->mu, NULL);
	ck_assert_int_eq(pthread_create(&c->th, NULL, tcli_main, c), 0);
}

void tcli_send(struct tcli *c, const char *s)
{
	pthread_mutex_lock(&c->mu);
	c->sendlen = strlen(s);
	memcpy(c->sendbuf, s, c->sendlen);
	pthread_mutex_unlock(&c->mu);
	atomic_fetch_add(&c->send_gen, 1);
}

size_t tcli_nrecv(struct tcli *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->nrecv;
	pthread_mutex_unlock(&c->mu);
	return n;
}

void tcli_stop(struct tcli *c)
{
	atomic_store(&c->quit, 1);
	pthread_join(c->th, NULL);
	pthread_mutex_destroy(&c->mu);
	SSL_CTX_free(c->ctx);
}

bool tcli_hs_done(struct tt *t, void *c)
{
	(void)t;
	return atomic_load(&((struct tcli *)c)->hs) != 0;
}

bool tcli_closed(struct tt *t, void *c)
{
	(void)t;
	return atomic_load(&((struct tcli *)c)->peer_closed) != 0;
}

void cli_fingerprint(const char *pem, char out[65])
{
	char cmd[700], line[256];
	FILE *f;
	size_t o = 0;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -fingerprint -sha256 -in '%s'", pem);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	pclose(f);
	/* "sha256 Fingerprint=AB:CD:..." */
	for (const char *p = strchr(line, '=') + 1; *p && o < 64; p++)
		if (isxdigit((unsigned char)*p))
			out[o++] = (char)tolower((unsigned char)*p);
	out[o] = '\0';
	ck_assert_uint_eq(o, 64);
}
