/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS for SIP (RFC 3261 §26.2, RFC 5630): the server and client contexts,
 * client certificate verification, the peer's certificate details, and an
 * NSS key log for tests (tshark).
 *
 * Policy: TLS 1.2 (or 1.3) up to TLS 1.3, ECDHE + AEAD cipher suites, no
 * renegotiation, no compression (CRIME), no session resumption (every
 * connection is verified against the current trust store and certificate).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tp_internal.h"

static const char default_ciphers[] =
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* The newest OpenSSL error as text, and the queue cleared. */
static const char *ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "no OpenSSL error recorded");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

static void record_verify(X509_STORE_CTX *x, int ok)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tp_conn *c = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

	if (!ok && c != NULL && !c->verify_failed) {
		c->verify_failed = true;
		c->verify_err = X509_STORE_CTX_get_error(x);
	}
}

/* Client certificate optional: record the result, let the handshake go on. */
static int verify_record(int ok, X509_STORE_CTX *x)
{
	record_verify(x, ok);
	return 1;
}

/* Certificate required (server side) or server verification (client side). */
static int verify_strict(int ok, X509_STORE_CTX *x)
{
	record_verify(x, ok);
	return ok;
}

static void keylog_cb(const SSL *ssl, const char *line)
{
	struct sl_tp *tp = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	struct iovec iov[2] = { { (void *)line, strlen(line) }, { "\n", 1 } };

	if (tp == NULL || tp->keylog_fd < 0)
		return;
	/* one writev on an O_APPEND fd: lines are not interleaved */
	if (writev(tp->keylog_fd, iov, 2) < 0)
		return;
}

/* A read-only BIO over len bytes of PEM text (NULL if it does not fit an int). */
static BIO *pem_bio(const char *pem, size_t len)
{
	return len <= INT_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
}

/*
 * Calls fn(ctx, x, i) for the i-th certificate of a PEM text, in order.
 * Returns how many there were, or -1 if fn failed or a certificate is
 * damaged: the read loop ends at the end of the text (no further BEGIN
 * line) or at a damaged certificate, and only the first is success.
 */
static int each_pem_cert(SSL_CTX *ctx, const char *pem, size_t len,
			 int (*fn)(SSL_CTX *ctx, X509 *x, int i))
{
	BIO *b = pem_bio(pem, len);
	X509 *x;
	int n = 0, ok = b != NULL;

	while (ok && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		ok = fn(ctx, x, n++);
		X509_free(x);
	}
	BIO_free(b);
	if (!ok || ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
		return -1;
	ERR_clear_error();
	return n;
}

/* The leaf, then its intermediates (as SSL_CTX_use_certificate_chain_file). */
static int chain_cert(SSL_CTX *ctx, X509 *x, int i)
{
	if (i == 0)
		return SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_clear_chain_certs(ctx);
	return SSL_CTX_add1_chain_cert(ctx, x) == 1;
}

static int trust_cert(SSL_CTX *ctx, X509 *x, int i)
{
	(void)i;
	return X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x) == 1;
}

static int use_key_pem(SSL_CTX *ctx, const char *pem, size_t len)
{
	BIO *b = pem_bio(pem, len);
	EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	int ok = k != NULL && SSL_CTX_use_PrivateKey(ctx, k) == 1;

	EVP_PKEY_free(k);
	BIO_free(b);
	return ok ? 0 : -1;
}

static SSL_CTX *ctx_new(struct sl_tp *tp, const struct sl_tp_tls_cfg *cfg, bool server,
			char *err, size_t errlen)
{
	const char *side = server ? "TLS server" : "TLS client";
	bool mem = cfg->cert_pem != NULL;
	int minv = cfg->min_version ? cfg->min_version : TLS1_2_VERSION;
	char r[256];
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

	if (ctx == NULL) {
		tp_errf(err, errlen, "%s: cannot create a context: %s", side,
			ssl_reason(r, sizeof(r)));
		return NULL;
	}
	SSL_CTX_set_app_data(ctx, tp);
	if (!SSL_CTX_set_min_proto_version(ctx, minv) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		tp_errf(err, errlen, "%s: cannot set the TLS versions: %s", side,
			ssl_reason(r, sizeof(r)));
		goto err_ctx;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
			    SSL_OP_NO_TICKET | (server ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
	if (!SSL_CTX_set_cipher_list(ctx, cfg->ciphers ? cfg->ciphers : default_ciphers)) {
		tp_errf(err, errlen, "%s: no usable cipher in the TLS 1.2 list '%s'; "
			"fix tls ciphers", side, cfg->ciphers ? cfg->ciphers : default_ciphers);
		goto err_ctx;
	}
	if (cfg->ciphersuites != NULL && !SSL_CTX_set_ciphersuites(ctx, cfg->ciphersuites)) {
		tp_errf(err, errlen, "%s: no usable suite in the TLS 1.3 list '%s'; "
			"fix tls ciphersuites", side, cfg->ciphersuites);
		goto err_ctx;
	}
	if (mem ? each_pem_cert(ctx, cfg->cert_pem, cfg->cert_pem_len, chain_cert) <= 0 :
		  SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		tp_errf(err, errlen, "%s: cannot load the certificate chain %s: %s; give "
			"a PEM file, leaf first", side, cfg->cert_file, ssl_reason(r, sizeof(r)));
		goto err_ctx;
	}
	if ((mem ? use_key_pem(ctx, cfg->key_pem, cfg->key_pem_len) < 0 :
		   SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tp_errf(err, errlen, "%s: cannot use the private key %s: %s; give the PEM "
			"key of the certificate %s", side, cfg->key_file,
			ssl_reason(r, sizeof(r)), cfg->cert_file);
		goto err_ctx;
	}
	if (mem && cfg->trust_pem != NULL &&
	    each_pem_cert(ctx, cfg->trust_pem, cfg->trust_pem_len, trust_cert) < 0) {
		tp_errf(err, errlen, "%s: cannot use the trust store %s: %s; check it with "
			"'shieldlockctl cert list'", side, cfg->trust_dir ? cfg->trust_dir : "(given)",
			ssl_reason(r, sizeof(r)));
		goto err_ctx;
	}
	if (!mem && cfg->trust_dir != NULL &&
	    SSL_CTX_load_verify_locations(ctx, NULL, cfg->trust_dir) != 1) {
		tp_errf(err, errlen, "%s: cannot use the trust directory %s: %s", side,
			cfg->trust_dir, ssl_reason(r, sizeof(r)));
		goto err_ctx;
	}
	if (server) {
		/* RFC 5630 §3.2 / RFC 3261 §26.3.1: mutual TLS if the phone has a cert */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
				   (cfg->require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
				   cfg->require_client_cert ? verify_strict : verify_record);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
		SSL_CTX_set_num_tickets(ctx, 0);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_strict);
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	}
	if (cfg->keylog_file != NULL)
		SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	return ctx;
err_ctx:
	SSL_CTX_free(ctx);
	return NULL;
}

int tp_tls_build(struct sl_tp *tp, const struct sl_tp_tls_cfg *cfg,
		 SSL_CTX **srv, SSL_CTX **cli, char *err, size_t errlen)
{
	struct stat st;
	bool mem = cfg->cert_pem != NULL;

	if (cfg->cert_file == NULL || cfg->key_file == NULL ||
	    (mem && cfg->key_pem == NULL)) {
		tp_errf(err, errlen, "TLS: a certificate file and a key file are required");
		return -EINVAL;
	}
	if (cfg->min_version != 0 && cfg->min_version != TLS1_2_VERSION &&
	    cfg->min_version != TLS1_3_VERSION) {
		tp_errf(err, errlen, "TLS: minimum version 0x%x refused; only TLS 1.2 "
			"and TLS 1.3 are allowed", (unsigned)cfg->min_version);
		return -EINVAL;
	}
	if (!mem && cfg->trust_dir != NULL &&
	    (stat(cfg->trust_dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
		tp_errf(err, errlen, "TLS: trust directory %s is not a directory; give a "
			"CApath prepared with 'openssl rehash'", cfg->trust_dir);
		return -ENOENT;
	}
	if (cfg->require_client_cert && (mem ? cfg->trust_pem == NULL : cfg->trust_dir == NULL)) {
		tp_errf(err, errlen, "TLS: client certificates are required but no trust "
			"directory is set to verify them; set trust_dir");
		return -EINVAL;
	}
	*srv = ctx_new(tp, cfg, true, err, errlen);
	if (*srv == NULL)
		return -EINVAL;
	*cli = ctx_new(tp, cfg, false, err, errlen);
	if (*cli == NULL) {
		SSL_CTX_free(*srv);
		*srv = NULL;
		return -EINVAL;
	}
	return 0;
}

/* Printable ASCII without separators; refuse anything a log or a list could misread. */
static bool clean(const unsigned char *s, size_t n, bool allow_comma)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f || (!allow_comma && (s[i] == ',' || s[i] == ' ')))
			return false;
	return true;
}

static void peer_cn(X509 *x, char *out, size_t len)
{
	X509_NAME *nm = X509_get_subject_name(x);
	int i = -1, last = -1;
	unsigned char *u = NULL;
	int n;

	out[0] = '\0';
	while ((i = X509_NAME_get_index_by_NID(nm, NID_commonName, i)) >= 0)
		last = i;	/* the most specific CN */
	if (last < 0)
		return;
	n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, last)));
	/* a truncated or odd CN could pass for another identity: leave it empty */
	if (n > 0 && (size_t)n < len && clean(u, (size_t)n, true)) {
		memcpy(out, u, (size_t)n);
		out[n] = '\0';
	}
	OPENSSL_free(u);
}

static void peer_sans(X509 *x, char *out, size_t len)
{
	GENERAL_NAMES *gns = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; gns != NULL && i < sk_GENERAL_NAME_num(gns); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gns, i);
		const ASN1_IA5STRING *s;
		size_t n;

		if (g->type == GEN_DNS)
			s = g->d.dNSName;
		else if (g->type == GEN_URI)
			s = g->d.uniformResourceIdentifier;
		else
			continue;
		n = (size_t)ASN1_STRING_length(s);
		/* skip embedded NULs, controls, commas; whole entries only */
		if (n == 0 || !clean(ASN1_STRING_get0_data(s), n, false) ||
		    used + (used ? 1 : 0) + n + 1 > len)
			continue;
		if (used)
			out[used++] = ',';
		memcpy(out + used, ASN1_STRING_get0_data(s), n);
		used += n;
		out[used] = '\0';
	}
	GENERAL_NAMES_free(gns);
}

void tp_tls_peer_fill(struct tp_conn *c)
{
	struct sl_tp_peer *p = &c->peer;
	SSL *ssl = c->ssl;
	X509 *x;

	if (ssl == NULL)
		return;
	snprintf(p->tls_version, sizeof(p->tls_version), "%s", SSL_get_version(ssl));
	snprintf(p->tls_cipher, sizeof(p->tls_cipher), "%s",
		 SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
	x = SSL_get1_peer_certificate(ssl);
	p->cert_present = x != NULL;
	p->cert_verified = false;
	p->cert_subject_cn[0] = p->cert_sans[0] = p->cert_sha256[0] = '\0';
	if (x == NULL)
		return;
	p->cert_verified = !c->verify_failed && SSL_get_verify_result(ssl) == X509_V_OK;
	peer_cn(x, p->cert_subject_cn, sizeof(p->cert_subject_cn));
	peer_sans(x, p->cert_sans, sizeof(p->cert_sans));
	{
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;

		if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32)
			for (unsigned i = 0; i < mdlen; i++)
				snprintf(p->cert_sha256 + 2 * i, 3, "%02x", md[i]);
	}
	X509_free(x);
}

void tp_tls_error_str(struct tp_conn *c, char *out, size_t len)
{
	unsigned long e = c->bev != NULL ? bufferevent_get_openssl_error(c->bev) : 0, last = 0;
	char r[200];

	while (e != 0) {	/* the queue is per bufferevent; keep the first */
		if (last == 0)
			last = e;
		e = bufferevent_get_openssl_error(c->bev);
	}
	if (c->verify_failed)
		snprintf(out, len, "TLS handshake failed: certificate verification: %s",
			 X509_verify_cert_error_string(c->verify_err));
	else if (last != 0)
		snprintf(out, len, "TLS handshake failed: %s",
			 (ERR_error_string_n(last, r, sizeof(r)), r));
	else
		snprintf(out, len, "TLS handshake failed: %s", strerror(EVUTIL_SOCKET_ERROR()));
}
