/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden files (spec §8): built from the TEST-ONLY fixtures with a fixed
 * TIMESTAMP they must equal tests/sgn/golden/ byte for byte. Regenerate
 * with sgn_golden after a deliberate format change (fixtures/README.md).
 */
#include <stdlib.h>
#include <string.h>

#include "test_sgn.h"

START_TEST(golden_bytes)
{
	struct golden_fixtures f;
	int g = _i;
	size_t len, glen, len2;
	uint8_t *now, *again, *gold;
	char err[256] = "";

	load_fixtures(&f);
	now = make_golden(&f, (enum golden_file)g, &len);
	again = make_golden(&f, (enum golden_file)g, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(now, again, len);
	gold = golden_read(SGN_GOLDEN, golden_names[g], &glen);
	ck_assert_msg(gold != NULL, "missing %s/%s", SGN_GOLDEN, golden_names[g]);
	ck_assert_msg(glen == len, "%s: %zu bytes built, %zu golden", golden_names[g], len, glen);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(now[i] == gold[i], "%s differs first at offset %zu", golden_names[g], i);
	if (g <= GOLDEN_ITL)
		ck_assert_msg(sl_tlv_verify(gold, glen, err, sizeof(err)) == 0, "%s", err);
	else
		ck_assert_msg(sl_sgn_verify_cert(gold, glen, f.tftp, err, sizeof(err)) == 0, "%s", err);
	free(now);
	free(again);
	free(gold);
	golden_free(&f);
}
END_TEST

static void check_record(const struct sl_tlv_record *r, X509 *cert, int role)
{
	char dn[512], err[256];
	uint8_t serial[64], *der = NULL;
	const ASN1_BIT_STRING *sig;
	int sl, dl;

	ck_assert_int_eq(r->role, role);
	ck_assert_int_gt(sl_sgn_dn_string(X509_get_subject_name(cert), dn, sizeof(dn), err,
					  sizeof(err)), 0);
	ck_assert_str_eq(r->subject_name, dn);
	ck_assert_int_gt(sl_sgn_dn_string(X509_get_issuer_name(cert), dn, sizeof(dn), err,
					  sizeof(err)), 0);
	ck_assert_str_eq(r->issuer_name, dn);
	sl = sl_sgn_serial_bytes(cert, serial, sizeof(serial), err, sizeof(err));
	ck_assert_uint_eq(r->serial_len, (size_t)sl);
	ck_assert_mem_eq(r->serial, serial, (size_t)sl);
	dl = i2d_X509(cert, &der);
	ck_assert_uint_eq(r->cert_len, (size_t)dl);
	ck_assert_mem_eq(r->cert, der, (size_t)dl);
	OPENSSL_free(der);
	X509_get0_signature(&sig, NULL, cert);
	ck_assert_uint_eq(r->signature_len, (size_t)ASN1_STRING_length(sig));
	ck_assert_mem_eq(r->signature, ASN1_STRING_get0_data(sig), r->signature_len);
	ck_assert_uint_eq(r->unknown_tags, 0);
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) == EVP_PKEY_EC) {
		/* X9.62 uncompressed point, 65 bytes for P-256 (spec §3.2). */
		ck_assert_uint_eq(r->public_key_len, 65);
		ck_assert_uint_eq(r->public_key[0], 4);
	} else {
		/* PKCS#1 RSAPublicKey: 270 bytes for 2048-bit (spec §3.2). */
		const uint8_t *p = r->public_key;
		EVP_PKEY *k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)r->public_key_len);

		ck_assert_uint_eq(r->public_key_len, 270);
		ck_assert_ptr_nonnull(k);
		ck_assert_int_eq(EVP_PKEY_eq(k, X509_get0_pubkey(cert)), 1);
		EVP_PKEY_free(k);
	}
}

START_TEST(golden_ctl_records)
{
	struct golden_fixtures f;
	struct sl_sgn_header h;
	struct sl_tlv_record r[8];
	size_t len, n;
	uint8_t *ctl;
	char err[256] = "";

	load_fixtures(&f);
	ctl = golden_read(SGN_GOLDEN, "CTLFile.tlv", &len);
	ck_assert_ptr_nonnull(ctl);
	ck_assert_msg(sl_tlv_parse(ctl, len, &h, r, 8, &n, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(h.filename, "CTLFile.tlv");
	ck_assert(h.has_signer_version && h.signer_version[0] == 1 && h.signer_version[1] == 0);
	check_record(&r[0], f.sast_a, SL_ROLE_SAST);
	check_record(&r[1], f.sast_b, SL_ROLE_SAST);
	check_record(&r[2], f.ccm_ec, SL_ROLE_CCM);
	check_record(&r[3], f.tftp, SL_ROLE_TFTP);
	check_record(&r[4], f.capf, SL_ROLE_CAPF);
	ck_assert_uint_eq(r[0].offset, h.header_length);
	ck_assert_uint_eq(r[4].offset + r[4].length, len);
	/* Too small an array: -ENOSPC, the count still reported. */
	ck_assert_int_eq(sl_tlv_parse(ctl, len, &h, r, 3, &n, err, sizeof(err)), -ENOSPC);
	ck_assert_uint_eq(n, 5);
	free(ctl);
	golden_free(&f);
}
END_TEST

TCase *tcase_golden(void)
{
	TCase *tc = tcase_create("golden");

	tcase_add_loop_test(tc, golden_bytes, 0, GOLDEN_COUNT);
	tcase_add_test(tc, golden_ctl_records);
	return tc;
}
