/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet / VLAN / IPv4 / IPv6 / UDP parsing and rewriting (pkt.h). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "pkt.h"

#define IPV4_FRAG_MASK (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)

/* Ethernet header and at most one VLAN tag (802.1Q or 802.1ad). Returns the
 * L3 offset and the ethertype in host order, or -1. */
static int parse_eth(const uint8_t *d, uint32_t len, uint16_t *type)
{
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t t;

	if (len < off)
		return -1;
	t = rte_be_to_cpu_16(((const struct rte_ether_hdr *)d)->ether_type);
	if (t == RTE_ETHER_TYPE_VLAN || t == RTE_ETHER_TYPE_QINQ) {
		if (len < off + sizeof(struct rte_vlan_hdr))
			return -1;
		t = rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(d + off))->eth_proto);
		off += sizeof(struct rte_vlan_hdr);
	}
	*type = t;
	return (int)off;
}

/* IPv4: returns the IP packet length (total length) or a parse result. */
static enum dp_parse_res parse_ipv4(const uint8_t *d, uint32_t avail, struct dp_pkt *p,
				    uint32_t *ip_len)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)d;
	uint32_t ihl, tot;

	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return DP_PARSE_MALFORMED;
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < sizeof(*ip) || tot < ihl || tot > avail)
		return DP_PARSE_MALFORMED;
	/* Fragments are not reassembled: an SRTP packet split by IP cannot be
	 * authenticated piecewise, and RTP senders never fragment. */
	if (rte_be_to_cpu_16(ip->fragment_offset) & IPV4_FRAG_MASK)
		return DP_PARSE_MALFORMED;
	if (ip->next_proto_id != IPPROTO_UDP)
		return DP_PARSE_NOT_UDP;
	p->ipver = 4;
	memset(p->src, 0, sizeof(p->src));
	memset(p->dst, 0, sizeof(p->dst));
	memcpy(p->src, &ip->src_addr, 4);
	memcpy(p->dst, &ip->dst_addr, 4);
	p->l4_off = (uint16_t)(p->l3_off + ihl);
	*ip_len = tot;
	return DP_PARSE_OK;
}

/* IPv6 fixed header only: any extension header means "not UDP" for us. */
static enum dp_parse_res parse_ipv6(const uint8_t *d, uint32_t avail, struct dp_pkt *p,
				    uint32_t *ip_len)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)d;
	uint32_t tot;

	if (avail < sizeof(*ip) || (rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return DP_PARSE_MALFORMED;
	tot = sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);
	if (tot > avail)
		return DP_PARSE_MALFORMED;
	if (ip->proto != IPPROTO_UDP)
		return DP_PARSE_NOT_UDP;
	p->ipver = 6;
	memcpy(p->src, ip->src_addr, 16);
	memcpy(p->dst, ip->dst_addr, 16);
	p->l4_off = (uint16_t)(p->l3_off + sizeof(*ip));
	*ip_len = tot;
	return DP_PARSE_OK;
}

enum dp_parse_res dp_pkt_parse(struct rte_mbuf *m, struct dp_pkt *p)
{
	const struct rte_udp_hdr *udp;
	const uint8_t *d;
	uint32_t len, ip_len = 0, udp_len, l4_avail;
	enum dp_parse_res r;
	uint16_t type;
	int off;

	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) != 0)
		return DP_PARSE_NOSEG;
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	len = rte_pktmbuf_data_len(m);
	off = parse_eth(d, len, &type);
	if (off < 0)
		return DP_PARSE_MALFORMED;
	p->l3_off = (uint16_t)off;
	if (type == RTE_ETHER_TYPE_IPV4)
		r = parse_ipv4(d + off, len - (uint32_t)off, p, &ip_len);
	else if (type == RTE_ETHER_TYPE_IPV6)
		r = parse_ipv6(d + off, len - (uint32_t)off, p, &ip_len);
	else
		return DP_PARSE_NOT_UDP;
	if (r != DP_PARSE_OK)
		return r;

	l4_avail = (uint32_t)off + ip_len - p->l4_off;
	if (l4_avail < sizeof(*udp))
		return DP_PARSE_MALFORMED;
	udp = (const struct rte_udp_hdr *)(d + p->l4_off);
	udp_len = rte_be_to_cpu_16(udp->dgram_len);
	/* RFC 768: the UDP length covers header and data; it must fill the IP
	 * payload exactly (anything else is a crafted or damaged packet). */
	if (udp_len != l4_avail)
		return DP_PARSE_MALFORMED;
	p->sport = rte_be_to_cpu_16(udp->src_port);
	p->dport = rte_be_to_cpu_16(udp->dst_port);
	p->payload_off = (uint16_t)(p->l4_off + sizeof(*udp));
	p->payload_len = (uint16_t)(udp_len - sizeof(*udp));

	/* Ethernet pads short frames to 60 bytes: cut the padding so the
	 * payload ends where the mbuf ends (protect appends there). */
	if (len > (uint32_t)off + ip_len)
		rte_pktmbuf_trim(m, (uint16_t)(len - ((uint32_t)off + ip_len)));
	return DP_PARSE_OK;
}

uint8_t *dp_pkt_payload(struct rte_mbuf *m, const struct dp_pkt *p)
{
	return rte_pktmbuf_mtod_offset(m, uint8_t *, p->payload_off);
}

uint32_t dp_pkt_payload_cap(const struct rte_mbuf *m, const struct dp_pkt *p)
{
	return (uint32_t)p->payload_len + rte_pktmbuf_tailroom(m);
}

static void rewrite_ip(uint8_t *l3, const struct dp_pkt *p, const struct sl_dp_rewrite *rw,
		       struct rte_udp_hdr *udp)
{
	if (p->ipver == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		memcpy(&ip->src_addr, rw->src, 4);
		memcpy(&ip->dst_addr, rw->dst, 4);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		memcpy(ip->src_addr, rw->src, 16);
		memcpy(ip->dst_addr, rw->dst, 16);
	}
	udp->src_port = rte_cpu_to_be_16(rw->sport);
	udp->dst_port = rte_cpu_to_be_16(rw->dport);
}

int dp_pkt_finish(struct rte_mbuf *m, struct dp_pkt *p, uint32_t new_len,
		  const struct sl_dp_rewrite *rw, bool hw_csum)
{
	uint32_t want = (uint32_t)p->payload_off + new_len;
	uint32_t have = rte_pktmbuf_pkt_len(m);
	struct rte_udp_hdr *udp;
	uint8_t *d, *l3;
	uint16_t udp_len;

	if (want > UINT16_MAX)
		return -1;
	if (want > have) {
		if (rte_pktmbuf_append(m, (uint16_t)(want - have)) == NULL)
			return -1;
	} else if (want < have) {
		if (rte_pktmbuf_trim(m, (uint16_t)(have - want)) != 0)
			return -1;
	}
	p->payload_len = (uint16_t)new_len;

	d = rte_pktmbuf_mtod(m, uint8_t *);
	l3 = d + p->l3_off;
	udp = (struct rte_udp_hdr *)(d + p->l4_off);
	udp_len = (uint16_t)(sizeof(*udp) + new_len);

	if (rw && (rw->flags & SL_DP_RW_ETH)) {
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;

		memcpy(&eth->src_addr, rw->eth_src, RTE_ETHER_ADDR_LEN);
		memcpy(&eth->dst_addr, rw->eth_dst, RTE_ETHER_ADDR_LEN);
	}
	if (rw && (rw->flags & SL_DP_RW_IP))
		rewrite_ip(l3, p, rw, udp);

	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	if (hw_csum) {
		/* the device fills the checksums in: it needs the header
		 * lengths and, in the UDP field, the pseudo-header sum */
		m->l2_len = p->l3_off;
		m->l3_len = (uint64_t)(p->l4_off - p->l3_off);
	}
	if (p->ipver == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		ip->total_length = rte_cpu_to_be_16((uint16_t)(p->l4_off - p->l3_off + udp_len));
		ip->hdr_checksum = 0;
		if (hw_csum) {
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				       RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
			return 0;
		}
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		/* Optional for IPv4 (RFC 768), but a stale one would make the
		 * receiver drop the packet: always computed. */
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		ip->payload_len = rte_cpu_to_be_16(udp_len);
		if (hw_csum) {
			m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
			udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
			return 0;
		}
		/* RFC 8200 §8.1: mandatory for UDP over IPv6; 0 is sent as 0xffff. */
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip, udp);
	}
	return 0;
}
