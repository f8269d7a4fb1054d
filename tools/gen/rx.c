/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive side: what the data plane sent back.
 *
 * Every packet is parsed (Ethernet, IPv4, UDP, RTP), its stream found by
 * SSRC and its addresses, checksums and length checked. SRTP output is
 * decrypted with the leg's key for 1 in --verify-sample packets of each
 * stream (a per-stream counter, so every stream is sampled alike); RTP
 * output and decrypted SRTP must carry exactly the payload that was sent.
 * Then the packet number n is recovered from the 16-bit sequence number
 * and counted: unique, duplicate, reordered, or too late to tell (older
 * than the 64-packet window). Latency comes from the TX timestamp ring
 * (gen.h), jitter from the RFC 3550 §6.4.1 estimator with the sender's
 * transmit time in place of the RTP timestamp, so --rate pacing (packets
 * sent faster than their timestamps advance) does not count as jitter.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "gen.h"

#define HDR_LEN   (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
		   sizeof(struct rte_udp_hdr))
#define RTP_HDR   12
#define TSC_MASK  ((1ull << 48) - 1)

struct rx_pkt {
	struct rte_mbuf *m;
	uint8_t *rtp;
	uint32_t len;       /* UDP payload bytes */
	uint32_t idx;       /* stream */
	uint32_t n;         /* packet number within the stream */
	bool verify;        /* decrypt (SRTP) or compare (RTP) this one */
	int status;         /* 0, or -SL_SRTP_ERR_x after unprotect */
};

static inline void inc(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

/* RFC 768: the sum over pseudo-header, header and data is all ones. */
static bool udp_checksum_ok(const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp,
			    uint32_t ulen)
{
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);

	sum += rte_raw_cksum(udp, ulen);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Parses and checks the headers; returns the RTP header or NULL (counted). */
static uint8_t *parse(struct gen *g, struct rte_mbuf *m, uint32_t *len, uint32_t *idx)
{
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	const struct gen_addr *a;
	uint32_t dlen = rte_pktmbuf_data_len(m), ulen, ssrc;
	uint8_t *rtp;

	if (dlen < HDR_LEN + RTP_HDR || m->nb_segs != 1)
		goto foreign;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ip->version_ihl != RTE_IPV4_VHL_DEF || ip->next_proto_id != IPPROTO_UDP)
		goto foreign;
	udp = (struct rte_udp_hdr *)(ip + 1);
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) + RTP_HDR || sizeof(struct rte_ether_hdr) +
	    sizeof(struct rte_ipv4_hdr) + ulen > dlen)
		goto foreign;
	rtp = (uint8_t *)(udp + 1);
	memcpy(&ssrc, rtp + 8, 4);
	*idx = rte_be_to_cpu_32(ssrc) - g->ssrc_base;
	if ((rtp[0] & 0xc0) != 0x80 || *idx >= g->n)
		goto foreign;
	a = &g->rx_addr[*idx];
	if (ip->src_addr != a->src || ip->dst_addr != a->dst ||
	    udp->src_port != rte_cpu_to_be_16(a->sport) ||
	    udp->dst_port != rte_cpu_to_be_16(a->dport)) {
		inc(&g->rxt.misrouted);
		return NULL;
	}
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff ||
	    (udp->dgram_cksum && !udp_checksum_ok(ip, udp, ulen))) {
		inc(&g->rxt.bad_csum);
		return NULL;
	}
	*len = ulen - (uint32_t)sizeof(*udp);
	if (*len != g->rx_len) {
		inc(&g->rxt.bad_len);
		return NULL;
	}
	return rtp;
foreign:
	inc(&g->rxt.foreign);
	return NULL;
}

/* Packet number nearest to the reference whose low 16 bits give seq. */
static uint32_t packet_number(const struct gen *g, uint32_t idx, const uint8_t *rtp)
{
	const struct gen_rx_stream *s = &g->rx[idx];
	uint16_t seq = (uint16_t)(rtp[2] << 8 | rtp[3]);
	uint16_t off = (uint16_t)(seq - g->tx[idx].seq0);
	int64_t ref, n;

	/* Before the first packet, the sender's count is the best guess. */
	if (s->any)
		ref = s->max_n;
	else
		ref = (int64_t)gen_load32(&g->tx[idx].sent);
	n = ref + (int16_t)(uint16_t)(off - (uint16_t)ref);
	return n < 0 ? 0 : (uint32_t)n;
}

static void decrypt(struct gen *g, struct rx_pkt *p, uint16_t np)
{
	struct sl_srtp_pkt sp[GEN_BURST];
	struct rx_pkt *map[GEN_BURST];
	uint16_t nv = 0;

	for (uint16_t j = 0; j < np; j++) {
		if (!p[j].verify)
			continue;
		sp[nv].stream = g->rx[p[j].idx].srtp;
		sp[nv].data = p[j].rtp;
		sp[nv].len = p[j].len;
		sp[nv].cap = p[j].len;
		sp[nv].status = 0;
		map[nv++] = &p[j];
	}
	if (!nv)
		return;
	sl_srtp_unprotect_burst(g->rx_engine, sp, nv);
	for (uint16_t j = 0; j < nv; j++) {
		map[j]->status = sp[j].status;
		map[j]->len = sp[j].len;
	}
}

/* Window of the last 64 packet numbers: 1 = new, 0 = duplicate, -1 = too old. */
static int window_update(struct gen_rx_stream *s, uint32_t n, struct gen_rx_totals *t)
{
	uint32_t d;

	if (!s->any) {
		s->any = true;
		s->max_n = n;
		s->window = 1;
		return 1;
	}
	if (n > s->max_n) {
		d = n - s->max_n;
		s->window = d >= 64 ? 1 : s->window << d | 1;
		s->max_n = n;
		return 1;
	}
	d = s->max_n - n;
	if (d >= 64) {
		s->late++;
		inc(&t->late);
		return -1;
	}
	if (s->window & (1ull << d)) {
		s->dup++;
		inc(&t->dup);
		return 0;
	}
	s->window |= 1ull << d;
	s->reorder++;
	inc(&t->reorder);
	return 1;
}

void gen_lat_add(struct gen_rx_totals *t, uint64_t ns)
{
	unsigned b;

	if (ns < 8) {
		b = (unsigned)ns;
	} else {
		unsigned lg = 63u - (unsigned)__builtin_clzll(ns);

		b = (lg - 2) * 8 + (unsigned)((ns >> (lg - 3)) & 7);
	}
	if (b >= GEN_LAT_BUCKETS)
		b = GEN_LAT_BUCKETS - 1;
	t->lat_hist[b]++;
	t->lat_samples++;
}

static void timing(struct gen *g, struct gen_rx_stream *s, uint32_t idx, uint32_t n,
		   uint64_t rx_rel)
{
	uint64_t e = __atomic_load_n(&g->ring[(size_t)idx * g->o.lat_ring + (n & g->ring_mask)],
				     __ATOMIC_RELAXED);
	int64_t transit, dv;
	uint64_t ns;

	if ((e >> 48) != (n & 0xffff) || (e & TSC_MASK) > rx_rel) {
		g->rxt.lat_unknown++;
		return;
	}
	transit = (int64_t)(rx_rel - (e & TSC_MASK));
	ns = (uint64_t)((double)transit * 1e9 / (double)g->hz);
	gen_lat_add(&g->rxt, ns);
	if (ns > s->lat_max_ns)
		s->lat_max_ns = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
	/* RFC 3550 §6.4.1: J += (|D(i-1,i)| - J) / 16, D from transit times. */
	if (s->last_transit) {
		dv = transit - s->last_transit;
		if (dv < 0)
			dv = -dv;
		s->jitter_ns += ((double)dv * 1e9 / (double)g->hz - s->jitter_ns) / 16.0;
	}
	s->last_transit = transit ? transit : 1;
}

static void account(struct gen *g, struct rx_pkt *p, uint64_t rx_rel)
{
	struct gen_rx_stream *s = &g->rx[p->idx];
	bool meas = gen_measured_n(g, p->idx, p->n);
	int w;

	if (p->verify) {
		if (p->status == -SL_SRTP_ERR_AUTH) {
			s->auth_fail++;
			inc(&g->rxt.auth_fail);
			return;
		}
		if (p->status && p->status != -SL_SRTP_ERR_REPLAY &&
		    p->status != -SL_SRTP_ERR_REPLAY_OLD) {
			s->bad++;
			inc(&g->rxt.bad_payload);
			return;
		}
		if (!p->status) {
			s->verified++;
			inc(&g->rxt.verified);
			if (p->len != g->rtp_len ||
			    !gen_payload_check(p->rtp + RTP_HDR, g->o.payload,
					       g->ssrc_base + p->idx, p->n)) {
				s->bad++;
				inc(&g->rxt.bad_payload);
				return;
			}
		}
	}
	w = window_update(s, p->n, &g->rxt);
	if (w <= 0)
		return;
	inc(&g->rxt.unique_all);
	if (!meas) {
		g->rxt.warmup++;
		return;
	}
	s->rx_meas++;
	inc(&g->rxt.unique);
	timing(g, s, p->idx, p->n, rx_rel);
}

void gen_rx_poll(struct gen *g, uint64_t now)
{
	struct rte_mbuf *m[GEN_BURST];
	struct rx_pkt p[GEN_BURST];
	uint16_t nb, np = 0;
	uint64_t bytes = 0, rx_rel;

	(void)now;
	nb = rte_eth_rx_burst(g->o.rx_port, 0, m, GEN_BURST);
	if (!nb)
		return;
	rx_rel = (rte_rdtsc() - g->t0) & TSC_MASK;
	for (uint16_t j = 0; j < nb; j++) {
		struct rx_pkt *q = &p[np];

		bytes += rte_pktmbuf_pkt_len(m[j]);
		q->m = m[j];
		q->rtp = parse(g, m[j], &q->len, &q->idx);
		if (!q->rtp)
			continue;
		q->n = packet_number(g, q->idx, q->rtp);
		q->verify = g->rx[q->idx].rx_count++ % g->o.verify_sample == 0;
		q->status = 0;
		np++;
	}
	if (g->rx_srtp)
		decrypt(g, p, np);
	for (uint16_t j = 0; j < np; j++)
		account(g, &p[j], rx_rel);
	__atomic_store_n(&g->rxt.rx_pkts, g->rxt.rx_pkts + nb, __ATOMIC_RELAXED);
	__atomic_store_n(&g->rxt.rx_bytes, g->rxt.rx_bytes + bytes, __ATOMIC_RELAXED);
	rte_pktmbuf_free_bulk(m, nb);
}
