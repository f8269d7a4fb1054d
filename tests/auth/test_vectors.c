/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Digest computations against published vectors and an independent
 * implementation (the OpenSSL command line).
 */
#include <check.h>
#include <string.h>

#include "digest.h"
#include "test_auth.h"

/*
 * RFC 7616 §3.9.1: user "Mufasa", password "Circle of Life", realm
 * "http-auth@example.org", GET /dir/index.html, nc=00000001, qop=auth.
 */
#define R7616_NONCE "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define R7616_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

static void check_response(enum sl_digest_alg alg, const char *user,
			   const char *realm, const char *pw,
			   const char *method, const char *uri,
			   const char *nonce, uint32_t nc, const char *cnonce,
			   const char *want)
{
	uint8_t ha1[SL_DIGEST_MAX_HASH];
	char out[SL_DIGEST_MAX_HEX + 1], err[256];

	ck_assert_int_eq(sl_digest_ha1(alg, user, realm, pw, ha1, err,
				       sizeof(err)), 0);
	ck_assert_int_eq(sl_digest_response(alg, ha1, method, uri, nonce, nc,
					    cnonce, out), 0);
	ck_assert_str_eq(out, want);
}

START_TEST(rfc7616_md5)
{
	/* RFC 7616 §3.9.1, first Authorization example (MD5). */
	check_response(SL_DIGEST_MD5, "Mufasa", "http-auth@example.org",
		       "Circle of Life", "GET", "/dir/index.html", R7616_NONCE,
		       1, R7616_CNONCE, "8ca523f5e9506fed4657c9700eebdbec");
}
END_TEST

START_TEST(rfc7616_sha256)
{
	/* RFC 7616 §3.9.1, second Authorization example (SHA-256). */
	check_response(SL_DIGEST_SHA256, "Mufasa", "http-auth@example.org",
		       "Circle of Life", "GET", "/dir/index.html", R7616_NONCE,
		       1, R7616_CNONCE,
		       "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}
END_TEST

START_TEST(rfc2617_md5)
{
	/* RFC 2617 §3.5: note "Circle Of Life" with a capital O there. */
	check_response(SL_DIGEST_MD5, "Mufasa", "testrealm@host.com",
		       "Circle Of Life", "GET", "/dir/index.html",
		       "dcd98b7102dd2f0e8b11d0f600bfb0c093", 1, "0a4f113b",
		       "6629fae49393a05397450978507c4ef1");
}
END_TEST

/*
 * A SIP REGISTER, computed independently with the OpenSSL CLI (OpenSSL 3.0,
 * Debian 12) and pasted here:
 *   h() { printf '%s' "$2" | openssl dgst -$1 -r | cut -d' ' -f1; }
 *   HA1=$(h md5 "alice:shieldlock.example:s3cret-Pa55")
 *   HA2=$(h md5 "REGISTER:sip:shieldlock.example")
 *   h md5 "$HA1:KzS0wS1a0n3cePr3c0mputedF0rT3st:0000002a:a1b2c3d4e5f6:auth:$HA2"
 * and the same with sha256.
 */
#define REG_NONCE "KzS0wS1a0n3cePr3c0mputedF0rT3st"

START_TEST(sip_register_md5)
{
	uint8_t ha1[16];
	char hex[33], err[128];

	ck_assert_int_eq(sl_digest_ha1(SL_DIGEST_MD5, "alice",
				       "shieldlock.example", "s3cret-Pa55", ha1,
				       err, sizeof(err)), 0);
	test_hex(ha1, 16, hex);
	ck_assert_str_eq(hex, "de46c039b230660213b901a9cfee4c46");
	check_response(SL_DIGEST_MD5, "alice", "shieldlock.example",
		       "s3cret-Pa55", "REGISTER", "sip:shieldlock.example",
		       REG_NONCE, 0x2a, "a1b2c3d4e5f6",
		       "a06dd7cd4f35c014d6da8f969f7d8d17");
}
END_TEST

START_TEST(sip_register_sha256)
{
	uint8_t ha1[32];
	char hex[65], err[128];

	ck_assert_int_eq(sl_digest_ha1(SL_DIGEST_SHA256, "alice",
				       "shieldlock.example", "s3cret-Pa55", ha1,
				       err, sizeof(err)), 0);
	test_hex(ha1, 32, hex);
	ck_assert_str_eq(hex,
		"97685ec327813e7c0376bdf552a0512445b7c7b06a0e54a0fa2baac4eee42c79");
	check_response(SL_DIGEST_SHA256, "alice", "shieldlock.example",
		       "s3cret-Pa55", "REGISTER", "sip:shieldlock.example",
		       REG_NONCE, 0x2a, "a1b2c3d4e5f6",
		       "ac10d95331c5d678d6d6f60db17d187171dfeaaa56f4e06a0e65c77def053962");
}
END_TEST

START_TEST(ha1_errors)
{
	uint8_t ha1[32];
	char err[256];

	ck_assert_int_lt(sl_digest_ha1(SL_DIGEST_ALG_UNSUPPORTED, "a", "r",
				       "pw", ha1, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "MD5 or SHA-256"));
	ck_assert_int_lt(sl_digest_ha1(SL_DIGEST_MD5, "", "r", "pw", ha1, err,
				       sizeof(err)), 0);
	ck_assert_int_lt(sl_digest_ha1(SL_DIGEST_MD5, "a:b", "r", "pw", ha1,
				       err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "':'"));
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(sl_digest_alg_name(SL_DIGEST_SHA256), "SHA-256");
	ck_assert_uint_eq(sl_digest_alg_len(SL_DIGEST_MD5), 16);
	ck_assert_uint_eq(sl_digest_alg_len(SL_DIGEST_ALG_UNSUPPORTED), 0);
	ck_assert_str_eq(sl_digest_status_name(SL_DIGEST_REPLAY),
			 "replayed nonce-count");
	ck_assert_str_eq(sl_digest_status_name((enum sl_digest_status)99),
			 "unknown");
}
END_TEST

TCase *tcase_vectors(void)
{
	TCase *tc = tcase_create("vectors");

	tcase_add_test(tc, rfc7616_md5);
	tcase_add_test(tc, rfc7616_sha256);
	tcase_add_test(tc, rfc2617_md5);
	tcase_add_test(tc, sip_register_md5);
	tcase_add_test(tc, sip_register_sha256);
	tcase_add_test(tc, ha1_errors);
	tcase_add_test(tc, names);
	return tc;
}
