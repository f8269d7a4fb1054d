/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Results: the per-second progress line, the verdict, the summary and the
 * JSON file (docs/shieldlock-gen.md describes every field).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static uint64_t last_tsc, last_tx, last_rx;

void gen_progress(struct gen *g, uint64_t now)
{
	uint64_t tx, rx, sent, uniq, dt;
	double secs;

	if (!last_tsc) {
		last_tsc = now;
		return;
	}
	if (now - last_tsc < g->hz)
		return;
	dt = now - last_tsc;
	tx = gen_load(&g->txt.sent);
	rx = gen_load(&g->rxt.rx_pkts);
	sent = tx - g->txt.dropped_test;
	uniq = gen_load(&g->rxt.unique_all);
	secs = (double)(now - g->t0) / (double)g->hz;
	if (!g->o.quiet)
		fprintf(stderr, "[%6.1fs] tx %9.0f pps  rx %9.0f pps  missing %" PRIu64
			"  unsent %" PRIu64 "  auth-fail %" PRIu64 "  verified %" PRIu64 "%s\n",
			secs, (double)(tx - last_tx) * (double)g->hz / (double)dt,
			(double)(rx - last_rx) * (double)g->hz / (double)dt,
			sent > uniq ? sent - uniq : 0, g->txt.unsent,
			gen_load(&g->rxt.auth_fail), gen_load(&g->rxt.verified),
			g->txt.offered < g->warmup_pkts ? "  (warmup)" :
			g->txt.offered > g->meas_end_pkts ? "  (cooldown)" : "");
	last_tsc = now;
	last_tx = tx;
	last_rx = rx;
}

/* Upper edge of a latency bucket (gen_lat_add in rx.c), in ns. */
static double bucket_ns(unsigned b)
{
	unsigned lg, sub;

	if (b < 8)
		return b + 1;
	lg = b / 8 + 2;
	sub = b % 8;
	return (double)((8ull + sub + 1) << (lg - 3));
}

static double percentile_us(const struct gen_rx_totals *t, double q)
{
	uint64_t want, seen = 0;

	if (!t->lat_samples)
		return 0;
	want = (uint64_t)ceil(q * (double)t->lat_samples);
	if (!want)
		want = 1;
	for (unsigned b = 0; b < GEN_LAT_BUCKETS; b++) {
		seen += t->lat_hist[b];
		if (seen >= want)
			return bucket_ns(b) / 1000.0;
	}
	return bucket_ns(GEN_LAT_BUCKETS - 1) / 1000.0;
}

static void stream_aggregates(struct gen *g)
{
	struct gen_results *r = &g->r;
	double jsum = 0;
	uint64_t nj = 0, latmax = 0;

	for (uint32_t i = 0; i < g->n; i++) {
		const struct gen_rx_stream *s = &g->rx[i];
		uint64_t sent = g->tx[i].sent_meas;
		uint64_t lost = sent > s->rx_meas ? sent - s->rx_meas : 0;

		r->lost += lost;
		if (lost && r->streams_with_loss < 5 && getenv("SL_GEN_DEBUG"))
			fprintf(stderr, "debug: stream %u sent %u (first measured n %u) received %u, "
				"highest n %u, window %016" PRIx64 "\n", i, g->tx[i].sent,
				gen_first_at(g, g->warmup_pkts, i), s->rx_meas, s->max_n, s->window);
		if (lost)
			r->streams_with_loss++;
		if (lost > r->max_stream_loss)
			r->max_stream_loss = lost;
		if (s->any && s->last_transit) {
			jsum += s->jitter_ns;
			nj++;
			if (s->jitter_ns / 1000.0 > r->jitter_max_us)
				r->jitter_max_us = s->jitter_ns / 1000.0;
		}
		if (s->lat_max_ns > latmax)
			latmax = s->lat_max_ns;
	}
	r->jitter_mean_us = nj ? jsum / (double)nj / 1000.0 : 0;
	r->lat_max_us = (double)latmax / 1000.0;
}

#define DELTA(f) (g->dp_after->f - g->dp_before->f)

static void dp_deltas(struct gen *g)
{
	struct gen_results *r = &g->r;

	if (!g->have_dp_stats)
		return;
	for (unsigned w = 0; w < g->dp_after->nworkers && w < SL_DP_MAX_WORKERS; w++) {
		r->dp_processed += DELTA(worker[w].processed);
		r->dp_busy_cycles += DELTA(worker[w].busy_cycles);
	}
	for (unsigned p = 0; p < g->dp_after->nports && p < SL_DP_MAX_PORTS; p++) {
		r->dp_rx_missed += DELTA(port[p].rx_missed);
		r->dp_tx_drop += DELTA(port[p].tx_drop);
	}
	r->dp_auth_fail = DELTA(auth_fail);
	r->dp_replay = DELTA(replay);
	r->dp_no_flow = DELTA(no_flow_drop) + DELTA(no_flow_punt);
	r->dp_engine_err = DELTA(engine_err);
	r->dp_cycles_per_pkt = r->dp_processed ?
		(double)r->dp_busy_cycles / (double)r->dp_processed : 0;
}

void gen_evaluate(struct gen *g)
{
	struct gen_results *r = &g->r;
	const struct gen_rx_totals *t = &g->rxt;
	uint64_t offered = g->txt.offered_meas;

	stream_aggregates(g);
	dp_deltas(g);
	r->seconds = g->t_meas1 > g->t_meas0 ?
		(double)(g->t_meas1 - g->t_meas0) / (double)g->hz : 0;
	if (r->seconds > 0) {
		r->offered_pps = (double)offered / r->seconds;
		r->tx_pps = (double)(offered - g->txt.unsent_meas) / r->seconds;
		r->rx_pps = (double)t->unique / r->seconds;
	}
	/* The generator's own limit: the run is valid, but not at the asked rate. */
	r->tx_behind = r->offered_pps < 0.99 * g->rate;
	r->lat_p50_us = percentile_us(t, 0.50);
	r->lat_p99_us = percentile_us(t, 0.99);
	r->loss_frac = offered ? (double)(r->lost + g->txt.unsent_meas + g->txt.srtp_fail) /
		(double)offered : 1.0;
	r->failed_auth = t->auth_fail > 0;
	r->failed_bad = t->bad_payload || t->bad_csum || t->bad_len || t->misrouted ||
		g->txt.srtp_fail;
	r->failed_nothing = offered == 0 || t->unique == 0;
	r->failed_loss = r->loss_frac > g->o.max_loss;
	g->passed = !r->failed_auth && !r->failed_bad && !r->failed_nothing && !r->failed_loss;
}

static const char *verify_text(const struct gen *g, char *buf, size_t len)
{
	if (!g->rx_srtp)
		snprintf(buf, len, "plaintext RTP: payload compared on 1 in %u packets per stream",
			 g->o.verify_sample);
	else if (g->o.verify_sample == 1)
		snprintf(buf, len, "every SRTP packet decrypted and authenticated with the leg's "
			 "key, payload compared");
	else
		snprintf(buf, len, "SAMPLED: 1 in %u SRTP packets per stream decrypted and "
			 "authenticated with the leg's key, payload compared", g->o.verify_sample);
	return buf;
}

void gen_summary(struct gen *g, FILE *f)
{
	const struct gen_results *r = &g->r;
	const struct gen_rx_totals *t = &g->rxt;
	char vbuf[160];

	fprintf(f, "\nshieldlock-gen: %s, %u streams, %s, %u B payload every %u ms, %s\n",
		gen_scenario_name(g->o.scenario), g->n, sl_srtp_suite_info(g->suite)->name,
		g->o.payload, g->o.ptime_ms, g->o.loopback ? "loopback (no data plane)" :
		"through shieldlock-dp");
	fprintf(f, "  pacing      %s, %.0f pps offered over %.2f s (warmup %.1f s, cooldown "
		"%.1f s not counted)\n", g->o.rate > 0 ? "fixed aggregate rate" : "real time",
		g->rate, r->seconds, g->o.warmup, g->o.cooldown);
	if (r->tx_behind)
		fprintf(f, "  WARNING     the generator offered only %.0f of %.0f pps: it is the "
			"bottleneck (more lcores, or --verify-sample N)\n", r->offered_pps, g->rate);
	fprintf(f, "  lcores      %u (%s)\n", g->lcores, g->lcores == 1 ? "TX and RX on one" :
		g->lcores == 2 ? "TX, RX" : "report, TX, RX");
	fprintf(f, "  sent        %" PRIu64 " (%.0f pps), unsent (TX queue full) %" PRIu64
		", SRTP failures %" PRIu64 "\n", g->txt.offered_meas - g->txt.unsent_meas,
		r->tx_pps, g->txt.unsent_meas, g->txt.srtp_fail);
	fprintf(f, "  received    %" PRIu64 " unique (%.0f pps), %" PRIu64
		" during warmup or cooldown\n",
		t->unique, r->rx_pps, t->warmup);
	fprintf(f, "  loss        %" PRIu64 " packets (%.4f%% incl. unsent), %" PRIu64
		" streams with loss, worst stream lost %" PRIu64 "\n", r->lost,
		r->loss_frac * 100, r->streams_with_loss, r->max_stream_loss);
	fprintf(f, "  order       %" PRIu64 " duplicates, %" PRIu64 " reordered, %" PRIu64
		" too late to tell (>64 packets)\n", t->dup, t->reorder, t->late);
	fprintf(f, "  verify      %s\n", verify_text(g, vbuf, sizeof(vbuf)));
	fprintf(f, "              %" PRIu64 " verified, %" PRIu64 " authentication failures, %"
		PRIu64 " wrong payload, %" PRIu64 " bad checksum, %" PRIu64 " bad length, %"
		PRIu64 " misrouted, %" PRIu64 " foreign\n", t->verified, t->auth_fail,
		t->bad_payload, t->bad_csum, t->bad_len, t->misrouted, t->foreign);
	fprintf(f, "  latency     p50 %.1f us, p99 %.1f us, max %.1f us (%" PRIu64
		" samples, %" PRIu64 " without a TX stamp)\n", r->lat_p50_us, r->lat_p99_us,
		r->lat_max_us, t->lat_samples, t->lat_unknown);
	fprintf(f, "  jitter      mean %.2f us, max %.2f us (RFC 3550 6.4.1 per stream)\n",
		r->jitter_mean_us, r->jitter_max_us);
	if (g->have_dp_stats)
		fprintf(f, "  data plane  %" PRIu64 " processed, %.0f cycles/packet, rx-missed %"
			PRIu64 ", tx-drop %" PRIu64 ", auth-fail %" PRIu64 ", replay %" PRIu64
			", no-flow %" PRIu64 ", engine errors %" PRIu64 "\n", r->dp_processed,
			r->dp_cycles_per_pkt, r->dp_rx_missed, r->dp_tx_drop, r->dp_auth_fail,
			r->dp_replay, r->dp_no_flow, r->dp_engine_err);
	fprintf(f, "  result      %s", g->passed ? "PASS" : "FAIL:");
	if (r->failed_auth)
		fprintf(f, " authentication failures;");
	if (r->failed_bad)
		fprintf(f, " damaged or misrouted packets;");
	if (r->failed_loss)
		fprintf(f, " loss %.4f%% above --max-loss %.4f%%;", r->loss_frac * 100,
			g->o.max_loss * 100);
	if (r->failed_nothing)
		fprintf(f, " nothing was received;");
	fprintf(f, "\n");
}

static void json_str(FILE *f, const char *k, const char *v, bool comma)
{
	fprintf(f, "  \"%s\": \"%s\"%s\n", k, v, comma ? "," : "");
}

int gen_json_write(struct gen *g, const char *path)
{
	const struct gen_results *r = &g->r;
	const struct gen_rx_totals *t = &g->rxt;
	FILE *f = fopen(path, "w");
	char vbuf[160];

	if (!f) {
		fprintf(stderr, "shieldlock-gen: --json %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\n");
	json_str(f, "tool", "shieldlock-gen", true);
	json_str(f, "scenario", gen_scenario_name(g->o.scenario), true);
	json_str(f, "suite", sl_srtp_suite_info(g->suite)->name, true);
	fprintf(f, "  \"passed\": %s,\n  \"loopback\": %s,\n", g->passed ? "true" : "false",
		g->o.loopback ? "true" : "false");
	fprintf(f, "  \"streams\": %u,\n  \"ptime_ms\": %u,\n  \"payload\": %u,\n", g->n,
		g->o.ptime_ms, g->o.payload);
	fprintf(f, "  \"pacing\": \"%s\",\n  \"rate_pps\": %.1f,\n", g->o.rate > 0 ? "rate" :
		"real-time", g->rate);
	fprintf(f, "  \"tx_kept_up\": %s,\n", r->tx_behind ? "false" : "true");
	fprintf(f, "  \"duration_s\": %.6f,\n  \"warmup_s\": %.3f,\n  \"cooldown_s\": %.3f,\n",
		r->seconds, g->o.warmup, g->o.cooldown);
	fprintf(f, "  \"next_first_packet\": %" PRIu64 ",\n", g->o.first_packet +
		(g->txt.offered + g->n - 1) / g->n);
	fprintf(f, "  \"lcores\": %u,\n  \"verify_sample\": %u,\n", g->lcores, g->o.verify_sample);
	json_str(f, "verified_what", verify_text(g, vbuf, sizeof(vbuf)), true);
	fprintf(f, "  \"tx\": {\"offered\": %" PRIu64 ", \"sent\": %" PRIu64 ", \"unsent\": %"
		PRIu64 ", \"srtp_fail\": %" PRIu64 ", \"test_dropped\": %" PRIu64
		", \"test_corrupted\": %" PRIu64 ", \"offered_pps\": %.1f, \"pps\": %.1f},\n",
		g->txt.offered_meas, g->txt.offered_meas - g->txt.unsent_meas, g->txt.unsent_meas,
		g->txt.srtp_fail, g->txt.dropped_test, g->txt.corrupted_test, r->offered_pps,
		r->tx_pps);
	fprintf(f, "  \"rx\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"unique\": %"
		PRIu64 ", \"unmeasured\": %" PRIu64 ", \"pps\": %.1f, \"duplicates\": %" PRIu64
		", \"reordered\": %" PRIu64 ", \"late\": %" PRIu64 ", \"foreign\": %" PRIu64
		", \"misrouted\": %" PRIu64 ", \"bad_checksum\": %" PRIu64 ", \"bad_length\": %"
		PRIu64 ", \"bad_payload\": %" PRIu64 "},\n", t->rx_pkts, t->rx_bytes, t->unique,
		t->warmup, r->rx_pps, t->dup, t->reorder, t->late, t->foreign, t->misrouted,
		t->bad_csum, t->bad_len, t->bad_payload);
	fprintf(f, "  \"verify\": {\"verified\": %" PRIu64 ", \"auth_fail\": %" PRIu64 "},\n",
		t->verified, t->auth_fail);
	fprintf(f, "  \"loss\": {\"lost\": %" PRIu64 ", \"fraction\": %.9f, \"streams_with_loss\": %"
		PRIu64 ", \"max_stream_loss\": %" PRIu64 ", \"max_allowed\": %.9f},\n", r->lost,
		r->loss_frac, r->streams_with_loss, r->max_stream_loss, g->o.max_loss);
	fprintf(f, "  \"latency_us\": {\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f, \"samples\": %"
		PRIu64 ", \"unknown\": %" PRIu64 "},\n", r->lat_p50_us, r->lat_p99_us, r->lat_max_us,
		t->lat_samples, t->lat_unknown);
	fprintf(f, "  \"jitter_us\": {\"mean\": %.3f, \"max\": %.3f}", r->jitter_mean_us,
		r->jitter_max_us);
	if (g->have_dp_stats)
		fprintf(f, ",\n  \"dp\": {\"processed\": %" PRIu64 ", \"busy_cycles\": %" PRIu64
			", \"cycles_per_packet\": %.1f, \"rx_missed\": %" PRIu64 ", \"tx_drop\": %"
			PRIu64 ", \"auth_fail\": %" PRIu64 ", \"replay\": %" PRIu64 ", \"no_flow\": %"
			PRIu64 ", \"engine_err\": %" PRIu64 "}", r->dp_processed, r->dp_busy_cycles,
			r->dp_cycles_per_pkt, r->dp_rx_missed, r->dp_tx_drop, r->dp_auth_fail,
			r->dp_replay, r->dp_no_flow, r->dp_engine_err);
	fprintf(f, "\n}\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "shieldlock-gen: --json %s: write failed\n", path);
		return -EIO;
	}
	return 0;
}
