/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The header fields the control plane uses (RFC 3261 §20): names with their
 * compact forms (§7.3.3), single-value fields (a second one is a 400,
 * RFC 4475 §3.3.8-3.3.9), list fields split on commas (§7.3.1), and the
 * value grammar of each (§25.1). Unknown fields are kept raw.
 */
#include <string.h>

#include "sip_lex.h"
#include "sip_parse.h"

struct hdr_name {
	const char *name;
	char compact;		/* §7.3.3 compact form, 0 if none */
	bool single;		/* at most one field in a message */
	const char *bad;	/* reason phrase when the value is malformed */
	const char *dup;	/* reason phrase when there are two */
};

static const struct hdr_name names[SL_SIP_H__COUNT] = {
	[SL_SIP_H_VIA] = { "Via", 'v', false, "Malformed Via header", NULL },
	[SL_SIP_H_FROM] = { "From", 'f', true, "Malformed From header",
	    "Multiple From headers" },
	[SL_SIP_H_TO] = { "To", 't', true, "Malformed To header",
	    "Multiple To headers" },
	[SL_SIP_H_CALL_ID] = { "Call-ID", 'i', true, "Malformed Call-ID header",
	    "Multiple Call-ID headers" },
	[SL_SIP_H_CSEQ] = { "CSeq", 0, true, "Malformed or out-of-range CSeq",
	    "Multiple CSeq headers" },
	[SL_SIP_H_MAX_FORWARDS] = { "Max-Forwards", 0, true,
	    "Malformed or out-of-range Max-Forwards",
	    "Multiple Max-Forwards headers" },
	[SL_SIP_H_CONTENT_LENGTH] = { "Content-Length", 'l', true,
	    "Malformed Content-Length", "Multiple Content-Length headers" },
	[SL_SIP_H_CONTENT_TYPE] = { "Content-Type", 'c', true,
	    "Malformed Content-Type", "Multiple Content-Type headers" },
	[SL_SIP_H_CONTENT_ENCODING] = { "Content-Encoding", 'e', false, NULL, NULL },
	[SL_SIP_H_CONTACT] = { "Contact", 'm', false, "Malformed Contact header",
	    NULL },
	[SL_SIP_H_EXPIRES] = { "Expires", 0, true, NULL, "Multiple Expires headers" },
	[SL_SIP_H_ROUTE] = { "Route", 0, false, "Malformed Route header", NULL },
	[SL_SIP_H_RECORD_ROUTE] = { "Record-Route", 0, false,
	    "Malformed Record-Route header", NULL },
	[SL_SIP_H_SUBJECT] = { "Subject", 's', false, NULL, NULL },
	[SL_SIP_H_REQUIRE] = { "Require", 0, false, "Malformed Require header",
	    NULL },
	[SL_SIP_H_PROXY_REQUIRE] = { "Proxy-Require", 0, false,
	    "Malformed Proxy-Require header", NULL },
	[SL_SIP_H_SUPPORTED] = { "Supported", 'k', false,
	    "Malformed Supported header", NULL },
	[SL_SIP_H_UNSUPPORTED] = { "Unsupported", 0, false,
	    "Malformed Unsupported header", NULL },
	[SL_SIP_H_ACCEPT] = { "Accept", 0, false, NULL, NULL },
	[SL_SIP_H_AUTHORIZATION] = { "Authorization", 0, false, NULL, NULL },
	[SL_SIP_H_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 0, false,
	    NULL, NULL },
	[SL_SIP_H_WWW_AUTHENTICATE] = { "WWW-Authenticate", 0, false, NULL, NULL },
	[SL_SIP_H_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", 0, false, NULL,
	    NULL },
};

enum sl_sip_hdr sip_header_id(struct sl_sip_str name)
{
	for (int i = 1; i < SL_SIP_H__COUNT; i++) {
		char c = names[i].compact;

		if (name.n == 1 && c != 0 && (name.p[0] | 0x20) == c)
			return (enum sl_sip_hdr)i;
		if (sl_sip_str_ieq(name, names[i].name))
			return (enum sl_sip_hdr)i;
	}
	return SL_SIP_H_OTHER;
}

/* word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" /
 * "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" /
 * "{" / "}"); callid = word [ "@" word ] */
static bool call_id(struct sl_sip_str v)
{
	const char *at = memchr(v.p, '@', v.n);

	if (v.n == 0 || at == v.p || (at != NULL && at == v.p + v.n - 1))
		return false;
	for (size_t i = 0; i < v.n; i++) {
		int c = (unsigned char)v.p[i];

		if (v.p + i == at)
			continue;
		if (!lx_token_char(c) && (c == 0 ||
		    strchr("()<>:\\\"/[]?{}", c) == NULL))
			return false;
	}
	return true;
}

/* CSeq = 1*DIGIT LWS Method; the number is below 2**31 (§8.1.1.5) */
static bool cseq(struct sl_sip_msg *m, struct sl_sip_str v)
{
	const char *end = v.p + v.n, *p, *q;
	uint64_t x;

	p = lx_uint(v.p, end, 0x7fffffffu, &x);
	if (p == NULL || p == end || !lx_ws(*p))
		return false;
	p = lx_skip_ws(p, end);
	q = lx_token(p, end);
	if (q == p || q != end)
		return false;
	m->cseq = (uint32_t)x;
	m->cseq_method = lx_str(p, q);
	return true;
}

static bool number(struct sl_sip_str v, uint64_t max, int64_t *out)
{
	uint64_t x;

	if (lx_uint(v.p, v.p + v.n, max, &x) != v.p + v.n)
		return false;
	*out = (int64_t)x;
	return true;
}

/* media-type = m-type SLASH m-subtype *(SEMI m-parameter) */
static bool content_type(struct sl_sip_msg *m, struct sl_sip_str v)
{
	const char *end = v.p + v.n, *p = v.p, *q;

	q = lx_token(p, end);
	if (q == p)
		return false;
	m->ctype = lx_str(p, q);
	p = lx_skip_ws(q, end);
	if (p == end || *p != '/')
		return false;
	p = lx_skip_ws(p + 1, end);
	q = lx_token(p, end);
	if (q == p)
		return false;
	m->csubtype = lx_str(p, q);
	return lx_params(q, end, NULL, NULL) == end;
}

/* 1#token, e.g. Require (§20.32) */
static bool token_list(struct sl_sip_str v)
{
	size_t pos = 0;
	struct sl_sip_str t;
	bool any = false;

	while (sl_sip_token_next(v, &pos, &t)) {
		if (lx_token(t.p, t.p + t.n) != t.p + t.n)
			return false;
		any = true;
	}
	return any;
}

/* Skips the "," between list elements; false on anything else. */
static bool list_next(const char **p, const char *end)
{
	*p = lx_skip_ws(*p, end);
	if (*p == end)
		return true;
	if (**p != ',')
		return false;
	*p = lx_skip_ws(*p + 1, end);
	return *p < end;	/* no trailing comma */
}

static bool vias(struct sl_sip_msg *m, struct sl_sip_str v)
{
	const char *p = v.p, *end = v.p + v.n;

	do {
		if (m->nvia >= SL_SIP_MAX_VIA)
			return false;
		p = sip_parse_via(p, end, &m->via[m->nvia++]);
		if (p == NULL || !list_next(&p, end))
			return false;
	} while (p < end);
	return true;
}

/* Contact, Route, Record-Route: 1#(name-addr / addr-spec ...) */
static bool addrs(struct sl_sip_addr *a, unsigned int *n, unsigned int max,
    bool need_angle, struct sl_sip_str v)
{
	const char *p = v.p, *end = v.p + v.n;

	do {
		if (*n >= max)
			return false;
		p = sip_parse_addr(p, end, need_angle, &a[(*n)++]);
		if (p == NULL || !list_next(&p, end))
			return false;
	} while (p < end);
	return true;
}

static bool contact(struct sl_sip_msg *m, struct sl_sip_str v)
{
	/* "*" stands alone: one field, one value (§10.2.2) */
	if (v.n == 1 && v.p[0] == '*') {
		if (m->count[SL_SIP_H_CONTACT] != 1)
			return false;
		m->contact_star = true;
		return true;
	}
	return addrs(m->contact, &m->ncontact, SL_SIP_MAX_CONTACT, false, v);
}

static bool one_addr(struct sl_sip_addr *a, struct sl_sip_str v)
{
	const char *end = v.p + v.n;

	return sip_parse_addr(v.p, end, false, a) == end;
}

static bool field(struct sl_sip_msg *m, const struct sl_sip_header *h)
{
	struct sl_sip_str v = h->value;
	int64_t x;

	switch (h->id) {
	case SL_SIP_H_VIA:
		return vias(m, v);
	case SL_SIP_H_FROM:
		return one_addr(&m->from, v);
	case SL_SIP_H_TO:
		return one_addr(&m->to, v);
	case SL_SIP_H_CALL_ID:
		m->call_id = v;
		return call_id(v);
	case SL_SIP_H_CSEQ:
		return cseq(m, v);
	case SL_SIP_H_MAX_FORWARDS:
		/* 0..255 (§20.22; "0068" is fine, RFC 4475 §3.1.1.1) */
		if (!number(v, 255, &x))
			return false;
		m->max_forwards = (int)x;
		return true;
	case SL_SIP_H_CONTENT_LENGTH:
		/* RFC 4475 §3.1.2.3: no sign */
		return number(v, SL_SIP_MAX_MSG, &m->content_length);
	case SL_SIP_H_CONTENT_TYPE:
		return content_type(m, v);
	case SL_SIP_H_EXPIRES:
		/* §20.19: malformed or too large means 3600 */
		if (!number(v, UINT32_MAX, &m->expires))
			m->expires = 3600;
		return true;
	case SL_SIP_H_CONTACT:
		return contact(m, v);
	case SL_SIP_H_ROUTE:
		return addrs(m->route, &m->nroute, SL_SIP_MAX_ROUTE, true, v);
	case SL_SIP_H_RECORD_ROUTE:
		return addrs(m->record_route, &m->nrecord_route,
		    SL_SIP_MAX_ROUTE, true, v);
	case SL_SIP_H_REQUIRE:
	case SL_SIP_H_PROXY_REQUIRE:
	case SL_SIP_H_UNSUPPORTED:
		return token_list(v);
	case SL_SIP_H_SUPPORTED:
		/* Supported may be empty (§20.37: *(...)) */
		return v.n == 0 || token_list(v);
	default:
		/* kept raw: Authorization & co. are the auth module's */
		return true;
	}
}

enum sl_sip_verdict sip_fields(struct sl_sip_msg *m, struct sl_sip_result *r)
{
	for (int i = 1; i < SL_SIP_H__COUNT; i++)
		if (names[i].single && m->count[i] > 1)
			return sip_fail(m, r, 400, names[i].dup);
	for (unsigned int i = 0; i < m->nhdr; i++) {
		const struct sl_sip_header *h = &m->hdr[i];

		if (!field(m, h))
			return sip_fail(m, r, 400, names[h->id].bad != NULL ?
			    names[h->id].bad : "Malformed header field");
	}
	return SL_SIP_OK;
}
