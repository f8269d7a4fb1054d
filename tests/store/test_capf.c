/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schema 3 (issue 5): CAPF settings and results per device, the CAPF
 * password at rest and its constant-time check, outcome recording (spec
 * §1.8), expiry, cascade on device deletion, the profile's encrypted-
 * configuration switch and the users' provisioning secrets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "store_int.h"
#include "test_store.h"

#define E T.err, sizeof(T.err)
#define DEV "SEP001122334455"
#define DEV2 "SEP00112233AABB"

static void add_device(const char *name, const char *user)
{
	struct sl_device d = { .profile = "encrypted" };

	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.user, sizeof(d.user), "%s", user);
	ck_assert_msg(sl_store_device_put(T.st, &d, true, E) == 0, "device_put: %s", T.err);
}

static void setup_devices(void)
{
	ts_add_user("alice", "alice-line-pw");
	add_device(DEV, "alice");
	add_device(DEV2, "alice");
}

static struct sl_capf_settings settings(enum sl_capf_op op, enum sl_capf_auth auth,
					const char *key, int64_t deadline)
{
	struct sl_capf_settings s = { .op = op, .auth = auth, .deadline = deadline };

	ck_assert_int_eq(sl_capf_key_parse(key, &s.key), 0);
	return s;
}

static struct sl_capf get(const char *dev)
{
	struct sl_capf c;

	ck_assert_msg(sl_store_capf_get(T.st, dev, &c, E) == 0, "capf_get: %s", T.err);
	return c;
}

/* A self-signed P-256 test certificate with the given serial bytes and
 * validity; PEM in a malloc'd string. */
static char *make_cert(const uint8_t *serial, int slen, int64_t nb, int64_t na)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	BIGNUM *bn = BN_bin2bn(serial, slen, NULL);
	BIO *b = BIO_new(BIO_s_mem());
	BUF_MEM *bm;
	char *pem;

	ck_assert(k && x && n && bn && b);
	ck_assert(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL);
	ck_assert(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)DEV, -1,
					     -1, 0) == 1);
	ck_assert(X509_set_subject_name(x, n) == 1 && X509_set_issuer_name(x, n) == 1);
	ck_assert(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL);
	ck_assert(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL);
	ck_assert(X509_set_pubkey(x, k) == 1);
	ck_assert(X509_sign(x, k, EVP_sha256()) > 0);
	ck_assert(PEM_write_bio_X509(b, x) == 1);
	BIO_get_mem_ptr(b, &bm);
	pem = calloc(1, bm->length + 1);
	ck_assert_ptr_nonnull(pem);
	memcpy(pem, bm->data, bm->length);
	BIO_free(b);
	BN_free(bn);
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(k);
	return pem;
}

/* The DER of a PEM certificate, for comparing two encodings. */
static int pem_der(const char *pem, unsigned char *out, int cap)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	unsigned char *p = out;
	int n;

	ck_assert_ptr_nonnull(x);
	n = i2d_X509(x, NULL);
	ck_assert_int_le(n, cap);
	ck_assert_int_eq(i2d_X509(x, &p), n);
	X509_free(x);
	BIO_free(b);
	return n;
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int raw_int(const char *sql)
{
	sqlite3 *db = ts_raw_open(T.path);
	sqlite3_stmt *s;
	int v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* ---- names ---- */

START_TEST(test_names_and_keys)
{
	struct sl_capf_keyspec k;
	enum sl_capf_auth a;
	enum sl_capf_op op;
	char buf[24];

	ck_assert_int_eq(sl_capf_op_parse("install", &op), 0);
	ck_assert_int_eq(op, SL_CAPF_OP_INSTALL);
	ck_assert_int_eq(sl_capf_op_parse("Install", &op), -EINVAL);
	ck_assert_str_eq(sl_capf_op_name(SL_CAPF_OP_DELETE), "delete");
	ck_assert_str_eq(sl_capf_op_name((enum sl_capf_op)9), "unknown");
	ck_assert_int_eq(sl_capf_auth_parse("lsc-or-mic", &a), 0);
	ck_assert_int_eq(a, SL_CAPF_AUTH_LSC_OR_MIC);
	ck_assert_int_eq(sl_capf_auth_parse("certificate", &a), -EINVAL);
	/* spec §7.1 capfAuthMode. */
	ck_assert_int_eq(sl_capf_auth_mode(SL_CAPF_AUTH_PASSWORD), 1);
	ck_assert_int_eq(sl_capf_auth_mode(SL_CAPF_AUTH_NULL), 2);
	ck_assert_int_eq(sl_capf_auth_mode(SL_CAPF_AUTH_LSC_OR_MIC), 3);
	ck_assert_int_eq(sl_capf_auth_mode(SL_CAPF_AUTH_LSC), 3);
	ck_assert_int_eq(sl_capf_auth_mode(SL_CAPF_AUTH_MIC), 4);

	ck_assert_int_eq(sl_capf_key_parse("rsa:3072", &k), 0);
	ck_assert_int_eq(k.type, SL_CAPF_KEY_RSA);
	ck_assert_uint_eq(k.size, 3072);
	ck_assert_str_eq(k.curve, "");
	ck_assert_int_eq(sl_capf_key_parse("ec:P-521", &k), 0);
	ck_assert_int_eq(k.type, SL_CAPF_KEY_EC);
	ck_assert_uint_eq(k.size, 0);
	sl_capf_key_format(&k, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ec:P-521");
	ck_assert_int_eq(sl_capf_key_parse("rsa:512", &k), -EINVAL);
	ck_assert_int_eq(sl_capf_key_parse("rsa:2048x", &k), -EINVAL);
	ck_assert_int_eq(sl_capf_key_parse("ec:secp256r1", &k), -EINVAL);
	ck_assert_int_eq(sl_capf_key_parse("dsa:1024", &k), -EINVAL);
	ck_assert_int_eq(sl_capf_key_parse(NULL, &k), -EINVAL);
}
END_TEST

/* ---- settings ---- */

START_TEST(test_put_get_list)
{
	struct sl_capf_settings s;
	struct sl_capf c;

	ck_assert_int_eq(sl_store_capf_get(T.st, DEV, &c, E), -ENOENT);
	setup_devices();
	c = get(DEV);
	ck_assert(!c.configured);
	ck_assert_str_eq(c.device, DEV);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_NONE);
	ck_assert_int_eq(c.set.auth, SL_CAPF_AUTH_NULL);
	ck_assert_int_eq(c.set.key.type, SL_CAPF_KEY_RSA);
	ck_assert_uint_eq(c.set.key.size, 2048);
	ck_assert_str_eq(c.last_result, "");
	ck_assert_str_eq(c.cert_kind, "");

	s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_PASSWORD, "rsa:1024", 1900000000);
	ck_assert_int_eq(sl_store_capf_put(T.st, "SEP000000000000", &s, "123456", E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "does not exist"));
	/* Password auth without a password and none stored. */
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "needs a password"));
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "123456", E), 0);
	c = get(DEV);
	ck_assert(c.configured);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_INSTALL);
	ck_assert_int_eq(c.set.auth, SL_CAPF_AUTH_PASSWORD);
	ck_assert(c.has_password);
	ck_assert_uint_eq(c.set.key.size, 1024);
	ck_assert_int_eq(c.set.deadline, 1900000000);

	/* NULL keeps the stored password while auth stays password. */
	s = settings(SL_CAPF_OP_FETCH, SL_CAPF_AUTH_PASSWORD, "ec:P-384", 0);
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), 0);
	c = get(DEV);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_FETCH);
	ck_assert(c.has_password);
	ck_assert_int_eq(c.set.key.type, SL_CAPF_KEY_EC);
	ck_assert_str_eq(c.set.key.curve, "P-384");
	ck_assert_int_eq(c.set.deadline, 0);
	/* A password with another auth is refused; switching away forgets it. */
	s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_MIC, "rsa:2048", 0);
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "123456", E), -EINVAL);
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), 0);
	c = get(DEV);
	ck_assert_int_eq(c.set.auth, SL_CAPF_AUTH_MIC);
	ck_assert(!c.has_password);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM capf WHERE password_nonce IS NULL AND "
				 "password_ciphertext IS NULL AND password_tag IS NULL"), 1);
	s.auth = SL_CAPF_AUTH_PASSWORD;
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), -EINVAL);

	/* Bad values; messages never echo the password. */
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "123", E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "4 to 15"));
	ck_assert_ptr_null(strstr(T.err, "123\""));
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "0123456789abcdef", E), -EINVAL);
	ck_assert_ptr_null(strstr(T.err, "0123456789"));
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "12\t456", E), -EINVAL);
	s.key.size = 512;
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "123456", E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "rsa:2048"));
	s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_NULL, "ec:P-256", -1);
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), -EINVAL);
	s.deadline = 0;
	s.key.size = 256;		/* EC with a size */
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), -EINVAL);
	s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_NULL, "rsa:2048", 0);
	s.op = (enum sl_capf_op)7;
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), -EINVAL);
	s = settings(SL_CAPF_OP_INSTALL, (enum sl_capf_auth)9, "rsa:2048", 0);
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), -EINVAL);
	ck_assert_int_eq(sl_store_capf_get(T.st, "bad name", &c, E), -EINVAL);

	/* Nothing of the refused calls was written. */
	c = get(DEV);
	ck_assert_int_eq(c.set.auth, SL_CAPF_AUTH_MIC);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_INSTALL);
	ck_assert_uint_eq(c.set.key.size, 2048);
}
END_TEST

struct clist {
	int n;
	struct sl_capf c[4];
};

static int collect(const struct sl_capf *c, void *arg)
{
	struct clist *l = arg;

	if (l->n < 4)
		l->c[l->n++] = *c;
	return 0;
}

START_TEST(test_list_and_clear)
{
	struct sl_capf_settings s = settings(SL_CAPF_OP_DELETE, SL_CAPF_AUTH_LSC, "rsa:2048", 5);
	struct sl_capf_outcome o = { .op = SL_CAPF_OP_INSTALL, .success = true,
				     .result = SL_CAPF_R_INSTALLED, .time = 100 };
	static const uint8_t serial[] = { 0x42 };
	struct clist l = { 0 };
	struct sl_capf c;
	char *pem = make_cert(serial, 1, 1700000000, 1800000000);

	setup_devices();
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV2, &s, NULL, E), 0);
	ck_assert_int_eq(sl_store_capf_list(T.st, collect, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.c[0].device, DEV);		/* by name: '4' < 'A' */
	ck_assert_str_eq(l.c[1].device, DEV2);
	ck_assert(!l.c[0].configured && l.c[1].configured);
	ck_assert_int_eq(l.c[1].set.op, SL_CAPF_OP_DELETE);
	ck_assert_int_eq(l.c[1].set.deadline, 5);

	o.cert_pem = pem;
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV2, &o, E), 0);
	ck_assert_int_eq(sl_store_capf_clear(T.st, DEV2, E), 0);
	c = get(DEV2);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_NONE);
	ck_assert_int_eq(c.set.deadline, 0);
	ck_assert_int_eq(c.set.auth, SL_CAPF_AUTH_LSC);	/* kept */
	ck_assert_str_eq(c.cert_kind, "lsc");			/* kept */
	ck_assert_str_eq(c.serial, "42");
	/* No row is fine; no device is not. */
	ck_assert_int_eq(sl_store_capf_clear(T.st, DEV, E), 0);
	ck_assert(!get(DEV).configured);
	ck_assert_int_eq(sl_store_capf_clear(T.st, "SEP0000000000FF", E), -ENOENT);
	free(pem);
}
END_TEST

/* ---- the password ---- */

static bool check(const char *dev, const char *given, size_t len, int want_rc)
{
	bool match = true;
	int r = sl_store_capf_check_password(T.st, dev, given, len, &match, E);

	ck_assert_msg(r == want_rc, "check %s: %d (want %d) %s", dev, r, want_rc, T.err);
	if (r)
		ck_assert(!match);
	return match;
}

START_TEST(test_password_check)
{
	struct sl_capf_settings s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_PASSWORD, "rsa:2048", 0);

	setup_devices();
	/* No CAPF row, unknown device. */
	check(DEV, "123456", 6, -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "no CAPF settings"));
	check("SEP0000000000FF", "123456", 6, -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "does not exist"));

	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "123456", E), 0);
	ck_assert(check(DEV, "123456", 6, 0));
	ck_assert(!check(DEV, "123457", 6, 0));	/* same length, last byte */
	ck_assert(!check(DEV, "023456", 6, 0));	/* first byte */
	ck_assert(!check(DEV, "12345", 5, 0));		/* prefix */
	ck_assert(!check(DEV, "1234567", 7, 0));	/* longer */
	ck_assert(!check(DEV, "123456\0", 7, 0));	/* with its NUL counted */
	ck_assert(!check(DEV, "", 0, 0));
	ck_assert(!check(DEV, "123456123456123456", 18, 0));	/* over the maximum */
	/* The full 15 characters work. */
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "abcdefghijklmno", E), 0);
	ck_assert(check(DEV, "abcdefghijklmno", 15, 0));
	ck_assert(!check(DEV, "abcdefghijklmnop", 16, 0));
	ck_assert(!check(DEV, "123456", 6, 0));	/* replaced */

	/* Another auth: there is no password to check. */
	s.auth = SL_CAPF_AUTH_NULL;
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV2, &s, NULL, E), 0);
	check(DEV2, "123456", 6, -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "by null"));
}
END_TEST

START_TEST(test_password_at_rest)
{
	static const char pw[] = "Kp7#capf-Secret";	/* 15 characters */
	struct sl_capf_settings s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_PASSWORD, "rsa:2048", 0);
	uint8_t *buf;
	size_t len;

	setup_devices();
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, pw, E), 0);
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV2, &s, "1234", E), 0);
	/* Padded: a 15- and a 4-character password are stored the same size. */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM capf WHERE length(password_ciphertext) = 32"), 2);
	sl_store_close(T.st);
	T.st = NULL;
	buf = slurp(T.path, &len);
	ck_assert(contains(buf, len, DEV));		/* the search works */
	ck_assert(!contains(buf, len, pw));
	ck_assert(!contains(buf, len, "capf-Secret"));
	free(buf);

	/* Wrong master key: the check fails with -EIO, never a match. */
	ts_reopen(&T, other_key);
	check(DEV, pw, strlen(pw), -EIO);
	ck_assert_ptr_nonnull(strstr(T.err, "does not decrypt"));
	ck_assert_ptr_null(strstr(T.err, pw));
	ts_reopen(&T, test_key);
	ck_assert(check(DEV, pw, strlen(pw), 0));

	/* A blob moved to another device's row does not open there (AAD). */
	ts_raw_exec(T.path, "UPDATE capf SET (password_nonce, password_ciphertext, password_tag) = "
		    "(SELECT password_nonce, password_ciphertext, password_tag FROM capf "
		    " WHERE device = '" DEV "') WHERE device = '" DEV2 "'");
	check(DEV2, pw, strlen(pw), -EIO);
	/* A flipped tag bit. */
	ts_raw_exec(T.path, "UPDATE capf SET password_tag = zeroblob(16) WHERE device = '" DEV "'");
	check(DEV, pw, strlen(pw), -EIO);
}
END_TEST

/* ---- outcomes ---- */

START_TEST(test_record_outcomes)
{
	/* A 16-byte serial with its top bit set: 32 hex digits, no sign byte (spec §0). */
	static const uint8_t serial[16] = { 0x8a, 0xbc, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
					    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e };
	static const uint8_t serial2[2] = { 0x01, 0x00 };
	struct sl_capf_settings s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_PASSWORD, "rsa:2048",
					     1900000000);
	struct sl_capf_outcome o = { .op = SL_CAPF_OP_INSTALL, .result = SL_CAPF_R_AUTH_FAILED,
				     .time = 1750000000 };
	char *pem = make_cert(serial, 16, 1750000000, 1781536000);
	char *pem2 = make_cert(serial2, 2, 1750000100, 1790000000);
	static char got[SL_CAPF_PEM_MAX], two[2 * SL_CAPF_PEM_MAX];
	unsigned char der1[4096], der2[4096];
	struct sl_capf c;
	int n1, n2;

	setup_devices();
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "123456", E), 0);

	/* Failure: result and time only (spec §1.8 errors). */
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), 0);
	c = get(DEV);
	ck_assert_str_eq(c.last_result, "authentication failed");
	ck_assert_int_eq(c.last_time, 1750000000);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_INSTALL);
	ck_assert_int_eq(c.set.deadline, 1900000000);
	ck_assert(c.has_password);
	ck_assert_str_eq(c.cert_kind, "");

	/* Success without the certificate is refused; so is a failure with one. */
	o.success = true;
	o.result = SL_CAPF_R_INSTALLED;
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), -EINVAL);
	o.success = false;
	o.cert_pem = pem;
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), -EINVAL);
	o.success = true;
	o.cert_pem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "not a PEM X.509 certificate"));
	snprintf(two, sizeof(two), "%s%s", pem, pem2);
	o.cert_pem = two;
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "more than one"));
	o.cert_pem = pem;
	o.cert_kind = "sudi";
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), -EINVAL);
	o.cert_kind = NULL;
	o.result = "";
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), -EINVAL);
	o.result = "bad\nresult";
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), -EINVAL);
	c = get(DEV);
	ck_assert_str_eq(c.last_result, "authentication failed");	/* unchanged */

	/* Install success: certificate stored, operation back to none (§1.8 step 6). */
	o.result = SL_CAPF_R_INSTALLED;
	o.time = 1750000500;
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), 0);
	c = get(DEV);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_NONE);
	ck_assert_int_eq(c.set.deadline, 0);
	ck_assert_str_eq(c.last_result, "installed");
	ck_assert_int_eq(c.last_time, 1750000500);
	ck_assert_str_eq(c.cert_kind, "lsc");
	ck_assert_str_eq(c.serial, "8abc0102030405060708090a0b0c0d0e");
	ck_assert_int_eq(c.not_before, 1750000000);
	ck_assert_int_eq(c.not_after, 1781536000);
	ck_assert(c.has_password);			/* auth settings are kept */
	ck_assert_int_eq(sl_store_capf_cert_get(T.st, DEV, got, sizeof(got), E), 0);
	n1 = pem_der(pem, der1, sizeof(der1));
	n2 = pem_der(got, der2, sizeof(der2));
	ck_assert_int_eq(n1, n2);
	ck_assert_mem_eq(der1, der2, (size_t)n1);
	ck_assert_int_eq(sl_store_capf_cert_get(T.st, DEV, got, 10, E), -ENOSPC);
	ck_assert_str_eq(got, "");
	ck_assert_int_eq(sl_store_capf_cert_get(T.st, DEV2, got, sizeof(got), E), 0);
	ck_assert_str_eq(got, "");

	/* An operator schedules a fetch while an install session is running:
	 * the install's success does not cancel the fetch. */
	s.op = SL_CAPF_OP_FETCH;
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), 0);
	o.cert_pem = pem2;
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), 0);
	c = get(DEV);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_FETCH);
	ck_assert_int_eq(c.set.deadline, 1900000000);
	ck_assert_str_eq(c.serial, "0100");		/* minimal bytes, leading zero nibble kept */

	/* Fetch failure (the phone has no LSC): certificate stays. */
	o = (struct sl_capf_outcome){ .op = SL_CAPF_OP_FETCH, .result = SL_CAPF_R_NO_CERT };
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), 0);
	c = get(DEV);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_FETCH);
	ck_assert_str_eq(c.serial, "0100");
	ck_assert_int_gt(c.last_time, 1750000500);	/* 0 = now */

	/* Delete success clears the certificate. A delete with a certificate is refused. */
	s.op = SL_CAPF_OP_DELETE;
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), 0);
	o = (struct sl_capf_outcome){ .op = SL_CAPF_OP_DELETE, .success = true,
				      .result = SL_CAPF_R_DELETED, .cert_pem = pem };
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), -EINVAL);
	o.cert_pem = NULL;
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV, &o, E), 0);
	c = get(DEV);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_NONE);
	ck_assert_str_eq(c.cert_kind, "");
	ck_assert_str_eq(c.serial, "");
	ck_assert_int_eq(c.not_after, 0);
	ck_assert_int_eq(sl_store_capf_cert_get(T.st, DEV, got, sizeof(got), E), 0);
	ck_assert_str_eq(got, "");

	/* A device without a row gets one; an unknown device is refused. */
	o = (struct sl_capf_outcome){ .op = SL_CAPF_OP_NONE, .success = true,
				      .result = SL_CAPF_R_NO_ACTION, .time = 42 };
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV2, &o, E), 0);
	c = get(DEV2);
	ck_assert(c.configured);
	ck_assert_str_eq(c.last_result, "no action");
	ck_assert_int_eq(c.set.auth, SL_CAPF_AUTH_NULL);
	/* A MIC learned while authenticating (success of a none session). */
	o.cert_pem = pem;
	o.cert_kind = "mic";
	ck_assert_int_eq(sl_store_capf_record(T.st, DEV2, &o, E), 0);
	ck_assert_str_eq(get(DEV2).cert_kind, "mic");
	ck_assert_int_eq(sl_store_capf_record(T.st, "SEP0000000000FF", &o, E), -ENOENT);
	free(pem);
	free(pem2);
}
END_TEST

START_TEST(test_expire)
{
	struct sl_capf_settings s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_NULL, "rsa:2048", 1000);
	struct sl_capf c;

	setup_devices();
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, NULL, E), 0);
	s.deadline = 0;		/* no deadline: never expires */
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV2, &s, NULL, E), 0);
	ck_assert_int_eq(sl_store_capf_expire(T.st, 1000, E), 0);	/* not before it */
	ck_assert_int_eq(sl_store_capf_expire(T.st, 1001, E), 1);
	c = get(DEV);
	ck_assert_int_eq(c.set.op, SL_CAPF_OP_NONE);
	ck_assert_int_eq(c.set.deadline, 0);
	ck_assert_str_eq(c.last_result, "expired");
	ck_assert_int_eq(c.last_time, 1001);
	ck_assert_int_eq(get(DEV2).set.op, SL_CAPF_OP_INSTALL);
	ck_assert_int_eq(sl_store_capf_expire(T.st, 2000000000, E), 0);
}
END_TEST

START_TEST(test_cascade)
{
	struct sl_capf_settings s = settings(SL_CAPF_OP_INSTALL, SL_CAPF_AUTH_PASSWORD, "rsa:2048", 0);

	setup_devices();
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV, &s, "123456", E), 0);
	ck_assert_int_eq(sl_store_capf_put(T.st, DEV2, &s, "654321", E), 0);
	/* Updating the device keeps its CAPF row. */
	add_device("d3", "alice");
	{
		struct sl_device d = { .name = DEV, .user = "alice", .profile = "authenticated" };

		ck_assert_int_eq(sl_store_device_put(T.st, &d, false, E), 0);
	}
	ck_assert(get(DEV).has_password);
	ck_assert_int_eq(sl_store_device_del(T.st, DEV, E), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM capf WHERE device = '" DEV "'"), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM capf"), 1);
	/* Re-added, it starts from the defaults. */
	add_device(DEV, "alice");
	ck_assert(!get(DEV).configured);
	ck_assert(!get(DEV).has_password);
}
END_TEST

/* ---- profiles ---- */

START_TEST(test_encrypt_config)
{
	struct sl_profile p = { .name = "secure-enc", .mode = SL_SEC_ENCRYPTED, .encrypt_config = true };
	struct sl_profile got;

	ck_assert_int_eq(sl_store_profile_put(T.st, &p, true, E), 0);
	ck_assert_int_eq(sl_store_profile_get(T.st, "secure-enc", &got, E), 0);
	ck_assert(got.encrypt_config);
	ck_assert_int_eq(raw_int("SELECT encrypt_config FROM profiles WHERE name = 'secure-enc'"), 1);
	/* Built-ins start off and may be switched (their mode stays). */
	ck_assert_int_eq(sl_store_profile_get(T.st, "encrypted", &got, E), 0);
	ck_assert(!got.encrypt_config);
	got.encrypt_config = true;
	ck_assert_int_eq(sl_store_profile_put(T.st, &got, false, E), 0);
	ck_assert_int_eq(sl_store_profile_get(T.st, "encrypted", &got, E), 0);
	ck_assert(got.encrypt_config);
	p.encrypt_config = false;
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, false, E), 0);
	ck_assert_int_eq(sl_store_profile_get(T.st, "secure-enc", &got, E), 0);
	ck_assert(!got.encrypt_config);
	/* The schema refuses anything but 0 and 1. */
	{
		sqlite3 *db = ts_raw_open(T.path);

		ck_assert_int_ne(sqlite3_exec(db, "UPDATE profiles SET encrypt_config = 2", NULL, NULL,
					      NULL), SQLITE_OK);
		sqlite3_close(db);
	}
}
END_TEST

/* ---- provisioning secrets ---- */

START_TEST(test_user_secret)
{
	static const char pw1[] = "Line-Secret-Alice-1", pw2[] = "Line-Secret-Alice-2";
	char buf[SL_STORE_SECRET_MAX + 1], big[1025];
	uint8_t *file;
	size_t len = 0, flen;

	ts_add_user("alice", pw1);
	ts_add_user("bob", "bob-line-pw");
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "alice", buf, sizeof(buf), &len, E), 0);
	ck_assert_str_eq(buf, pw1);
	ck_assert_uint_eq(len, strlen(pw1));
	ck_assert_int_eq(sl_store_user_passwd(T.st, "alice", "sl.test", pw2, E), 0);
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "alice", buf, sizeof(buf), &len, E), 0);
	ck_assert_str_eq(buf, pw2);
	/* A buffer too small: -ENOSPC, nothing left in it. */
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "alice", buf, 5, &len, E), -ENOSPC);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "carol", buf, sizeof(buf), &len, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "does not exist"));
	/* The longest password round-trips. */
	memset(big, 'x', 1024);
	big[1024] = '\0';
	ck_assert_int_eq(sl_store_user_passwd(T.st, "bob", "sl.test", big, E), 0);
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "bob", buf, sizeof(buf), &len, E), 0);
	ck_assert_uint_eq(len, 1024);
	ck_assert_str_eq(buf, big);
	ck_assert_int_eq(raw_int("SELECT length(ciphertext) FROM user_secrets WHERE user = 'bob'"), 1056);
	ck_assert_int_eq(raw_int("SELECT length(ciphertext) FROM user_secrets WHERE user = 'alice'"), 32);

	/* Not in the file in clear. */
	sl_store_close(T.st);
	T.st = NULL;
	file = slurp(T.path, &flen);
	ck_assert(contains(file, flen, "alice"));
	ck_assert(!contains(file, flen, pw1));
	ck_assert(!contains(file, flen, pw2));
	ck_assert(!contains(file, flen, "Line-Secret"));
	free(file);

	/* Wrong key; swapped between users (the AAD names the user). */
	ts_reopen(&T, other_key);
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "alice", buf, sizeof(buf), &len, E), -EIO);
	ck_assert_ptr_nonnull(strstr(T.err, "does not decrypt"));
	ts_reopen(&T, test_key);
	ts_raw_exec(T.path, "UPDATE user_secrets SET (nonce, ciphertext, tag) = (SELECT nonce, "
		    "ciphertext, tag FROM user_secrets WHERE user = 'alice') WHERE user = 'bob'");
	ck_assert_int_eq(sl_store_user_secret_get(T.st, "bob", buf, sizeof(buf), &len, E), -EIO);

	/* Deleting the user deletes its secret. */
	ck_assert_int_eq(sl_store_user_del(T.st, "alice", E), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM user_secrets WHERE user = 'alice'"), 0);
	/* A failed user add leaves no secret behind. */
	{
		struct sl_user u = { .name = "bob", .enabled = true };

		ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", "other", E), -EEXIST);
	}
	ck_assert_int_eq(raw_int("SELECT count(*) FROM user_secrets"), 1);
}
END_TEST

TCase *tcase_capf(void)
{
	TCase *tc = tcase_create("capf");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_names_and_keys);
	tcase_add_test(tc, test_put_get_list);
	tcase_add_test(tc, test_list_and_clear);
	tcase_add_test(tc, test_password_check);
	tcase_add_test(tc, test_password_at_rest);
	tcase_add_test(tc, test_record_outcomes);
	tcase_add_test(tc, test_expire);
	tcase_add_test(tc, test_cascade);
	tcase_add_test(tc, test_encrypt_config);
	tcase_add_test(tc, test_user_secret);
	return tc;
}
