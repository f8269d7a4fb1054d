/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the trust store tests: temporary directories, test
 * certificates made with libcrypto, running the OpenSSL command line. */
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "test_trust.h"

char tt_dir[64];

void tt_setup(void)
{
	snprintf(tt_dir, sizeof(tt_dir), "/tmp/sltrustXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tt_dir));
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

void tt_teardown(void)
{
	nftw(tt_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tt_path(const char *name)
{
	static char buf[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tt_dir, name);
	return buf[k];
}

EVP_PKEY *tt_key_ec(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	ck_assert_ptr_nonnull(k);
	return k;
}

EVP_PKEY *tt_key_rsa(int bits)
{
	EVP_PKEY *k = EVP_RSA_gen((unsigned)bits);

	ck_assert_ptr_nonnull(k);
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

X509 *tt_cert(const char *cn, EVP_PKEY *key, bool ca, X509 *icert, EVP_PKEY *ikey)
{
	static long serial = 0x1000;
	X509 *x = X509_new();
	X509_NAME *nm;

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"Shieldlock Test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, icert ? X509_get_subject_name(icert) : nm);
	X509_set_pubkey(x, key);
	add_ext(x, icert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (ca)
		add_ext(x, icert, NID_key_usage, "critical,keyCertSign,cRLSign");
	add_ext(x, icert, NID_subject_key_identifier, "hash");
	if (icert)
		add_ext(x, icert, NID_authority_key_identifier, "keyid:always");
	if (!ca)
		add_ext(x, icert, NID_subject_alt_name, "DNS:phone.test.example,IP:192.0.2.7");
	ck_assert_int_gt(X509_sign(x, ikey ? ikey : key, EVP_sha256()), 0);
	return x;
}

void tt_write_pem(const char *path, X509 *x, bool append)
{
	FILE *f = fopen(path, append ? "a" : "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	fclose(f);
}

void tt_write_der(const char *path, X509 *x)
{
	size_t n;
	uint8_t *d = tt_der(x, &n);

	tt_write(path, d, n);
	free(d);
}

void tt_write_key(const char *path, EVP_PKEY *k, bool append)
{
	FILE *f = fopen(path, append ? "a" : "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

uint8_t *tt_der(X509 *x, size_t *len)
{
	unsigned char *p = NULL;
	int n = i2d_X509(x, &p);
	uint8_t *d;

	ck_assert_int_gt(n, 0);
	d = malloc((size_t)n);
	memcpy(d, p, (size_t)n);
	OPENSSL_free(p);
	*len = (size_t)n;
	return d;
}

uint8_t *tt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d = malloc(1 << 20);
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(d, 1, (1 << 20) - 1, f);
	fclose(f);
	d[n] = 0;
	*len = n;
	return d;
}

void tt_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

const char *tt_openssl(void)
{
	const char *o = getenv("OPENSSL");

	return o && *o ? o : "openssl";
}

int tt_run(char *out, size_t n, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *p;
	size_t got = 0;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	if (out && n) {
		got = fread(out, 1, n - 1, p);
		while (got && (out[got - 1] == '\n' || out[got - 1] == ' '))
			got--;
		out[got] = '\0';
	} else {
		char sink[512];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int tt_count(const char *sub)
{
	DIR *d = opendir(tt_path(sub));
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}
