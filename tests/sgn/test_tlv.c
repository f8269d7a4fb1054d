/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CTL/ITL (spec §3) and .sgn (spec §4): verification, the phone's update
 * rule, build refusals (SAST limit, EC and 3072-bit signers, SHA-256, a key
 * that is not the certificate's), record parsing, FILENAME and stripping.
 */
#include <stdlib.h>
#include <string.h>

#include "test_sgn.h"

static uint8_t *build_tlv(X509 *cert, EVP_PKEY *key, const struct sl_tlv_entry *e, size_t n,
			  size_t *len)
{
	struct sl_sgn_signer s;
	char err[256] = "";
	uint8_t *out = NULL;

	sl_sgn_signer_from_pkey(&s, cert, key, SL_HASH_SHA1);
	ck_assert_msg(sl_tlv_build(&s, SL_TLV_CTL, 0, 1, e, n, &out, len, err, sizeof(err)) == 0,
		      "%s", err);
	return out;
}

START_TEST(update_rule)
{
	struct golden_fixtures f;
	size_t plen, nlen, xlen, ilen;
	uint8_t *prev, *next, *rogue, *itl;
	EVP_PKEY *xkey;
	X509 *xcert;
	char err[512] = "";

	load_fixtures(&f);
	prev = make_golden(&f, GOLDEN_CTL, &plen);	/* SAST-A signs, lists SAST-A and SAST-B */
	itl = make_golden(&f, GOLDEN_ITL, &ilen);	/* lists only SAST-A */
	{
		const struct sl_tlv_entry e[] = {
			{ f.sast_b, SL_ROLE_SAST }, { f.tftp, SL_ROLE_TFTP },
		};

		next = build_tlv(f.sast_b, f.sast_b_key, e, 2, &nlen);
	}
	ck_assert_msg(sl_tlv_verify(next, nlen, err, sizeof(err)) == 0, "%s", err);
	/* Signed by SAST-B, which the previous CTL lists: accepted. */
	ck_assert_msg(sl_tlv_verify_update(next, nlen, prev, plen, err, sizeof(err)) == 0, "%s", err);
	/* The previous ITL does not list SAST-B: refused, naming the signer. */
	ck_assert_int_eq(sl_tlv_verify_update(next, nlen, itl, ilen, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "update refused") && strstr(err, "CN=SAST-B test") &&
		      strstr(err, "serial 0b"), "%s", err);
	/* A key nobody knows, in a well-formed, self-consistent file: refused. */
	xkey = EVP_RSA_gen(2048);
	xcert = make_cert(xkey, "SAST-X rogue", 77);
	{
		const struct sl_tlv_entry e[] = {
			{ xcert, SL_ROLE_SAST }, { f.tftp, SL_ROLE_TFTP },
		};

		rogue = build_tlv(xcert, xkey, e, 2, &xlen);
	}
	ck_assert_msg(sl_tlv_verify(rogue, xlen, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(sl_tlv_verify_update(rogue, xlen, prev, plen, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "CN=SAST-X rogue"), "%s", err);
	/* SAST-B listed, but with another role: refused. */
	{
		const struct sl_tlv_entry e[] = {
			{ f.sast_a, SL_ROLE_SAST }, { f.sast_b, SL_ROLE_CCM },
		};
		size_t l2;
		uint8_t *p2 = build_tlv(f.sast_a, f.sast_a_key, e, 2, &l2);

		ck_assert_int_eq(sl_tlv_verify_update(next, nlen, p2, l2, err, sizeof(err)), -EPERM);
		free(p2);
	}
	/* An update that does not verify by itself is refused first. */
	next[nlen - 1] ^= 1;
	ck_assert_int_eq(sl_tlv_verify_update(next, nlen, prev, plen, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "does not verify"), "%s", err);
	/* Same serial and issuer, other certificate bytes: refused. */
	next[nlen - 1] ^= 1;
	{
		EVP_PKEY *k2 = EVP_RSA_gen(2048);
		X509 *c2 = make_cert(k2, "SAST-X rogue", 77);	/* same name and serial as xcert */
		const struct sl_tlv_entry e[] = {
			{ f.sast_a, SL_ROLE_SAST }, { c2, SL_ROLE_SAST },
		};
		size_t l2;
		uint8_t *p2 = build_tlv(f.sast_a, f.sast_a_key, e, 2, &l2);

		ck_assert_int_eq(sl_tlv_verify_update(rogue, xlen, p2, l2, err, sizeof(err)), -EPERM);
		free(p2);
		X509_free(c2);
		EVP_PKEY_free(k2);
	}
	free(prev);
	free(next);
	free(rogue);
	free(itl);
	X509_free(xcert);
	EVP_PKEY_free(xkey);
	golden_free(&f);
}
END_TEST

START_TEST(no_sast_record)
{
	struct golden_fixtures f;
	struct sl_sgn_header h;
	size_t len;
	uint8_t *ctl;
	char err[256] = "";

	load_fixtures(&f);
	ctl = make_golden(&f, GOLDEN_CTL, &len);
	ck_assert_int_eq(sl_sgn_header_parse(ctl, len, &h, err, sizeof(err)), 0);
	/* Turn every SAST role into TFTP: the signer has no SAST record. ROLE
	 * follows SERIAL_NUMBER in the records this library writes. */
	{
		struct sl_tlv_record r;
		size_t pos = h.header_length;
		int sast = 0;

		while (sl_tlv_next(ctl, len, &pos, &r, err, sizeof(err)) == 1) {
			if (r.role != SL_ROLE_SAST)
				continue;
			uint8_t *role = ctl + (r.serial - ctl) + r.serial_len;

			ck_assert_mem_eq(role, "\x04\x00\x02\x00\x00", 5);
			role[4] = SL_ROLE_TFTP;
			sast++;
		}
		ck_assert_int_eq(sast, 2);
	}
	ck_assert_int_eq(sl_tlv_verify(ctl, len, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "no record with role SAST has the signer's serial "
			      "8f1e2d3c4b5a69788796a5b4c3d2e1f0"), "%s", err);
	free(ctl);
	golden_free(&f);
}
END_TEST

START_TEST(build_refusals)
{
	struct golden_fixtures f;
	struct sl_sgn_signer s;
	uint8_t *out = (uint8_t *)&f;
	size_t len = 7;
	char err[256] = "";
	EVP_PKEY *k3072;
	X509 *c3072;

	load_fixtures(&f);
	{
		/* Three SAST records (spec §3.3: at most 2). */
		const struct sl_tlv_entry e[] = {
			{ f.sast_a, SL_ROLE_SAST }, { f.sast_b, SL_ROLE_SAST },
			{ f.capf, SL_ROLE_SAST },
		};

		sl_sgn_signer_from_pkey(&s, f.sast_a, f.sast_a_key, SL_HASH_SHA1);
		ck_assert_int_eq(sl_tlv_build(&s, SL_TLV_CTL, 0, 1, e, 3, &out, &len, err, sizeof(err)),
				 -EINVAL);
		ck_assert_msg(strstr(err, "3 SAST records") && strstr(err, "at most 2"), "%s", err);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(len, 0);
		/* The signer must be a SAST record. */
		ck_assert_int_eq(sl_tlv_build(&s, SL_TLV_ITL, 0, 1, e + 1, 1, &out, &len, err,
					      sizeof(err)), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "not among the records with role SAST"));
		/* Signer version 1.2 is unknown. */
		ck_assert_int_eq(sl_tlv_build(&s, SL_TLV_ITL, 2, 1, e, 1, &out, &len, err,
					      sizeof(err)), -EINVAL);
		/* Role 5 is not defined. */
		{
			const struct sl_tlv_entry bad[] = { { f.sast_a, SL_ROLE_SAST }, { f.tftp, 5 } };

			ck_assert_int_eq(sl_tlv_build(&s, SL_TLV_ITL, 0, 1, bad, 2, &out, &len, err,
						      sizeof(err)), -EINVAL);
			ck_assert_ptr_nonnull(strstr(err, "role code 5"));
		}
		/* EC signer. */
		const struct sl_tlv_entry ec[] = { { f.ccm_ec, SL_ROLE_SAST } };

		sl_sgn_signer_from_pkey(&s, f.ccm_ec, f.ccm_ec_key, SL_HASH_SHA1);
		ck_assert_int_eq(sl_tlv_build(&s, SL_TLV_ITL, 1, 1, ec, 1, &out, &len, err, sizeof(err)),
				 -ENOTSUP);
		ck_assert_msg(strstr(err, "EC key") && strstr(err, "RSA"), "%s", err);
	}
	sl_sgn_signer_from_pkey(&s, f.ccm_ec, f.ccm_ec_key, SL_HASH_SHA1);
	ck_assert_int_eq(sl_sgn_build(&s, "x.sgn", 1, (const uint8_t *)"x", 1, &out, &len, err,
				      sizeof(err)), -ENOTSUP);
	/* 3072-bit RSA has no SIGNATURE_MODULUS index. */
	k3072 = EVP_RSA_gen(3072);
	c3072 = make_cert(k3072, "rsa3072", 3);
	sl_sgn_signer_from_pkey(&s, c3072, k3072, SL_HASH_SHA1);
	ck_assert_int_eq(sl_sgn_build(&s, "x.sgn", 1, (const uint8_t *)"x", 1, &out, &len, err,
				      sizeof(err)), -ENOTSUP);
	ck_assert_msg(strstr(err, "3072-bit") && strstr(err, "SIGNATURE_MODULUS"), "%s", err);
	/* SHA-256 (code 2) refused. */
	sl_sgn_signer_from_pkey(&s, f.tftp, f.tftp_key, SL_HASH_SHA256);
	ck_assert_int_eq(sl_sgn_build(&s, "x.sgn", 1, (const uint8_t *)"x", 1, &out, &len, err,
				      sizeof(err)), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "SHA-256"));
	/* A key that is not the certificate's. */
	sl_sgn_signer_from_pkey(&s, f.tftp, f.sast_a_key, SL_HASH_SHA1);
	ck_assert_int_eq(sl_sgn_build(&s, "x.sgn", 1, (const uint8_t *)"x", 1, &out, &len, err,
				      sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "does not belong"));
	/* A 1024-bit key where the certificate says 2048: wrong length. */
	sl_sgn_signer_from_pkey(&s, f.tftp, f.phone_key, SL_HASH_SHA1);
	ck_assert_int_eq(sl_sgn_build(&s, "x.sgn", 1, (const uint8_t *)"x", 1, &out, &len, err,
				      sizeof(err)), -EIO);
	ck_assert_ptr_null(out);
	X509_free(c3072);
	EVP_PKEY_free(k3072);
	golden_free(&f);
}
END_TEST

/* A record with the tags the parser skips (2, 10, 11, 12, 99). */
START_TEST(records_unknown_and_bad)
{
	static const uint8_t rec[] = {
		0x01, 0x00, 0x02, 0x00, 0x2f,
		0x02, 0x00, 0x04, 'h', '.', 'x', 0,
		0x03, 0x00, 0x04, 'C', 'N', '=', 0,
		0x04, 0x00, 0x02, 0x00, 0x03,
		0x0a, 0x00, 0x04, 10, 0, 0, 1,
		0x0b, 0x00, 0x02, 0xaa, 0xbb,
		0x0c, 0x00, 0x01, 0x01,
		0x63, 0x00, 0x00,
		0x06, 0x00, 0x01, 0x07,
	};
	struct sl_tlv_record r;
	uint8_t m[sizeof(rec) + 8];
	size_t pos = 0;
	char err[256] = "";

	ck_assert_uint_eq(sizeof(rec), 0x2f);
	ck_assert_int_eq(sl_tlv_next(rec, sizeof(rec), &pos, &r, err, sizeof(err)), 1);
	ck_assert_uint_eq(pos, sizeof(rec));
	ck_assert_int_eq(r.role, 3);
	ck_assert_str_eq(r.subject_name, "CN=");
	ck_assert_uint_eq(r.unknown_tags, 5);
	ck_assert_uint_eq(r.serial_len, 1);
	ck_assert_ptr_null(r.cert);
	ck_assert_int_eq(sl_tlv_next(rec, sizeof(rec), &pos, &r, err, sizeof(err)), 0);
	/* Length past the end. */
	memcpy(m, rec, sizeof(rec));
	m[4] = 0x30;
	pos = 0;
	ck_assert_int_eq(sl_tlv_next(m, sizeof(rec), &pos, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "runs past the end"));
	/* Shorter than its own start. */
	m[4] = 4;
	pos = 0;
	ck_assert_int_eq(sl_tlv_next(m, sizeof(rec), &pos, &r, err, sizeof(err)), -EBADMSG);
	/* ROLE of length 3 (eating the next tag's byte). */
	memcpy(m, rec, sizeof(rec));
	m[21] = 3;
	pos = 0;
	ck_assert_int_eq(sl_tlv_next(m, sizeof(rec), &pos, &r, err, sizeof(err)), -EBADMSG);
	/* A TLV running past the record's end. */
	memcpy(m, rec, sizeof(rec));
	m[sizeof(rec) - 2] = 9;
	pos = 0;
	ck_assert_int_eq(sl_tlv_next(m, sizeof(rec), &pos, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "past the record's end"));
	/* Duplicate SUBJECT_NAME. */
	memcpy(m, rec, sizeof(rec));
	m[5] = 3;
	pos = 0;
	ck_assert_int_eq(sl_tlv_next(m, sizeof(rec), &pos, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	/* Not a record start. */
	pos = 5;
	ck_assert_int_eq(sl_tlv_next(rec, sizeof(rec), &pos, &r, err, sizeof(err)), -EBADMSG);
}
END_TEST

START_TEST(sgn_names_and_strip)
{
	struct golden_fixtures f;
	struct sl_sgn_signer s;
	struct sl_sgn_header h;
	char name[64], err[256] = "";
	const uint8_t *body;
	size_t len, blen;
	uint8_t *out;

	ck_assert_int_eq(sl_sgn_default_filename("/srv/tftp/SEP001122334455.cnf.xml", name,
						 sizeof(name)), 27);
	ck_assert_str_eq(name, "SEP001122334455.cnf.xml.sgn");
	ck_assert_int_eq(sl_sgn_default_filename("SoftKeys.xml", name, sizeof(name)), 16);
	ck_assert_str_eq(name, "SoftKeys.xml.sgn");
	ck_assert_int_eq(sl_sgn_default_filename("dir/", name, sizeof(name)), -EINVAL);
	ck_assert_int_eq(sl_sgn_default_filename("SoftKeys.xml", name, 16), -ENOSPC);

	load_fixtures(&f);
	sl_sgn_signer_from_pkey(&s, f.tftp, f.tftp_key, 0);	/* 0: SHA-1 */
	ck_assert_msg(sl_sgn_build(&s, "New_Zealand/g3-tones.xml.sgn", 42, f.cnf, f.cnf_len, &out,
				   &len, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(sl_sgn_header_parse(out, len, &h, err, sizeof(err)), 0);
	ck_assert_str_eq(h.filename, "New_Zealand/g3-tones.xml.sgn");
	ck_assert_int_eq(h.hash, 1);
	ck_assert_uint_eq(h.timestamp, 42);
	ck_assert_int_eq(sl_sgn_strip(out, len, &body, &blen, err, sizeof(err)), 0);
	ck_assert_uint_eq(blen, f.cnf_len);
	ck_assert_mem_eq(body, f.cnf, blen);
	ck_assert_int_eq(sl_sgn_verify(out, len, X509_get0_pubkey(f.tftp), err, sizeof(err)), 0);
	free(out);
	/* An empty file signs and strips to nothing. */
	ck_assert_int_eq(sl_sgn_build(&s, "empty.sgn", 0, NULL, 0, &out, &len, err, sizeof(err)), 0);
	ck_assert_int_eq(sl_sgn_strip(out, len, &body, &blen, err, sizeof(err)), 0);
	ck_assert_uint_eq(blen, 0);
	ck_assert_int_eq(sl_sgn_verify_cert(out, len, f.tftp, err, sizeof(err)), 0);
	free(out);
	/* No FILENAME. */
	ck_assert_int_eq(sl_sgn_build(&s, "", 0, NULL, 0, &out, &len, err, sizeof(err)), -EINVAL);
	golden_free(&f);
}
END_TEST

TCase *tcase_tlv(void)
{
	TCase *tc = tcase_create("tlv");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, update_rule);
	tcase_add_test(tc, no_sast_record);
	tcase_add_test(tc, build_refusals);
	tcase_add_test(tc, records_unknown_and_bad);
	tcase_add_test(tc, sgn_names_and_strip);
	return tc;
}
