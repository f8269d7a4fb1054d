/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame walking and UDP rewriting for offline captures (see pcap_walk.h). */
#include <stdio.h>
#include <string.h>

#include "pcap_walk.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

enum { ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_VLAN = 0x8100, ETH_QINQ = 0x88a8 };
enum { IPPROTO_UDP_ = 17, IP6_HOPOPTS = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_DSTOPTS = 60 };

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int pw_linktype_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
	       dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6 || dlt == DLT_NULL ||
	       dlt == DLT_LOOP;
}

/* Offset of the IP header and its version (4/6), or -1 if not IP. */
static long l3_offset(int dlt, const uint8_t *f, size_t len, int *ipv)
{
	uint16_t et;
	size_t off;

	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return -1;
		et = rd16(f + 12);
		off = 14;
		if (et == ETH_VLAN || et == ETH_QINQ) {  /* IEEE 802.1Q: one tag */
			if (len < 18)
				return -1;
			et = rd16(f + 16);
			off = 18;
		}
		break;
	case DLT_LINUX_SLL:       /* 16-byte cooked header, protocol at 14 */
		if (len < 16)
			return -1;
		et = rd16(f + 14);
		off = 16;
		break;
	case DLT_LINUX_SLL2:      /* 20-byte cooked v2 header, protocol at 0 */
		if (len < 20)
			return -1;
		et = rd16(f);
		off = 20;
		break;
	case DLT_NULL:
	case DLT_LOOP: {          /* 4-byte address family, host or network order */
		uint32_t fam;

		if (len < 4)
			return -1;
		fam = dlt == DLT_LOOP ? (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | rd16(f + 2)
				      : ((uint32_t)f[3] << 24 | (uint32_t)f[2] << 16 | (uint32_t)f[1] << 8 | f[0]);
		if (fam > 0xffff)
			fam = (fam >> 24) | ((fam >> 8) & 0xff00);
		et = fam == 2 ? ETH_IPV4 : (fam == 24 || fam == 28 || fam == 30 || fam == 10) ? ETH_IPV6 : 0;
		off = 4;
		break;
	}
	default:                  /* DLT_RAW, DLT_IPV4, DLT_IPV6 */
		if (len < 1)
			return -1;
		et = (f[0] >> 4) == 4 ? ETH_IPV4 : (f[0] >> 4) == 6 ? ETH_IPV6 : 0;
		off = 0;
		break;
	}
	if (et == ETH_IPV4)
		*ipv = 4;
	else if (et == ETH_IPV6)
		*ipv = 6;
	else
		return -1;
	return (long)off;
}

/* RFC 791: the IPv4 header; finds the UDP header. */
static enum pw_kind walk_ipv4(const uint8_t *ip, size_t avail, struct pw_udp *u, size_t *udp_avail)
{
	size_t ihl, total;

	if (avail < 20 || (ip[0] >> 4) != 4)
		return PW_MALFORMED;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = rd16(ip + 2);
	if (ihl < 20 || total < ihl || total > avail)
		return PW_MALFORMED;
	if (rd16(ip + 6) & 0x3fff)  /* MF set or fragment offset != 0 */
		return PW_FRAGMENT;
	if (ip[9] != IPPROTO_UDP_)
		return PW_NOT_UDP;
	u->udp_off = u->l3_off + ihl;
	*udp_avail = total - ihl;
	return PW_UDP;
}

/* RFC 8200: the IPv6 header and extension headers up to UDP. */
static enum pw_kind walk_ipv6(const uint8_t *ip, size_t avail, struct pw_udp *u, size_t *udp_avail)
{
	size_t plen, off = 40;
	uint8_t nh;

	if (avail < 40 || (ip[0] >> 4) != 6)
		return PW_MALFORMED;
	plen = rd16(ip + 4);
	if (plen == 0 || 40 + plen > avail)  /* jumbograms unsupported */
		return PW_MALFORMED;
	nh = ip[6];
	while (nh == IP6_HOPOPTS || nh == IP6_ROUTING || nh == IP6_DSTOPTS || nh == IP6_FRAGMENT) {
		if (off + 8 > 40 + plen)
			return PW_MALFORMED;
		if (nh == IP6_FRAGMENT)
			return PW_FRAGMENT;
		nh = ip[off];
		off += ((size_t)ip[off + 1] + 1) * 8;
	}
	if (nh != IPPROTO_UDP_)
		return PW_NOT_UDP;
	if (off > 40 + plen)
		return PW_MALFORMED;
	u->udp_off = u->l3_off + off;
	*udp_avail = 40 + plen - off;
	return PW_UDP;
}

enum pw_kind pw_find_udp(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
			 struct pw_udp *u)
{
	size_t udp_avail = 0, ulen;
	enum pw_kind k;
	long l3;

	if (!pw_linktype_supported(dlt))
		return PW_LINKTYPE;
	memset(u, 0, sizeof(*u));
	l3 = l3_offset(dlt, frame, caplen, &u->ipv);
	if (l3 < 0)
		return caplen < wirelen ? PW_TRUNCATED : PW_NOT_UDP;
	u->l3_off = (size_t)l3;
	if (u->ipv == 4)
		k = walk_ipv4(frame + l3, caplen - (size_t)l3, u, &udp_avail);
	else
		k = walk_ipv6(frame + l3, caplen - (size_t)l3, u, &udp_avail);
	if (k == PW_MALFORMED && caplen < wirelen)
		return PW_TRUNCATED;
	if (k != PW_UDP)
		return k;
	if (udp_avail < 8)
		return PW_MALFORMED;
	ulen = rd16(frame + u->udp_off + 4);
	if (ulen < 8 || ulen > udp_avail)
		return PW_MALFORMED;
	u->payload_off = u->udp_off + 8;
	u->payload_len = ulen - 8;
	return PW_UDP;
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += rd16(p + i);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* RFC 768 / RFC 8200 §8.1: checksum over the pseudo-header and datagram. */
static void udp_checksum(uint8_t *frame, const struct pw_udp *u, size_t ulen)
{
	const uint8_t *ip = frame + u->l3_off;
	uint8_t *udp = frame + u->udp_off;
	uint32_t acc;
	uint16_t ck;

	wr16(udp + 6, 0);
	if (u->ipv == 4)
		acc = sum16(0, ip + 12, 8);
	else
		acc = sum16(0, ip + 8, 32);
	acc += IPPROTO_UDP_ + (uint32_t)ulen;
	acc = sum16(acc, udp, ulen);
	ck = fold(acc);
	wr16(udp + 6, ck ? ck : 0xffff);
}

size_t pw_set_payload_len(uint8_t *frame, const struct pw_udp *u, size_t new_len)
{
	uint8_t *ip = frame + u->l3_off;
	size_t ulen = 8 + new_len;
	size_t iplen = u->udp_off - u->l3_off + ulen;

	if (u->ipv == 4) {
		if (iplen > 0xffff)
			return 0;
		wr16(ip + 2, (uint16_t)iplen);
		wr16(ip + 10, 0);
		wr16(ip + 10, fold(sum16(0, ip, (size_t)(ip[0] & 0x0f) * 4)));
	} else {
		if (iplen - 40 > 0xffff)
			return 0;
		wr16(ip + 4, (uint16_t)(iplen - 40));
	}
	wr16(frame + u->udp_off + 4, (uint16_t)ulen);
	udp_checksum(frame, u, ulen);
	return u->l3_off + iplen;
}

/* Nanosecond pcap files keep their precision (magic 0xa1b23c4d). */
static int file_precision(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t m[4] = { 0 };
	size_t n;

	if (!f)
		return PCAP_TSTAMP_PRECISION_MICRO;
	n = fread(m, 1, 4, f);
	fclose(f);
	if (n == 4 && ((m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d) ||
		       (m[3] == 0xa1 && m[2] == 0xb2 && m[1] == 0x3c && m[0] == 0x4d)))
		return PCAP_TSTAMP_PRECISION_NANO;
	return PCAP_TSTAMP_PRECISION_MICRO;
}

int pw_open(const char *in_path, const char *out_path, pcap_t **in, pcap_t **out_handle,
	    pcap_dumper_t **out, char *errbuf, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE];
	int prec = file_precision(in_path);

	*in = pcap_open_offline_with_tstamp_precision(in_path, (u_int)prec, pe);
	if (!*in) {
		snprintf(errbuf, errlen, "%s", pe);   /* names the file */
		return -1;
	}
	*out_handle = pcap_open_dead_with_tstamp_precision(pcap_datalink(*in), 262144, (u_int)prec);
	if (!*out_handle) {
		snprintf(errbuf, errlen, "%s: cannot create output handle", out_path);
		goto err_in;
	}
	*out = pcap_dump_open(*out_handle, out_path);
	if (!*out) {
		snprintf(errbuf, errlen, "%s", pcap_geterr(*out_handle));
		goto err_out;
	}
	return 0;
err_out:
	pcap_close(*out_handle);
err_in:
	pcap_close(*in);
	return -1;
}
