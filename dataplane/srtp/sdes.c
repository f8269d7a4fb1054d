/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES "a=crypto" attribute (RFC 4568): parse, format, and map to an SRTP
 * policy. Grammar of RFC 4568 §9.1:
 *
 *   crypto-attribute = tag 1*WSP crypto-suite 1*WSP key-params
 *                      *(1*WSP session-param)
 *   tag              = 1*9DIGIT
 *   key-params       = key-param *(";" key-param)
 *   key-param        = "inline:" key-salt ["|" lifetime] ["|" mki]
 *   lifetime         = ["2^"] 1*DIGIT
 *   mki              = mki-value ":" mki-length
 *
 * No global state; every rejection writes a message into err. Messages never
 * contain key material (only offsets into it).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "sdes.h"

#define MAX_LIFETIME_EXP 48 /* RFC 3711 §9.2: 2^48 SRTP packets */

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Copies a token for an error message: at most 40 chars, printable only. */
static const char *show(const char *s, size_t len, char *buf, size_t cap)
{
	size_t n = len < cap - 4 ? len : cap - 4;
	size_t i;

	for (i = 0; i < n && i < 40; i++)
		buf[i] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < len) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool has_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(s, p, n) == 0;
}

/* 1..maxdigits decimal digits, nothing else. Returns 0 or -1. */
static int parse_uint(const char *s, size_t len, size_t maxdigits, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > maxdigits)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Next 1*WSP separated token from s[*pos..len). Returns false at the end. */
static bool next_token(const char *s, size_t len, size_t *pos, const char **tok, size_t *tlen)
{
	size_t i = *pos, start;

	while (i < len && is_wsp(s[i]))
		i++;
	if (i == len)
		return false;
	start = i;
	while (i < len && !is_wsp(s[i]))
		i++;
	*tok = s + start;
	*tlen = i - start;
	*pos = i;
	return true;
}

static const char *suite_name(enum sl_srtp_suite suite)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(suite);

	return si ? si->name : "?";
}

/* RFC 4568 §6.1: the key-salt decodes to exactly master key || master salt. */
static int parse_key_salt(const char *s, size_t len, enum sl_srtp_suite suite,
			  struct sl_sdes_key *k, char *err, size_t errlen)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(suite);
	size_t bad = 0;
	const char *why = "";
	int n = sl_base64_check(s, len, &bad, &why);
	size_t need;

	if (!si)
		return fail(err, errlen, "key-params: unknown crypto-suite");
	need = (size_t)si->key_len + si->salt_len;
	if (n < 0)
		return fail(err, errlen, "key-params: invalid base64 at offset %zu of the key: %s",
			    bad, why);
	if ((size_t)n != need)
		return fail(err, errlen,
			    "key-params: base64 decodes to %d bytes, %s needs %zu (%u-byte key + %u-byte salt)",
			    n, si->name, need, si->key_len, si->salt_len);
	if (sl_base64_decode(s, len, k->key_salt, sizeof(k->key_salt)) != n)
		return fail(err, errlen, "key-params: base64 decoding failed");
	k->key_salt_len = (uint8_t)n;
	return 0;
}

/* RFC 4568 §6.1 lifetime: decimal or "2^n"; at most 2^48 for SRTP. */
static int parse_lifetime(const char *s, size_t len, struct sl_sdes_key *k,
			  char *err, size_t errlen)
{
	char b[48];
	uint64_t v;

	if (k->has_lifetime)
		return fail(err, errlen, "key-params: lifetime given twice");
	if (k->has_mki)
		return fail(err, errlen, "key-params: lifetime must come before the MKI");
	if (has_prefix(s, len, "2^")) {
		if (parse_uint(s + 2, len - 2, 2, &v) < 0)
			return fail(err, errlen, "key-params: lifetime '%s' is not 2^<decimal>",
				    show(s, len, b, sizeof(b)));
		if (v > MAX_LIFETIME_EXP)
			return fail(err, errlen,
				    "key-params: lifetime 2^%llu exceeds the SRTP maximum 2^48 (RFC 3711 §9.2)",
				    (unsigned long long)v);
		v = 1ull << v;
	} else {
		if (parse_uint(s, len, 20, &v) < 0)
			return fail(err, errlen, "key-params: lifetime '%s' is not a decimal number or 2^n",
				    show(s, len, b, sizeof(b)));
		if (v == 0)
			return fail(err, errlen, "key-params: lifetime 0 is invalid");
		if (len > 15 || v > SL_SRTP_MAX_LIFETIME_RTP)
			return fail(err, errlen,
				    "key-params: lifetime '%s' exceeds the SRTP maximum 2^48 (RFC 3711 §9.2)",
				    show(s, len, b, sizeof(b)));
	}
	k->has_lifetime = true;
	k->lifetime = v;
	return 0;
}

/* RFC 4568 §6.1 MKI: "value:length", length in bytes (1..4 supported). */
static int parse_mki(const char *s, size_t len, struct sl_sdes_key *k, char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', len);
	char b[48];
	uint64_t v, l;
	size_t vlen;

	if (k->has_mki)
		return fail(err, errlen, "key-params: MKI given twice");
	vlen = (size_t)(colon - s);
	if (parse_uint(colon + 1, len - vlen - 1, 3, &l) < 0)
		return fail(err, errlen, "key-params: MKI length in '%s' is not 1 to 3 digits",
			    show(s, len, b, sizeof(b)));
	if (l < 1 || l > SL_SRTP_MAX_MKI_LEN)
		return fail(err, errlen, "MKI length %llu unsupported (1..4)", (unsigned long long)l);
	if (parse_uint(s, vlen, 20, &v) < 0)
		return fail(err, errlen, "key-params: MKI value in '%s' is not a decimal number",
			    show(s, len, b, sizeof(b)));
	if (vlen > 10 || (l < 4 && v >= (1ull << (8 * l))) || v > UINT32_MAX)
		return fail(err, errlen, "MKI value '%s' does not fit in %llu byte(s)",
			    show(s, vlen, b, sizeof(b)), (unsigned long long)l);
	k->has_mki = true;
	k->mki = (uint32_t)v;
	k->mki_len = (uint8_t)l;
	return 0;
}

/* key-info = key-salt ["|" lifetime] ["|" mki] (RFC 4568 §9.2). */
static int parse_key_info(const char *s, size_t len, enum sl_srtp_suite suite,
			  struct sl_sdes_key *k, char *err, size_t errlen)
{
	const char *bar = memchr(s, '|', len);
	size_t klen = bar ? (size_t)(bar - s) : len;
	int rc;

	memset(k, 0, sizeof(*k));
	rc = parse_key_salt(s, klen, suite, k, err, errlen);
	while (rc == 0 && bar) {
		const char *f = bar + 1;
		size_t rest = len - (size_t)(f - s);
		size_t flen;

		bar = memchr(f, '|', rest);
		flen = bar ? (size_t)(bar - f) : rest;
		if (flen == 0)
			rc = fail(err, errlen, "key-params: empty field after '|'");
		else if (memchr(f, ':', flen))
			rc = parse_mki(f, flen, k, err, errlen);
		else
			rc = parse_lifetime(f, flen, k, err, errlen);
	}
	if (rc < 0)
		sl_wipe(k, sizeof(*k));
	return rc;
}

int sl_sdes_parse_key(const char *s, size_t len, enum sl_srtp_suite suite,
		      struct sl_sdes_key *out, char *err, size_t errlen)
{
	if (!s || !out || !sl_srtp_suite_info(suite))
		return fail(err, errlen, "invalid argument");
	if (has_prefix(s, len, "inline:")) {
		s += 7;
		len -= 7;
	}
	return parse_key_info(s, len, suite, out, err, errlen);
}

/* RFC 4568 §6.1: with several keys each needs an MKI of one common length. */
static int check_mkis(const struct sl_sdes_crypto *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->nkeys; i++) {
		const struct sl_sdes_key *k = &c->keys[i];

		if (c->nkeys > 1 && !k->has_mki)
			return fail(err, errlen, "key-params: key %u has no MKI; with %u keys every key needs one",
				    i + 1, c->nkeys);
		if (k->has_mki && k->mki_len != c->keys[0].mki_len)
			return fail(err, errlen, "key-params: key %u has MKI length %u, key 1 has %u (must be equal)",
				    i + 1, k->mki_len, c->keys[0].mki_len);
		for (unsigned j = 0; j < i; j++)
			if (c->keys[j].mki == k->mki)
				return fail(err, errlen, "key-params: keys %u and %u have the same MKI value %u",
					    j + 1, i + 1, k->mki);
	}
	return 0;
}

/* RFC 4568 §9.2 key-method: "inline" or an extension token (letters, '-', '_'). */
static bool is_method_name(const char *s, size_t len)
{
	if (len == 0 || len > 16)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static int parse_key_params(const char *s, size_t len, struct sl_sdes_crypto *c,
			    char *err, size_t errlen)
{
	char b[48];

	while (len > 0 || c->nkeys == 0) {
		const char *semi = memchr(s, ';', len);
		size_t plen = semi ? (size_t)(semi - s) : len;
		const char *colon = memchr(s, ':', plen);
		int rc;

		/* Never echo what may be key material: only a plausible method name. */
		if (!colon || !is_method_name(s, (size_t)(colon - s)))
			return fail(err, errlen, "key-params: missing key method (expected inline:<base64 key||salt>)");
		if ((size_t)(colon - s) != 6 || memcmp(s, "inline", 6) != 0)
			return fail(err, errlen, "key-params: key method '%s' not supported (only inline, RFC 4568 §6.1)",
				    show(s, (size_t)(colon - s), b, sizeof(b)));
		if (c->nkeys == SL_SRTP_MAX_KEYS)
			return fail(err, errlen, "key-params: more than %d keys", SL_SRTP_MAX_KEYS);
		rc = parse_key_info(colon + 1, plen - 7, c->suite, &c->keys[c->nkeys], err, errlen);
		if (rc < 0)
			return rc;
		c->nkeys++;
		if (!semi)
			break;
		s = semi + 1;
		len -= plen + 1;
		if (len == 0)
			return fail(err, errlen, "key-params: empty key-param after ';'");
	}
	return check_mkis(c, err, errlen);
}

/* Decimal session parameter value "NAME=<digits>" (RFC 4568 §6.3). */
static int param_value(const char *name, const char *v, size_t vlen, size_t maxdigits,
		       uint64_t *out, char *err, size_t errlen)
{
	char b[48];

	if (parse_uint(v, vlen, maxdigits, out) < 0)
		return fail(err, errlen, "%s='%s' is not a decimal number", name,
			    show(v, vlen, b, sizeof(b)));
	return 0;
}

static int set_flag(bool *flag, const char *name, char *err, size_t errlen)
{
	if (*flag)
		return fail(err, errlen, "session parameter %s given twice", name);
	*flag = true;
	return 0;
}

static int parse_kdr(const char *v, size_t vlen, struct sl_sdes_crypto *c, char *err, size_t errlen)
{
	uint64_t n = 0;
	int rc;

	if (c->has_kdr)
		return fail(err, errlen, "session parameter KDR given twice");
	rc = param_value("KDR", v, vlen, 2, &n, err, errlen);
	if (rc < 0)
		return rc;
	/* RFC 4568 §6.3.1: 2^n, n <= 24, no leading zeroes. */
	if (n > 24 || (vlen > 1 && v[0] == '0'))
		return fail(err, errlen, "KDR=%.*s out of range (0..24, no leading zeros; RFC 4568 §6.3.1)",
			    (int)vlen, v);
	c->has_kdr = true;
	c->kdr = (uint8_t)n;
	return 0;
}

static int parse_wsh(const char *v, size_t vlen, struct sl_sdes_crypto *c, char *err, size_t errlen)
{
	uint64_t n = 0;
	int rc;

	if (c->has_wsh)
		return fail(err, errlen, "session parameter WSH given twice");
	rc = param_value("WSH", v, vlen, 10, &n, err, errlen);
	if (rc < 0)
		return rc;
	/* RFC 4568 §6.3.6 / RFC 3711 §3.3.2: at least 64. */
	if (n < 64 || n > UINT32_MAX)
		return fail(err, errlen, "WSH=%llu out of range (64..%u; RFC 4568 §6.3.6)",
			    (unsigned long long)n, UINT32_MAX);
	c->has_wsh = true;
	c->wsh = (uint32_t)n;
	return 0;
}

/* RFC 4568 §6.3.4: FEC_ORDER is accepted and has no effect here (no FEC). */
static int parse_fec_order(const char *v, size_t vlen, char *err, size_t errlen)
{
	char b[48];

	if ((vlen == 8 && memcmp(v, "FEC_SRTP", 8) == 0) ||
	    (vlen == 8 && memcmp(v, "SRTP_FEC", 8) == 0))
		return 0;
	return fail(err, errlen, "FEC_ORDER='%s' invalid (FEC_SRTP or SRTP_FEC)",
		    show(v, vlen, b, sizeof(b)));
}

static bool is_word(const char *t, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(t, w, len) == 0;
}

/* One session parameter (RFC 4568 §6.3). */
static int parse_session_param(const char *t, size_t len, struct sl_sdes_crypto *c,
			       char *err, size_t errlen)
{
	const char *eq = memchr(t, '=', len);
	size_t nlen = eq ? (size_t)(eq - t) : len;
	const char *v = eq ? eq + 1 : NULL;
	size_t vlen = eq ? len - nlen - 1 : 0;
	char b[48];

	if (is_word(t, len, "UNENCRYPTED_SRTP"))
		return set_flag(&c->unencrypted_srtp, "UNENCRYPTED_SRTP", err, errlen);
	if (is_word(t, len, "UNENCRYPTED_SRTCP"))
		return set_flag(&c->unencrypted_srtcp, "UNENCRYPTED_SRTCP", err, errlen);
	if (is_word(t, len, "UNAUTHENTICATED_SRTP"))
		return set_flag(&c->unauthenticated_srtp, "UNAUTHENTICATED_SRTP", err, errlen);
	if (eq && is_word(t, nlen, "KDR"))
		return parse_kdr(v, vlen, c, err, errlen);
	if (eq && is_word(t, nlen, "WSH"))
		return parse_wsh(v, vlen, c, err, errlen);
	if (eq && is_word(t, nlen, "FEC_ORDER"))
		return parse_fec_order(v, vlen, err, errlen);
	if (eq && is_word(t, nlen, "FEC_KEY"))
		return fail(err, errlen,
			    "FEC_KEY is not supported (RFC 4568 §6.3.5: no FEC keying here); remove it from the offer");
	return fail(err, errlen, "unknown session parameter '%s'", show(t, nlen, b, sizeof(b)));
}

static int parse_tag_suite(const char *s, size_t len, size_t *pos, struct sl_sdes_crypto *c,
			   char *err, size_t errlen)
{
	const char *t;
	size_t tl;
	uint64_t v;
	int suite;
	char b[48];

	if (!next_token(s, len, pos, &t, &tl))
		return fail(err, errlen, "empty crypto attribute");
	if (parse_uint(t, tl, 9, &v) < 0 || v == 0)
		return fail(err, errlen, "tag '%s' is not 1 to 9 digits (RFC 4568 §9.1) or is 0",
			    show(t, tl, b, sizeof(b)));
	c->tag = (uint32_t)v;
	if (!next_token(s, len, pos, &t, &tl))
		return fail(err, errlen, "crypto-suite missing after tag %u", c->tag);
	suite = sl_srtp_suite_from_name(t, tl);
	if (suite < 0)
		return fail(err, errlen, "crypto-suite '%s' not supported", show(t, tl, b, sizeof(b)));
	c->suite = (enum sl_srtp_suite)suite;
	return 0;
}

/* Strips "a=crypto:" / "crypto:" and trailing CR, LF and blanks. */
static void trim(const char **s, size_t *len)
{
	while (*len > 0 && ((*s)[*len - 1] == '\r' || (*s)[*len - 1] == '\n' || is_wsp((*s)[*len - 1])))
		(*len)--;
	if (has_prefix(*s, *len, "a=crypto:")) {
		*s += 9;
		*len -= 9;
	} else if (has_prefix(*s, *len, "crypto:")) {
		*s += 7;
		*len -= 7;
	}
}

static int parse_attr(const char *s, size_t len, struct sl_sdes_crypto *c, char *err, size_t errlen)
{
	size_t pos = 0;
	const char *t;
	size_t tl;
	int rc;

	if (memchr(s, '\0', len))
		return fail(err, errlen, "NUL byte in crypto attribute");
	trim(&s, &len);
	rc = parse_tag_suite(s, len, &pos, c, err, errlen);
	if (rc < 0)
		return rc;
	if (!next_token(s, len, &pos, &t, &tl))
		return fail(err, errlen, "key-params missing after %s", suite_name(c->suite));
	rc = parse_key_params(t, tl, c, err, errlen);
	while (rc == 0 && next_token(s, len, &pos, &t, &tl))
		rc = parse_session_param(t, tl, c, err, errlen);
	return rc;
}

int sl_sdes_parse(const char *s, size_t len, struct sl_sdes_crypto *out, char *err, size_t errlen)
{
	int rc;

	if (!s || !out)
		return fail(err, errlen, "invalid argument");
	memset(out, 0, sizeof(*out));
	rc = parse_attr(s, len, out, err, errlen);
	if (rc < 0)
		sl_sdes_wipe(out);
	return rc;
}

/* Appends printf output at *off; returns 0 or -ENOSPC. */
__attribute__((format(printf, 4, 5)))
static int put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return -ENOSPC;
	*off += (size_t)n;
	return 0;
}

static int put_lifetime(char *buf, size_t len, size_t *off, uint64_t v)
{
	if (v && (v & (v - 1)) == 0)
		return put(buf, len, off, "|2^%d", __builtin_ctzll(v));
	return put(buf, len, off, "|%llu", (unsigned long long)v);
}

static int put_key(const struct sl_sdes_key *k, char *buf, size_t len, size_t *off)
{
	char b64[SL_BASE64_ENC_LEN(sizeof(k->key_salt)) + 1];
	int rc;

	if (sl_base64_encode(k->key_salt, k->key_salt_len, b64, sizeof(b64)) < 0)
		return -EINVAL;
	rc = put(buf, len, off, "inline:%s", b64);
	sl_wipe(b64, sizeof(b64));
	if (rc == 0 && k->has_lifetime)
		rc = put_lifetime(buf, len, off, k->lifetime);
	if (rc == 0 && k->has_mki)
		rc = put(buf, len, off, "|%u:%u", k->mki, k->mki_len);
	return rc;
}

static bool key_valid(const struct sl_sdes_key *k, size_t need)
{
	if (k->key_salt_len != need)
		return false;
	if (k->has_lifetime && (k->lifetime == 0 || k->lifetime > SL_SRTP_MAX_LIFETIME_RTP))
		return false;
	if (k->has_mki && (k->mki_len < 1 || k->mki_len > SL_SRTP_MAX_MKI_LEN ||
			   (k->mki_len < 4 && k->mki >= (1u << (8 * k->mki_len)))))
		return false;
	return true;
}

static bool crypto_valid(const struct sl_sdes_crypto *c)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(c->suite);

	if (!si || c->tag == 0 || c->tag > 999999999u || c->nkeys == 0 ||
	    c->nkeys > SL_SRTP_MAX_KEYS || (c->has_kdr && c->kdr > 24) ||
	    (c->has_wsh && c->wsh < 64))
		return false;
	for (unsigned i = 0; i < c->nkeys; i++)
		if (!key_valid(&c->keys[i], (size_t)si->key_len + si->salt_len))
			return false;
	return check_mkis(c, NULL, 0) == 0;
}

static int put_session_params(const struct sl_sdes_crypto *c, char *buf, size_t len, size_t *off)
{
	int rc = 0;

	if (c->has_kdr)
		rc = put(buf, len, off, " KDR=%u", c->kdr);
	if (rc == 0 && c->unencrypted_srtp)
		rc = put(buf, len, off, " UNENCRYPTED_SRTP");
	if (rc == 0 && c->unencrypted_srtcp)
		rc = put(buf, len, off, " UNENCRYPTED_SRTCP");
	if (rc == 0 && c->unauthenticated_srtp)
		rc = put(buf, len, off, " UNAUTHENTICATED_SRTP");
	if (rc == 0 && c->has_wsh)
		rc = put(buf, len, off, " WSH=%u", c->wsh);
	return rc;
}

int sl_sdes_format(const struct sl_sdes_crypto *c, char *buf, size_t len)
{
	size_t off = 0;
	int rc;

	if (!c || !buf || !crypto_valid(c))
		return -EINVAL;
	rc = put(buf, len, &off, "%u %s ", c->tag, suite_name(c->suite));
	for (unsigned i = 0; rc == 0 && i < c->nkeys; i++) {
		if (i > 0)
			rc = put(buf, len, &off, ";");
		if (rc == 0)
			rc = put_key(&c->keys[i], buf, len, &off);
	}
	if (rc == 0)
		rc = put_session_params(c, buf, len, &off);
	if (rc < 0) {
		sl_wipe(buf, len);
		if (len)
			buf[0] = '\0';
		return rc;
	}
	return (int)off;
}

/* RFC 3711 §3.3.2: the replay window; WSH is a hint, rounded up to 2^n. */
static uint16_t window_from_wsh(uint32_t wsh)
{
	uint32_t w = 64;

	while (w < wsh && w < SL_SRTP_MAX_WINDOW)
		w <<= 1;
	return (uint16_t)w;
}

static void map_key(const struct sl_sdes_key *k, const struct sl_srtp_suite_info *si,
		    uint8_t mki_len, struct sl_srtp_master_key *mk)
{
	memcpy(mk->key, k->key_salt, si->key_len);
	memcpy(mk->salt, k->key_salt + si->key_len, si->salt_len);
	for (unsigned b = 0; b < mki_len; b++)
		mk->mki[b] = (uint8_t)(k->mki >> (8 * (mki_len - 1 - b)));
	mk->lifetime = k->has_lifetime ? k->lifetime : 0;
}

int sl_sdes_to_policy(const struct sl_sdes_crypto *c, enum sl_srtp_dir dir,
		      struct sl_srtp_policy *p, char *err, size_t errlen)
{
	const struct sl_srtp_suite_info *si;
	int rc;

	if (!c || !p || !(si = sl_srtp_suite_info(c->suite)))
		return fail(err, errlen, "invalid argument");
	if (c->nkeys == 0 || c->nkeys > SL_SRTP_MAX_KEYS)
		return fail(err, errlen, "no keys");
	rc = check_mkis(c, err, errlen);
	if (rc < 0)
		return rc;
	/* RFC 3711 §4.3.1: only a single initial derivation is implemented. */
	if (c->has_kdr && c->kdr > 0)
		return fail(err, errlen,
			    "KDR=%u: non-zero key derivation rate is not supported (RFC 3711 §4.3.1); offer KDR=0 or omit it",
			    c->kdr);
	memset(p, 0, sizeof(*p));
	p->suite = c->suite;
	p->dir = dir;
	p->nkeys = c->nkeys;
	p->mki_len = c->keys[0].has_mki ? c->keys[0].mki_len : 0;
	for (unsigned i = 0; i < c->nkeys; i++)
		map_key(&c->keys[i], si, p->mki_len, &p->keys[i]);
	p->replay_window = c->has_wsh ? window_from_wsh(c->wsh) : 0;
	p->unencrypted_srtp = c->unencrypted_srtp;
	p->unencrypted_srtcp = c->unencrypted_srtcp;
	p->unauthenticated_srtp = c->unauthenticated_srtp;
	return 0;
}

void sl_sdes_wipe(struct sl_sdes_crypto *c)
{
	if (c)
		sl_wipe(c, sizeof(*c));
}
