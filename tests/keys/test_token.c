/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys in SoftHSM2 tokens SAST-A and SAST-B (made by softhsm-setup.sh with
 * pkcs11-tool): signatures verified by OpenSSL against the public key read
 * from the token and against the one pkcs11-tool exported; raw RSA
 * operations; key generation in a token; refusals.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/rsa.h>

#include "test_keys.h"

#define URI_A "token=SAST-A;object=sast;type=private"
#define URI_B "token=SAST-B;object=sast;type=private"

START_TEST(t_rsa_pin_value)
{
	struct sl_key *k = tk_open(tk_uri(URI_A, "pin-value=1234"));
	EVP_PKEY *ex = tk_read_pub(tk_path("SAST-A-rsa.pub.pem"));

	ck_assert_int_eq(sl_key_type(k), SL_KEY_RSA);
	ck_assert_int_eq(sl_key_store(k), SL_KEY_PKCS11);
	ck_assert_int_eq(sl_key_bits(k), 2048);
	ck_assert_int_eq(EVP_PKEY_eq(sl_key_public(k), ex), 1);
	ck_assert_ptr_nonnull(strstr(sl_key_describe(k), "SAST-A"));
	ck_assert_ptr_null(strstr(sl_key_describe(k), "1234"));
	tk_sign_verify_all(k, ex);
	EVP_PKEY_free(ex);
	sl_key_free(k);
}
END_TEST

/* Two SAST tokens in one process through the same module, PIN from a file
 * (both "file:" URI and plain path forms), id= instead of object=. */
START_TEST(t_two_tokens_pin_source)
{
	char q[1200];
	snprintf(q, sizeof(q), "pin-source=file:%s", tk_path("pin-ok"));
	struct sl_key *b = tk_open(tk_uri(URI_B, q));
	snprintf(q, sizeof(q), "pin-source=%s", tk_path("pin-ok"));
	struct sl_key *a = tk_open(tk_uri("token=SAST-A;id=%01;type=private", q));
	EVP_PKEY *exa = tk_read_pub(tk_path("SAST-A-rsa.pub.pem"));
	EVP_PKEY *exb = tk_read_pub(tk_path("SAST-B-rsa.pub.pem"));

	ck_assert_int_eq(EVP_PKEY_eq(sl_key_public(b), exb), 1);
	ck_assert_int_ne(EVP_PKEY_eq(sl_key_public(b), exa), 1);
	tk_sign_verify_all(b, exb);
	tk_sign_verify_all(a, exa);
	sl_key_free(a);
	/* closing A's key leaves B's session logged in */
	tk_sign_verify_all(b, exb);
	EVP_PKEY_free(exa);
	EVP_PKEY_free(exb);
	sl_key_free(b);
}
END_TEST

START_TEST(t_ec)
{
	struct sl_key *k = tk_open(tk_uri("token=SAST-A;object=ecsast", "pin-value=1234"));
	EVP_PKEY *ex = tk_read_pub(tk_path("SAST-A-ec.pub.pem"));

	ck_assert_int_eq(sl_key_type(k), SL_KEY_EC);
	ck_assert_int_eq(sl_key_bits(k), 256);
	ck_assert_int_eq(EVP_PKEY_eq(sl_key_public(k), ex), 1);
	tk_sign_verify_all(k, ex);
	EVP_PKEY_free(ex);
	sl_key_free(k);
}
END_TEST

/* EMSA-PKCS1-v1_5 block of RFC 8017 §9.2 built here by hand:
 * 00 01 FF..FF 00 DigestInfo(SHA-256) digest. */
static void pkcs1_block(uint8_t *em, size_t emlen, const uint8_t *dg)
{
	static const uint8_t pre[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
				       0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
				       0x20 };
	size_t tlen = sizeof(pre) + 32;
	em[0] = 0;
	em[1] = 1;
	memset(em + 2, 0xff, emlen - tlen - 3);
	em[emlen - tlen - 1] = 0;
	memcpy(em + emlen - tlen, pre, sizeof(pre));
	memcpy(em + emlen - 32, dg, 32);
}

/* Raw private operations agree with the PKCS#1 signature and with OpenSSL's
 * public-key encryption. Used for files and tokens alike. */
void tk_raw_ops(struct sl_key *k)
{
	uint8_t dg[32], em[512], s1[512], s2[512], s3[512], ct[512], pt[512];
	size_t l1 = sizeof(s1), l2 = sizeof(s2), l3 = sizeof(s3), cl = sizeof(ct),
	       pl = sizeof(pt);
	size_t m = (size_t)EVP_PKEY_get_size(sl_key_public(k));
	char err[512];

	memset(dg, 0x5a, sizeof(dg));
	ck_assert_int_eq(sl_key_sign_digest(k, SL_HASH_SHA256, dg, 32, s1, &l1, err,
					    sizeof(err)), 0);
	pkcs1_block(em, m, dg);
	ck_assert_msg(sl_key_rsa_private(k, SL_RSA_SIGN, SL_RSA_PAD_NONE, em, m, s2, &l2, err,
					 sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(l2, m);
	ck_assert_mem_eq(s1, s2, m);
	/* PKCS#1 type 1 padding done by the key over DigestInfo || digest */
	ck_assert_msg(sl_key_rsa_private(k, SL_RSA_SIGN, SL_RSA_PAD_PKCS1, em + m - 51, 51, s3,
					 &l3, err, sizeof(err)) == 0, "%s", err);
	ck_assert_mem_eq(s1, s3, m);

	/* RSAES-PKCS1-v1_5: OpenSSL encrypts with the public key, we decrypt */
	static const uint8_t secret[48] = { 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef };
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(sl_key_public(k), NULL);
	ck_assert(c != NULL && EVP_PKEY_encrypt_init(c) > 0 &&
		  EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0 &&
		  EVP_PKEY_encrypt(c, ct, &cl, secret, sizeof(secret)) > 0);
	EVP_PKEY_CTX_free(c);
	ck_assert_msg(sl_key_rsa_private(k, SL_RSA_DECRYPT, SL_RSA_PAD_PKCS1, ct, cl, pt, &pl,
					 err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(pl, sizeof(secret));
	ck_assert_mem_eq(pt, secret, sizeof(secret));
	/* raw decryption of the signature gives back the padded block */
	pl = sizeof(pt);
	ck_assert_msg(sl_key_rsa_private(k, SL_RSA_DECRYPT, SL_RSA_PAD_NONE, s1, m, pt, &pl,
					 err, sizeof(err)) == 0, "%s", err);
	/* s1 = em^d, so s1^d is not em: check only the size and that a wrong
	 * input size is refused */
	ck_assert_uint_eq(pl, m);
	pl = sizeof(pt);
	ck_assert_int_eq(sl_key_rsa_private(k, SL_RSA_DECRYPT, SL_RSA_PAD_PKCS1, ct, cl - 1, pt,
					    &pl, err, sizeof(err)), -1);
	l2 = sizeof(s2);
	ck_assert_int_eq(sl_key_rsa_private(k, SL_RSA_SIGN, SL_RSA_PAD_NONE, em, m - 1, s2, &l2,
					    err, sizeof(err)), -1);
}

START_TEST(t_rsa_raw)
{
	struct sl_key *k = tk_open(tk_uri(URI_A, "pin-value=1234"));
	tk_raw_ops(k);
	sl_key_free(k);
}
END_TEST

START_TEST(t_generate_in_token)
{
	char err[512] = "";
	const char *u = tk_uri("token=SAST-B;object=gen-ec;id=%10", "pin-value=1234");
	const char *ur = tk_uri("token=SAST-B;object=gen-rsa;id=%11", "pin-value=1234");

	ck_assert_msg(sl_key_generate_token(u, SL_KEY_EC, 0, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(sl_key_generate_token(ur, SL_KEY_RSA, 1024, err, sizeof(err)) == 0, "%s",
		      err);
	struct sl_key *k = tk_open(u);
	ck_assert_int_eq(sl_key_type(k), SL_KEY_EC);
	tk_sign_verify_all(k, sl_key_public(k));
	sl_key_free(k);
	k = tk_open(ur);
	ck_assert_int_eq(sl_key_bits(k), 1024);
	tk_sign_verify_all(k, sl_key_public(k));
	sl_key_free(k);
	/* never over an existing key */
	ck_assert_int_eq(sl_key_generate_token(u, SL_KEY_EC, 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "already holds") != NULL, "%s", err);
	/* label and id are required */
	ck_assert_int_eq(sl_key_generate_token(tk_uri("token=SAST-B", "pin-value=1234"),
					       SL_KEY_EC, 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "object=") != NULL, "%s", err);
}
END_TEST

/* Without module-path=: the configured default module, else the modules
 * registered with p11-kit (Debian's softhsm2 package registers itself). */
START_TEST(t_default_module)
{
	char err[512] = "";
	struct sl_key *k;

	ck_assert_int_eq(sl_keys_set_default_module(getenv("SL_KEYS_MODULE")), 0);
	ck_assert_str_eq(sl_keys_default_module(), getenv("SL_KEYS_MODULE"));
	k = tk_open("pkcs11:token=SAST-B;object=sast?pin-value=1234");
	sl_key_free(k);
	ck_assert_int_eq(sl_keys_set_default_module("relative.so"), -1);
	ck_assert_int_eq(sl_keys_set_default_module(NULL), 0);
	ck_assert_ptr_null(sl_keys_default_module());
	if (access("/usr/share/p11-kit/modules/softhsm2.module", R_OK) != 0)
		return;	/* softhsm2 not registered with p11-kit here */
	k = sl_key_open("pkcs11:token=SAST-A;object=ecsast?pin-value=1234", err, sizeof(err));
	ck_assert_msg(k != NULL, "registered modules: %s", err);
	EVP_PKEY *ex = tk_read_pub(tk_path("SAST-A-ec.pub.pem"));
	tk_sign_verify_all(k, ex);
	EVP_PKEY_free(ex);
	sl_key_free(k);
}
END_TEST

static void refused(const char *ref, const char *want1, const char *want2)
{
	char err[1024] = "";
	struct sl_key *k = sl_key_open(ref, err, sizeof(err));
	ck_assert_msg(k == NULL, "%s opened", ref);
	ck_assert_msg(strstr(err, want1) != NULL, "%s: \"%s\" lacks \"%s\"", ref, err, want1);
	ck_assert_msg(want2 == NULL || strstr(err, want2) != NULL, "%s: \"%s\" lacks \"%s\"",
		      ref, err, want2);
	/* never echo a PIN */
	ck_assert_msg(strstr(err, "1234") == NULL && strstr(err, "9999") == NULL, "%s", err);
}

START_TEST(t_refusals)
{
	char q[1200];

	refused(tk_uri(URI_A, "pin-value=9999"), "rejected the PIN", "SAST-A");
	snprintf(q, sizeof(q), "pin-source=file:%s", tk_path("pin-wrong"));
	refused(tk_uri(URI_B, q), "rejected the PIN", "SAST-B");
	refused(tk_uri("token=SAST-X;object=sast", "pin-value=1234"), "no PKCS#11 token",
		"\"SAST-B\"");
	/* no token= with two tokens present */
	refused(tk_uri("object=sast", "pin-value=1234"), "2 PKCS#11 tokens", "token=");
	/* ambiguous: three private keys on SAST-A, listed */
	refused(tk_uri("token=SAST-A;type=private", "pin-value=1234"), "private keys on token",
		"object=ecsast id=02");
	refused(tk_uri("token=SAST-A;object=nope", "pin-value=1234"), "no private key",
		"object=sast id=01");
	snprintf(q, sizeof(q), "pin-source=file:%s", tk_path("pin-open"));
	refused(tk_uri(URI_A, q), "chmod 600", "pin-open");
	refused(tk_uri(URI_A, "pin-source=relative/pin"), "pin-source", NULL);
	refused(tk_uri(URI_A, ""), "requires a PIN", "pin-source");
	refused(tk_uri("token=SAST-A;object=sast;type=cert", "pin-value=1234"), "type=",
		NULL);
	refused("pkcs11:token=SAST-A?module-path=/nonexistent/mod.so&pin-value=1234",
		"cannot load PKCS#11 module", "/nonexistent/mod.so");
	refused("pkcs11:token=SAST-A;object=%zz", "bad PKCS#11 URI", NULL);
	refused(tk_uri("token=SAST-A;object=sast;bogus=1", "pin-value=1234"),
		"does not understand", NULL);
	refused("", "empty key reference", NULL);
}
END_TEST

TCase *tcase_token(void)
{
	TCase *tc = tcase_create("token");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_rsa_pin_value);
	tcase_add_test(tc, t_two_tokens_pin_source);
	tcase_add_test(tc, t_ec);
	tcase_add_test(tc, t_rsa_raw);
	tcase_add_test(tc, t_generate_in_token);
	tcase_add_test(tc, t_default_module);
	return tc;
}

TCase *tcase_refuse(void)
{
	TCase *tc = tcase_create("refuse");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_refusals);
	return tc;
}
