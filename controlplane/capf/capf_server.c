/* SPDX-License-Identifier: BSD-3-Clause */
/* CAPF TLS listener on libevent (spec §1.1). See capf_server.h. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/err.h>

#include "capf_server.h"
#include "log.h"

#define HANDSHAKE_TIMEOUT_DEFAULT 30000

struct conn {
	struct capf_server *srv;
	struct bufferevent *bev;
	struct capf_session *s;
	struct event *timer;
	bool closing;
	bool linger;	/* waiting (bounded) for END_SESSION to be written */
	uint32_t id;
	char peer[INET6_ADDRSTRLEN + 8];
	struct conn *prev, *next;
};

struct capf_server {
	struct capf_server_cfg cfg;
	struct evconnlistener *lis;
	uint32_t next_id;
	struct conn *conns;
	struct capf_counters c;
};

static const char *ssl_reason(char *buf, size_t cap)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, cap, "no OpenSSL detail");
	else
		ERR_error_string_n(e, buf, cap);
	ERR_clear_error();
	return buf;
}

/* ---- TLS context ---- */

static SSL_CTX *ctx_base(bool tls10, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char r[256];

	if (ctx == NULL) {
		sl_errf(err, errlen, "CAPF TLS: cannot create a context: %s", ssl_reason(r, sizeof(r)));
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, tls10 ? TLS1_VERSION : TLS1_2_VERSION)) {
		sl_errf(err, errlen, "CAPF TLS: cannot set the minimum TLS version: %s",
		     ssl_reason(r, sizeof(r)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (tls10) {
		/* spec §1.1: 7900-series phones speak only TLS 1.0 (RSA key exchange, CBC) */
		SSL_CTX_set_security_level(ctx, 0);
		if (!SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0")) {
			sl_errf(err, errlen, "CAPF TLS: this OpenSSL refuses DEFAULT:@SECLEVEL=0: %s",
			     ssl_reason(r, sizeof(r)));
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);	/* spec §1.1: no client cert */
	return ctx;
}

SSL_CTX *capf_tls_ctx_new(const char *cert_file, const char *key_file, bool tls10,
			  char *err, size_t errlen)
{
	SSL_CTX *ctx = ctx_base(tls10, err, errlen);
	char r[256];

	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		sl_errf(err, errlen, "CAPF TLS: cannot load the certificate %s: %s; give a PEM "
		     "file, CAPF certificate first", cert_file, ssl_reason(r, sizeof(r)));
		goto err_ctx;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		sl_errf(err, errlen, "CAPF TLS: cannot use the key %s: %s; give the PEM key of "
		     "%s", key_file, ssl_reason(r, sizeof(r)), cert_file);
		goto err_ctx;
	}
	return ctx;
err_ctx:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *capf_tls_ctx_new_pkey(X509 *cert, STACK_OF(X509) *chain, EVP_PKEY *key, bool tls10,
			       char *err, size_t errlen)
{
	SSL_CTX *ctx = ctx_base(tls10, err, errlen);
	char r[256];

	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    (chain != NULL && SSL_CTX_set1_chain(ctx, chain) != 1) ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		sl_errf(err, errlen, "CAPF TLS: cannot use the CAPF certificate and key: %s; "
		     "check that the key belongs to the certificate", ssl_reason(r, sizeof(r)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* ---- connections ---- */

static void conn_free(struct conn *c)
{
	struct capf_server *srv = c->srv;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	capf_session_free(c->s);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	srv->c.active--;
	free(c);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void arm(struct conn *c, uint64_t deadline)
{
	uint64_t now = mono_ms(), ms = deadline > now ? deadline - now : 0;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

static void arm_session(struct conn *c)
{
	if (c->s != NULL && !c->closing)
		arm(c, capf_session_deadline(c->s));
}

static void free_msg(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/* spec §1.1: each message in one write. The copy becomes its own evbuffer
 * chain, which bufferevent_openssl hands to one SSL_write: one record. */
static void io_send(void *arg, const uint8_t *msg, size_t len)
{
	struct conn *c = arg;
	uint8_t *copy = malloc(len);

	if (copy == NULL)
		return;
	memcpy(copy, msg, len);
	if (evbuffer_add_reference(bufferevent_get_output(c->bev), copy, len, free_msg,
				   NULL) != 0)
		free(copy);
	arm_session(c);
}

static void count_outcome(struct capf_server *srv, const struct capf_outcome *o)
{
	srv->c.fail[o->fail]++;
	if (o->reason_sent >= 0 && o->reason_sent < 10)
		srv->c.end_reason[o->reason_sent]++;
	if (o->fail != CAPF_F_OK)
		return;
	switch (o->op) {
	case CAPF_OP_INSTALL: srv->c.installs++; break;
	case CAPF_OP_FETCH: srv->c.fetches++; break;
	case CAPF_OP_DELETE: srv->c.deletes++; break;
	case CAPF_OP_NONE: srv->c.nones++; break;
	}
}

static void io_finished(void *arg, const struct capf_outcome *o)
{
	struct conn *c = arg;
	struct capf_server *srv = c->srv;

	count_outcome(srv, o);
	sl_log(o->fail == CAPF_F_OK ? SL_LOG_NOTICE : SL_LOG_WARN,
	       "capf: session %u from %s device %s operation %s: %s (%s), END_SESSION %d",
	       o->session_id, c->peer, o->device[0] ? o->device : "-", capf_op_str(o->op),
	       capf_fail_str(o->fail), o->detail, o->reason_sent);
	if (srv->cfg.on_outcome != NULL)
		srv->cfg.on_outcome(srv->cfg.outcome_arg, o);
	/* close once END_SESSION is written: the timer callback (or the write
	 * callback) does it, never from inside the session */
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	event_active(c->timer, EV_TIMEOUT, 0);
}

/* END_SESSION is out: send close_notify (best effort, non-blocking), close. */
static void close_done(struct conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);

	if (ssl != NULL)
		(void)SSL_shutdown(ssl);
	ERR_clear_error();
	conn_free(c);
}

static void maybe_close(struct conn *c)
{
	if (c->closing && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		close_done(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	maybe_close(arg);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[4096];
	int n;

	while (!c->closing && (n = evbuffer_remove(in, buf, sizeof(buf))) > 0)
		capf_session_input(c->s, buf, (size_t)n);
	OPENSSL_cleanse(buf, sizeof(buf));	/* may hold a PASSWORD */
	if (c->closing)
		evbuffer_drain(in, evbuffer_get_length(in));
	arm_session(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
			close_done(c);
		} else if (c->linger) {
			conn_free(c);	/* the phone stopped reading */
		} else {
			struct timeval tv = { 5, 0 };

			c->linger = true;
			evtimer_add(c->timer, &tv);
		}
		return;
	}
	if (c->s == NULL) {
		log_info("capf: %s: TLS handshake timed out", c->peer);
		c->srv->c.tls_failed++;
		conn_free(c);
		return;
	}
	capf_session_tick(c->s);
	arm_session(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	struct capf_session_io io = { .send = io_send, .finished = io_finished, .arg = c };
	char r[256];

	if (what & BEV_EVENT_CONNECTED) {
		/* spec §1.8 step 1: every TLS accept takes the next session ID */
		c->id = c->srv->next_id++;
		if (c->srv->next_id == 0)
			c->srv->next_id = 1;
		c->srv->c.sessions++;
		c->s = capf_session_new(&c->srv->cfg.session, c->id, c->srv->cfg.ops,
					c->srv->cfg.backend_ctx, &io);
		if (c->s == NULL) {
			log_err("capf: session %u: out of memory", c->id);
			conn_free(c);
			return;
		}
		bufferevent_setcb(bev, on_read, on_write, on_event, c);
		bufferevent_enable(bev, EV_READ);
		capf_session_start(c->s);	/* spec §1.1: the server speaks first */
		arm_session(c);
		return;
	}
	if (c->s == NULL) {
		unsigned long e = bufferevent_get_openssl_error(bev);

		if (e != 0)
			ERR_error_string_n(e, r, sizeof(r));
		log_info("capf: %s: TLS handshake failed: %s; a 7900-series phone needs "
			 "the TLS 1.0 option", c->peer,
			 e != 0 ? r : "connection closed");
		c->srv->c.tls_failed++;
		conn_free(c);
		return;
	}
	if (!c->closing)
		capf_session_abort(c->s, (what & BEV_EVENT_EOF) ? "phone closed the connection" :
				   "connection error");
	conn_free(c);
}

static void peer_str(const struct sockaddr *sa, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, cap, "%s:%u", a, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(out, cap, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		snprintf(out, cap, "?");
	}
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct capf_server *srv = arg;
	struct conn *c;
	SSL *ssl;

	(void)lis;
	(void)salen;
	if (srv->c.active >= srv->cfg.max_sessions) {
		char p[INET6_ADDRSTRLEN + 8];

		peer_str(sa, p, sizeof(p));
		log_warn("capf: refusing %s: %u sessions open (the limit); raise it if phones "
			 "queue up", p, srv->cfg.max_sessions);
		srv->c.refused_busy++;
		evutil_closesocket(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	ssl = SSL_new(srv->cfg.ssl_ctx);
	if (c == NULL || ssl == NULL)
		goto err;
	c->srv = srv;
	peer_str(sa, c->peer, sizeof(c->peer));
	c->timer = evtimer_new(srv->cfg.base, on_timer, c);
	c->bev = bufferevent_openssl_socket_new(srv->cfg.base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
						BEV_OPT_CLOSE_ON_FREE);
	if (c->timer == NULL || c->bev == NULL) {
		if (c->bev == NULL)
			SSL_free(ssl);
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		free(c);
		log_err("capf: out of memory accepting a connection");
		return;
	}
	srv->c.accepted++;
	srv->c.active++;
	c->next = srv->conns;
	if (c->next != NULL)
		c->next->prev = c;
	srv->conns = c;
	bufferevent_setcb(c->bev, NULL, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ);
	arm(c, mono_ms() + srv->cfg.handshake_timeout_ms);
	return;
err:
	SSL_free(ssl);
	free(c);
	evutil_closesocket(fd);
	log_err("capf: out of memory accepting a connection");
}

static struct evconnlistener *bind_listener(struct capf_server *srv, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	const unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
	struct addrinfo *ai = NULL;
	struct evconnlistener *lis;
	char port[8];
	int rc;

	if (srv->cfg.listen_fd >= 0) {
		lis = evconnlistener_new(srv->cfg.base, on_accept, srv, flags, 64,
					 srv->cfg.listen_fd);
		if (lis == NULL)
			sl_errf(err, errlen, "CAPF: cannot listen on the given socket: %s",
			     strerror(errno));
		return lis;
	}
	snprintf(port, sizeof(port), "%u", srv->cfg.port);
	rc = getaddrinfo(srv->cfg.addr ? srv->cfg.addr : "0.0.0.0", port, &hints, &ai);
	if (rc != 0) {
		sl_errf(err, errlen, "CAPF: bad listen address %s: %s; give a numeric address",
		     srv->cfg.addr ? srv->cfg.addr : "0.0.0.0", gai_strerror(rc));
		return NULL;
	}
	lis = evconnlistener_new_bind(srv->cfg.base, on_accept, srv, flags, 64, ai->ai_addr,
				      (int)ai->ai_addrlen);
	if (lis == NULL)
		sl_errf(err, errlen, "CAPF: cannot listen on %s port %u: %s; is another CAPF "
		     "server running?", srv->cfg.addr ? srv->cfg.addr : "0.0.0.0",
		     srv->cfg.port, strerror(errno));
	freeaddrinfo(ai);
	return lis;
}

struct capf_server *capf_server_new(const struct capf_server_cfg *cfg, char *err,
				    size_t errlen)
{
	struct capf_server *srv;

	if (cfg->base == NULL || cfg->ssl_ctx == NULL || cfg->ops == NULL) {
		sl_errf(err, errlen, "CAPF: event base, TLS context and backend are required");
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		sl_errf(err, errlen, "CAPF: out of memory");
		return NULL;
	}
	srv->cfg = *cfg;
	if (srv->cfg.max_sessions == 0)
		srv->cfg.max_sessions = CAPF_MAX_SESSIONS_DEFAULT;
	if (srv->cfg.handshake_timeout_ms == 0)
		srv->cfg.handshake_timeout_ms = HANDSHAKE_TIMEOUT_DEFAULT;
	srv->next_id = cfg->first_session_id ? cfg->first_session_id : 1;
	SSL_CTX_up_ref(srv->cfg.ssl_ctx);
	srv->lis = bind_listener(srv, err, errlen);
	if (srv->lis == NULL) {
		SSL_CTX_free(srv->cfg.ssl_ctx);
		free(srv);
		return NULL;
	}
	return srv;
}

void capf_server_free(struct capf_server *srv)
{
	if (srv == NULL)
		return;
	evconnlistener_free(srv->lis);
	while (srv->conns != NULL)
		conn_free(srv->conns);
	SSL_CTX_free(srv->cfg.ssl_ctx);
	free(srv);
}

uint16_t capf_server_port(const struct capf_server *srv)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(evconnlistener_get_fd(srv->lis), (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

void capf_server_counters(const struct capf_server *srv, struct capf_counters *out)
{
	*out = srv->c;
}
