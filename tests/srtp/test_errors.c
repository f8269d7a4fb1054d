/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bad input: tampering (RFC 3711 §3.3 step 5), the SRTCP E flag, SSRC
 * binding and every malformed-packet case of issue 2. Malformed inputs live
 * in exact-size heap buffers so ASan catches any read past the end.
 */
#include <stdlib.h>

#include "test_util.h"

#define SSRC 0x11223344u

/* Flip one bit of every byte in turn: each copy must fail and stay unchanged. */
START_TEST(tamper_rtp)
{
	enum sl_srtp_suite suite = (enum sl_srtp_suite)_i;
	struct sl_srtp_stream *out, *in;
	uint8_t pkt[256], t[256], ref[256];
	size_t n, n0;

	printf("tamper every byte (SRTP) %s\n", sl_srtp_suite_info(suite)->name);
	tu_pair(suite, 1, 0, 60 + (uint32_t)_i, &out, &in);
	n = n0 = tu_rtp(pkt, 1, TU_EXT_ONE_BYTE, 20, 0, 5, SSRC);
	memcpy(ref, pkt, n);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out, pkt, &n, sizeof(pkt)), 0);
	for (size_t i = 0; i < n; i++) {
		size_t m = n;
		int rc;

		memcpy(t, pkt, n);
		t[i] ^= 0x01;
		rc = sl_srtp_unprotect(tu_engine, in, t, &m);
		if (i == 0)             /* CC bit: the header no longer parses */
			ck_assert_int_ne(rc, 0);
		else if (i == 18 || i == 19) /* extension length */
			ck_assert(rc == -SL_SRTP_ERR_AUTH || rc == -SL_SRTP_ERR_EXTENSION);
		else
			ck_assert_msg(rc == -SL_SRTP_ERR_AUTH, "byte %zu: %s", i, sl_srtp_strerror(rc));
		ck_assert_uint_eq(m, n);
		t[i] ^= 0x01;
		ck_assert_msg(memcmp(t, pkt, n) == 0, "byte %zu: failed packet was changed", i);
	}
	ck_assert_uint_ge(sl_srtp_stream_stats(in, false)->auth_fail, n - 3);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, pkt, &n), 0);
	ck_assert(n == n0 && memcmp(pkt, ref, n) == 0);
	tu_free(out);
	tu_free(in);
}
END_TEST

START_TEST(tamper_rtcp)
{
	enum sl_srtp_suite suite = (enum sl_srtp_suite)_i;
	struct sl_srtp_stream *out, *in;
	uint8_t pkt[256], t[256];
	size_t n;

	struct sl_srtp_policy p;
	bool clear = _i >= SL_SUITE__COUNT;     /* second round: UNENCRYPTED_SRTCP (E=0) */

	suite = (enum sl_srtp_suite)(_i % SL_SUITE__COUNT);
	printf("tamper every byte (SRTCP) %s%s\n", sl_srtp_suite_info(suite)->name,
	       clear ? ", E=0" : "");
	tu_policy(&p, suite, SL_SRTP_OUTBOUND, 1, 2, 70 + (uint32_t)_i);
	p.unencrypted_srtcp = clear;
	tu_pair_policy(&p, &out, &in);
	sl_srtp_policy_wipe(&p);
	n = tu_rtcp(pkt, SSRC, 1);
	ck_assert_int_eq(sl_srtcp_protect(tu_engine, out, pkt, &n, sizeof(pkt)), 0);
	for (size_t i = 0; i < n; i++) {
		size_t m = n;
		int rc;
		bool is_mki = suite == SL_SUITE_AEAD_AES_128_GCM || suite == SL_SUITE_AEAD_AES_256_GCM
				      ? i >= n - 2
				      : (i >= n - 12 && i < n - 10);

		memcpy(t, pkt, n);
		t[i] ^= 0x01;
		rc = sl_srtcp_unprotect(tu_engine, in, t, &m);
		ck_assert_msg(rc == (is_mki ? -SL_SRTP_ERR_MKI : -SL_SRTP_ERR_AUTH), "byte %zu: %s",
			      i, sl_srtp_strerror(rc));
		t[i] ^= 0x01;
		ck_assert_msg(memcmp(t, pkt, n) == 0, "byte %zu: failed packet was changed", i);
	}
	ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, pkt, &n), 0);
	tu_free(out);
	tu_free(in);
}
END_TEST

/* RFC 3711 §3.4: E must match the policy, both ways. */
START_TEST(e_flag)
{
	enum sl_srtp_suite suite = _i ? SL_SUITE_AEAD_AES_128_GCM : SL_SUITE_AES_CM_128_HMAC_SHA1_80;
	struct sl_srtp_policy p;
	struct sl_srtp_stream *out, *in;
	uint8_t pkt[256];
	size_t n;

	printf("SRTCP E flag against the policy, %s\n", sl_srtp_suite_info(suite)->name);
	for (int clear_out = 0; clear_out < 2; clear_out++) {
		tu_policy(&p, suite, SL_SRTP_OUTBOUND, 1, 0, 80);
		p.unencrypted_srtcp = clear_out;
		out = tu_stream(&p);
		p.dir = SL_SRTP_INBOUND;
		p.unencrypted_srtcp = !clear_out;
		in = tu_stream(&p);
		n = tu_rtcp(pkt, SSRC, 0);
		ck_assert_int_eq(sl_srtcp_protect(tu_engine, out, pkt, &n, sizeof(pkt)), 0);
		ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, pkt, &n), -SL_SRTP_ERR_POLICY);
		ck_assert_uint_eq(sl_srtp_stream_stats(in, true)->other, 1);
		tu_free(out);
		tu_free(in);
	}
	sl_srtp_policy_wipe(&p);
}
END_TEST

START_TEST(ssrc_binding)
{
	struct sl_srtp_policy p;
	struct sl_srtp_stream *out, *out2, *in;
	uint8_t pkt[256];
	size_t n;
	bool bound;

	printf("SSRC: policy SSRC and binding by the first packet\n");
	tu_policy(&p, SL_SUITE_AES_CM_128_HMAC_SHA1_80, SL_SRTP_OUTBOUND, 1, 0, 90);
	out = tu_stream(&p);
	out2 = tu_stream(&p);
	p.dir = SL_SRTP_INBOUND;
	p.ssrc_set = true;
	p.ssrc = 0x55555555;
	in = tu_stream(&p);
	n = tu_rtp(pkt, 0, TU_EXT_NONE, 10, 0, 1, SSRC);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out, pkt, &n, sizeof(pkt)), 0);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, pkt, &n), -SL_SRTP_ERR_SSRC);
	ck_assert_uint_eq(sl_srtp_stream_stats(in, false)->other, 1);
	tu_free(in);
	p.ssrc_set = false;
	in = tu_stream(&p);
	sl_srtp_stream_ssrc(in, &bound);
	ck_assert(!bound);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, pkt, &n), 0);
	ck_assert_uint_eq(sl_srtp_stream_ssrc(in, &bound), SSRC);
	ck_assert(bound);
	n = tu_rtp(pkt, 0, TU_EXT_NONE, 10, 0, 2, 0x66666666);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out2, pkt, &n, sizeof(pkt)), 0);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, pkt, &n), -SL_SRTP_ERR_SSRC);
	/* the outbound stream bound SSRC too: another SSRC is refused */
	n = tu_rtp(pkt, 0, TU_EXT_NONE, 10, 0, 3, 0x77777777);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out, pkt, &n, sizeof(pkt)), -SL_SRTP_ERR_SSRC);
	sl_srtp_policy_wipe(&p);
	tu_free(out);
	tu_free(out2);
	tu_free(in);
}
END_TEST

struct bad {
	const char *name;
	const char *bytes;
	size_t len;
	int err;
};

static int run_bad(struct sl_srtp_stream *s, const struct bad *b, int kind)
{
	uint8_t *p = malloc(b->len ? b->len : 1);
	size_t n = b->len;
	int rc;

	memcpy(p, b->bytes, b->len);
	switch (kind) {
	case 0:
		rc = sl_srtp_unprotect(tu_engine, s, p, &n);
		break;
	case 1:
		rc = sl_srtp_protect(tu_engine, s, p, &n, b->len);
		break;
	case 2:
		rc = sl_srtcp_unprotect(tu_engine, s, p, &n);
		break;
	default:
		rc = sl_srtcp_protect(tu_engine, s, p, &n, b->len);
		break;
	}
	ck_assert_msg(rc == b->err, "%s: got %d (%s), expected %d (%s)", b->name, rc,
		      sl_srtp_strerror(rc), b->err, sl_srtp_strerror(b->err));
	ck_assert_msg(memcmp(p, b->bytes, b->len) == 0, "%s: input changed", b->name);
	free(p);
	return rc;
}

#define H12 "\x80\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44"

/* Issue 2 §3: truncated, wrong version, CSRC count / extension past the end,
 * zero-length, truncated tag or MKI: right code, counted, no OOB read. */
START_TEST(malformed_rtp)
{
	static const struct bad in_cases[] = {
		{ "zero-length", "", 0, -SL_SRTP_ERR_EMPTY },
		{ "5 bytes", "\x80\x60\x00\x01\x00", 5, -SL_SRTP_ERR_TRUNCATED },
		{ "11 bytes", H12, 11, -SL_SRTP_ERR_TRUNCATED },
		{ "version 1", "\x40\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44" "0123456789abcd", 26,
		  -SL_SRTP_ERR_VERSION },
		{ "version 0", "\x00\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44" "0123456789abcd", 26,
		  -SL_SRTP_ERR_VERSION },
		{ "header + 9-byte tag (tag truncated)", H12 "012345678", 21, -SL_SRTP_ERR_TRUNCATED },
		{ "CC=15, 4 CSRC bytes + tag", "\x8f\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44"
		  "CCCC0123456789", 26, -SL_SRTP_ERR_CSRC },
		{ "X, no room for extension header", "\x90\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44"
		  "\xBE\xDE" "0123456789", 24, -SL_SRTP_ERR_EXTENSION },
		{ "X, extension length 0xffff", "\x90\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44"
		  "\xBE\xDE\xFF\xFF" "0123456789", 26, -SL_SRTP_ERR_EXTENSION },
		{ "X two-byte, length 2 but 1 word", "\x90\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44"
		  "\x10\x00\x00\x02" "abcd" "0123456789", 30, -SL_SRTP_ERR_EXTENSION },
		{ "CC=1 + X past end", "\x91\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44"
		  "CCCC\xBE\xDE\x00\x01" "0123456789", 30, -SL_SRTP_ERR_EXTENSION },
	};
	static const struct bad out_cases[] = {
		{ "zero-length", "", 0, -SL_SRTP_ERR_EMPTY },
		{ "11 bytes", H12, 11, -SL_SRTP_ERR_TRUNCATED },
		{ "version 3", "\xc0\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44", 12, -SL_SRTP_ERR_VERSION },
		{ "CC=2, 1 CSRC", "\x82\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44" "CCCC", 16,
		  -SL_SRTP_ERR_CSRC },
		{ "X, length past end", "\x90\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44"
		  "\xBE\xDE\x00\x02" "abcd", 20, -SL_SRTP_ERR_EXTENSION },
		{ "P, pad count 0", "\xa0\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44" "ab\x00", 15,
		  -SL_SRTP_ERR_PADDING },
		{ "P, pad count > payload", "\xa0\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44" "ab\x04", 15,
		  -SL_SRTP_ERR_PADDING },
		{ "P, no payload", "\xa0\x60\x00\x01\x00\x00\x00\x01\x11\x22\x33\x44", 12,
		  -SL_SRTP_ERR_PADDING },
		{ "no room for the tag", H12 "abcd", 16, -SL_SRTP_ERR_NO_SPACE },
	};
	struct sl_srtp_stream *out, *in;
	unsigned malformed = 0;

	printf("malformed SRTP input\n");
	tu_pair(SL_SUITE_AES_CM_128_HMAC_SHA1_80, 1, 0, 100, &out, &in);
	for (size_t i = 0; i < sizeof(in_cases) / sizeof(in_cases[0]); i++) {
		printf("  unprotect: %s\n", in_cases[i].name);
		run_bad(in, &in_cases[i], 0);
	}
	ck_assert_uint_eq(sl_srtp_stream_stats(in, false)->malformed,
			  sizeof(in_cases) / sizeof(in_cases[0]));
	for (size_t i = 0; i < sizeof(out_cases) / sizeof(out_cases[0]); i++) {
		printf("  protect: %s\n", out_cases[i].name);
		malformed += run_bad(out, &out_cases[i], 1) != -SL_SRTP_ERR_NO_SPACE;
	}
	ck_assert_uint_eq(sl_srtp_stream_stats(out, false)->malformed, malformed);
	ck_assert_uint_eq(sl_srtp_stream_stats(out, false)->other, 1);
	/* wrong direction */
	{
		struct bad b = { "protect on an inbound stream", H12, 12, -SL_SRTP_ERR_PARAM };

		run_bad(in, &b, 1);
	}
	tu_free(out);
	tu_free(in);

	/* MKI truncated: header + MKI(2) + tag(10) needs 24 bytes */
	tu_pair(SL_SUITE_AES_CM_128_HMAC_SHA1_80, 2, 2, 101, &out, &in);
	{
		struct bad b = { "MKI truncated", H12 "\xA0\xB0" "012345678", 23, -SL_SRTP_ERR_TRUNCATED };
		struct bad g = { "GCM: tag truncated", H12 "0123456789abcde", 27, -SL_SRTP_ERR_TRUNCATED };

		run_bad(in, &b, 0);
		tu_free(out);
		tu_free(in);
		tu_pair(SL_SUITE_AEAD_AES_128_GCM, 1, 0, 102, &out, &in);
		run_bad(in, &g, 0);
	}
	tu_free(out);
	tu_free(in);
}
END_TEST

#define R8 "\x80\xc8\x00\x01\x11\x22\x33\x44"

START_TEST(malformed_rtcp)
{
	static const struct bad in_cases[] = {
		{ "zero-length", "", 0, -SL_SRTP_ERR_EMPTY },
		{ "4 bytes", "\x80\xc8\x00\x01", 4, -SL_SRTP_ERR_TRUNCATED },
		{ "version 1", "\x40\xc8\x00\x01\x11\x22\x33\x44" "\x80\x00\x00\x01" "0123456789", 22,
		  -SL_SRTP_ERR_VERSION },
		{ "no room for index + tag", R8 "\x80\x00\x00\x01" "012345678", 21, -SL_SRTP_ERR_TRUNCATED },
	};
	static const struct bad out_cases[] = {
		{ "zero-length", "", 0, -SL_SRTP_ERR_EMPTY },
		{ "7 bytes", R8, 7, -SL_SRTP_ERR_TRUNCATED },
		{ "version 1", "\x40\xc8\x00\x01\x11\x22\x33\x44", 8, -SL_SRTP_ERR_VERSION },
	};
	struct sl_srtp_stream *out, *in;

	printf("malformed SRTCP input\n");
	tu_pair(SL_SUITE_AES_CM_128_HMAC_SHA1_80, 1, 0, 110, &out, &in);
	for (size_t i = 0; i < sizeof(in_cases) / sizeof(in_cases[0]); i++) {
		printf("  unprotect: %s\n", in_cases[i].name);
		run_bad(in, &in_cases[i], 2);
	}
	ck_assert_uint_eq(sl_srtp_stream_stats(in, true)->malformed, 4);
	for (size_t i = 0; i < sizeof(out_cases) / sizeof(out_cases[0]); i++) {
		struct bad b = out_cases[i];

		printf("  protect: %s\n", b.name);
		run_bad(out, &b, 3);
	}
	ck_assert_uint_eq(sl_srtp_stream_stats(out, true)->malformed, 3);
	tu_free(out);
	tu_free(in);
}
END_TEST

Suite *tu_suite_errors(void)
{
	Suite *s = suite_create("srtp-errors");
	TCase *t = tcase_create("errors");

	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, tamper_rtp, 0, SL_SUITE__COUNT);
	tcase_add_loop_test(t, tamper_rtcp, 0, 2 * SL_SUITE__COUNT);
	tcase_add_loop_test(t, e_flag, 0, 2);
	tcase_add_test(t, ssrc_binding);
	tcase_add_test(t, malformed_rtp);
	tcase_add_test(t, malformed_rtcp);
	suite_add_tcase(s, t);
	return s;
}
