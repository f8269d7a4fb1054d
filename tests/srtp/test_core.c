/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Round trips, MKI, key lifetime, ROC estimation, replay, bursts, policy
 * flags and stream size of the SRTP core (RFC 3711, RFC 6188, RFC 7714).
 */
#include <stdlib.h>

#include "test_util.h"

#define SSRC 0x11223344u

static unsigned tag_len(enum sl_srtp_suite s, bool rtcp)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(s);

	return rtcp ? si->rtcp_tag_len : si->rtp_tag_len;
}

/* RFC 3711 §3.1 / RFC 7714 §8: every suite, CSRCs, both RFC 8285 extension
 * forms, padding, 0..1400-byte payloads. */
START_TEST(roundtrip_rtp)
{
	static const size_t lens[] = { 0, 1, 13, 16, 17, 160, 1400 };
	static const unsigned ccs[] = { 0, 2, 15 }, pads[] = { 0, 1, 7 };
	enum sl_srtp_suite suite = (enum sl_srtp_suite)_i;
	struct sl_srtp_stream *out, *in;
	uint16_t seq = 1000;
	unsigned count = 0;

	printf("roundtrip RTP %s on %s\n", sl_srtp_suite_info(suite)->name, tu_engine_name);
	tu_pair(suite, 1, 0, (uint32_t)_i + 1, &out, &in);
	for (int ext = 0; ext < 4; ext++)
		for (size_t c = 0; c < 3; c++)
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
				for (size_t pd = 0; pd < 3; pd++) {
					uint8_t buf[1600], ref[1600];
					size_t n = tu_rtp(buf, ccs[c], (enum tu_ext)ext, lens[l],
							  pads[pd], seq++, SSRC), n0 = n;
					int rc;

					memcpy(ref, buf, n);
					rc = sl_srtp_protect(tu_engine, out, buf, &n, sizeof(buf));
					ck_assert_msg(rc == 0, "protect %s ext %d cc %u len %zu: %s",
						      sl_srtp_suite_info(suite)->name, ext, ccs[c],
						      lens[l], sl_srtp_strerror(rc));
					ck_assert_uint_eq(n, n0 + tag_len(suite, false));
					if (tu_suite_encrypts(suite) && lens[l] >= 16)
						ck_assert_msg(memcmp(buf + n0 - lens[l] - pads[pd],
								     ref + n0 - lens[l] - pads[pd], 16),
							      "payload not encrypted");
					rc = sl_srtp_unprotect(tu_engine, in, buf, &n);
					ck_assert_msg(rc == 0, "unprotect %s ext %d cc %u len %zu: %s",
						      sl_srtp_suite_info(suite)->name, ext, ccs[c],
						      lens[l], sl_srtp_strerror(rc));
					ck_assert_uint_eq(n, n0);
					ck_assert_msg(memcmp(buf, ref, n0) == 0, "round trip differs");
					count++;
				}
	ck_assert_uint_eq(sl_srtp_stream_stats(out, false)->packets, count);
	ck_assert_uint_eq(sl_srtp_stream_stats(in, false)->packets, count);
	tu_free(out);
	tu_free(in);
}
END_TEST

/* RFC 3711 §3.4: compound SRTCP, E flag set, index from 1. */
START_TEST(roundtrip_rtcp)
{
	enum sl_srtp_suite suite = (enum sl_srtp_suite)_i;
	struct sl_srtp_stream *out, *in;

	printf("roundtrip SRTCP %s\n", sl_srtp_suite_info(suite)->name);
	tu_pair(suite, 1, 0, (uint32_t)_i + 50, &out, &in);
	for (unsigned i = 0; i < 40; i++) {
		uint8_t buf[1600], ref[1600];
		size_t n = tu_rtcp(buf, SSRC, i % 4), n0 = n;
		unsigned t = tag_len(suite, true);
		uint32_t word;
		int rc;

		memcpy(ref, buf, n);
		rc = sl_srtcp_protect(tu_engine, out, buf, &n, sizeof(buf));
		ck_assert_msg(rc == 0, "srtcp protect: %s", sl_srtp_strerror(rc));
		ck_assert_uint_eq(n, n0 + 4 + t);
		word = (uint32_t)buf[n - 4 - (suite >= SL_SUITE_AEAD_AES_128_GCM &&
					      suite <= SL_SUITE_AEAD_AES_256_GCM ? 0 : t)] << 24;
		ck_assert_msg(((word >> 31) != 0) == tu_suite_encrypts(suite), "E flag");
		rc = sl_srtcp_unprotect(tu_engine, in, buf, &n);
		ck_assert_msg(rc == 0, "srtcp unprotect: %s", sl_srtp_strerror(rc));
		ck_assert_uint_eq(n, n0);
		ck_assert(memcmp(buf, ref, n) == 0);
	}
	ck_assert_uint_eq(sl_srtp_stream_stats(in, true)->packets, 40);
	tu_free(out);
	tu_free(in);
}
END_TEST

/* RFC 3711 §3.1, §8.1: MKI of 1..4 bytes selects the master key. */
START_TEST(mki_select)
{
	unsigned mki_len = (unsigned)_i;
	static const enum sl_srtp_suite suites[] = {
		SL_SUITE_AES_CM_128_HMAC_SHA1_80, SL_SUITE_AEAD_AES_128_GCM,
		SL_SUITE_AES_256_CM_HMAC_SHA1_32,
	};

	for (size_t si = 0; si < 3; si++) {
		enum sl_srtp_suite suite = suites[si];
		struct sl_srtp_stream *out, *in;
		bool aead = suite == SL_SUITE_AEAD_AES_128_GCM;
		unsigned t = tag_len(suite, false), tc = tag_len(suite, true);

		printf("MKI %u bytes, 3 keys, %s\n", mki_len, sl_srtp_suite_info(suite)->name);
		tu_pair(suite, 3, mki_len, 77, &out, &in);
		for (unsigned k = 0; k < 3; k++) {
			uint8_t buf[256], ref[256];
			size_t n = tu_rtp(buf, 1, TU_EXT_ONE_BYTE, 40, 0, (uint16_t)(10 + k), SSRC);
			size_t n0 = n, mpos;
			int rc;

			memcpy(ref, buf, n);
			ck_assert_int_eq(sl_srtp_stream_set_active_key(out, (k + 1) % 3), 0);
			rc = sl_srtp_protect(tu_engine, out, buf, &n, sizeof(buf));
			ck_assert_int_eq(rc, 0);
			ck_assert_uint_eq(n, n0 + mki_len + t);
			mpos = aead ? n - mki_len : n - t - mki_len;
			ck_assert_uint_eq(buf[mpos], 0xA0 + (k + 1) % 3);
			ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, buf, &n), 0);
			ck_assert(n == n0 && memcmp(buf, ref, n) == 0);

			n = tu_rtcp(buf, SSRC, 1);
			n0 = n;
			ck_assert_int_eq(sl_srtcp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
			ck_assert_uint_eq(n, n0 + 4 + mki_len + tc);
			mpos = aead ? n - mki_len : n - tc - mki_len;
			ck_assert_uint_eq(buf[mpos], 0xA0 + (k + 1) % 3);
			ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, buf, &n), 0);
			ck_assert_uint_eq(n, n0);
		}
		{
			/* unknown MKI: SL_SRTP_ERR_MKI, counted as "other", packet unchanged */
			uint8_t buf[256], bad[256];
			size_t n = tu_rtp(buf, 0, TU_EXT_NONE, 20, 0, 50, SSRC);

			ck_assert_int_eq(sl_srtp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
			buf[aead ? n - mki_len : n - t - mki_len] ^= 0x0F;
			memcpy(bad, buf, n);
			ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, buf, &n), -SL_SRTP_ERR_MKI);
			ck_assert(memcmp(buf, bad, n) == 0);
			ck_assert_uint_eq(sl_srtp_stream_stats(in, false)->other, 1);
		}
		tu_free(out);
		tu_free(in);
	}
}
END_TEST

/* RFC 3711 §9.2: lifetime reached -> next key, then KEY_EXPIRED. */
START_TEST(key_lifetime)
{
	struct sl_srtp_policy p;
	struct sl_srtp_stream *out, *in;
	uint8_t buf[256];
	size_t n;

	printf("key lifetime: advance to next key, then expire\n");
	tu_policy(&p, SL_SUITE_AES_CM_128_HMAC_SHA1_80, SL_SRTP_OUTBOUND, 2, 1, 5);
	p.keys[0].lifetime = 3;
	p.keys[1].lifetime = 2;
	out = tu_stream(&p);
	p.dir = SL_SRTP_INBOUND;
	p.keys[0].lifetime = 2;        /* receiver is stricter: third key-0 packet refused */
	in = tu_stream(&p);
	for (unsigned i = 0; i < 5; i++) {
		n = tu_rtp(buf, 0, TU_EXT_NONE, 20, 0, (uint16_t)(100 + i), SSRC);
		ck_assert_int_eq(sl_srtp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
		ck_assert_uint_eq(buf[n - 11], i < 3 ? 0xA0 : 0xA1);
		ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, buf, &n),
				 i == 2 ? -SL_SRTP_ERR_KEY_EXPIRED : 0);
	}
	n = tu_rtp(buf, 0, TU_EXT_NONE, 20, 0, 200, SSRC);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out, buf, &n, sizeof(buf)),
			 -SL_SRTP_ERR_KEY_EXPIRED);
	ck_assert_uint_eq(sl_srtp_stream_stats(out, false)->key_expired, 1);
	ck_assert_uint_eq(sl_srtp_stream_stats(in, false)->key_expired, 1);
	n = tu_rtcp(buf, SSRC, 0);
	ck_assert_int_eq(sl_srtcp_protect(tu_engine, out, buf, &n, sizeof(buf)),
			 -SL_SRTP_ERR_KEY_EXPIRED);
	tu_free(out);
	tu_free(in);

	/* SRTCP counts separately: lifetime 2 -> third SRTCP packet on key 1 */
	tu_policy(&p, SL_SUITE_AEAD_AES_128_GCM, SL_SRTP_OUTBOUND, 2, 2, 6);
	p.keys[0].lifetime = 2;
	tu_pair_policy(&p, &out, &in);
	for (unsigned i = 0; i < 3; i++) {
		n = tu_rtcp(buf, SSRC, 0);
		ck_assert_int_eq(sl_srtcp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
		ck_assert_uint_eq(buf[n - 2], i < 2 ? 0xA0 : 0xA1);
		ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, buf, &n), 0);
	}
	sl_srtp_policy_wipe(&p);
	tu_free(out);
	tu_free(in);
}
END_TEST

struct held {
	uint8_t b[128];
	size_t n;
};

static void protect_seq(struct sl_srtp_stream *out, struct held *h, uint16_t seq)
{
	h->n = tu_rtp(h->b, 0, TU_EXT_NONE, 24, 0, seq, SSRC);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out, h->b, &h->n, sizeof(h->b)), 0);
}

/* RFC 3711 §3.3.1 / Appendix A: wrap with reordering, then jumps of 30000. */
START_TEST(roc_wrap_and_jump)
{
	static const int order[] = { 0, 1, 3, 2, 6, 4, 8, 7, 5, 9, 10, 11 };
	enum sl_srtp_suite suite = _i ? SL_SUITE_AEAD_AES_128_GCM : SL_SUITE_AES_CM_128_HMAC_SHA1_80;
	struct sl_srtp_stream *out, *in;
	struct held h[12];
	uint16_t seq = 65530;

	printf("ROC across the wrap with reordering, %s\n", sl_srtp_suite_info(suite)->name);
	tu_pair(suite, 1, 0, 9, &out, &in);
	for (int i = 0; i < 12; i++)
		protect_seq(out, &h[i], seq++);          /* 65530..65535, 0..5 */
	ck_assert_uint_eq(sl_srtp_stream_get_roc(out), 1);
	for (int i = 0; i < 12; i++) {
		struct held *x = &h[order[i]];
		int rc = sl_srtp_unprotect(tu_engine, in, x->b, &x->n);

		ck_assert_msg(rc == 0, "packet %d (seq %u): %s", order[i],
			      (unsigned)(uint16_t)(65530 + order[i]), sl_srtp_strerror(rc));
	}
	ck_assert_uint_eq(sl_srtp_stream_get_roc(in), 1);
	/* jumps of ~30000 (< 2^15): estimation follows, ROC 1 -> 2 -> 2 */
	for (int i = 0; i < 5; i++) {
		struct held x;

		seq = (uint16_t)(seq + 30000);
		protect_seq(out, &x, seq);
		ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, x.b, &x.n), 0);
	}
	ck_assert_uint_eq(sl_srtp_stream_get_roc(out), 3);
	ck_assert_uint_eq(sl_srtp_stream_get_roc(in), 3);
	tu_free(out);
	tu_free(in);
}
END_TEST

/* RFC 3711 §3.3.1 in one burst: a fresh receiver gets 65534, 65535, 0, 1
 * (the last two need ROC + 1), then one burst that jumps 30000 twice. */
START_TEST(roc_in_one_burst)
{
	static const uint16_t seqs[] = { 65534, 65535, 0, 1 };
	static const uint16_t jumps[] = { 30001, 60001, 24465, 24466 };
	struct sl_srtp_stream *out, *in;
	struct held h[4];
	struct sl_srtp_pkt pk[4];

	printf("ROC estimation inside one burst (fresh stream across the wrap, jumps)\n");
	tu_pair(SL_SUITE_AES_CM_128_HMAC_SHA1_80, 1, 0, 15, &out, &in);
	for (int r = 0; r < 2; r++) {
		for (int i = 0; i < 4; i++) {
			protect_seq(out, &h[i], r ? jumps[i] : seqs[i]);
			pk[i] = (struct sl_srtp_pkt){ .stream = in, .data = h[i].b,
						      .len = (uint32_t)h[i].n, .cap = sizeof(h[i].b) };
		}
		ck_assert_uint_eq(sl_srtp_unprotect_burst(tu_engine, pk, 4), 4);
		for (int i = 0; i < 4; i++)
			ck_assert_msg(pk[i].status == 0,
				      "round %d packet %d: %s", r, i, sl_srtp_strerror(pk[i].status));
		ck_assert_uint_eq(sl_srtp_stream_get_roc(in), r ? 2 : 1);
	}
	tu_free(out);
	tu_free(in);
}
END_TEST

/* RFC 3711 §3.3.1: ROC signalled out of band (handover). */
START_TEST(set_get_roc)
{
	struct sl_srtp_stream *out, *in;
	struct held x;
	uint8_t copy[128];

	printf("set/get ROC\n");
	tu_pair(SL_SUITE_AES_CM_128_HMAC_SHA1_80, 1, 0, 11, &out, &in);
	sl_srtp_stream_set_roc(out, 7, false, 0);
	ck_assert_uint_eq(sl_srtp_stream_get_roc(out), 7);
	protect_seq(out, &x, 100);
	memcpy(copy, x.b, x.n);
	/* receiver with ROC 0: tag mismatch (ROC is authenticated), packet unchanged */
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, x.b, &x.n), -SL_SRTP_ERR_AUTH);
	ck_assert(memcmp(copy, x.b, x.n) == 0);
	ck_assert_uint_eq(sl_srtp_stream_get_roc(in), 0);
	sl_srtp_stream_set_roc(in, 7, true, 90);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, x.b, &x.n), 0);
	ck_assert_uint_eq(sl_srtp_stream_get_roc(in), 7);
	/* s_l 100 + late 65535 of ROC 6 (set seq 5 near the wrap) */
	sl_srtp_stream_set_roc(out, 6, true, 65534);
	protect_seq(out, &x, 65535);
	sl_srtp_stream_set_roc(in, 7, true, 3);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, x.b, &x.n), 0);
	ck_assert_uint_eq(sl_srtp_stream_get_roc(in), 7);  /* late packet: ROC stays */
	tu_free(out);
	tu_free(in);
}
END_TEST

/* RFC 3711 §3.3.2: duplicates, too old, in-window reordering, burst duplicates. */
START_TEST(replay_rtp)
{
	enum sl_srtp_suite suite = _i ? SL_SUITE_AEAD_AES_256_GCM : SL_SUITE_AES_CM_128_HMAC_SHA1_32;
	struct sl_srtp_stream *out, *in;
	static struct held h[201];
	struct sl_srtp_pkt pk[2];
	uint8_t a[128], b[128];

	printf("replay window (RTP) %s\n", sl_srtp_suite_info(suite)->name);
	tu_pair(suite, 1, 0, 12, &out, &in);
	for (int s = 1; s <= 200; s++)
		protect_seq(out, &h[s], (uint16_t)s);
	for (int s = 1; s <= 150; s++)
		if (s != 140)
			ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, h[s].b, &h[s].n), 0);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, h[100].b, &h[100].n), -SL_SRTP_ERR_REPLAY);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, h[140].b, &h[140].n), 0); /* late, in window */
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, h[160].b, &h[160].n), 0);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, h[155].b, &h[155].n), 0); /* reordered */
	/* 160 - 32 = 128 behind the top: outside a 128 window */
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, h[32].b, &h[32].n), -SL_SRTP_ERR_REPLAY_OLD);
	/* two copies of one packet in one burst: the second is a replay */
	memcpy(a, h[170].b, h[170].n);
	memcpy(b, h[170].b, h[170].n);
	memset(pk, 0, sizeof(pk));
	pk[0] = (struct sl_srtp_pkt){ .stream = in, .data = a, .len = (uint32_t)h[170].n, .cap = 128 };
	pk[1] = (struct sl_srtp_pkt){ .stream = in, .data = b, .len = (uint32_t)h[170].n, .cap = 128 };
	ck_assert_uint_eq(sl_srtp_unprotect_burst(tu_engine, pk, 2), 1);
	ck_assert_int_eq(pk[0].status, 0);
	ck_assert_int_eq(pk[1].status, -SL_SRTP_ERR_REPLAY);
	ck_assert_uint_eq(sl_srtp_stream_stats(in, false)->replay, 3);
	/* sender refuses to reuse an index (keystream reuse) */
	{
		struct held x;

		x.n = tu_rtp(x.b, 0, TU_EXT_NONE, 24, 0, 150, SSRC);
		ck_assert_int_eq(sl_srtp_protect(tu_engine, out, x.b, &x.n, sizeof(x.b)),
				 -SL_SRTP_ERR_REPLAY);
	}
	tu_free(out);
	tu_free(in);
}
END_TEST

/* Window sizes 64, 1024, 32768: exact old / in-window boundary. */
START_TEST(replay_window_sizes)
{
	static const uint16_t ws[] = { 64, 1024, 32768 };
	uint16_t w = ws[_i];
	struct sl_srtp_policy p;
	struct sl_srtp_stream *out, *in;
	struct held s1, s2, sw1, sw2;

	printf("replay window %u\n", w);
	tu_policy(&p, SL_SUITE_AES_CM_128_HMAC_SHA1_80, SL_SRTP_OUTBOUND, 1, 0, 13);
	p.replay_window = w;
	tu_pair_policy(&p, &out, &in);
	protect_seq(out, &s1, 1);
	protect_seq(out, &s2, 2);
	protect_seq(out, &sw1, (uint16_t)(w + 1));
	protect_seq(out, &sw2, (uint16_t)(w + 2));
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, sw1.b, &sw1.n), 0);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, s2.b, &s2.n), 0);      /* w-1 behind */
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, s1.b, &s1.n), -SL_SRTP_ERR_REPLAY_OLD);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, s2.b, &s2.n), -SL_SRTP_ERR_REPLAY);
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, sw2.b, &sw2.n), 0);
	tu_free(out);
	tu_free(in);
}
END_TEST

/* RFC 3711 §3.3.2 on the 31-bit SRTCP index. */
START_TEST(replay_rtcp)
{
	struct sl_srtp_stream *out, *in;
	struct held h[3], c;

	printf("replay window (SRTCP)\n");
	tu_pair(SL_SUITE_AES_CM_128_HMAC_SHA1_80, 1, 0, 14, &out, &in);
	for (int i = 0; i < 3; i++) {
		h[i].n = tu_rtcp(h[i].b, SSRC, 0);
		ck_assert_int_eq(sl_srtcp_protect(tu_engine, out, h[i].b, &h[i].n, sizeof(h[i].b)), 0);
	}
	c = h[1];
	ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, h[2].b, &h[2].n), 0);
	ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, h[1].b, &h[1].n), 0);
	ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, c.b, &c.n), -SL_SRTP_ERR_REPLAY);
	ck_assert_uint_eq(sl_srtp_stream_stats(in, true)->replay, 1);
	tu_free(out);
	tu_free(in);
}
END_TEST

/* Burst API: 150 packets of 3 streams (3 engine rounds), one malformed. */
START_TEST(burst_mixed)
{
	struct sl_srtp_stream *out[3], *in[3];
	static uint8_t bufs[150][256], ref[150][256];
	struct sl_srtp_pkt pk[150];
	size_t n0[150];

	printf("burst: 150 packets, 3 streams\n");
	for (int s = 0; s < 3; s++)
		tu_pair((enum sl_srtp_suite)(s * 2), 1, 0, (uint32_t)(20 + s), &out[s], &in[s]);
	for (int i = 0; i < 150; i++) {
		n0[i] = tu_rtp(bufs[i], (unsigned)i % 3, (enum tu_ext)(i % 4), (size_t)i, 0,
			       (uint16_t)(i / 3), SSRC + (uint32_t)(i % 3));
		memcpy(ref[i], bufs[i], n0[i]);
		pk[i] = (struct sl_srtp_pkt){ .stream = out[i % 3], .data = bufs[i],
					      .len = (uint32_t)n0[i], .cap = 256 };
	}
	bufs[77][0] = 0x40;                    /* version 1 */
	ck_assert_uint_eq(sl_srtp_protect_burst(tu_engine, pk, 150), 149);
	ck_assert_int_eq(pk[77].status, -SL_SRTP_ERR_VERSION);
	for (int i = 0; i < 150; i++)
		pk[i].stream = in[i % 3];
	ck_assert_uint_eq(sl_srtp_unprotect_burst(tu_engine, pk, 150), 149);
	for (int i = 0; i < 150; i++) {
		if (i == 77)
			continue;
		ck_assert_int_eq(pk[i].status, 0);
		ck_assert_uint_eq(pk[i].len, n0[i]);
		ck_assert(memcmp(bufs[i], ref[i], n0[i]) == 0);
	}
	for (int s = 0; s < 3; s++) {
		tu_free(out[s]);
		tu_free(in[s]);
	}
}
END_TEST

/* RFC 4568 §6.3.2: UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP. */
START_TEST(policy_flags)
{
	struct sl_srtp_policy p;
	struct sl_srtp_stream *out, *in, *bad;
	uint8_t buf[256], ref[256];
	size_t n, n0;
	int err;
	char msg[160];

	printf("policy flags\n");
	tu_policy(&p, SL_SUITE_AES_CM_128_HMAC_SHA1_80, SL_SRTP_OUTBOUND, 1, 0, 30);
	p.unencrypted_srtp = true;
	tu_pair_policy(&p, &out, &in);
	n = n0 = tu_rtp(buf, 0, TU_EXT_NONE, 40, 0, 1, SSRC);
	memcpy(ref, buf, n);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
	ck_assert(n == n0 + 10 && memcmp(buf, ref, n0) == 0);    /* clear, but tagged */
	buf[20] ^= 1;
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, buf, &n), -SL_SRTP_ERR_AUTH);
	buf[20] ^= 1;
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, buf, &n), 0);
	tu_free(out);
	tu_free(in);

	p.unencrypted_srtp = false;
	p.unauthenticated_srtp = true;
	tu_pair_policy(&p, &out, &in);
	n = n0 = tu_rtp(buf, 0, TU_EXT_NONE, 40, 0, 1, SSRC);
	memcpy(ref, buf, n);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
	ck_assert(n == n0 && memcmp(buf + 12, ref + 12, 16) != 0); /* encrypted, no tag */
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, buf, &n), 0);
	ck_assert(n == n0 && memcmp(buf, ref, n0) == 0);
	n = n0 = tu_rtcp(buf, SSRC, 1);                          /* SRTCP keeps its tag */
	ck_assert_int_eq(sl_srtcp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
	ck_assert_uint_eq(n, n0 + 14);
	ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, buf, &n), 0);
	tu_free(out);
	tu_free(in);

	for (int s = 0; s < SL_SUITE__COUNT; s++) {
		unsigned t;

		tu_policy(&p, (enum sl_srtp_suite)s, SL_SRTP_OUTBOUND, 1, 0, 31);
		p.unencrypted_srtcp = true;
		t = tag_len((enum sl_srtp_suite)s, true);
		tu_pair_policy(&p, &out, &in);
		n = n0 = tu_rtcp(buf, SSRC, 2);
		memcpy(ref, buf, n);
		ck_assert_int_eq(sl_srtcp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
		ck_assert(n == n0 + 4 + t && memcmp(buf, ref, n0) == 0);
		ck_assert_int_eq(sl_srtcp_unprotect(tu_engine, in, buf, &n), 0);
		ck_assert(n == n0 && memcmp(buf, ref, n0) == 0);
		tu_free(out);
		tu_free(in);
	}

	/* RFC 7714 §16.1.3: AEAD with UNENCRYPTED_SRTP authenticates the whole
	 * packet as AAD; the payload stays in clear and a 16-byte tag follows */
	tu_policy(&p, SL_SUITE_AEAD_AES_128_GCM, SL_SRTP_OUTBOUND, 1, 0, 32);
	p.unencrypted_srtp = true;
	tu_pair_policy(&p, &out, &in);
	n = n0 = tu_rtp(buf, 2, TU_EXT_NONE, 40, 0, 1, SSRC);
	memcpy(ref, buf, n);
	ck_assert_int_eq(sl_srtp_protect(tu_engine, out, buf, &n, sizeof(buf)), 0);
	ck_assert(n == n0 + 16 && memcmp(buf, ref, n0) == 0);
	buf[n0 - 1] ^= 1;                                     /* payload is authenticated */
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, buf, &n), -SL_SRTP_ERR_AUTH);
	buf[n0 - 1] ^= 1;
	ck_assert_int_eq(sl_srtp_unprotect(tu_engine, in, buf, &n), 0);
	ck_assert(n == n0 && memcmp(buf, ref, n0) == 0);
	tu_free(out);
	tu_free(in);
	p.unencrypted_srtp = false;
	p.unauthenticated_srtp = true;
	bad = sl_srtp_stream_create(tu_engine, &p, &err, msg, sizeof(msg));
	ck_assert(bad == NULL && err == -SL_SRTP_ERR_PARAM);
	printf("  GCM + UNAUTHENTICATED_SRTP refused: %s\n", msg);
	p.unauthenticated_srtp = false;
	p.kdr = 1u << 16;
	bad = sl_srtp_stream_create(tu_engine, &p, &err, msg, sizeof(msg));
	ck_assert(bad == NULL && err == -SL_SRTP_ERR_UNSUPPORTED);
	printf("  KDR 2^16 refused: %s\n", msg);
	p.kdr = 0;
	p.replay_window = 100;
	bad = sl_srtp_stream_create(tu_engine, &p, &err, msg, sizeof(msg));
	ck_assert(bad == NULL && err == -SL_SRTP_ERR_PARAM);
	p.replay_window = 0;
	p.nkeys = 2;                            /* two keys, no MKI */
	bad = sl_srtp_stream_create(tu_engine, &p, &err, msg, sizeof(msg));
	ck_assert(bad == NULL && err == -SL_SRTP_ERR_PARAM);
	sl_srtp_policy_wipe(&p);
}
END_TEST

/* Bytes of state per stream (target: <= 1 KiB, AES-CM, 1 key, window 128, ipsec-mb). */
START_TEST(stream_size)
{
	for (int s = 0; s < SL_SUITE__COUNT; s++) {
		struct sl_srtp_policy p;
		struct sl_srtp_stream *x;

		tu_policy(&p, (enum sl_srtp_suite)s, SL_SRTP_INBOUND, 1, 0, 40);
		x = tu_stream(&p);
		printf("stream size %-24s on %s: %zu bytes\n", sl_srtp_suite_info(s)->name,
		       tu_engine_name, sl_srtp_stream_size(x));
		if (strcmp(tu_engine_name, "ipsec-mb") == 0 && s <= SL_SUITE_AES_256_CM_HMAC_SHA1_32)
			ck_assert_uint_le(sl_srtp_stream_size(x), 1024);
		tu_free(x);
	}
}
END_TEST

/* RFC 5761 §4 demultiplexing. */
START_TEST(is_rtcp)
{
	uint8_t b[2] = { 0x80, 0 };

	for (int pt = 0; pt < 256; pt++) {
		b[1] = (uint8_t)pt;
		ck_assert(sl_srtp_is_rtcp(b, 2) == (pt >= 192 && pt <= 223));
	}
	ck_assert(!sl_srtp_is_rtcp(b, 1));
	ck_assert(sl_srtp_suite_from_name("AEAD_AES_256_GCM", 16) == SL_SUITE_AEAD_AES_256_GCM);
	ck_assert(sl_srtp_suite_from_name("aes_cm_128_hmac_sha1_80", 23) == -1);
	ck_assert_str_eq(sl_srtp_strerror(-SL_SRTP_ERR_AUTH), "authentication failed (tag mismatch)");
}
END_TEST

Suite *tu_suite_core(void)
{
	Suite *s = suite_create("srtp-core");
	TCase *t = tcase_create("core");

	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, roundtrip_rtp, 0, SL_SUITE__COUNT);
	tcase_add_loop_test(t, roundtrip_rtcp, 0, SL_SUITE__COUNT);
	tcase_add_loop_test(t, mki_select, 1, 5);
	tcase_add_test(t, key_lifetime);
	tcase_add_loop_test(t, roc_wrap_and_jump, 0, 2);
	tcase_add_test(t, roc_in_one_burst);
	tcase_add_test(t, set_get_roc);
	tcase_add_loop_test(t, replay_rtp, 0, 2);
	tcase_add_loop_test(t, replay_window_sizes, 0, 3);
	tcase_add_test(t, replay_rtcp);
	tcase_add_test(t, burst_mixed);
	tcase_add_test(t, policy_flags);
	tcase_add_test(t, stream_size);
	tcase_add_test(t, is_rtcp);
	suite_add_tcase(s, t);
	return s;
}
