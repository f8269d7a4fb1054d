/* SPDX-License-Identifier: BSD-3-Clause */
/* Signed-file unit tests (suite 'unit'). */
#include <stdlib.h>

#include <openssl/x509v3.h>

#include "test_sgn.h"

void load_fixtures(struct golden_fixtures *f)
{
	ck_assert_msg(golden_load(SGN_FIXTURES, f) == 0, "cannot load fixtures from %s",
		      SGN_FIXTURES);
}

uint8_t *make_golden(const struct golden_fixtures *f, enum golden_file which, size_t *len)
{
	char err[256] = "";
	uint8_t *out = NULL;

	ck_assert_msg(golden_make(f, which, &out, len, err, sizeof(err)) == 0, "%s: %s",
		      golden_names[which], err);
	return out;
}

X509 *make_cert(EVP_PKEY *key, const char *cn, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_NAME_free(n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	return x;
}

int main(void)
{
	Suite *s = suite_create("sgn");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tcase_dn());
	suite_add_tcase(s, tcase_header());
	suite_add_tcase(s, tcase_golden());
	suite_add_tcase(s, tcase_tlv());
	suite_add_tcase(s, tcase_enc());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
