/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP receiver (RFC 3711 §3.3): estimate the index (§3.3.1), drop replays
 * cheaply (§3.3.2), verify the tag and decrypt in one engine job, then -
 * only for authenticated packets - check the replay window again, add the
 * index, update ROC/s_l and strip MKI and tag.
 *
 * CM:   header | E(payload) | MKI | tag   (auth = header..payload || ROC)
 * AEAD: header | E(payload) || tag | MKI  (RFC 7714 §8; MKI after the tag,
 *       as libsrtp2 places it)
 */
#include "replay.h"

/*
 * The ROC must follow the authenticated portion (RFC 3711 §4.2): it is
 * written over the first 4 trailer bytes, which are saved in scratch (the
 * received tag at scratch[0], the overwritten bytes at scratch[16]) and put
 * back if the packet fails.
 */
static void fill_cm(struct sl_srtp_stream *s, const struct sl_srtp_key *k, struct sl_crypto_job *j,
		    struct sl_pctx *c, uint8_t *d, uint32_t a, uint32_t h, uint32_t ssrc,
		    uint64_t index)
{
	uint8_t t = s->rtp_tag_len;

	j->cipher_off = h;
	j->cipher_len = (s->flags & SL_SF_ENC_SRTP) ? a - h : 0;
	j->aad = NULL;
	j->aad_len = 0;
	c->restore = 0;
	if (t) {
		memcpy(j->scratch, d + a + s->mki_len, t);
		memcpy(j->scratch + 16, d + a, 4);
		sl_put32(d + a, (uint32_t)(index >> 16));
		c->restore = 4;
		j->auth_off = 0;
		j->auth_len = a + 4;
		j->digest = j->scratch;
	} else {
		j->auth_off = j->auth_len = 0;
		j->digest = NULL;
	}
	sl_cm_iv(j->iv, k->rtp_iv, ssrc, index);
}

/* RFC 7714 §8.2; with UNENCRYPTED_SRTP everything before the tag is AAD (§16.1.3). */
static void fill_gcm(const struct sl_srtp_stream *s, const struct sl_srtp_key *k,
		     struct sl_crypto_job *j, struct sl_pctx *c, uint8_t *d, uint32_t a, uint32_t h,
		     uint32_t ssrc, uint64_t index)
{
	if (!(s->flags & SL_SF_ENC_SRTP))
		h = a;
	j->cipher_off = h;
	j->cipher_len = a - h;
	j->auth_off = j->auth_len = 0;
	j->aad = d;
	j->aad_len = (uint16_t)h;
	j->digest = d + a;
	c->restore = 0;
	sl_gcm_rtp_iv(j->iv, k->rtp_iv, ssrc, index);
}

static int prep(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c)
{
	struct sl_srtp_stream *s = p->stream;
	uint8_t *d = p->data;
	uint32_t len = p->len, t = s->rtp_tag_len, m = s->mki_len, a, ssrc;
	const uint8_t *mki;
	uint64_t index;
	int h, rc, key;

	if (!(s->flags & SL_SF_INBOUND))
		return -SL_SRTP_ERR_PARAM;
	if (len == 0)
		return -SL_SRTP_ERR_EMPTY;
	if (len < 12)
		return -SL_SRTP_ERR_TRUNCATED;
	if ((d[0] >> 6) != 2)
		return -SL_SRTP_ERR_VERSION;
	if (len > 65535)
		return -SL_SRTP_ERR_PARAM;
	if (len < 12 + t + m)
		return -SL_SRTP_ERR_TRUNCATED;
	a = len - t - m;                           /* end of header + payload */
	h = sl_rtp_header_len(d, a);
	if (h < 0)
		return h;
	mki = (s->flags & SL_SF_AEAD) ? d + a + t : d + a;
	key = sl_stream_in_key(s, mki);
	if (key < 0)
		return key;
	if (sl_key_expired(&s->keys[key]))
		return -SL_SRTP_ERR_KEY_EXPIRED;
	ssrc = sl_get32(d + 8);
	rc = sl_stream_check_ssrc(s, ssrc);
	if (rc < 0)
		return rc;
	rc = sl_rtp_estimate_in(s, sl_get16(d + 2), &index);
	if (rc == 0)
		rc = sl_replay_check(s, false, index);
	if (rc < 0)
		return rc;
	sl_rtp_spec_advance(s, index);

	j->sess = sl_stream_sess(s, s->keys[key].rtp_sess);
	j->data = d;
	j->op = SL_JOB_VERIFY;
	if (s->flags & SL_SF_AEAD)
		fill_gcm(s, &s->keys[key], j, c, d, a, (uint32_t)h, ssrc, index);
	else
		fill_cm(s, &s->keys[key], j, c, d, a, (uint32_t)h, ssrc, index);
	c->index = index;
	c->key = (uint8_t)key;
	c->fix_off = a;
	c->out_len = a;
	return 0;
}

static int fin(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c)
{
	struct sl_srtp_stream *s = p->stream;
	uint8_t *d = p->data;
	int rc, h;

	sl_rtp_spec_end(s);
	rc = sl_in_accept(s, j, c, d, false, sl_get32(d + 8));
	if (rc < 0)
		return rc;
	if (d[0] & 0x20) {
		/* RFC 3550 §5.1: the pad count is only readable after decryption */
		h = sl_rtp_header_len(d, c->out_len);
		rc = h < 0 ? h : sl_rtp_check_padding(d, (uint32_t)h, c->out_len);
		if (rc < 0)
			return rc;
	}
	p->len = c->out_len;
	return 0;
}

uint16_t sl_srtp_unprotect_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n)
{
	return sl_srtp_burst(e, p, n, false, prep, fin);
}

int sl_srtp_unprotect(struct sl_engine *e, struct sl_srtp_stream *s, uint8_t *pkt, size_t *len)
{
	struct sl_srtp_pkt p = {
		.stream = s,
		.data = pkt,
		.len = (uint32_t)(len && *len <= UINT32_MAX ? *len : 0),
	};

	if (!len || *len > UINT32_MAX)
		return -SL_SRTP_ERR_PARAM;
	p.cap = p.len;
	sl_srtp_unprotect_burst(e, &p, 1);
	if (p.status == 0)
		*len = p.len;
	return p.status;
}
