/* SPDX-License-Identifier: BSD-3-Clause */
/* capf_lsc: the issued LSC profile (spec §1.9) and the key checks. The
 * OpenSSL CLI check of the same certificate is test_lsc_cli.sh. */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "capf_lsc.h"
#include "test_capf.h"

static X509 *issue(X509 *ca, EVP_PKEY *cakey, const char *dev, EVP_PKEY *phone,
		   const struct capf_keyparams *want, unsigned days, int expect)
{
	struct capf_lsc_req r = { 0 };
	uint8_t *der = NULL;
	size_t len, sl;
	uint8_t *spki = t_spki(phone, &sl);
	char err[200] = "";
	const unsigned char *p;
	X509 *x = NULL;
	int rc;

	r.device = dev;
	r.spki = spki;
	r.spki_len = sl;
	r.want = want;
	r.days = days;
	r.issuer = ca;
	r.issuer_key = cakey;
	rc = capf_lsc_issue(&r, &der, &len, err, sizeof(err));
	ck_assert_msg(rc == expect, "capf_lsc_issue: %d (%s)", rc, err);
	if (rc == 0) {
		p = der;
		x = d2i_X509(NULL, &p, (long)len);
		ck_assert_ptr_nonnull(x);
		ck_assert_ptr_eq(p, der + len);
		/* the key is the phone's SPKI byte for byte */
		{
			uint8_t *k = NULL;
			int kl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &k);

			ck_assert_int_eq(kl, (int)sl);
			ck_assert_mem_eq(k, spki, sl);
			OPENSSL_free(k);
		}
	} else {
		ck_assert(err[0] != 0);
	}
	OPENSSL_free(der);
	free(spki);
	return x;
}

static void name_is(X509_NAME *n, const char *want)
{
	char buf[512];
	BIO *b = BIO_new(BIO_s_mem());
	int l;

	X509_NAME_print_ex(b, n, 0, XN_FLAG_SEP_COMMA_PLUS & ~ASN1_STRFLGS_ESC_MSB);
	l = BIO_read(b, buf, sizeof(buf) - 1);
	buf[l > 0 ? l : 0] = 0;
	BIO_free(b);
	ck_assert_str_eq(buf, want);
}

START_TEST(profile_rsa)
{
	EVP_PKEY *cak = t_rsa(2048), *ph = t_rsa(1024);
	X509 *ca = t_ca(cak, "Test CAPF Issuer");
	struct capf_keyparams kp = { CAPF_KEY_RSA, 1024, 0 };
	X509 *x = issue(ca, cak, "SEP58971ECC97C1", ph, &kp, 0, 0);
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(sn, NULL);
	int days, secs;
	uint32_t ku;

	/* CN first, then O, OU, L, ST, C in the issuer's order */
	name_is(X509_get_subject_name(x),
		"CN=SEP58971ECC97C1,O=Test Org,OU=Test Unit,L=Test City,ST=Test State,C=NZ");
	ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca)), 0);
	ck_assert_int_eq(X509_verify(x, cak), 1);
	ck_assert_int_eq(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	ck_assert(!BN_is_negative(bn) && BN_num_bytes(bn) <= 16 && BN_num_bytes(bn) >= 8);
	BN_free(bn);
	ck_assert(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)));
	ck_assert_int_eq(days, 365);
	ck_assert_int_eq(secs, 0);
	ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
	ku = X509_get_key_usage(x);
	ck_assert_uint_eq(ku, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	ck_assert_uint_eq(X509_get_extended_key_usage(x) & (XKU_SSL_SERVER | XKU_SSL_CLIENT),
			  XKU_SSL_SERVER | XKU_SSL_CLIENT);
	ck_assert_int_eq(X509_check_ca(x), 0);
	ck_assert_ptr_nonnull(X509_get0_subject_key_id(x));
	ck_assert_ptr_nonnull(X509_get0_authority_key_id(x));
	ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
					       X509_get0_subject_key_id(ca)), 0);
	X509_free(x);
	/* exactly the requested size; other sizes, EC, 512 bits refused */
	kp.rsa_bits = 2048;
	ck_assert_ptr_null(issue(ca, cak, "SEPA", ph, &kp, 0, -1));
	kp.type = CAPF_KEY_EC;
	ck_assert_ptr_null(issue(ca, cak, "SEPA", ph, &kp, 0, -1));
	/* days: 3650 ok, 3651 refused; bad device names */
	x = issue(ca, cak, "SEPA", ph, NULL, 3650, 0);
	X509_free(x);
	ck_assert_ptr_null(issue(ca, cak, "SEPA", ph, NULL, 3651, -1));
	ck_assert_ptr_null(issue(ca, cak, "SEP A", ph, NULL, 0, -1));
	ck_assert_ptr_null(issue(ca, cak, "SEP,A", ph, NULL, 0, -1));
	ck_assert_ptr_null(issue(ca, cak, "", ph, NULL, 0, -1));
	X509_free(ca);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ph);
}
END_TEST

START_TEST(profile_ec)
{
	EVP_PKEY *cak = t_ec("P-384"), *ph = t_ec("P-256"), *ph521 = t_ec("P-521");
	X509 *ca = t_ca(cak, "Test EC Issuer");
	struct capf_keyparams kp = { CAPF_KEY_EC, 0, CAPF_CURVE_P256 };
	X509 *x = issue(ca, cak, "SEP001122334455", ph, &kp, 30, 0);

	ck_assert_int_eq(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	ck_assert_int_eq(X509_verify(x, cak), 1);
	/* spec §1.9 reference profile by default */
	ck_assert_uint_eq(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	X509_free(x);
	/* RFC 5480 KeyUsage on request */
	{
		struct capf_lsc_req r = { 0 };
		uint8_t *der = NULL, *spki;
		size_t len, sl;
		char err[200];
		const unsigned char *p;

		spki = t_spki(ph, &sl);
		r.device = "SEPA";
		r.spki = spki;
		r.spki_len = sl;
		r.issuer = ca;
		r.issuer_key = cak;
		r.rfc5480_ku = true;
		ck_assert_int_eq(capf_lsc_issue(&r, &der, &len, err, sizeof(err)), 0);
		p = der;
		x = d2i_X509(NULL, &p, (long)len);
		ck_assert_uint_eq(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT);
		X509_free(x);
		OPENSSL_free(der);
		free(spki);
	}
	/* wrong curve for the request */
	ck_assert_ptr_null(issue(ca, cak, "SEPA", ph521, &kp, 0, -1));
	kp.curve = CAPF_CURVE_P521;
	x = issue(ca, cak, "SEPA", ph521, &kp, 0, 0);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ph);
	EVP_PKEY_free(ph521);
}
END_TEST

START_TEST(spki_checks)
{
	EVP_PKEY *r1 = t_rsa(1024), *ed = NULL;
	struct capf_keyparams kp = { CAPF_KEY_RSA, 1024, 0 };
	size_t l;
	uint8_t *s = t_spki(r1, &l);
	char err[200];
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "ED25519", NULL);

	ck_assert_int_eq(capf_lsc_check_spki(s, l, &kp, err, sizeof(err)), 0);
	ck_assert_int_ne(capf_lsc_check_spki(s, l - 1, &kp, err, sizeof(err)), 0);
	ck_assert_int_ne(capf_lsc_check_spki((const uint8_t *)"\x30\x00", 2, &kp, err,
					     sizeof(err)), 0);
	free(s);
	ck_assert(pc != NULL && EVP_PKEY_keygen_init(pc) == 1 && EVP_PKEY_keygen(pc, &ed) == 1);
	s = t_spki(ed, &l);
	ck_assert_int_ne(capf_lsc_check_spki(s, l, NULL, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "neither RSA nor EC"));
	free(s);
	/* key parameters */
	ck_assert_int_eq(capf_keyparams_parse("rsa:2048", &kp), 0);
	ck_assert_int_eq(capf_keyparams_parse("rsa:512", &kp), -1);
	ck_assert_int_eq(capf_keyparams_parse("rsa:8192", &kp), -1);
	ck_assert_int_eq(capf_keyparams_parse("ec:P-384", &kp), 0);
	ck_assert_int_eq(kp.curve, CAPF_CURVE_P384);
	ck_assert_int_eq(capf_keyparams_parse("ec:P-192", &kp), -1);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(r1);
}
END_TEST

Suite *lsc_suite(void)
{
	Suite *s = suite_create("capf_lsc");
	TCase *t = tcase_create("lsc");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, profile_rsa);
	tcase_add_test(t, profile_ec);
	tcase_add_test(t, spki_checks);
	suite_add_tcase(s, t);
	return s;
}
