/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random but well-formed RTP and compound RTCP packets:
 *   RTP (RFC 3550 §5.1): random CSRC count, header extensions in the
 *   one-byte (0xBEDE) and two-byte (0x100X) forms of RFC 8285 §4.2/§4.3,
 *   payloads of 0-1400 octets, sometimes padding (RFC 3550 §5.1 P bit);
 *   RTCP (RFC 3550 §6.4-§6.7): SR or RR first, then SDES, BYE and APP.
 */
#include <string.h>

#include "interop.h"

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* RFC 8285 §4.2: one-byte elements, ID 1-14, L = length - 1 (1-16 octets). */
static size_t ext_one_byte(struct rng *r, uint8_t *b, size_t room)
{
	size_t n = 0;
	unsigned elems = rng_below(r, 4);

	for (unsigned i = 0; i < elems; i++) {
		size_t len = 1 + rng_below(r, 16);

		if (n + 1 + len > room)
			break;
		b[n++] = (uint8_t)((1 + rng_below(r, 14)) << 4 | (len - 1));
		rng_bytes(r, b + n, len);
		n += len;
		if (rng_chance(r, 3) && n < room)
			b[n++] = 0;  /* padding between elements is allowed */
	}
	return n;
}

/* RFC 8285 §4.3: two-byte elements, ID 1-255, length 0-255 octets. */
static size_t ext_two_byte(struct rng *r, uint8_t *b, size_t room)
{
	size_t n = 0;
	unsigned elems = rng_below(r, 4);

	for (unsigned i = 0; i < elems; i++) {
		size_t len = rng_below(r, 24);

		if (n + 2 + len > room)
			break;
		b[n++] = (uint8_t)(1 + rng_below(r, 255));
		b[n++] = (uint8_t)len;
		rng_bytes(r, b + n, len);
		n += len;
	}
	return n;
}

/* Writes the extension header and body at b; returns its length. */
static size_t extension(struct rng *r, uint8_t *b)
{
	const size_t room = 96;
	size_t body;

	memset(b, 0, 4 + room);
	switch (rng_below(r, 3)) {
	case 0:
		put16(b, 0xBEDE);
		body = ext_one_byte(r, b + 4, room);
		break;
	case 1:
		put16(b, (uint16_t)(0x1000 | rng_below(r, 16)));
		body = ext_two_byte(r, b + 4, room);
		break;
	default:  /* a profile-specific extension with opaque content */
		put16(b, (uint16_t)rng_below(r, 0x10000));
		body = rng_below(r, 6) * 4;
		rng_bytes(r, b + 4, body);
		break;
	}
	body = (body + 3) & ~(size_t)3;  /* zero padding to a 32-bit boundary */
	put16(b + 2, (uint16_t)(body / 4));
	return 4 + body;
}

static size_t payload_len(struct rng *r)
{
	switch (rng_below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return 1 + rng_below(r, 16);
	case 2:
		return 1400;
	default:
		return rng_below(r, 1401);
	}
}

void gen_rtp(struct rng *r, struct flow *f, struct pkt *p)
{
	unsigned cc = rng_chance(r, 3) ? 1 + rng_below(r, 15) : 0;
	bool x = rng_chance(r, 2);
	size_t n = 12, pl = payload_len(r);
	unsigned pad = rng_chance(r, 8) ? 1 + rng_below(r, 32) : 0;
	uint8_t pt;

	do
		pt = (uint8_t)rng_below(r, 128);
	while (pt >= 72 && pt <= 76);  /* RFC 5761 §4: keep clear of RTCP */
	memset(p, 0, sizeof(*p));
	p->b[0] = (uint8_t)(0x80 | (pad ? 0x20 : 0) | (x ? 0x10 : 0) | cc);
	p->b[1] = (uint8_t)((rng_chance(r, 4) ? 0x80 : 0) | pt);
	put16(p->b + 2, f->seq++);
	f->ts += 160;
	put32(p->b + 4, f->ts);
	put32(p->b + 8, f->ssrc);
	for (unsigned i = 0; i < cc; i++, n += 4)
		put32(p->b + n, (uint32_t)rng_u64(r));
	if (x)
		n += extension(r, p->b + n);
	p->hdr_len = n;
	rng_bytes(r, p->b + n, pl);
	n += pl;
	if (pad) {
		memset(p->b + n, 0, pad);
		n += pad;
		p->b[n - 1] = (uint8_t)pad;
	}
	p->len = n;
}

/* One report block (RFC 3550 §6.4.1), 24 octets. */
static size_t report_block(struct rng *r, uint8_t *b)
{
	rng_bytes(r, b, 24);
	return 24;
}

static size_t rtcp_sr_rr(struct rng *r, struct flow *f, uint8_t *b)
{
	bool sr = rng_chance(r, 2);
	unsigned rc = rng_below(r, 4);
	size_t n = 8;

	b[0] = (uint8_t)(0x80 | rc);
	b[1] = sr ? 200 : 201;
	put32(b + 4, f->ssrc);
	if (sr) {
		rng_bytes(r, b + n, 20);  /* NTP and RTP timestamps, counts */
		n += 20;
	}
	for (unsigned i = 0; i < rc; i++)
		n += report_block(r, b + n);
	put16(b + 2, (uint16_t)(n / 4 - 1));
	return n;
}

static size_t sdes_text(struct rng *r, uint8_t *b, uint8_t type, size_t max)
{
	size_t len = 1 + rng_below(r, (uint32_t)max);

	b[0] = type;
	b[1] = (uint8_t)len;
	for (size_t i = 0; i < len; i++)
		b[2 + i] = (uint8_t)('a' + rng_below(r, 26));
	return 2 + len;
}

/* RFC 3550 §6.5: one chunk with CNAME (and maybe NAME), then END. */
static size_t rtcp_sdes(struct rng *r, struct flow *f, uint8_t *b)
{
	size_t n = 8;

	b[0] = 0x81;
	b[1] = 202;
	put32(b + 4, f->ssrc);
	n += sdes_text(r, b + n, 1, 40);
	if (rng_chance(r, 2))
		n += sdes_text(r, b + n, 2, 30);
	b[n++] = 0;  /* END */
	while (n % 4)
		b[n++] = 0;
	put16(b + 2, (uint16_t)(n / 4 - 1));
	return n;
}

/* RFC 3550 §6.6: BYE for our SSRC, sometimes with a reason. */
static size_t rtcp_bye(struct rng *r, struct flow *f, uint8_t *b)
{
	size_t n = 8;

	b[0] = 0x81;
	b[1] = 203;
	put32(b + 4, f->ssrc);
	if (rng_chance(r, 2)) {
		size_t len = 1 + rng_below(r, 20);

		b[n++] = (uint8_t)len;
		for (size_t i = 0; i < len; i++)
			b[n++] = (uint8_t)('A' + rng_below(r, 26));
		while (n % 4)
			b[n++] = 0;
	}
	put16(b + 2, (uint16_t)(n / 4 - 1));
	return n;
}

/* RFC 3550 §6.7: APP with a four-letter name and some data words. */
static size_t rtcp_app(struct rng *r, struct flow *f, uint8_t *b)
{
	size_t n = 12, words = rng_below(r, 8);

	b[0] = (uint8_t)(0x80 | rng_below(r, 32));
	b[1] = 204;
	put32(b + 4, f->ssrc);
	memcpy(b + 8, "SLTS", 4);
	rng_bytes(r, b + n, words * 4);
	n += words * 4;
	put16(b + 2, (uint16_t)(n / 4 - 1));
	return n;
}

void gen_rtcp(struct rng *r, struct flow *f, struct pkt *p)
{
	size_t n;

	memset(p, 0, sizeof(*p));
	n = rtcp_sr_rr(r, f, p->b);
	if (!rng_chance(r, 4))
		n += rtcp_sdes(r, f, p->b + n);
	if (rng_chance(r, 4))
		n += rtcp_bye(r, f, p->b + n);
	if (rng_chance(r, 6))
		n += rtcp_app(r, f, p->b + n);
	p->len = n;
	p->hdr_len = 8;
}
