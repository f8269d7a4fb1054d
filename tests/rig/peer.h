/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp_peer: the rig's independent media endpoint (tests/rig, docs/rig.md).
 *
 * It builds RTP or RTCP packets whose payload bytes are a function of
 * (SSRC, sequence number, byte offset), protects them with libsrtp2 (the
 * reference implementation, never our SRTP core), and sends them over a UDP
 * socket or writes them into an Ethernet pcap. The receiving side
 * (socket or pcap) unprotects with libsrtp2 and checks every payload, so a
 * test learns exactly which packets arrived intact.
 */
#ifndef SL_RIG_PEER_H
#define SL_RIG_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <srtp2/srtp.h>

#define PEER_MAX_PKT    2048
#define PEER_MAX_LIST   64        /* --tamper / --replay indices */
#define PEER_MAX_SEQS   65536     /* sequence numbers remembered by a receiver */
#define PEER_MAX_SSRCS  16

/* An endpoint address: IPv4 or IPv6, network-order bytes, host-order port. */
struct peer_addr {
	int ipv;                  /* 0 = unset, 4, 6 */
	uint8_t ip[16];
	uint16_t port;
};

struct peer_opts {
	const char *mode;         /* send, recv, pcap-write, pcap-check */
	const char *pcap;         /* pcap-write / pcap-check file */
	struct peer_addr to, from, listen;
	bool from_port_only;      /* send --from PORT: bind the wildcard address */
	uint8_t src_mac[6], dst_mac[6];
	bool src_mac_set, dst_mac_set;
	uint16_t vlan;            /* pcap-write: 802.1Q VID, 0 = untagged */
	unsigned count;
	uint32_t ssrc;
	uint32_t seq;             /* first sequence number (RTCP: first SR packet count) */
	uint32_t roc;             /* initial rollover counter for libsrtp2 */
	unsigned payload_size;
	uint8_t pt;               /* RTP payload type */
	bool rtcp;
	bool srtp;
	char suite[40];
	uint8_t key[64];          /* master key || master salt */
	int key_len;
	unsigned tamper[PEER_MAX_LIST], ntamper;
	unsigned replay[PEER_MAX_LIST], nreplay;
	unsigned interval_us;
	unsigned timeout_ms;
	bool append;              /* pcap-write: add to an existing file */
};

/* What a receiver saw; printed as one JSON object. */
struct peer_result {
	unsigned long frames;           /* pcap-check: frames read */
	unsigned long other;            /* pcap-check: UDP to another address, not IP/UDP */
	unsigned long received;         /* datagrams examined */
	unsigned long rtp, rtcp;
	unsigned long decrypted_ok;     /* --srtp: unprotect succeeded */
	unsigned long auth_fail, replay_fail, other_fail;
	unsigned long payload_ok, payload_mismatch, malformed;
	unsigned long duplicates;
	unsigned long bad_ip_csum, bad_udp_csum, no_udp_csum;
	unsigned long src_mismatch, eth_mismatch;
	uint32_t ssrcs[PEER_MAX_SSRCS];
	unsigned nssrcs;
	uint32_t *seqs, *rtcp_seqs;     /* in arrival order */
	unsigned nseqs, nrtcp_seqs;
	uint8_t seen[65536 / 8];        /* RTP sequence numbers seen (duplicates) */
	char from[64];                  /* last source address */
};

/* peer_pkt.c: packets, libsrtp2, verification, JSON. */
int peer_srtp_session(const struct peer_opts *o, bool inbound, srtp_t *s);
size_t peer_build(const struct peer_opts *o, unsigned idx, uint8_t *buf);
/* Protects in place (if --srtp) and applies --tamper; returns the length or 0. */
size_t peer_protect(const struct peer_opts *o, srtp_t s, unsigned idx, uint8_t *buf, size_t len);
bool peer_in_list(const unsigned *list, unsigned n, unsigned idx);
int peer_result_init(struct peer_result *r);
void peer_result_free(struct peer_result *r);
/* Unprotects (if a session is given) and checks one datagram. */
void peer_check(struct peer_result *r, srtp_t s, uint8_t *p, size_t len);
void peer_result_json(FILE *f, const struct peer_result *r);
const char *peer_addr_str(const struct peer_addr *a, char *buf, size_t len);

/* peer_pcap.c */
int peer_pcap_write(const struct peer_opts *o);
int peer_pcap_check(const struct peer_opts *o);

#endif
