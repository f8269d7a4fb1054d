/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The byte buffer and the XML writer of the configuration files. Text is
 * escaped for XML 1.0 (W3C XML 1.0 §2.4: '<' and '&' must be escaped; we
 * escape all five predefined entities of §4.6 so values are safe in
 * attributes too).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cnf_int.h"

void sl_cnf_buf_free(struct sl_cnf_buf *b)
{
	if (b->data) {
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
}

void cnf_buf_reset(struct sl_cnf_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	b->len = 0;
}

static int grow(struct sl_cnf_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 1024;
	uint8_t *p;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	/* Not realloc: the old block may hold passwords and must be wiped. */
	p = malloc(cap);
	if (!p)
		return -ENOMEM;
	if (b->data) {
		memcpy(p, b->data, b->len);
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int cnf_buf_add(struct sl_cnf_buf *b, const void *p, size_t n)
{
	int rc;

	if (n > SIZE_MAX - b->len - 1)
		return -ENOMEM;
	if (b->len + n + 1 > b->cap) {
		rc = grow(b, b->len + n + 1);
		if (rc)
			return rc;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;	/* always NUL-terminated for convenience */
	return 0;
}

int cnf_buf_str(struct sl_cnf_buf *b, const char *s)
{
	return cnf_buf_add(b, s, strlen(s));
}

/* Length of the UTF-8 sequence at s (RFC 3629 §4), or 0 if invalid.
 * Sets *cp to the code point. */
static size_t utf8_seq(const unsigned char *s, size_t left, unsigned long *cp)
{
	unsigned long c;
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;	/* overlong or beyond Unicode */
	if (c >= 0xd800 && c <= 0xdfff)
		return 0;	/* surrogates are not characters */
	*cp = c;
	return n;
}

int cnf_text_check(const char *what, const char *s, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;
	unsigned long cp;

	if (len > SL_CNF_TEXT_MAX) {
		snprintf(err, errlen, "%s is %zu bytes long; at most %d are allowed, shorten it",
			 what, len, SL_CNF_TEXT_MAX);
		return -EINVAL;
	}
	while (i < len) {
		n = utf8_seq(p + i, len - i, &cp);
		if (!n) {
			snprintf(err, errlen, "%s: byte %zu is not valid UTF-8; store the value "
				 "as UTF-8 text", what, i);
			return -EINVAL;
		}
		/* XML 1.0 §2.2 Char; C0/DEL/C1 controls refused too. */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff) {
			snprintf(err, errlen, "%s: control character U+%04lX at byte %zu cannot "
				 "be written to the configuration file; remove it", what, cp, i);
			return -EINVAL;
		}
		i += n;
	}
	return 0;
}

static void put(struct cnf_xml *x, const char *s, size_t n)
{
	if (!x->rc)
		x->rc = cnf_buf_add(x->b, s, n);
}

static void puts_(struct cnf_xml *x, const char *s)
{
	put(x, s, strlen(s));
}

static void indent(struct cnf_xml *x)
{
	unsigned i;

	for (i = 0; i < x->depth; i++)
		put(x, "  ", 2);
}

static void escaped(struct cnf_xml *x, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *ent = NULL;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&apos;"; break;
		default: continue;
		}
		put(x, run, (size_t)(s - run));
		puts_(x, ent);
		run = s + 1;
	}
	put(x, run, (size_t)(s - run));
}

void cnf_xml_open(struct cnf_xml *x, const char *tag)
{
	cnf_xml_open_attr(x, tag, NULL, NULL, NULL, NULL);
}

void cnf_xml_open_attr(struct cnf_xml *x, const char *tag, const char *attr1,
		       const char *val1, const char *attr2, const char *val2)
{
	indent(x);
	puts_(x, "<");
	puts_(x, tag);
	if (attr1) {
		puts_(x, " ");
		puts_(x, attr1);
		puts_(x, "=\"");
		escaped(x, val1);
		puts_(x, "\"");
	}
	if (attr2) {
		puts_(x, " ");
		puts_(x, attr2);
		puts_(x, "=\"");
		escaped(x, val2);
		puts_(x, "\"");
	}
	puts_(x, ">\n");
	x->depth++;
}

void cnf_xml_close(struct cnf_xml *x, const char *tag)
{
	x->depth--;
	indent(x);
	puts_(x, "</");
	puts_(x, tag);
	puts_(x, ">\n");
}

void cnf_xml_text(struct cnf_xml *x, const char *tag, const char *text)
{
	indent(x);
	puts_(x, "<");
	puts_(x, tag);
	puts_(x, ">");
	if (text)
		escaped(x, text);
	puts_(x, "</");
	puts_(x, tag);
	puts_(x, ">\n");
}

void cnf_xml_uint(struct cnf_xml *x, const char *tag, unsigned long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu", v);
	cnf_xml_text(x, tag, num);
}

void cnf_xml_capf_list(struct cnf_xml *x, const struct sl_cnf_device *dev)
{
	unsigned i;

	if (!dev->n_capf)
		return;
	cnf_xml_open(x, "capfList");
	for (i = 0; i < dev->n_capf; i++) {
		const struct sl_cnf_server *s = &dev->capf[i];

		cnf_xml_open(x, "capf");
		cnf_xml_uint(x, "phonePort", s->port ? s->port : SL_CNF_CAPF_PORT);
		cnf_xml_text(x, "processNodeName", s->host);
		cnf_xml_close(x, "capf");
	}
	cnf_xml_close(x, "capfList");
}
