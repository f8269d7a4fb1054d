/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRTP sender (RFC 3711 §3.3): header | payload  ->  header | E(payload) | MKI | tag
 * (AEAD, RFC 7714 §8:                 header | E(payload) || tag | MKI).
 *
 * The sender is authoritative for its own index, so its state (ROC, s_l,
 * replay bits that stop an index from being used twice, key counters) is
 * committed when the job is filled: a duplicate inside one burst is refused
 * before its keystream is produced.
 */
#include "replay.h"

/* HMAC-SHA1 over header || payload || ROC (RFC 3711 §4.2): ROC goes after the payload. */
static void fill_cm(struct sl_srtp_stream *s, const struct sl_srtp_key *k, struct sl_crypto_job *j,
		    uint8_t *d, uint32_t len, uint32_t h, uint32_t ssrc, uint64_t index)
{
	j->cipher_off = h;
	j->cipher_len = (s->flags & SL_SF_ENC_SRTP) ? len - h : 0;
	j->aad = NULL;
	j->aad_len = 0;
	if (s->rtp_tag_len) {
		sl_put32(d + len, (uint32_t)(index >> 16));
		j->auth_off = 0;
		j->auth_len = len + 4;
		j->digest = j->scratch;   /* MKI overlaps the ROC: copied in after */
	} else {
		j->auth_off = j->auth_len = 0;
		j->digest = NULL;
	}
	sl_cm_iv(j->iv, k->rtp_iv, ssrc, index);
}

/*
 * RFC 7714 §8.1-8.2: AAD = the header incl. CSRCs and extension; tag follows.
 * With UNENCRYPTED_SRTP the whole packet is AAD and the plaintext is empty
 * (the authentication-only packets of RFC 7714 §16.1.3 and §16.2.3).
 */
static void fill_gcm(const struct sl_srtp_stream *s, const struct sl_srtp_key *k,
		     struct sl_crypto_job *j, uint8_t *d, uint32_t len, uint32_t h, uint32_t ssrc,
		     uint64_t index)
{
	if (!(s->flags & SL_SF_ENC_SRTP))
		h = len;
	j->cipher_off = h;
	j->cipher_len = len - h;
	j->auth_off = j->auth_len = 0;
	j->aad = d;
	j->aad_len = (uint16_t)h;
	j->digest = d + len;
	sl_gcm_rtp_iv(j->iv, k->rtp_iv, ssrc, index);
}

static int prep(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c)
{
	struct sl_srtp_stream *s = p->stream;
	uint8_t *d = p->data;
	uint32_t len = p->len, ssrc, trailer;
	struct sl_srtp_key *k;
	uint64_t index;
	int h, rc, key;

	if (s->flags & SL_SF_INBOUND)
		return -SL_SRTP_ERR_PARAM;
	h = sl_rtp_header_len(d, len);
	if (h < 0)
		return h;
	if (len > 65507)
		return -SL_SRTP_ERR_PARAM;
	rc = sl_rtp_check_padding(d, (uint32_t)h, len);
	if (rc < 0)
		return rc;
	trailer = (uint32_t)s->mki_len + s->rtp_tag_len;
	ssrc = sl_get32(d + 8);
	key = sl_out_begin(s, p, trailer, ssrc);
	if (key < 0)
		return key;
	rc = sl_rtp_estimate(s, sl_get16(d + 2), &index);
	if (rc == 0)
		rc = sl_replay_check(s, false, index);
	if (rc < 0)
		return rc;
	/* commit: this index is used now, under this key */
	sl_replay_add(s, false, index);
	k = &s->keys[key];
	k->rtp_count++;
	if (!(s->flags & SL_SF_SSRC_BOUND))
		sl_stream_bind_ssrc(s, ssrc);

	j->sess = sl_stream_sess(s, k->rtp_sess);
	j->data = d;
	j->op = SL_JOB_PROTECT;
	if (s->flags & SL_SF_AEAD)
		fill_gcm(s, k, j, d, len, (uint32_t)h, ssrc, index);
	else
		fill_cm(s, k, j, d, len, (uint32_t)h, ssrc, index);
	c->key = (uint8_t)key;
	c->fix_off = len;
	c->out_len = len + trailer;
	return 0;
}

static int fin(struct sl_srtp_pkt *p, struct sl_crypto_job *j, struct sl_pctx *c)
{
	struct sl_srtp_stream *s = p->stream;
	uint8_t *d = p->data;

	if (j->status != SL_JOB_OK)
		return -SL_SRTP_ERR_ENGINE;
	if (s->flags & SL_SF_AEAD) {
		memcpy(d + c->fix_off + 16, s->keys[c->key].mki, s->mki_len);
	} else {
		memcpy(d + c->fix_off, s->keys[c->key].mki, s->mki_len);
		memcpy(d + c->fix_off + s->mki_len, j->scratch, s->rtp_tag_len);
	}
	p->len = c->out_len;
	return 0;
}

uint16_t sl_srtp_protect_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n)
{
	return sl_srtp_burst(e, p, n, false, prep, fin);
}

int sl_srtp_protect(struct sl_engine *e, struct sl_srtp_stream *s, uint8_t *pkt, size_t *len,
		    size_t cap)
{
	struct sl_srtp_pkt p = {
		.stream = s,
		.data = pkt,
		.len = (uint32_t)(len && *len <= UINT32_MAX ? *len : 0),
		.cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap),
	};

	if (!len || *len > UINT32_MAX)
		return -SL_SRTP_ERR_PARAM;
	sl_srtp_protect_burst(e, &p, 1);
	if (p.status == 0)
		*len = p.len;
	return p.status;
}
