/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The common header (spec §2): layout against the example of spec §3.5,
 * the padding rule, the parser's refusals, truncation at every length and
 * single-bit changes anywhere in a file.
 */
#include <stdlib.h>
#include <string.h>

#include "test_sgn.h"

static size_t expect_tlv(const uint8_t *f, size_t off, uint8_t tag, size_t len)
{
	ck_assert_msg(f[off] == tag, "offset %zu: tag %u, expected %u", off, f[off], tag);
	ck_assert_msg((size_t)(f[off + 1] << 8 | f[off + 2]) == len,
		      "offset %zu (tag %u): length %u, expected %zu", off, tag,
		      f[off + 1] << 8 | f[off + 2], len);
	return off + 3;
}

/* Walks the header in the order of spec §2.1 and the §3.5 example. */
static size_t check_layout(const uint8_t *f, size_t len, X509 *signer, uint8_t vmaj,
			   uint8_t vmin, int signer_minor, uint8_t hash, const char *filename)
{
	char subj[512], iss[512], err[256];
	uint8_t serial[64];
	int sl = sl_sgn_serial_bytes(signer, serial, sizeof(serial), err, sizeof(err));
	size_t off, hl, ns, ni, S = (size_t)EVP_PKEY_get_size(X509_get0_pubkey(signer));

	ns = (size_t)sl_sgn_dn_string(X509_get_subject_name(signer), subj, sizeof(subj), err,
				      sizeof(err)) + 1;
	ni = (size_t)sl_sgn_dn_string(X509_get_issuer_name(signer), iss, sizeof(iss), err,
				      sizeof(err)) + 1;
	off = expect_tlv(f, 0, 1, 2);
	ck_assert(f[off] == vmaj && f[off + 1] == vmin);
	off = expect_tlv(f, off + 2, 2, 2);
	hl = (size_t)(f[off] << 8 | f[off + 1]);
	ck_assert_uint_le(hl, len);
	ck_assert_uint_eq(hl % 4, 0);
	off += 2;
	if (signer_minor >= 0) {
		off = expect_tlv(f, off, 28, 2);
		ck_assert(f[off] == 1 && f[off + 1] == signer_minor);
		off += 2;
	}
	off = expect_tlv(f, off, 3, 3 + ns + 3 + ni + 3 + (size_t)sl);	/* SIGNER_INFO */
	off = expect_tlv(f, off, 4, ns);
	ck_assert_str_eq((const char *)f + off, subj);
	off = expect_tlv(f, off + ns, 6, ni);
	ck_assert_str_eq((const char *)f + off, iss);
	off = expect_tlv(f, off + ni, 5, (size_t)sl);
	ck_assert_mem_eq(f + off, serial, (size_t)sl);
	off = expect_tlv(f, off + (size_t)sl, 7, 15);		/* SIGNATURE_INFO */
	off = expect_tlv(f, off, 8, 1);
	ck_assert_uint_eq(f[off], hash);
	off = expect_tlv(f, off + 1, 9, 8);			/* SIGNATURE_ALGORITHM_INFO */
	off = expect_tlv(f, off, 10, 1);
	ck_assert_uint_eq(f[off], 0);
	off = expect_tlv(f, off + 1, 11, 1);
	ck_assert_uint_eq(f[off], S == 256 ? 2 : S == 128 ? 1 : S == 64 ? 0 : 3);
	off = expect_tlv(f, off + 1, 12, S) + S;		/* SIGNATURE */
	off = expect_tlv(f, off, 14, strlen(filename) + 1);
	ck_assert_str_eq((const char *)f + off, filename);
	off = expect_tlv(f, off + strlen(filename) + 1, 15, 4);
	ck_assert_mem_eq(f + off, "\x65\x53\xf1\x00", 4);	/* GOLDEN_TIMESTAMP */
	off += 4;
	/* Padding rule (spec §2.2 step 4): 0..3 bytes of 0x0D to a multiple of 4. */
	ck_assert_uint_le(hl - off, 3);
	for (; off < hl; off++)
		ck_assert_uint_eq(f[off], 0x0D);
	return hl;
}

START_TEST(layout_itl)
{
	struct golden_fixtures f;
	size_t len, off;
	uint8_t *itl;

	load_fixtures(&f);
	itl = make_golden(&f, GOLDEN_ITL, &len);
	off = check_layout(itl, len, f.sast_a, 1, 2, 1, 1, "ITLFile.tlv");
	/* First record (spec §3.2/§3.5): SAST-A, role 0, RSA key 270 bytes. */
	off = expect_tlv(itl, off, 1, 2);
	off += 2;
	off = expect_tlv(itl, off, 3, strlen("CN=SAST-A test,O=Shieldlock Test,OU=SAST,C=NZ") + 1);
	ck_assert_str_eq((const char *)itl + off, "CN=SAST-A test,O=Shieldlock Test,OU=SAST,C=NZ");
	off += strlen((const char *)itl + off) + 1;
	off = expect_tlv(itl, off, 5, strlen((const char *)itl + off + 3) + 1);
	off += strlen((const char *)itl + off) + 1;
	off = expect_tlv(itl, off, 6, 16) + 16;
	off = expect_tlv(itl, off, 4, 2);
	ck_assert(itl[off] == 0 && itl[off + 1] == 0);
	off = expect_tlv(itl, off + 2, 7, 270);
	ck_assert_mem_eq(itl + off, "\x30\x82\x01\x0a", 4);
	off = expect_tlv(itl, off + 270, 8, 256) + 256;
	ck_assert_uint_eq(itl[off], 9);
	free(itl);
	golden_free(&f);
}
END_TEST

START_TEST(layout_sgn)
{
	struct golden_fixtures f;
	struct sl_sgn_header h;
	size_t len, hl;
	uint8_t *sgn;
	char err[256] = "";

	load_fixtures(&f);
	sgn = make_golden(&f, GOLDEN_SGN_SHA512, &len);
	hl = check_layout(sgn, len, f.tftp, 1, 0, -1, 3, "SEP001122334455.cnf.xml.sgn");
	ck_assert_uint_eq(len - hl, f.cnf_len);
	ck_assert_mem_eq(sgn + hl, f.cnf, f.cnf_len);
	ck_assert_msg(sl_sgn_header_parse(sgn, len, &h, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(h.header_length, hl);
	ck_assert(!h.has_signer_version && !h.has_encryption);
	ck_assert_int_eq(h.hash, 3);
	ck_assert_int_eq(h.sig_modulus, 2);
	ck_assert_uint_eq(h.signature_len, 256);
	ck_assert_uint_eq(h.sig_tlv_len, 259);
	ck_assert_uint_eq(sgn[h.sig_tlv_offset], 12);
	ck_assert_uint_eq(h.timestamp, GOLDEN_TIMESTAMP);
	ck_assert_str_eq(h.filename, "SEP001122334455.cnf.xml.sgn");
	ck_assert_str_eq(h.signer_name, "CN=tftp.test\\, shieldlock,O=Shieldlock Test,OU=TFTP,C=NZ,"
					"1.2.840.113549.1.9.1=tftp@example.test");
	ck_assert_uint_eq(h.body_len, f.cnf_len);
	free(sgn);
	golden_free(&f);
}
END_TEST

/* The padding rule for every FILENAME length mod 4. */
START_TEST(padding_rule)
{
	struct golden_fixtures f;
	struct sl_sgn_signer s;
	const char *names[] = { "a.sgn", "ab.sgn", "abc.sgn", "abcd.sgn" };
	bool seen[4] = { false };
	char err[256] = "";

	load_fixtures(&f);
	sl_sgn_signer_from_pkey(&s, f.tftp, f.tftp_key, SL_HASH_SHA1);
	for (int i = 0; i < 4; i++) {
		struct sl_sgn_header h;
		uint8_t *out;
		size_t len;

		ck_assert_msg(sl_sgn_build(&s, names[i], 1, (const uint8_t *)"x", 1, &out, &len, err,
					   sizeof(err)) == 0, "%s", err);
		ck_assert_int_eq(sl_sgn_header_parse(out, len, &h, err, sizeof(err)), 0);
		ck_assert_uint_eq(h.header_length % 4, 0);
		ck_assert_uint_le(h.padding, 3);
		seen[h.padding] = true;
		ck_assert_int_eq(sl_sgn_verify_cert(out, len, f.tftp, err, sizeof(err)), 0);
		free(out);
	}
	for (int i = 0; i < 4; i++)
		ck_assert_msg(seen[i], "no file name gave %d padding bytes", i);
	golden_free(&f);
}
END_TEST

static void expect_refusal(const uint8_t *file, size_t len, const char *what)
{
	struct sl_sgn_header h;
	char err[256] = "";

	ck_assert_int_eq(sl_sgn_header_parse(file, len, &h, err, sizeof(err)), -EBADMSG);
	ck_assert_msg(strstr(err, what), "message \"%s\" lacks \"%s\"", err, what);
}

START_TEST(parse_refusals)
{
	struct golden_fixtures f;
	struct sl_sgn_header h, g;
	size_t len;
	uint8_t *sgn, *m;
	char err[256] = "";

	load_fixtures(&f);
	sgn = make_golden(&f, GOLDEN_SGN_SHA1, &len);
	m = malloc(len);
	ck_assert_int_eq(sl_sgn_header_parse(sgn, len, &g, err, sizeof(err)), 0);

	/* The message of the brief, word for word. */
	memcpy(m, sgn, len);
	m[8] = 900 >> 8;
	m[9] = 900 & 255;
	ck_assert_int_eq(sl_sgn_header_parse(m, 512, &h, err, sizeof(err)), -EBADMSG);
	ck_assert_str_eq(err, "header length 900 is past the end of the 512-byte file (truncated file?)");

	expect_refusal(sgn, 0, "too short");
	expect_refusal(sgn, 9, "too short");
	memcpy(m, sgn, len);
	m[0] = 2;
	expect_refusal(m, len, "must start with VERSION");
	memcpy(m, sgn, len);
	m[5] = 3;
	expect_refusal(m, len, "HEADER_LENGTH (02 0002) must follow");
	memcpy(m, sgn, len);
	m[8] = 0;
	m[9] = 4;
	expect_refusal(m, len, "shorter than VERSION");
	/* SIGNER_NAME not NUL-terminated. */
	memcpy(m, sgn, len);
	m[g.signer_name - (const char *)sgn + strlen(g.signer_name)] = 'x';
	expect_refusal(m, len, "SIGNER_NAME at offset");
	/* FILENAME length pointing past the header's end. */
	memcpy(m, sgn, len);
	{
		size_t fo = (size_t)((const uint8_t *)g.filename - sgn) - 3;

		m[fo + 1] = 0x7f;
		expect_refusal(m, len, "runs past the header's end");
		/* FILENAME retagged as a second VERSION: duplicate. */
		memcpy(m, sgn, len);
		m[fo] = 1;
		expect_refusal(m, len, "VERSION appears twice");
		/* TIMESTAMP with a wrong length. */
		memcpy(m, sgn, len);
		m[fo + 3 + strlen(g.filename) + 1 + 2] = 3;
		expect_refusal(m, len, "TIMESTAMP at offset");
	}
	/* HASH_ALGORITHM 2 (SHA-256) parses but does not verify. */
	memcpy(m, sgn, len);
	for (size_t i = 10; i + 4 < g.header_length; i++)
		if (m[i] == 8 && m[i + 1] == 0 && m[i + 2] == 1 && m[i + 3] == 1) {
			m[i + 3] = 2;
			break;
		}
	ck_assert_int_eq(sl_sgn_header_parse(m, len, &h, err, sizeof(err)), 0);
	ck_assert_int_eq(h.hash, 2);
	ck_assert_int_eq(sl_sgn_verify_cert(m, len, f.tftp, err, sizeof(err)), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "SHA-256"));
	/* Verifying with the wrong certificate names the serial mismatch. */
	ck_assert_int_eq(sl_sgn_verify_cert(sgn, len, f.sast_a, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "signer serial 1f2e3d"));
	ck_assert_int_eq(sl_sgn_verify(sgn, len, X509_get0_pubkey(f.sast_a), err, sizeof(err)),
			 -EPERM);
	ck_assert_int_eq(sl_sgn_verify(sgn, len, X509_get0_pubkey(f.ccm_ec), err, sizeof(err)),
			 -ENOTSUP);
	free(m);
	free(sgn);
	golden_free(&f);
}
END_TEST

/* Truncation at every length: the header refuses short files; nothing
 * shorter than the whole file verifies; no crash (ASan builds). */
START_TEST(truncations)
{
	struct golden_fixtures f;
	struct sl_sgn_header h;
	char err[256];

	load_fixtures(&f);
	for (int g = 0; g < GOLDEN_COUNT; g++) {
		size_t len, hl;
		uint8_t *file = make_golden(&f, (enum golden_file)g, &len);

		ck_assert_int_eq(sl_sgn_header_parse(file, len, &h, err, sizeof(err)), 0);
		hl = h.header_length;
		for (size_t l = 0; l < len; l++) {
			/* An exact-size copy so ASan catches any over-read. */
			uint8_t *t = malloc(l ? l : 1);
			int rc;

			memcpy(t, file, l);
			rc = sl_sgn_header_parse(t, l, &h, err, sizeof(err));
			ck_assert_msg(l < hl ? rc == -EBADMSG : rc == 0, "%s at %zu: rc %d",
				      golden_names[g], l, rc);
			if (g <= GOLDEN_ITL)
				ck_assert_int_ne(sl_tlv_verify(t, l, err, sizeof(err)), 0);
			else
				ck_assert_int_ne(sl_sgn_verify_cert(t, l, f.tftp, err, sizeof(err)), 0);
			free(t);
		}
		free(file);
	}
	golden_free(&f);
}
END_TEST

/* Any single-bit change anywhere in the file (header, signature, body)
 * makes verification fail. */
START_TEST(bit_flips)
{
	struct golden_fixtures f;
	size_t len;
	uint8_t *sgn;
	char err[256];

	load_fixtures(&f);
	sgn = make_golden(&f, GOLDEN_SGN_SHA1, &len);
	ck_assert_int_eq(sl_sgn_verify_cert(sgn, len, f.tftp, err, sizeof(err)), 0);
	for (size_t i = 0; i < len; i++) {
		uint8_t bit = (uint8_t)(1u << (i % 8));

		sgn[i] ^= bit;
		ck_assert_msg(sl_sgn_verify_cert(sgn, len, f.tftp, err, sizeof(err)) != 0,
			      "flip at offset %zu verified", i);
		sgn[i] ^= bit;
	}
	free(sgn);
	golden_free(&f);
}
END_TEST

TCase *tcase_header(void)
{
	TCase *tc = tcase_create("header");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, layout_itl);
	tcase_add_test(tc, layout_sgn);
	tcase_add_test(tc, padding_rule);
	tcase_add_test(tc, parse_refusals);
	tcase_add_test(tc, truncations);
	tcase_add_test(tc, bit_flips);
	return tc;
}
