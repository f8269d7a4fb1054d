/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A flow is one SSRC sent in one direction, set up identically on both
 * implementations: our outbound and inbound streams, and a libsrtp2 session
 * for each direction. Variants cover the cases the differential test must
 * reach (MKI lengths 1-4 with 2-4 master keys, sequence numbers that wrap
 * so the ROC increments, an initial ROC handed over by signalling, and the
 * UNENCRYPTED_SRTCP / UNENCRYPTED_SRTP session parameters of RFC 4568
 * §6.3.2).
 */
#include <stdio.h>
#include <string.h>

#include "interop.h"

struct variant {
	const char *name;
	unsigned mki_len, nkeys;
	bool near_wrap;       /* first sequence number within 400 of 65535 */
	bool roc;             /* non-zero initial ROC on both sides */
	bool unenc_rtcp, unenc_rtp;
	bool fresh_wrap;      /* starts at 65534; its first batch is one burst
			       * across the wrap on a receiver that has not yet
			       * seen a packet (RFC 3711 §3.3.1 s_l set-up) */
};

/*
 * libsrtp2 estimates the first index from its rollover counter with
 * s_l = 0, so a stream handed a non-zero ROC must start below 32768 there;
 * the ROC-handover variants therefore do not start near the wrap.
 */
static const struct variant variants[] = {
	/* name               mki keys near_wrap roc   unenc_rtcp unenc_rtp fresh_wrap */
	{ "plain",            0,  1,   true,     false, false,     false,    false },
	{ "mki1x2",           1,  2,   true,     false, false,     false,    false },
	{ "mki2x2-unencrtcp", 2,  2,   false,    false, true,      false,    false },
	{ "roc",              0,  1,   false,    true,  false,     false,    false },
	{ "mki4x4",           4,  4,   true,     false, false,     false,    false },
	{ "unenc-rtp+rtcp",   0,  1,   true,     false, true,      true,     false },
	{ "mki3x3-roc",       3,  3,   false,    true,  false,     false,    false },
	{ "fresh-wrap-mki2",  2,  2,   true,     false, false,     false,    true },
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

static void keys(struct flow *f, struct rng *r)
{
	for (unsigned i = 0; i < f->nkeys; i++) {
		bool dup;

		rng_bytes(r, f->key[i], f->su->key_len);
		rng_bytes(r, f->salt[i], f->su->salt_len);
		do {  /* distinct MKIs */
			rng_bytes(r, f->mki[i], f->mki_len);
			dup = false;
			for (unsigned j = 0; j < i; j++)
				dup |= memcmp(f->mki[i], f->mki[j], f->mki_len) == 0;
		} while (dup);
	}
}

static int open_ours(struct flow *f, struct sl_engine *e, char *err, size_t errlen)
{
	struct sl_srtp_policy p;
	char msg[160] = "";
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.suite = f->su->id;
	p.nkeys = (uint8_t)f->nkeys;
	p.mki_len = (uint8_t)f->mki_len;
	for (unsigned i = 0; i < f->nkeys; i++) {
		memcpy(p.keys[i].key, f->key[i], f->su->key_len);
		memcpy(p.keys[i].salt, f->salt[i], f->su->salt_len);
		memcpy(p.keys[i].mki, f->mki[i], f->mki_len);
	}
	p.ssrc = f->ssrc;
	p.ssrc_set = true;
	p.roc = f->roc;
	p.unencrypted_srtp = f->unenc_rtp;
	p.unencrypted_srtcp = f->unenc_rtcp;
	p.dir = SL_SRTP_OUTBOUND;
	f->tx = sl_srtp_stream_create(e, &p, &rc, msg, sizeof(msg));
	if (f->tx) {
		p.dir = SL_SRTP_INBOUND;
		f->rx = sl_srtp_stream_create(e, &p, &rc, msg, sizeof(msg));
	}
	sl_srtp_policy_wipe(&p);
	if (!f->tx || !f->rx) {
		snprintf(err, errlen, "sl_srtp_stream_create: %d (%s) %s", rc,
			 sl_srtp_strerror(rc), msg);
		return -1;
	}
	return 0;
}

/*
 * libsrtp2 2.5.0 cannot unprotect its own SRTCP packets when an MKI is used
 * and the SRTP and SRTCP tag lengths differ (the _32 suites): it looks for
 * the MKI using the SRTP tag length and returns srtp_err_status_bad_mki.
 * Probe for that with a throw-away pair of sessions so that the check of
 * "ours -> libsrtp2" SRTCP is skipped only where the peer itself fails.
 */
static bool peer_rtcp_selftest(const srtp_policy_t *p, uint32_t ssrc, unsigned use_mki)
{
	uint8_t b[128] = { 0x80, 0xc9, 0x00, 0x01 };
	srtp_t tx = NULL, rx = NULL;
	int len = 8;
	bool ok = false;

	b[4] = (uint8_t)(ssrc >> 24);
	b[5] = (uint8_t)(ssrc >> 16);
	b[6] = (uint8_t)(ssrc >> 8);
	b[7] = (uint8_t)ssrc;
	if (srtp_create(&tx, p) == srtp_err_status_ok && srtp_create(&rx, p) == srtp_err_status_ok &&
	    srtp_protect_rtcp_mki(tx, b, &len, use_mki, 0) == srtp_err_status_ok)
		ok = srtp_unprotect_rtcp_mki(rx, b, &len, use_mki) == srtp_err_status_ok;
	if (tx)
		srtp_dealloc(tx);
	if (rx)
		srtp_dealloc(rx);
	return ok;
}

static int open_peer(struct flow *f, char *err, size_t errlen)
{
	srtp_policy_t p;
	srtp_err_status_t st;

	memset(&p, 0, sizeof(p));
	f->su->peer_rtp(&p.rtp);
	f->su->peer_rtcp(&p.rtcp);
	if (f->unenc_rtp)
		p.rtp.sec_serv = sec_serv_auth;
	if (f->unenc_rtcp)
		p.rtcp.sec_serv = sec_serv_auth;
	p.ssrc.type = ssrc_specific;
	p.ssrc.value = f->ssrc;
	p.window_size = 128;
	for (unsigned i = 0; i < f->nkeys; i++) {
		memcpy(f->peer_key[i], f->key[i], f->su->key_len);
		memcpy(f->peer_key[i] + f->su->key_len, f->salt[i], f->su->salt_len);
		f->peer_mk[i].key = f->peer_key[i];
		f->peer_mk[i].mki_id = f->mki[i];
		f->peer_mk[i].mki_size = f->mki_len;
		f->peer_mkp[i] = &f->peer_mk[i];
	}
	if (f->mki_len) {
		p.keys = f->peer_mkp;
		p.num_master_keys = f->nkeys;
	} else {
		p.key = f->peer_key[0];
	}
	f->peer_rtcp_rx_broken = !peer_rtcp_selftest(&p, f->ssrc, f->mki_len > 0);
	st = srtp_create(&f->ptx, &p);
	if (st == srtp_err_status_ok)
		st = srtp_create(&f->prx, &p);
	if (st == srtp_err_status_ok && f->roc) {
		st = srtp_set_stream_roc(f->ptx, f->ssrc, f->roc);
		if (st == srtp_err_status_ok)
			st = srtp_set_stream_roc(f->prx, f->ssrc, f->roc);
	}
	if (st != srtp_err_status_ok) {
		snprintf(err, errlen, "libsrtp2 srtp_create/set_roc: status %d", st);
		return -1;
	}
	return 0;
}

int flow_open(struct flow *f, struct sl_engine *e, struct rng *r, const struct suite *su,
	      unsigned variant, char *err, size_t errlen)
{
	const struct variant *v = &variants[variant % N_VARIANTS];

	memset(f, 0, sizeof(*f));
	f->su = su;
	snprintf(f->label, sizeof(f->label), "%s", v->name);
	f->ssrc = (uint32_t)rng_u64(r);
	f->mki_len = v->mki_len;
	f->nkeys = v->nkeys;
	f->unenc_rtcp = v->unenc_rtcp;
	/* libsrtp2 ignores sec_serv_auth for AEAD SRTP and encrypts anyway, so
	 * UNENCRYPTED_SRTP is compared for the HMAC suites only. */
	f->unenc_rtp = v->unenc_rtp && !su->aead;
	f->roc = v->roc ? 1 + rng_below(r, 0xfffffffeu) : 0;
	f->seq = (uint16_t)(v->near_wrap ? 65535 - rng_below(r, 400) : rng_below(r, 30000));
	f->fresh_wrap = v->fresh_wrap;
	if (v->fresh_wrap)
		f->seq = 65534;
	f->ts = (uint32_t)rng_u64(r);
	keys(f, r);
	if (open_ours(f, e, err, errlen) < 0 || open_peer(f, err, errlen) < 0) {
		flow_close(f, e);
		return -1;
	}
	snprintf(f->label, sizeof(f->label), "%s ssrc=%08x", v->name, f->ssrc);
	return 0;
}

unsigned flow_variants(void)
{
	return N_VARIANTS;
}

void flow_set_active(struct flow *f, unsigned idx)
{
	f->active = idx;
	sl_srtp_stream_set_active_key(f->tx, idx);
}

void flow_close(struct flow *f, struct sl_engine *e)
{
	if (f->tx)
		sl_srtp_stream_free(e, f->tx);
	if (f->rx)
		sl_srtp_stream_free(e, f->rx);
	if (f->ptx)
		srtp_dealloc(f->ptx);
	if (f->prx)
		srtp_dealloc(f->prx);
	f->tx = f->rx = NULL;
	f->ptx = f->prx = NULL;
	memset(f->key, 0, sizeof(f->key));
	memset(f->peer_key, 0, sizeof(f->peer_key));
}
