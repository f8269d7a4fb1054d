/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message framing on stream transports (RFC 3261 §18.3): the header section
 * ends at the first empty line and Content-Length, which is mandatory on
 * streams, gives the body length. This scanner only finds Content-Length;
 * the message itself is then parsed by sl_sip_parse().
 */
#include <string.h>

#include "sip_lex.h"

/* "Content-Length" or its compact form "l", case-insensitive (§7.3.3). */
static bool is_cl_name(struct sl_sip_str n)
{
	return sl_sip_str_ieq(n, "Content-Length") || sl_sip_str_ieq(n, "l");
}

/*
 * The value of one Content-Length field: digits between LWS, where LWS may
 * span folded lines. [p, end) is the rest of the header section.
 */
static int cl_value(const char *p, const char *end, uint64_t *v)
{
	const char *q;

	while (p < end && (lx_ws(*p) || *p == '\r' || *p == '\n')) {
		/* a line end that is not followed by SP/HT ends the field */
		if (*p == '\n' && (p + 1 == end || !lx_ws(p[1])))
			return -1;
		p++;
	}
	q = lx_uint(p, end, SL_SIP_MAX_MSG, v);
	if (q == NULL)
		return -1;
	while (q < end && lx_ws(*q))
		q++;
	return q < end && (*q == '\r' || *q == '\n') ? 0 : -1;
}

/* Scans the fields of [b, hend) for Content-Length. */
static const char *content_length(const char *b, const char *hend,
    uint64_t *cl)
{
	const char *s = memchr(b, '\n', (size_t)(hend - b));
	bool found = false;

	/* s: end of the start line */
	while (s != NULL && ++s < hend) {
		const char *q = lx_token(s, hend), *c = lx_skip_ws(q, hend);
		uint64_t v;

		if (q > s && c < hend && *c == ':' && is_cl_name(lx_str(s, q))) {
			if (found)
				return "several Content-Length headers";
			if (cl_value(c + 1, hend, &v) < 0)
				return "malformed Content-Length";
			*cl = v;
			found = true;
		}
		s = memchr(s, '\n', (size_t)(hend - s));
	}
	return found ? NULL : "no Content-Length on a stream transport";
}

/* Where the header section ends (after its empty line), or NULL. */
static const char *header_end(const char *b, const char *end)
{
	for (const char *p = b; p < end; p++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return NULL;
		if (nl + 1 < end && nl[1] == '\n')
			return nl + 2;
		if (nl + 2 < end && nl[1] == '\r' && nl[2] == '\n')
			return nl + 3;
		p = nl;
	}
	return NULL;
}

enum sl_sip_frame_status sl_sip_frame(const void *buf, size_t len,
    size_t *msglen, const char **why)
{
	const char *b = buf, *hend, *err;
	size_t n = 0, lim;
	uint64_t cl = 0;

	*why = NULL;
	*msglen = 0;
	/* RFC 5626 §3.5.1 keepalives, and §7.5 CRLFs before a start line */
	while (n < len && (b[n] == '\r' || b[n] == '\n'))
		n++;
	if (n > 0) {
		*msglen = n;
		return SL_SIP_FRAME_KEEPALIVE;
	}
	lim = len < SL_SIP_MAX_HDR_BYTES ? len : SL_SIP_MAX_HDR_BYTES;
	hend = header_end(b, b + lim);
	if (hend == NULL) {
		if (len >= SL_SIP_MAX_HDR_BYTES) {
			*why = "header section too large";
			return SL_SIP_FRAME_BAD;
		}
		return SL_SIP_FRAME_MORE;
	}
	err = content_length(b, hend, &cl);
	if (err != NULL) {
		*why = err;
		return SL_SIP_FRAME_BAD;
	}
	n = (size_t)(hend - b) + cl;
	if (n > SL_SIP_MAX_MSG) {
		*why = "message too large";
		return SL_SIP_FRAME_BAD;
	}
	if (n > len)
		return SL_SIP_FRAME_MORE;
	*msglen = n;
	return SL_SIP_FRAME_MSG;
}
