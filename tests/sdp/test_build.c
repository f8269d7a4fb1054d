/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building bodies: exact output for a rewritten baresip offer, round trips
 * of every sample (build(parse(x)) parses to the same fields and builds to
 * the same text), -ENOSPC without leaving key bytes behind, -EINVAL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_sdp.h"

static struct sl_sdp a, b;
static char out1[SL_SDP_MAX_BODY + 1], out2[SL_SDP_MAX_BODY + 1];

static void same_addr(const struct sl_sdp_addr *x, const struct sl_sdp_addr *y)
{
	ck_assert_int_eq(x->ip_version, y->ip_version);
	ck_assert_str_eq(x->text, y->text);
	ck_assert_mem_eq(x->bytes, y->bytes, 16);
}

static void same_sdp(const struct sl_sdp *x, const struct sl_sdp *y)
{
	ck_assert_str_eq(x->o_user, y->o_user);
	ck_assert_uint_eq(x->o_sess_id, y->o_sess_id);
	ck_assert_uint_eq(x->o_sess_version, y->o_sess_version);
	same_addr(&x->o_addr, &y->o_addr);
	ck_assert_str_eq(x->s_name, y->s_name);
	ck_assert_uint_eq(x->nm, y->nm);
	for (unsigned i = 0; i < x->nm; i++) {
		const struct sl_sdp_media *m = &x->m[i], *n = &y->m[i];

		ck_assert_str_eq(m->type, n->type);
		ck_assert_uint_eq(m->port, n->port);
		ck_assert_str_eq(m->proto, n->proto);
		ck_assert_str_eq(m->fmts, n->fmts);
		same_addr(&m->conn, &n->conn);
		ck_assert_int_eq(m->dir, n->dir);
		ck_assert_int_eq(m->rtcp_mux, n->rtcp_mux);
		ck_assert_uint_eq(m->ncrypto, n->ncrypto);
		ck_assert_mem_eq(m->crypto, n->crypto, sizeof(m->crypto));
		ck_assert_uint_eq(n->crypto_bad, 0);	/* only usable lines are written */
		ck_assert_uint_eq(m->attrs_len, n->attrs_len);
		ck_assert_mem_eq(m->attrs, n->attrs, m->attrs_len);
	}
}

static const char *const *samples[] = {
	&sdp_baresip_mand, &sdp_baresip_best, &sdp_cisco, &sdp_rfc4568_7,
	&sdp_rfc3264_10_1, &sdp_ipv6,
};

START_TEST(round_trip)
{
	int n1, n2;
	char err[256];

	parse_ok(*samples[_i], &a);
	n1 = sl_sdp_build(&a, out1, sizeof(out1));
	ck_assert_int_gt(n1, 0);
	ck_assert_uint_eq(strlen(out1), (size_t)n1);
	ck_assert_msg(sl_sdp_parse(out1, (size_t)n1, &b, err, sizeof(err)) == 0,
		      "built body refused: %s\n%s", err, out1);
	same_sdp(&a, &b);
	n2 = sl_sdp_build(&b, out2, sizeof(out2));
	ck_assert_int_eq(n1, n2);
	ck_assert_str_eq(out1, out2);
	sl_sdp_wipe(&a);
	sl_sdp_wipe(&b);
}
END_TEST

/* What the B2BUA does with a baresip offer: new address and port, same keys. */
START_TEST(rewritten_baresip)
{
	int n;

	parse_ok(sdp_baresip_mand, &a);
	ck_assert_int_eq(sl_sdp_addr_set(&a.m[0].conn, "203.0.113.5"), 0);
	a.m[0].port = 40000;
	snprintf(a.o_user, sizeof(a.o_user), "shieldlock");
	a.o_sess_version++;
	a.m[0].rtcp_mux = true;
	n = sl_sdp_build(&a, out1, sizeof(out1));
	ck_assert_str_eq(out1,
		"v=0\r\n"
		"o=shieldlock 3528967632 445610116 IN IP4 192.0.2.2\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.5\r\n"
		"t=0 0\r\n"
		"m=audio 40000 RTP/SAVP 0 8 96 101\r\n"
		"a=rtcp-mux\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:JZ587z2YXVHXAFLaQ2jMSwYXbm+L+Bsfx0dYqu/u\r\n"
		"a=sendrecv\r\n"
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
	ck_assert_int_eq(n, (int)strlen(out1));
	sl_sdp_wipe(&a);
}
END_TEST

/* c= once at session level when shared, else per media; address from bytes. */
START_TEST(connection_placement)
{
	parse_ok(sdp_cisco, &a);
	ck_assert_int_gt(sl_sdp_build(&a, out1, sizeof(out1)), 0);
	ck_assert_ptr_null(strstr(out1, "s=SIP Call\r\nc="));
	ck_assert_ptr_nonnull(strstr(out1, "m=audio 25404 RTP/SAVP 114 9 0 8 18 101\r\nc=IN IP4 10.10.20.31\r\n"));
	ck_assert_ptr_nonnull(strstr(out1, "m=video 25406 RTP/SAVP 126 97\r\nc=IN IP4 10.10.20.32\r\n"));
	ck_assert_ptr_nonnull(strstr(out1, "a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:" K32 " UNENCRYPTED_SRTCP\r\n"));
	ck_assert_ptr_null(strstr(out1, "\nb="));
	/* Same address for both: one session-level c=. */
	a.m[1].conn = a.m[0].conn;
	ck_assert_int_gt(sl_sdp_build(&a, out1, sizeof(out1)), 0);
	ck_assert_ptr_nonnull(strstr(out1, "s=SIP Call\r\nc=IN IP4 10.10.20.31\r\nt=0 0\r\nm=audio"));
	ck_assert_ptr_null(strstr(out1, "m=video 25406 RTP/SAVP 126 97\r\nc="));
	/* No text: written from the bytes; no media conn: the session one. */
	memset(a.m[0].conn.text, 0, sizeof(a.m[0].conn.text));
	a.m[1].conn.ip_version = 0;
	ck_assert_int_eq(sl_sdp_addr_set(&a.conn, "10.10.20.31"), 0);
	ck_assert_int_gt(sl_sdp_build(&a, out1, sizeof(out1)), 0);
	ck_assert_ptr_nonnull(strstr(out1, "s=SIP Call\r\nc=IN IP4 10.10.20.31\r\nt=0 0\r\n"));
	sl_sdp_wipe(&a);
	/* No media at all. */
	parse_ok("v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\n", &a);
	ck_assert_int_gt(sl_sdp_build(&a, out1, sizeof(out1)), 0);
	ck_assert_str_eq(out1, "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\n");
}
END_TEST

/* Every too-small buffer: -ENOSPC, buffer wiped (it may have held a key). */
START_TEST(no_space)
{
	static char buf[SL_SDP_MAX_BODY + 1];
	int n;

	parse_ok(sdp_cisco, &a);
	n = sl_sdp_build(&a, out1, sizeof(out1));
	ck_assert_int_gt(n, 0);
	for (size_t cap = 1; cap <= (size_t)n; cap++) {
		memset(buf, 'Z', sizeof(buf));
		ck_assert_int_eq(sl_sdp_build(&a, buf, cap), -ENOSPC);
		ck_assert(all_zero(buf, cap));
		ck_assert_int_eq(buf[cap], 'Z');	/* nothing written past cap */
	}
	ck_assert_int_eq(sl_sdp_build(&a, buf, (size_t)n + 1), n);
	ck_assert_str_eq(buf, out1);
	ck_assert_int_eq(sl_sdp_build(&a, buf, 0), -EINVAL);
	sl_sdp_wipe(&a);
}
END_TEST

/* Structs that cannot be written. */
START_TEST(invalid)
{
	parse_ok(sdp_baresip_mand, &a);
	b = a;
	b.o_addr.ip_version = 0;
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	ck_assert(all_zero(out1, sizeof(out1)));
	b = a;
	b.m[0].conn.ip_version = 0;
	b.conn.ip_version = 0;
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	b = a;
	snprintf(b.s_name, sizeof(b.s_name), "x\r\nk=inject");
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	b = a;
	snprintf(b.m[0].proto, sizeof(b.m[0].proto), "RTP/SAVP 0\r\n");
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	b = a;
	b.m[0].attrs_len = 4;	/* "a=rt" without CRLF */
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	b = a;
	memcpy(b.m[0].attrs, "x=1\r\n", 6);
	b.m[0].attrs_len = 5;
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	b = a;
	b.m[0].crypto[0].keys[0].key_salt_len = 29;	/* wrong for the suite */
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	ck_assert(all_zero(out1, sizeof(out1)));
	b = a;
	b.m[0].dir = (enum sl_sdp_dir)7;
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	b = a;
	b.nm = SL_SDP_MAX_MEDIA + 1;
	ck_assert_int_eq(sl_sdp_build(&b, out1, sizeof(out1)), -EINVAL);
	ck_assert_int_eq(sl_sdp_build(NULL, out1, sizeof(out1)), -EINVAL);
	sl_sdp_wipe(&a);
	sl_sdp_wipe(&b);
}
END_TEST

TCase *tcase_build(void)
{
	TCase *tc = tcase_create("build");

	tcase_add_loop_test(tc, round_trip, 0, (int)(sizeof(samples) / sizeof(samples[0])));
	tcase_add_test(tc, rewritten_baresip);
	tcase_add_test(tc, connection_placement);
	tcase_add_test(tc, no_space);
	tcase_add_test(tc, invalid);
	return tc;
}
