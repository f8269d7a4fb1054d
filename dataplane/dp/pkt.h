/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet parsing and rewriting on the fast path (docs/dataplane.md,
 * "What a packet must look like").
 *
 * Accepted: Ethernet II with at most one 802.1Q or 802.1ad tag; IPv4
 * without fragmentation (options allowed) or IPv6 whose next header is UDP
 * (no extension headers); UDP whose length equals the IP payload length.
 * Ethernet padding after the IP packet is trimmed off the mbuf. A
 * multi-segment mbuf is linearised first (dropped if that fails).
 */
#ifndef SL_DP_PKT_H
#define SL_DP_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "dp_proto.h"

struct rte_mbuf;

enum dp_parse_res {
	DP_PARSE_OK = 0,
	DP_PARSE_NOT_UDP,      /* not IPv4/IPv6 + UDP (ARP, TCP, IPv6 ext headers...) */
	DP_PARSE_MALFORMED,    /* truncated, bad lengths, IPv4 fragment, bad header */
	DP_PARSE_NOSEG,        /* multi-segment mbuf that could not be linearised */
};

/* What the parser found; offsets from the start of the Ethernet frame. */
struct dp_pkt {
	uint16_t l3_off;       /* IP header */
	uint16_t l4_off;       /* UDP header */
	uint16_t payload_off;  /* UDP payload: the RTP/RTCP/SRTP packet */
	uint16_t payload_len;
	uint8_t ipver;         /* 4 or 6 */
	uint8_t pad;
	uint16_t sport, dport; /* host order */
	uint8_t src[16], dst[16]; /* network order, IPv4 in the first 4 bytes */
};

/* Parses m (and trims Ethernet padding). Idempotent: a packet handed to
 * another worker is parsed again there. */
enum dp_parse_res dp_pkt_parse(struct rte_mbuf *m, struct dp_pkt *p);

/* Pointer to the UDP payload. */
uint8_t *dp_pkt_payload(struct rte_mbuf *m, const struct dp_pkt *p);

/* Bytes that may be written at the payload: its length plus the tailroom. */
uint32_t dp_pkt_payload_cap(const struct rte_mbuf *m, const struct dp_pkt *p);

/*
 * Finishes a packet before transmission: sets the UDP payload length to
 * new_len (the SRTP core changed it in place), applies the rewrite (may be
 * NULL), then fixes the IPv4 total length and header checksum or the IPv6
 * payload length, the UDP length and the UDP checksum (always set: RFC 768,
 * and mandatory for IPv6 per RFC 8200 §8.1). With hw_csum the output
 * device computes the IPv4 header and UDP checksums (the port was set up
 * with the offload): the mbuf gets the offload flags, header lengths and
 * the pseudo-header sum instead. Returns 0, or -1 if the mbuf cannot hold
 * new_len (caller drops).
 */
int dp_pkt_finish(struct rte_mbuf *m, struct dp_pkt *p, uint32_t new_len,
		  const struct sl_dp_rewrite *rw, bool hw_csum);

#endif
