/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address-like header values: name-addr / addr-spec with parameters (From,
 * To, Contact, Route, Record-Route; RFC 3261 §20.10, §25.1) and via-parm
 * (Via, RFC 3261 §20.42). Each parses one value and returns where it
 * stopped, so comma-separated lists are walked iteratively.
 */
#include <string.h>

#include "sip_lex.h"

/* RFC 3261 §20.19: a malformed or out-of-range expiry counts as 3600. */
static int64_t delta_seconds(struct sl_sip_str v)
{
	uint64_t x;

	if (lx_uint(v.p, v.p + v.n, UINT32_MAX, &x) != v.p + v.n)
		return 3600;
	return (int64_t)x;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), RFC 3261 §25.1 */
static int qvalue(struct sl_sip_str v)
{
	int q, scale = 100;

	if (v.n == 0 || (v.p[0] != '0' && v.p[0] != '1') || v.n > 5)
		return -1;
	q = (v.p[0] - '0') * 1000;
	if (v.n == 1)
		return q;
	if (v.p[1] != '.')
		return -1;
	for (size_t i = 2; i < v.n; i++, scale /= 10) {
		if (!lx_digit(v.p[i]))
			return -1;
		q += (v.p[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

static bool addr_param(void *arg, const struct lx_param *prm)
{
	struct sl_sip_addr *a = arg;

	if (sl_sip_str_ieq(prm->name, "tag")) {
		if (!prm->has_value || a->has_tag)
			return false;
		a->tag = prm->value;
		a->has_tag = true;
	} else if (sl_sip_str_ieq(prm->name, "expires") && prm->has_value) {
		a->expires = delta_seconds(prm->value);
	} else if (sl_sip_str_ieq(prm->name, "q") && prm->has_value) {
		a->q = qvalue(prm->value);
		if (a->q < 0)
			return false;
	}
	return true;
}

/* display-name = *(token LWS) / quoted-string, then "<" */
static const char *display_name(const char *p, const char *end,
    struct sl_sip_addr *a)
{
	const char *q;

	if (p < end && *p == '"') {
		q = lx_quoted(p, end);
		if (q == NULL)
			return NULL;	/* RFC 4475 §3.1.2.6 quotbal */
		a->display = lx_str(p, q);
		p = lx_skip_ws(q, end);
		return p < end && *p == '<' ? p : NULL;
	}
	q = p;
	while (q < end && (lx_token_char((unsigned char)*q) || lx_ws(*q)))
		q++;
	if (q < end && *q == '<') {
		a->display = lx_trim(p, q);
		return q;
	}
	return p;	/* no display name: an addr-spec or a bare <uri> */
}

const char *sip_parse_addr(const char *p, const char *end, bool need_angle,
    struct sl_sip_addr *a)
{
	const char *q, *start;

	memset(a, 0, sizeof(*a));
	a->expires = -1;
	a->q = -1;
	p = display_name(lx_skip_ws(p, end), end, a);
	if (p == NULL)
		return NULL;
	if (p < end && *p == '<') {
		/* LAQUOT/RAQUOT: no whitespace inside the brackets (§3.1.2.14) */
		q = memchr(p + 1, '>', (size_t)(end - p - 1));
		if (q == NULL || sl_sip_parse_uri(p + 1, (size_t)(q - p - 1),
		    &a->uri) < 0)
			return NULL;
		a->angle = true;
		p = q + 1;
	} else {
		if (need_angle || a->display.n != 0)
			return NULL;
		q = p;
		while (q < end && *q != ';' && *q != ',' && !lx_ws(*q))
			q++;
		/* §20.10: a URI with a '?' (headers) must be inside <> */
		if (memchr(p, '?', (size_t)(q - p)) != NULL ||
		    sl_sip_parse_uri(p, (size_t)(q - p), &a->uri) < 0)
			return NULL;
		p = q;
	}
	start = p;
	p = lx_params(p, end, addr_param, a);
	if (p == NULL)
		return NULL;
	a->params = lx_trim(start, p);
	return p;
}

static bool via_param(void *arg, const struct lx_param *prm)
{
	struct sl_sip_via *v = arg;
	uint64_t x;

	if (sl_sip_str_ieq(prm->name, "branch")) {
		if (!prm->has_value)
			return false;
		v->branch = prm->value;
		v->has_branch = true;
		v->rfc3261_branch = prm->value.n > 7 &&
		    memcmp(prm->value.p, "z9hG4bK", 7) == 0;
	} else if (sl_sip_str_ieq(prm->name, "received")) {
		if (!prm->has_value || !sip_host_ok(prm->value))
			return false;
		v->received = prm->value;
	} else if (sl_sip_str_ieq(prm->name, "maddr")) {
		if (!prm->has_value || !sip_host_ok(prm->value))
			return false;
		v->maddr = prm->value;
	} else if (sl_sip_str_ieq(prm->name, "rport")) {
		/* RFC 3581 §3: rport without a value in requests */
		v->rport = 0;
		if (prm->has_value) {
			if (lx_uint(prm->value.p, prm->value.p + prm->value.n,
			    65535, &x) != prm->value.p + prm->value.n)
				return false;
			v->rport = (int)x;
		}
	} else if (sl_sip_str_ieq(prm->name, "ttl")) {
		if (!prm->has_value || lx_uint(prm->value.p, prm->value.p +
		    prm->value.n, 255, &x) != prm->value.p + prm->value.n)
			return false;
		v->ttl = (int)x;
	}
	return true;
}

/* SWS "/" SWS, RFC 3261 §25.1 SLASH */
static const char *slash(const char *p, const char *end)
{
	p = lx_skip_ws(p, end);
	if (p == end || *p != '/')
		return NULL;
	return lx_skip_ws(p + 1, end);
}

/* protocol-name SLASH protocol-version SLASH transport */
static const char *sent_protocol(const char *p, const char *end,
    struct sl_sip_via *v)
{
	struct sl_sip_str *part[3] = { &v->proto, &v->version, &v->transport };

	for (int i = 0; i < 3; i++) {
		const char *q;

		if (i > 0 && (p = slash(p, end)) == NULL)
			return NULL;
		q = lx_token(p, end);
		if (q == p)
			return NULL;
		*part[i] = lx_str(p, q);
		p = q;
	}
	return p;
}

/* sent-by = host [ COLON port ] */
static const char *sent_by(const char *p, const char *end,
    struct sl_sip_via *v)
{
	const char *q = p;
	uint64_t x;

	if (q < end && *q == '[') {
		q = memchr(q, ']', (size_t)(end - q));
		if (q == NULL)
			return NULL;
		q++;
	} else {
		while (q < end && (lx_alnum(*q) || *q == '-' || *q == '.' ||
		    *q == '_'))
			q++;
	}
	v->host = lx_str(p, q);
	if (!sip_host_ok(v->host))
		return NULL;
	p = lx_skip_ws(q, end);
	if (p < end && *p == ':') {
		p = lx_skip_ws(p + 1, end);
		q = lx_uint(p, end, 65535, &x);
		if (q == NULL)
			return NULL;
		v->port = (int)x;
		p = q;
	}
	return p;
}

const char *sip_parse_via(const char *p, const char *end, struct sl_sip_via *v)
{
	const char *start;

	memset(v, 0, sizeof(*v));
	v->port = -1;
	v->rport = -1;
	v->ttl = -1;
	p = sent_protocol(lx_skip_ws(p, end), end, v);
	if (p == NULL || p == end || !lx_ws(*p))
		return NULL;
	p = sent_by(lx_skip_ws(p, end), end, v);
	if (p == NULL)
		return NULL;
	start = p;
	p = lx_params(p, end, via_param, v);
	if (p == NULL)
		return NULL;
	v->params = lx_trim(start, p);
	return p;
}
