/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the data plane's packet parser and rewriter
 * (dataplane/dp/pkt.c). The input is one Ethernet frame.
 *
 * No EAL and no mempool: the frame goes into a fake single-segment mbuf
 * whose buffer ends exactly where the frame ends (tailroom 0), so ASan
 * catches any read past the frame. pkt.c only uses the inline mbuf helpers
 * (mtod, trim, append, tailroom, is_contiguous), which need no pool for one
 * segment; rte_pktmbuf_linearize is only called for chained mbufs, which
 * are not built here (freeing segments would need a pool).
 *
 * Properties checked, abort() on violation:
 *  - dp_pkt_parse accepts exactly what a small reference parser written
 *    from pkt.h's rules accepts, with the same offsets, ports and addresses,
 *    and trims the Ethernet padding; parsing again gives the same result.
 *  - dp_pkt_finish with the same, a shorter and a longer payload (with
 *    and without a rewrite derived from the input) leaves a frame whose
 *    lengths agree with each other, whose IPv4 header checksum and UDP
 *    checksum verify with our own one's complement sum (RFC 791, RFC 768,
 *    RFC 8200 §8.1), whose untouched bytes are unchanged, and that the
 *    parser accepts again.
 *  - a payload that does not fit the buffer is refused with -1 and the
 *    mbuf is left as it was.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAME 16384   /* buf_len is 16 bits; keep headroom + frame + tailroom below it */
#define MAX_TAIL  512

/* What the reference parser expects of an accepted frame. */
struct ref {
	uint32_t l3, l4, ip_len;
	uint8_t ipver;
};

struct fake {
	struct rte_mbuf *m;
	uint8_t *buf;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- independent reference: pkt.h's rules, written from the RFCs --------- */

static bool ref_parse(const uint8_t *d, uint32_t len, struct ref *r)
{
	uint32_t off = 14, udp_len;
	uint16_t type;

	if (len < off)
		return false;
	type = be16(d + 12);
	if (type == 0x8100 || type == 0x88a8) {     /* one 802.1Q / 802.1ad tag */
		if (len < 18)
			return false;
		type = be16(d + 16);
		off = 18;
	}
	r->l3 = off;
	if (type == 0x0800) {
		const uint8_t *ip = d + off;
		uint32_t ihl;

		if (len - off < 20 || ip[0] >> 4 != 4)
			return false;
		ihl = (uint32_t)(ip[0] & 0x0f) * 4;
		r->ip_len = be16(ip + 2);
		if (ihl < 20 || r->ip_len < ihl || r->ip_len > len - off)
			return false;
		if (be16(ip + 6) & 0x3fff)           /* MF or fragment offset */
			return false;
		if (ip[9] != 17)
			return false;
		r->ipver = 4;
		r->l4 = off + ihl;
	} else if (type == 0x86dd) {
		const uint8_t *ip = d + off;

		if (len - off < 40 || ip[0] >> 4 != 6)
			return false;
		r->ip_len = 40u + be16(ip + 4);
		if (r->ip_len > len - off || ip[6] != 17)
			return false;
		r->ipver = 6;
		r->l4 = off + 40;
	} else {
		return false;
	}
	udp_len = r->l3 + r->ip_len - r->l4;
	return udp_len >= 8 && be16(d + r->l4 + 4) == udp_len;
}

/* Parse result must match the reference exactly. */
static void check_parsed(const struct dp_pkt *p, const struct ref *r, const uint8_t *orig,
			 struct rte_mbuf *m)
{
	uint32_t alen = r->ipver == 4 ? 4 : 16;
	uint32_t aoff = r->ipver == 4 ? 12 : 8;

	if (p->ipver != r->ipver || p->l3_off != r->l3 || p->l4_off != r->l4 ||
	    p->payload_off != r->l4 + 8 || p->payload_off + p->payload_len != r->l3 + r->ip_len)
		abort();
	if (p->sport != be16(orig + r->l4) || p->dport != be16(orig + r->l4 + 2))
		abort();
	if (memcmp(p->src, orig + r->l3 + aoff, alen) != 0 ||
	    memcmp(p->dst, orig + r->l3 + aoff + alen, alen) != 0)
		abort();
	/* Padding trimmed: the payload ends where the mbuf ends. */
	if (rte_pktmbuf_pkt_len(m) != r->l3 + r->ip_len || rte_pktmbuf_data_len(m) != r->l3 + r->ip_len)
		abort();
	if (dp_pkt_payload(m, p) != rte_pktmbuf_mtod(m, uint8_t *) + p->payload_off)
		abort();
	if (dp_pkt_payload_cap(m, p) != (uint32_t)p->payload_len + rte_pktmbuf_tailroom(m))
		abort();
}

/* ---- our own Internet checksum (RFC 1071) --------------------------------- */

static uint32_t sum16(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* A correct checksum makes the sum over everything, checksum included, 0xffff. */
static bool ipv4_hdr_ok(const uint8_t *ip)
{
	return fold(sum16(0, ip, (uint32_t)(ip[0] & 0x0f) * 4)) == 0xffff;
}

static bool udp_ok(const uint8_t *ip, uint8_t ipver, const uint8_t *udp, uint32_t udp_len)
{
	uint32_t sum;

	/* Always computed: 0 would mean "no checksum" (IPv4) or be invalid (IPv6). */
	if (be16(udp + 6) == 0)
		return false;
	if (ipver == 4)
		sum = sum16(0, ip + 12, 8);          /* RFC 768 pseudo header */
	else
		sum = sum16(0, ip + 8, 32);          /* RFC 8200 §8.1 pseudo header */
	sum += 17 + udp_len;
	return fold(sum16(sum, udp, udp_len)) == 0xffff;
}

/* ---- fake mbufs ----------------------------------------------------------- */

/* The frame sits right after the headroom; tail bytes of room follow it, and
 * the allocation ends there. */
static bool fake_new(struct fake *f, const uint8_t *frame, uint32_t len, uint32_t tail)
{
	uint32_t buf_len = RTE_PKTMBUF_HEADROOM + len + tail;

	f->m = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*f->m));
	f->buf = malloc(buf_len);
	if (!f->m || !f->buf) {
		free(f->m);
		free(f->buf);
		return false;
	}
	memset(f->m, 0, sizeof(*f->m));
	memset(f->buf, 0xa5, buf_len);
	memcpy(f->buf + RTE_PKTMBUF_HEADROOM, frame, len);
	f->m->buf_addr = f->buf;
	f->m->buf_len = (uint16_t)buf_len;
	f->m->data_off = RTE_PKTMBUF_HEADROOM;
	f->m->data_len = (uint16_t)len;
	f->m->pkt_len = len;
	f->m->nb_segs = 1;
	f->m->next = NULL;
	f->m->pool = NULL;
	rte_mbuf_refcnt_set(f->m, 1);
	return true;
}

static void fake_free(struct fake *f)
{
	free(f->buf);
	free(f->m);
}

/* ---- rewrite and lengths derived from the input --------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: any deterministic mixing of the input will do */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint64_t seed_of(const uint8_t *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

static void make_rewrite(uint64_t *s, uint8_t ipver, struct sl_dp_rewrite *rw)
{
	uint8_t bytes[48];

	for (unsigned i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)rng_next(s);
	memset(rw, 0, sizeof(*rw));
	rw->flags = (uint8_t)(rng_next(s) & (SL_DP_RW_IP | SL_DP_RW_ETH));
	rw->sport = (uint16_t)rng_next(s);
	rw->dport = (uint16_t)rng_next(s);
	memcpy(rw->src, bytes, ipver == 4 ? 4 : 16);
	memcpy(rw->dst, bytes + 16, ipver == 4 ? 4 : 16);
	memcpy(rw->eth_src, bytes + 32, 6);
	memcpy(rw->eth_dst, bytes + 38, 6);
}

/* ---- one dp_pkt_finish run ------------------------------------------------ */

/* The frame after dp_pkt_finish(new_len, rw) must be a consistent packet
 * whose untouched bytes are those of the original. */
static void check_finished(const struct rte_mbuf *m, const struct dp_pkt *p, const struct ref *r,
			   const uint8_t *orig, uint32_t new_len, const struct sl_dp_rewrite *rw)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = d + r->l3, *oip = orig + r->l3, *udp = d + r->l4;
	uint32_t old_pl = r->l3 + r->ip_len - (r->l4 + 8);
	uint32_t alen = r->ipver == 4 ? 4 : 16, aoff = r->ipver == 4 ? 12 : 8;
	bool rw_ip = rw && (rw->flags & SL_DP_RW_IP);
	bool rw_eth = rw && (rw->flags & SL_DP_RW_ETH);
	uint32_t udp_len = 8 + new_len;

	if (rte_pktmbuf_pkt_len(m) != r->l4 + udp_len || rte_pktmbuf_data_len(m) != r->l4 + udp_len ||
	    p->payload_len != new_len || p->payload_off != r->l4 + 8)
		abort();
	if (be16(udp + 4) != udp_len)
		abort();
	/* Ethernet: rewritten or unchanged; the tag and ethertype are never touched. */
	if (memcmp(d, rw_eth ? rw->eth_dst : orig, 6) != 0 ||
	    memcmp(d + 6, rw_eth ? rw->eth_src : orig + 6, 6) != 0 ||
	    memcmp(d + 12, orig + 12, r->l3 - 12) != 0)
		abort();
	/* Addresses and ports: rewritten or unchanged. */
	if (memcmp(ip + aoff, rw_ip ? rw->src : oip + aoff, alen) != 0 ||
	    memcmp(ip + aoff + alen, rw_ip ? rw->dst : oip + aoff + alen, alen) != 0)
		abort();
	if (be16(udp) != (rw_ip ? rw->sport : be16(orig + r->l4)) ||
	    be16(udp + 2) != (rw_ip ? rw->dport : be16(orig + r->l4 + 2)))
		abort();
	if (r->ipver == 4) {
		/* total length fixed, header checksum valid; the rest of the header
		 * (TOS, id, flags, TTL, protocol, options) untouched */
		if (be16(ip + 2) != r->l4 - r->l3 + udp_len || !ipv4_hdr_ok(ip))
			abort();
		if (ip[0] != oip[0] || ip[1] != oip[1] || memcmp(ip + 4, oip + 4, 6) != 0 ||
		    memcmp(ip + 20, oip + 20, r->l4 - r->l3 - 20) != 0)
			abort();
	} else {
		if (be16(ip + 4) != udp_len || memcmp(ip, oip, 4) != 0 || memcmp(ip + 6, oip + 6, 2) != 0)
			abort();
	}
	if (!udp_ok(ip, r->ipver, udp, udp_len))
		abort();
	/* The payload the SRTP core left is not touched. */
	if (memcmp(udp + 8, orig + r->l4 + 8, new_len < old_pl ? new_len : old_pl) != 0)
		abort();
}

/* After a successful finish the frame must parse again, as the new frame. */
static void check_reparse(struct rte_mbuf *m, uint32_t new_len)
{
	struct dp_pkt p2;
	struct ref r2;
	uint32_t len = rte_pktmbuf_data_len(m);
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return;
	memcpy(copy, rte_pktmbuf_mtod(m, uint8_t *), len);
	if (!ref_parse(copy, len, &r2) || dp_pkt_parse(m, &p2) != DP_PARSE_OK)
		abort();
	check_parsed(&p2, &r2, copy, m);
	if (p2.payload_len != new_len)
		abort();
	free(copy);
}

/*
 * One run on a fresh mbuf with tail bytes of tailroom: parse, then finish
 * with new_len, which must be accepted exactly when it fits the room.
 */
static void run_finish(const uint8_t *data, uint32_t size, const struct ref *r, uint32_t tail,
		       uint32_t new_len, const struct sl_dp_rewrite *rw)
{
	struct fake f;
	struct dp_pkt p;
	uint32_t room, before_len;
	uint8_t *before;

	if (!fake_new(&f, data, size, tail))
		return;
	if (dp_pkt_parse(f.m, &p) != DP_PARSE_OK)
		abort();
	room = (uint32_t)p.payload_len + rte_pktmbuf_tailroom(f.m);
	before_len = rte_pktmbuf_data_len(f.m);
	before = malloc(before_len ? before_len : 1);
	if (!before) {
		fake_free(&f);
		return;
	}
	memcpy(before, rte_pktmbuf_mtod(f.m, uint8_t *), before_len);

	if (new_len <= room && p.payload_off + new_len <= UINT16_MAX) {
		if (dp_pkt_finish(f.m, &p, new_len, rw, false) != 0)
			abort();
		check_finished(f.m, &p, r, data, new_len, rw);
		check_reparse(f.m, new_len);
	} else {
		/* Does not fit: refused, nothing changed (the caller drops it). */
		if (dp_pkt_finish(f.m, &p, new_len, rw, false) != -1)
			abort();
		if (rte_pktmbuf_data_len(f.m) != before_len || rte_pktmbuf_pkt_len(f.m) != before_len ||
		    memcmp(rte_pktmbuf_mtod(f.m, uint8_t *), before, before_len) != 0)
			abort();
	}
	free(before);
	fake_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_dp_rewrite rw;
	struct dp_pkt p, p2;
	struct fake f;
	struct ref r;
	enum dp_parse_res res;
	uint64_t s;
	uint32_t pl, tail;
	bool ok;

	if (size > MAX_FRAME)
		return 0;
	ok = ref_parse(data, (uint32_t)size, &r);

	/* Parse with tailroom 0: the frame ends where the allocation ends. */
	if (!fake_new(&f, data, (uint32_t)size, 0))
		return 0;
	memset(&p, 0, sizeof(p));
	res = dp_pkt_parse(f.m, &p);
	if ((res == DP_PARSE_OK) != ok)
		abort();
	if (res != DP_PARSE_OK && res != DP_PARSE_NOT_UDP && res != DP_PARSE_MALFORMED)
		abort();
	if (res == DP_PARSE_OK) {
		check_parsed(&p, &r, data, f.m);
		/* Idempotent: a packet handed to another worker is parsed again. */
		memset(&p2, 0, sizeof(p2));
		if (dp_pkt_parse(f.m, &p2) != DP_PARSE_OK || memcmp(&p, &p2, sizeof(p)) != 0)
			abort();
	}
	fake_free(&f);
	if (!ok)
		return 0;

	s = seed_of(data, size);
	pl = r.l3 + r.ip_len - r.l4 - 8;
	tail = (uint32_t)(rng_next(&s) % (MAX_TAIL + 1));

	/* Same length, no rewrite (forward), no room. */
	run_finish(data, (uint32_t)size, &r, 0, pl, NULL);
	/* Shorter (unprotect strips the tag), with a rewrite, no room. */
	make_rewrite(&s, r.ipver, &rw);
	run_finish(data, (uint32_t)size, &r, 0, pl ? (uint32_t)(rng_next(&s) % pl) : 0, &rw);
	/* Longer within the room (protect appends the tag and MKI). The room is
	 * tailroom plus any Ethernet padding that parse trims. */
	make_rewrite(&s, r.ipver, &rw);
	run_finish(data, (uint32_t)size, &r, tail,
		   pl + (uint32_t)(rng_next(&s) % (size - (r.l3 + r.ip_len) + tail + 1)), &rw);
	/* One byte more than the room, and more than a UDP packet can hold. */
	run_finish(data, (uint32_t)size, &r, tail, (uint32_t)(size - r.l4 - 8) + tail + 1, &rw);
	run_finish(data, (uint32_t)size, &r, tail, 0x10000, &rw);
	return 0;
}
