/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lexical helpers of the SIP parser (RFC 3261 §25.1) and the small public
 * string helpers.
 */
#include <string.h>

#include "sip_lex.h"

bool lx_token_char(int c)
{
	return lx_alnum(c) || (c != 0 && strchr("-.!%*_+`'~", c) != NULL);
}

bool lx_unreserved(int c)
{
	return lx_alnum(c) || (c != 0 && strchr("-_.!~*'()", c) != NULL);
}

const char *lx_token(const char *p, const char *end)
{
	while (p < end && lx_token_char((unsigned char)*p))
		p++;
	return p;
}

const char *lx_quoted(const char *p, const char *end)
{
	p++;			/* the opening quote */
	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c == '\\') {
			/* quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F) */
			if (p + 1 >= end || p[1] == '\r' || p[1] == '\n' ||
			    (unsigned char)p[1] > 0x7f)
				return NULL;
			p += 2;
			continue;
		}
		if (c == '\r' || c == '\n')
			return NULL;
		p++;
	}
	return NULL;
}

const char *lx_uint(const char *p, const char *end, uint64_t max, uint64_t *v)
{
	const char *s = p;
	uint64_t x = 0;

	while (p < end && lx_digit(*p)) {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > max)
			return NULL;	/* also stops any overflow */
		p++;
	}
	if (p == s)
		return NULL;
	*v = x;
	return p;
}

struct sl_sip_str lx_trim(const char *a, const char *b)
{
	while (a < b && lx_ws(*a))
		a++;
	while (b > a && lx_ws(b[-1]))
		b--;
	return lx_str(a, b);
}

/* gen-value = token / host / quoted-string */
static const char *param_value(const char *p, const char *end)
{
	if (p < end && *p == '"')
		return lx_quoted(p, end);
	if (p < end && *p == '[') {
		const char *q = memchr(p, ']', (size_t)(end - p));

		return q != NULL ? q + 1 : NULL;
	}
	return lx_token(p, end);
}

const char *lx_params(const char *p, const char *end,
    bool (*cb)(void *, const struct lx_param *), void *arg)
{
	for (;;) {
		struct lx_param prm = { { NULL, 0 }, { NULL, 0 }, false };
		const char *q;

		p = lx_skip_ws(p, end);
		if (p == end || *p != ';')
			return p;
		p = lx_skip_ws(p + 1, end);
		q = lx_token(p, end);
		if (q == p)
			return NULL;	/* ";;" or ";=" */
		prm.name = lx_str(p, q);
		p = lx_skip_ws(q, end);
		if (p < end && *p == '=') {
			p = lx_skip_ws(p + 1, end);
			q = param_value(p, end);
			if (q == NULL || q == p)
				return NULL;
			prm.value = lx_str(p, q);
			prm.has_value = true;
			p = q;
		}
		if (cb != NULL && !cb(arg, &prm))
			return NULL;
	}
}

bool sl_sip_str_ieq(struct sl_sip_str s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int a = (unsigned char)s.p[i], b = (unsigned char)lit[i];

		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return false;
	}
	return true;
}

bool sl_sip_str_eq(struct sl_sip_str a, struct sl_sip_str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool sl_sip_str_eqz(struct sl_sip_str s, const char *z)
{
	/* an absent slice (a From without a tag) is NULL: memcmp must not see it */
	return s.n == strlen(z) && (s.n == 0 || memcmp(s.p, z, s.n) == 0);
}

bool sl_sip_token_next(struct sl_sip_str list, size_t *pos,
    struct sl_sip_str *tok)
{
	const char *end = list.p + list.n;
	const char *p = list.p + *pos;

	for (;;) {
		const char *q;

		p = lx_skip_ws(p, end);
		if (p >= end)
			return false;
		if (*p == ',') {
			p++;
			continue;
		}
		q = p;
		while (q < end && *q != ',' && !lx_ws(*q))
			q++;
		*tok = lx_str(p, q);
		*pos = (size_t)(q - list.p);
		return true;
	}
}

const struct sl_sip_header *sl_sip_header_next(const struct sl_sip_msg *msg,
    enum sl_sip_hdr id, unsigned int *pos)
{
	for (unsigned int i = *pos; i < msg->nhdr; i++) {
		if (msg->hdr[i].id == id) {
			*pos = i + 1;
			return &msg->hdr[i];
		}
	}
	*pos = msg->nhdr;
	return NULL;
}
