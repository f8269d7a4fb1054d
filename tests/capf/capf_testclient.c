/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capf_testclient: a minimal phone side of CAPF (spec §1.8) used only by
 * test_e2e.sh against capf_testserver. Blocking OpenSSL, one session.
 *
 *   capf_testclient --port N --device NAME [--password PW] [--tls10]
 *       [--lsc-out FILE] [--fetch-cert FILE] [--auth-cert F --auth-key F]
 *       [--refuse] [--wrong-session]
 * Prints "end_reason=R" and exits 0 when END_SESSION arrives, 1 otherwise.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>

#include "capf_msg.h"

static SSL *ssl;
static uint32_t sid;
static EVP_PKEY *key;

static void fail(const char *what) __attribute__((noreturn));

static void fail(const char *what)
{
	fprintf(stderr, "capf_testclient: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static void read_n(uint8_t *b, size_t n)
{
	size_t got = 0;
	int r;

	while (got < n) {
		r = SSL_read(ssl, b + got, (int)(n - got));
		if (r <= 0)
			fail("connection closed before END_SESSION");
		got += (size_t)r;
	}
}

static void send_w(struct capf_w *w)
{
	long n = capf_w_finish(w);

	if (n < 0 || SSL_write(ssl, w->buf, (int)n) != (int)n)	/* one write: spec §1.1 */
		fail("cannot send");
}

static size_t sign(EVP_PKEY *k, const EVP_MD *md, const uint8_t *d, size_t dl, uint8_t *sig)
{
	uint8_t h[64];
	unsigned hl;
	size_t sl = 1024;
	EVP_PKEY_CTX *pc;
	EVP_MD_CTX *mc;

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		mc = EVP_MD_CTX_new();
		if (EVP_DigestSignInit(mc, NULL, md, NULL, k) != 1 ||
		    EVP_DigestSign(mc, sig, &sl, d, dl) != 1)
			fail("ECDSA signing");
		EVP_MD_CTX_free(mc);
		return sl;
	}
	/* spec §1.7: PKCS#1 type 1 over the raw digest */
	EVP_Digest(d, dl, h, &hl, md, NULL);
	pc = EVP_PKEY_CTX_new(k, NULL);
	if (EVP_PKEY_sign_init(pc) != 1 || EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_sign(pc, sig, &sl, h, hl) != 1)
		fail("RSA signing");
	EVP_PKEY_CTX_free(pc);
	return sl;
}

static uint8_t *file_der(const char *path, size_t *len, EVP_PKEY **k, const char *keypath)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	uint8_t *der = NULL;
	int n;

	if (f)
		fclose(f);
	if (x == NULL)
		fail("cannot read a certificate file");
	n = i2d_X509(x, &der);
	*len = (size_t)n;
	X509_free(x);
	if (k != NULL) {
		f = fopen(keypath, "r");
		*k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		if (*k == NULL)
			fail("cannot read the key file");
	}
	return der;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", 1, NULL, 'p' }, { "device", 1, NULL, 'd' },
		{ "password", 1, NULL, 'w' }, { "tls10", 0, NULL, 't' },
		{ "lsc-out", 1, NULL, 'o' }, { "fetch-cert", 1, NULL, 'f' },
		{ "auth-cert", 1, NULL, 'c' }, { "auth-key", 1, NULL, 'k' },
		{ "refuse", 0, NULL, 'r' }, { "wrong-session", 0, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dev = NULL, *pw = NULL, *lsc_out = NULL, *fetch = NULL, *acert = NULL,
		   *akey = NULL;
	bool tls10 = false, refuse = false, wrong = false;
	static uint8_t buf[CAPF_MSG_MAX], ob[CAPF_MSG_MAX];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct capf_w w;
	SSL_CTX *ctx;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': sa.sin_port = htons((uint16_t)atoi(optarg)); break;
		case 'd': dev = optarg; break;
		case 'w': pw = optarg; break;
		case 't': tls10 = true; break;
		case 'o': lsc_out = optarg; break;
		case 'f': fetch = optarg; break;
		case 'c': acert = optarg; break;
		case 'k': akey = optarg; break;
		case 'r': refuse = true; break;
		case 's': wrong = true; break;
		default: fail("bad option");
		}
	}
	if (dev == NULL)
		fail("--device is required");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail("cannot connect");
	ctx = SSL_CTX_new(TLS_client_method());
	if (tls10) {
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_cipher_list(ctx, "AES128-SHA:@SECLEVEL=0");
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		fail("TLS handshake failed");
	fprintf(stderr, "capf_testclient: %s\n", SSL_get_version(ssl));
	for (;;) {
		struct capf_msg m;
		struct capf_hdr h;
		uint8_t v;

		read_n(buf, CAPF_HDR_LEN);
		if (capf_hdr_parse(buf, CAPF_HDR_LEN, &h) != 0)
			fail("bad header from the server");
		read_n(buf + CAPF_HDR_LEN, h.body_len);
		if (capf_msg_parse(buf, CAPF_HDR_LEN + (size_t)h.body_len, &m) != 0)
			fail("bad message from the server");
		switch (h.cmd) {
		case CAPF_AUTH_REQUEST:
			sid = h.session;
			capf_w_init(&w, ob, sizeof(ob), CAPF_AUTH_RESPONSE, wrong ? sid + 1 : sid);
			capf_w_u8(&w, CAPF_EL_REASON, 1);
			capf_w_u8(&w, CAPF_EL_VERSION, 3);
			if (pw != NULL)
				capf_w_cstr(&w, CAPF_EL_PASSWORD, pw);
			capf_w_cstr(&w, CAPF_EL_DEVICE_NAME, dev);
			if (acert != NULL) {
				EVP_PKEY *ak;
				size_t dl, nl = strlen(dev), l1, l2;
				uint8_t *der = file_der(acert, &dl, &ak, akey);
				uint8_t *ad = malloc(nl + 1 + dl), s1[1024], s2[1024];

				memcpy(ad, dev, nl + 1);
				memcpy(ad + nl + 1, der, dl);
				l1 = sign(ak, EVP_sha1(), ad, nl + 1 + dl, s1);
				l2 = sign(ak, EVP_sha512(), ad, nl + 1 + dl, s2);
				capf_w_cert(&w, CAPF_CERT_LSC, der, dl);
				capf_w_bytes(&w, CAPF_EL_SIGNED_DATA, s1, l1);
				capf_w_sha2sig(&w, s2, l2);
				free(ad);
				OPENSSL_free(der);
				EVP_PKEY_free(ak);
			}
			send_w(&w);
			break;
		case CAPF_KEY_GENERATE_REQUEST: {
			uint8_t kt = 0, cv = 0, *spki = NULL;
			uint16_t bits = 2048;
			static const char *const curves[] = { "P-256", "P-384", "P-521" };
			int sl;

			capf_el_u8(&m, CAPF_EL_KEY_TYPE, &kt);
			capf_el_u8(&m, CAPF_EL_CURVE, &cv);
			capf_el_u16(&m, CAPF_EL_KEY_SIZE, &bits);
			key = kt == 1 ? EVP_EC_gen(curves[cv % 3]) : EVP_RSA_gen(bits);
			if (key == NULL)
				fail("key generation");
			capf_w_init(&w, ob, sizeof(ob), CAPF_REQUEST_IN_PROGRESS, sid);
			send_w(&w);
			sl = i2d_PUBKEY(key, &spki);
			capf_w_init(&w, ob, sizeof(ob), CAPF_KEY_GENERATE_RESPONSE, sid);
			capf_w_u8(&w, CAPF_EL_REASON, 1);
			capf_w_bytes(&w, CAPF_EL_PUBLIC_KEY, spki, (size_t)sl);
			send_w(&w);
			OPENSSL_free(spki);
			break;
		}
		case CAPF_STORE_CERTIFICATE_REQUEST: {
			struct capf_cert_el ce;
			const unsigned char *p;
			X509 *x;
			FILE *f;

			if (!m.el[CAPF_EL_CERTIFICATE].present ||
			    capf_cert_unwrap(m.el[4].v, m.el[4].len, &ce) != 0 || !ce.prefix_ok)
				fail("STORE_CERTIFICATE_REQUEST without a proper CERTIFICATE");
			p = ce.der;
			x = d2i_X509(NULL, &p, (long)ce.der_len);
			if (x == NULL || key == NULL || EVP_PKEY_eq(X509_get0_pubkey(x), key) != 1)
				fail("the LSC does not carry our key");
			if (lsc_out != NULL && (f = fopen(lsc_out, "w")) != NULL) {
				PEM_write_X509(f, x);
				fclose(f);
			}
			X509_free(x);
			capf_w_init(&w, ob, sizeof(ob), CAPF_STORE_CERTIFICATE_RESPONSE, sid);
			capf_w_u8(&w, CAPF_EL_REASON, refuse ? 7 : 1);
			send_w(&w);
			break;
		}
		case CAPF_FETCH_CERTIFICATE_REQUEST:
			capf_w_init(&w, ob, sizeof(ob), CAPF_FETCH_CERTIFICATE_RESPONSE, sid);
			if (fetch != NULL && !refuse) {
				size_t dl;
				uint8_t *der = file_der(fetch, &dl, NULL, NULL);

				capf_w_u8(&w, CAPF_EL_REASON, 1);
				capf_w_cert(&w, CAPF_CERT_LSC, der, dl);
				OPENSSL_free(der);
			} else {
				capf_w_u8(&w, CAPF_EL_REASON, 7);
			}
			send_w(&w);
			break;
		case CAPF_DELETE_CERTIFICATE_REQUEST:
			capf_w_init(&w, ob, sizeof(ob), CAPF_DELETE_CERTIFICATE_RESPONSE, sid);
			capf_w_u8(&w, CAPF_EL_REASON, refuse ? 7 : 1);
			send_w(&w);
			break;
		case CAPF_END_SESSION:
			if (capf_el_u8(&m, CAPF_EL_REASON, &v) != 0)
				fail("END_SESSION without REASON");
			printf("end_reason=%u\n", v);
			SSL_free(ssl);
			SSL_CTX_free(ctx);
			close(fd);
			EVP_PKEY_free(key);
			return 0;
		default:
			fail("unexpected command from the server");
		}
	}
}
