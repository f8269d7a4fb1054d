/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small JSON writer (RFC 8259) for --json output: compact, one document
 * per reply. Strings are escaped per RFC 8259 §7; bytes that are not valid
 * UTF-8 (e.g. a User-Agent from the network) become U+FFFD, since §8.1
 * requires UTF-8.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "admin_int.h"

void jw_init(struct jw *w, struct sl_admin_out *o)
{
	memset(w, 0, sizeof(*w));
	w->o = o;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_seq(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	if (u[0] < 0x80)
		return 1;
	n = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : 2;
	for (size_t i = 1; i < n; i++)
		if (!u[i])
			return 0;
	return sl_admin_utf8_valid(s, n) ? n : 0;
}

void jw_escape(struct sl_admin_out *o, const char *s)
{
	sl_admin_out_write(o, "\"", 1);
	while (*s) {
		unsigned char c = (unsigned char)*s;
		size_t n;

		switch (c) {
		case '"': sl_admin_out_write(o, "\\\"", 2); s++; continue;
		case '\\': sl_admin_out_write(o, "\\\\", 2); s++; continue;
		case '\n': sl_admin_out_write(o, "\\n", 2); s++; continue;
		case '\r': sl_admin_out_write(o, "\\r", 2); s++; continue;
		case '\t': sl_admin_out_write(o, "\\t", 2); s++; continue;
		default: break;
		}
		if (c < 0x20) {
			sl_admin_out_printf(o, "\\u%04x", c);
			s++;
			continue;
		}
		n = utf8_seq(s);
		if (!n) {
			sl_admin_out_write(o, "\xef\xbf\xbd", 3);
			s++;
			continue;
		}
		sl_admin_out_write(o, s, n);
		s += n;
	}
	sl_admin_out_write(o, "\"", 1);
}

static void sep(struct jw *w, const char *key)
{
	if (w->depth > 0 && w->depth <= JW_DEPTH) {
		if (w->comma[w->depth - 1])
			sl_admin_out_write(w->o, ",", 1);
		w->comma[w->depth - 1] = true;
	}
	if (key) {
		jw_escape(w->o, key);
		sl_admin_out_write(w->o, ":", 1);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	sep(w, key);
	sl_admin_out_write(w->o, &c, 1);
	if (w->depth < JW_DEPTH)
		w->comma[w->depth] = false;
	else
		w->o->failed = true;
	w->depth++;
}

static void jw_close(struct jw *w, char c)
{
	sl_admin_out_write(w->o, &c, 1);
	if (w->depth > 0)
		w->depth--;
	if (w->depth == 0)
		sl_admin_out_write(w->o, "\n", 1);
}

void jw_obj(struct jw *w, const char *key) { jw_open(w, key, '{'); }
void jw_arr(struct jw *w, const char *key) { jw_open(w, key, '['); }
void jw_end_obj(struct jw *w) { jw_close(w, '}'); }
void jw_end_arr(struct jw *w) { jw_close(w, ']'); }

void jw_str(struct jw *w, const char *key, const char *v)
{
	sep(w, key);
	if (v)
		jw_escape(w->o, v);
	else
		sl_admin_out_write(w->o, "null", 4);
}

void jw_int(struct jw *w, const char *key, int64_t v)
{
	sep(w, key);
	sl_admin_out_printf(w->o, "%" PRId64, v);
}

void jw_uint(struct jw *w, const char *key, uint64_t v)
{
	sep(w, key);
	sl_admin_out_printf(w->o, "%" PRIu64, v);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	sep(w, key);
	sl_admin_out_puts(w->o, v ? "true" : "false");
}
