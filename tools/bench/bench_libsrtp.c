/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Baseline: Debian's libsrtp2, same suites, payloads, stream counts and
 * traffic plan as our core, one packet per call (libsrtp2 has no burst API).
 *
 * Default mode gives every stream its own srtp_t, so the caller does the
 * SSRC lookup as it does with our API and libsrtp2's per-session stream list
 * holds one entry: the most favourable way to run libsrtp2 at many streams.
 * --libsrtp-one-session puts all streams into one srtp_t instead (libsrtp2's
 * own multi-stream model, whose stream list is walked per packet).
 *
 * Creating libsrtp2 contexts slows down super-linearly with the number alive
 * (NSS softoken work per key), so creation runs under a time budget; a cell
 * whose streams could not be created in it is reported as not measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "bench.h"

struct ls_set {
	srtp_t *sess;                /* [n]; all equal in one-session mode */
	unsigned n;                  /* created */
	bool one;
};

/*
 * Unprotect input: protected by the fresh sender set before anything else
 * (so the sender's ROC starts at 0, as a fresh receiver assumes), kept while
 * the sender is replaced by the receiver set (never more than one set of
 * contexts alive: their creation cost grows with the number alive), then
 * unprotected once each, in order.
 */
struct ls_store {
	struct bench_plan plan;      /* round = all stored packets */
	int *len;
	unsigned pos;                /* next packet to hand out */
};

struct ls_ctx {
	struct ls_set *set;
	struct bench_plan *plan;     /* protect: live plan; unprotect: the store's */
	struct ls_store *store;
	int *len;
	unsigned base;               /* unprotect: store offset of this round */
	enum bench_op op;
};

static int set_policy(enum sl_srtp_suite s, srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp)
{
	switch (s) {
	case SL_SUITE_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		return 0;
	case SL_SUITE_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		return 0;
	case SL_SUITE_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		return 0;
	case SL_SUITE_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		return 0;
	case SL_SUITE_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
		return 0;
	case SL_SUITE_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp);
		return 0;
	case SL_SUITE_NULL_HMAC_SHA1_80:
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(rtcp);
		return 0;
	default:
		return -1;
	}
}

static uint32_t stream_ssrc(unsigned i)
{
	return 0x10000000u + i;
}

/* Master key || salt of stream i: the same bytes for both directions. */
static void stream_key(unsigned i, uint8_t key[64])
{
	uint64_t st = 0x9E3779B97F4A7C15ull * (i + 1) ^ 0xB5AD4ECEDA1CE2A9ull;

	bench_fill_random(&st, key, 64);
}

static void set_free(struct ls_set *set)
{
	if (!set)
		return;
	if (set->one) {
		if (set->n)
			srtp_dealloc(set->sess[0]);
	} else {
		/* newest first: NSS finds each key at the head of its list (in
		 * creation order, freeing 5,000 contexts took 50 s here) */
		for (unsigned i = set->n; i-- > 0;)
			srtp_dealloc(set->sess[i]);
	}
	free(set->sess);
	free(set);
}

/* Creates n contexts; stops early on error or when the budget is spent. */
static struct ls_set *set_create(enum sl_srtp_suite suite, unsigned n, bool one,
				 double budget, double *secs)
{
	struct ls_set *set = calloc(1, sizeof(*set));
	double t0 = bench_now();
	uint8_t key[64];

	if (!set || !(set->sess = calloc(n, sizeof(srtp_t)))) {
		free(set);
		return NULL;
	}
	set->one = one;
	for (unsigned i = 0; i < n; i++) {
		srtp_policy_t p;
		srtp_err_status_t rc;

		memset(&p, 0, sizeof(p));
		set_policy(suite, &p.rtp, &p.rtcp);
		stream_key(i, key);
		p.ssrc.type = ssrc_specific;
		p.ssrc.value = stream_ssrc(i);
		p.key = key;
		p.window_size = 128;
		if (one && i > 0) {
			rc = srtp_add_stream(set->sess[0], &p);
			set->sess[i] = set->sess[0];
		} else {
			rc = srtp_create(&set->sess[i], &p);
		}
		if (rc != srtp_err_status_ok)
			break;
		set->n = i + 1;
		if ((i & 255) == 255 && bench_now() - t0 > budget)
			break;
	}
	*secs = bench_now() - t0;
	return set;
}

static int prep(void *vctx, unsigned n)
{
	struct ls_ctx *c = vctx;

	if (c->op == BENCH_UNPROTECT) {
		if (c->store->pos + n > c->store->plan.round)
			return 1;
		c->base = c->store->pos;
		c->store->pos += n;
		return 0;
	}
	bench_plan_next(c->plan);
	for (unsigned i = 0; i < n; i++)
		c->len[i] = (int)bench_plan_write(c->plan, i, stream_ssrc(c->plan->stream_of[i]));
	return 0;
}

static unsigned run(void *vctx, unsigned first, unsigned n)
{
	struct ls_ctx *c = vctx;
	unsigned ok = 0;

	first += c->base;
	for (unsigned i = first; i < first + n; i++) {
		srtp_t sess = c->set->sess[c->plan->stream_of[i]];
		uint8_t *pkt = bench_plan_pkt(c->plan, i);
		int len = c->len[i];

		if (len < 0)
			continue;
		if (c->op == BENCH_PROTECT)
			ok += srtp_protect(sess, pkt, &len) == srtp_err_status_ok;
		else
			ok += srtp_unprotect(sess, pkt, &len) == srtp_err_status_ok &&
			      len == (int)(BENCH_RTP_HDR + c->plan->payload);
	}
	return ok;
}

static struct bench_result *new_result(struct bench_results *rs, enum sl_srtp_suite suite,
				       unsigned payload, unsigned streams, enum bench_op op)
{
	struct bench_result *r = bench_add_result(rs);

	if (r) {
		r->impl = IMPL_LIBSRTP2;
		r->suite = suite;
		r->payload = payload;
		r->streams = streams;
		r->op = op;
	}
	return r;
}

static void not_measured(struct bench_results *rs, const struct bench_cfg *cfg,
			 enum sl_srtp_suite suite, unsigned streams, const char *why)
{
	for (unsigned p = 0; p < cfg->n_payloads; p++)
		for (int op = 0; op < BENCH_OP__COUNT; op++) {
			struct bench_result *r = new_result(rs, suite, cfg->payloads[p], streams,
							    (enum bench_op)op);
			if (!r)
				return;
			snprintf(r->note, sizeof(r->note), "%s", why);
			bench_progress(r);
		}
}

#define LS_ROUND 256

static struct bench_budget budget(const struct bench_cfg *cfg)
{
	struct bench_budget b = {
		.max_packets = cfg->max_packets, .seconds = cfg->libsrtp_seconds,
		.wall_seconds = cfg->libsrtp_seconds * 4 + 1, .round = LS_ROUND, .chunk = 64,
	};
	return b;
}

static void protect_cells(const struct bench_cfg *cfg, struct bench_results *rs,
			  enum sl_srtp_suite suite, struct ls_set *tx, uint16_t *seq, uint32_t *ts)
{
	struct bench_budget b = budget(cfg);

	for (unsigned p = 0; p < cfg->n_payloads; p++) {
		struct bench_plan plan;
		struct ls_ctx c = { .set = tx, .plan = &plan, .op = BENCH_PROTECT };
		struct bench_runner rn = { .ctx = &c, .prep = prep, .run = run };
		struct bench_result *r = new_result(rs, suite, cfg->payloads[p], tx->n, BENCH_PROTECT);

		if (!r)
			return;
		c.len = malloc(sizeof(int) * LS_ROUND);
		if (!c.len || bench_plan_init(&plan, tx->n, LS_ROUND, cfg->payloads[p],
					      0x1234 + tx->n, seq, ts) < 0) {
			free(c.len);
			snprintf(r->note, sizeof(r->note), "out of memory");
			bench_progress(r);
			continue;
		}
		bench_time_cell(&rn, &b, r);
		bench_progress(r);
		bench_plan_free(&plan);
		free(c.len);
	}
}

/*
 * Enough packets for the time budget at libsrtp2's speed, at most ~96 MiB,
 * and fewer than 30,000 per stream: a cell may stop before using its whole
 * store, and the receiver must never see a sequence number jump of 2^15 or
 * more (RFC 3711 §3.3.1 index estimation) when the next store begins.
 */
static unsigned store_packets(const struct bench_cfg *cfg, unsigned payload, unsigned streams)
{
	size_t stride = (BENCH_RTP_HDR + payload + 160 + 63) & ~(size_t)63;
	uint64_t n = (uint64_t)(96u << 20) / stride;

	if (n > 131072)
		n = 131072;
	if (n > (uint64_t)streams * 30000)
		n = (uint64_t)streams * 30000;
	if (n > cfg->max_packets + 2 * LS_ROUND)
		n = cfg->max_packets + 2 * LS_ROUND;
	n = n / LS_ROUND * LS_ROUND;
	return (unsigned)(n ? n : LS_ROUND);
}

static int store_fill(const struct bench_cfg *cfg, struct ls_store *st, struct ls_set *tx,
		      unsigned payload, uint16_t *seq, uint32_t *ts)
{
	unsigned n = store_packets(cfg, payload, tx->n);

	memset(st, 0, sizeof(*st));
	st->len = malloc(sizeof(int) * n);
	if (!st->len || bench_plan_init(&st->plan, tx->n, n, payload, 0x4321 + tx->n, seq, ts) < 0) {
		free(st->len);
		st->len = NULL;
		return -1;
	}
	/* as many packets as the cell can use: filling (protect) stops after
	 * about as long as the unprotect cell may take */
	double t0 = bench_now();
	bench_plan_next(&st->plan);
	for (unsigned i = 0; i < n; i++) {
		unsigned s = st->plan.stream_of[i];
		int len = (int)bench_plan_write(&st->plan, i, stream_ssrc(s));

		if (srtp_protect(tx->sess[s], bench_plan_pkt(&st->plan, i), &len) != srtp_err_status_ok)
			len = -1;
		st->len[i] = len;
		if ((i + 1) % LS_ROUND == 0 && bench_now() - t0 > cfg->libsrtp_seconds * 1.5) {
			st->plan.round = i + 1;
			break;
		}
	}
	return 0;
}

static void unprotect_cells(const struct bench_cfg *cfg, struct bench_results *rs,
			    enum sl_srtp_suite suite, struct ls_set *rx, struct ls_store *stores)
{
	struct bench_budget b = budget(cfg);

	for (unsigned p = 0; p < cfg->n_payloads; p++) {
		struct ls_store *st = &stores[p];
		struct ls_ctx c = { .set = rx, .plan = &st->plan, .store = st, .len = st->len,
				    .op = BENCH_UNPROTECT };
		struct bench_runner rn = { .ctx = &c, .prep = prep, .run = run };
		struct bench_result *r = new_result(rs, suite, cfg->payloads[p], rx->n, BENCH_UNPROTECT);

		if (!r)
			return;
		if (!st->len) {
			snprintf(r->note, sizeof(r->note), "out of memory");
			bench_progress(r);
			continue;
		}
		bench_time_cell(&rn, &b, r);
		bench_progress(r);
	}
}

static void record_setup(struct bench_setup *st, unsigned n, double secs, size_t h0, size_t h1)
{
	st->measured = true;
	st->create_per_s = n / secs;
	st->heap_bytes = (h1 - h0) / n;
	st->state_bytes = st->heap_bytes;
	fprintf(stderr, "[%6.1fs] libsrtp2 %s: %u contexts in %.2f s (%.0f/s), %zu heap bytes each\n",
		bench_elapsed(), bench_suite_name(st->suite), n, secs, st->create_per_s, st->heap_bytes);
}

/* One suite × stream count. Returns -1 when the setup budget ran out. */
static int run_streams(const struct bench_cfg *cfg, struct bench_results *rs,
		       struct bench_setup *st, char *why, size_t whylen)
{
	unsigned n = st->streams;
	struct ls_store stores[BENCH_MAX_PAYLOADS];
	uint16_t *seq;
	uint32_t *ts;
	double secs = 0;
	int rc = 0;

	if (bench_seq_new(n, 77, &seq, &ts) < 0)
		return 0;
	size_t h0 = bench_heap_used();
	struct ls_set *set = set_create(st->suite, n, cfg->libsrtp_one_session,
					cfg->libsrtp_setup_seconds, &secs);
	if (!set || set->n < n) {
		snprintf(why, whylen, "setup budget: %u of %u libsrtp2 contexts in %.0f s",
			 set ? set->n : 0, n, secs);
		rc = -1;
		goto err_set;
	}
	record_setup(st, n, secs, h0, bench_heap_used());
	for (unsigned p = 0; p < cfg->n_payloads; p++)
		store_fill(cfg, &stores[p], set, cfg->payloads[p], seq, ts);
	protect_cells(cfg, rs, st->suite, set, seq, ts);
	set_free(set);
	set = set_create(st->suite, n, cfg->libsrtp_one_session, cfg->libsrtp_setup_seconds, &secs);
	if (set && set->n == n) {
		unprotect_cells(cfg, rs, st->suite, set, stores);
	} else {
		for (unsigned p = 0; p < cfg->n_payloads; p++) {
			struct bench_result *r = new_result(rs, st->suite, cfg->payloads[p], n, BENCH_UNPROTECT);
			if (r)
				snprintf(r->note, sizeof(r->note), "receiver setup exceeded the budget");
		}
	}
	for (unsigned p = 0; p < cfg->n_payloads; p++) {
		if (stores[p].len)
			bench_plan_free(&stores[p].plan);
		free(stores[p].len);
	}
err_set:
	set_free(set);
	free(seq);
	free(ts);
	return rc;
}

/*
 * Creating libsrtp2 contexts costs more the more are alive (here 10,000 took
 * seconds and 20,000 several times as long): predict at least quadratic
 * growth from the largest count created so far and do not start a count
 * that cannot fit the budget.
 */
static bool too_slow(const struct bench_cfg *cfg, const struct bench_setup *prev, unsigned n,
		     char *why, size_t whylen)
{
	/* a single context mostly measures libsrtp2/NSS initialisation */
	if (!prev->measured || prev->streams < 1000 || n <= prev->streams)
		return false;
	double ratio = (double)n / prev->streams;
	double predicted = prev->streams / prev->create_per_s * ratio * ratio;
	if (predicted <= cfg->libsrtp_setup_seconds)
		return false;
	snprintf(why, whylen, "not attempted: %u contexts took %.1f s, %u would take >= %.0f s",
		 prev->streams, prev->streams / prev->create_per_s, n, predicted);
	return true;
}

int bench_libsrtp_run(const struct bench_cfg *cfg, struct bench_results *rs)
{
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "libsrtp2: srtp_init failed\n");
		return -1;
	}
	for (int suite = 0; suite < SL_SUITE__COUNT; suite++) {
		struct bench_setup prev = { .measured = false };  /* a copy: rs->s moves */
		bool failed = false;
		char why[96] = "";

		if (!cfg->suites[suite])
			continue;
		for (unsigned k = 0; k < cfg->n_streams; k++) {
			unsigned n = cfg->streams[k];
			struct bench_setup *st = bench_add_setup(rs);

			if (!st)
				return -1;
			st->impl = IMPL_LIBSRTP2;
			st->suite = (enum sl_srtp_suite)suite;
			st->streams = n;
			if (!failed && !too_slow(cfg, &prev, n, why, sizeof(why)) &&
			    run_streams(cfg, rs, st, why, sizeof(why)) == 0) {
				if (st->measured && (!prev.measured || n > prev.streams))
					prev = *st;
				continue;
			}
			failed = true;        /* larger counts would not fit either */
			snprintf(st->note, sizeof(st->note), "%s", why);
			fprintf(stderr, "[%6.1fs] libsrtp2 %s %u streams: %s\n", bench_elapsed(),
				bench_suite_name((enum sl_srtp_suite)suite), n, why);
			not_measured(rs, cfg, (enum sl_srtp_suite)suite, n, why);
		}
	}
	srtp_shutdown();
	return 0;
}
