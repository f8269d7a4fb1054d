/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Answerer suite choice (RFC 4568 §7.1.2) against the default
 * preference order, direction helpers (RFC 3264 §6.1) and key wiping.
 */
#include <stdio.h>
#include <string.h>

#include "test_sdp.h"

static struct sl_sdp s;

/* Issue 4 §5: AEAD_AES_256_GCM, AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, _32. */
static const int prefs[] = {
	SL_SUITE_AEAD_AES_256_GCM, SL_SUITE_AEAD_AES_128_GCM,
	SL_SUITE_AES_CM_128_HMAC_SHA1_80, SL_SUITE_AES_CM_128_HMAC_SHA1_32,
};
#define NPREFS ((unsigned)(sizeof(prefs) / sizeof(prefs[0])))

/* Parses a one-media offer whose a= lines are given; returns the pick. */
static int pick(const char *lines)
{
	char body[4096];

	snprintf(body, sizeof(body), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
		 "t=0 0\r\nm=audio 1000 RTP/SAVP 0\r\n%s", lines);
	parse_ok(body, &s);
	return sl_sdp_pick_crypto(&s.m[0], prefs, NPREFS);
}

START_TEST(aead_preferred)
{
	/* Cisco sample: AEAD 256 offered first. */
	parse_ok(sdp_cisco, &s);
	ck_assert_int_eq(sl_sdp_pick_crypto(&s.m[0], prefs, NPREFS), 0);
	ck_assert_int_eq(sl_sdp_pick_crypto(&s.m[1], prefs, NPREFS), -1);	/* AES_256_CM not in prefs */
	/* AEAD offered last still wins over the offerer's order. */
	ck_assert_int_eq(pick("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K80 "\r\n"
			      "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" K32 "\r\n"
			      "a=crypto:3 AEAD_AES_128_GCM inline:" G128 "\r\n"), 2);
	/* baresip: only AES_CM_128_HMAC_SHA1_80. */
	parse_ok(sdp_baresip_mand, &s);
	ck_assert_int_eq(sl_sdp_pick_crypto(&s.m[0], prefs, NPREFS), 0);
	/* Our order, not the offer's: _80 before _32. */
	ck_assert_int_eq(pick("a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" K32 "\r\n"
			      "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" K80 "\r\n"), 1);
	/* A different preference list changes the pick. */
	{
		static const int only32[] = { SL_SUITE_AES_CM_128_HMAC_SHA1_32 };

		ck_assert_int_eq(sl_sdp_pick_crypto(&s.m[0], only32, 1), 0);
	}
	sl_sdp_wipe(&s);
}
END_TEST

/* Lines we cannot key the data plane with are skipped (KDR, UNENCRYPTED_*, several keys). */
START_TEST(unusable_skipped)
{
	ck_assert_int_eq(pick("a=crypto:1 AEAD_AES_256_GCM inline:" G256 " KDR=10\r\n"
			      "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" K80 "\r\n"), 1);
	ck_assert_int_eq(pick("a=crypto:1 AEAD_AES_256_GCM inline:" G256 " UNENCRYPTED_SRTP\r\n"
			      "a=crypto:2 AEAD_AES_128_GCM inline:" G128 " UNAUTHENTICATED_SRTP\r\n"
			      "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" K80 " UNENCRYPTED_SRTCP\r\n"
			      "a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:" K32 "\r\n"), 3);
	/* Same suite twice: the first usable line. */
	ck_assert_int_eq(pick("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K80 " KDR=0\r\n"
			      "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" K80B "|2^31\r\n"), 1);
	/* Two master keys with MKIs: not taken. */
	ck_assert_int_eq(pick("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K80 "|1:1;inline:" K80B "|2:1\r\n"), -1);
	/* One key with an MKI and a WSH is fine. */
	ck_assert_int_eq(pick("a=crypto:9 AES_CM_128_HMAC_SHA1_80 inline:" K80 "|2^20|1:4 WSH=128\r\n"), 0);
	sl_sdp_wipe(&s);
}
END_TEST

START_TEST(nothing_usable)
{
	static const int bogus[] = { -1, SL_SUITE__COUNT, 1000 };

	ck_assert_int_eq(pick(""), -1);
	ck_assert_int_eq(pick("a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" A256 "\r\n"
			      "a=crypto:2 F8_128_HMAC_SHA1_80 inline:" K80 "\r\n"
			      "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" K80 " UNENCRYPTED_SRTP\r\n"), -1);
	ck_assert_uint_eq(s.m[0].crypto_bad, 1);
	ck_assert_int_eq(pick("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K80 "\r\n"), 0);
	ck_assert_int_eq(sl_sdp_pick_crypto(&s.m[0], prefs, 0), -1);
	ck_assert_int_eq(sl_sdp_pick_crypto(&s.m[0], bogus, 3), -1);
	ck_assert_int_eq(sl_sdp_pick_crypto(&s.m[0], NULL, 4), -1);
	ck_assert_int_eq(sl_sdp_pick_crypto(NULL, prefs, NPREFS), -1);
	sl_sdp_wipe(&s);
}
END_TEST

START_TEST(directions)
{
	ck_assert_str_eq(sl_sdp_dir_name(SL_SDP_SENDRECV), "sendrecv");
	ck_assert_str_eq(sl_sdp_dir_name(SL_SDP_SENDONLY), "sendonly");
	ck_assert_str_eq(sl_sdp_dir_name(SL_SDP_RECVONLY), "recvonly");
	ck_assert_str_eq(sl_sdp_dir_name(SL_SDP_INACTIVE), "inactive");
	/* RFC 3264 §6.1 */
	ck_assert_int_eq(sl_sdp_dir_reverse(SL_SDP_SENDONLY), SL_SDP_RECVONLY);
	ck_assert_int_eq(sl_sdp_dir_reverse(SL_SDP_RECVONLY), SL_SDP_SENDONLY);
	ck_assert_int_eq(sl_sdp_dir_reverse(SL_SDP_SENDRECV), SL_SDP_SENDRECV);
	ck_assert_int_eq(sl_sdp_dir_reverse(SL_SDP_INACTIVE), SL_SDP_INACTIVE);
}
END_TEST

START_TEST(srtp_profiles)
{
	struct sl_sdp_media m;
	static const struct { const char *proto; bool srtp; } t[] = {
		{ "RTP/SAVP", true }, { "RTP/SAVPF", true }, { "UDP/TLS/RTP/SAVPF", true },
		{ "RTP/AVP", false }, { "RTP/AVPF", false }, { "SAV", false }, { "", false },
	};

	memset(&m, 0, sizeof(m));
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(m.proto, sizeof(m.proto), "%s", t[i].proto);
		ck_assert_msg(sl_sdp_media_is_srtp(&m) == t[i].srtp, "%s", t[i].proto);
	}
	memset(m.proto, 'S', sizeof(m.proto));	/* not NUL-terminated: stays in bounds */
	ck_assert(!sl_sdp_media_is_srtp(&m));
	ck_assert(!sl_sdp_media_is_srtp(NULL));
}
END_TEST

/* sl_sdp_wipe() leaves no key byte in any media. */
START_TEST(wipe)
{
	unsigned char k[44];

	parse_ok(sdp_cisco, &s);
	key_pattern(k, 44, 3);
	ck_assert_mem_eq(s.m[0].crypto[0].keys[0].key_salt, k, 44);
	sl_sdp_wipe(&s);
	for (unsigned i = 0; i < SL_SDP_MAX_MEDIA; i++) {
		ck_assert(all_zero(s.m[i].crypto, sizeof(s.m[i].crypto)));
		ck_assert_uint_eq(s.m[i].ncrypto, 0);
	}
	ck_assert_uint_eq(s.nm, 2);	/* the rest stays */
	ck_assert_str_eq(s.m[1].type, "video");
	sl_sdp_wipe(NULL);
}
END_TEST

TCase *tcase_pick(void)
{
	TCase *tc = tcase_create("pick");

	tcase_add_test(tc, aead_preferred);
	tcase_add_test(tc, unusable_skipped);
	tcase_add_test(tc, nothing_usable);
	tcase_add_test(tc, directions);
	tcase_add_test(tc, srtp_profiles);
	tcase_add_test(tc, wipe);
	return tc;
}
