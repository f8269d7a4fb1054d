/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks a UAS or proxy makes on a parsed request before it starts a
 * transaction, in the order of RFC 3261 §8.2 (UAS) and §16.3 (proxy). Only
 * what the message alone decides is here; transaction matching (merged
 * requests, 482), authentication (401/407) and routing are later layers.
 */
#include <string.h>

#include "sip_lex.h"
#include "sip_parse.h"

static enum sl_sip_verdict reply(struct sl_sip_result *r, int code,
    const char *why)
{
	r->verdict = SL_SIP_REPLY;
	r->code = code;
	r->reason = why;
	return SL_SIP_REPLY;
}

/* §8.1.1: To, From, CSeq, Call-ID, Via are mandatory (RFC 4475 §3.3.1).
 * Max-Forwards is not enforced: RFC 2543 peers omit it (RFC 4475 §3.4.1). */
static enum sl_sip_verdict mandatory(const struct sl_sip_msg *m,
    struct sl_sip_result *r)
{
	if (m->count[SL_SIP_H_TO] == 0)
		return reply(r, 400, "Missing To header");
	if (m->count[SL_SIP_H_FROM] == 0)
		return reply(r, 400, "Missing From header");
	if (m->count[SL_SIP_H_CALL_ID] == 0)
		return reply(r, 400, "Missing Call-ID header");
	if (m->count[SL_SIP_H_CSEQ] == 0)
		return reply(r, 400, "Missing CSeq header");
	if (m->nvia == 0)
		return reply(r, 400, "Missing Via header");
	/* §8.1.1.5: the CSeq method matches the request method (§3.1.2.17-18) */
	if (!sl_sip_str_eq(m->method, m->cseq_method))
		return reply(r, 400, "CSeq method does not match the request method");
	return SL_SIP_OK;
}

static bool option_known(const struct sl_sip_policy *pol, struct sl_sip_str t)
{
	for (size_t i = 0; i < pol->noptions; i++)
		if (sl_sip_str_ieq(t, pol->options[i]))
			return true;
	return false;
}

/* §8.2.2.3 (Require, UAS) and §16.3 step 5 (Proxy-Require, proxy): 420 */
static enum sl_sip_verdict require(const struct sl_sip_msg *m,
    const struct sl_sip_policy *pol, struct sl_sip_result *r,
    struct sl_sip_str *unsupported)
{
	enum sl_sip_hdr id = pol->role == SL_SIP_ROLE_PROXY ?
	    SL_SIP_H_PROXY_REQUIRE : SL_SIP_H_REQUIRE;
	const struct sl_sip_header *h;
	unsigned int pos = 0;

	/* §8.2.2.3: a UAS ignores Require in CANCEL and ACK */
	if (sl_sip_str_ieq(m->method, "ACK") || sl_sip_str_ieq(m->method, "CANCEL"))
		return SL_SIP_OK;
	while ((h = sl_sip_header_next(m, id, &pos)) != NULL) {
		size_t tp = 0;
		struct sl_sip_str t;

		while (sl_sip_token_next(h->value, &tp, &t)) {
			if (option_known(pol, t))
				continue;
			if (unsupported != NULL)
				*unsupported = h->value;
			return reply(r, 420, "Bad Extension");
		}
	}
	return SL_SIP_OK;
}

/* Does the media range type/sub (maybe with "*") cover want ("a/b")? */
static bool range_covers(struct sl_sip_str type, struct sl_sip_str sub,
    const char *want)
{
	const char *slash = strchr(want, '/');
	char t[64];
	size_t tn = (size_t)(slash - want);

	if (slash == NULL || tn >= sizeof(t))
		return false;
	memcpy(t, want, tn);
	t[tn] = '\0';
	if (sl_sip_str_ieq(type, "*") && sl_sip_str_ieq(sub, "*"))
		return true;
	if (!sl_sip_str_ieq(type, t))
		return false;
	return sl_sip_str_ieq(sub, "*") || sl_sip_str_ieq(sub, slash + 1);
}

/* §8.2.3: a body of a type we do not handle gets 415 */
static enum sl_sip_verdict content(const struct sl_sip_msg *m,
    const struct sl_sip_policy *pol, struct sl_sip_result *r)
{
	if (m->body.n == 0)
		return SL_SIP_OK;
	if (m->ctype.n == 0)
		return reply(r, 400, "Body without Content-Type");
	for (size_t i = 0; i < pol->ntypes; i++)
		if (range_covers(m->ctype, m->csubtype, pol->types[i]))
			return SL_SIP_OK;
	return reply(r, 415, "Unsupported Media Type");
}

/* Does one Accept value (a media-range list) accept want? */
static bool accept_value(struct sl_sip_str v, const char *want)
{
	const char *p = v.p, *end = v.p + v.n;

	while (p < end) {
		const char *e = memchr(p, ',', (size_t)(end - p));
		const char *semi, *slash;
		struct sl_sip_str range;

		if (e == NULL)
			e = end;
		semi = memchr(p, ';', (size_t)(e - p));
		range = lx_trim(p, semi != NULL ? semi : e);
		slash = memchr(range.p, '/', range.n);
		if (slash != NULL && range_covers(lx_trim(range.p, slash),
		    lx_trim(slash + 1, range.p + range.n), want))
			return true;
		p = e + 1;
	}
	return false;
}

/* §20.1 / RFC 4475 §3.3.15: an INVITE whose Accept excludes
 * application/sdp cannot get an SDP answer: 406. No Accept means SDP. */
static enum sl_sip_verdict acceptable(const struct sl_sip_msg *m,
    struct sl_sip_result *r)
{
	const struct sl_sip_header *h;
	unsigned int pos = 0;

	if (!sl_sip_str_ieq(m->method, "INVITE") ||
	    m->count[SL_SIP_H_ACCEPT] == 0)
		return SL_SIP_OK;
	while ((h = sl_sip_header_next(m, SL_SIP_H_ACCEPT, &pos)) != NULL)
		if (accept_value(h->value, "application/sdp"))
			return SL_SIP_OK;
	return reply(r, 406, "Not Acceptable");
}

enum sl_sip_verdict sl_sip_validate(const struct sl_sip_msg *m,
    const struct sl_sip_policy *pol, struct sl_sip_result *r,
    struct sl_sip_str *unsupported)
{
	enum sl_sip_verdict v;

	r->verdict = SL_SIP_OK;
	r->code = 0;
	r->reason = "OK";
	if (!m->is_request)
		return SL_SIP_OK;
	v = mandatory(m, r);
	if (v != SL_SIP_OK)
		return v;
	/* §8.2.2.1 / §16.3 step 2 (RFC 4475 §3.3.2-3.3.3) */
	if (m->ruri.scheme == SL_SIP_SCHEME_OTHER)
		return reply(r, 416, "Unsupported URI Scheme");
	if (pol->role == SL_SIP_ROLE_PROXY) {
		/* §16.3 step 3 (RFC 4475 §3.3.11) */
		if (m->max_forwards == 0)
			return reply(r, 483, "Too Many Hops");
		return require(m, pol, r, unsupported);
	}
	v = require(m, pol, r, unsupported);
	if (v == SL_SIP_OK)
		v = content(m, pol, r);
	if (v == SL_SIP_OK)
		v = acceptable(m, r);
	return v;
}
