/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CAPF listener (spec §1.1): TLS over TCP (default port 3804) on
 * libevent's bufferevent_openssl, one capf_session per connection, session
 * IDs from a counter starting at 1, a limit on concurrent sessions,
 * deadlines, one log line per session (never a password), counters.
 */
#ifndef SL_CAPF_SERVER_H
#define SL_CAPF_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "capf_session.h"

#define CAPF_PORT_DEFAULT		3804
#define CAPF_MAX_SESSIONS_DEFAULT	32

struct capf_counters {
	uint64_t sessions;		/* TLS handshakes completed (IDs handed out) */
	uint64_t accepted;		/* TCP connections accepted */
	uint64_t active;		/* open now */
	uint64_t refused_busy;		/* closed at once: limit reached */
	uint64_t tls_failed;		/* handshake failed or timed out */
	uint64_t installs, fetches, deletes, nones;	/* successful operations */
	uint64_t fail[CAPF_F__COUNT];	/* outcome of every finished session */
	uint64_t end_reason[10];	/* END_SESSION reasons sent (0, 1, 7, 9) */
};

struct capf_server_cfg {
	struct event_base *base;
	SSL_CTX *ssl_ctx;		/* built by the caller; the server takes a reference */
	int listen_fd;			/* >= 0: a bound socket to use; else addr/port */
	const char *addr;		/* numeric address; NULL = 0.0.0.0 */
	uint16_t port;			/* 0 = any (see capf_server_port) */
	unsigned max_sessions;		/* 0 = 32 concurrent sessions */
	unsigned handshake_timeout_ms;	/* 0 = 30000 */
	uint32_t first_session_id;	/* 0 = 1 (spec §1.2) */
	struct capf_session_cfg session;	/* trust anchors and timeouts */
	const struct capf_backend_ops *ops;
	void *backend_ctx;
	/* optional: told each session's outcome after it is logged */
	void (*on_outcome)(void *arg, const struct capf_outcome *o);
	void *outcome_arg;
};

struct capf_server;

struct capf_server *capf_server_new(const struct capf_server_cfg *cfg, char *err,
				    size_t errlen);
/* Closes the listener and every session (their pending backend requests
 * are cancelled and result(CLOSED) reported where due). */
void capf_server_free(struct capf_server *srv);
uint16_t capf_server_port(const struct capf_server *srv);
void capf_server_counters(const struct capf_server *srv, struct capf_counters *out);

/*
 * A server SSL_CTX for CAPF: no client certificate requested (spec §1.1),
 * TLS 1.2 and up, or with tls10 TLS 1.0 and up with "DEFAULT:@SECLEVEL=0"
 * for 7900-series phones (spec §1.1, the reference's --tlsv1).
 * The _pkey form takes a loaded certificate and key (the key may be a
 * proxy EVP_PKEY, e.g. PKCS#11); chain may be NULL.
 */
SSL_CTX *capf_tls_ctx_new(const char *cert_file, const char *key_file, bool tls10,
			  char *err, size_t errlen);
SSL_CTX *capf_tls_ctx_new_pkey(X509 *cert, STACK_OF(X509) *chain, EVP_PKEY *key, bool tls10,
			       char *err, size_t errlen);

#endif
