/* SPDX-License-Identifier: BSD-3-Clause */
/* capf_auth: the spec §1.7 signatures made independently (EVP_PKEY_sign
 * with PKCS#1 padding and no digest: the phone's RSA_private_encrypt),
 * standard DigestInfo signatures refused, ECDSA, certificate anchors. */
#include <stdlib.h>
#include <string.h>

#include "capf_auth.h"
#include "test_capf.h"

static EVP_PKEY *ca_key, *mfg_key, *other_key, *dev_rsa, *dev_ec;
static X509 *ca, *mfg, *other;

static void setup(void)
{
	ca_key = t_rsa(2048);
	mfg_key = t_rsa(2048);
	other_key = t_rsa(2048);
	dev_rsa = t_rsa(1024);
	dev_ec = t_ec("P-256");
	ca = t_ca(ca_key, "Test CAPF Issuer");
	mfg = t_ca(mfg_key, "Test Manufacturing CA");
	other = t_ca(other_key, "Test Unknown CA");
}

static void teardown(void)
{
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(mfg_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(dev_rsa);
	EVP_PKEY_free(dev_ec);
	X509_free(ca);
	X509_free(mfg);
	X509_free(other);
}

static struct capf_auth_cfg cfg(void)
{
	static X509 *m[1];
	struct capf_auth_cfg c = { ca, m, 1 };

	m[0] = mfg;
	return c;
}

START_TEST(rsa_raw_digest)
{
	static const uint8_t data[] = "SEP001122334455\0certificate bytes";
	uint8_t sig[512];
	char err[200];
	size_t n;

	n = t_sign(dev_rsa, SL_HASH_SHA1, data, sizeof(data), sig, sizeof(sig), 0);
	ck_assert_uint_eq(n, 128);
	ck_assert_int_eq(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA1, data, sizeof(data), sig, n,
					      err, sizeof(err)), 0);
	/* wrong hash for this signature, altered data, altered signature */
	ck_assert_int_ne(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA512, data, sizeof(data), sig,
					      n, err, sizeof(err)), 0);
	ck_assert_int_ne(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA1, data, sizeof(data) - 1, sig,
					      n, err, sizeof(err)), 0);
	sig[5] ^= 1;
	ck_assert_int_ne(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA1, data, sizeof(data), sig, n,
					      err, sizeof(err)), 0);
	/* short signature */
	ck_assert_int_ne(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA1, data, sizeof(data), sig,
					      n - 1, err, sizeof(err)), 0);
	n = t_sign(dev_rsa, SL_HASH_SHA512, data, sizeof(data), sig, sizeof(sig), 0);
	ck_assert_int_eq(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA512, data, sizeof(data), sig,
					      n, err, sizeof(err)), 0);
	/* SHA-256 is not a CAPF hash */
	ck_assert_int_ne(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA256, data, sizeof(data), sig,
					      n, err, sizeof(err)), 0);
}
END_TEST

START_TEST(rsa_digestinfo_refused)
{
	static const uint8_t data[] = "SEP001122334455";
	uint8_t sig[512];
	char err[200] = "";
	size_t n;

	n = t_sign(dev_rsa, SL_HASH_SHA1, data, sizeof(data), sig, sizeof(sig), 1);
	ck_assert_int_ne(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA1, data, sizeof(data), sig, n,
					      err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "raw"));
	n = t_sign(dev_rsa, SL_HASH_SHA512, data, sizeof(data), sig, sizeof(sig), 1);
	ck_assert_int_ne(capf_auth_verify_sig(dev_rsa, SL_HASH_SHA512, data, sizeof(data), sig,
					      n, err, sizeof(err)), 0);
}
END_TEST

START_TEST(ecdsa)
{
	static const uint8_t data[] = "SEP001122334455\0der";
	EVP_PKEY *k384 = t_ec("P-384");
	uint8_t sig[256];
	char err[200];
	size_t n;

	n = t_sign(dev_ec, SL_HASH_SHA1, data, sizeof(data), sig, sizeof(sig), 0);
	ck_assert_int_eq(capf_auth_verify_sig(dev_ec, SL_HASH_SHA1, data, sizeof(data), sig, n,
					      err, sizeof(err)), 0);
	ck_assert_int_ne(capf_auth_verify_sig(dev_ec, SL_HASH_SHA512, data, sizeof(data), sig, n,
					      err, sizeof(err)), 0);
	n = t_sign(k384, SL_HASH_SHA512, data, sizeof(data), sig, sizeof(sig), 0);
	ck_assert_int_eq(capf_auth_verify_sig(k384, SL_HASH_SHA512, data, sizeof(data), sig, n,
					      err, sizeof(err)), 0);
	ck_assert_int_ne(capf_auth_verify_sig(dev_ec, SL_HASH_SHA512, data, sizeof(data), sig, n,
					      err, sizeof(err)), 0);
	EVP_PKEY_free(k384);
}
END_TEST

START_TEST(cert_anchors)
{
	struct capf_auth_cfg c = cfg();
	X509 *lsc = t_leaf(dev_rsa, "SEP001122334455", ca, ca_key);
	X509 *mic = t_leaf(dev_rsa, "CP-7975G-SEP001122334455", mfg, mfg_key);
	X509 *unk = t_leaf(dev_rsa, "SEP001122334455", other, other_key);
	/* same issuer Name as our CA but signed by another key */
	X509 *forged = t_leaf(dev_rsa, "SEP001122334455", ca, other_key);
	X509 *out;
	uint8_t *der, *der2;
	size_t l;
	char err[200];

	der = t_der(lsc, &l);
	ck_assert_int_eq(capf_auth_cert(&c, der, l, &out, err, sizeof(err)), CAPF_CA_LSC);
	X509_free(out);
	/* trailing garbage after the DER */
	der2 = malloc(l + 1);
	memcpy(der2, der, l);
	der2[l] = 0;
	ck_assert_int_eq(capf_auth_cert(&c, der2, l + 1, &out, err, sizeof(err)), CAPF_CA_FAILED);
	free(der2);
	free(der);
	der = t_der(mic, &l);
	ck_assert_int_eq(capf_auth_cert(&c, der, l, &out, err, sizeof(err)), CAPF_CA_MIC);
	X509_free(out);
	free(der);
	der = t_der(unk, &l);
	ck_assert_int_eq(capf_auth_cert(&c, der, l, &out, err, sizeof(err)), CAPF_CA_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "manufacturer"));
	ck_assert_ptr_null(out);
	free(der);
	der = t_der(forged, &l);
	ck_assert_int_eq(capf_auth_cert(&c, der, l, &out, err, sizeof(err)), CAPF_CA_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "signature"));
	free(der);
	X509_free(lsc);
	X509_free(mic);
	X509_free(unk);
	X509_free(forged);
}
END_TEST

static enum capf_cert_auth run_device(const char *dev, X509 *cert, EVP_PKEY *key, X509 *sudi,
				      EVP_PKEY *sudi_key, uint32_t sess_sign, uint32_t sess,
				      bool *sudi_ok)
{
	static uint8_t buf[CAPF_MSG_MAX];
	struct capf_auth_cfg c = cfg();
	struct capf_auth_result r;
	struct capf_msg m;
	char err[200] = "";
	long n = t_auth_cert_msg(buf, sizeof(buf), sess_sign, dev, cert, key, sudi, sudi_key);

	ck_assert_int_eq(capf_msg_parse(buf, (size_t)n, &m), 0);
	capf_auth_device(&c, dev, sess, &m, &r, err, sizeof(err));
	if (sudi_ok != NULL)
		*sudi_ok = r.sudi_ok;
	ck_assert(r.cert == CAPF_CA_FAILED ? err[0] != 0 : 1);
	return r.cert;
}

START_TEST(device_auth)
{
	const char *dev = "SEP001122334455";
	X509 *lsc = t_leaf(dev_rsa, dev, ca, ca_key);
	X509 *lsc_ec = t_leaf(dev_ec, dev, ca, ca_key);
	X509 *lsc_other_cn = t_leaf(dev_rsa, "SEP999999999999", ca, ca_key);
	X509 *mic = t_leaf(dev_rsa, "CP-7975G-SEP001122334455", mfg, mfg_key);
	X509 *unk = t_leaf(dev_rsa, dev, other, other_key);
	EVP_PKEY *sudi_key = t_rsa(1024);
	X509 *sudi = t_leaf(sudi_key, "Test SUDI", mfg, mfg_key);
	X509 *sudi_ec = t_leaf(dev_ec, "Test SUDI EC", mfg, mfg_key);
	bool sok;

	ck_assert_int_eq(run_device(dev, lsc, dev_rsa, NULL, NULL, 5, 5, NULL), CAPF_CA_LSC);
	ck_assert_int_eq(run_device(dev, lsc_ec, dev_ec, NULL, NULL, 5, 5, NULL), CAPF_CA_LSC);
	/* stricter than the reference: an LSC for another device */
	ck_assert_int_eq(run_device(dev, lsc_other_cn, dev_rsa, NULL, NULL, 5, 5, NULL),
			 CAPF_CA_FAILED);
	ck_assert_int_eq(run_device(dev, mic, dev_rsa, NULL, NULL, 5, 5, NULL), CAPF_CA_MIC);
	ck_assert_int_eq(run_device(dev, unk, dev_rsa, NULL, NULL, 5, 5, NULL), CAPF_CA_FAILED);
	/* signed with another key than the certificate's */
	ck_assert_int_eq(run_device(dev, lsc, sudi_key, NULL, NULL, 5, 5, NULL), CAPF_CA_FAILED);
	/* SUDI: good, signed for another session ID, EC (refused by us) */
	ck_assert_int_eq(run_device(dev, mic, dev_rsa, sudi, sudi_key, 0x01020304, 0x01020304,
				    &sok), CAPF_CA_MIC);
	ck_assert(sok);
	ck_assert_int_eq(run_device(dev, mic, dev_rsa, sudi, sudi_key, 6, 7, NULL),
			 CAPF_CA_FAILED);
	ck_assert_int_eq(run_device(dev, mic, dev_rsa, sudi_ec, dev_ec, 5, 5, NULL),
			 CAPF_CA_FAILED);
	X509_free(lsc);
	X509_free(lsc_ec);
	X509_free(lsc_other_cn);
	X509_free(mic);
	X509_free(unk);
	X509_free(sudi);
	X509_free(sudi_ec);
	EVP_PKEY_free(sudi_key);
}
END_TEST

START_TEST(device_auth_missing)
{
	/* CERTIFICATE without SHA2_SIGNED_DATA; no certificate at all */
	static const uint8_t none[] = { 0x55, 2, 0, 0, 0, 1, 0, 4, 7, 0, 1, 3 };
	X509 *lsc = t_leaf(dev_rsa, "SEPA", ca, ca_key);
	struct capf_auth_cfg c = cfg();
	struct capf_auth_result r;
	uint8_t buf[4096];
	struct capf_w w;
	struct capf_msg m;
	size_t l;
	uint8_t *der = t_der(lsc, &l);
	char err[200];

	ck_assert_int_eq(capf_msg_parse(none, sizeof(none), &m), 0);
	capf_auth_device(&c, "SEPA", 1, &m, &r, err, sizeof(err));
	ck_assert_int_eq(r.cert, CAPF_CA_ABSENT);
	capf_w_init(&w, buf, sizeof(buf), 2, 1);
	capf_w_cert(&w, 1, der, l);
	capf_w_bytes(&w, CAPF_EL_SIGNED_DATA, "x", 1);
	ck_assert_int_eq(capf_msg_parse(buf, (size_t)capf_w_finish(&w), &m), 0);
	capf_auth_device(&c, "SEPA", 1, &m, &r, err, sizeof(err));
	ck_assert_int_eq(r.cert, CAPF_CA_FAILED);
	ck_assert_ptr_nonnull(strstr(err, "SHA2_SIGNED_DATA"));
	free(der);
	X509_free(lsc);
}
END_TEST

Suite *auth_suite(void)
{
	Suite *s = suite_create("capf_auth");
	TCase *t = tcase_create("auth");

	tcase_add_unchecked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, rsa_raw_digest);
	tcase_add_test(t, rsa_digestinfo_refused);
	tcase_add_test(t, ecdsa);
	tcase_add_test(t, cert_anchors);
	tcase_add_test(t, device_auth);
	tcase_add_test(t, device_auth_missing);
	suite_add_tcase(s, t);
	return s;
}
