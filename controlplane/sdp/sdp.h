/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP (RFC 4566 / RFC 8866) for the B2BUA: parse an offer or answer, keep
 * what must pass through (codecs, rtpmap, fmtp, ptime, ...), expose what the
 * appliance rewrites (origin, connection address, media port, transport
 * protocol, direction, a=crypto per RFC 4568, rtcp-mux) and build a new body.
 * Offer/answer rules (RFC 3264) for the SRTP suite choice live here too.
 *
 * Bounded: no allocation, fixed limits (documented below), nothing read past
 * len, every rejection with a message naming the line. Fuzzed (fuzz_sdp).
 */
#ifndef SL_SDP_H
#define SL_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdes.h"	/* dataplane/srtp: struct sl_sdes_crypto, enum sl_srtp_suite */

enum {
	SL_SDP_MAX_MEDIA = 4,
	SL_SDP_MAX_CRYPTO = 8,		/* a=crypto lines per media */
	SL_SDP_MAX_BODY = 8192,
	SL_SDP_MAX_ATTRS = 2048,	/* pass-through attribute text per media */
};

enum sl_sdp_dir { SL_SDP_SENDRECV = 0, SL_SDP_SENDONLY, SL_SDP_RECVONLY, SL_SDP_INACTIVE };
const char *sl_sdp_dir_name(enum sl_sdp_dir d);		/* "sendrecv", ... */
/* The direction the answerer/other side sees (sendonly <-> recvonly). */
enum sl_sdp_dir sl_sdp_dir_reverse(enum sl_sdp_dir d);

struct sl_sdp_addr {
	int ip_version;			/* 4 or 6; 0 = absent */
	char text[64];			/* as written (numeric) */
	uint8_t bytes[16];		/* network order; IPv4 in the first 4 */
};

struct sl_sdp_media {
	char type[16];			/* "audio", "video", ... */
	uint16_t port;			/* 0 = rejected/disabled stream */
	char proto[32];			/* "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF" */
	char fmts[128];			/* format list as written: "0 8 101" */
	struct sl_sdp_addr conn;	/* media c= or, if none, the session c= */
	enum sl_sdp_dir dir;		/* media a=, else session a=, else sendrecv */
	bool rtcp_mux;
	struct sl_sdes_crypto crypto[SL_SDP_MAX_CRYPTO];
	unsigned ncrypto;		/* a=crypto lines that parsed; others counted below */
	unsigned crypto_bad;		/* a=crypto lines with unknown suites or errors (ignored per RFC 4568 §7.1.2) */
	/* Every other "a=" line of the media (rtpmap, fmtp, ptime, ...), each
	 * "a=...\r\n", in order; not included: crypto, direction, rtcp-mux,
	 * rtcp, candidate/ice-* (the appliance anchors media, ICE is stripped). */
	char attrs[SL_SDP_MAX_ATTRS];
	size_t attrs_len;
};

struct sl_sdp {
	char o_user[64];
	uint64_t o_sess_id, o_sess_version;
	struct sl_sdp_addr o_addr;
	char s_name[64];		/* s= */
	struct sl_sdp_addr conn;	/* session-level c= */
	struct sl_sdp_media m[SL_SDP_MAX_MEDIA];
	unsigned nm;
};

/*
 * Parses a body. Requires v=0, o=, s=, t= and for every m= line a connection
 * address (session or media level); refuses multicast/TTL forms, unknown
 * address types, more than SL_SDP_MAX_MEDIA media, lines without "x=".
 * Returns 0 or -EINVAL with "line N: reason" in err. Key material in
 * out->m[].crypto must be wiped with sl_sdp_wipe().
 * Lines are at most 1024 bytes (plus CRLF/LF); v=, o=, s= must be the first
 * three lines; u=/e=/p=/t=/r=/z= only before the first m=; i=, b=, k= are
 * accepted and dropped; session-level a= other than the direction are
 * dropped. On failure *out is wiped and zeroed. See docs/sdp.md.
 */
int sl_sdp_parse(const char *buf, size_t len, struct sl_sdp *out, char *err, size_t errlen);

/*
 * Builds a body: v=0, o=, s=, c= (session level, from m[0].conn when all
 * media share it, else per media), t=0 0, then per media the m= line, c= if
 * needed, a=rtcp-mux, a=crypto lines (sl_sdes_format), the direction, and
 * attrs. Returns the length (excluding NUL) or -ENOSPC (also when the body
 * would exceed SL_SDP_MAX_BODY, so the result always re-parses), or -EINVAL
 * for a struct that cannot be written (no origin address, a media without
 * any connection address, CR/LF or blanks inside a field, an a=crypto that
 * sl_sdes_format() refuses). A media conn with ip_version 0 falls back to
 * s->conn; an address with empty text is written from its bytes. On
 * failure out is wiped (it may have held key material).
 */
int sl_sdp_build(const struct sl_sdp *s, char *out, size_t cap);

/* True when the media uses SRTP (proto contains "SAVP"). */
bool sl_sdp_media_is_srtp(const struct sl_sdp_media *m);

/*
 * Helper (not in the first draft of this header): sets a from a numeric
 * IPv4 or IPv6 address, e.g. the appliance's media address when rewriting
 * conn. Returns 0 or -EINVAL (not numeric, too long).
 */
int sl_sdp_addr_set(struct sl_sdp_addr *a, const char *text);

/*
 * Offer/answer suite choice (RFC 4568 §7.1.2 answerer rules): the first
 * suite of prefs (enum sl_srtp_suite values, our preference order) that the
 * offer contains and whose attribute is usable by us (one key, no KDR, no
 * FEC, no unencrypted/unauthenticated session params). Returns the index in
 * m->crypto, or -1 when nothing matches.
 */
int sl_sdp_pick_crypto(const struct sl_sdp_media *m, const int *prefs, unsigned nprefs);

void sl_sdp_wipe(struct sl_sdp *s);	/* wipes crypto keys of every media */

#endif
