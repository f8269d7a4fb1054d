/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP parsing of real and RFC bodies: fields, inheritance of c= and the
 * direction (RFC 8866 §5.7, RFC 3264 §5.1), a=crypto lines (RFC 4568),
 * pass-through and stripped attributes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test_sdp.h"

static struct sl_sdp s;

static void check_addr(const struct sl_sdp_addr *a, int ver, const char *text)
{
	unsigned char b[16];

	ck_assert_int_eq(a->ip_version, ver);
	ck_assert_str_eq(a->text, text);
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(inet_pton(ver == 4 ? AF_INET : AF_INET6, text, b), 1);
	ck_assert_mem_eq(a->bytes, b, 16);
}

/* baresip 1.0.0 with mediaenc=srtp-mand (captured, see test_samples.c). */
START_TEST(baresip_mandatory)
{
	static const unsigned char key[30] = {
		0x25, 0x9e, 0x7c, 0xef, 0x3d, 0x98, 0x5d, 0x51, 0xd7, 0x00, 0x52, 0xda, 0x43, 0x68, 0xcc,
		0x4b, 0x06, 0x17, 0x6e, 0x6f, 0x8b, 0xf8, 0x1b, 0x1f, 0xc7, 0x47, 0x58, 0xaa, 0xef, 0xee,
	};
	const struct sl_sdp_media *m = &s.m[0];

	parse_ok(sdp_baresip_mand, &s);
	ck_assert_str_eq(s.o_user, "-");
	ck_assert_uint_eq(s.o_sess_id, 3528967632u);
	ck_assert_uint_eq(s.o_sess_version, 445610115u);
	check_addr(&s.o_addr, 4, "192.0.2.2");
	ck_assert_str_eq(s.s_name, "-");
	check_addr(&s.conn, 4, "192.0.2.2");
	ck_assert_uint_eq(s.nm, 1);
	ck_assert_str_eq(m->type, "audio");
	ck_assert_uint_eq(m->port, 20784);
	ck_assert_str_eq(m->proto, "RTP/SAVP");
	ck_assert_str_eq(m->fmts, "0 8 96 101");
	check_addr(&m->conn, 4, "192.0.2.2");
	ck_assert_int_eq(m->dir, SL_SDP_SENDRECV);
	ck_assert(!m->rtcp_mux);
	ck_assert(sl_sdp_media_is_srtp(m));
	ck_assert_uint_eq(m->ncrypto, 1);
	ck_assert_uint_eq(m->crypto_bad, 0);
	ck_assert_uint_eq(m->crypto[0].tag, 1);
	ck_assert_int_eq(m->crypto[0].suite, SL_SUITE_AES_CM_128_HMAC_SHA1_80);
	ck_assert_uint_eq(m->crypto[0].nkeys, 1);
	ck_assert_uint_eq(m->crypto[0].keys[0].key_salt_len, 30);
	ck_assert_mem_eq(m->crypto[0].keys[0].key_salt, key, 30);
	/* a=tool (session level), a=sendrecv and a=crypto are not in attrs. */
	ck_assert_str_eq(m->attrs,
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:96 opus/48000/2\r\n"
		"a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=label:1\r\n"
		"a=rtcp-rsize\r\n"
		"a=ssrc:1238564874 cname:sip:alice@127.0.0.1\r\n"
		"a=minptime:20\r\n"
		"a=ptime:20\r\n");
	ck_assert_uint_eq(m->attrs_len, strlen(m->attrs));
	sl_sdp_wipe(&s);
}
END_TEST

/* baresip's best-effort SRTP: RTP/AVP with an a=crypto line. */
START_TEST(baresip_best_effort)
{
	parse_ok(sdp_baresip_best, &s);
	ck_assert_str_eq(s.m[0].proto, "RTP/AVP");
	ck_assert(!sl_sdp_media_is_srtp(&s.m[0]));
	ck_assert_uint_eq(s.m[0].ncrypto, 1);
	ck_assert_uint_eq(s.o_sess_id, 89050046u);
	sl_sdp_wipe(&s);
}
END_TEST

START_TEST(cisco_several_suites)
{
	unsigned char k[46];

	parse_ok(sdp_cisco, &s);
	ck_assert_str_eq(s.o_user, "Cisco-SIPUA");
	ck_assert_str_eq(s.s_name, "SIP Call");
	ck_assert_int_eq(s.conn.ip_version, 0);		/* only media-level c= */
	ck_assert_uint_eq(s.nm, 2);
	check_addr(&s.m[0].conn, 4, "10.10.20.31");
	check_addr(&s.m[1].conn, 4, "10.10.20.32");
	/* AEAD 256, AEAD 128, AES_CM 80, AES_CM 32 parse; AES_192 is unknown. */
	ck_assert_uint_eq(s.m[0].ncrypto, 4);
	ck_assert_uint_eq(s.m[0].crypto_bad, 1);
	ck_assert_int_eq(s.m[0].crypto[0].suite, SL_SUITE_AEAD_AES_256_GCM);
	ck_assert_int_eq(s.m[0].crypto[1].suite, SL_SUITE_AEAD_AES_128_GCM);
	ck_assert_int_eq(s.m[0].crypto[2].suite, SL_SUITE_AES_CM_128_HMAC_SHA1_80);
	ck_assert_int_eq(s.m[0].crypto[3].suite, SL_SUITE_AES_CM_128_HMAC_SHA1_32);
	ck_assert(s.m[0].crypto[3].unencrypted_srtcp);
	ck_assert_uint_eq(s.m[0].crypto[3].tag, 4);
	key_pattern(k, 44, 3);
	ck_assert_mem_eq(s.m[0].crypto[0].keys[0].key_salt, k, 44);
	key_pattern(k, 28, 4);
	ck_assert_mem_eq(s.m[0].crypto[1].keys[0].key_salt, k, 28);
	/* Video: AES_256_CM parses, the FEC_KEY line is ignored (counted). */
	ck_assert_uint_eq(s.m[1].ncrypto, 1);
	ck_assert_uint_eq(s.m[1].crypto_bad, 1);
	ck_assert_int_eq(s.m[1].crypto[0].suite, SL_SUITE_AES_256_CM_HMAC_SHA1_80);
	key_pattern(k, 46, 5);
	ck_assert_mem_eq(s.m[1].crypto[0].keys[0].key_salt, k, 46);
	ck_assert_int_eq(s.m[0].dir, SL_SDP_SENDRECV);
	ck_assert_int_eq(s.m[1].dir, SL_SDP_RECVONLY);
	/* b= is dropped; rtcp-fb, content, label pass. */
	ck_assert_ptr_null(strstr(s.m[1].attrs, "\nb="));
	ck_assert_str_eq(s.m[1].attrs,
		"a=rtpmap:126 H264/90000\r\n"
		"a=fmtp:126 profile-level-id=42801E;packetization-mode=1;level-asymmetry-allowed=1\r\n"
		"a=rtpmap:97 H264/90000\r\n"
		"a=fmtp:97 profile-level-id=42801E;packetization-mode=0;level-asymmetry-allowed=1\r\n"
		"a=rtcp-fb:* nack pli\r\n"
		"a=content:main\r\n"
		"a=label:11\r\n");
	sl_sdp_wipe(&s);
}
END_TEST

/* RFC 4568 §7: F8 is not supported (ignored, §7.1.2), MKI and lifetime kept. */
START_TEST(rfc4568_offer)
{
	parse_ok(sdp_rfc4568_7, &s);
	ck_assert_str_eq(s.o_user, "sam");
	ck_assert_uint_eq(s.o_sess_id, 2890844526u);
	ck_assert_uint_eq(s.o_sess_version, 2890842807u);
	ck_assert_str_eq(s.s_name, "SRTP Discussion");
	ck_assert_uint_eq(s.nm, 2);
	check_addr(&s.m[0].conn, 4, "168.2.17.12");	/* inherited */
	check_addr(&s.m[1].conn, 4, "168.2.17.12");
	ck_assert_uint_eq(s.m[0].ncrypto, 1);
	ck_assert_uint_eq(s.m[0].crypto_bad, 1);
	ck_assert(s.m[0].crypto[0].keys[0].has_lifetime);
	ck_assert_uint_eq(s.m[0].crypto[0].keys[0].lifetime, 1u << 20);
	ck_assert(s.m[0].crypto[0].keys[0].has_mki);
	ck_assert_uint_eq(s.m[0].crypto[0].keys[0].mki, 1);
	ck_assert_uint_eq(s.m[0].crypto[0].keys[0].mki_len, 4);
	ck_assert_uint_eq(s.m[1].ncrypto, 1);
	ck_assert_uint_eq(s.m[1].crypto[0].keys[0].mki, 1066);
	ck_assert_uint_eq(s.m[0].attrs_len, 0);
	sl_sdp_wipe(&s);
}
END_TEST

/* RFC 3264 §10.1: empty s=, FQDN origin, two media sharing the session c=. */
START_TEST(rfc3264_offer)
{
	parse_ok(sdp_rfc3264_10_1, &s);
	ck_assert_str_eq(s.s_name, "-");
	ck_assert_int_eq(s.o_addr.ip_version, 4);
	ck_assert_str_eq(s.o_addr.text, "host.anywhere.com");
	ck_assert(all_zero(s.o_addr.bytes, 16));
	ck_assert_uint_eq(s.nm, 2);
	ck_assert_str_eq(s.m[0].fmts, "0 8 97");
	ck_assert_str_eq(s.m[1].type, "video");
	ck_assert_uint_eq(s.m[1].port, 51372);
	ck_assert_str_eq(s.m[1].fmts, "31 32");
	ck_assert_str_eq(s.m[1].attrs, "a=rtpmap:31 H261/90000\r\na=rtpmap:32 MPV/90000\r\n");
	ck_assert_uint_eq(s.m[0].ncrypto + s.m[0].crypto_bad, 0);
	check_addr(&s.m[1].conn, 4, "192.0.2.10");
}
END_TEST

/* Session-level direction is the default; media level overrides (RFC 3264 §5.1, §8.4). */
START_TEST(direction_inheritance)
{
	parse_ok("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		 "a=sendonly\r\n"
		 "m=audio 1000 RTP/AVP 0\r\n"
		 "m=audio 1002 RTP/AVP 0\r\na=inactive\r\n"
		 "m=video 1004 RTP/AVP 31\r\nc=IN IP4 198.51.100.7\r\na=recvonly\r\n", &s);
	ck_assert_uint_eq(s.nm, 3);
	ck_assert_int_eq(s.m[0].dir, SL_SDP_SENDONLY);
	ck_assert_int_eq(s.m[1].dir, SL_SDP_INACTIVE);
	ck_assert_int_eq(s.m[2].dir, SL_SDP_RECVONLY);
	check_addr(&s.m[0].conn, 4, "192.0.2.1");
	check_addr(&s.m[2].conn, 4, "198.51.100.7");
	check_addr(&s.conn, 4, "192.0.2.1");
	/* Without any direction attribute: sendrecv. */
	parse_ok(sdp_rfc3264_10_1, &s);
	ck_assert_int_eq(s.m[0].dir, SL_SDP_SENDRECV);
	ck_assert_int_eq(s.m[1].dir, SL_SDP_SENDRECV);
	/* RFC 3264 §8.4 hold with the old 0.0.0.0 form is still unicast. */
	parse_ok("v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
		 "m=audio 1000 RTP/AVP 0\r\na=sendonly\r\n", &s);
	check_addr(&s.m[0].conn, 4, "0.0.0.0");
}
END_TEST

START_TEST(ipv6_lf_only)
{
	unsigned char k[28];

	parse_ok(sdp_ipv6, &s);
	check_addr(&s.o_addr, 6, "2001:db8::2");
	check_addr(&s.m[0].conn, 6, "2001:DB8:0:0::5");	/* text as written */
	ck_assert_int_eq(s.m[0].conn.bytes[15], 5);
	ck_assert(s.m[0].rtcp_mux);
	ck_assert_int_eq(s.m[0].dir, SL_SDP_SENDONLY);
	ck_assert(sl_sdp_media_is_srtp(&s.m[0]));
	ck_assert_uint_eq(s.m[0].ncrypto, 1);
	ck_assert_uint_eq(s.m[0].crypto[0].tag, 7);
	key_pattern(k, 28, 4);
	ck_assert_mem_eq(s.m[0].crypto[0].keys[0].key_salt, k, 28);
	ck_assert_str_eq(s.m[0].attrs, "a=rtpmap:111 opus/48000/2\r\n");
	sl_sdp_wipe(&s);
}
END_TEST

/* Line endings: LF, CRLF mixed, no final newline, trailing empty lines, trailing blanks. */
START_TEST(line_endings)
{
	parse_ok("v=0\no=- 1 1 IN IP4 192.0.2.1\r\ns=x y \t\nt=0 0\r\n"
		 "m=audio 0 RTP/AVP 0  8\nc=IN IP4 192.0.2.1 \na=ptime:20", &s);
	ck_assert_str_eq(s.s_name, "x y");
	ck_assert_str_eq(s.m[0].fmts, "0 8");
	ck_assert_uint_eq(s.m[0].port, 0);
	ck_assert_str_eq(s.m[0].attrs, "a=ptime:20\r\n");
	parse_ok("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n\r\n\r\n", &s);
	ck_assert_uint_eq(s.nm, 0);
}
END_TEST

/* ICE and a=rtcp are stripped at both levels (RFC 8839, RFC 3605). */
START_TEST(ice_stripped)
{
	parse_ok("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
		 "a=ice-ufrag:F7gI\r\na=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\na=ice-lite\r\n"
		 "a=group:BUNDLE 0\r\n"
		 "m=audio 5000 RTP/SAVP 0\r\nc=IN IP4 192.0.2.1\r\n"
		 "a=rtcp:5001 IN IP4 192.0.2.1\r\n"
		 "a=candidate:1 1 UDP 2130706431 192.0.2.1 5000 typ host\r\n"
		 "a=candidate:1 2 UDP 2130706430 192.0.2.1 5001 typ host\r\n"
		 "a=ice-options:trickle\r\na=end-of-candidates\r\n"
		 "a=remote-candidates:1 192.0.2.3 5000\r\n"
		 "a=rtpmap:0 PCMU/8000\r\na=mid:0\r\n", &s);
	ck_assert_str_eq(s.m[0].attrs, "a=rtpmap:0 PCMU/8000\r\na=mid:0\r\n");
}
END_TEST

/* a=crypto bookkeeping: unparsable, duplicate tags, beyond SL_SDP_MAX_CRYPTO. */
START_TEST(crypto_lines)
{
	char body[4096];
	size_t n;

	n = (size_t)snprintf(body, sizeof(body),
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K80 "\r\n"	/* session level: ignored */
		"m=audio 5000 RTP/SAVP 0\r\n"
		"a=crypto\r\n"
		"a=crypto:garbage\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K80 "|2^20|1:4;inline:" K80B "|2^20|2:4\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" K32 "\r\n"	/* duplicate tag */
		"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" K80 " KDR=10\r\n"
		"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" K32 " WSH=256\r\n");
	for (unsigned t = 4; t <= 10; t++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
				      "a=crypto:%u AES_CM_128_HMAC_SHA1_32 inline:" K32 "\r\n", t);
	ck_assert_uint_lt(n, sizeof(body));
	parse_ok(body, &s);
	ck_assert_uint_eq(s.m[0].ncrypto, SL_SDP_MAX_CRYPTO);
	/* crypto, garbage, duplicate tag 1, and tags 9 and 10 beyond the limit */
	ck_assert_uint_eq(s.m[0].crypto_bad, 5);
	ck_assert_uint_eq(s.m[0].crypto[0].nkeys, 2);
	ck_assert(s.m[0].crypto[1].has_kdr);
	ck_assert_uint_eq(s.m[0].crypto[2].wsh, 256);
	ck_assert_uint_eq(s.m[0].crypto[7].tag, 8);
	ck_assert_uint_eq(s.m[0].attrs_len, 0);
	sl_sdp_wipe(&s);
	ck_assert(all_zero(s.m[0].crypto, sizeof(s.m[0].crypto)));
}
END_TEST

/* s= longer than the field is cut on a UTF-8 boundary, not refused. */
START_TEST(long_session_name)
{
	char body[512];

	/* 62 ASCII bytes then "é" (2 bytes): the cut would split it. */
	snprintf(body, sizeof(body), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=%.*s\xc3\xa9 more\r\nt=0 0\r\n",
		 62, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	parse_ok(body, &s);
	ck_assert_uint_eq(strlen(s.s_name), 62);
}
END_TEST

START_TEST(limits_accepted)
{
	char body[SL_SDP_MAX_BODY + 1];
	size_t n;

	/* A line of exactly 1024 bytes, with CRLF. */
	n = (size_t)snprintf(body, sizeof(body),
			     "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
			     "m=audio 1 RTP/AVP 0\r\na=x:");
	memset(body + n, 'y', 1024 - 4);
	n += 1024 - 4;
	memcpy(body + n, "\r\n", 3);
	parse_ok(body, &s);
	ck_assert_uint_eq(s.m[0].attrs_len, 1026);
	/* Four media, sess-id 2^64 - 1. */
	parse_ok("v=0\r\no=- 18446744073709551615 0 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
		 "t=0 0\r\nm=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\nm=audio 3 RTP/AVP 0\r\n"
		 "m=audio 65535 RTP/AVP 0\r\n", &s);
	ck_assert_uint_eq(s.o_sess_id, UINT64_MAX);
	ck_assert_uint_eq(s.nm, 4);
	ck_assert_uint_eq(s.m[3].port, 65535);
}
END_TEST

START_TEST(addr_helper)
{
	struct sl_sdp_addr a;

	ck_assert_int_eq(sl_sdp_addr_set(&a, "203.0.113.9"), 0);
	check_addr(&a, 4, "203.0.113.9");
	ck_assert_int_eq(sl_sdp_addr_set(&a, "2001:db8::9"), 0);
	check_addr(&a, 6, "2001:db8::9");
	ck_assert_int_eq(sl_sdp_addr_set(&a, "host.example"), -EINVAL);
	ck_assert_int_eq(sl_sdp_addr_set(&a, ""), -EINVAL);
	check_addr(&a, 6, "2001:db8::9");	/* unchanged on failure */
}
END_TEST

TCase *tcase_parse(void)
{
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, baresip_mandatory);
	tcase_add_test(tc, baresip_best_effort);
	tcase_add_test(tc, cisco_several_suites);
	tcase_add_test(tc, rfc4568_offer);
	tcase_add_test(tc, rfc3264_offer);
	tcase_add_test(tc, direction_inheritance);
	tcase_add_test(tc, ipv6_lf_only);
	tcase_add_test(tc, line_endings);
	tcase_add_test(tc, ice_stripped);
	tcase_add_test(tc, crypto_lines);
	tcase_add_test(tc, long_session_name);
	tcase_add_test(tc, limits_accepted);
	tcase_add_test(tc, addr_helper);
	return tc;
}
