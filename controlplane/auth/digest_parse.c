/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Authorization / Proxy-Authorization credentials (RFC 3261 §25.1,
 * RFC 7616 §3.4):
 *
 *   credentials     = "Digest" LWS dig-resp *(COMMA dig-resp)
 *   dig-resp        = token EQUAL ( token / quoted-string )
 *   quoted-string   = DQUOTE *(qdtext / quoted-pair) DQUOTE
 *   quoted-pair     = "\" (%x00-09 / %x0B-0C / %x0E-7F)
 *
 * Whitespace is SP / HTAB, and CRLF only when folded (followed by SP or
 * HTAB). Parameter names are case-insensitive. The parser is bounded: every
 * value has a length limit, the header value has SL_DIGEST_MAX_VALUE and at
 * most SL_DIGEST_MAX_PARAMS parameters. Messages name the parameter and the
 * byte offset, never a value.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "digest_int.h"

struct cursor {
	const char *s;
	size_t pos, len;
	char *err;
	size_t errlen;
};

enum param_id {
	P_USERNAME, P_REALM, P_NONCE, P_URI, P_RESPONSE, P_CNONCE, P_OPAQUE,
	P_ALGORITHM, P_QOP, P_NC, P_USERHASH, P_USERNAME_EXT, P_COUNT
};

static const struct {
	const char *name;
	size_t max;
} params[P_COUNT] = {
	[P_USERNAME] = { "username", SL_DIGEST_MAX_USER },
	[P_REALM] = { "realm", SL_DIGEST_MAX_REALM },
	[P_NONCE] = { "nonce", SL_DIGEST_MAX_NONCE },
	[P_URI] = { "uri", SL_DIGEST_MAX_URI },
	[P_RESPONSE] = { "response", SL_DIGEST_MAX_HEX },
	[P_CNONCE] = { "cnonce", SL_DIGEST_MAX_CNONCE },
	[P_OPAQUE] = { "opaque", SL_DIGEST_MAX_OPAQUE },
	[P_ALGORITHM] = { "algorithm", SL_DIGEST_MAX_ALGNAME },
	[P_QOP] = { "qop", 16 },
	[P_NC] = { "nc", 8 },
	[P_USERHASH] = { "userhash", 8 },
	[P_USERNAME_EXT] = { "username*", SL_DIGEST_MAX_VALUE },
};

/* RFC 3261 §25.1 token characters. */
static int is_token(unsigned char ch)
{
	return isalnum(ch) || (ch && strchr("-.!%*_+`'~", ch));
}

static int at_ws(const struct cursor *c)
{
	const char *s = c->s + c->pos;
	size_t left = c->len - c->pos;

	if (left >= 1 && (s[0] == ' ' || s[0] == '\t'))
		return 1;
	if (left >= 3 && s[0] == '\r' && s[1] == '\n' &&
	    (s[2] == ' ' || s[2] == '\t'))
		return 3;
	return 0;
}

static void skip_ws(struct cursor *c)
{
	int n;

	while ((n = at_ws(c)) > 0)
		c->pos += (size_t)n;
}

static int parse_token(struct cursor *c, char *out, size_t max,
		       const char *what)
{
	size_t n = 0;

	while (c->pos < c->len && is_token((unsigned char)c->s[c->pos])) {
		if (n == max)
			return sl_digest_fail(c->err, c->errlen,
				"%s is longer than %zu bytes at offset %zu; shorten it",
				what, max, c->pos);
		out[n++] = c->s[c->pos++];
	}
	out[n] = '\0';
	if (!n)
		return sl_digest_fail(c->err, c->errlen,
			"expected %s at offset %zu", what, c->pos);
	return 0;
}

static int parse_quoted(struct cursor *c, char *out, size_t max,
			const char *what)
{
	size_t n = 0, start = c->pos;
	unsigned char ch;

	c->pos++;	/* opening DQUOTE */
	for (;;) {
		if (c->pos >= c->len)
			return sl_digest_fail(c->err, c->errlen,
				"%s: quoted string opened at offset %zu is not closed",
				what, start);
		ch = (unsigned char)c->s[c->pos];
		if (ch == '"')
			break;
		if (ch == '\\') {
			if (++c->pos >= c->len)
				return sl_digest_fail(c->err, c->errlen,
					"%s: backslash at the end of the value", what);
			ch = (unsigned char)c->s[c->pos];
			if (ch == '\r' || ch == '\n' || ch == 0 || ch > 0x7f)
				return sl_digest_fail(c->err, c->errlen,
					"%s: invalid escaped character at offset %zu",
					what, c->pos);
		} else if (ch == '\r' || ch == '\n') {
			int w = at_ws(c);

			if (!w)
				return sl_digest_fail(c->err, c->errlen,
					"%s: line break inside a quoted string at offset %zu",
					what, c->pos);
			c->pos += (size_t)w - 1;
			ch = ' ';
		} else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			return sl_digest_fail(c->err, c->errlen,
				"%s: control character 0x%02x at offset %zu",
				what, ch, c->pos);
		}
		if (n == max)
			return sl_digest_fail(c->err, c->errlen,
				"%s is longer than %zu bytes; shorten it",
				what, max);
		out[n++] = (char)ch;
		c->pos++;
	}
	c->pos++;	/* closing DQUOTE */
	out[n] = '\0';
	return 0;
}

static int parse_value(struct cursor *c, char *out, size_t max,
		       const char *what)
{
	if (c->pos < c->len && c->s[c->pos] == '"')
		return parse_quoted(c, out, max, what);
	return parse_token(c, out, max, what);
}

static int find_param(const char *name)
{
	int i;

	for (i = 0; i < P_COUNT; i++)
		if (strcasecmp(name, params[i].name) == 0)
			return i;
	return -1;
}

static char *dest_of(struct sl_digest_creds *cr, int id, char *scratch)
{
	switch (id) {
	case P_USERNAME: return cr->username;
	case P_REALM: return cr->realm;
	case P_NONCE: return cr->nonce;
	case P_URI: return cr->uri;
	case P_RESPONSE: return cr->response;
	case P_CNONCE: return cr->cnonce;
	case P_OPAQUE: return cr->opaque;
	case P_ALGORITHM: return cr->algname;
	default: return scratch;
	}
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[n] == '\0';
}

static int check_scheme(struct cursor *c)
{
	char scheme[16];

	skip_ws(c);
	if (c->pos >= c->len)
		return sl_digest_fail(c->err, c->errlen,
			"empty credentials; expected 'Digest username=..., ...'");
	if (parse_token(c, scheme, sizeof(scheme) - 1, "the scheme 'Digest'") < 0 ||
	    strcasecmp(scheme, "Digest") != 0)
		return sl_digest_fail(c->err, c->errlen,
			"the credentials are not of scheme Digest; only Digest (RFC 7616) is accepted");
	if (!at_ws(c))
		return sl_digest_fail(c->err, c->errlen,
			"expected whitespace after 'Digest' at offset %zu", c->pos);
	skip_ws(c);
	return 0;
}

/* Checks done on a single value right after it was read. */
static int check_value(struct cursor *c, struct sl_digest_creds *cr, int id,
		       const char *v)
{
	switch (id) {
	case P_USERNAME_EXT:
		return sl_digest_fail(c->err, c->errlen,
			"username* (RFC 7616 §3.4.4 extended notation) is not supported; send a plain username");
	case P_USERHASH:
		if (strcasecmp(v, "false") == 0)
			return 0;
		return sl_digest_fail(c->err, c->errlen,
			"userhash (RFC 7616 §3.4.4) is not supported; send userhash=false or omit it");
	case P_QOP:
		if (strcasecmp(v, "auth") == 0)
			return 0;
		return sl_digest_fail(c->err, c->errlen,
			"qop must be 'auth' (auth-int and others are not supported)");
	case P_NC:
		if (strlen(v) != 8 || !is_hex(v, 8))
			return sl_digest_fail(c->err, c->errlen,
				"nc must be exactly 8 hex digits (RFC 7616 §3.4)");
		cr->nc = (uint32_t)strtoul(v, NULL, 16);
		return 0;
	case P_RESPONSE:
		if ((strlen(v) != 32 && strlen(v) != 64) || !is_hex(v, strlen(v)))
			return sl_digest_fail(c->err, c->errlen,
				"response must be 32 (MD5) or 64 (SHA-256) hex digits");
		return 0;
	default:
		if (id != P_ALGORITHM && id != P_OPAQUE && !*v)
			return sl_digest_fail(c->err, c->errlen,
				"%s is empty", params[id].name);
		return 0;
	}
}

static int parse_param(struct cursor *c, struct sl_digest_creds *cr,
		       unsigned *seen, char *scratch)
{
	char name[32];
	size_t at = c->pos;
	int id, rc;
	char *dest;

	if (parse_token(c, name, sizeof(name) - 1, "a parameter name") < 0)
		return -EINVAL;
	skip_ws(c);
	if (c->pos >= c->len || c->s[c->pos] != '=')
		return sl_digest_fail(c->err, c->errlen,
			"expected '=' after parameter '%.31s' at offset %zu",
			name, c->pos);
	c->pos++;
	skip_ws(c);
	id = find_param(name);
	dest = id < 0 ? scratch : dest_of(cr, id, scratch);
	rc = parse_value(c, dest, id < 0 ? SL_DIGEST_MAX_VALUE : params[id].max,
			 id < 0 ? "unknown parameter" : params[id].name);
	if (rc < 0 || id < 0)
		return rc;	/* unknown parameters are ignored */
	if (*seen & (1u << id))
		return sl_digest_fail(c->err, c->errlen,
			"parameter '%s' appears twice (second at offset %zu); send it once",
			params[id].name, at);
	*seen |= 1u << id;
	return check_value(c, cr, id, dest);
}

static int check_complete(struct cursor *c, struct sl_digest_creds *cr,
			  unsigned seen)
{
	static const int required[] = { P_USERNAME, P_REALM, P_NONCE, P_URI,
					P_RESPONSE };
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!(seen & (1u << required[i])))
			return sl_digest_fail(c->err, c->errlen,
				"the %s parameter is missing", params[required[i]].name);
	/* RFC 2069 style (no qop) is refused: RFC 7616 §3.4 requires qop. */
	if (!(seen & (1u << P_QOP)))
		return sl_digest_fail(c->err, c->errlen,
			"qop is missing: digest without qop (RFC 2069) is not accepted; the client must answer qop=\"auth\"");
	if (!(seen & (1u << P_CNONCE)) || !(seen & (1u << P_NC)))
		return sl_digest_fail(c->err, c->errlen,
			"qop=auth requires both cnonce and nc (RFC 7616 §3.4)");
	if (!(seen & (1u << P_ALGORITHM)))
		strcpy(cr->algname, "MD5");	/* RFC 7616 §3.3 default */
	if (strcasecmp(cr->algname, "MD5") == 0)
		cr->alg = SL_DIGEST_MD5;
	else if (strcasecmp(cr->algname, "SHA-256") == 0)
		cr->alg = SL_DIGEST_SHA256;
	else
		cr->alg = SL_DIGEST_ALG_UNSUPPORTED;
	cr->has_opaque = (seen & (1u << P_OPAQUE)) != 0;
	for (i = 0; cr->response[i]; i++)
		cr->response[i] = (char)tolower((unsigned char)cr->response[i]);
	return 0;
}

int sl_digest_parse_creds(const char *value, size_t len,
			  struct sl_digest_creds *cr, char *err, size_t errlen)
{
	char scratch[SL_DIGEST_MAX_VALUE + 1];
	struct cursor c = { value, 0, len, err, errlen };
	unsigned seen = 0, n = 0;

	memset(cr, 0, sizeof(*cr));
	if (!value)
		return sl_digest_fail(err, errlen, "no credentials given");
	if (len > SL_DIGEST_MAX_VALUE)
		return sl_digest_fail(err, errlen,
			"credentials are %zu bytes, more than the limit of %d",
			len, SL_DIGEST_MAX_VALUE);
	if (memchr(value, '\0', len))
		return sl_digest_fail(err, errlen,
			"credentials contain a NUL byte");
	if (check_scheme(&c) < 0)
		goto err;
	for (;;) {
		if (++n > SL_DIGEST_MAX_PARAMS) {
			sl_digest_fail(err, errlen,
				"more than %d parameters", SL_DIGEST_MAX_PARAMS);
			goto err;
		}
		if (parse_param(&c, cr, &seen, scratch) < 0)
			goto err;
		skip_ws(&c);
		if (c.pos == c.len)
			break;
		if (c.s[c.pos] != ',') {
			sl_digest_fail(err, errlen,
				"expected ',' between parameters at offset %zu", c.pos);
			goto err;
		}
		c.pos++;
		skip_ws(&c);
	}
	if (check_complete(&c, cr, seen) < 0)
		goto err;
	return 0;
err:
	memset(cr, 0, sizeof(*cr));
	return -EINVAL;
}
