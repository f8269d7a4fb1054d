/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offer/answer helpers (RFC 3264) and the SDES suite choice of the answerer
 * (RFC 4568 §7.1.2), plus key wiping.
 */
#include <string.h>

#include "sdp.h"

const char *sl_sdp_dir_name(enum sl_sdp_dir d)
{
	switch (d) {
	case SL_SDP_SENDRECV: return "sendrecv";
	case SL_SDP_SENDONLY: return "sendonly";
	case SL_SDP_RECVONLY: return "recvonly";
	case SL_SDP_INACTIVE: return "inactive";
	}
	return "sendrecv";
}

/* RFC 3264 §6.1: sendonly is answered with recvonly and vice versa. */
enum sl_sdp_dir sl_sdp_dir_reverse(enum sl_sdp_dir d)
{
	switch (d) {
	case SL_SDP_SENDONLY: return SL_SDP_RECVONLY;
	case SL_SDP_RECVONLY: return SL_SDP_SENDONLY;
	case SL_SDP_INACTIVE: return SL_SDP_INACTIVE;
	case SL_SDP_SENDRECV: break;
	}
	return SL_SDP_SENDRECV;
}

bool sl_sdp_media_is_srtp(const struct sl_sdp_media *m)
{
	size_t n;

	if (!m)
		return false;
	n = strnlen(m->proto, sizeof(m->proto));
	for (size_t i = 0; i + 4 <= n; i++)
		if (memcmp(m->proto + i, "SAVP", 4) == 0)
			return true;
	return false;
}

/*
 * What we can key the data plane with: exactly one master key (no MKI
 * rotation across several keys), no key derivation rate (RFC 4568 §6.3.1:
 * only the default "never" is supported, see docs/srtp.md) and neither
 * UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP nor UNAUTHENTICATED_SRTP (§6.3.2-4:
 * the appliance only carries encrypted and authenticated media). FEC_KEY is
 * already refused by the a=crypto parser; FEC_ORDER has no effect.
 */
static bool usable(const struct sl_sdes_crypto *c)
{
	return c->nkeys == 1 && !c->has_kdr && !c->unencrypted_srtp &&
	       !c->unencrypted_srtcp && !c->unauthenticated_srtp;
}

/*
 * RFC 4568 §7.1.2: the answerer picks one acceptable a=crypto line of the
 * offer; we go by our preference order first, then by the offerer's order
 * (the first matching line of the offer wins among lines of one suite).
 */
int sl_sdp_pick_crypto(const struct sl_sdp_media *m, const int *prefs, unsigned nprefs)
{
	unsigned n;

	if (!m || !prefs)
		return -1;
	n = m->ncrypto < SL_SDP_MAX_CRYPTO ? m->ncrypto : SL_SDP_MAX_CRYPTO;
	for (unsigned p = 0; p < nprefs; p++) {
		if (prefs[p] < 0 || prefs[p] >= SL_SUITE__COUNT)
			continue;
		for (unsigned i = 0; i < n; i++)
			if ((int)m->crypto[i].suite == prefs[p] && usable(&m->crypto[i]))
				return (int)i;
	}
	return -1;
}

void sl_sdp_wipe(struct sl_sdp *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < SL_SDP_MAX_MEDIA; i++) {
		sl_wipe(s->m[i].crypto, sizeof(s->m[i].crypto));	/* = sl_sdes_wipe() of each */
		s->m[i].ncrypto = 0;
	}
}
