/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One SIP message: start line, header section, body (RFC 3261 §7).
 *
 * The header section is copied into msg->hdrbuf with folded lines joined
 * (§7.3.1: CRLF followed by SP/HT is LWS), so every header value is one
 * slice. The header fields the control plane uses are then parsed by
 * sip_fields.c. Size limits are checked before anything is copied.
 */
#include <stddef.h>
#include <string.h>

#include "sip_lex.h"
#include "sip_parse.h"

enum sl_sip_verdict sip_fail(struct sl_sip_msg *m, struct sl_sip_result *r,
    int code, const char *why)
{
	r->reason = why;
	if (m->is_request && code != 0) {
		r->verdict = SL_SIP_REPLY;
		r->code = code;
	} else {
		/* RFC 3261 §18.1.2 / §18.2.1: no answer to a bad response */
		r->verdict = SL_SIP_DROP;
		r->code = 0;
	}
	return r->verdict;
}

/*
 * Finds the empty line ending the header section. *hlen is the length of
 * the start line and header fields (with their last CRLF), *body where the
 * body starts. Bare LF line ends are tolerated (robustness, §7.5 is silent).
 */
static int find_header_end(const char *b, const char *end, size_t *hlen,
    const char **body)
{
	const char *s = b;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e;

		if (nl == NULL)
			break;
		e = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
		if (e == s && s != b) {
			*hlen = (size_t)(s - b);
			*body = nl + 1;
			return 0;
		}
		s = nl + 1;
	}
	return -1;
}

/* Copies the header section, joining folded lines; -1 on a bare CR. */
static int unfold(struct sl_sip_msg *m, const char *b, size_t n)
{
	char *o = m->hdrbuf;

	memcpy(o, b, n);
	for (size_t i = 0; i < n; i++) {
		if (o[i] == '\r') {
			if (i + 1 >= n || o[i + 1] != '\n')
				return -1;
			if (i + 2 < n && lx_ws(o[i + 2]))
				o[i] = o[i + 1] = ' ';
		} else if (o[i] == '\n' && i + 1 < n && lx_ws(o[i + 1])) {
			o[i] = ' ';
		}
	}
	return 0;
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; 1 when it is 2.0, 0 other */
static int version(struct sl_sip_str v)
{
	const char *p = v.p + 4, *end = v.p + v.n;
	uint64_t x;

	if (v.n < 7 || !sl_sip_str_ieq(lx_str(v.p, v.p + 4), "SIP/"))
		return -1;
	p = lx_uint(p, end, 999999, &x);
	if (p == NULL || p == end || *p != '.')
		return -1;
	if (lx_uint(p + 1, end, 999999, &x) != end)
		return -1;
	return v.n == 7 && memcmp(v.p + 4, "2.0", 3) == 0 ? 1 : 0;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
static enum sl_sip_verdict status_line(struct sl_sip_msg *m, const char *s,
    const char *e, struct sl_sip_result *r)
{
	const char *sp = memchr(s, ' ', (size_t)(e - s));
	uint64_t code;

	if (sp == NULL)
		return sip_fail(m, r, 0, "malformed Status-Line");
	m->version = lx_str(s, sp);
	if (version(m->version) != 1)
		return sip_fail(m, r, 0, "response with unsupported SIP version");
	/* exactly three digits: RFC 4475 §3.1.2.19 bigcode */
	if (e - sp < 5 || lx_uint(sp + 1, sp + 4, 999, &code) != sp + 4 ||
	    sp[4] != ' ' || code < 100 || code > 699)
		return sip_fail(m, r, 0, "malformed Status-Code");
	m->status = (int)code;
	for (const char *p = sp + 5; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 && c != '\t')
			return sip_fail(m, r, 0, "control character in Reason-Phrase");
		if (c == 0x7f)
			return sip_fail(m, r, 0, "control character in Reason-Phrase");
	}
	m->reason = lx_str(sp + 5, e);
	return SL_SIP_OK;
}

/* Request-Line = Method SP Request-URI SP SIP-Version (single SPs, §7.1) */
static enum sl_sip_verdict request_line(struct sl_sip_msg *m, const char *s,
    const char *e, struct sl_sip_result *r, bool *bad_version)
{
	const char *sp1, *sp2;
	int v;

	sp1 = lx_token(s, e);
	if (sp1 == s || sp1 == e || *sp1 != ' ')
		return sip_fail(m, r, 400, "Malformed Request-Line method");
	m->method = lx_str(s, sp1);
	sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return sip_fail(m, r, 400, "Malformed Request-Line (extra whitespace)");
	m->version = lx_str(sp2 + 1, e);
	if (memchr(m->version.p, ' ', m->version.n) != NULL ||
	    memchr(m->version.p, '\t', m->version.n) != NULL)
		return sip_fail(m, r, 400, "Malformed Request-Line (extra whitespace)");
	v = version(m->version);
	if (v < 0)
		return sip_fail(m, r, 400, "Malformed SIP-Version");
	*bad_version = v == 0;
	if (sl_sip_parse_uri(sp1 + 1, (size_t)(sp2 - sp1 - 1), &m->ruri) < 0)
		return sip_fail(m, r, 400, "Malformed Request-URI");
	/* RFC 3261 §19.1.1 table: no headers in a Request-URI (RFC 4475 §3.1.2.11) */
	if (m->ruri.scheme <= SL_SIP_SCHEME_SIPS && m->ruri.headers.p != NULL)
		return sip_fail(m, r, 400, "Request-URI must not contain headers");
	return SL_SIP_OK;
}

/* Is the first line meant as a SIP request (answer it) or garbage (drop)? */
static bool looks_like_request(const char *s, const char *e)
{
	if (s == e || !lx_token_char((unsigned char)*s))
		return false;
	for (const char *p = s; p + 4 <= e; p++)
		if (sl_sip_str_ieq(lx_str(p, p + 4), "SIP/"))
			return true;
	return false;
}

static bool is_status_line(const char *s, const char *e)
{
	return e - s >= 4 && sl_sip_str_ieq(lx_str(s, s + 4), "SIP/");
}

/* For verdicts given before the header section could be split. */
static bool first_line_is_request(const char *s, const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));

	if (nl == NULL)
		nl = end;
	return !is_status_line(s, nl) && looks_like_request(s, nl);
}

static enum sl_sip_verdict start_line(struct sl_sip_msg *m, const char *s,
    const char *e, struct sl_sip_result *r, bool *bad_version)
{
	if (is_status_line(s, e))
		return status_line(m, s, e, r);
	if (!looks_like_request(s, e))
		return sip_fail(m, r, 0, "not a SIP message");
	m->is_request = true;
	return request_line(m, s, e, r, bad_version);
}

/* Splits one header field into name and value (§7.3.1: name HCOLON value). */
static enum sl_sip_verdict header_line(struct sl_sip_msg *m, const char *s,
    const char *e, struct sl_sip_result *r)
{
	struct sl_sip_header *h;
	const char *p;

	if (e - s > SL_SIP_MAX_LINE)
		return sip_fail(m, r, 513, "Header field too long");
	if (m->nhdr >= SL_SIP_MAX_HEADERS)
		return sip_fail(m, r, 513, "Too many header fields");
	p = lx_token(s, e);
	if (p == s)
		return sip_fail(m, r, 400, "Malformed header field name");
	h = &m->hdr[m->nhdr++];
	h->name = lx_str(s, p);
	p = lx_skip_ws(p, e);
	if (p == e || *p != ':')
		return sip_fail(m, r, 400, "Malformed header field (no colon)");
	h->value = lx_trim(p + 1, e);
	h->id = sip_header_id(h->name);
	m->count[h->id]++;
	return SL_SIP_OK;
}

/* Walks the unfolded header section line by line. */
static enum sl_sip_verdict lines(struct sl_sip_msg *m, size_t n,
    struct sl_sip_result *r, bool *bad_version)
{
	const char *s = m->hdrbuf, *end = m->hdrbuf + n;
	bool first = true;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl;
		enum sl_sip_verdict v;

		if (nl == NULL)
			nl = e = end;
		else if (e > s && e[-1] == '\r')
			e--;
		if (first)
			v = start_line(m, s, e, r, bad_version);
		else
			v = header_line(m, s, e, r);
		if (v != SL_SIP_OK)
			return v;
		first = false;
		s = nl + 1;
	}
	return SL_SIP_OK;
}

static void reset(struct sl_sip_msg *m, struct sl_sip_result *r)
{
	memset(m, 0, offsetof(struct sl_sip_msg, hdrbuf));
	m->max_forwards = -1;
	m->content_length = -1;
	m->expires = -1;
	m->status = 0;
	r->verdict = SL_SIP_OK;
	r->code = 0;
	r->reason = "OK";
}

/* Content-Length ends the message (§18.3); without it a datagram's body
 * runs to its end (§18.3, UDP). */
static enum sl_sip_verdict body(struct sl_sip_msg *m, const char *b,
    const char *bstart, const char *end, struct sl_sip_result *r)
{
	size_t avail = (size_t)(end - bstart);

	if (m->content_length < 0) {
		m->body = lx_str(bstart, end);
	} else {
		if ((uint64_t)m->content_length > avail)
			return sip_fail(m, r, 400, "Content-Length larger than the body");
		m->body = lx_str(bstart, bstart + m->content_length);
	}
	m->length = (size_t)(m->body.p + m->body.n - b);
	if (m->length > SL_SIP_MAX_MSG)
		return sip_fail(m, r, 513, "Message Too Large");
	return SL_SIP_OK;
}

enum sl_sip_verdict sl_sip_parse(const void *buf, size_t len,
    struct sl_sip_msg *m, struct sl_sip_result *r)
{
	const char *b = buf, *end = b + len, *s = b, *bstart, *lim;
	bool bad_version = false;
	enum sl_sip_verdict v;
	size_t hlen;

	reset(m, r);
	/* §7.5: CRLFs before the start line are ignored */
	while (s < end && (*s == '\r' || *s == '\n'))
		s++;
	if (s == end)
		return sip_fail(m, r, 0, "empty message");
	/* look no further than the limit allows (large stream buffers) */
	lim = (size_t)(end - s) > SL_SIP_MAX_HDR_BYTES + 2 ?
	    s + SL_SIP_MAX_HDR_BYTES + 2 : end;
	if (find_header_end(s, lim, &hlen, &bstart) < 0) {
		if ((size_t)(end - s) > SL_SIP_MAX_HDR_BYTES)
			hlen = SL_SIP_MAX_HDR_BYTES + 1;
		else
			hlen = 0;
	}
	if (hlen > SL_SIP_MAX_HDR_BYTES) {
		m->is_request = first_line_is_request(s, end);
		return sip_fail(m, r, 513, "Message Too Large (header section)");
	}
	if (hlen == 0) {
		m->is_request = first_line_is_request(s, end);
		return sip_fail(m, r, 400, "Header section not ended by an empty line");
	}
	if (unfold(m, s, hlen) < 0) {
		m->is_request = first_line_is_request(s, end);
		return sip_fail(m, r, 400, "Bare CR in header section");
	}
	v = lines(m, hlen, r, &bad_version);
	if (v != SL_SIP_OK)
		return v;
	v = sip_fields(m, r);
	if (v != SL_SIP_OK)
		return v;
	v = body(m, b, bstart, end, r);
	if (v != SL_SIP_OK)
		return v;
	/* the message was readable, so a 505 can be built (§21.5.20) */
	if (bad_version)
		return sip_fail(m, r, 505, "Version Not Supported");
	return SL_SIP_OK;
}
