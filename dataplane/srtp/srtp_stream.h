/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private stream layout and helpers of the SRTP core (not installed, not for
 * data-plane callers). See docs/srtp.md for the layout and its sizes.
 *
 * One aligned allocation per stream:
 *   struct sl_srtp_stream   hot header (48 bytes)
 *   struct sl_srtp_key[n]   per master key: IV bases, MKI, counters, offsets
 *   uint64_t rtp_bits[w]    replay ring for SRTP   (w = 2 * window / 64)
 *   struct sl_srtp_stats[2] SRTP, SRTCP counters
 *   uint64_t rtcp_bits[w]   replay ring for SRTCP
 *   engine sessions         rtp, rtcp for key 0, then key 1, ... (64-aligned)
 * With one key and window 128 an SRTP packet touches the first three cache
 * lines (header, key 0, SRTP ring, SRTP packet/byte counters) and the
 * engine session.
 */
#ifndef SL_SRTP_STREAM_H
#define SL_SRTP_STREAM_H

#include <string.h>

#include "srtp_internal.h"

#define SL_SRTP_BURST 64

enum sl_stream_flags {
	SL_SF_INBOUND     = 1u << 0,
	SL_SF_AEAD        = 1u << 1,  /* GCM suite (RFC 7714) */
	SL_SF_ENC_SRTP    = 1u << 2,  /* SRTP payload encrypted */
	SL_SF_AUTH_SRTP   = 1u << 3,  /* SRTP tag present */
	SL_SF_ENC_SRTCP   = 1u << 4,  /* expected SRTCP E flag */
	SL_SF_SSRC_BOUND  = 1u << 5,
	SL_SF_RTP_INIT    = 1u << 6,  /* s_l valid (a packet was processed) */
	SL_SF_RTCP_INIT   = 1u << 7,  /* SRTCP replay top valid */
	SL_SF_SPEC        = 1u << 9,  /* spec_roc/spec_s_l valid for this burst */
	SL_SF_SPEC_INIT   = 1u << 10, /* ... and hold a reference index */
};

/* Per master key (RFC 3711 §3.2.1, §8.1). */
struct sl_srtp_key {
	uint8_t rtp_iv[16];    /* session salt placed as the IV base (see srtp_kdf.c) */
	uint8_t rtcp_iv[16];
	uint64_t rtp_count, rtp_limit;    /* SRTP packets under this key */
	uint32_t rtcp_count, rtcp_limit;  /* SRTCP packets under this key */
	uint32_t rtp_sess, rtcp_sess;     /* session offsets from the stream start */
	uint8_t mki[SL_SRTP_MAX_MKI_LEN];
	uint32_t reserved;
};

struct sl_srtp_stream {
	/* hot: read/written for every packet */
	uint16_t flags;            /* enum sl_stream_flags */
	uint8_t rtp_tag_len;       /* 0 with UNAUTHENTICATED_SRTP */
	uint8_t rtcp_tag_len;
	uint8_t mki_len, nkeys, active, suite;
	uint32_t ssrc;
	uint32_t roc;              /* RFC 3711 §3.2.1 rollover counter */
	uint16_t s_l;              /* highest authenticated sequence number */
	uint16_t win_words;        /* words per replay ring (power of two) */
	uint16_t window;           /* replay window size (64..32768) */
	uint16_t spec_s_l;         /* burst-local estimation reference, see replay.h */
	uint32_t spec_roc;
	uint32_t srtcp_index;      /* outbound: last sent; inbound: highest received */
	uint32_t size;             /* bytes of this allocation */
	uint32_t rtp_bits, rtcp_bits; /* replay ring offsets */
	uint32_t stats_off;        /* struct sl_srtp_stats[2]: SRTP, SRTCP */
	struct sl_srtp_key keys[];
};

/* Per-packet state kept between job fill and finalisation. */
struct sl_pctx {
	uint64_t index;            /* SRTP 48-bit index or SRTCP index */
	uint32_t out_len;          /* length on success */
	uint32_t fix_off;          /* where bytes were overwritten / trailer goes */
	uint8_t key;
	uint8_t restore;           /* bytes of scratch+16 to put back at fix_off on failure */
	uint8_t post;              /* finalisation work (per file) */
	uint8_t pad;
};

static inline struct sl_sess *sl_stream_sess(struct sl_srtp_stream *s, uint32_t off)
{
	return (struct sl_sess *)((uint8_t *)s + off);
}

static inline uint64_t *sl_stream_bits(struct sl_srtp_stream *s, bool rtcp)
{
	return (uint64_t *)((uint8_t *)s + (rtcp ? s->rtcp_bits : s->rtp_bits));
}

static inline struct sl_srtp_stats *sl_stream_stats(struct sl_srtp_stream *s, bool rtcp)
{
	return (struct sl_srtp_stats *)((uint8_t *)s + s->stats_off) + (rtcp ? 1 : 0);
}

static inline uint16_t sl_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t sl_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline void sl_put32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static inline uint64_t sl_get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static inline void sl_put64(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

/*
 * RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16);
 * base already holds k_s * 2^16. For SRTCP i is the SRTCP index (§3.4).
 */
static inline void sl_cm_iv(uint8_t iv[16], const uint8_t base[16], uint32_t ssrc, uint64_t index)
{
	sl_put64(iv, sl_get64(base) ^ ssrc);
	sl_put64(iv + 8, sl_get64(base + 8) ^ (index << 16));
}

/* RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt (12 bytes). */
static inline void sl_gcm_rtp_iv(uint8_t iv[16], const uint8_t base[16], uint32_t ssrc, uint64_t index)
{
	sl_put64(iv, sl_get64(base) ^ ((uint64_t)ssrc << 16) ^ (index >> 32));
	sl_put32(iv + 8, sl_get32(base + 8) ^ (uint32_t)index);
	memset(iv + 12, 0, 4);
}

/* RFC 7714 §9.1: IV = (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt. */
static inline void sl_gcm_rtcp_iv(uint8_t iv[16], const uint8_t base[16], uint32_t ssrc, uint32_t index)
{
	sl_put64(iv, sl_get64(base) ^ ((uint64_t)ssrc << 16));
	sl_put32(iv + 8, sl_get32(base + 8) ^ index);
	memset(iv + 12, 0, 4);
}

static inline bool sl_key_expired(const struct sl_srtp_key *k)
{
	return k->rtp_count >= k->rtp_limit || k->rtcp_count >= k->rtcp_limit;
}

/* rtp_parse.c */
int sl_rtp_check_padding(const uint8_t *pkt, uint32_t hdr_len, uint32_t len);
/* RFC 3550 §6.4.1: version 2 and at least the 8-byte SR/RR header. */
int sl_rtcp_check_header(const uint8_t *pkt, uint32_t len);

/* replay.c */
void sl_replay_reset(struct sl_srtp_stream *s, bool rtcp);

/* srtp_stream.c */
int sl_stream_next_key(struct sl_srtp_stream *s);
void sl_stream_count_error(struct sl_srtp_stream *s, bool rtcp, int status);

/*
 * Outbound key choice: the active key, or the next one whose lifetime is not
 * reached (RFC 3711 §9.2). Returns the key index or -SL_SRTP_ERR_KEY_EXPIRED.
 */
static inline int sl_stream_out_key(struct sl_srtp_stream *s)
{
	if (__builtin_expect(!sl_key_expired(&s->keys[s->active]), 1))
		return s->active;
	return sl_stream_next_key(s);
}

/* Inbound: the key named by the MKI (RFC 3711 §3.1), or the only key. */
static inline int sl_stream_in_key(const struct sl_srtp_stream *s, const uint8_t *mki)
{
	if (s->mki_len == 0)
		return 0;
	for (unsigned i = 0; i < s->nkeys; i++)
		if (memcmp(s->keys[i].mki, mki, s->mki_len) == 0)
			return (int)i;
	return -SL_SRTP_ERR_MKI;
}

static inline int sl_stream_check_ssrc(const struct sl_srtp_stream *s, uint32_t ssrc)
{
	if ((s->flags & SL_SF_SSRC_BOUND) && s->ssrc != ssrc)
		return -SL_SRTP_ERR_SSRC;
	return 0;
}

static inline void sl_stream_bind_ssrc(struct sl_srtp_stream *s, uint32_t ssrc)
{
	s->ssrc = ssrc;
	s->flags |= SL_SF_SSRC_BOUND;
}

/* One counter per outcome (docs/srtp.md lists which error goes where). */
static inline void sl_stream_count(struct sl_srtp_stream *s, bool rtcp, int status, uint32_t bytes)
{
	struct sl_srtp_stats *st = sl_stream_stats(s, rtcp);

	if (__builtin_expect(status == 0, 1)) {
		st->packets++;
		st->bytes += bytes;
	} else {
		sl_stream_count_error(s, rtcp, status);
	}
}

/* srtp_kdf.c: all session keys of one master key (RFC 3711 §4.3). */
int sl_srtp_derive(struct sl_engine *e, const struct sl_srtp_suite_info *si,
		   const struct sl_srtp_master_key *mk, struct sl_srtp_session_keys *out);

typedef int (*sl_prep_fn)(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c);
typedef int (*sl_fin_fn)(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c);

/*
 * The burst driver shared by the four directions: up to SL_SRTP_BURST
 * packets are prepared (parse, index, pre-checks, job), sent to the engine
 * in one round, then finalised. Inlined so prep/fin calls are direct.
 */
static inline __attribute__((always_inline)) uint16_t
sl_srtp_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n, bool rtcp,
	      sl_prep_fn prep, sl_fin_fn fin)
{
	struct sl_crypto_job jobs[SL_SRTP_BURST];
	struct sl_crypto_job *jp[SL_SRTP_BURST];
	struct sl_pctx ctx[SL_SRTP_BURST];
	uint16_t ok = 0;

	for (uint16_t base = 0; base < n; base += SL_SRTP_BURST) {
		uint16_t m = (uint16_t)(n - base < SL_SRTP_BURST ? n - base : SL_SRTP_BURST);
		uint16_t nj = 0;

		/* streams are cold at 100k streams: start all their misses now */
		for (uint16_t i = 0; i < m; i++) {
			const uint8_t *st = (const uint8_t *)p[base + i].stream;

			if (st) {
				__builtin_prefetch(st, 1);
				__builtin_prefetch(st + 64, 1);
				__builtin_prefetch(st + 128, 1);
			}
		}
		for (uint16_t i = 0; i < m; i++) {
			struct sl_srtp_pkt *pk = &p[base + i];
			int rc;

			if (!pk->stream || !pk->data) {
				pk->status = -SL_SRTP_ERR_PARAM;
				continue;
			}
			rc = prep(pk, &jobs[nj], &ctx[nj]);
			if (rc < 0) {
				pk->status = rc;
				sl_stream_count(pk->stream, rtcp, rc, 0);
				continue;
			}
			jobs[nj].user = base + i;
			jobs[nj].cookie = pk;
			/* the engine reads the session (round keys, HMAC state) next */
			for (unsigned l = 0; l < 4; l++)
				__builtin_prefetch((const uint8_t *)jobs[nj].sess + 64 * l, 0);
			jobs[nj].status = SL_JOB_PENDING;
			jp[nj] = &jobs[nj];
			nj++;
		}
		if (nj)
			sl_engine_run_burst(e, jp, nj);
		for (uint16_t k = 0; k < nj; k++) {
			struct sl_srtp_pkt *pk = &p[jobs[k].user];
			int rc = fin(pk, &jobs[k], &ctx[k]);

			pk->status = rc;
			sl_stream_count(pk->stream, rtcp, rc, pk->len);
			ok = (uint16_t)(ok + (rc == 0));
		}
	}
	return ok;
}

#endif
