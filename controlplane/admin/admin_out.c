/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output of the administration commands: the growing buffer, aligned
 * tables and "key: value" lines. Text shown to humans has its control
 * characters replaced, since some fields (User-Agent, Contact) come from
 * the network and could carry terminal escape sequences.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"

void sl_admin_out_init(struct sl_admin_out *o)
{
	memset(o, 0, sizeof(*o));
}

void sl_admin_out_reset(struct sl_admin_out *o)
{
	o->len = 0;
	o->failed = false;
	if (o->buf)
		o->buf[0] = '\0';
}

void sl_admin_out_free(struct sl_admin_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

static bool out_reserve(struct sl_admin_out *o, size_t n)
{
	size_t want, cap;
	char *b;

	if (o->failed)
		return false;
	if (n > SL_ADMIN_FRAME_MAX || o->len + n > SL_ADMIN_FRAME_MAX) {
		o->failed = true;
		return false;
	}
	want = o->len + n + 1;
	if (want <= o->cap)
		return true;
	cap = o->cap ? o->cap : 1024;
	while (cap < want)
		cap *= 2;
	b = realloc(o->buf, cap);
	if (!b) {
		o->failed = true;
		return false;
	}
	o->buf = b;
	o->cap = cap;
	return true;
}

void sl_admin_out_write(struct sl_admin_out *o, const char *s, size_t n)
{
	if (!out_reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void sl_admin_out_puts(struct sl_admin_out *o, const char *s)
{
	sl_admin_out_write(o, s, strlen(s));
}

void sl_admin_out_vprintf(struct sl_admin_out *o, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !out_reserve(o, (size_t)n))
		return;
	vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
	o->len += (size_t)n;
}

void sl_admin_out_printf(struct sl_admin_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_admin_out_vprintf(o, fmt, ap);
	va_end(ap);
}

void adm_sanitize(char *dst, size_t n, const char *s)
{
	size_t i = 0;

	if (!n)
		return;
	for (; *s && i + 1 < n; s++) {
		unsigned char c = (unsigned char)*s;

		dst[i++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[i] = '\0';
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void tbl_init(struct tbl *t, int ncols, const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols > TBL_COLS_MAX ? TBL_COLS_MAX : ncols;
	for (int i = 0; i < t->ncols; i++)
		t->hdr[i] = headers[i];
}

void tbl_row(struct tbl *t, ...)
{
	va_list ap;
	char **row;

	if (t->failed)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cell, cap * (size_t)t->ncols * sizeof(*c));

		if (!c) {
			t->failed = true;
			return;
		}
		t->cell = c;
		t->cap = cap;
	}
	row = t->cell + t->nrows * (size_t)t->ncols;
	va_start(ap, t);
	for (int i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		size_t n = strlen(s ? s : "") + 1;

		row[i] = malloc(n);
		if (row[i])
			adm_sanitize(row[i], n, s ? s : "");
		else
			t->failed = true;
	}
	va_end(ap);
	t->nrows++;
}

static void pad(struct sl_admin_out *o, size_t n)
{
	static const char sp[] = "                                ";

	while (n) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		sl_admin_out_write(o, sp, k);
		n -= k;
	}
}

static void print_row(struct sl_admin_out *o, int ncols, const size_t *w, char *const *cells)
{
	int last = ncols - 1;

	/* Trailing empty cells print nothing (no trailing blanks). */
	while (last > 0 && !cells[last][0])
		last--;
	for (int i = 0; i <= last; i++) {
		sl_admin_out_puts(o, cells[i]);
		if (i < last)
			pad(o, w[i] - width(cells[i]) + 2);
	}
	sl_admin_out_write(o, "\n", 1);
}

void tbl_print(struct tbl *t, struct sl_admin_out *o)
{
	size_t w[TBL_COLS_MAX];

	if (t->failed) {
		o->failed = true;
		tbl_free(t);
		return;
	}
	for (int i = 0; i < t->ncols; i++) {
		w[i] = width(t->hdr[i]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t cw = width(t->cell[r * (size_t)t->ncols + (size_t)i]);

			if (cw > w[i])
				w[i] = cw;
		}
	}
	print_row(o, t->ncols, w, (char *const *)t->hdr);
	for (size_t r = 0; r < t->nrows; r++)
		print_row(o, t->ncols, w, t->cell + r * (size_t)t->ncols);
	tbl_free(t);
}

void tbl_free(struct tbl *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cell[i]);
	free(t->cell);
	t->cell = NULL;
	t->nrows = t->cap = 0;
}

void adm_list_begin(struct adm *a, struct adm_list *l, int ncols, const char *const *hdr,
		    size_t count, const char *key)
{
	jw_init(&l->w, a->out);
	tbl_init(&l->t, ncols, hdr);
	if (a->json) {
		jw_obj(&l->w, NULL);
		jw_uint(&l->w, "count", count);
		jw_arr(&l->w, key);
	}
}

void adm_list_end(struct adm *a, struct adm_list *l, size_t count, const char *empty)
{
	if (a->json) {
		jw_end_arr(&l->w);
		jw_end_obj(&l->w);
	} else if (count || !empty) {
		tbl_print(&l->t, a->out);
	} else {
		sl_admin_out_puts(a->out, empty);
	}
	tbl_free(&l->t);
}

void adm_kv(struct adm *a, const char *key, const char *fmt, ...)
{
	char raw[1024], clean[1024];
	va_list ap;
	size_t kw = strlen(key);

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	adm_sanitize(clean, sizeof(clean), raw);
	sl_admin_out_printf(a->out, "%s:", key);
	pad(a->out, kw < 15 ? 15 - kw : 1);
	sl_admin_out_printf(a->out, "%s\n", clean);
}
