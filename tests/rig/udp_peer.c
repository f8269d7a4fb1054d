/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp_peer: an independent RTP/SRTP endpoint for the rig tests (peer.h).
 *
 *   udp_peer send --to IP:PORT [--from [IP:]PORT] --count N [common]
 *            [--tamper K[,K..]] [--replay K[,K..]] [--interval-us U]
 *   udp_peer recv --listen [IP:]PORT --count N --timeout-ms T [common]
 *   udp_peer pcap-write OUT.pcap --to IP:PORT --from IP:PORT --src-mac M
 *            --dst-mac M --count N [--vlan VID] [--append] [common] [--tamper..]
 *   udp_peer pcap-check IN.pcap --count N [--to IP:PORT] [--from IP:PORT]
 *            [--src-mac M] [--dst-mac M] [common]
 *   common: [--ssrc X] [--seq S] [--roc R] [--payload-size B] [--pt PT]
 *           [--rtcp] [--srtp SUITE:HEXKEYSALT]
 *
 * recv and pcap-check print one JSON object (peer_result_json) and exit 0
 * when exactly --count packets arrived and all checked out, 1 otherwise,
 * 2 on a usage or setup error. --tamper flips a bit in the last byte of the
 * K-th packet (0-based) after protection; --replay sends packet K twice.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: udp_peer send --to IP:PORT [--from [IP:]PORT] --count N [options]\n"
		"       udp_peer recv --listen [IP:]PORT --count N --timeout-ms T [options]\n"
		"       udp_peer pcap-write OUT.pcap --to IP:PORT --from IP:PORT --src-mac M --dst-mac M\n"
		"                --count N [--vlan VID] [--append] [options]\n"
		"       udp_peer pcap-check IN.pcap --count N [--to IP:PORT] [--from IP:PORT]\n"
		"                [--src-mac M] [--dst-mac M] [options]\n"
		"options: --ssrc X --seq S --roc R --payload-size B --pt PT --rtcp\n"
		"         --srtp SUITE:HEXKEYSALT --tamper K[,K] --replay K[,K] --interval-us U\n");
}

/* "1.2.3.4:5", "[::1]:5", or a bare port when port_only_ok. */
static int parse_addr(const char *s, struct peer_addr *a, bool port_only_ok, bool *port_only)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	unsigned long port;

	memset(a, 0, sizeof(*a));
	colon = strrchr(s, ':');
	if (!colon) {
		if (!port_only_ok)
			return -1;
		port = strtoul(s, &end, 10);
		if (*end || port > 65535)
			return -1;
		a->port = (uint16_t)port;
		if (port_only)
			*port_only = true;
		return 0;
	}
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || port > 65535 || colon[1] == 0)
		return -1;
	a->port = (uint16_t)port;
	if (inet_pton(AF_INET, host, a->ip) == 1)
		a->ipv = 4;
	else if (inet_pton(AF_INET6, host, a->ip) == 1)
		a->ipv = 6;
	else
		return -1;
	return 0;
}

static int parse_mac(const char *s, uint8_t *m)
{
	unsigned v[6];

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6 ||
	    strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

static int parse_list(const char *s, unsigned *list, unsigned *n)
{
	char *end;

	for (;;) {
		unsigned long v = strtoul(s, &end, 0);

		if (end == s || *n == PEER_MAX_LIST)
			return -1;
		list[(*n)++] = (unsigned)v;
		if (*end == 0)
			return 0;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

/* SUITE:HEX, key || salt in hex. */
static int parse_srtp(const char *s, struct peer_opts *o)
{
	const char *c = strchr(s, ':');
	size_t hl;

	if (!c || (size_t)(c - s) >= sizeof(o->suite))
		return -1;
	memcpy(o->suite, s, (size_t)(c - s));
	o->suite[c - s] = 0;
	hl = strlen(c + 1);
	if (hl == 0 || hl % 2 || hl / 2 > sizeof(o->key))
		return -1;
	for (size_t i = 0; i < hl / 2; i++) {
		unsigned v;

		if (sscanf(c + 1 + 2 * i, "%2x", &v) != 1)
			return -1;
		o->key[i] = (uint8_t)v;
	}
	o->key_len = (int)(hl / 2);
	o->srtp = true;
	return 0;
}

static int num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || *end || end == s || *v > max ? -1 : 0;
}

/* One option with its argument; returns 0, or -1 naming nothing (caller prints). */
static int opt_value(struct peer_opts *o, const char *k, const char *v)
{
	unsigned long n;

	if (!strcmp(k, "--to"))
		return parse_addr(v, &o->to, false, NULL);
	if (!strcmp(k, "--from"))
		return parse_addr(v, &o->from, true, &o->from_port_only);
	if (!strcmp(k, "--listen"))
		return parse_addr(v, &o->listen, true, NULL);
	if (!strcmp(k, "--src-mac"))
		return o->src_mac_set = true, parse_mac(v, o->src_mac);
	if (!strcmp(k, "--dst-mac"))
		return o->dst_mac_set = true, parse_mac(v, o->dst_mac);
	if (!strcmp(k, "--srtp"))
		return parse_srtp(v, o);
	if (!strcmp(k, "--tamper"))
		return parse_list(v, o->tamper, &o->ntamper);
	if (!strcmp(k, "--replay"))
		return parse_list(v, o->replay, &o->nreplay);
	if (!strcmp(k, "--count"))
		return num(v, 1000000, &n) ? -1 : (o->count = (unsigned)n, 0);
	if (!strcmp(k, "--ssrc"))
		return num(v, 0xffffffffu, &n) ? -1 : (o->ssrc = (uint32_t)n, 0);
	if (!strcmp(k, "--seq"))
		return num(v, 0xffffffffu, &n) ? -1 : (o->seq = (uint32_t)n, 0);
	if (!strcmp(k, "--roc"))
		return num(v, 0xffffffffu, &n) ? -1 : (o->roc = (uint32_t)n, 0);
	if (!strcmp(k, "--payload-size"))
		return num(v, 1400, &n) ? -1 : (o->payload_size = (unsigned)n, 0);
	if (!strcmp(k, "--pt"))
		return num(v, 127, &n) ? -1 : (o->pt = (uint8_t)n, 0);
	if (!strcmp(k, "--vlan"))
		return num(v, 4094, &n) ? -1 : (o->vlan = (uint16_t)n, 0);
	if (!strcmp(k, "--interval-us"))
		return num(v, 10000000, &n) ? -1 : (o->interval_us = (unsigned)n, 0);
	if (!strcmp(k, "--timeout-ms"))
		return num(v, 3600000, &n) ? -1 : (o->timeout_ms = (unsigned)n, 0);
	return -2;
}

static int parse_opts(int argc, char **argv, struct peer_opts *o)
{
	int i = 2;

	o->mode = argv[1];
	o->ssrc = 0x53524947;      /* "SRIG" */
	o->seq = 1000;
	o->payload_size = 160;
	o->interval_us = 20000;
	o->timeout_ms = 3000;
	if (!strcmp(o->mode, "pcap-write") || !strcmp(o->mode, "pcap-check")) {
		if (argc < 3 || argv[2][0] == '-')
			return fprintf(stderr, "udp_peer %s: the pcap file comes first\n", o->mode), -1;
		o->pcap = argv[i++];
	}
	for (; i < argc; i++) {
		int rc;

		if (!strcmp(argv[i], "--rtcp")) {
			o->rtcp = true;
			continue;
		}
		if (!strcmp(argv[i], "--append")) {
			o->append = true;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "udp_peer: %s needs a value\n", argv[i]);
			return -1;
		}
		rc = opt_value(o, argv[i], argv[i + 1]);
		if (rc == -2) {
			fprintf(stderr, "udp_peer: unknown option %s\n", argv[i]);
			return -1;
		}
		if (rc < 0) {
			fprintf(stderr, "udp_peer: bad value '%s' for %s\n", argv[i + 1], argv[i]);
			return -1;
		}
		i++;
	}
	return 0;
}

static socklen_t to_sockaddr(const struct peer_addr *a, int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		if (a->ipv == 4)
			memcpy(&s4->sin_addr, a->ip, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(a->port);
	if (a->ipv == 6) {
		memcpy(&s6->sin6_addr, a->ip, 16);
	} else if (a->ipv == 4) {          /* v4-mapped on a dual-stack socket */
		s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], a->ip, 4);
	}
	return sizeof(*s6);
}

static int open_bound(int family, const struct peer_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(local, family, &ss);
	int zero = 0;
	int fd = socket(family, SOCK_DGRAM, 0);

	/* No SO_REUSEADDR: two peers on one port would steal each other's datagrams. */
	if (fd < 0)
		return -1;
	if (family == AF_INET6 && local->ipv != 6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		char b[64];

		fprintf(stderr, "udp_peer: cannot bind %s (port %u): %s\n",
			peer_addr_str(local, b, sizeof(b)), local->port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void pace(unsigned us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	if (us)
		nanosleep(&ts, NULL);
}

static int do_send(const struct peer_opts *o)
{
	uint8_t pkt[PEER_MAX_PKT];
	struct sockaddr_storage dst;
	socklen_t dl;
	int family, fd, rc = 0;
	srtp_t s = NULL;

	if (!o->to.ipv) {
		fprintf(stderr, "udp_peer send: --to IP:PORT is required\n");
		return 2;
	}
	family = o->to.ipv == 4 ? AF_INET : AF_INET6;
	if (o->from.ipv && o->from.ipv != o->to.ipv) {
		fprintf(stderr, "udp_peer send: --from and --to are different IP versions\n");
		return 2;
	}
	fd = open_bound(family, &o->from);
	if (fd < 0)
		return 2;
	if (o->srtp && peer_srtp_session(o, false, &s) < 0) {
		close(fd);
		return 2;
	}
	dl = to_sockaddr(&o->to, family, &dst);
	for (unsigned i = 0; i < o->count && !rc; i++) {
		size_t n = peer_protect(o, s, i, pkt, peer_build(o, i, pkt));
		unsigned times = peer_in_list(o->replay, o->nreplay, i) ? 2 : 1;

		if (!n)
			rc = 1;
		for (unsigned t = 0; t < times && !rc; t++) {
			if (sendto(fd, pkt, n, 0, (struct sockaddr *)&dst, dl) < 0) {
				fprintf(stderr, "udp_peer send: packet %u: %s\n", i, strerror(errno));
				rc = 1;
			}
		}
		pace(o->interval_us);
	}
	if (s)
		srtp_dealloc(s);
	close(fd);
	if (!rc)
		fprintf(stderr, "udp_peer send: %u packets sent\n", o->count);
	return rc;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void note_from(struct peer_result *r, const struct sockaddr_storage *ss)
{
	struct peer_addr a = { 0 };

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		a.ipv = 4;
		memcpy(a.ip, &s4->sin_addr, 4);
		a.port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		a.port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a.ipv = 4;
			memcpy(a.ip, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a.ipv = 6;
			memcpy(a.ip, &s6->sin6_addr, 16);
		}
	}
	peer_addr_str(&a, r->from, sizeof(r->from));
}

static int recv_loop(const struct peer_opts *o, int fd, srtp_t s, struct peer_result *r)
{
	uint64_t deadline = now_ms() + o->timeout_ms;
	uint8_t buf[65536];

	while (r->received < o->count) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t = now_ms();
		ssize_t n;

		if (t >= deadline)
			break;
		if (poll(&pfd, 1, (int)(deadline - t)) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			continue;
		note_from(r, &ss);
		peer_check(r, s, buf, (size_t)n);
	}
	return 0;
}

static int do_recv(const struct peer_opts *o)
{
	static struct peer_result r;
	int family = o->listen.ipv == 4 ? AF_INET : AF_INET6;
	srtp_t s = NULL;
	int fd, rc;

	if (!o->listen.port) {
		fprintf(stderr, "udp_peer recv: --listen [IP:]PORT is required\n");
		return 2;
	}
	if (peer_result_init(&r) < 0)
		return 2;
	fd = open_bound(family, &o->listen);
	if (fd < 0)
		return 2;
	if (o->srtp && peer_srtp_session(o, true, &s) < 0) {
		close(fd);
		return 2;
	}
	/* Tests wait for this line before they start sending. */
	fprintf(stderr, "udp_peer recv: listening on port %u\n", o->listen.port);
	fflush(stderr);
	recv_loop(o, fd, s, &r);
	close(fd);
	if (s)
		srtp_dealloc(s);
	peer_result_json(stdout, &r);
	rc = r.received == o->count && r.payload_ok == o->count ? 0 : 1;
	peer_result_free(&r);
	return rc;
}

int main(int argc, char **argv)
{
	static struct peer_opts o;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage();
		return argc < 2 ? 2 : 0;
	}
	if (parse_opts(argc, argv, &o) < 0) {
		usage();
		return 2;
	}
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "udp_peer: libsrtp2 failed to initialise\n");
		return 2;
	}
	if (!strcmp(o.mode, "send"))
		rc = do_send(&o);
	else if (!strcmp(o.mode, "recv"))
		rc = do_recv(&o);
	else if (!strcmp(o.mode, "pcap-write"))
		rc = peer_pcap_write(&o);
	else if (!strcmp(o.mode, "pcap-check"))
		rc = peer_pcap_check(&o);
	else {
		fprintf(stderr, "udp_peer: unknown mode '%s' (send, recv, pcap-write, pcap-check)\n",
			o.mode);
		usage();
		rc = 2;
	}
	memset(o.key, 0, sizeof(o.key));   /* test keys, but keep the habit */
	srtp_shutdown();
	return rc;
}
