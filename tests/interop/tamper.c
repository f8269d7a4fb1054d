/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the parts of a protected packet are, for flipping one bit in one
 * of them, and failure reporting.
 *
 * SRTP (RFC 3711 §3.1): header | payload | MKI | tag. With AEAD (RFC 7714
 * §4, as libsrtp2 lays it out) the tag ends the cipher text and the MKI
 * follows it: header | payload | tag | MKI.
 * SRTCP (RFC 3711 §3.4): header | payload | E||index | MKI | tag; with AEAD
 * (RFC 7714 §9): header | payload | tag | E||index | MKI.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "interop.h"

const char *const region_names[REG__COUNT] = {
	[REG_HEADER] = "header",
	[REG_PAYLOAD] = "payload",
	[REG_MKI] = "MKI",
	[REG_TAG] = "tag",
	[REG_INDEX] = "E||index",
};

static void set(struct layout *l, enum region g, size_t start, size_t len)
{
	l->start[g] = start;
	l->len[g] = len;
}

void layout_rtp(const struct flow *f, const struct pkt *plain, struct layout *l)
{
	size_t end = plain->len, mki = f->mki_len, tag = f->su->rtp_tag;

	memset(l, 0, sizeof(*l));
	set(l, REG_HEADER, 0, plain->hdr_len);
	set(l, REG_PAYLOAD, plain->hdr_len, end - plain->hdr_len);
	if (f->su->aead) {
		set(l, REG_TAG, end, tag);
		set(l, REG_MKI, end + tag, mki);
	} else {
		set(l, REG_MKI, end, mki);
		set(l, REG_TAG, end + mki, tag);
	}
}

void layout_rtcp(const struct flow *f, const struct pkt *plain, struct layout *l)
{
	size_t end = plain->len, mki = f->mki_len, tag = f->su->rtcp_tag;

	memset(l, 0, sizeof(*l));
	set(l, REG_HEADER, 0, 8);
	set(l, REG_PAYLOAD, 8, end - 8);
	if (f->su->aead) {
		set(l, REG_TAG, end, tag);
		set(l, REG_INDEX, end + tag, 4);
		set(l, REG_MKI, end + tag + 4, mki);
	} else {
		set(l, REG_INDEX, end, 4);
		set(l, REG_MKI, end + 4, mki);
		set(l, REG_TAG, end + 4 + mki, tag);
	}
}

enum region tamper(struct rng *r, const struct layout *l, uint8_t *b, size_t *bit_out)
{
	enum region g;
	size_t bit;

	do
		g = (enum region)rng_below(r, REG__COUNT);
	while (l->len[g] == 0);
	bit = l->start[g] * 8 + rng_below(r, (uint32_t)(l->len[g] * 8));
	b[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	*bit_out = bit;
	return g;
}

bool mki_known(const struct flow *f, const uint8_t *b)
{
	for (unsigned i = 0; i < f->nkeys; i++)
		if (memcmp(f->mki[i], b, f->mki_len) == 0)
			return true;
	return false;
}

#define MAX_REPORTS 15

void report(struct stats *st, const struct flow *f, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (st->reported++ >= MAX_REPORTS) {
		if (st->reported == MAX_REPORTS + 1)
			printf("    (further failures of this suite not shown)\n");
		return;
	}
	printf("    FAIL [%s] %s: ", f ? f->label : "-", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void report_pkt(struct stats *st, const char *label, const uint8_t *b, size_t n)
{
	if (st->reported > MAX_REPORTS)
		return;
	printf("      %s (%zu):", label, n);
	for (size_t i = 0; i < n && i < 96; i++)
		printf("%s%02x", i % 32 ? "" : "\n        ", b[i]);
	printf("%s\n", n > 96 ? " ..." : "");
}
