/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES a=crypto parsing, formatting and policy mapping (RFC 4568), and the
 * strict base64 it relies on (RFC 4648). Each case prints what it checks.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "sdes.h"

#define ALL_SUITES SL_SUITE__COUNT

static char err[256];

static int parse(const char *s, struct sl_sdes_crypto *c)
{
	err[0] = '\0';
	return sl_sdes_parse(s, strlen(s), c, err, sizeof(err));
}

/* A key-salt of n bytes 0x11, 0x12, ... in base64. */
static void make_b64(size_t n, uint8_t first, char *out, size_t cap)
{
	uint8_t b[64];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(first + i);
	ck_assert_int_ge(sl_base64_encode(b, n, out, cap), 0);
}

static size_t suite_need(enum sl_srtp_suite s)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(s);

	return (size_t)si->key_len + si->salt_len;
}

/* RFC 4648 §10 test vectors. */
START_TEST(base64_rfc4648_vectors)
{
	static const char *const plain[] = { "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char out[16];
	uint8_t dec[16];

	for (unsigned i = 0; i < 6; i++) {
		printf("base64: RFC 4648 §10 vector '%s'\n", plain[i]);
		ck_assert_int_eq(sl_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out, sizeof(out)),
				 (int)strlen(enc[i]));
		ck_assert_str_eq(out, enc[i]);
		ck_assert_int_eq(sl_base64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec)), (int)strlen(plain[i]));
		ck_assert_mem_eq(dec, plain[i], strlen(plain[i]));
	}
	ck_assert_int_eq(sl_base64_encode((const uint8_t *)"foo", 3, out, 4), -ENOSPC);
	ck_assert_int_eq(sl_base64_decode("Zm9v", 4, dec, 2), -ENOSPC);
}
END_TEST

/* Strict decoding: RFC 4648 §3.3 (no non-alphabet chars), §3.5 (canonical). */
START_TEST(base64_strict)
{
	static const char *const bad[] = { "", "Zg=", "Zg", "Zh==", "Zm9=", "Zm9v=", "Z===", "Zm 9v",
					   "Zm9v\n", "Zg==Zg==", "Zm-v", "Zm_v", "====" };
	uint8_t dec[16];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		printf("base64: reject '%s'\n", bad[i]);
		ck_assert_int_eq(sl_base64_decode(bad[i], strlen(bad[i]), dec, sizeof(dec)), -EINVAL);
	}
}
END_TEST

/* RFC 4568 §4 / §9.1 example line: MKI length 32 bytes exceeds what we take. */
START_TEST(rfc4568_example_mki32)
{
	struct sl_sdes_crypto c;

	printf("sdes: RFC 4568 example with |2^20|1:32 is rejected (MKI > 4 bytes)\n");
	ck_assert_int_eq(parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
			       "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32", &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "MKI length 32 unsupported (1..4)"));
}
END_TEST

/* RFC 4568 §9.1 key with a 4-byte MKI (the §4 line with 1:4). */
START_TEST(rfc4568_example_mki4)
{
	static const uint8_t ks[30] = {
		0x3d, 0x2d, 0x6e, 0x40, 0x25, 0x5e, 0x78, 0x21, 0x42, 0x6a, 0x75, 0x66, 0x72, 0x39, 0x29,
		0x3f, 0x2c, 0x23, 0x35, 0x68, 0x5c, 0x60, 0x3d, 0x26, 0x5d, 0x7b, 0x71, 0x69, 0x50, 0x51 };
	struct sl_sdes_crypto c;

	printf("sdes: RFC 4568 §9.1 example line with MKI 1:4\n");
	ck_assert_int_eq(parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
			       "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\r\n", &c), 0);
	ck_assert_uint_eq(c.tag, 1);
	ck_assert_int_eq(c.suite, SL_SUITE_AES_CM_128_HMAC_SHA1_80);
	ck_assert_uint_eq(c.nkeys, 1);
	ck_assert_uint_eq(c.keys[0].key_salt_len, 30);
	ck_assert_mem_eq(c.keys[0].key_salt, ks, 30);
	ck_assert(c.keys[0].has_lifetime);
	ck_assert_uint_eq(c.keys[0].lifetime, 1ull << 20);
	ck_assert(c.keys[0].has_mki);
	ck_assert_uint_eq(c.keys[0].mki, 1);
	ck_assert_uint_eq(c.keys[0].mki_len, 4);
}
END_TEST

/* RFC 4568 §6.1 example key-params with MKI and no lifetime. */
START_TEST(rfc4568_6_1_example)
{
	struct sl_sdes_crypto c;

	printf("sdes: RFC 4568 §6.1 inline:YUJD...|1066:4\n");
	ck_assert_int_eq(parse("crypto:1 AES_CM_128_HMAC_SHA1_80 "
			       "inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4", &c), 0);
	ck_assert_mem_eq(c.keys[0].key_salt, "aBCdefghiJKLmoPQrsTuVwyz123456", 30);
	ck_assert(!c.keys[0].has_lifetime);
	ck_assert_uint_eq(c.keys[0].mki, 1066);
	ck_assert_uint_eq(c.keys[0].mki_len, 4);
}
END_TEST

/* Every suite of srtp.h with its key+salt length (RFC 4568 §6.2, RFC 6188, RFC 7714 §12). */
START_TEST(every_suite)
{
	enum sl_srtp_suite s = (enum sl_srtp_suite)_i;
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(s);
	char b64[80], line[200], out[256];
	struct sl_sdes_crypto c, c2;
	struct sl_srtp_policy p;
	size_t need = suite_need(s);

	printf("sdes: suite %s, key-salt %zu bytes\n", si->name, need);
	make_b64(need, 0x11, b64, sizeof(b64));
	snprintf(line, sizeof(line), "7 %s inline:%s", si->name, b64);
	ck_assert_msg(parse(line, &c) == 0, "%s: %s", si->name, err);
	ck_assert_int_eq(c.suite, s);
	ck_assert_uint_eq(c.keys[0].key_salt_len, need);
	ck_assert_int_eq(sl_sdes_to_policy(&c, SL_SRTP_INBOUND, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.suite, s);
	ck_assert_int_eq(p.dir, SL_SRTP_INBOUND);
	ck_assert_uint_eq(p.keys[0].key[0], 0x11);
	ck_assert_uint_eq(p.keys[0].key[si->key_len - 1], 0x11 + si->key_len - 1);
	ck_assert_uint_eq(p.keys[0].salt[0], 0x11 + si->key_len);
	ck_assert_uint_eq(p.keys[0].salt[si->salt_len - 1], 0x11 + need - 1);
	ck_assert_uint_eq(p.mki_len, 0);
	ck_assert_uint_eq(p.replay_window, 0);
	ck_assert_int_gt(sl_sdes_format(&c, out, sizeof(out)), 0);
	ck_assert_str_eq(out, line);
	ck_assert_int_eq(parse(out, &c2), 0);
	ck_assert_mem_eq(&c, &c2, sizeof(c));

	/* one byte short and one byte long: named expected vs got */
	for (int d = -1; d <= 1; d += 2) {
		char want[160];

		make_b64(need + (size_t)d, 0x11, b64, sizeof(b64));
		snprintf(line, sizeof(line), "7 %s inline:%s", si->name, b64);
		ck_assert_int_eq(parse(line, &c), -EINVAL);
		snprintf(want, sizeof(want), "key-params: base64 decodes to %zu bytes, %s needs %zu (%u-byte key + %u-byte salt)",
			 need + (size_t)d, si->name, need, si->key_len, si->salt_len);
		ck_assert_msg(strstr(err, want), "%s: got '%s'", si->name, err);
	}
	sl_srtp_policy_wipe(&p);
}
END_TEST

START_TEST(lifetimes)
{
	static const struct { const char *lt; unsigned long long v; } ok[] = {
		{ "2^20", 1ull << 20 }, { "2^31", 1ull << 31 }, { "2^48", 1ull << 48 }, { "2^0", 1 },
		{ "1", 1 }, { "1000", 1000 }, { "281474976710656", 1ull << 48 },
	};
	static const struct { const char *lt, *msg; } bad[] = {
		{ "2^49", "exceeds the SRTP maximum 2^48" }, { "281474976710657", "exceeds the SRTP maximum" },
		{ "99999999999999999999", "exceeds" }, { "0", "lifetime 0 is invalid" },
		{ "2^", "is not 2^<decimal>" }, { "2^x", "is not 2^<decimal>" }, { "2^100", "is not 2^" },
		{ "abc", "is not a decimal number" }, { "-5", "is not a decimal number" },
		{ "1e6", "is not a decimal number" },
	};
	char b64[80], line[200];
	struct sl_sdes_crypto c;
	struct sl_srtp_policy p;

	make_b64(30, 1, b64, sizeof(b64));
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		printf("sdes: lifetime %s accepted\n", ok[i].lt);
		snprintf(line, sizeof(line), "1 AES_CM_128_HMAC_SHA1_80 inline:%s|%s", b64, ok[i].lt);
		ck_assert_msg(parse(line, &c) == 0, "%s: %s", ok[i].lt, err);
		ck_assert_uint_eq(c.keys[0].lifetime, ok[i].v);
		ck_assert_int_eq(sl_sdes_to_policy(&c, SL_SRTP_OUTBOUND, &p, err, sizeof(err)), 0);
		ck_assert_uint_eq(p.keys[0].lifetime, ok[i].v);
	}
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		printf("sdes: lifetime %s rejected\n", bad[i].lt);
		snprintf(line, sizeof(line), "1 AES_CM_128_HMAC_SHA1_80 inline:%s|%s", b64, bad[i].lt);
		ck_assert_int_eq(parse(line, &c), -EINVAL);
		ck_assert_msg(strstr(err, bad[i].msg), "%s: got '%s'", bad[i].lt, err);
	}
}
END_TEST

/* RFC 4568 §6.1: several master keys, told apart by MKI. */
START_TEST(multiple_keys)
{
	char k1[80], k2[80], k3[80], line[400], out[512];
	struct sl_sdes_crypto c, c2;
	struct sl_srtp_policy p;

	printf("sdes: three keys with 2-byte MKIs 1, 2, 258\n");
	make_b64(30, 0x10, k1, sizeof(k1));
	make_b64(30, 0x40, k2, sizeof(k2));
	make_b64(30, 0x70, k3, sizeof(k3));
	snprintf(line, sizeof(line), "2 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20|1:2;inline:%s|2^20|2:2;inline:%s|258:2",
		 k1, k2, k3);
	ck_assert_msg(parse(line, &c) == 0, "%s", err);
	ck_assert_uint_eq(c.nkeys, 3);
	ck_assert_uint_eq(c.keys[2].mki, 258);
	ck_assert(!c.keys[2].has_lifetime);
	ck_assert_int_eq(sl_sdes_to_policy(&c, SL_SRTP_OUTBOUND, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.nkeys, 3);
	ck_assert_uint_eq(p.mki_len, 2);
	ck_assert_uint_eq(p.keys[2].mki[0], 1);    /* 258 big-endian */
	ck_assert_uint_eq(p.keys[2].mki[1], 2);
	ck_assert_uint_eq(p.keys[1].key[0], 0x40);
	ck_assert_uint_eq(p.keys[2].lifetime, 0);
	ck_assert_int_gt(sl_sdes_format(&c, out, sizeof(out)), 0);
	ck_assert_str_eq(out, line);
	ck_assert_int_eq(parse(out, &c2), 0);
	ck_assert_mem_eq(&c, &c2, sizeof(c));
}
END_TEST

START_TEST(mki_values)
{
	static const struct { const char *mki; unsigned len; uint32_t v; uint8_t be[4]; } ok[] = {
		{ "255:1", 1, 255, { 0xff } }, { "65535:2", 2, 65535, { 0xff, 0xff } },
		{ "66051:3", 3, 0x010203, { 1, 2, 3 } }, { "4294967295:4", 4, 0xffffffffu, { 0xff, 0xff, 0xff, 0xff } },
		{ "0:1", 1, 0, { 0 } }, { "16909060:4", 4, 0x01020304, { 1, 2, 3, 4 } },
	};
	char b64[80], line[200];
	struct sl_sdes_crypto c;
	struct sl_srtp_policy p;

	make_b64(30, 1, b64, sizeof(b64));
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		printf("sdes: MKI %s\n", ok[i].mki);
		snprintf(line, sizeof(line), "1 AES_CM_128_HMAC_SHA1_80 inline:%s|%s", b64, ok[i].mki);
		ck_assert_msg(parse(line, &c) == 0, "%s: %s", ok[i].mki, err);
		ck_assert_uint_eq(c.keys[0].mki, ok[i].v);
		ck_assert_uint_eq(c.keys[0].mki_len, ok[i].len);
		ck_assert_int_eq(sl_sdes_to_policy(&c, SL_SRTP_OUTBOUND, &p, err, sizeof(err)), 0);
		ck_assert_uint_eq(p.mki_len, ok[i].len);
		ck_assert_mem_eq(p.keys[0].mki, ok[i].be, ok[i].len);
	}
}
END_TEST

/* RFC 4568 §6.3 session parameters. */
START_TEST(session_params)
{
	char b64[80], line[300], out[400];
	struct sl_sdes_crypto c, c2;
	struct sl_srtp_policy p;

	make_b64(30, 1, b64, sizeof(b64));
	printf("sdes: all supported session parameters together\n");
	snprintf(line, sizeof(line), "3 AES_CM_128_HMAC_SHA1_32 inline:%s KDR=0 UNENCRYPTED_SRTP "
		 "UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP WSH=100", b64);
	ck_assert_msg(parse(line, &c) == 0, "%s", err);
	ck_assert(c.has_kdr);
	ck_assert_uint_eq(c.kdr, 0);
	ck_assert(c.unencrypted_srtp && c.unencrypted_srtcp && c.unauthenticated_srtp);
	ck_assert(c.has_wsh);
	ck_assert_uint_eq(c.wsh, 100);
	ck_assert_int_eq(sl_sdes_to_policy(&c, SL_SRTP_OUTBOUND, &p, err, sizeof(err)), 0);
	ck_assert(p.unencrypted_srtp && p.unencrypted_srtcp && p.unauthenticated_srtp);
	ck_assert_uint_eq(p.kdr, 0);
	ck_assert_uint_eq(p.replay_window, 128);
	ck_assert_int_gt(sl_sdes_format(&c, out, sizeof(out)), 0);
	ck_assert_str_eq(out, line);
	ck_assert_int_eq(parse(out, &c2), 0);
	ck_assert_mem_eq(&c, &c2, sizeof(c));

	printf("sdes: FEC_ORDER accepted without effect, tabs and extra blanks\n");
	snprintf(line, sizeof(line), "3\tAES_CM_128_HMAC_SHA1_80  inline:%s \t FEC_ORDER=SRTP_FEC FEC_ORDER=FEC_SRTP  ", b64);
	ck_assert_msg(parse(line, &c) == 0, "%s", err);
	ck_assert(!c.has_kdr && !c.has_wsh && !c.unencrypted_srtp);

	printf("sdes: KDR=24 parses, but the policy refuses it\n");
	snprintf(line, sizeof(line), "3 AES_CM_128_HMAC_SHA1_80 inline:%s KDR=24", b64);
	ck_assert_int_eq(parse(line, &c), 0);
	ck_assert_uint_eq(c.kdr, 24);
	ck_assert_int_eq(sl_sdes_to_policy(&c, SL_SRTP_OUTBOUND, &p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "KDR=24: non-zero key derivation rate is not supported (RFC 3711 §4.3.1)"));
}
END_TEST

/* WSH → replay window: power of two, 64..32768. */
START_TEST(wsh_window)
{
	static const struct { uint32_t wsh; uint16_t w; } m[] = {
		{ 64, 64 }, { 65, 128 }, { 128, 128 }, { 1000, 1024 }, { 1024, 1024 },
		{ 32768, 32768 }, { 40000, 32768 }, { 4294967295u, 32768 },
	};
	char b64[80], line[200];
	struct sl_sdes_crypto c;
	struct sl_srtp_policy p;

	make_b64(30, 1, b64, sizeof(b64));
	for (unsigned i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		printf("sdes: WSH=%u -> window %u\n", m[i].wsh, m[i].w);
		snprintf(line, sizeof(line), "1 AES_CM_128_HMAC_SHA1_80 inline:%s WSH=%u", b64, m[i].wsh);
		ck_assert_msg(parse(line, &c) == 0, "%s", err);
		ck_assert_int_eq(sl_sdes_to_policy(&c, SL_SRTP_INBOUND, &p, err, sizeof(err)), 0);
		ck_assert_uint_eq(p.replay_window, m[i].w);
	}
}
END_TEST

/* Malformed attributes, each with the message it must produce. */
START_TEST(malformed)
{
	static const struct { const char *fmt, *msg; } bad[] = {
		{ "", "empty crypto attribute" },
		{ "a=crypto:", "empty crypto attribute" },
		{ "1", "crypto-suite missing" },
		{ "1 AES_CM_128_HMAC_SHA1_80", "key-params missing" },
		{ "0 AES_CM_128_HMAC_SHA1_80 inline:%s", "tag '0'" },
		{ "1234567890 AES_CM_128_HMAC_SHA1_80 inline:%s", "tag '1234567890' is not 1 to 9 digits" },
		{ "x AES_CM_128_HMAC_SHA1_80 inline:%s", "tag 'x'" },
		{ "-1 AES_CM_128_HMAC_SHA1_80 inline:%s", "tag '-1'" },
		{ "1 aes_cm_128_hmac_sha1_80 inline:%s", "crypto-suite 'aes_cm_128_hmac_sha1_80' not supported" },
		{ "1 F8_128_HMAC_SHA1_80 inline:%s", "crypto-suite 'F8_128_HMAC_SHA1_80' not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 %s", "missing key method (expected inline:" },
		{ "1 AES_CM_128_HMAC_SHA1_80 %s|1:4", "missing key method (expected inline:" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline%s", "missing key method" },
		{ "1 AES_CM_128_HMAC_SHA1_80 uri:%s", "key method 'uri' not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 INLINE:%s", "key method 'INLINE' not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:", "invalid base64 at offset 0" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s=", "invalid base64" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|", "empty field after '|'" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s||2^20", "empty field after '|'" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20|2^20", "lifetime given twice" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:4|2^20", "lifetime must come before the MKI" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:4|2:4", "MKI given twice" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:5", "MKI length 5 unsupported (1..4)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:0", "MKI length 0 unsupported (1..4)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:", "MKI length in '1:' is not 1 to 3 digits" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:1000", "is not 1 to 3 digits" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|:4", "MKI value in ':4' is not a decimal number" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|x:4", "MKI value in 'x:4'" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|256:1", "MKI value '256' does not fit in 1 byte(s)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|65536:2", "does not fit in 2 byte(s)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|4294967296:4", "does not fit in 4 byte(s)" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:4;", "empty key-param after ';'" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s;inline:%s", "key 1 has no MKI; with 2 keys every key needs one" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:4;inline:%s", "key 2 has no MKI" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|1:4;inline:%s|2:2", "key 2 has MKI length 2, key 1 has 4" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s|7:4;inline:%s|7:4", "keys 1 and 2 have the same MKI value 7" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s KDR=25", "KDR=25 out of range" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s KDR=01", "KDR=01 out of range" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s KDR=", "KDR='' is not a decimal number" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s KDR=100", "KDR='100' is not a decimal number" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s KDR=1 KDR=1", "KDR given twice" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s WSH=63", "WSH=63 out of range" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s WSH=4294967296", "WSH=4294967296 out of range" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s WSH=x", "WSH='x' is not a decimal number" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s WSH=64 WSH=64", "WSH given twice" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s UNENCRYPTED_SRTP UNENCRYPTED_SRTP", "UNENCRYPTED_SRTP given twice" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s FEC_ORDER=XYZ", "FEC_ORDER='XYZ' invalid" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s FEC_KEY=inline:%s", "FEC_KEY is not supported" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s FOO=1", "unknown session parameter 'FOO'" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s unencrypted_srtp", "unknown session parameter 'unencrypted_srtp'" },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:%s UNENCRYPTED_SRTP=1", "unknown session parameter 'UNENCRYPTED_SRTP'" },
		{ "crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s -EXT", "unknown session parameter '-EXT'" },
	};
	char b64[80], line[400];
	struct sl_sdes_crypto c;

	make_b64(30, 1, b64, sizeof(b64));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), bad[i].fmt, b64, b64);
		printf("sdes: reject '%s' -> '%s'\n", bad[i].fmt, bad[i].msg);
		memset(&c, 0xa5, sizeof(c));
		ck_assert_msg(parse(line, &c) == -EINVAL, "accepted '%s'", line);
		ck_assert_msg(strstr(err, bad[i].msg), "'%s': expected '%s', got '%s'", bad[i].fmt, bad[i].msg, err);
		ck_assert_msg(!strstr(err, "AQIDBAUG"), "'%s': the message shows key material", bad[i].fmt);
		for (size_t b = 0; b < sizeof(c); b++)   /* nothing half-parsed left */
			ck_assert_uint_eq(((uint8_t *)&c)[b], 0);
	}
}
END_TEST

START_TEST(bad_base64_messages)
{
	struct sl_sdes_crypto c;

	printf("sdes: base64 errors name the offset and reason\n");
	ck_assert_int_eq(parse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB!", &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "invalid base64 at offset 39 of the key: invalid character"));
	ck_assert_int_eq(parse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB", &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a multiple of 4"));
	ck_assert_int_eq(parse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFC=nVmcjkpPywjNWhcYD0mXXtxaVBR", &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "'=' padding before the end"));
	printf("sdes: NUL inside the attribute\n");
	ck_assert_int_eq(sl_sdes_parse("1 AES\0", 6, &c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "NUL byte"));
}
END_TEST

/* The command-line form of a key-param (shieldlock-srtp --key). */
START_TEST(parse_key_forms)
{
	static const char *const forms[] = {
		"PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
		"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
		"PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^31|5:1",
	};
	struct sl_sdes_key k;

	for (unsigned i = 0; i < 3; i++) {
		printf("sdes: --key form '%s'\n", forms[i]);
		ck_assert_msg(sl_sdes_parse_key(forms[i], strlen(forms[i]), SL_SUITE_AES_CM_128_HMAC_SHA1_80,
						&k, err, sizeof(err)) == 0, "%s", err);
		ck_assert_uint_eq(k.key_salt_len, 30);
		ck_assert_uint_eq(k.key_salt[0], 0x3d);
	}
	ck_assert(k.has_lifetime && k.lifetime == 1ull << 31 && k.has_mki && k.mki == 5 && k.mki_len == 1);
	printf("sdes: --key with the wrong length for AEAD_AES_256_GCM\n");
	ck_assert_int_eq(sl_sdes_parse_key(forms[0], strlen(forms[0]), SL_SUITE_AEAD_AES_256_GCM,
					   &k, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "base64 decodes to 30 bytes, AEAD_AES_256_GCM needs 44 (32-byte key + 12-byte salt)"));
}
END_TEST

/* Format: canonical output, refuses invalid structs, reports -ENOSPC. */
START_TEST(format_edges)
{
	struct sl_sdes_crypto c;
	char out[300];
	int n;

	printf("sdes: format canonicalises lifetimes and refuses bad structs\n");
	ck_assert_int_eq(parse("a=crypto:0042 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1048576|0001:4", &c), 0);
	n = sl_sdes_format(&c, out, sizeof(out));
	ck_assert_str_eq(out, "42 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4");
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_int_eq(sl_sdes_format(&c, out, 20), -ENOSPC);
	ck_assert_int_eq(sl_sdes_format(&c, out, (size_t)n), -ENOSPC);
	ck_assert_int_eq(sl_sdes_format(&c, out, (size_t)n + 1), n);
	c.keys[0].mki_len = 5;
	ck_assert_int_eq(sl_sdes_format(&c, out, sizeof(out)), -EINVAL);
	c.keys[0].mki_len = 4;
	c.keys[0].key_salt_len = 29;
	ck_assert_int_eq(sl_sdes_format(&c, out, sizeof(out)), -EINVAL);
	c.keys[0].key_salt_len = 30;
	c.tag = 0;
	ck_assert_int_eq(sl_sdes_format(&c, out, sizeof(out)), -EINVAL);
	c.tag = 1;
	c.suite = SL_SUITE__COUNT;
	ck_assert_int_eq(sl_sdes_format(&c, out, sizeof(out)), -EINVAL);
}
END_TEST

START_TEST(wipe)
{
	struct sl_sdes_crypto c;

	printf("sdes: sl_sdes_wipe clears the key material\n");
	ck_assert_int_eq(parse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", &c), 0);
	sl_sdes_wipe(&c);
	for (size_t b = 0; b < sizeof(c.keys); b++)
		ck_assert_uint_eq(((uint8_t *)c.keys)[b], 0);
}
END_TEST

static Suite *sdes_suite(void)
{
	Suite *s = suite_create("sdes");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, base64_rfc4648_vectors);
	tcase_add_test(tc, base64_strict);
	tcase_add_test(tc, rfc4568_example_mki32);
	tcase_add_test(tc, rfc4568_example_mki4);
	tcase_add_test(tc, rfc4568_6_1_example);
	tcase_add_loop_test(tc, every_suite, 0, ALL_SUITES);
	tcase_add_test(tc, lifetimes);
	tcase_add_test(tc, multiple_keys);
	tcase_add_test(tc, mki_values);
	tcase_add_test(tc, session_params);
	tcase_add_test(tc, wsh_window);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, bad_base64_messages);
	tcase_add_test(tc, parse_key_forms);
	tcase_add_test(tc, format_edges);
	tcase_add_test(tc, wipe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sdes_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
