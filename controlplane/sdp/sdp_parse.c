/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP parser (RFC 8866, which obsoletes RFC 4566) for the B2BUA.
 *
 * One pass over the body, line by line; nothing is allocated and nothing is
 * read past len. Each line is "<type>=<value>" ended by CRLF or LF
 * (RFC 8866 §5: CRLF, "parsers SHOULD be tolerant and also accept lines
 * terminated with a single newline character"). The line order of
 * RFC 8866 §5 is enforced where it matters: v=, o=, s= are the first three
 * lines, t= comes before the first m=, and only i=, c=, b=, k=, a= may follow
 * an m= line. Unknown type letters make the whole description invalid
 * (RFC 8866 §5: "An SDP parser MUST completely ignore any session
 * description that contains a type letter that it does not understand").
 *
 * Error messages name the line and never echo key material (k= lines and
 * a=crypto values are never shown).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sdp.h"

enum {
	MAX_LINE = 1024,	/* bytes per line, without the line ending */
};

struct pstate {
	struct sl_sdp *s;
	unsigned lineno;
	bool in_media;
	bool have_t, have_sess_c, have_sess_dir;
	enum sl_sdp_dir sess_dir;
	bool have_m_c, have_m_dir;	/* for the current media */
	unsigned m_line[SL_SDP_MAX_MEDIA];
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct pstate *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || p->errlen == 0)
		return -EINVAL;
	if (p->lineno)
		n = snprintf(p->err, p->errlen, "line %u: ", p->lineno);
	else
		n = snprintf(p->err, p->errlen, "SDP body: ");
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Printable, bounded copy of untrusted text for an error message. */
static const char *show(const char *s, size_t len, char *buf, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < cap; i++)
		buf[o++] = (s[i] > 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < len && o + 3 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* RFC 8866 §9 token-char. */
static bool is_token_char(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b ||
	       c == 0x2d || c == 0x2e || (c >= 0x30 && c <= 0x39) ||
	       (c >= 0x41 && c <= 0x5a) || (c >= 0x5e && c <= 0x7e);
}

static bool is_token(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_token_char((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_word(const char *s, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(s, w, len) == 0;
}

static bool has_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(s, p, n) == 0;
}

/* Next field separated by one or more SP (RFC 8866 §9 uses single SP). */
static bool next_field(const char *s, size_t len, size_t *pos, const char **f, size_t *flen)
{
	size_t i = *pos, start;

	while (i < len && s[i] == ' ')
		i++;
	if (i >= len)
		return false;
	start = i;
	while (i < len && s[i] != ' ')
		i++;
	*f = s + start;
	*flen = i - start;
	*pos = i;
	return true;
}

/* Decimal without sign, at most maxdigits digits, no overflow of uint64_t. */
static int parse_u64(const char *s, size_t len, size_t maxdigits, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > maxdigits)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Copies a field into a fixed char array, NUL-terminated; false if too long. */
static bool copy_field(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

static bool is_multicast(const struct sl_sdp_addr *a)
{
	if (a->ip_version == 4)
		return (a->bytes[0] & 0xf0) == 0xe0;	/* 224.0.0.0/4 */
	return a->bytes[0] == 0xff;			/* ff00::/8 */
}

int sl_sdp_addr_set(struct sl_sdp_addr *a, const char *text)
{
	struct sl_sdp_addr t;
	size_t n;

	if (!a || !text)
		return -EINVAL;
	memset(&t, 0, sizeof(t));
	n = strlen(text);
	if (n == 0 || n >= sizeof(t.text))
		return -EINVAL;
	memcpy(t.text, text, n);
	if (inet_pton(AF_INET, t.text, t.bytes) == 1)
		t.ip_version = 4;
	else if (inet_pton(AF_INET6, t.text, t.bytes) == 1)
		t.ip_version = 6;
	else
		return -EINVAL;
	*a = t;
	return 0;
}

/* "IN IP4 x" / "IN IP6 x": checks nettype and addrtype (RFC 8866 §5.2, §5.7). */
static int parse_nettype(struct pstate *p, const char *what, const char *net, size_t netlen,
			 const char *at, size_t atlen, int *ipver)
{
	char b[40];

	if (!is_word(net, netlen, "IN"))
		return fail(p, "%s network type '%s' is not supported: only IN (RFC 8866 §5.2)",
			    what, show(net, netlen, b, sizeof(b)));
	if (is_word(at, atlen, "IP4"))
		*ipver = 4;
	else if (is_word(at, atlen, "IP6"))
		*ipver = 6;
	else
		return fail(p, "%s address type '%s' is not supported: use IP4 or IP6",
			    what, show(at, atlen, b, sizeof(b)));
	return 0;
}

/* Numeric address of the given version; o= also allows a host name (FQDN). */
static int parse_addr(struct pstate *p, const char *what, const char *s, size_t len,
		      int ipver, bool allow_name, struct sl_sdp_addr *a)
{
	char b[40];

	memset(a, 0, sizeof(*a));
	if (memchr(s, '/', len))
		return fail(p, "%s address '%s': the TTL/number-of-addresses form is for multicast "
			    "(RFC 8866 §5.7) and is not supported; use one unicast address",
			    what, show(s, len, b, sizeof(b)));
	if (!copy_field(a->text, sizeof(a->text), s, len))
		return fail(p, "%s address is longer than %zu characters", what, sizeof(a->text) - 1);
	if (inet_pton(ipver == 4 ? AF_INET : AF_INET6, a->text, a->bytes) == 1) {
		a->ip_version = ipver;
		return 0;
	}
	if (allow_name) {
		/* RFC 8866 §5.2: the origin address may be a fully qualified domain name. */
		for (size_t i = 0; i < len; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' ||
			      (ipver == 6 && s[i] == ':')))
				return fail(p, "%s address '%s' is neither an IP%d address nor a host name",
					    what, show(s, len, b, sizeof(b)), ipver);
		a->ip_version = ipver;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return fail(p, "%s address '%s' is not a numeric IP%d address; host names are not resolved "
		    "here: send the numeric address", what, show(s, len, b, sizeof(b)), ipver);
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> (§5.2) */
static int parse_origin(struct pstate *p, const char *v, size_t len)
{
	const char *f[7];
	size_t fl[7], pos = 0;
	unsigned n = 0;
	int ipver = 0, rc;

	while (n < 7 && next_field(v, len, &pos, &f[n], &fl[n]))
		n++;
	if (n != 6)
		return fail(p, "o= needs 6 fields (username sess-id sess-version IN IP4|IP6 address), "
			    "got %s%u (RFC 8866 §5.2)", n == 7 ? "more than " : "", n == 7 ? 6 : n);
	for (size_t i = 0; i < fl[0]; i++)
		if ((unsigned char)f[0][i] < 0x21 || f[0][i] == 0x7f)
			return fail(p, "o= username contains a control character");
	if (!copy_field(p->s->o_user, sizeof(p->s->o_user), f[0], fl[0]))
		return fail(p, "o= username is longer than %zu bytes", sizeof(p->s->o_user) - 1);
	if (parse_u64(f[1], fl[1], 20, &p->s->o_sess_id) < 0)
		return fail(p, "o= sess-id is not a decimal number below 2^64 (RFC 8866 §5.2)");
	if (parse_u64(f[2], fl[2], 20, &p->s->o_sess_version) < 0)
		return fail(p, "o= sess-version is not a decimal number below 2^64 (RFC 8866 §5.2)");
	rc = parse_nettype(p, "o=", f[3], fl[3], f[4], fl[4], &ipver);
	if (rc < 0)
		return rc;
	return parse_addr(p, "o=", f[5], fl[5], ipver, true, &p->s->o_addr);
}

/* s=<session name>: kept up to 63 bytes, cut on a UTF-8 boundary (§5.3). */
static int parse_name(struct pstate *p, const char *v, size_t len)
{
	char *d = p->s->s_name;
	size_t cap = sizeof(p->s->s_name) - 1;

	if (len > cap) {
		len = cap;
		while (len > 0 && ((unsigned char)v[len] & 0xc0) == 0x80)
			len--;	/* do not split a UTF-8 sequence */
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;	/* as the line's own trailing blanks */
	}
	if (len == 0) {
		/* RFC 8866 §5.3 recommends "s=-" or "s= " when there is no name. */
		memcpy(d, "-", 2);
		return 0;
	}
	memcpy(d, v, len);
	d[len] = '\0';
	return 0;
}

/* c=<nettype> <addrtype> <connection-address> (§5.7), unicast and numeric only. */
static int parse_conn(struct pstate *p, const char *v, size_t len, struct sl_sdp_addr *a)
{
	const char *f[4];
	size_t fl[4], pos = 0;
	unsigned n = 0;
	int ipver = 0, rc;
	char b[40];

	while (n < 4 && next_field(v, len, &pos, &f[n], &fl[n]))
		n++;
	if (n != 3)
		return fail(p, "c= needs 3 fields (IN IP4|IP6 address), got %s%u (RFC 8866 §5.7)",
			    n == 4 ? "more than " : "", n == 4 ? 3 : n);
	rc = parse_nettype(p, "c=", f[0], fl[0], f[1], fl[1], &ipver);
	if (rc == 0)
		rc = parse_addr(p, "c=", f[2], fl[2], ipver, false, a);
	if (rc < 0)
		return rc;
	if (is_multicast(a)) {
		memset(a, 0, sizeof(*a));
		return fail(p, "c= address '%s' is multicast; only unicast media can be anchored",
			    show(f[2], fl[2], b, sizeof(b)));
	}
	return 0;
}

/* t=<start-time> <stop-time> (§5.9): checked, not kept (we always send t=0 0). */
static int parse_time(struct pstate *p, const char *v, size_t len)
{
	const char *f[3];
	size_t fl[3], pos = 0;
	unsigned n = 0;
	uint64_t t;

	while (n < 3 && next_field(v, len, &pos, &f[n], &fl[n]))
		n++;
	if (n != 2 || parse_u64(f[0], fl[0], 20, &t) < 0 || parse_u64(f[1], fl[1], 20, &t) < 0)
		return fail(p, "t= must be two decimal times '<start> <stop>', e.g. t=0 0 (RFC 8866 §5.9)");
	p->have_t = true;
	return 0;
}

/* m=<media> <port> <proto> <fmt> ... (§5.14). */
static int parse_media(struct pstate *p, const char *v, size_t len)
{
	struct sl_sdp_media *m;
	const char *f;
	size_t fl, pos = 0, flen = 0;
	uint64_t port;
	char b[40];

	if (p->s->nm == SL_SDP_MAX_MEDIA)
		return fail(p, "more than %d media descriptions (m= lines); the appliance anchors at most "
			    "%d streams per call: offer fewer streams", SL_SDP_MAX_MEDIA, SL_SDP_MAX_MEDIA);
	m = &p->s->m[p->s->nm];
	if (!next_field(v, len, &pos, &f, &fl) || !is_token(f, fl))
		return fail(p, "m= media type missing or not a token (RFC 8866 §5.14)");
	if (!copy_field(m->type, sizeof(m->type), f, fl))
		return fail(p, "m= media type '%s' is longer than %zu characters",
			    show(f, fl, b, sizeof(b)), sizeof(m->type) - 1);
	if (!next_field(v, len, &pos, &f, &fl))
		return fail(p, "m= port missing (RFC 8866 §5.14)");
	if (memchr(f, '/', fl))
		return fail(p, "m= port '%s': the <port>/<number of ports> form is not supported; "
			    "use one port per m= line", show(f, fl, b, sizeof(b)));
	if (parse_u64(f, fl, 5, &port) < 0 || port > 65535)
		return fail(p, "m= port '%s' is not a number from 0 to 65535", show(f, fl, b, sizeof(b)));
	m->port = (uint16_t)port;
	if (!next_field(v, len, &pos, &f, &fl))
		return fail(p, "m= transport protocol missing (e.g. RTP/SAVP; RFC 8866 §5.14)");
	for (size_t i = 0; i < fl; i++)
		if (f[i] != '/' && !is_token_char((unsigned char)f[i]))
			return fail(p, "m= transport protocol '%s' contains an invalid character",
				    show(f, fl, b, sizeof(b)));
	if (!copy_field(m->proto, sizeof(m->proto), f, fl))
		return fail(p, "m= transport protocol is longer than %zu characters", sizeof(m->proto) - 1);
	/* Formats, re-joined with single spaces. */
	while (next_field(v, len, &pos, &f, &fl)) {
		if (!is_token(f, fl))
			return fail(p, "m= format '%s' is not a token", show(f, fl, b, sizeof(b)));
		if (flen + (flen ? 1 : 0) + fl >= sizeof(m->fmts))
			return fail(p, "m= format list is longer than %zu characters", sizeof(m->fmts) - 1);
		if (flen)
			m->fmts[flen++] = ' ';
		memcpy(m->fmts + flen, f, fl);
		flen += fl;
		m->fmts[flen] = '\0';
	}
	if (flen == 0)
		return fail(p, "m= has no format (payload type) list (RFC 8866 §5.14)");
	m->dir = p->have_sess_dir ? p->sess_dir : SL_SDP_SENDRECV;
	p->m_line[p->s->nm] = p->lineno;
	p->s->nm++;
	p->in_media = true;
	p->have_m_c = false;
	p->have_m_dir = false;
	return 0;
}

static int dir_from_name(const char *n, size_t len)
{
	static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (is_word(n, len, names[i]))
			return (int)i;
	return -1;
}

/*
 * Attributes the appliance does not forward: it terminates media on its own
 * addresses, so the peer's RTCP port (RFC 3605) and ICE (RFC 8839)
 * candidates and credentials would be wrong on the other leg.
 */
static bool is_stripped(const char *n, size_t len)
{
	return is_word(n, len, "rtcp") || is_word(n, len, "candidate") ||
	       is_word(n, len, "remote-candidates") || is_word(n, len, "end-of-candidates") ||
	       has_prefix(n, len, "ice-");
}

static int set_dir(struct pstate *p, int d, bool has_value)
{
	bool *seen = p->in_media ? &p->have_m_dir : &p->have_sess_dir;

	if (has_value)
		return fail(p, "a=%s takes no value (RFC 3264 §5.1)", sl_sdp_dir_name((enum sl_sdp_dir)d));
	if (*seen)
		return fail(p, "second direction attribute (a=%s) at the same level; send only one of "
			    "sendrecv/sendonly/recvonly/inactive (RFC 3264 §5.1)",
			    sl_sdp_dir_name((enum sl_sdp_dir)d));
	*seen = true;
	if (p->in_media)
		p->s->m[p->s->nm - 1].dir = (enum sl_sdp_dir)d;
	else
		p->sess_dir = (enum sl_sdp_dir)d;
	return 0;
}

/*
 * a=crypto (RFC 4568 §9.1). A line we cannot use is ignored, not fatal:
 * RFC 4568 §7.1.2 lets the answerer pick any acceptable line and skip the
 * others. Duplicate tags (§9.1: unique per media) and lines beyond
 * SL_SDP_MAX_CRYPTO are counted as bad as well.
 */
static void add_crypto(struct sl_sdp_media *m, const char *v, size_t len)
{
	struct sl_sdes_crypto *c;
	char e[160];

	if (m->ncrypto == SL_SDP_MAX_CRYPTO) {
		m->crypto_bad++;
		return;
	}
	c = &m->crypto[m->ncrypto];
	if (sl_sdes_parse(v, len, c, e, sizeof(e)) < 0) {
		m->crypto_bad++;
		return;
	}
	for (unsigned i = 0; i < m->ncrypto; i++) {
		if (m->crypto[i].tag == c->tag) {
			sl_sdes_wipe(c);
			m->crypto_bad++;
			return;
		}
	}
	m->ncrypto++;
}

static int keep_attr(struct pstate *p, struct sl_sdp_media *m, const char *line, size_t len)
{
	/* "a=" + value + CRLF; attrs stays NUL-terminated for convenience. */
	if (m->attrs_len + len + 2 >= sizeof(m->attrs))
		return fail(p, "media attributes exceed %d bytes in total; send fewer or shorter "
			    "a= lines (e.g. fewer codecs)", SL_SDP_MAX_ATTRS - 1);
	memcpy(m->attrs + m->attrs_len, line, len);
	m->attrs_len += len;
	memcpy(m->attrs + m->attrs_len, "\r\n", 3);
	m->attrs_len += 2;
	return 0;
}

/* a=<attribute>[:<value>] (§5.13). line is the whole "a=..." line. */
static int parse_attr(struct pstate *p, const char *line, size_t linelen)
{
	const char *v = line + 2;
	size_t len = linelen - 2;
	const char *colon = memchr(v, ':', len);
	size_t nlen = colon ? (size_t)(colon - v) : len;
	struct sl_sdp_media *m;
	int d;
	char b[40];

	if (!is_token(v, nlen))
		return fail(p, "attribute name '%s' is empty or not a token (RFC 8866 §5.13)",
			    show(v, nlen, b, sizeof(b)));
	d = dir_from_name(v, nlen);
	if (d >= 0)
		return set_dir(p, d, colon != NULL);
	if (is_stripped(v, nlen))
		return 0;
	if (!p->in_media) {
		/*
		 * Session-level attributes other than the direction are not
		 * carried (a=tool, a=group, a=fingerprint, ...): each leg's
		 * body is built by the appliance. RFC 4568 §9.1: a=crypto is
		 * media-level only, so a session-level one is ignored too.
		 */
		return 0;
	}
	m = &p->s->m[p->s->nm - 1];
	if (is_word(v, nlen, "rtcp-mux")) {
		if (colon)
			return fail(p, "a=rtcp-mux takes no value (RFC 5761 §5.1.1)");
		m->rtcp_mux = true;
		return 0;
	}
	if (is_word(v, nlen, "crypto")) {
		if (colon)
			add_crypto(m, colon + 1, len - nlen - 1);
		else
			m->crypto_bad++;	/* "a=crypto" without a value */
		return 0;
	}
	return keep_attr(p, m, line, linelen);
}

/* One "x=value" line at the session or media level. */
static int parse_line(struct pstate *p, const char *line, size_t len)
{
	const char *v = line + 2;
	size_t vlen = len - 2;
	char t = line[0];

	switch (p->lineno) {
	case 1:
		if (t != 'v' || !is_word(v, vlen, "0"))
			return fail(p, "the body must start with v=0 (RFC 8866 §5.1)");
		return 0;
	case 2:
		if (t != 'o')
			return fail(p, "o= must be the second line (RFC 8866 §5)");
		return parse_origin(p, v, vlen);
	case 3:
		if (t != 's')
			return fail(p, "s= must be the third line (RFC 8866 §5); use s=- if there is no name");
		return parse_name(p, v, vlen);
	}
	switch (t) {
	case 'v': case 'o': case 's':
		return fail(p, "second %c= line; v=, o= and s= appear once, as the first three lines "
			    "(RFC 8866 §5)", t);
	case 'u': case 'e': case 'p': case 't': case 'r': case 'z':
		if (p->in_media)
			return fail(p, "%c= is a session-level line and may not follow an m= line "
				    "(RFC 8866 §5); move it before the first m=", t);
		if (t == 't')
			return parse_time(p, v, vlen);
		if ((t == 'r' || t == 'z') && !p->have_t)
			return fail(p, "%c= must follow a t= line (RFC 8866 §5.10, §5.11)", t);
		return 0;		/* u=, e=, p=, r=, z=: accepted, not used */
	case 'i': case 'b': case 'k':
		return 0;		/* accepted, not used; k= (obsolete, §5.12) never echoed */
	case 'c':
		if (p->in_media) {
			if (p->have_m_c)
				return fail(p, "second c= line in one media description; send one unicast "
					    "address (multiple c= lines are a multicast form, RFC 8866 §5.7)");
			p->have_m_c = true;
			return parse_conn(p, v, vlen, &p->s->m[p->s->nm - 1].conn);
		}
		if (p->have_sess_c)
			return fail(p, "second session-level c= line (RFC 8866 §5.7)");
		p->have_sess_c = true;
		return parse_conn(p, v, vlen, &p->s->conn);
	case 'm':
		if (!p->have_t)
			return fail(p, "m= before any t= line; the session part needs t= (e.g. t=0 0, "
				    "RFC 8866 §5.9)");
		return parse_media(p, v, vlen);
	case 'a':
		return parse_attr(p, line, len);
	default:
		return fail(p, "unknown line type '%c=' (RFC 8866 §5: a description with an unknown "
			    "type letter must be ignored)", t);
	}
}

/*
 * Cuts the next line at *pos: sets *line and *len (without the line ending).
 * Returns 1 for a line, 0 at the end, -EINVAL for a malformed line.
 */
static int next_line(struct pstate *p, const char *buf, size_t buflen, size_t *pos,
		     const char **line, size_t *len)
{
	size_t start = *pos, end, i;

	if (start >= buflen)
		return 0;
	p->lineno++;
	/* MAX_LINE bytes plus an optional CR before the LF. */
	for (end = start; end < buflen && buf[end] != '\n'; end++)
		if (end - start > MAX_LINE + 1)
			return fail(p, "line longer than %d bytes; the appliance refuses such bodies",
				    MAX_LINE);
	*pos = end < buflen ? end + 1 : end;
	if (end > start && buf[end - 1] == '\r')
		end--;
	if (end - start > MAX_LINE)
		return fail(p, "line longer than %d bytes; the appliance refuses such bodies", MAX_LINE);
	for (i = start; i < end; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, "control character 0x%02x at column %zu (NUL, bare CR and "
				    "other controls are not allowed in SDP, RFC 8866 §9)", c, i - start + 1);
	}
	/* Trailing blanks are not in the grammar but common; drop them. */
	while (end > start && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
		end--;
	*line = buf + start;
	*len = end - start;
	return 1;
}

static bool only_line_ends(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

static int parse_body(struct pstate *p, const char *buf, size_t len)
{
	size_t pos = 0, llen = 0;
	const char *line = NULL;
	int rc;

	while ((rc = next_line(p, buf, len, &pos, &line, &llen)) > 0) {
		if (llen == 0) {
			if (p->lineno > 3 && only_line_ends(buf + pos, len - pos))
				break;	/* trailing empty lines after the body */
			return fail(p, "empty line inside the body (RFC 8866 §5)");
		}
		if (llen < 2 || line[0] < 'a' || line[0] > 'z' || line[1] != '=')
			return fail(p, "expected '<letter>=<value>' with no blank around '=' (RFC 8866 §5)");
		rc = parse_line(p, line, llen);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (p->lineno < 3)
		return fail(p, "body ends before v=, o= and s= (RFC 8866 §5)");
	if (!p->have_t)
		return fail(p, "body has no t= line (RFC 8866 §5.9); add t=0 0");
	/* RFC 8866 §5.7: c= in every media description or at the session level. */
	for (unsigned i = 0; i < p->s->nm; i++) {
		struct sl_sdp_media *m = &p->s->m[i];

		if (m->conn.ip_version)
			continue;
		if (!p->s->conn.ip_version) {
			p->lineno = p->m_line[i];
			return fail(p, "m=%s has no connection address: add a c= line at the session "
				    "level or in this media description (RFC 8866 §5.7)", m->type);
		}
		m->conn = p->s->conn;
	}
	return 0;
}

int sl_sdp_parse(const char *buf, size_t len, struct sl_sdp *out, char *err, size_t errlen)
{
	struct pstate p;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.s = out;
	p.err = err;
	p.errlen = errlen;
	if (!buf) {
		p.lineno = 0;
		return fail(&p, "no body");
	}
	if (len > SL_SDP_MAX_BODY)
		return fail(&p, "body of %zu bytes exceeds the limit of %d bytes", len, SL_SDP_MAX_BODY);
	rc = parse_body(&p, buf, len);
	if (rc < 0) {
		sl_sdp_wipe(out);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}
