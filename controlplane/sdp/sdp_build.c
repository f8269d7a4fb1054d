/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP body builder: writes a struct sl_sdp back as RFC 8866 text that
 * sl_sdp_parse() accepts and parses to the same fields. Key material ends up
 * in out (a=crypto), so out is wiped whenever building fails; on success the
 * caller owns (and wipes) it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sdp.h"

struct out {
	char *buf;
	size_t cap, off;
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->cap - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->off) {
		o->full = true;
		return;
	}
	o->off += (size_t)n;
}

static void put_mem(struct out *o, const char *s, size_t len)
{
	if (o->full || len >= o->cap - o->off) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->off, s, len);
	o->off += len;
	o->buf[o->off] = '\0';
}

/* A NUL-terminated field of a fixed array with no blank or control byte. */
static bool clean_word(const char *s, size_t cap, bool allow_empty)
{
	size_t n = strnlen(s, cap);

	if (n == cap || (n == 0 && !allow_empty))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Text without CR, LF or other controls (s=, the format list). */
static bool clean_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return false;
	return true;
}

/* The pass-through attributes: whole "a=...\r\n" lines and nothing else. */
static bool clean_attrs(const struct sl_sdp_media *m)
{
	size_t i = 0;

	if (m->attrs_len >= sizeof(m->attrs))
		return false;
	while (i < m->attrs_len) {
		if (m->attrs_len - i < 5 || m->attrs[i] != 'a' || m->attrs[i + 1] != '=')
			return false;
		for (i += 2; i < m->attrs_len && m->attrs[i] != '\r'; i++)
			if (((unsigned char)m->attrs[i] < 0x20 && m->attrs[i] != '\t') ||
			    m->attrs[i] == 0x7f)
				return false;
		if (m->attrs_len - i < 2 || m->attrs[i + 1] != '\n')
			return false;
		i += 2;
	}
	return true;
}

/* The address as written, or formatted from bytes when text is empty. */
static int addr_text(const struct sl_sdp_addr *a, char *buf, size_t cap)
{
	if (a->ip_version != 4 && a->ip_version != 6)
		return -EINVAL;
	if (a->text[0]) {
		if (!clean_word(a->text, sizeof(a->text), false) || strlen(a->text) >= cap)
			return -EINVAL;
		memcpy(buf, a->text, strlen(a->text) + 1);
		return 0;
	}
	if (!inet_ntop(a->ip_version == 4 ? AF_INET : AF_INET6, a->bytes, buf, (socklen_t)cap))
		return -EINVAL;
	return 0;
}

static int put_conn(struct out *o, const struct sl_sdp_addr *a)
{
	char t[64];

	if (addr_text(a, t, sizeof(t)) < 0)
		return -EINVAL;
	put(o, "c=IN IP%d %s\r\n", a->ip_version, t);
	return 0;
}

static const struct sl_sdp_addr *media_conn(const struct sl_sdp *s, const struct sl_sdp_media *m)
{
	return m->conn.ip_version ? &m->conn : &s->conn;
}

static bool same_addr(const struct sl_sdp_addr *a, const struct sl_sdp_addr *b)
{
	char ta[64], tb[64];

	return addr_text(a, ta, sizeof(ta)) == 0 && addr_text(b, tb, sizeof(tb)) == 0 &&
	       a->ip_version == b->ip_version && strcmp(ta, tb) == 0;
}

static int put_session(struct out *o, const struct sl_sdp *s, bool shared)
{
	char t[64];

	if (addr_text(&s->o_addr, t, sizeof(t)) < 0 ||
	    !clean_word(s->o_user, sizeof(s->o_user), true) ||
	    !clean_text(s->s_name, sizeof(s->s_name)))
		return -EINVAL;
	put(o, "v=0\r\no=%s %llu %llu IN IP%d %s\r\ns=%s\r\n",
	    s->o_user[0] ? s->o_user : "-", (unsigned long long)s->o_sess_id,
	    (unsigned long long)s->o_sess_version, s->o_addr.ip_version, t,
	    s->s_name[0] ? s->s_name : "-");
	if (s->nm > 0 && shared && put_conn(o, media_conn(s, &s->m[0])) < 0)
		return -EINVAL;
	if (s->nm == 0 && s->conn.ip_version && put_conn(o, &s->conn) < 0)
		return -EINVAL;
	put(o, "t=0 0\r\n");
	return 0;
}

static int put_crypto(struct out *o, const struct sl_sdes_crypto *c)
{
	char line[1024];
	int n = sl_sdes_format(c, line, sizeof(line));

	if (n < 0) {
		sl_wipe(line, sizeof(line));
		return n == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	put(o, "a=crypto:");
	put_mem(o, line, (size_t)n);
	put(o, "\r\n");
	sl_wipe(line, sizeof(line));
	return 0;
}

static int put_media(struct out *o, const struct sl_sdp *s, const struct sl_sdp_media *m,
		     bool shared)
{
	int rc;

	if (!clean_word(m->type, sizeof(m->type), false) ||
	    !clean_word(m->proto, sizeof(m->proto), false) ||
	    !clean_text(m->fmts, sizeof(m->fmts)) || m->fmts[0] == '\0' ||
	    m->fmts[0] == ' ' || (unsigned)m->dir > SL_SDP_INACTIVE ||
	    m->ncrypto > SL_SDP_MAX_CRYPTO || !clean_attrs(m))
		return -EINVAL;
	put(o, "m=%s %u %s %s\r\n", m->type, m->port, m->proto, m->fmts);
	if (!shared && put_conn(o, media_conn(s, m)) < 0)
		return -EINVAL;
	if (m->rtcp_mux)
		put(o, "a=rtcp-mux\r\n");
	for (unsigned i = 0; i < m->ncrypto; i++) {
		rc = put_crypto(o, &m->crypto[i]);
		if (rc < 0)
			return rc;
	}
	put(o, "a=%s\r\n", sl_sdp_dir_name(m->dir));
	put_mem(o, m->attrs, m->attrs_len);
	return 0;
}

static int build(const struct sl_sdp *s, struct out *o)
{
	bool shared = true;
	int rc;

	if (s->nm > SL_SDP_MAX_MEDIA)
		return -EINVAL;
	for (unsigned i = 0; i < s->nm; i++) {
		if (!media_conn(s, &s->m[i])->ip_version)
			return -EINVAL;		/* RFC 8866 §5.7: every media needs c= */
		if (!same_addr(media_conn(s, &s->m[i]), media_conn(s, &s->m[0])))
			shared = false;
	}
	rc = put_session(o, s, shared);
	for (unsigned i = 0; rc == 0 && i < s->nm; i++)
		rc = put_media(o, s, &s->m[i], shared);
	if (rc == 0 && o->full)
		rc = -ENOSPC;
	return rc;
}

int sl_sdp_build(const struct sl_sdp *s, char *out, size_t cap)
{
	struct out o = { .buf = out, .cap = cap };
	int rc;

	if (!s || !out || cap == 0)
		return -EINVAL;
	out[0] = '\0';
	rc = build(s, &o);
	/* Never hand out more than the parser accepts (round trip). */
	if (rc == 0 && (o.off > SL_SDP_MAX_BODY || o.off > INT_MAX))
		rc = -ENOSPC;
	if (rc < 0) {
		sl_wipe(out, cap);	/* may hold part of a key */
		out[0] = '\0';
		return rc;
	}
	return (int)o.off;
}
