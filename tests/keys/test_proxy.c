/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy EVP_PKEY over token keys: certificates and a CSR signed with
 * X509_sign / X509_REQ_sign and checked by `openssl verify` / `openssl req
 * -verify`; a TLS server on 127.0.0.1 (ports 23860-23862) whose private key
 * is the proxy, answering `openssl s_client` over TLS 1.3 (RSA-PSS), TLS 1.2
 * (ECDHE-RSA) and TLS 1.0 RSA key exchange (AES128-SHA, SECLEVEL=0). The
 * proxy operations are counted, so a handshake that bypassed them fails.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "test_keys.h"

extern char **environ;

struct counted {
	struct sl_key *k;
	int sign_none, sign_pkcs1, dec, ecdsa, freed;
};

static int c_rsa(void *arg, enum sl_rsa_op op, enum sl_rsa_pad pad, const uint8_t *in,
		 size_t inlen, uint8_t *out, size_t *outlen)
{
	struct counted *c = arg;
	if (op == SL_RSA_DECRYPT)
		c->dec++;
	else if (pad == SL_RSA_PAD_NONE)
		c->sign_none++;
	else
		c->sign_pkcs1++;
	return sl_key_proxy_ops.rsa_private(c->k, op, pad, in, inlen, out, outlen);
}

static int c_ec(void *arg, const uint8_t *d, size_t dl, uint8_t *sig, size_t *sl)
{
	struct counted *c = arg;
	c->ecdsa++;
	return sl_key_proxy_ops.ecdsa_sign(c->k, d, dl, sig, sl);
}

static void c_free(void *arg)
{
	((struct counted *)arg)->freed++;
}

static const struct sl_keyproxy_ops counted_ops = { c_rsa, c_ec, c_free };

static EVP_PKEY *proxy_for(struct counted *c, const char *path)
{
	char err[512] = "";
	memset(c, 0, sizeof(*c));
	c->k = tk_open(tk_uri(path, "pin-value=1234"));
	EVP_PKEY *p = sl_keyproxy_new(sl_key_public(c->k), &counted_ops, c, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	return p;
}

/* Self-signed certificate signed by the proxy key. */
static X509 *self_signed(EVP_PKEY *pk, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	ck_assert(x != NULL && n != NULL);
	ck_assert(X509_set_version(x, X509_VERSION_3));
	ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	ck_assert(X509_set_pubkey(x, pk));
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
						"critical,CA:TRUE");
	ck_assert(e != NULL && X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
	X509_NAME_free(n);
	ck_assert_msg(X509_sign(x, pk, EVP_sha256()) > 0, "X509_sign with the proxy");
	return x;
}

static void write_cert(X509 *x, const char *path)
{
	FILE *f = fopen(path, "w");
	ck_assert(f != NULL && PEM_write_X509(f, x));
	fclose(f);
}

static void x509_round(const char *keypath, const char *name, int rsa)
{
	struct counted c;
	EVP_PKEY *p = proxy_for(&c, keypath);
	X509 *x = self_signed(p, name);
	const char *cert = tk_path(name);
	char cmd[2048];

	ck_assert_int_eq(rsa ? c.sign_pkcs1 : c.ecdsa, 1);
	/* the signature verifies under the token's public key */
	ck_assert_int_eq(X509_verify(x, sl_key_public(c.k)), 1);
	write_cert(x, cert);
	snprintf(cmd, sizeof(cmd), "%s verify -CAfile %s %s", tk_openssl(), cert, cert);
	ck_assert_int_eq(tk_run(cmd), 0);

	/* a CSR too: what CAPF and "cert regenerate" send to the ca process */
	X509_REQ *r = X509_REQ_new();
	ck_assert(r != NULL && X509_REQ_set_pubkey(r, p));
	X509_REQ_set_subject_name(r, X509_get_subject_name(x));
	ck_assert(X509_REQ_sign(r, p, EVP_sha256()) > 0);
	char csr[1100];
	snprintf(csr, sizeof(csr), "%s.csr", cert);
	FILE *f = fopen(csr, "w");
	ck_assert(f != NULL && PEM_write_X509_REQ(f, r));
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s req -verify -noout -in %s", tk_openssl(), csr);
	ck_assert_int_eq(tk_run(cmd), 0);
	ck_assert_int_eq(rsa ? c.sign_pkcs1 : c.ecdsa, 2);

	X509_REQ_free(r);
	X509_free(x);
	EVP_PKEY_free(p);
	ck_assert_int_eq(c.freed, 1);
	sl_key_free(c.k);
}

START_TEST(t_x509_rsa)
{
	x509_round("token=SAST-A;object=sast", "proxy-rsa-test.pem", 1);
}
END_TEST

START_TEST(t_x509_ec)
{
	x509_round("token=SAST-A;object=ecsast", "proxy-ec-test.pem", 0);
}
END_TEST

static int listen_on(int port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(s >= 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_msg(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0, "bind %d", port);
	ck_assert(listen(s, 4) == 0);
	return s;
}

/* Runs `openssl s_client -connect 127.0.0.1:port <args>` against one
 * SSL_accept; returns the SSL version negotiated (0 if it failed) and the
 * cipher name in cipher. */
static int handshake(SSL_CTX *ctx, int port, const char *version_opt, const char *ciphers,
		     char *cipher, size_t clen)
{
	char connect[32], log[1100];
	int ls = listen_on(port), version = 0;
	snprintf(connect, sizeof(connect), "127.0.0.1:%d", port);
	snprintf(log, sizeof(log), "%s", tk_path("s_client.log"));
	const char *argv[] = { tk_openssl(), "s_client", "-connect", connect, version_opt,
			       ciphers ? "-cipher" : NULL, ciphers, NULL };

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	ck_assert(posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) == 0);
	posix_spawn_file_actions_destroy(&fa);

	struct pollfd pfd = { .fd = ls, .events = POLLIN };
	if (poll(&pfd, 1, 10000) == 1) {
		int cs = accept(ls, NULL, NULL);
		struct timeval tv = { .tv_sec = 10 };
		setsockopt(cs, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		SSL *s = SSL_new(ctx);
		SSL_set_fd(s, cs);
		if (SSL_accept(s) == 1) {
			char buf[256];
			version = SSL_version(s);
			snprintf(cipher, clen, "%s", SSL_get_cipher_name(s));
			/* s_client closes when its stdin (/dev/null) ends */
			while (SSL_read(s, buf, sizeof(buf)) > 0)
				;
		} else {
			ERR_print_errors_fp(stderr);
		}
		SSL_free(s);
		close(cs);
	}
	close(ls);
	int st = 0;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char cmd[1200];
		snprintf(cmd, sizeof(cmd), "cat %s", log);
		tk_run(cmd);
		return 0;
	}
	return version;
}

START_TEST(t_tls_server)
{
	struct counted c;
	EVP_PKEY *p = proxy_for(&c, "token=SAST-A;object=sast");
	X509 *x = self_signed(p, "capf-test");
	char cipher[64] = "";

	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	ck_assert(ctx != NULL);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	ck_assert(SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0"));
	ck_assert(SSL_CTX_use_certificate(ctx, x) == 1);
	ck_assert(SSL_CTX_use_PrivateKey(ctx, p) == 1);
	ck_assert(SSL_CTX_check_private_key(ctx) == 1);

	/* TLS 1.3: RSA-PSS, padded by OpenSSL, raw private operation by the key */
	int n0 = c.sign_none;
	ck_assert_int_eq(handshake(ctx, 23860, "-tls1_3", NULL, cipher, sizeof(cipher)),
			 TLS1_3_VERSION);
	ck_assert_int_eq(c.sign_none, n0 + 1);

	/* TLS 1.2 ECDHE-RSA: the ServerKeyExchange is signed by the proxy */
	int s0 = c.sign_none + c.sign_pkcs1;
	ck_assert_int_eq(handshake(ctx, 23861, "-tls1_2", "ECDHE-RSA-AES128-GCM-SHA256",
				   cipher, sizeof(cipher)), TLS1_2_VERSION);
	ck_assert_str_eq(cipher, "ECDHE-RSA-AES128-GCM-SHA256");
	ck_assert_int_eq(c.sign_none + c.sign_pkcs1, s0 + 1);

	/* TLS 1.0 RSA key exchange: the 7900 series speaks only TLS 1.0 with
	 * RSA key-exchange CBC suites to CAPF (spec §1). OpenSSL's provider
	 * asks the proxy for the raw RSA decryption and checks the premaster
	 * padding itself. */
	int d0 = c.dec;
	ck_assert_int_eq(handshake(ctx, 23862, "-tls1", "AES128-SHA@SECLEVEL=0",
				   cipher, sizeof(cipher)), TLS1_VERSION);
	ck_assert_str_eq(cipher, "AES128-SHA");
	ck_assert_int_eq(c.dec, d0 + 1);

	SSL_CTX_free(ctx);
	X509_free(x);
	EVP_PKEY_free(p);
	sl_key_free(c.k);
}
END_TEST

/* A proxy whose operation fails makes X509_sign fail (no silent success). */
static int fail_rsa(void *arg, enum sl_rsa_op op, enum sl_rsa_pad pad, const uint8_t *in,
		    size_t inlen, uint8_t *out, size_t *outlen)
{
	(void)arg, (void)op, (void)pad, (void)in, (void)inlen, (void)out, (void)outlen;
	return -1;
}

START_TEST(t_proxy_failure)
{
	static const struct sl_keyproxy_ops fops = { fail_rsa, NULL, NULL };
	char err[512] = "";
	EVP_PKEY *pub = tk_read_pub(tk_path("SAST-B-rsa.pub.pem"));
	EVP_PKEY *p = sl_keyproxy_new(pub, &fops, NULL, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	X509 *x = X509_new();
	ck_assert(X509_set_pubkey(x, p));
	ck_assert_int_le(X509_sign(x, p, EVP_sha256()), 0);
	X509_free(x);
	EVP_PKEY_free(p);
	EVP_PKEY_free(pub);
	ck_assert_ptr_null(sl_keyproxy_new(NULL, &fops, NULL, err, sizeof(err)));
}
END_TEST

TCase *tcase_proxy(void)
{
	TCase *tc = tcase_create("proxy");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_x509_rsa);
	tcase_add_test(tc, t_x509_ec);
	tcase_add_test(tc, t_tls_server);
	tcase_add_test(tc, t_proxy_failure);
	return tc;
}
