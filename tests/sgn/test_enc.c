/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encrypted configuration (spec §5): round trips with the TEST-ONLY
 * 1024-bit phone key, the container lengths of spec §5.1 (28, 144, 178),
 * the 0x0D padding rule, refusals (EC phone key, wrong key, tampering).
 * openssl_check.sh decrypts the same kind of file with the OpenSSL CLI.
 */
#include <stdlib.h>
#include <string.h>

#include "test_sgn.h"

static uint8_t *encrypt(const struct golden_fixtures *f, enum sl_hash hash, const uint8_t *p,
			size_t plen, size_t *len)
{
	struct sl_sgn_signer s;
	char err[256] = "";
	uint8_t *out = NULL;

	sl_sgn_signer_from_pkey(&s, f->tftp, f->tftp_key, hash);
	ck_assert_msg(sl_encsgn_build(&s, "SEP001122334455.cnf.xml.enc.sgn", 7, X509_get0_pubkey(f->phone),
				      p, plen, &out, len, err, sizeof(err)) == 0, "%s", err);
	return out;
}

static size_t find_tag(const uint8_t *f, size_t from, size_t to, uint8_t tag)
{
	for (size_t i = from; i < to; i++)
		if (f[i] == tag)
			return i;
	ck_abort_msg("tag %u not found", tag);
	return 0;
}

START_TEST(roundtrip)
{
	struct golden_fixtures f;
	enum sl_hash hash = _i ? SL_HASH_SHA512 : SL_HASH_SHA1;
	struct sl_sgn_header h;
	size_t len, plen, len2, o;
	uint8_t *enc, *enc2, *plain, dig[64];
	char err[256] = "";

	load_fixtures(&f);
	enc = encrypt(&f, hash, f.cnf, f.cnf_len, &len);
	ck_assert_msg(sl_sgn_verify_cert(enc, len, f.tftp, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(sl_sgn_header_parse(enc, len, &h, err, sizeof(err)), 0);
	ck_assert(h.version[0] == 2 && h.version[1] == 0);
	ck_assert_str_eq(h.filename, "SEP001122334455.cnf.xml.enc.sgn");
	ck_assert(h.has_encryption && h.iv && h.key);
	ck_assert_int_eq(h.unknown1, 0);
	ck_assert_int_eq(h.unknown2, 0);
	ck_assert_int_eq(h.key_algorithm, 1);
	ck_assert_int_eq(h.key_size, 1024);	/* modulus bits, not 128 */
	ck_assert_uint_eq(h.key_len, 128);
	ck_assert_int_eq(h.enc_hash_algorithm, (int)hash);
	ck_assert_int_eq(h.hash, (int)hash);
	ck_assert_uint_eq(h.enc_hash_len, hash == SL_HASH_SHA1 ? 20 : 64);
	EVP_Digest(f.cnf, f.cnf_len, dig, NULL, hash == SL_HASH_SHA1 ? EVP_sha1() : EVP_sha512(),
		   NULL);
	ck_assert_mem_eq(h.enc_hash, dig, h.enc_hash_len);
	ck_assert_int_eq(h.enc_padding, 16 - (int)(f.cnf_len % 16));
	ck_assert_uint_eq(h.body_len, f.cnf_len + (size_t)h.enc_padding);
	/* Container lengths of spec §5.1 with a 1024-bit phone key, right
	 * after TIMESTAMP. */
	o = find_tag(enc, (size_t)((const uint8_t *)h.filename - enc) + strlen(h.filename) + 1,
		     h.header_length, 16);
	ck_assert_mem_eq(enc + o, "\x10\x00\xb2\x11\x00\x1c\x12\x00\x01\x00\x13\x00\x10", 13);
	ck_assert_mem_eq(enc + o + 13 + 16, "\x14\x00\x02\x00", 4);
	ck_assert_mem_eq(enc + o + 3 + 3 + 28, "\x15\x00\x90\x16\x00\x01\x00\x17\x00\x02\x04\x00"
			 "\x18\x00\x01\x01\x19\x00\x80", 19);
	ck_assert_mem_eq(enc + o + 3 + 178, hash == SL_HASH_SHA1 ? "\x1a\x00\x01\x01\x1b\x00\x14" :
			 "\x1a\x00\x01\x03\x1b\x00\x40", 7);
	ck_assert_msg(sl_encsgn_decrypt(enc, len, f.phone_key, &plain, &plen, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(plen, f.cnf_len);
	ck_assert_mem_eq(plain, f.cnf, plen);
	sl_sgn_free_secret(plain, plen);
	/* Fresh key and IV every time. */
	enc2 = encrypt(&f, hash, f.cnf, f.cnf_len, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_int_ne(memcmp(enc, enc2, len), 0);
	free(enc);
	free(enc2);
	golden_free(&f);
}
END_TEST

/* pad = 16 - len % 16: 1..16, never 0 (spec §5.1 step 5). */
START_TEST(padding_lengths)
{
	struct golden_fixtures f;
	uint8_t data[48];
	char err[256] = "";

	load_fixtures(&f);
	memset(data, 'A', sizeof(data));
	for (size_t n = 0; n <= 33; n++) {
		struct sl_sgn_header h;
		size_t len, plen;
		uint8_t *enc = encrypt(&f, SL_HASH_SHA1, data, n, &len), *plain;

		ck_assert_int_eq(sl_sgn_header_parse(enc, len, &h, err, sizeof(err)), 0);
		ck_assert_int_eq(h.enc_padding, 16 - (int)(n % 16));
		ck_assert_uint_eq(h.body_len % 16, 0);
		ck_assert_msg(sl_encsgn_decrypt(enc, len, f.phone_key, &plain, &plen, err,
						sizeof(err)) == 0, "%zu: %s", n, err);
		ck_assert_uint_eq(plen, n);
		ck_assert(n == 0 || !memcmp(plain, data, n));
		sl_sgn_free_secret(plain, plen);
		free(enc);
	}
	golden_free(&f);
}
END_TEST

START_TEST(refusals)
{
	struct golden_fixtures f;
	struct sl_sgn_signer s;
	struct sl_sgn_header h;
	size_t len, plen, slen;
	uint8_t *enc, *plain = (uint8_t *)&f, *out = NULL, *sgn;
	char err[256] = "";

	load_fixtures(&f);
	/* EC phone key. */
	sl_sgn_signer_from_pkey(&s, f.tftp, f.tftp_key, SL_HASH_SHA1);
	ck_assert_int_eq(sl_encsgn_build(&s, "x.enc.sgn", 1, X509_get0_pubkey(f.ccm_ec), f.cnf,
					 f.cnf_len, &out, &len, err, sizeof(err)), -ENOTSUP);
	ck_assert_msg(strstr(err, "an EC key") && strstr(err, "RSA phone certificate"), "%s", err);
	ck_assert_ptr_null(out);
	enc = encrypt(&f, SL_HASH_SHA1, f.cnf, f.cnf_len, &len);
	/* Another phone's key. */
	ck_assert_int_eq(sl_encsgn_decrypt(enc, len, f.sast_b_key, &plain, &plen, err, sizeof(err)),
			 -EPERM);
	ck_assert_ptr_null(plain);
	ck_assert_int_eq(sl_encsgn_decrypt(enc, len, f.ccm_ec_key, &plain, &plen, err, sizeof(err)),
			 -ENOTSUP);
	ck_assert_int_eq(sl_sgn_header_parse(enc, len, &h, err, sizeof(err)), 0);
	/* A changed ciphertext block or hash: the hash or padding check fails,
	 * and so does the signature. */
	for (size_t i = h.header_length; i < len; i += 7) {
		enc[i] ^= 0x40;
		ck_assert_int_eq(sl_encsgn_decrypt(enc, len, f.phone_key, &plain, &plen, err,
						   sizeof(err)), -EPERM);
		ck_assert_int_eq(sl_sgn_verify_cert(enc, len, f.tftp, err, sizeof(err)), -EPERM);
		enc[i] ^= 0x40;
	}
	((uint8_t *)h.enc_hash)[0] ^= 1;
	ck_assert_int_eq(sl_encsgn_decrypt(enc, len, f.phone_key, &plain, &plen, err, sizeof(err)),
			 -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "ENCRYPTION_HASH"));
	((uint8_t *)h.enc_hash)[0] ^= 1;
	/* A truncated ciphertext. */
	ck_assert_int_eq(sl_encsgn_decrypt(enc, len - 1, f.phone_key, &plain, &plen, err,
					   sizeof(err)), -EBADMSG);
	/* A plain .sgn is not encrypted. */
	sgn = make_golden(&f, GOLDEN_SGN_SHA1, &slen);
	ck_assert_int_eq(sl_encsgn_decrypt(sgn, slen, f.phone_key, &plain, &plen, err, sizeof(err)),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "not an encrypted file"));
	free(sgn);
	free(enc);
	golden_free(&f);
}
END_TEST

TCase *tcase_enc(void)
{
	TCase *tc = tcase_create("enc");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, roundtrip, 0, 2);
	tcase_add_test(tc, padding_lengths);
	tcase_add_test(tc, refusals);
	return tc;
}
