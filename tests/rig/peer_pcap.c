/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp_peer pcap-write / pcap-check: the offline (net_pcap) side of the rig
 * tests. Frames are Ethernet (optionally one 802.1Q tag) / IPv4 or IPv6 /
 * UDP with correct checksums (RFC 791, RFC 768, RFC 8200 §8.1); the
 * checker recomputes both so a data plane that rewrites addresses must get
 * them right too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pcap_walk.h"
#include "peer.h"

#define MAX_FRAME (PEER_MAX_PKT + 64)

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 ones' complement sum, not yet folded or inverted. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
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
	return (uint16_t)acc;
}

/* UDP checksum over the pseudo-header (RFC 768; RFC 8200 §8.1 for IPv6). */
static uint16_t udp_csum(int ipv, const uint8_t *src, const uint8_t *dst, const uint8_t *udp,
			 size_t ulen)
{
	size_t alen = ipv == 4 ? 4 : 16;
	uint32_t acc = 0;

	acc = sum16(src, alen, acc);
	acc = sum16(dst, alen, acc);
	acc += 17 + (uint32_t)ulen;
	acc = sum16(udp, ulen, acc);
	return fold(acc);
}

/* Builds one frame around the UDP payload; returns its length. */
static size_t frame(const struct peer_opts *o, const uint8_t *pl, size_t plen, uint8_t *f)
{
	size_t l3, l4, ulen = 8 + plen;
	const uint8_t *src = o->from.ip, *dst = o->to.ip;
	uint16_t c;

	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, o->src_mac, 6);
	l3 = 12;
	if (o->vlan) {
		wr16(f + l3, 0x8100);
		wr16(f + l3 + 2, o->vlan & 0x0fff);
		l3 += 4;
	}
	wr16(f + l3, o->to.ipv == 4 ? 0x0800 : 0x86dd);
	l3 += 2;
	if (o->to.ipv == 4) {
		l4 = l3 + 20;
		memset(f + l3, 0, 20);
		f[l3] = 0x45;
		wr16(f + l3 + 2, (uint32_t)(20 + ulen));
		wr16(f + l3 + 6, 0x4000);        /* DF, not a fragment */
		f[l3 + 8] = 64;
		f[l3 + 9] = 17;
		memcpy(f + l3 + 12, src, 4);
		memcpy(f + l3 + 16, dst, 4);
		wr16(f + l3 + 10, (uint16_t)~fold(sum16(f + l3, 20, 0)));
	} else {
		l4 = l3 + 40;
		memset(f + l3, 0, 40);
		f[l3] = 0x60;
		wr16(f + l3 + 4, (uint32_t)ulen);
		f[l3 + 6] = 17;
		f[l3 + 7] = 64;
		memcpy(f + l3 + 8, src, 16);
		memcpy(f + l3 + 24, dst, 16);
	}
	wr16(f + l4, o->from.port);
	wr16(f + l4 + 2, o->to.port);
	wr16(f + l4 + 4, (uint32_t)ulen);
	wr16(f + l4 + 6, 0);
	memcpy(f + l4 + 8, pl, plen);
	c = (uint16_t)~udp_csum(o->to.ipv, src, dst, f + l4, ulen);
	wr16(f + l4 + 6, c ? c : 0xffff);        /* RFC 768: 0 is sent as all ones */
	return l4 + ulen;
}

static void dump(pcap_dumper_t *d, const uint8_t *f, size_t n, unsigned long k,
		 unsigned interval_us)
{
	struct pcap_pkthdr h;
	uint64_t us = (uint64_t)k * interval_us;

	h.ts.tv_sec = (time_t)(1700000000 + us / 1000000);
	h.ts.tv_usec = (suseconds_t)(us % 1000000);
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)d, &h, f);
}

static int open_out(const struct peer_opts *o, pcap_t **ph, pcap_dumper_t **d)
{
	*ph = pcap_open_dead(DLT_EN10MB, 65535);
	if (!*ph)
		return -1;
	if (o->append && access(o->pcap, F_OK) == 0)
		*d = pcap_dump_open_append(*ph, o->pcap);
	else
		*d = pcap_dump_open(*ph, o->pcap);
	if (!*d) {
		fprintf(stderr, "udp_peer: cannot write %s: %s\n", o->pcap, pcap_geterr(*ph));
		pcap_close(*ph);
		return -1;
	}
	return 0;
}

int peer_pcap_write(const struct peer_opts *o)
{
	uint8_t pkt[PEER_MAX_PKT], f[MAX_FRAME];
	unsigned long k = 0;
	srtp_t s = NULL;
	pcap_dumper_t *d;
	pcap_t *ph;
	int rc = 0;

	if (o->count && (!o->to.ipv || !o->from.ipv || o->to.ipv != o->from.ipv)) {
		fprintf(stderr, "udp_peer pcap-write: --to and --from must be IP:PORT of the same family\n");
		return 2;
	}
	if (o->srtp && peer_srtp_session(o, false, &s) < 0)
		return 2;
	if (open_out(o, &ph, &d) < 0) {
		if (s)
			srtp_dealloc(s);
		return 2;
	}
	for (unsigned i = 0; i < o->count; i++) {
		size_t n = peer_build(o, i, pkt), fl;

		n = peer_protect(o, s, i, pkt, n);
		if (!n) {
			rc = 1;
			break;
		}
		fl = frame(o, pkt, n, f);
		dump(d, f, fl, k++, o->interval_us);
		if (peer_in_list(o->replay, o->nreplay, i))
			dump(d, f, fl, k++, o->interval_us);
	}
	pcap_dump_close(d);
	pcap_close(ph);
	if (s)
		srtp_dealloc(s);
	return rc;
}

/* Verifies the IPv4 header checksum and the UDP checksum of a located datagram. */
static void check_csums(struct peer_result *r, const uint8_t *f, const struct pw_udp *u)
{
	const uint8_t *ip = f + u->l3_off, *udp = f + u->udp_off;
	size_t ulen = rd16(udp + 4);
	const uint8_t *src = u->ipv == 4 ? ip + 12 : ip + 8;
	const uint8_t *dst = u->ipv == 4 ? ip + 16 : ip + 24;

	if (u->ipv == 4 && fold(sum16(ip, (size_t)(ip[0] & 0x0f) * 4, 0)) != 0xffff)
		r->bad_ip_csum++;
	if (rd16(udp + 6) == 0) {
		/* allowed for IPv4 only (RFC 768); never for IPv6 (RFC 8200 §8.1) */
		if (u->ipv == 4)
			r->no_udp_csum++;
		else
			r->bad_udp_csum++;
		return;
	}
	if (fold(udp_csum(u->ipv, src, dst, udp, ulen)) != 0xffff)
		r->bad_udp_csum++;
}

static bool addr_is(const struct peer_addr *a, int ipv, const uint8_t *ip, uint16_t port)
{
	return a->ipv == ipv && !memcmp(a->ip, ip, ipv == 4 ? 4 : 16) && a->port == port;
}

/* One frame: filter on --to, check --from and MACs, checksums, then the payload. */
static void check_frame(const struct peer_opts *o, struct peer_result *r, srtp_t s, int dlt,
			uint8_t *f, size_t caplen, size_t wirelen)
{
	struct pw_udp u;
	const uint8_t *ip;
	struct peer_addr src = { 0 };
	int ipv;

	r->frames++;
	if (pw_find_udp(dlt, f, caplen, wirelen, &u) != PW_UDP) {
		r->other++;
		return;
	}
	ipv = u.ipv;
	ip = f + u.l3_off;
	if (o->to.ipv && !addr_is(&o->to, ipv, ipv == 4 ? ip + 16 : ip + 24,
				  rd16(f + u.udp_off + 2))) {
		r->other++;
		return;
	}
	src.ipv = ipv;
	memcpy(src.ip, ipv == 4 ? ip + 12 : ip + 8, ipv == 4 ? 4 : 16);
	src.port = rd16(f + u.udp_off);
	peer_addr_str(&src, r->from, sizeof(r->from));
	if (o->from.ipv && !addr_is(&o->from, ipv, src.ip, src.port))
		r->src_mismatch++;
	if (dlt == DLT_EN10MB && ((o->dst_mac_set && memcmp(f, o->dst_mac, 6)) ||
				  (o->src_mac_set && memcmp(f + 6, o->src_mac, 6))))
		r->eth_mismatch++;
	check_csums(r, f, &u);
	peer_check(r, s, f + u.payload_off, u.payload_len);
}

int peer_pcap_check(const struct peer_opts *o)
{
	char err[PCAP_ERRBUF_SIZE];
	static uint8_t f[262144];
	static struct peer_result r;
	struct pcap_pkthdr *h;
	const u_char *data;
	srtp_t s = NULL;
	pcap_t *in;
	int rc;

	in = pcap_open_offline(o->pcap, err);
	if (!in) {
		fprintf(stderr, "udp_peer pcap-check: %s\n", err);
		return 2;
	}
	if (peer_result_init(&r) < 0 || (o->srtp && peer_srtp_session(o, true, &s) < 0)) {
		pcap_close(in);
		return 2;
	}
	while (pcap_next_ex(in, &h, &data) == 1) {
		size_t n = h->caplen < sizeof(f) ? h->caplen : sizeof(f);

		memcpy(f, data, n);
		check_frame(o, &r, s, pcap_datalink(in), f, n, h->len);
	}
	pcap_close(in);
	if (s)
		srtp_dealloc(s);
	peer_result_json(stdout, &r);
	rc = r.payload_ok == o->count && r.received == o->count && !r.payload_mismatch &&
	     !r.bad_ip_csum && !r.bad_udp_csum && !r.src_mismatch && !r.eth_mismatch ? 0 : 1;
	peer_result_free(&r);
	return rc;
}
