/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP index estimation (RFC 3711 §3.3.1, Appendix A) and the replay
 * window (RFC 3711 §3.3.2), inlined into the per-packet paths.
 *
 * The window is a ring of 2*W bits indexed by (index mod 2*W). A packet is
 * "old" when top - index >= W. Moving the top forward clears the ring words
 * between the old and the new top, so every index within W of the top has a
 * valid bit: one word per step in the common case, never a shift of W bits.
 * Callers check before crypto (cheap drop) and check again, then add, only
 * after the packet authenticated.
 */
#ifndef SL_SRTP_REPLAY_H
#define SL_SRTP_REPLAY_H

#include "srtp_stream.h"

/*
 * RFC 3711 Appendix A: guess the ROC of a received sequence number from a
 * reference (highest index: ROC, s_l).
 *   s_l <  2^15: SEQ - s_l > 2^15 -> ROC-1 (late packet from before the wrap)
 *   s_l >= 2^15: s_l - 2^15 > SEQ -> ROC+1 (packet after the wrap)
 * Without a reference the index is ROC || SEQ. A late packet from before
 * ROC 0 cannot exist: old.
 */
static inline int sl_rtp_guess(uint32_t roc, uint16_t s_l, bool have_ref, uint16_t seq,
			       uint64_t *index)
{
	uint32_t v = roc;

	if (have_ref) {
		int32_t sl = s_l, sq = seq;

		if (sl < 32768) {
			if (sq - sl > 32768) {
				if (v == 0)
					return -SL_SRTP_ERR_REPLAY_OLD;
				v--;
			}
		} else if (sl - 32768 > sq) {
			if (v == UINT32_MAX)
				return -SL_SRTP_ERR_KEY_EXPIRED; /* all 2^48 indexes used */
			v++;
		}
	}
	*index = (uint64_t)v << 16 | seq;
	return 0;
}

/* Sender: its own state is always committed (srtp_protect.c). */
static inline int sl_rtp_estimate(const struct sl_srtp_stream *s, uint16_t seq, uint64_t *index)
{
	return sl_rtp_guess(s->roc, s->s_l, s->flags & SL_SF_RTP_INIT, seq, index);
}

/*
 * Receiver inside a burst. ROC and s_l change only after a packet
 * authenticated, but all packets of a burst are estimated before any is
 * authenticated. To give the same answers as packet-by-packet processing
 * (e.g. a fresh stream receiving 65534, 65535, 0, 1 in one burst), each
 * estimate uses a burst-local reference: the committed (ROC, s_l) advanced by
 * the earlier packets of this burst that passed the pre-checks. It is
 * dropped when the burst's packets are finalised (sl_rtp_spec_end). A forged
 * packet can thus only disturb the estimates of the rest of its own burst,
 * and one packet moves the reference by less than 2^15, which keeps every
 * genuine packet within range; what is committed is unchanged.
 */
static inline int sl_rtp_estimate_in(struct sl_srtp_stream *s, uint16_t seq, uint64_t *index)
{
	if (!(s->flags & SL_SF_SPEC)) {
		s->spec_roc = s->roc;
		s->spec_s_l = s->s_l;
		s->flags = (uint16_t)((s->flags & ~SL_SF_SPEC_INIT) | SL_SF_SPEC |
				      ((s->flags & SL_SF_RTP_INIT) ? SL_SF_SPEC_INIT : 0));
	}
	return sl_rtp_guess(s->spec_roc, s->spec_s_l, s->flags & SL_SF_SPEC_INIT, seq, index);
}

/* A packet passed the pre-checks: it may become the burst-local reference. */
static inline void sl_rtp_spec_advance(struct sl_srtp_stream *s, uint64_t index)
{
	if (!(s->flags & SL_SF_SPEC_INIT) || index > ((uint64_t)s->spec_roc << 16 | s->spec_s_l)) {
		s->spec_roc = (uint32_t)(index >> 16);
		s->spec_s_l = (uint16_t)index;
		s->flags |= SL_SF_SPEC_INIT;
	}
}

static inline void sl_rtp_spec_end(struct sl_srtp_stream *s)
{
	s->flags &= (uint16_t)~(SL_SF_SPEC | SL_SF_SPEC_INIT);
}

static inline uint64_t sl_replay_top(const struct sl_srtp_stream *s, bool rtcp)
{
	return rtcp ? s->srtcp_index : ((uint64_t)s->roc << 16 | s->s_l);
}

static inline bool sl_replay_have_top(const struct sl_srtp_stream *s, bool rtcp)
{
	return s->flags & (rtcp ? SL_SF_RTCP_INIT : SL_SF_RTP_INIT);
}

static inline int sl_replay_check(struct sl_srtp_stream *s, bool rtcp, uint64_t index)
{
	const uint64_t *bits = sl_stream_bits(s, rtcp);
	uint64_t top, bit;

	if (!sl_replay_have_top(s, rtcp))
		return 0;
	top = sl_replay_top(s, rtcp);
	if (index > top)
		return 0;
	if (top - index >= s->window)
		return -SL_SRTP_ERR_REPLAY_OLD;
	bit = index & ((uint64_t)s->win_words * 64 - 1);
	if (bits[bit >> 6] & (1ull << (bit & 63)))
		return -SL_SRTP_ERR_REPLAY;
	return 0;
}

/* replay.c: first packet, or a jump past the whole ring */
void sl_replay_restart(struct sl_srtp_stream *s, bool rtcp, uint64_t index);

static inline void sl_replay_set_top(struct sl_srtp_stream *s, bool rtcp, uint64_t index)
{
	if (rtcp) {
		s->srtcp_index = (uint32_t)index;
		s->flags |= SL_SF_RTCP_INIT;
	} else {
		s->roc = (uint32_t)(index >> 16);
		s->s_l = (uint16_t)index;
		s->flags |= SL_SF_RTP_INIT;
	}
}

/*
 * Marks index received and, when it is the new highest, moves the top
 * (for SRTP this is the ROC / s_l update of RFC 3711 §3.3.1).
 */
static inline void sl_replay_add(struct sl_srtp_stream *s, bool rtcp, uint64_t index)
{
	uint64_t *bits = sl_stream_bits(s, rtcp);
	uint64_t mask = (uint64_t)s->win_words - 1;
	uint64_t bit = index & (mask * 64 + 63);

	if (!sl_replay_have_top(s, rtcp)) {
		sl_replay_restart(s, rtcp, index);
	} else {
		uint64_t top = sl_replay_top(s, rtcp);

		if (index > top) {
			uint64_t from = (top >> 6) + 1, to = index >> 6;

			if (to >= from && to - from >= s->win_words)
				sl_replay_restart(s, rtcp, index);
			else
				for (uint64_t w = from; w <= to; w++)
					bits[w & mask] = 0;
			sl_replay_set_top(s, rtcp, index);
		}
	}
	bits[bit >> 6] |= 1ull << (bit & 63);
}

/*
 * Sender checks shared by SRTP and SRTCP: room for the trailer (MKI, tag,
 * E||index), the stream's SSRC, and the master key to use (RFC 3711 §9.2
 * lifetimes). Returns the key index or -SL_SRTP_ERR_x.
 */
static inline int sl_out_begin(struct sl_srtp_stream *s, const struct sl_srtp_pkt *p,
			       uint32_t trailer, uint32_t ssrc)
{
	int rc;

	if ((uint64_t)p->len + trailer > p->cap)
		return -SL_SRTP_ERR_NO_SPACE;
	rc = sl_stream_check_ssrc(s, ssrc);
	if (rc < 0)
		return rc;
	return sl_stream_out_key(s);
}

/*
 * Receiver, once the engine is done with a packet: a failed job gets the
 * bytes it overwrote back; an authenticated one is checked again against
 * what earlier packets of the same burst changed (replay window, SSRC
 * binding, key lifetime) and only then committed: index added to the window
 * (for SRTP also ROC / s_l, RFC 3711 §3.3.1), key counter, SSRC binding.
 * Returns 0 or -SL_SRTP_ERR_x.
 */
static inline int sl_in_accept(struct sl_srtp_stream *s, const struct sl_crypto_job *j,
			       const struct sl_pctx *c, uint8_t *d, bool rtcp, uint32_t ssrc)
{
	struct sl_srtp_key *k = &s->keys[c->key];
	int rc;

	if (j->status != SL_JOB_OK) {
		if (c->restore)
			memcpy(d + c->fix_off, j->scratch + 16, c->restore);
		return j->status == SL_JOB_AUTH_FAILED ? -SL_SRTP_ERR_AUTH : -SL_SRTP_ERR_ENGINE;
	}
	rc = sl_replay_check(s, rtcp, c->index);
	if (rc == 0)
		rc = sl_stream_check_ssrc(s, ssrc);
	if (rc == 0 && sl_key_expired(k))
		rc = -SL_SRTP_ERR_KEY_EXPIRED;
	if (rc < 0)
		return rc;
	sl_replay_add(s, rtcp, c->index);
	if (rtcp)
		k->rtcp_count++;
	else
		k->rtp_count++;
	if (!(s->flags & SL_SF_SSRC_BOUND))
		sl_stream_bind_ssrc(s, ssrc);
	return 0;
}

#endif
