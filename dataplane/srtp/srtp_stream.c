/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream (crypto context, RFC 3711 §3.2) creation, layout and accessors.
 * The layout is described in srtp_stream.h and docs/srtp.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "replay.h"

static int fail(char *msg, size_t msglen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *msg, size_t msglen, int code, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -code;
}

static uint32_t window_of(const struct sl_srtp_policy *p)
{
	return p->replay_window ? p->replay_window : SL_SRTP_DEFAULT_WINDOW;
}

static int validate(const struct sl_srtp_policy *p, char *msg, size_t msglen)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(p->suite);
	uint32_t w = window_of(p);

	if (!si)
		return fail(msg, msglen, SL_SRTP_ERR_PARAM, "unknown suite %d", (int)p->suite);
	if (p->dir != SL_SRTP_OUTBOUND && p->dir != SL_SRTP_INBOUND)
		return fail(msg, msglen, SL_SRTP_ERR_PARAM, "direction must be inbound or outbound");
	if (p->nkeys < 1 || p->nkeys > SL_SRTP_MAX_KEYS)
		return fail(msg, msglen, SL_SRTP_ERR_PARAM, "number of master keys must be 1..%d",
			    SL_SRTP_MAX_KEYS);
	if (p->mki_len > SL_SRTP_MAX_MKI_LEN)
		return fail(msg, msglen, SL_SRTP_ERR_PARAM, "MKI length must be 0..%d bytes",
			    SL_SRTP_MAX_MKI_LEN);
	if (p->nkeys > 1 && p->mki_len == 0)
		return fail(msg, msglen, SL_SRTP_ERR_PARAM,
			    "several master keys need an MKI to tell them apart (RFC 3711 section 3.1)");
	for (int i = 0; i < p->nkeys; i++)
		for (int j = 0; j < i; j++)
			if (memcmp(p->keys[i].mki, p->keys[j].mki, p->mki_len) == 0)
				return fail(msg, msglen, SL_SRTP_ERR_PARAM,
					    "master keys %d and %d have the same MKI", j, i);
	if (w < 64 || w > SL_SRTP_MAX_WINDOW || (w & (w - 1)))
		return fail(msg, msglen, SL_SRTP_ERR_PARAM,
			    "replay window %u: must be a power of two from 64 to %d", w,
			    SL_SRTP_MAX_WINDOW);
	if (p->kdr != 0)
		return fail(msg, msglen, SL_SRTP_ERR_UNSUPPORTED,
			    "key derivation rate %llu: only 0 (derive once) is supported; "
			    "re-key with a new master key instead (see docs/srtp.md)",
			    (unsigned long long)p->kdr);
	/* RFC 7714 §8: an AEAD tag is always present; UNENCRYPTED_SRTP makes the
	 * whole packet AAD (§16.1.3), but there is no unauthenticated form. */
	if (si->cipher == SL_CIPHER_AES_GCM && p->unauthenticated_srtp)
		return fail(msg, msglen, SL_SRTP_ERR_PARAM,
			    "%s cannot be used with UNAUTHENTICATED_SRTP "
			    "(RFC 7714 AEAD always authenticates SRTP)", si->name);
	if (si->cipher == SL_CIPHER_NULL && p->unauthenticated_srtp)
		return fail(msg, msglen, SL_SRTP_ERR_PARAM,
			    "NULL cipher with UNAUTHENTICATED_SRTP would leave SRTP unprotected");
	return 0;
}

static void session_params(const struct sl_srtp_suite_info *si, const struct sl_srtp_policy *p,
			   bool rtcp, struct sl_sess_params *sp)
{
	bool auth = rtcp || !p->unauthenticated_srtp;

	memset(sp, 0, sizeof(*sp));
	sp->cipher = si->cipher;
	sp->cipher_key_len = si->cipher == SL_CIPHER_NULL ? 0 : si->key_len;
	sp->auth = auth ? si->auth : SL_AUTH_NULL;
	sp->auth_key_len = sp->auth == SL_AUTH_HMAC_SHA1 ? si->auth_key_len : 0;
	sp->tag_len = auth ? (rtcp ? si->rtcp_tag_len : si->rtp_tag_len) : 0;
}

/* Fills key entry k and initialises its two engine sessions. */
static int init_key(struct sl_engine *e, struct sl_srtp_stream *s, unsigned idx,
		    const struct sl_srtp_policy *p, const struct sl_srtp_suite_info *si,
		    const struct sl_srtp_session_keys *sk, struct sl_sess_params sp[2])
{
	struct sl_srtp_key *k = &s->keys[idx];
	uint64_t life = p->keys[idx].lifetime;
	int rc;

	memcpy(k->mki, p->keys[idx].mki, p->mki_len);
	memcpy(k->rtp_iv, sk->rtp_salt, si->salt_len);
	memcpy(k->rtcp_iv, sk->rtcp_salt, si->salt_len);
	/* RFC 3711 §9.2 maxima, or the (smaller) signalled lifetime */
	k->rtp_limit = life && life < SL_SRTP_MAX_LIFETIME_RTP ? life : SL_SRTP_MAX_LIFETIME_RTP;
	k->rtcp_limit = (uint32_t)(life && life < SL_SRTP_MAX_LIFETIME_RTCP ? life
								 : SL_SRTP_MAX_LIFETIME_RTCP);
	sp[0].cipher_key = sk->rtp_enc;
	sp[0].auth_key = sk->rtp_auth;
	sp[1].cipher_key = sk->rtcp_enc;
	sp[1].auth_key = sk->rtcp_auth;
	rc = sl_sess_init(e, sl_stream_sess(s, k->rtp_sess), &sp[0]);
	if (rc == 0)
		rc = sl_sess_init(e, sl_stream_sess(s, k->rtcp_sess), &sp[1]);
	sp[0].cipher_key = sp[0].auth_key = sp[1].cipher_key = sp[1].auth_key = NULL;
	return rc < 0 ? -SL_SRTP_ERR_ENGINE : 0;
}

static uint16_t stream_flags(const struct sl_srtp_suite_info *si, const struct sl_srtp_policy *p)
{
	uint16_t f = 0;

	if (p->dir == SL_SRTP_INBOUND)
		f |= SL_SF_INBOUND;
	if (si->cipher == SL_CIPHER_AES_GCM)
		f |= SL_SF_AEAD;
	if (si->cipher != SL_CIPHER_NULL && !p->unencrypted_srtp)
		f |= SL_SF_ENC_SRTP;
	if (!p->unauthenticated_srtp)
		f |= SL_SF_AUTH_SRTP;
	/* RFC 3711 §3.4: E set iff SRTCP payload is encrypted */
	if (si->cipher != SL_CIPHER_NULL && !p->unencrypted_srtcp)
		f |= SL_SF_ENC_SRTCP;
	if (p->ssrc_set)
		f |= SL_SF_SSRC_BOUND;
	return f;
}

static struct sl_srtp_stream *create(struct sl_engine *e, const struct sl_srtp_policy *p,
				     const struct sl_srtp_session_keys *given, int *err,
				     char *msg, size_t msglen)
{
	const struct sl_srtp_suite_info *si;
	struct sl_sess_params sp[2];
	struct sl_srtp_session_keys sk;
	struct sl_srtp_stream *s = NULL;
	size_t ss[2], off, total;
	uint32_t w, words;
	int rc;

	if (!e || !p) {
		rc = fail(msg, msglen, SL_SRTP_ERR_PARAM, "no engine or no policy");
		goto err;
	}
	rc = validate(p, msg, msglen);
	if (rc < 0)
		goto err;
	if (given && p->nkeys != 1) {
		rc = fail(msg, msglen, SL_SRTP_ERR_PARAM, "session keys given: nkeys must be 1");
		goto err;
	}
	si = sl_srtp_suite_info(p->suite);
	session_params(si, p, false, &sp[0]);
	session_params(si, p, true, &sp[1]);
	ss[0] = sl_sess_size(e, &sp[0]);
	ss[1] = sl_sess_size(e, &sp[1]);
	if (!ss[0] || !ss[1]) {
		rc = fail(msg, msglen, SL_SRTP_ERR_UNSUPPORTED, "engine %s does not offer %s",
			  e->ops->name, si->name);
		goto err;
	}
	w = window_of(p);
	words = 2 * w / 64;
	off = sizeof(*s) + (size_t)p->nkeys * sizeof(s->keys[0]);
	off = (off + 7) & ~(size_t)7;
	total = off + 2 * (size_t)words * 8 + 2 * sizeof(struct sl_srtp_stats);
	total = (total + SL_SESS_ALIGN - 1) & ~(size_t)(SL_SESS_ALIGN - 1);
	total += (size_t)p->nkeys * (ss[0] + ss[1]);
	s = aligned_alloc(SL_SESS_ALIGN, total);
	if (!s) {
		rc = fail(msg, msglen, SL_SRTP_ERR_NOMEM, "cannot allocate %zu bytes", total);
		goto err;
	}
	memset(s, 0, total);
	s->flags = stream_flags(si, p);
	s->rtp_tag_len = p->unauthenticated_srtp ? 0 : si->rtp_tag_len;
	s->rtcp_tag_len = si->rtcp_tag_len;
	s->mki_len = p->mki_len;
	s->nkeys = p->nkeys;
	s->suite = (uint8_t)p->suite;
	s->ssrc = p->ssrc_set ? p->ssrc : 0;
	s->roc = p->roc;
	s->window = (uint16_t)w;
	s->win_words = (uint16_t)words;
	s->size = (uint32_t)total;
	/* RTP ring, then the counters (SRTP's first): the RTP path stays in
	 * the first three cache lines with one key and window 128 */
	s->rtp_bits = (uint32_t)off;
	s->stats_off = (uint32_t)(off + (size_t)words * 8);
	s->rtcp_bits = (uint32_t)(s->stats_off + 2 * sizeof(struct sl_srtp_stats));
	off = total - (size_t)p->nkeys * (ss[0] + ss[1]);
	for (unsigned i = 0; i < p->nkeys; i++) {
		s->keys[i].rtp_sess = (uint32_t)off;
		s->keys[i].rtcp_sess = (uint32_t)(off + ss[0]);
		off += ss[0] + ss[1];
	}
	for (unsigned i = 0; i < p->nkeys; i++) {
		if (given) {
			sk = *given;
		} else {
			rc = sl_srtp_derive(e, si, &p->keys[i], &sk);
			if (rc < 0) {
				fail(msg, msglen, -rc, "key derivation for master key %u failed: %s", i,
				     sl_srtp_strerror(rc));
				goto err_stream;
			}
		}
		rc = init_key(e, s, i, p, si, &sk, sp);
		sl_wipe(&sk, sizeof(sk));
		if (rc < 0) {
			fail(msg, msglen, -rc, "engine %s refused the session keys of master key %u",
			     e->ops->name, i);
			goto err_stream;
		}
	}
	if (err)
		*err = 0;
	return s;

err_stream:
	sl_srtp_stream_free(e, s);
err:
	if (err)
		*err = rc;
	return NULL;
}

struct sl_srtp_stream *sl_srtp_stream_create(struct sl_engine *e, const struct sl_srtp_policy *p,
					     int *err, char *msg, size_t msglen)
{
	return create(e, p, NULL, err, msg, msglen);
}

struct sl_srtp_stream *sl_srtp_stream_create_with_session_keys(
	struct sl_engine *e, const struct sl_srtp_policy *p,
	const struct sl_srtp_session_keys *k, int *err, char *msg, size_t msglen)
{
	if (!k) {
		int rc = fail(msg, msglen, SL_SRTP_ERR_PARAM, "no session keys");

		if (err)
			*err = rc;
		return NULL;
	}
	return create(e, p, k, err, msg, msglen);
}

void sl_srtp_stream_free(struct sl_engine *e, struct sl_srtp_stream *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nkeys; i++) {
		if (e) {
			sl_sess_clear(e, sl_stream_sess(s, s->keys[i].rtp_sess));
			sl_sess_clear(e, sl_stream_sess(s, s->keys[i].rtcp_sess));
		}
	}
	sl_wipe(s, s->size);
	free(s);
}

size_t sl_srtp_stream_size(const struct sl_srtp_stream *s)
{
	return s ? s->size : 0;
}

uint32_t sl_srtp_stream_get_roc(const struct sl_srtp_stream *s)
{
	return s->roc;
}

/*
 * RFC 3711 §3.3.1: a receiver joining a stream learns the ROC out of band.
 * The replay window restarts: its bits refer to the old index space.
 */
void sl_srtp_stream_set_roc(struct sl_srtp_stream *s, uint32_t roc, bool seq_valid, uint16_t seq)
{
	s->roc = roc;
	s->flags &= (uint16_t)~(SL_SF_SPEC | SL_SF_SPEC_INIT);
	sl_replay_reset(s, false);
	if (seq_valid) {
		s->s_l = seq;
		s->flags |= SL_SF_RTP_INIT;
	} else {
		s->s_l = 0;
		s->flags &= (uint16_t)~SL_SF_RTP_INIT;
	}
}

int sl_srtp_stream_set_active_key(struct sl_srtp_stream *s, unsigned idx)
{
	if (!s || idx >= s->nkeys)
		return -SL_SRTP_ERR_PARAM;
	s->active = (uint8_t)idx;
	return 0;
}

const struct sl_srtp_stats *sl_srtp_stream_stats(const struct sl_srtp_stream *s, bool rtcp)
{
	return sl_stream_stats((struct sl_srtp_stream *)s, rtcp);
}

uint32_t sl_srtp_stream_ssrc(const struct sl_srtp_stream *s, bool *bound)
{
	if (bound)
		*bound = s->flags & SL_SF_SSRC_BOUND;
	return s->ssrc;
}

void sl_srtp_policy_wipe(struct sl_srtp_policy *p)
{
	if (p)
		sl_wipe(p, sizeof(*p));
}

/* The active key's lifetime is reached: move to the next unexpired one. */
int sl_stream_next_key(struct sl_srtp_stream *s)
{
	unsigned a = s->active;

	while (sl_key_expired(&s->keys[a])) {
		if (a + 1u >= s->nkeys)
			return -SL_SRTP_ERR_KEY_EXPIRED;
		a++;
	}
	s->active = (uint8_t)a;
	return (int)a;
}

/* Error counters (docs/srtp.md lists which error goes where). */
void sl_stream_count_error(struct sl_srtp_stream *s, bool rtcp, int status)
{
	struct sl_srtp_stats *st = sl_stream_stats(s, rtcp);

	switch (-status) {
	case SL_SRTP_ERR_AUTH:
		st->auth_fail++;
		break;
	case SL_SRTP_ERR_REPLAY:
	case SL_SRTP_ERR_REPLAY_OLD:
		st->replay++;
		break;
	case SL_SRTP_ERR_TRUNCATED:
	case SL_SRTP_ERR_VERSION:
	case SL_SRTP_ERR_CSRC:
	case SL_SRTP_ERR_EXTENSION:
	case SL_SRTP_ERR_PADDING:
	case SL_SRTP_ERR_EMPTY:
		st->malformed++;
		break;
	case SL_SRTP_ERR_KEY_EXPIRED:
		st->key_expired++;
		break;
	case SL_SRTP_ERR_ENGINE:
		st->engine_err++;
		break;
	default:
		st->other++;
		break;
	}
}

void sl_srtp_prefetch_burst(const struct sl_srtp_pkt *p, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *st = (const uint8_t *)p[i].stream;

		/*
		 * Header, keys, replay rings and counters: the first four lines
		 * (srtp_stream.h). The engine session is found through the key,
		 * so it is prefetched while the burst is prepared, when the
		 * header is already here; reading it now would wait for the miss
		 * this call is meant to hide (measured: no gain).
		 */
		if (st)
			for (unsigned l = 0; l < 4; l++)
				__builtin_prefetch(st + 64 * l, 1);
	}
}
