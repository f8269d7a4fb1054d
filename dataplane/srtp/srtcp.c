/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTCP (RFC 3711 §3.4; RFC 7714 §9 for AEAD).
 *
 * CM/NULL: header(8) | E(rest) | E||index | MKI | tag    auth = header..E||index
 * AEAD:    header(8) | E(rest) || tag | E||index | MKI   AAD = header(8) || E||index
 *          (E = 0: AAD = whole packet || E||index, RFC 7714 §9.2 / §17)
 * Layouts with MKI match libsrtp2 2.5.
 *
 * The compound structure (RFC 3550 §6.1) is the RTCP stack's business: only the
 * first header is checked, since the SRTCP transform needs nothing more (the
 * example packet of RFC 7714 §17 itself has a length field one word longer
 * than the packet, and its tags are computed over it as it is).
 *
 * E flag: set iff the policy encrypts SRTCP (cipher not NULL and not
 * UNENCRYPTED_SRTCP). An inbound E that differs is SL_SRTP_ERR_POLICY: a
 * packet the policy wants encrypted is never accepted in clear.
 *
 * The SRTCP index of the first packet sent is 1, then +1 per packet (as
 * libsrtp2 does); receivers accept any 31-bit index within the window.
 */
#include "replay.h"

enum { POST_NONE = 0, POST_MOVE_TAG = 1 };

static uint32_t expected_e(const struct sl_srtp_stream *s)
{
	return (s->flags & SL_SF_ENC_SRTCP) ? 1u : 0u;
}

static void fill_cm_out(struct sl_srtp_stream *s, const struct sl_srtp_key *k,
			struct sl_crypto_job *j, uint8_t *d, uint32_t len, uint32_t ssrc,
			uint32_t word)
{
	sl_put32(d + len, word);
	memcpy(d + len + 4, k->mki, s->mki_len);
	j->cipher_off = 8;
	j->cipher_len = (word >> 31) ? len - 8 : 0;
	j->auth_off = 0;
	j->auth_len = len + 4;
	j->aad = NULL;
	j->aad_len = 0;
	j->digest = d + len + 4 + s->mki_len;
	sl_cm_iv(j->iv, k->rtcp_iv, ssrc, word & 0x7fffffffu);
}

static void fill_gcm_out(struct sl_srtp_stream *s, const struct sl_srtp_key *k,
			 struct sl_crypto_job *j, struct sl_pctx *c, uint8_t *d, uint32_t len,
			 uint32_t ssrc, uint32_t word)
{
	sl_put32(d + len + 16, word);
	memcpy(d + len + 20, k->mki, s->mki_len);
	j->auth_off = j->auth_len = 0;
	if (word >> 31) {
		memcpy(j->scratch, d, 8);
		sl_put32(j->scratch + 8, word);
		j->aad = j->scratch;
		j->aad_len = 12;
		j->cipher_off = 8;
		j->cipher_len = len - 8;
		j->digest = d + len;
		c->post = POST_NONE;
	} else {
		/* AAD = packet || E||index must be contiguous: index goes where
		 * the tag will be, the tag is computed into scratch and moved */
		sl_put32(d + len, word);
		j->aad = d;
		j->aad_len = (uint16_t)(len + 4);
		j->cipher_off = len;
		j->cipher_len = 0;
		j->digest = j->scratch + 16;
		c->post = POST_MOVE_TAG;
	}
	sl_gcm_rtcp_iv(j->iv, k->rtcp_iv, ssrc, word & 0x7fffffffu);
}

static int protect_prep(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c)
{
	struct sl_srtp_stream *s = p->stream;
	uint8_t *d = p->data;
	uint32_t len = p->len, trailer, ssrc, idx, word;
	struct sl_srtp_key *k;
	int rc, key;

	if (s->flags & SL_SF_INBOUND)
		return -SL_SRTP_ERR_PARAM;
	rc = sl_rtcp_check_header(d, len);
	if (rc < 0)
		return rc;
	if (len > 65000)
		return -SL_SRTP_ERR_PARAM;
	trailer = 4u + s->mki_len + s->rtcp_tag_len;
	ssrc = sl_get32(d + 4);
	key = sl_out_begin(s, p, trailer, ssrc);
	if (key < 0)
		return key;
	/* commit the index now (RFC 3711 §3.4: +1 per packet, modulo 2^31) */
	idx = (s->srtcp_index + 1) & 0x7fffffffu;
	s->srtcp_index = idx;
	k = &s->keys[key];
	k->rtcp_count++;
	if (!(s->flags & SL_SF_SSRC_BOUND))
		sl_stream_bind_ssrc(s, ssrc);
	word = expected_e(s) << 31 | idx;

	j->sess = sl_stream_sess(s, k->rtcp_sess);
	j->data = d;
	j->op = SL_JOB_PROTECT;
	c->post = POST_NONE;
	if (s->flags & SL_SF_AEAD)
		fill_gcm_out(s, k, j, c, d, len, ssrc, word);
	else
		fill_cm_out(s, k, j, d, len, ssrc, word);
	c->index = word;
	c->fix_off = len;
	c->out_len = len + trailer;
	return 0;
}

static int protect_fin(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c)
{
	uint8_t *d = p->data;

	if (j->status != SL_JOB_OK)
		return -SL_SRTP_ERR_ENGINE;
	if (c->post == POST_MOVE_TAG) {
		memcpy(d + c->fix_off, j->scratch + 16, 16);
		sl_put32(d + c->fix_off + 16, (uint32_t)c->index);
	}
	p->len = c->out_len;
	return 0;
}

static void fill_cm_in(struct sl_srtp_stream *s, const struct sl_srtp_key *k,
		       struct sl_crypto_job *j, struct sl_pctx *c, uint8_t *d, uint32_t len,
		       uint32_t w, uint32_t ssrc, uint32_t word)
{
	j->cipher_off = 8;
	j->cipher_len = (word >> 31) ? w - 8 : 0;
	j->auth_off = 0;
	j->auth_len = w + 4;
	j->aad = NULL;
	j->aad_len = 0;
	j->digest = d + len - s->rtcp_tag_len;
	c->restore = 0;
	c->out_len = w;
	sl_cm_iv(j->iv, k->rtcp_iv, ssrc, word & 0x7fffffffu);
}

static void fill_gcm_in(const struct sl_srtp_key *k, struct sl_crypto_job *j, struct sl_pctx *c,
			uint8_t *d, uint32_t w, uint32_t ssrc, uint32_t word)
{
	uint32_t tpos = w - 16;

	j->auth_off = j->auth_len = 0;
	c->restore = 0;
	if (word >> 31) {
		memcpy(j->scratch, d, 8);
		memcpy(j->scratch + 8, d + w, 4);
		j->aad = j->scratch;
		j->aad_len = 12;
		j->cipher_off = 8;
		j->cipher_len = tpos - 8;
		j->digest = d + tpos;
	} else {
		/* RFC 7714 §9.2: AAD = packet || E||index; make it contiguous */
		memcpy(j->scratch, d + tpos, 16);
		memcpy(j->scratch + 16, d + tpos, 4);
		sl_put32(d + tpos, word);
		c->restore = 4;
		j->aad = d;
		j->aad_len = (uint16_t)(tpos + 4);
		j->cipher_off = tpos;
		j->cipher_len = 0;
		j->digest = j->scratch;
	}
	c->fix_off = tpos;
	c->out_len = tpos;
	sl_gcm_rtcp_iv(j->iv, k->rtcp_iv, ssrc, word & 0x7fffffffu);
}

static int unprotect_prep(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c)
{
	struct sl_srtp_stream *s = p->stream;
	uint8_t *d = p->data;
	uint32_t len = p->len, t = s->rtcp_tag_len, m = s->mki_len, w, word, ssrc;
	bool aead = s->flags & SL_SF_AEAD;
	int rc, key;

	if (!(s->flags & SL_SF_INBOUND))
		return -SL_SRTP_ERR_PARAM;
	rc = sl_rtcp_check_header(d, len);
	if (rc < 0)
		return rc;
	if (len > 65535)
		return -SL_SRTP_ERR_PARAM;
	if (len < 8 + 4 + m + t)
		return -SL_SRTP_ERR_TRUNCATED;
	w = aead ? len - m - 4 : len - t - m - 4;   /* offset of E||index */
	word = sl_get32(d + w);
	if ((word >> 31) != expected_e(s))
		return -SL_SRTP_ERR_POLICY;
	key = sl_stream_in_key(s, d + w + 4);
	if (key < 0)
		return key;
	if (sl_key_expired(&s->keys[key]))
		return -SL_SRTP_ERR_KEY_EXPIRED;
	ssrc = sl_get32(d + 4);
	rc = sl_stream_check_ssrc(s, ssrc);
	if (rc == 0)
		rc = sl_replay_check(s, true, word & 0x7fffffffu);
	if (rc < 0)
		return rc;

	j->sess = sl_stream_sess(s, s->keys[key].rtcp_sess);
	j->data = d;
	j->op = SL_JOB_VERIFY;
	if (aead)
		fill_gcm_in(&s->keys[key], j, c, d, w, ssrc, word);
	else
		fill_cm_in(s, &s->keys[key], j, c, d, len, w, ssrc, word);
	c->index = word & 0x7fffffffu;
	c->key = (uint8_t)key;
	return 0;
}

static int unprotect_fin(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c)
{
	struct sl_srtp_stream *s = p->stream;
	uint8_t *d = p->data;
	int rc = sl_in_accept(s, j, c, d, true, sl_get32(d + 4));

	if (rc < 0)
		return rc;
	p->len = c->out_len;
	return 0;
}

uint16_t sl_srtcp_protect_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n)
{
	return sl_srtp_burst(e, p, n, true, protect_prep, protect_fin);
}

uint16_t sl_srtcp_unprotect_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n)
{
	return sl_srtp_burst(e, p, n, true, unprotect_prep, unprotect_fin);
}

int sl_srtcp_protect(struct sl_engine *e, struct sl_srtp_stream *s, uint8_t *pkt, size_t *len,
		     size_t cap)
{
	struct sl_srtp_pkt p = { .stream = s, .data = pkt };

	if (!len || *len > UINT32_MAX)
		return -SL_SRTP_ERR_PARAM;
	p.len = (uint32_t)*len;
	p.cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
	sl_srtcp_protect_burst(e, &p, 1);
	if (p.status == 0)
		*len = p.len;
	return p.status;
}

int sl_srtcp_unprotect(struct sl_engine *e, struct sl_srtp_stream *s, uint8_t *pkt, size_t *len)
{
	struct sl_srtp_pkt p = { .stream = s, .data = pkt };

	if (!len || *len > UINT32_MAX)
		return -SL_SRTP_ERR_PARAM;
	p.len = p.cap = (uint32_t)*len;
	sl_srtcp_unprotect_burst(e, &p, 1);
	if (p.status == 0)
		*len = p.len;
	return p.status;
}
