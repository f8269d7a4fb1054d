/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finds the UDP payload in a captured frame and rewrites the frame after the
 * payload changed length (IP lengths, IPv4 header checksum, UDP length and
 * checksum). Shared by shieldlock-srtp and its libsrtp2 interop peer, so both
 * frame packets identically. Link types: Ethernet (with or without one
 * 802.1Q/802.1ad tag), Linux cooked v1/v2, raw IP, IPv4, IPv6, BSD loopback.
 */
#ifndef SL_PCAP_WALK_H
#define SL_PCAP_WALK_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

enum pw_kind {
	PW_UDP = 0,        /* payload located */
	PW_NOT_UDP,        /* not IP, or IP but not UDP */
	PW_FRAGMENT,       /* an IPv4/IPv6 fragment: skipped, not reassembled */
	PW_TRUNCATED,      /* capture shorter than the packet (snaplen) */
	PW_MALFORMED,      /* IP/UDP header inconsistent */
	PW_LINKTYPE,       /* link type not supported */
};

struct pw_udp {
	int ipv;           /* 4 or 6 */
	size_t l3_off;     /* IP header */
	size_t udp_off;    /* UDP header */
	size_t payload_off;
	size_t payload_len;
};

/* Classifies one frame of link type dlt; fills u when it returns PW_UDP. */
enum pw_kind pw_find_udp(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
			 struct pw_udp *u);

/*
 * The payload at frame + u->payload_off now has new_len bytes: rewrites the
 * IP and UDP lengths and checksums. Returns the new frame length, or 0 if
 * the datagram would exceed the IP length limit.
 */
size_t pw_set_payload_len(uint8_t *frame, const struct pw_udp *u, size_t new_len);

/* True for a link type pw_find_udp understands. */
int pw_linktype_supported(int dlt);

/*
 * Opens in_path for reading and out_path for writing with the same link type
 * and timestamp precision. Returns 0, or -1 with a message in errbuf.
 */
int pw_open(const char *in_path, const char *out_path, pcap_t **in, pcap_t **out_handle,
	    pcap_dumper_t **out, char *errbuf, size_t errlen);

#endif
