/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Renderings of a flow as the data plane reports it (struct
 * sl_dp_flow_info): a readable block for people and one JSON object for
 * scripts. The info never holds keys, so nothing here can print one.
 *
 * JSON keys are stable: every key is always present (null when it does not
 * apply), numbers are JSON numbers (64-bit counters are printed exactly;
 * parsers that use doubles lose precision only above 2^53).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flowspec.h"
#include "srtp.h"

static const char *suite_name(uint8_t suite)
{
	const struct sl_srtp_suite_info *si;

	if (suite == 0xff)
		return NULL;
	si = sl_srtp_suite_info((enum sl_srtp_suite)suite);
	return si ? si->name : "unknown";
}

static const char *mac_str(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* Address only, without the port (JSON keeps the port a number). */
static const char *ip_str(uint8_t ipver, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static const char *time_str(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (ns == 0) {
		snprintf(buf, len, "never");
		return buf;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* ---- readable ---------------------------------------------------------------- */

static void print_match(FILE *f, const struct sl_dp_flow_info *fi)
{
	const struct sl_dp_flow_match *m = &fi->match;
	char s[64], d[64];

	if (m->flags & SL_DP_MATCH_ANY_SRC)
		snprintf(s, sizeof(s), "any");
	else
		sl_flowspec_addr_str(m->ip_version, m->src, m->sport, s, sizeof(s));
	sl_flowspec_addr_str(m->ip_version, m->dst, m->dport, d, sizeof(d));
	fprintf(f, "  match     in-port %u src %s dst %s (IPv%u)\n", m->in_port, s, d, m->ip_version);
}

static void print_rewrite(FILE *f, const struct sl_dp_flow_info *fi)
{
	const struct sl_dp_rewrite *r = &fi->rewrite;
	char a[64], b[64];

	if (r->flags & SL_DP_RW_IP)
		fprintf(f, "  rewrite   src %s dst %s\n",
			sl_flowspec_addr_str(fi->match.ip_version, r->src, r->sport, a, sizeof(a)),
			sl_flowspec_addr_str(fi->match.ip_version, r->dst, r->dport, b, sizeof(b)));
	if (r->flags & SL_DP_RW_ETH)
		fprintf(f, "  ethernet  src %s dst %s\n", mac_str(r->eth_src, a, sizeof(a)),
			mac_str(r->eth_dst, b, sizeof(b)));
}

static void print_srtp(FILE *f, const char *dir, uint8_t suite, uint32_t roc, uint32_t ssrc)
{
	const char *n = suite_name(suite);

	if (!n)
		return;
	fprintf(f, "  %-9s %s roc %" PRIu32, dir, n, roc);
	if (ssrc)
		fprintf(f, " ssrc 0x%08" PRIx32 "\n", ssrc);
	else
		fprintf(f, " ssrc (not bound yet)\n");
}

static void print_latch(FILE *f, const struct sl_dp_flow_info *fi)
{
	char a[64];

	if (!(fi->flags & SL_DP_FLOW_LATCH))
		return;
	if (fi->latched)
		fprintf(f, "  latched   %s\n",
			sl_flowspec_addr_str(fi->match.ip_version, fi->latched_src, fi->latched_sport,
					     a, sizeof(a)));
	else
		fprintf(f, "  latched   not yet (waiting for the first authenticated packet)\n");
}

static void print_counters(FILE *f, const struct sl_dp_flow_counters *c)
{
	char t[40];

	fprintf(f, "  in        %" PRIu64 " packets, %" PRIu64 " bytes (%" PRIu64 " RTCP)\n",
		c->pkts_in, c->bytes_in, c->rtcp_in);
	fprintf(f, "  out       %" PRIu64 " packets, %" PRIu64 " bytes (%" PRIu64 " RTCP)\n",
		c->pkts_out, c->bytes_out, c->rtcp_out);
	fprintf(f, "  dropped   auth-fail %" PRIu64 " replay %" PRIu64 " malformed %" PRIu64
		" engine-err %" PRIu64 " other %" PRIu64 "\n",
		c->auth_fail, c->replay, c->malformed, c->engine_err, c->other_drop);
	fprintf(f, "  last seen %s\n", time_str(c->last_seen_ns, t, sizeof(t)));
}

void sl_flowspec_print_info(FILE *f, const struct sl_dp_flow_info *fi)
{
	fprintf(f, "flow %" PRIu64 "\n", fi->id);
	print_match(f, fi);
	fprintf(f, "  action    %s", sl_flowspec_action_name(fi->action));
	if (fi->action != SL_DP_ACT_DROP)
		fprintf(f, " out-port %u", fi->out_port);
	fprintf(f, " worker %u%s\n", fi->worker, (fi->flags & SL_DP_FLOW_LATCH) ? " latch" : "");
	print_rewrite(f, fi);
	print_srtp(f, "in-srtp", fi->in_suite, fi->in_roc, fi->in_ssrc);
	print_srtp(f, "out-srtp", fi->out_suite, fi->out_roc, fi->out_ssrc);
	print_latch(f, fi);
	if (fi->peer_id || fi->cookie)
		fprintf(f, "  peer      %" PRIu64 " cookie 0x%016" PRIx64 "\n", fi->peer_id, fi->cookie);
	print_counters(f, &fi->c);
}

/* ---- JSON ---------------------------------------------------------------------- */

static void json_addr(FILE *f, const char *key, uint8_t ipver, const uint8_t *addr)
{
	char a[64];

	fprintf(f, "\"%s\":\"%s\"", key, ip_str(ipver, addr, a, sizeof(a)));
}

static void json_match(FILE *f, const struct sl_dp_flow_match *m)
{
	bool any = m->flags & SL_DP_MATCH_ANY_SRC;

	fprintf(f, "\"match\":{\"in_port\":%u,\"ip_version\":%u,\"any_src\":%s,", m->in_port,
		m->ip_version, any ? "true" : "false");
	if (any)
		fprintf(f, "\"src\":null,\"sport\":null,");
	else {
		json_addr(f, "src", m->ip_version, m->src);
		fprintf(f, ",\"sport\":%u,", m->sport);
	}
	json_addr(f, "dst", m->ip_version, m->dst);
	fprintf(f, ",\"dport\":%u}", m->dport);
}

static void json_rewrite(FILE *f, const struct sl_dp_flow_info *fi)
{
	const struct sl_dp_rewrite *r = &fi->rewrite;
	char a[32];

	fprintf(f, "\"rewrite\":{");
	if (r->flags & SL_DP_RW_IP) {
		json_addr(f, "src", fi->match.ip_version, r->src);
		fprintf(f, ",\"sport\":%u,", r->sport);
		json_addr(f, "dst", fi->match.ip_version, r->dst);
		fprintf(f, ",\"dport\":%u,", r->dport);
	} else {
		fprintf(f, "\"src\":null,\"sport\":null,\"dst\":null,\"dport\":null,");
	}
	if (r->flags & SL_DP_RW_ETH) {
		fprintf(f, "\"eth_src\":\"%s\",", mac_str(r->eth_src, a, sizeof(a)));
		fprintf(f, "\"eth_dst\":\"%s\"}", mac_str(r->eth_dst, a, sizeof(a)));
	} else {
		fprintf(f, "\"eth_src\":null,\"eth_dst\":null}");
	}
}

static void json_srtp(FILE *f, const char *key, uint8_t suite, uint32_t roc, uint32_t ssrc)
{
	const char *n = suite_name(suite);

	if (!n) {
		fprintf(f, "\"%s\":null", key);
		return;
	}
	fprintf(f, "\"%s\":{\"suite\":\"%s\",\"roc\":%" PRIu32 ",\"ssrc\":", key, n, roc);
	if (ssrc)
		fprintf(f, "%" PRIu32 "}", ssrc);
	else
		fprintf(f, "null}");
}

static void json_latch(FILE *f, const struct sl_dp_flow_info *fi)
{
	if (!fi->latched) {
		fprintf(f, "\"latched\":null");
		return;
	}
	fprintf(f, "\"latched\":{");
	json_addr(f, "src", fi->match.ip_version, fi->latched_src);
	fprintf(f, ",\"sport\":%u}", fi->latched_sport);
}

static void json_counters(FILE *f, const struct sl_dp_flow_counters *c)
{
	fprintf(f, "\"counters\":{\"pkts_in\":%" PRIu64 ",\"bytes_in\":%" PRIu64
		",\"pkts_out\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"rtcp_in\":%" PRIu64
		",\"rtcp_out\":%" PRIu64 ",\"auth_fail\":%" PRIu64 ",\"replay\":%" PRIu64
		",\"malformed\":%" PRIu64 ",\"engine_err\":%" PRIu64 ",\"other_drop\":%" PRIu64
		",\"last_seen_ns\":%" PRIu64 "}",
		c->pkts_in, c->bytes_in, c->pkts_out, c->bytes_out, c->rtcp_in, c->rtcp_out,
		c->auth_fail, c->replay, c->malformed, c->engine_err, c->other_drop, c->last_seen_ns);
}

void sl_flowspec_print_info_json(FILE *f, const struct sl_dp_flow_info *fi)
{
	fprintf(f, "{\"id\":%" PRIu64 ",\"peer_id\":%" PRIu64 ",\"cookie\":%" PRIu64 ",",
		fi->id, fi->peer_id, fi->cookie);
	json_match(f, &fi->match);
	fprintf(f, ",\"action\":\"%s\",\"latch\":%s,\"out_port\":", sl_flowspec_action_name(fi->action),
		(fi->flags & SL_DP_FLOW_LATCH) ? "true" : "false");
	if (fi->action == SL_DP_ACT_DROP)
		fprintf(f, "null");
	else
		fprintf(f, "%u", fi->out_port);
	fprintf(f, ",\"worker\":%u,", fi->worker);
	json_rewrite(f, fi);
	fputc(',', f);
	json_srtp(f, "in_srtp", fi->in_suite, fi->in_roc, fi->in_ssrc);
	fputc(',', f);
	json_srtp(f, "out_srtp", fi->out_suite, fi->out_roc, fi->out_ssrc);
	fputc(',', f);
	json_latch(f, fi);
	fputc(',', f);
	json_counters(f, &fi->c);
	fputc('}', f);
}

void sl_dp_stats_print_json_open(FILE *f, const struct sl_dp_stats *s,
				 const uint32_t *worker_lcore)
{
	fprintf(f, "{\"uptime_ns\":%" PRIu64 ",\"flows\":%" PRIu64 ",\"flows_capacity\":%" PRIu64
		",\"no_flow_drop\":%" PRIu64 ",\"no_flow_punt\":%" PRIu64 ",\"punt_drop\":%" PRIu64
		",\"engine_err\":%" PRIu64 ",\"auth_fail\":%" PRIu64 ",\"replay\":%" PRIu64
		",\"malformed\":%" PRIu64 ",\"latch_events\":%" PRIu64 ",\"ports\":[",
		s->uptime_ns, s->flows, s->flows_capacity, s->no_flow_drop, s->no_flow_punt,
		s->punt_drop, s->engine_err, s->auth_fail, s->replay, s->malformed, s->latch_events);
	for (uint32_t i = 0; i < s->nports && i < SL_DP_MAX_PORTS; i++) {
		const struct sl_dp_port_counters *p = &s->port[i];

		fprintf(f, "%s{\"port\":%u,\"rx_pkts\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
			",\"tx_pkts\":%" PRIu64 ",\"tx_bytes\":%" PRIu64 ",\"rx_missed\":%" PRIu64
			",\"rx_nombuf\":%" PRIu64 ",\"tx_drop\":%" PRIu64 ",\"no_flow\":%" PRIu64
			",\"not_udp\":%" PRIu64 ",\"malformed\":%" PRIu64 "}", i ? "," : "", i,
			p->rx_pkts, p->rx_bytes, p->tx_pkts, p->tx_bytes, p->rx_missed, p->rx_nombuf,
			p->tx_drop, p->no_flow, p->not_udp, p->malformed);
	}
	fputs("],\"workers\":[", f);
	for (uint32_t i = 0; i < s->nworkers && i < SL_DP_MAX_WORKERS; i++) {
		const struct sl_dp_worker_counters *w = &s->worker[i];

		fprintf(f, "%s{\"worker\":%u,", i ? "," : "", i);
		if (worker_lcore)
			fprintf(f, "\"lcore\":%u,", worker_lcore[i]);
		fprintf(f, "\"rx_pkts\":%" PRIu64 ",\"processed\":%" PRIu64 ",\"handoff_out\":%" PRIu64
			",\"handoff_in\":%" PRIu64 ",\"handoff_drop\":%" PRIu64 ",\"busy_cycles\":%" PRIu64
			",\"idle_polls\":%" PRIu64 "}", w->rx_pkts, w->processed, w->handoff_out,
			w->handoff_in, w->handoff_drop, w->busy_cycles, w->idle_polls);
	}
	fputs("]", f);
}
