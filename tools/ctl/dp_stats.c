/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl dp stats | status | events: the data plane's counters,
 * configuration and event stream, as tables or JSON (docs/shieldlockctl.md
 * says what every counter means).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "flowspec.h"

static int usage_err(const char *what)
{
	return ctl_err(CTL_EXIT_USAGE, "%s (see shieldlockctl dp --help)", what);
}

/* ---- stats ---------------------------------------------------------------------- */

static void stats_text(const struct sl_dp_stats *s)
{
	printf("uptime %.1f s, flows %" PRIu64 " of %" PRIu64 "\n", s->uptime_ns / 1e9, s->flows,
	       s->flows_capacity);
	printf("no flow:  dropped %" PRIu64 ", punted %" PRIu64 ", punt dropped %" PRIu64 "\n",
	       s->no_flow_drop, s->no_flow_punt, s->punt_drop);
	printf("dropped:  auth-fail %" PRIu64 ", replay %" PRIu64 ", malformed %" PRIu64
	       ", engine-err %" PRIu64 "\n", s->auth_fail, s->replay, s->malformed, s->engine_err);
	printf("latching: %" PRIu64 " events\n\n", s->latch_events);
	printf("%4s %12s %14s %12s %14s %9s %9s %9s %9s %9s %9s\n", "PORT", "RX-PKTS", "RX-BYTES",
	       "TX-PKTS", "TX-BYTES", "RX-MISSED", "RX-NOMBUF", "TX-DROP", "NO-FLOW", "NOT-UDP",
	       "MALFORMED");
	for (uint32_t i = 0; i < s->nports && i < SL_DP_MAX_PORTS; i++) {
		const struct sl_dp_port_counters *p = &s->port[i];

		printf("%4u %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64 " %9" PRIu64
		       " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
		       i, p->rx_pkts, p->rx_bytes, p->tx_pkts, p->tx_bytes, p->rx_missed, p->rx_nombuf,
		       p->tx_drop, p->no_flow, p->not_udp, p->malformed);
	}
	printf("\n%6s %12s %12s %12s %12s %12s %16s %14s\n", "WORKER", "RX-PKTS", "PROCESSED",
	       "HANDOFF-OUT", "HANDOFF-IN", "HANDOFF-DROP", "BUSY-CYCLES", "IDLE-POLLS");
	for (uint32_t i = 0; i < s->nworkers && i < SL_DP_MAX_WORKERS; i++) {
		const struct sl_dp_worker_counters *w = &s->worker[i];

		printf("%6u %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64
		       " %16" PRIu64 " %14" PRIu64 "\n", i, w->rx_pkts, w->processed, w->handoff_out,
		       w->handoff_in, w->handoff_drop, w->busy_cycles, w->idle_polls);
	}
}

static void stats_json(const struct sl_dp_stats *s)
{
	sl_dp_stats_print_json_open(stdout, s, NULL);
	printf("}\n");
}

int ctl_dp_stats(const struct ctl_opts *o, int argc, char **argv)
{
	struct sl_dp_stats *s;
	struct sl_dp_client *c;
	char msg[512];
	int rc;

	(void)argv;
	if (argc != 0)
		return usage_err("dp stats takes no arguments");
	s = calloc(1, sizeof(*s));
	if (!s)
		return ctl_err(CTL_EXIT_FAIL, "out of memory");
	c = ctl_dp_connect(o);
	if (!c) {
		free(s);
		return CTL_EXIT_FAIL;
	}
	rc = sl_dp_stats_get(c, s, msg, sizeof(msg));
	sl_dp_client_close(c);
	if (rc < 0)
		rc = ctl_err(CTL_EXIT_FAIL, "dp stats: %s", msg);
	else if (o->json)
		stats_json(s);
	else
		stats_text(s);
	free(s);
	return rc < 0 ? CTL_EXIT_FAIL : rc;
}

/* ---- status ------------------------------------------------------------------------ */

/* Fixed-size strings from the wire may lack a NUL: copy and terminate. */
#define WIRE_STR(dst, src) do { \
	memcpy(dst, src, sizeof(src)); \
	dst[sizeof(src)] = '\0'; \
} while (0)

/* JSON string: the fields are names and versions, but escape anyway. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void status_text(const struct sl_dp_status *s, const char *peer)
{
	char v[33], e[33], ea[65], name[65], drv[33];

	WIRE_STR(v, s->version);
	WIRE_STR(e, s->engine);
	WIRE_STR(ea, s->engine_args);
	if (strcmp(v, peer))
		printf("data plane %s (hello: %s)\n", v, peer);
	else
		printf("data plane %s\n", v);
	printf("engine     %s%s%s%s\n", e, ea[0] ? " (" : "", ea, ea[0] ? ")" : "");
	printf("no flow    %s\n", s->default_policy ? "punt to the control plane" : "drop");
	printf("replay     window %u packets\n", s->replay_window);
	printf("workers    %u:", s->nworkers);
	for (unsigned i = 0; i < s->nworkers && i < SL_DP_MAX_WORKERS; i++)
		printf(" %u@lcore%u", i, s->worker_lcore[i]);
	printf("\n\n%4s %-24s %-16s %-5s %10s %4s %4s %s\n", "PORT", "NAME", "DRIVER", "LINK",
	       "SPEED", "RXQ", "TXQ", "MAC");
	for (unsigned i = 0; i < s->nports && i < SL_DP_MAX_PORTS; i++) {
		const struct sl_dp_port_status *p = &s->port[i];
		char speed[16];

		WIRE_STR(name, p->name);
		WIRE_STR(drv, p->driver);
		if (p->speed_mbps)
			snprintf(speed, sizeof(speed), "%u Mb/s", p->speed_mbps);
		else
			snprintf(speed, sizeof(speed), "-");
		printf("%4u %-24s %-16s %-5s %10s %4u %4u %02x:%02x:%02x:%02x:%02x:%02x\n", p->port_id,
		       name, drv, p->link_up ? "up" : "down", speed, p->nb_rxq, p->nb_txq, p->mac[0],
		       p->mac[1], p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
	}
}

static void status_json(const struct sl_dp_status *s, const char *peer)
{
	char v[33], e[33], ea[65], name[65], drv[33];

	WIRE_STR(v, s->version);
	WIRE_STR(e, s->engine);
	WIRE_STR(ea, s->engine_args);
	printf("{\"version\":");
	json_str(v);
	printf(",\"name\":");
	json_str(peer);
	printf(",\"engine\":");
	json_str(e);
	printf(",\"engine_args\":");
	json_str(ea);
	printf(",\"default_policy\":\"%s\",\"replay_window\":%u,\"workers\":[",
	       s->default_policy ? "punt" : "drop", s->replay_window);
	for (unsigned i = 0; i < s->nworkers && i < SL_DP_MAX_WORKERS; i++)
		printf("%s{\"worker\":%u,\"lcore\":%u}", i ? "," : "", i, s->worker_lcore[i]);
	printf("],\"ports\":[");
	for (unsigned i = 0; i < s->nports && i < SL_DP_MAX_PORTS; i++) {
		const struct sl_dp_port_status *p = &s->port[i];

		WIRE_STR(name, p->name);
		WIRE_STR(drv, p->driver);
		printf("%s{\"port_id\":%u,\"name\":", i ? "," : "", p->port_id);
		json_str(name);
		printf(",\"driver\":");
		json_str(drv);
		printf(",\"link_up\":%s,\"speed_mbps\":%u,\"nb_rxq\":%u,\"nb_txq\":%u,"
		       "\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\"}", p->link_up ? "true" : "false",
		       p->speed_mbps, p->nb_rxq, p->nb_txq, p->mac[0], p->mac[1], p->mac[2], p->mac[3],
		       p->mac[4], p->mac[5]);
	}
	printf("]}\n");
}

int ctl_dp_status(const struct ctl_opts *o, int argc, char **argv)
{
	struct sl_dp_status *s;
	struct sl_dp_client *c;
	char msg[512], peer[32];
	int rc;

	(void)argv;
	if (argc != 0)
		return usage_err("dp status takes no arguments");
	s = calloc(1, sizeof(*s));
	if (!s)
		return ctl_err(CTL_EXIT_FAIL, "out of memory");
	c = ctl_dp_connect(o);
	if (!c) {
		free(s);
		return CTL_EXIT_FAIL;
	}
	rc = sl_dp_status_get(c, s, msg, sizeof(msg));
	snprintf(peer, sizeof(peer), "%s", sl_dp_client_peer_name(c));
	sl_dp_client_close(c);
	if (rc < 0)
		rc = ctl_err(CTL_EXIT_FAIL, "dp status: %s", msg);
	else if (o->json)
		status_json(s, peer);
	else
		status_text(s, peer);
	free(s);
	return rc < 0 ? CTL_EXIT_FAIL : rc;
}

/* ---- events --------------------------------------------------------------------------- */

/* What a punted packet is: Ethernet (+ one VLAN tag), IPv4/IPv6, UDP. */
struct pkt_summary {
	uint16_t ethertype;
	uint8_t ipver, proto;
	char src[64], dst[64];
	bool udp;
};

static void summarize(const uint8_t *p, uint32_t len, struct pkt_summary *s)
{
	uint32_t off = 14, l4;

	memset(s, 0, sizeof(*s));
	if (len < 14)
		return;
	s->ethertype = (uint16_t)(p[12] << 8 | p[13]);
	if (s->ethertype == 0x8100 && len >= 18) {
		s->ethertype = (uint16_t)(p[16] << 8 | p[17]);
		off = 18;
	}
	if (s->ethertype == 0x0800 && len >= off + 20) {
		s->ipver = 4;
		s->proto = p[off + 9];
		l4 = off + (uint32_t)(p[off] & 0x0f) * 4;
	} else if (s->ethertype == 0x86dd && len >= off + 40) {
		s->ipver = 6;
		s->proto = p[off + 6];
		l4 = off + 40;
	} else {
		return;
	}
	s->udp = s->proto == 17 && len >= l4 + 8;
	sl_flowspec_addr_str(s->ipver, p + off + (s->ipver == 4 ? 12 : 8),
			     s->udp ? (uint16_t)(p[l4] << 8 | p[l4 + 1]) : 0, s->src, sizeof(s->src));
	sl_flowspec_addr_str(s->ipver, p + off + (s->ipver == 4 ? 16 : 24),
			     s->udp ? (uint16_t)(p[l4 + 2] << 8 | p[l4 + 3]) : 0, s->dst, sizeof(s->dst));
}

static void print_punt(const struct ctl_opts *o, const uint8_t *buf, uint32_t len)
{
	struct sl_dp_event_punt ev;
	struct pkt_summary s;
	const uint8_t *pkt = buf + sizeof(ev);
	uint32_t plen;

	memcpy(&ev, buf, sizeof(ev));
	plen = len - (uint32_t)sizeof(ev);
	if (ev.len < plen)
		plen = ev.len;
	summarize(pkt, plen, &s);
	if (o->json) {
		printf("{\"event\":\"punt\",\"in_port\":%u,\"len\":%u,\"orig_len\":%u,\"time_ns\":%" PRIu64
		       ",\"ip_version\":%u,\"protocol\":%u,\"src\":\"%s\",\"dst\":\"%s\",\"data\":\"",
		       ev.in_port, plen, ev.orig_len, ev.time_ns, s.ipver, s.proto, s.src, s.dst);
		for (uint32_t i = 0; i < plen; i++)
			printf("%02x", pkt[i]);
		printf("\"}\n");
		return;
	}
	printf("punt  port %u, %u bytes", ev.in_port, ev.orig_len);
	if (plen < ev.orig_len)
		printf(" (%u kept)", plen);
	if (s.ipver)
		printf(": %s %s -> %s", s.udp ? "UDP" : "IP", s.src, s.dst);
	else
		printf(": ethertype 0x%04x", s.ethertype);
	if (s.ipver && !s.udp)
		printf(" protocol %u", s.proto);
	putchar('\n');
}

static void print_latch(const struct ctl_opts *o, const uint8_t *buf)
{
	struct sl_dp_event_latch ev;
	char a[64];

	memcpy(&ev, buf, sizeof(ev));
	sl_flowspec_addr_str(ev.ip_version, ev.src, ev.sport, a, sizeof(a));
	if (o->json)
		printf("{\"event\":\"latch\",\"flow_id\":%" PRIu64 ",\"src\":\"%s\",\"ssrc\":%u}\n",
		       ev.flow_id, a, ev.ssrc);
	else
		printf("latch flow %" PRIu64 " now sends to %s (ssrc 0x%08x)\n", ev.flow_id, a, ev.ssrc);
}

static int parse_events_args(int argc, char **argv, uint32_t *events, long *count)
{
	for (int i = 0; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--punt")) {
			*events |= SL_DP_SUB_PUNT;
		} else if (!strcmp(argv[i], "--latch")) {
			*events |= SL_DP_SUB_LATCH;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			*count = strtol(argv[++i], &end, 10);
			if (*end || *count <= 0)
				return usage_err("dp events --count needs a positive number");
		} else {
			char what[128];

			snprintf(what, sizeof(what), "dp events: unknown argument '%s'", argv[i]);
			return usage_err(what);
		}
	}
	if (!*events)
		*events = SL_DP_SUB_PUNT | SL_DP_SUB_LATCH;
	return 0;
}

static int event_loop(struct sl_dp_client *c, const struct ctl_opts *o, long count)
{
	uint8_t *buf = malloc(SL_DP_MSG_MAX);
	char msg[512];
	long seen = 0;
	int rc = CTL_EXIT_OK;

	if (!buf)
		return ctl_err(CTL_EXIT_FAIL, "out of memory");
	while (count == 0 || seen < count) {
		uint16_t type;
		uint32_t len;
		int r = sl_dp_next_event(c, -1, &type, buf, SL_DP_MSG_MAX, &len, msg, sizeof(msg));

		if (r < 0) {
			rc = ctl_err(CTL_EXIT_FAIL, "dp events: %s", msg);
			break;
		}
		if (r == 0)
			continue;
		if (type == SL_DP_EVENT_PUNT)
			print_punt(o, buf, len);
		else
			print_latch(o, buf);
		fflush(stdout);
		seen++;
	}
	free(buf);
	return rc;
}

int ctl_dp_events(const struct ctl_opts *o, int argc, char **argv)
{
	struct sl_dp_client *c;
	uint32_t events = 0;
	long count = 0;
	char msg[512];
	int rc = parse_events_args(argc, argv, &events, &count);

	if (rc)
		return rc;
	c = ctl_dp_connect(o);
	if (!c)
		return CTL_EXIT_FAIL;
	if (sl_dp_subscribe(c, events, msg, sizeof(msg)) < 0) {
		sl_dp_client_close(c);
		return ctl_err(CTL_EXIT_FAIL, "dp events: subscribe refused: %s", msg);
	}
	if (!o->json)
		fprintf(stderr, "shieldlockctl: waiting for %s events (Ctrl-C stops)\n",
			events == (SL_DP_SUB_PUNT | SL_DP_SUB_LATCH) ? "punt and latch" :
			events == SL_DP_SUB_PUNT ? "punt" : "latch");
	rc = event_loop(c, o, count);
	sl_dp_client_close(c);
	return rc;
}
