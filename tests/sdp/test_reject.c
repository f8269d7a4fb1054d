/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bodies the parser must refuse, each with the line the message names, and
 * checks that a refusal leaves no key material behind and never shows it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_sdp.h"

#define HDR "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
#define HDRC HDR "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"

static const struct {
	const char *body, *want;
} bad[] = {
	/* Structure (RFC 8866 §5) */
	{ "o=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n", "line 1: the body must start with v=0" },
	{ "v=1\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n", "line 1: the body must start with v=0" },
	{ "V=0\r\n", "line 1: expected '<letter>=<value>'" },
	{ "v = 0\r\n", "line 1: expected '<letter>=<value>'" },
	{ "v=0\r\ns=-\r\nt=0 0\r\n", "line 2: o= must be the second line" },
	{ "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n", "line 3: s= must be the third line" },
	{ HDR "c=IN IP4 192.0.2.1\r\nm=audio 1 RTP/AVP 0\r\n", "line 5: m= before any t= line" },
	{ HDR "c=IN IP4 192.0.2.1\r\n", "line 4: body has no t= line" },
	{ "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", "body ends before v=, o= and s=" },
	{ "", "body ends before v=, o= and s=" },
	{ HDRC "v=0\r\n", "line 6: second v= line" },
	{ HDRC "s=again\r\n", "line 6: second s= line" },
	{ HDRC "x=unknown\r\n", "line 6: unknown line type 'x='" },
	{ HDRC "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n", "line 7: t= is a session-level line" },
	{ HDRC "m=audio 1 RTP/AVP 0\r\nu=http://x\r\n", "line 7: u= is a session-level line" },
	{ HDR "r=7d 1h 0 25h\r\nt=0 0\r\n", "line 4: r= must follow a t= line" },
	{ HDRC "\r\nm=audio 1 RTP/AVP 0\r\n", "line 6: empty line inside the body" },
	{ "hello world", "line 1: expected '<letter>=<value>'" },
	{ "\x89PNG\r\n\x1a\n", "line 1: expected '<letter>=<value>'" },
	{ "v=0\r\no=\x1b[31m\r\n", "line 2: control character 0x1b at column 3" },
	{ HDRC "a=x\rb=y\r\n", "line 6: control character 0x0d" },
	/* Origin (§5.2) */
	{ "v=0\r\no=- 1 1 IN IP4\r\n", "line 2: o= needs 6 fields" },
	{ "v=0\r\no=- 1 1 IN IP4 192.0.2.1 x\r\n", "line 2: o= needs 6 fields" },
	{ "v=0\r\no=- x 1 IN IP4 192.0.2.1\r\n", "line 2: o= sess-id is not a decimal" },
	{ "v=0\r\no=- 18446744073709551616 1 IN IP4 192.0.2.1\r\n", "line 2: o= sess-id is not a decimal" },
	{ "v=0\r\no=- 1 -1 IN IP4 192.0.2.1\r\n", "line 2: o= sess-version" },
	{ "v=0\r\no=- 1 1 ATM NSAP 47.0005\r\n", "line 2: o= network type 'ATM' is not supported" },
	{ "v=0\r\no=- 1 1 IN IP4 bad_host!\r\n", "line 2: o= address 'bad_host!' is neither" },
	/* Connection (§5.7): numeric unicast only */
	{ HDR "c=IN IP4 224.2.17.12/127\r\nt=0 0\r\n", "line 4: c= address '224.2.17.12/127': the TTL" },
	{ HDR "c=IN IP6 ff15::101/3\r\nt=0 0\r\n", "line 4: c= address 'ff15::101/3': the TTL" },
	{ HDR "c=IN IP4 233.252.0.1\r\nt=0 0\r\n", "line 4: c= address '233.252.0.1' is multicast" },
	{ HDR "c=IN IP6 ff02::1\r\nt=0 0\r\n", "line 4: c= address 'ff02::1' is multicast" },
	{ HDR "c=IN IP4 2001:db8::1\r\nt=0 0\r\n", "line 4: c= address '2001:db8::1' is not a numeric IP4" },
	{ HDR "c=IN IP6 192.0.2.1\r\nt=0 0\r\n", "line 4: c= address '192.0.2.1' is not a numeric IP6" },
	{ HDR "c=IN IP4 192.0.2.256\r\nt=0 0\r\n", "line 4: c= address '192.0.2.256' is not a numeric" },
	{ HDR "c=IN IP5 192.0.2.1\r\nt=0 0\r\n", "line 4: c= address type 'IP5' is not supported" },
	{ HDR "c=IN IP4\r\nt=0 0\r\n", "line 4: c= needs 3 fields" },
	{ HDR "c=IN IP4 192.0.2.1 192.0.2.2\r\nt=0 0\r\n", "line 4: c= needs 3 fields" },
	{ HDRC "c=IN IP4 192.0.2.2\r\n", "line 6: second session-level c= line" },
	{ HDRC "m=audio 1 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.2\r\n",
	  "line 8: second c= line in one media" },
	{ HDR "t=0 0\r\nm=audio 1 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\nm=video 2 RTP/AVP 31\r\n",
	  "line 7: m=video has no connection address" },
	/* Time (§5.9) */
	{ HDR "t=0\r\n", "line 4: t= must be two decimal times" },
	{ HDR "t=now later\r\n", "line 4: t= must be two decimal times" },
	/* Media (§5.14) */
	{ HDRC "m=audio 1/2 RTP/AVP 0\r\n", "line 6: m= port '1/2': the <port>/<number of ports> form" },
	{ HDRC "m=audio 65536 RTP/AVP 0\r\n", "line 6: m= port '65536' is not a number from 0 to 65535" },
	{ HDRC "m=audio -1 RTP/AVP 0\r\n", "line 6: m= port '-1'" },
	{ HDRC "m=audio 1 RTP/AVP\r\n", "line 6: m= has no format" },
	{ HDRC "m=audio 1\r\n", "line 6: m= transport protocol missing" },
	{ HDRC "m=audio\r\n", "line 6: m= port missing" },
	{ HDRC "m=audiovideoaudiovideo 1 RTP/AVP 0\r\n", "line 6: m= media type 'audiovideoaudiovideo' is longer" },
	{ HDRC "m=audio 1 RTP/AVP/AVP/AVP/AVP/AVP/AVP/AVP/AVP 0\r\n", "line 6: m= transport protocol is longer" },
	{ HDRC "m=audio 1 RTP/AVP 0 (8)\r\n", "line 6: m= format '(8)' is not a token" },
	{ HDRC "m=audio 1 RTP/AVP 0\r\nm=audio 2 RTP/AVP 0\r\nm=audio 3 RTP/AVP 0\r\n"
	  "m=audio 4 RTP/AVP 0\r\nm=audio 5 RTP/AVP 0\r\n", "line 10: more than 4 media descriptions" },
	/* Attributes */
	{ HDRC "m=audio 1 RTP/AVP 0\r\na=sendonly\r\na=recvonly\r\n", "line 8: second direction attribute" },
	{ HDRC "a=sendonly\r\na=sendonly\r\n", "line 7: second direction attribute" },
	{ HDRC "m=audio 1 RTP/AVP 0\r\na=sendrecv:yes\r\n", "line 7: a=sendrecv takes no value" },
	{ HDRC "m=audio 1 RTP/AVP 0\r\na=rtcp-mux:1\r\n", "line 7: a=rtcp-mux takes no value" },
	{ HDRC "m=audio 1 RTP/AVP 0\r\na=:x\r\n", "line 7: attribute name '' is empty" },
	{ HDRC "m=audio 1 RTP/AVP 0\r\na=\r\n", "line 7: attribute name" },
};

START_TEST(refused)
{
	parse_fails(bad[_i].body, strlen(bad[_i].body), bad[_i].want);
}
END_TEST

START_TEST(overlong_line)
{
	static char body[4096];
	size_t n = (size_t)snprintf(body, sizeof(body), HDRC "m=audio 1 RTP/AVP 0\r\na=x:");

	/* 1025 bytes of line (1 more than allowed), with CRLF and with LF. */
	memset(body + n, 'y', 1021);
	memcpy(body + n + 1021, "\r\n", 3);
	parse_fails(body, strlen(body), "line 7: line longer than 1024 bytes");
	body[n + 1021] = '\n';
	parse_fails(body, strlen(body) - 1, "line 7: line longer than 1024 bytes");
	/* A huge line without any newline. */
	memset(body + n, 'y', sizeof(body) - n);
	parse_fails(body, sizeof(body), "line 7: line longer than 1024 bytes");
}
END_TEST

START_TEST(body_limits)
{
	static char body[SL_SDP_MAX_BODY + 2];
	static struct sl_sdp s;
	size_t n;
	char err[128];

	parse_fails(body, SL_SDP_MAX_BODY + 1, "SDP body: body of 8193 bytes exceeds the limit of 8192");
	/* NUL inside the body */
	n = (size_t)snprintf(body, sizeof(body), HDRC);
	memcpy(body + n, "a=x\0y\r\n", 7);
	parse_fails(body, n + 7, "line 6: control character 0x00");
	/* Pass-through attributes beyond SL_SDP_MAX_ATTRS. */
	n = (size_t)snprintf(body, sizeof(body), HDRC "m=audio 1 RTP/AVP 0\r\n");
	for (unsigned i = 0; i < 30; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
				      "a=fmtp:%u profile-level-id=42801E;packetization-mode=1;"
				      "level-asymmetry-allowed=1\r\n", i);
	parse_fails(body, n, "media attributes exceed 2047 bytes");
	/* Arguments */
	ck_assert_int_eq(sl_sdp_parse(NULL, 0, &s, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "SDP body: no body");
	ck_assert_int_eq(sl_sdp_parse("v=0", 3, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sl_sdp_parse("v=0", 3, &s, NULL, 0), -EINVAL);
}
END_TEST

/* A refusal after a=crypto lines: keys wiped, never in the message. */
START_TEST(refusal_wipes_keys)
{
	static struct sl_sdp s;
	char err[256];
	const char *body = HDRC "m=audio 1 RTP/SAVP 0\r\n"
			   "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" K80 "\r\n"
			   "k=clear:" K32 "\r\n"
			   "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" K80B "junk\r\n"
			   "c=IN IP4 " K80 "\r\n";

	ck_assert_int_eq(sl_sdp_parse(body, strlen(body), &s, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "line 10: c= address") != NULL, "%s", err);
	ck_assert(all_zero(&s, sizeof(s)));
	/* The address is shown (it is where the key is here), but crypto/k= text is not. */
	ck_assert_ptr_null(strstr(err, K32));
	ck_assert_ptr_null(strstr(err, K80B));
	ck_assert_ptr_null(strstr(err, "junk"));
}
END_TEST

/* RFC 3264 §10.1 as published: host names in c= are not resolved. */
START_TEST(rfc3264_hostname)
{
	const char *body = "v=0\r\no=alice 2890844526 2890844526 IN IP4 host.anywhere.com\r\ns=\r\n"
			   "c=IN IP4 host.anywhere.com\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 97\r\n";

	parse_fails(body, strlen(body), "line 4: c= address 'host.anywhere.com' is not a numeric IP4 address");
}
END_TEST

TCase *tcase_reject(void)
{
	TCase *tc = tcase_create("reject");

	tcase_add_loop_test(tc, refused, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, overlong_line);
	tcase_add_test(tc, body_limits);
	tcase_add_test(tc, refusal_wipes_keys);
	tcase_add_test(tc, rfc3264_hostname);
	return tc;
}
