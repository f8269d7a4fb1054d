/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * URI parsing: SIP and SIPS (RFC 3261 §19.1, §25.1), tel (RFC 3966; the
 * number and parameters only) and any other scheme kept opaque
 * (absoluteURI, RFC 4475 §3.3.2-3.3.4). %-escapes are checked, not decoded
 * (sl_sip_unescape() decodes on demand, RFC 3261 §19.1.4).
 */
#include <string.h>

#include "sip_lex.h"

/* Characters allowed besides unreserved and escaped, per URI component. */
static const char USER_EXTRA[] = "&=+$,;?/";
static const char PASS_EXTRA[] = "&=+$,";
static const char PARAM_EXTRA[] = "[]/:&+$;=";
static const char HDRS_EXTRA[] = "[]/?:+$&=";

/* Every byte is unreserved, an extra or a valid %HH escape. */
static bool chars_ok(const char *p, const char *end, const char *extra)
{
	while (p < end) {
		int c = (unsigned char)*p;

		if (c == '%') {
			if (end - p < 3 || !lx_hex(p[1]) || !lx_hex(p[2]))
				return false;
			p += 3;
			continue;
		}
		if (!lx_unreserved(c) && (c == 0 || strchr(extra, c) == NULL))
			return false;
		p++;
	}
	return true;
}

bool sip_host_ok(struct sl_sip_str h)
{
	const char *p = h.p, *end = h.p + h.n;

	if (h.n == 0)
		return false;
	if (*p == '[') {
		/* IPv6reference = "[" IPv6address "]": hex, ':' and '.' */
		if (h.n < 4 || end[-1] != ']')
			return false;
		for (p++; p < end - 1; p++)
			if (!lx_hex(*p) && *p != ':' && *p != '.')
				return false;
		return true;
	}
	/* hostname / IPv4address; '_' is common in the wild, tolerated */
	for (; p < end; p++)
		if (!lx_alnum(*p) && *p != '-' && *p != '.' && *p != '_')
			return false;
	return true;
}

static int parse_port(const char *p, const char *end, int *port)
{
	uint64_t v;

	if (end - p > 5 || lx_uint(p, end, 65535, &v) != end)
		return -1;
	*port = (int)v;
	return 0;
}

static int parse_userinfo(const char *p, const char *end, struct sl_sip_uri *u)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));

	if (colon == NULL)
		colon = end;
	if (colon == p || !chars_ok(p, colon, USER_EXTRA))
		return -1;
	u->user = lx_str(p, colon);
	if (colon < end) {
		if (!chars_ok(colon + 1, end, PASS_EXTRA))
			return -1;
		u->password = lx_str(colon + 1, end);
		u->has_password = true;
	}
	return 0;
}

/* hostport [ ";" uri-parameters ] [ "?" headers ] */
static int parse_hostpart(const char *p, const char *end, struct sl_sip_uri *u)
{
	const char *h = p, *hend, *q;

	if (p < end && *p == '[') {
		q = memchr(p, ']', (size_t)(end - p));
		if (q == NULL)
			return -1;
		hend = q + 1;
	} else {
		hend = p;
		while (hend < end && *hend != ':' && *hend != ';' && *hend != '?')
			hend++;
	}
	u->host = lx_str(h, hend);
	if (!sip_host_ok(u->host))
		return -1;
	p = hend;
	if (p < end && *p == ':') {
		q = ++p;
		while (q < end && *q != ';' && *q != '?')
			q++;
		if (parse_port(p, q, &u->port) < 0)
			return -1;
		p = q;
	}
	q = memchr(p, '?', (size_t)(end - p));
	if (q == NULL)
		q = end;
	if (p < q) {
		/* p is at ';' here: anything else after the host is an error */
		if (*p != ';' || !chars_ok(p + 1, q, PARAM_EXTRA))
			return -1;
		u->params = lx_str(p + 1, q);
	}
	if (q < end) {
		if (q + 1 == end || !chars_ok(q + 1, end, HDRS_EXTRA))
			return -1;
		u->headers = lx_str(q + 1, end);
	}
	return 0;
}

static int parse_sip(const char *p, const char *end, struct sl_sip_uri *u)
{
	/* userinfo cannot hold '@' unescaped, so the first '@' ends it */
	const char *at = memchr(p, '@', (size_t)(end - p));

	if (at != NULL) {
		if (parse_userinfo(p, at, u) < 0)
			return -1;
		p = at + 1;
	}
	return parse_hostpart(p, end, u);
}

static int parse_tel(const char *p, const char *end, struct sl_sip_uri *u)
{
	const char *semi = memchr(p, ';', (size_t)(end - p));

	if (semi == NULL)
		semi = end;
	if (semi == p)
		return -1;
	u->user = lx_str(p, semi);
	if (semi < end)
		u->params = lx_str(semi + 1, end);
	return 0;
}

int sl_sip_parse_uri(const char *p, size_t n, struct sl_sip_uri *u)
{
	const char *end = p + n, *q = p;

	memset(u, 0, sizeof(*u));
	u->port = -1;
	u->raw = lx_str(p, end);
	/* a URI never holds whitespace, controls, quotes or angle brackets */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"')
			return -1;
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (q == end || !lx_alpha(*q))
		return -1;
	while (q < end && (lx_alnum(*q) || *q == '+' || *q == '-' || *q == '.'))
		q++;
	if (q == end || *q != ':')
		return -1;
	u->scheme_name = lx_str(p, q);
	u->opaque = lx_str(q + 1, end);
	if (u->opaque.n == 0)
		return -1;
	if (sl_sip_str_ieq(u->scheme_name, "sip"))
		u->scheme = SL_SIP_SCHEME_SIP;
	else if (sl_sip_str_ieq(u->scheme_name, "sips"))
		u->scheme = SL_SIP_SCHEME_SIPS;
	else if (sl_sip_str_ieq(u->scheme_name, "tel"))
		u->scheme = SL_SIP_SCHEME_TEL;
	else {
		u->scheme = SL_SIP_SCHEME_OTHER;
		return 0;
	}
	if (u->scheme == SL_SIP_SCHEME_TEL)
		return parse_tel(q + 1, end, u);
	return parse_sip(q + 1, end, u);
}

static int hexval(char c)
{
	if (lx_digit(c))
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

long sl_sip_unescape(struct sl_sip_str s, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (c == '%') {
			if (s.n - i < 3 || !lx_hex(s.p[i + 1]) || !lx_hex(s.p[i + 2]))
				return -1;
			c = (char)(hexval(s.p[i + 1]) << 4 | hexval(s.p[i + 2]));
			i += 2;
		}
		if (o >= cap)
			return -1;
		out[o++] = c;
	}
	return (long)o;
}
