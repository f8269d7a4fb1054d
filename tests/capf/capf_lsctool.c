/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capf_lsctool: issues one LSC with capf_lsc_issue for test_lsc_cli.sh
 * (built, not installed).
 *   capf_lsctool ISSUER.pem ISSUER.key PHONE-PUB.pem DEVICE OUT.pem [KEY [DAYS]]
 * KEY as in capf_keyparams_parse ("rsa:2048", "ec:P-256"); default: any.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/pem.h>

#include "capf_lsc.h"

static void die(const char *what, const char *arg) __attribute__((noreturn));

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "capf_lsctool: %s %s\n", what, arg);
	exit(1);
}

int main(int argc, char **argv)
{
	struct capf_lsc_req r = { 0 };
	struct capf_keyparams kp;
	uint8_t *der = NULL, *spki = NULL;
	const unsigned char *p;
	size_t len;
	char err[256];
	EVP_PKEY *pub;
	FILE *f;
	X509 *x;
	int n;

	if (argc < 6)
		die("usage: ISSUER.pem ISSUER.key PHONE-PUB.pem DEVICE OUT.pem [KEY [DAYS]]", "");
	if ((f = fopen(argv[1], "r")) == NULL || (r.issuer = PEM_read_X509(f, 0, 0, 0)) == NULL)
		die("cannot read", argv[1]);
	fclose(f);
	if ((f = fopen(argv[2], "r")) == NULL ||
	    (r.issuer_key = PEM_read_PrivateKey(f, 0, 0, 0)) == NULL)
		die("cannot read", argv[2]);
	fclose(f);
	if ((f = fopen(argv[3], "r")) == NULL || (pub = PEM_read_PUBKEY(f, 0, 0, 0)) == NULL)
		die("cannot read", argv[3]);
	fclose(f);
	n = i2d_PUBKEY(pub, &spki);
	r.device = argv[4];
	r.spki = spki;
	r.spki_len = (size_t)n;
	if (argc > 6) {
		if (capf_keyparams_parse(argv[6], &kp) != 0)
			die("bad key parameters", argv[6]);
		r.want = &kp;
	}
	if (argc > 7)
		r.days = (unsigned)strtoul(argv[7], NULL, 10);
	if (capf_lsc_issue(&r, &der, &len, err, sizeof(err)) != 0)
		die("refused:", err);
	p = der;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || (f = fopen(argv[5], "w")) == NULL || !PEM_write_X509(f, x))
		die("cannot write", argv[5]);
	fclose(f);
	X509_free(x);
	OPENSSL_free(der);
	OPENSSL_free(spki);
	EVP_PKEY_free(pub);
	X509_free(r.issuer);
	EVP_PKEY_free(r.issuer_key);
	return 0;
}
