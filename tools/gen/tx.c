/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transmit side: packet templates, pacing and SRTP protection.
 *
 * Pacing: global packet k is due at t0 + k / rate (see gen.h). Each call
 * sends what is due, at most one burst, so with TX and RX on one lcore the
 * two alternate. When the port refuses packets (TX queue full: with memif,
 * the data plane is not draining its RX ring) the generator retries a few
 * times, then drops them and counts them as "unsent": they count against
 * the run like loss, since they were offered and never got through.
 */
#include <string.h>

#include <arpa/inet.h>
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
#define TX_RETRY  8
#define TSC_MASK  ((1ull << 48) - 1)

static_assert(HDR_LEN + RTP_HDR <= sizeof(((struct gen_tx_stream *)0)->hdr), "template");

/* Ethernet + IPv4 + UDP + RTP header of stream i; seq/ts filled per packet. */
static void build_template(struct gen *g, uint32_t i)
{
	uint8_t *h = g->tx[i].hdr;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)h;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *rtp = (uint8_t *)(udp + 1);
	const struct gen_addr *a = &g->tx_addr[i];
	uint32_t ssrc = htonl(g->ssrc_base + i);

	memset(h, 0, sizeof(g->tx[i].hdr));
	memcpy(eth->dst_addr.addr_bytes, g->eth_dst, 6);
	memcpy(eth->src_addr.addr_bytes, g->tx_mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 46 << 2;            /* DSCP EF, RFC 4594 telephony */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + g->tx_len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = a->src;
	ip->dst_addr = a->dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);   /* constant per stream: no IP id */
	udp->src_port = rte_cpu_to_be_16(a->sport);
	udp->dst_port = rte_cpu_to_be_16(a->dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + g->tx_len));
	rtp[0] = 0x80;                            /* V=2, no padding/extension/CSRC */
	rtp[1] = 0;                               /* PT 0: PCMU (RFC 3551) */
	memcpy(rtp + 8, &ssrc, 4);
}

void gen_build_templates(struct gen *g)
{
	for (uint32_t i = 0; i < g->n; i++)
		build_template(g, i);
}

static void fill_packet(struct gen *g, struct rte_mbuf *m, uint32_t i, uint32_t n)
{
	struct gen_tx_stream *s = &g->tx[i];
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *rtp = d + HDR_LEN;
	uint16_t seq = rte_cpu_to_be_16((uint16_t)(s->seq0 + n));
	uint32_t ts = rte_cpu_to_be_32(s->ts0 + n * g->samples_per_pkt);

	memcpy(d, s->hdr, HDR_LEN + RTP_HDR);
	memcpy(rtp + 2, &seq, 2);
	memcpy(rtp + 4, &ts, 4);
	gen_payload_fill(rtp + RTP_HDR, g->o.payload, g->ssrc_base + i, n);
	m->data_len = (uint16_t)(HDR_LEN + g->rtp_len);
	m->pkt_len = m->data_len;
}

/* Protects the burst in place; packets that fail are marked in bad[]. */
static void protect(struct gen *g, struct rte_mbuf **m, const uint32_t *idx, uint16_t nb,
		    bool *bad)
{
	struct sl_srtp_pkt p[GEN_BURST];

	for (uint16_t j = 0; j < nb; j++) {
		p[j].stream = g->tx[idx[j]].srtp;
		p[j].data = rte_pktmbuf_mtod(m[j], uint8_t *) + HDR_LEN;
		p[j].len = g->rtp_len;
		p[j].cap = (uint32_t)(rte_pktmbuf_tailroom(m[j]) + g->rtp_len);
		p[j].status = 0;
	}
	sl_srtp_protect_burst(g->tx_engine, p, nb);
	for (uint16_t j = 0; j < nb; j++) {
		if (p[j].status || p[j].len != g->tx_len) {
			bad[j] = true;
			continue;
		}
		m[j]->data_len = (uint16_t)(HDR_LEN + p[j].len);
		m[j]->pkt_len = m[j]->data_len;
	}
}

static void udp_checksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
}

/* Test hooks: a dropped packet counts as sent; a corrupted one is sent. */
static bool test_hooks(struct gen *g, struct rte_mbuf *m, uint64_t k)
{
	if (g->o.drop_every && (k + 1) % g->o.drop_every == 0) {
		g->txt.dropped_test++;
		return true;
	}
	if (g->o.corrupt_every && (k + 1) % g->o.corrupt_every == 0) {
		uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, HDR_LEN + RTP_HDR);

		p[0] ^= 0x01;
		g->txt.corrupted_test++;
	}
	return false;
}

static void count_sent(struct gen *g, uint32_t i, uint64_t k)
{
	g->tx[i].sent++;
	if (gen_measured(g, k))
		g->tx[i].sent_meas++;
	__atomic_store_n(&g->txt.sent, g->txt.sent + 1, __ATOMIC_RELAXED);
}

/* Sends what survived; retries a full queue a few times, then gives up. */
static void transmit(struct gen *g, struct rte_mbuf **m, const uint32_t *idx,
		     const uint64_t *kk, uint16_t nb)
{
	uint16_t done = 0;

	for (int t = 0; t < TX_RETRY && done < nb; t++)
		done += rte_eth_tx_burst(g->o.tx_port, 0, m + done, nb - done);
	for (uint16_t j = 0; j < done; j++)
		count_sent(g, idx[j], kk[j]);
	for (uint16_t j = done; j < nb; j++) {
		g->txt.unsent++;
		if (gen_measured(g, kk[j]))
			g->txt.unsent_meas++;
		rte_pktmbuf_free(m[j]);
	}
}

/* Records the send time of every packet before it can possibly arrive. */
static void stamp(struct gen *g, const uint32_t *idx, const uint32_t *num, uint16_t nb)
{
	uint64_t t = (rte_rdtsc() - g->t0) & TSC_MASK;

	for (uint16_t j = 0; j < nb; j++) {
		uint64_t *slot = &g->ring[(size_t)idx[j] * g->o.lat_ring + (num[j] & g->ring_mask)];

		__atomic_store_n(slot, (uint64_t)(num[j] & 0xffff) << 48 | t, __ATOMIC_RELAXED);
	}
}

static uint16_t due_now(struct gen *g, uint64_t now)
{
	uint64_t k = g->txt.offered, due;

	if (now < g->t0)
		return 0;
	due = (uint64_t)((double)(now - g->t0) * g->rate / (double)g->hz) + 1;
	if (due > g->total_pkts)
		due = g->total_pkts;
	if (due <= k)
		return 0;
	return (uint16_t)(due - k > GEN_BURST ? GEN_BURST : due - k);
}

int gen_tx_burst(struct gen *g, uint64_t now)
{
	struct rte_mbuf *m[GEN_BURST], *out[GEN_BURST];
	uint32_t idx[GEN_BURST], num[GEN_BURST], oidx[GEN_BURST], onum[GEN_BURST];
	uint64_t kk[GEN_BURST], okk[GEN_BURST];
	bool bad[GEN_BURST] = { false };
	uint16_t nb, no = 0;
	uint64_t k = g->txt.offered;

	if (g->txt.offered >= g->total_pkts || g->stop) {
		if (!g->t_end_tx)
			g->t_end_tx = rte_rdtsc();   /* stopped by a signal: drain too */
		__atomic_store_n(&g->tx_done, true, __ATOMIC_RELEASE);
		return 0;
	}
	nb = due_now(g, now);
	if (!nb)
		return 0;
	if (rte_pktmbuf_alloc_bulk(g->pool, m, nb)) {
		g->txt.alloc_fail++;
		return 0;
	}
	if (k <= g->warmup_pkts && k + nb > g->warmup_pkts)
		g->t_meas0 = now;
	for (uint16_t j = 0; j < nb; j++, k++) {
		idx[j] = (uint32_t)(k % g->n);
		num[j] = (uint32_t)(k / g->n);
		kk[j] = k;
		fill_packet(g, m[j], idx[j], num[j]);
	}
	g->txt.offered = k;
	if (k > g->warmup_pkts)
		g->txt.offered_meas = RTE_MIN(k, g->meas_end_pkts) - g->warmup_pkts;
	if (g->tx_srtp)
		protect(g, m, idx, nb, bad);
	for (uint16_t j = 0; j < nb; j++) {
		if (bad[j]) {
			/* Fail closed: never send what could not be protected. */
			g->txt.srtp_fail++;
			rte_pktmbuf_free(m[j]);
			continue;
		}
		if (test_hooks(g, m[j], kk[j])) {
			count_sent(g, idx[j], kk[j]);
			rte_pktmbuf_free(m[j]);
			continue;
		}
		if (g->o.udp_csum)
			udp_checksum(m[j]);
		out[no] = m[j];
		oidx[no] = idx[j];
		onum[no] = num[j];
		okk[no++] = kk[j];
	}
	stamp(g, oidx, onum, no);
	transmit(g, out, oidx, okk, no);
	if (k - nb < g->meas_end_pkts)
		g->t_meas1 = now;
	if (g->txt.offered >= g->total_pkts) {
		g->t_end_tx = rte_rdtsc();
		__atomic_store_n(&g->tx_done, true, __ATOMIC_RELEASE);
	}
	return nb;
}
