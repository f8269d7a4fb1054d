/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Our SRTP core on each engine: streams created through sl_srtp_stream_create
 * (timed: key derivation included), packets in bursts of BENCH_BURST through
 * sl_srtp_protect_burst / sl_srtp_unprotect_burst.
 *
 * Unprotect input is protected during the untimed prep of each round with
 * fresh sequence numbers, so the timed unprotect never measures replay
 * drops. Below 1,000 streams a dedicated sender produces it and the receiver
 * sees every sequence number; above, the protect cells' sender is shared and
 * the receiver sees small forward gaps (a few packets per stream, far below
 * the 2^15 of RFC 3711 §3.3.1 index estimation). Every timed packet must come
 * back with status 0 and its original length, else the cell is INVALID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct ours_set {
	struct sl_srtp_stream **s;
	unsigned n;
};

struct ours_ctx {
	struct bench_plan plan;
	struct sl_engine *e;
	struct ours_set *tx, *tx_u, *rx;
	struct sl_srtp_pkt *pkts;
	enum bench_op op;
};

struct ours_seq {
	uint16_t *p, *u;
	uint32_t *ts_p, *ts_u;
};

/*
 * One stream of the same suite, timed in alternating rounds with the cell of
 * the largest stream count (bench_time_pair), so that the "N streams vs one
 * stream" ratio of issue 2 is measured under the same machine conditions
 * instead of from cells seconds apart. Its result is marked paired and kept
 * out of the tables.
 */
struct ours_hot {
	struct ours_set *tx, *tx_u, *rx;
	struct ours_seq seq;
};

static const char *const engine_names[3] = { "ipsec-mb", "openssl", "cryptodev" };

static uint32_t stream_ssrc(unsigned i)
{
	return 0x10000000u + i;
}

static void set_free(struct sl_engine *e, struct ours_set *set)
{
	if (!set)
		return;
	for (unsigned i = 0; i < set->n; i++)
		sl_srtp_stream_free(e, set->s[i]);
	free(set->s);
	free(set);
}

/* Random master key and salt per stream, the same for both directions. */
static void fill_policy(struct sl_srtp_policy *p, enum sl_srtp_suite suite,
			enum sl_srtp_dir dir, unsigned i)
{
	uint64_t st = 0x9E3779B97F4A7C15ull * (i + 1) ^ 0xB5AD4ECEDA1CE2A9ull;

	memset(p, 0, sizeof(*p));
	p->suite = suite;
	p->dir = dir;
	p->nkeys = 1;
	bench_fill_random(&st, p->keys[0].key, sizeof(p->keys[0].key));
	bench_fill_random(&st, p->keys[0].salt, sizeof(p->keys[0].salt));
	p->ssrc = stream_ssrc(i);
	p->ssrc_set = true;
}

static struct ours_set *set_create(struct sl_engine *e, enum sl_srtp_suite suite, unsigned n,
				   enum sl_srtp_dir dir, double *secs, char *msg, size_t msglen)
{
	struct ours_set *set = calloc(1, sizeof(*set));
	double t0 = bench_now();

	if (!set || !(set->s = calloc(n, sizeof(*set->s)))) {
		free(set);
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		struct sl_srtp_policy p;
		int err = 0;

		fill_policy(&p, suite, dir, i);
		set->s[i] = sl_srtp_stream_create(e, &p, &err, msg, msglen);
		sl_srtp_policy_wipe(&p);
		if (!set->s[i]) {
			if (!msg[0])
				snprintf(msg, msglen, "stream %u: %s", i, sl_srtp_strerror(err));
			break;
		}
		set->n = i + 1;
	}
	*secs = bench_now() - t0;
	return set;
}

static int prep(void *vctx, unsigned n)
{
	struct ours_ctx *c = vctx;

	bench_plan_next(&c->plan);
	for (unsigned i = 0; i < n; i++) {
		unsigned s = c->plan.stream_of[i];
		struct sl_srtp_pkt *p = &c->pkts[i];

		p->data = bench_plan_pkt(&c->plan, i);
		p->len = (uint32_t)bench_plan_write(&c->plan, i, stream_ssrc(s));
		p->cap = (uint32_t)c->plan.stride;
		p->status = 0;
		p->stream = c->op == BENCH_PROTECT ? c->tx->s[s] : c->tx_u->s[s];
	}
	if (c->op == BENCH_PROTECT)
		return 0;
	for (unsigned i = 0; i < n; i += BENCH_BURST) {
		uint16_t k = (uint16_t)(n - i < BENCH_BURST ? n - i : BENCH_BURST);
		if (sl_srtp_protect_burst(c->e, c->pkts + i, k) != k)
			return -1;
	}
	for (unsigned i = 0; i < n; i++)
		c->pkts[i].stream = c->rx->s[c->plan.stream_of[i]];
	return 0;
}

static unsigned run(void *vctx, unsigned first, unsigned n)
{
	struct ours_ctx *c = vctx;
	uint32_t plain = BENCH_RTP_HDR + c->plan.payload;
	unsigned ok = 0;

	for (unsigned i = first; i < first + n; i += BENCH_BURST) {
		uint16_t k = (uint16_t)(first + n - i < BENCH_BURST ? first + n - i : BENCH_BURST);
		unsigned next = i + k;

		/* as a poll loop does: start the next burst's stream loads now */
		if (next < first + n)
			sl_srtp_prefetch_burst(c->pkts + next,
					       (uint16_t)(first + n - next < BENCH_BURST ?
							  first + n - next : BENCH_BURST));
		if (c->op == BENCH_PROTECT) {
			ok += sl_srtp_protect_burst(c->e, c->pkts + i, k);
			continue;
		}
		sl_srtp_unprotect_burst(c->e, c->pkts + i, k);
		for (unsigned j = i; j < i + k; j++)
			ok += c->pkts[j].status == 0 && c->pkts[j].len == plain;
	}
	return ok;
}

static void time_alone(const struct bench_runner *rn, struct bench_result *r,
		       const struct bench_budget *b)
{
	bench_time_cell(rn, b, r);
	bench_progress(r);
}

/*
 * The raw IPsec-MB bound of the same suite, payload and direction, timed in
 * alternating rounds with our ipsec-mb cell (bench_time_pair), so the ratio
 * is measured under the same machine conditions. r is not used after the
 * raw result is added (the result array may move).
 */
static void time_with_raw(const struct bench_cfg *cfg, struct bench_results *rs,
			  const struct bench_runner *rn, struct bench_result *r,
			  const struct bench_budget *b)
{
	struct bench_result raw_r = {
		.impl = IMPL_RAW_IPSECMB, .suite = r->suite, .payload = r->payload,
		.streams = 1, .op = r->op,
	};
	struct bench_runner raw_rn;
	bool invalid = false;
	struct bench_raw *raw = bench_raw_new(cfg, r->suite, r->payload, r->op, &raw_rn, &invalid);

	if (!raw || invalid) {
		time_alone(rn, r, b);
		snprintf(raw_r.note, sizeof(raw_r.note), "%s",
			 raw ? "INVALID: differs from OpenSSL" : "out of memory");
		raw_r.measured = invalid;
		raw_r.failed = invalid;
	} else {
		bench_time_pair(rn, r, &raw_rn, &raw_r, b);
		bench_progress(r);
	}
	bench_progress(&raw_r);
	bench_raw_keep(rs, &raw_r);
	bench_raw_free(raw);
}

/* Times r (many streams) and a one-stream cell in alternation; the
 * one-stream result is added to rs marked paired (r may move then). */
static void time_with_hot(struct bench_results *rs, const struct bench_runner *rn,
			  struct bench_result *r, struct ours_ctx *many, const struct ours_hot *hot,
			  const struct bench_cfg *cfg, const struct bench_budget *b)
{
	struct ours_ctx c = { .e = many->e, .tx = hot->tx, .tx_u = hot->tx_u, .rx = hot->rx,
			      .op = many->op };
	struct bench_runner hot_rn = { .ctx = &c, .prep = prep, .run = run };
	struct bench_result hot_r = {
		.impl = r->impl, .suite = r->suite, .payload = r->payload, .streams = 1,
		.op = r->op, .paired = true,
	};
	struct bench_result *slot;

	snprintf(hot_r.note, sizeof(hot_r.note), "1 stream, timed in alternation with the "
		 "%u-stream cell", r->streams);
	c.pkts = calloc(cfg->round, sizeof(*c.pkts));
	if (!c.pkts || bench_plan_init(&c.plan, 1, cfg->round, r->payload, 0x1235,
				       many->op == BENCH_PROTECT ? hot->seq.p : hot->seq.u,
				       many->op == BENCH_PROTECT ? hot->seq.ts_p : hot->seq.ts_u) < 0) {
		free(c.pkts);
		time_alone(rn, r, b);
		return;
	}
	bench_time_pair(rn, r, &hot_rn, &hot_r, b);
	bench_progress(r);
	bench_progress(&hot_r);
	bench_plan_free(&c.plan);
	free(c.pkts);
	slot = bench_add_result(rs);
	if (slot)
		*slot = hot_r;
}

static void run_cells(const struct bench_cfg *cfg, struct bench_results *rs, enum bench_impl impl,
		      struct sl_engine *e, enum sl_srtp_suite suite, unsigned streams,
		      struct ours_set *tx, struct ours_set *tx_u, struct ours_set *rx,
		      const struct ours_seq *seq, const struct ours_hot *hot)
{
	struct bench_budget b = {
		.max_packets = cfg->max_packets, .seconds = cfg->seconds,
		.wall_seconds = cfg->seconds * 5 + 1, .round = cfg->round, .chunk = 256,
	};

	for (unsigned p = 0; p < cfg->n_payloads; p++)
		for (int op = BENCH_OP__COUNT - 1; op >= 0; op--) {
			struct ours_ctx c = { .e = e, .tx = tx, .tx_u = tx_u, .rx = rx,
					      .op = (enum bench_op)op };
			struct bench_runner rn = { .ctx = &c, .prep = prep, .run = run };
			struct bench_result *r = bench_add_result(rs);

			if (!r)
				return;
			r->impl = impl;
			r->suite = suite;
			r->payload = cfg->payloads[p];
			r->streams = streams;
			r->op = (enum bench_op)op;
			c.pkts = calloc(cfg->round, sizeof(*c.pkts));
			if (!c.pkts || bench_plan_init(&c.plan, streams, cfg->round, cfg->payloads[p],
						       0x1234 + streams,
						       op == BENCH_PROTECT ? seq->p : seq->u,
						       op == BENCH_PROTECT ? seq->ts_p : seq->ts_u) < 0) {
				free(c.pkts);
				snprintf(r->note, sizeof(r->note), "out of memory");
				bench_progress(r);
				continue;
			}
			if (impl == IMPL_OURS_IPSECMB && cfg->raw && streams == cfg->streams[0])
				time_with_raw(cfg, rs, &rn, r, &b);
			else if (hot && cfg->payloads[p] == 160)
				time_with_hot(rs, &rn, r, &c, hot, cfg, &b);
			else
				time_alone(&rn, r, &b);
			bench_plan_free(&c.plan);
			free(c.pkts);
		}
}

static void not_measured(const struct bench_cfg *cfg, struct bench_results *rs,
			 enum bench_impl impl, enum sl_srtp_suite suite, unsigned streams,
			 const char *why)
{
	for (unsigned p = 0; p < cfg->n_payloads; p++)
		for (int op = 0; op < BENCH_OP__COUNT; op++) {
			struct bench_result *r = bench_add_result(rs);
			if (!r)
				return;
			r->impl = impl;
			r->suite = suite;
			r->payload = cfg->payloads[p];
			r->streams = streams;
			r->op = (enum bench_op)op;
			snprintf(r->note, sizeof(r->note), "%s", why);
			bench_progress(r);
		}
}

/*
 * Before timing, every stream handles one packet in each direction used:
 * engines that set up per-stream device state lazily (cryptodev creates its
 * rte sessions on a session's first job) do it here, not in timed cells.
 */
static int prime(struct sl_engine *e, unsigned n, struct ours_set *tx, struct ours_set *tx_u,
		 struct ours_set *rx, const struct ours_seq *seq, unsigned round)
{
	for (int op = BENCH_OP__COUNT - 1; op >= 0; op--) {
		struct ours_ctx c = { .e = e, .tx = tx, .tx_u = tx_u, .rx = rx, .op = (enum bench_op)op };
		int rc = 0;

		if (op == BENCH_PROTECT && tx == tx_u)
			break;
		c.pkts = calloc(round, sizeof(*c.pkts));
		if (!c.pkts || bench_plan_init(&c.plan, n, round, 20, 0x1234 + n,
					       op == BENCH_PROTECT ? seq->p : seq->u,
					       op == BENCH_PROTECT ? seq->ts_p : seq->ts_u) < 0) {
			free(c.pkts);
			return -1;
		}
		for (unsigned done = 0; done < n && rc == 0; done += round)
			if (prep(&c, round) != 0 || run(&c, 0, round) != round)
				rc = -1;
		bench_plan_free(&c.plan);
		free(c.pkts);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void with_seq(const struct bench_cfg *cfg, struct bench_results *rs, enum bench_impl impl,
		     struct sl_engine *e, enum sl_srtp_suite suite, unsigned n,
		     struct ours_set *tx, struct ours_set *tx_u, struct ours_set *rx,
		     const struct ours_hot *hot)
{
	struct ours_seq seq = { 0 };

	if (bench_seq_new(n, 77, &seq.p, &seq.ts_p) < 0)
		return;
	if (tx_u == tx) {
		seq.u = seq.p;
		seq.ts_u = seq.ts_p;
	} else if (bench_seq_new(n, 78, &seq.u, &seq.ts_u) < 0) {
		goto err_seq;
	}
	if (prime(e, n, tx, tx_u, rx, &seq, cfg->round) == 0)
		run_cells(cfg, rs, impl, e, suite, n, tx, tx_u, rx, &seq, hot);
	else
		not_measured(cfg, rs, impl, suite, n, "a packet failed while touching every stream once");
	if (tx_u != tx) {
		free(seq.u);
		free(seq.ts_u);
	}
err_seq:
	free(seq.p);
	free(seq.ts_p);
}

static void hot_free(struct sl_engine *e, struct ours_hot *h)
{
	set_free(e, h->tx);
	set_free(e, h->tx_u);
	set_free(e, h->rx);
	free(h->seq.p);
	free(h->seq.ts_p);
	free(h->seq.u);
	free(h->seq.ts_u);
	memset(h, 0, sizeof(*h));
}

/*
 * The companion of the target cell of issue 2 (AES_CM_128_HMAC_SHA1_80,
 * ipsec-mb, the largest stream count, 160-byte payload): NULL when this is
 * not that cell or the one stream could not be set up (the ratio then comes
 * from the separate one-stream cell, as before).
 */
static struct ours_hot *hot_create(const struct bench_cfg *cfg, enum bench_impl impl,
				   struct sl_engine *e, enum sl_srtp_suite suite, unsigned n,
				   struct ours_hot *h)
{
	unsigned largest = 0;
	bool has160 = false;
	double secs;
	char msg[160] = "";

	for (unsigned i = 0; i < cfg->n_streams; i++)
		if (cfg->streams[i] > largest)
			largest = cfg->streams[i];
	for (unsigned i = 0; i < cfg->n_payloads; i++)
		has160 = has160 || cfg->payloads[i] == 160;
	if (impl != IMPL_OURS_IPSECMB || suite != SL_SUITE_AES_CM_128_HMAC_SHA1_80 || n <= 1 ||
	    n != largest || !has160)
		return NULL;
	h->tx = set_create(e, suite, 1, SL_SRTP_OUTBOUND, &secs, msg, sizeof(msg));
	h->tx_u = set_create(e, suite, 1, SL_SRTP_OUTBOUND, &secs, msg, sizeof(msg));
	h->rx = set_create(e, suite, 1, SL_SRTP_INBOUND, &secs, msg, sizeof(msg));
	if (!h->tx || h->tx->n != 1 || !h->tx_u || h->tx_u->n != 1 || !h->rx || h->rx->n != 1 ||
	    bench_seq_new(1, 79, &h->seq.p, &h->seq.ts_p) < 0 ||
	    bench_seq_new(1, 80, &h->seq.u, &h->seq.ts_u) < 0 ||
	    prime(e, 1, h->tx, h->tx_u, h->rx, &h->seq, cfg->round) < 0) {
		hot_free(e, h);
		return NULL;
	}
	return h;
}

/* One engine × suite × stream count: create the sets, time, free. */
static void run_streams(const struct bench_cfg *cfg, struct bench_results *rs, enum bench_impl impl,
			struct sl_engine *e, enum sl_srtp_suite suite, unsigned n)
{
	struct bench_setup *st = bench_add_setup(rs);
	char msg[160] = "";
	double secs = 0, secs2 = 0;

	if (!st)
		return;
	st->impl = impl;
	st->suite = suite;
	st->streams = n;
	size_t h0 = bench_heap_used();
	struct ours_set *tx = set_create(e, suite, n, SL_SRTP_OUTBOUND, &secs, msg, sizeof(msg));
	size_t h1 = bench_heap_used();
	struct ours_set *rx = NULL, *tx_u = NULL;

	if (tx && tx->n == n)
		rx = set_create(e, suite, n, SL_SRTP_INBOUND, &secs2, msg, sizeof(msg));
	/* Few streams: a dedicated sender for the unprotect input so the receiver
	 * sees every sequence number and its ROC stays in step across cells. */
	if (rx && rx->n == n)
		tx_u = n < 1000 ? set_create(e, suite, n, SL_SRTP_OUTBOUND, &secs2, msg, sizeof(msg)) : tx;
	if (!tx_u || tx_u->n < n || rx->n < n) {
		snprintf(st->note, sizeof(st->note), "stream setup failed: %.60s", msg);
		fprintf(stderr, "  %s %s %u streams: %s\n", bench_impl_name(impl),
			bench_suite_name(suite), n, st->note);
		not_measured(cfg, rs, impl, suite, n, st->note);
	} else {
		st->measured = true;
		st->create_per_s = n / secs;
		st->state_bytes = sl_srtp_stream_size(tx->s[0]);
		st->heap_bytes = (h1 - h0) / n;
		fprintf(stderr, "[%6.1fs] %s %s: %u streams in %.3f s (%.0f streams/s), %zu bytes/stream\n",
			bench_elapsed(), bench_impl_name(impl), bench_suite_name(suite), n, secs, st->create_per_s,
			st->state_bytes);
		struct ours_hot hot = { 0 }, *hp = hot_create(cfg, impl, e, suite, n, &hot);

		with_seq(cfg, rs, impl, e, suite, n, tx, tx_u, rx, hp);
		hot_free(e, &hot);
	}
	if (tx_u != tx)
		set_free(e, tx_u);
	set_free(e, rx);
	set_free(e, tx);
}

/* cryptodev's session pool holds one entry per stream and direction: size it
 * for the largest stream count (two sets alive, three below 1000 streams). */
static void engine_args(const struct bench_cfg *cfg, int k, char *buf, size_t len)
{
	unsigned max = 0;

	buf[0] = 0;
	if (k != 2)
		return;
	for (unsigned i = 0; i < cfg->n_streams; i++)
		if (cfg->streams[i] > max)
			max = cfg->streams[i];
	snprintf(buf, len, "crypto_aesni_mb,sessions=%u", max < 8192 ? 8192 : 2 * max + 4096);
}

int bench_ours_run(const struct bench_cfg *cfg, struct bench_results *rs)
{
	for (int k = 0; k < 3; k++) {
		char args[64];
		enum bench_impl impl = (enum bench_impl)(IMPL_OURS_IPSECMB + k);
		struct sl_engine *e;
		char why[96];
		int err = 0;

		if (!cfg->engines[k])
			continue;
		if (k == 2 && bench_eal_init(cfg->core) < 0) {
			e = NULL;
			err = -1;
		} else {
			engine_args(cfg, k, args, sizeof(args));
			e = sl_engine_open(engine_names[k], args[0] ? args : NULL, &err);
			if (e && args[0])
				fprintf(stderr, "[%6.1fs] engine %s opened with \"%s\"\n", bench_elapsed(),
					engine_names[k], args);
		}
		if (!e)
			snprintf(why, sizeof(why), "engine %s did not open (%d)", engine_names[k], err);
		for (int suite = 0; suite < SL_SUITE__COUNT; suite++) {
			if (!cfg->suites[suite])
				continue;
			/* the bound is timed next to our ipsec-mb cells; alone if
			 * that engine did not open */
			if (k == 0 && cfg->raw && !e)
				bench_raw_run(cfg, rs, suite);
			for (unsigned s = 0; s < cfg->n_streams; s++) {
				if (e)
					run_streams(cfg, rs, impl, e, (enum sl_srtp_suite)suite, cfg->streams[s]);
				else
					not_measured(cfg, rs, impl, (enum sl_srtp_suite)suite, cfg->streams[s], why);
			}
		}
		sl_engine_close(e);
	}
	return 0;
}
