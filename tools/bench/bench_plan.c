/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The timing loop, the traffic plan and the result list.
 *
 * Timing: one warm-up chunk, then rounds of `round` packets: prep (untimed:
 * headers with fresh sequence numbers, and for unprotect the protection of
 * the packets) followed by timed processing in chunks, checking the budget
 * between chunks. Only the TSC cycles spent inside run() are counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* xorshift64*: benchmark keys and stream order only, never real keys. */
uint64_t bench_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

void bench_fill_random(uint64_t *state, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(bench_rand(state) >> 56);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over chunks: robust against interrupts and the other core's noise. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MAX_CHUNKS 65536

static void finish(struct bench_result *r, double *chunks, size_t nchunks, bool by_time)
{
	r->measured = r->packets > 0;
	r->valid = r->measured && r->failed == 0;
	if (!r->measured)
		return;
	r->cyc_mean = (double)r->cycles / (double)r->packets;
	r->cyc_per_pkt = nchunks ? median(chunks, nchunks) : r->cyc_mean;
	r->mpps = bench_tsc_hz / r->cyc_per_pkt / 1e6;
	if (by_time && r->packets < 10000) {
		r->extrapolated = true;
		snprintf(r->note, sizeof(r->note), "rate extrapolated from %llu timed packets (%.2f s)",
			 (unsigned long long)r->packets, (double)r->cycles / bench_tsc_hz);
	}
	if (r->failed)
		snprintf(r->note, sizeof(r->note), "INVALID: %llu of %llu packets failed",
			 (unsigned long long)r->failed, (unsigned long long)r->packets);
}

/* One implementation being timed: its runner, result and chunk samples. */
struct side {
	const struct bench_runner *rn;
	struct bench_result *r;
	double *chunks;
	size_t nchunks;
	bool done, by_time;
};

static int side_start(struct side *sd, const struct bench_runner *rn, struct bench_result *r,
		      const struct bench_budget *b)
{
	unsigned chunk = b->chunk ? b->chunk : 256;
	unsigned warm = chunk < b->round ? chunk : b->round;

	memset(sd, 0, sizeof(*sd));
	sd->rn = rn;
	sd->r = r;
	r->measured = false;
	sd->chunks = malloc(sizeof(double) * MAX_CHUNKS);
	if (!sd->chunks || rn->prep(rn->ctx, b->round) != 0) {
		snprintf(r->note, sizeof(r->note), "packet preparation failed");
		free(sd->chunks);
		sd->chunks = NULL;
		sd->done = true;
		return -1;
	}
	r->failed += warm - rn->run(rn->ctx, 0, warm);
	return 0;
}

/* Prepares and times one round; marks the side done when its budget is spent. */
static void side_round(struct side *sd, const struct bench_budget *b, double w0)
{
	uint64_t budget = (uint64_t)(b->seconds * bench_tsc_hz);
	unsigned chunk = b->chunk ? b->chunk : 256;
	struct bench_result *r = sd->r;

	if (r->packets >= b->max_packets) {
		sd->done = true;
		return;
	}
	if (r->cycles >= budget || bench_now() - w0 >= b->wall_seconds) {
		sd->done = sd->by_time = true;
		return;
	}
	int rc = sd->rn->prep(sd->rn->ctx, b->round);
	if (rc != 0) {
		sd->done = true;
		sd->by_time = rc > 0;   /* no more prepared packets: the sample ends */
		if (rc < 0) {
			snprintf(r->note, sizeof(r->note), "packet preparation failed");
			r->packets = 0;
		}
		return;
	}
	for (unsigned first = 0; first < b->round; first += chunk) {
		uint64_t n = b->round - first < chunk ? b->round - first : chunk;

		if (n > b->max_packets - r->packets)
			n = b->max_packets - r->packets;
		uint64_t t0 = bench_rdtsc();
		unsigned ok = sd->rn->run(sd->rn->ctx, first, (unsigned)n);
		uint64_t t1 = bench_rdtsc();
		r->cycles += t1 - t0;
		r->packets += n;
		r->failed += n - ok;
		if (sd->nchunks < MAX_CHUNKS && n == chunk)
			sd->chunks[sd->nchunks++] = (double)(t1 - t0) / (double)n;
		if (r->cycles >= budget || r->packets >= b->max_packets)
			break;
	}
}

static void side_finish(struct side *sd)
{
	if (sd->chunks)
		finish(sd->r, sd->chunks, sd->nchunks, sd->by_time);
	free(sd->chunks);
}

void bench_time_cell(const struct bench_runner *rn, const struct bench_budget *b,
		     struct bench_result *r)
{
	struct side sd;
	double w0 = bench_now();

	if (side_start(&sd, rn, r, b) < 0)
		return;
	while (!sd.done)
		side_round(&sd, b, w0);
	side_finish(&sd);
}

/*
 * Two implementations timed in alternating rounds (a fraction of a
 * millisecond each), so that both sample the same machine conditions: the
 * load of the other core changes over seconds and would otherwise decide a
 * ratio such as "core ÷ raw crypto" more than the code does.
 */
void bench_time_pair(const struct bench_runner *ra, struct bench_result *a,
		     const struct bench_runner *rb, struct bench_result *b,
		     const struct bench_budget *bud)
{
	struct side sa, sb;
	double w0 = bench_now();
	int ea = side_start(&sa, ra, a, bud), eb = side_start(&sb, rb, b, bud);

	while (!sa.done || !sb.done) {
		if (!sa.done)
			side_round(&sa, bud, w0);
		if (!sb.done)
			side_round(&sb, bud, w0);
	}
	if (ea == 0)
		side_finish(&sa);
	if (eb == 0)
		side_finish(&sb);
}

int bench_seq_new(unsigned nstreams, uint64_t seed, uint16_t **seq, uint32_t **ts)
{
	uint64_t st = seed | 1;

	*seq = malloc(sizeof(**seq) * nstreams);
	*ts = malloc(sizeof(**ts) * nstreams);
	if (!*seq || !*ts) {
		free(*seq);
		free(*ts);
		return -1;
	}
	for (unsigned i = 0; i < nstreams; i++) {
		(*seq)[i] = (uint16_t)bench_rand(&st);
		(*ts)[i] = (uint32_t)bench_rand(&st);
	}
	return 0;
}

int bench_plan_init(struct bench_plan *p, unsigned nstreams, unsigned round,
		    unsigned payload, uint64_t seed, uint16_t *seq, uint32_t *ts)
{
	memset(p, 0, sizeof(*p));
	p->nstreams = nstreams;
	p->round = round;
	p->payload = payload;
	p->rng = seed | 1;
	/* room for our trailer and libsrtp2's SRTP_MAX_TRAILER_LEN (16 + 128) */
	p->stride = (BENCH_RTP_HDR + payload + 160 + 63) & ~(size_t)63;
	p->perm = malloc(sizeof(*p->perm) * nstreams);
	p->stream_of = malloc(sizeof(*p->stream_of) * round);
	p->seq = seq;
	p->ts = ts;
	p->buf = aligned_alloc(64, p->stride * round);
	if (!p->perm || !p->stream_of || !p->buf) {
		bench_plan_free(p);
		return -1;
	}
	for (unsigned i = 0; i < nstreams; i++)
		p->perm[i] = i;
	/* Fisher-Yates: visit streams in a random order so that at 10^5 streams
	 * every packet touches state that is not in cache. */
	for (unsigned i = nstreams; i > 1; i--) {
		unsigned j = (unsigned)(bench_rand(&p->rng) % i);
		uint32_t t = p->perm[i - 1];
		p->perm[i - 1] = p->perm[j];
		p->perm[j] = t;
	}
	memset(p->buf, 0x5a, p->stride * round);
	return 0;
}

void bench_plan_free(struct bench_plan *p)
{
	free(p->perm);
	free(p->stream_of);
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

void bench_plan_next(struct bench_plan *p)
{
	for (unsigned i = 0; i < p->round; i++) {
		p->stream_of[i] = p->perm[p->cursor % p->nstreams];
		p->cursor++;
	}
}

size_t bench_plan_write(struct bench_plan *p, unsigned i, uint32_t ssrc)
{
	uint8_t *h = bench_plan_pkt(p, i);
	unsigned s = p->stream_of[i];
	uint16_t seq = p->seq[s]++;
	uint32_t ts = p->ts[s];

	p->ts[s] += 160;
	h[0] = 0x80;                       /* V=2, no padding/extension/CSRC */
	h[1] = 0;                          /* PT 0 */
	h[2] = (uint8_t)(seq >> 8);
	h[3] = (uint8_t)seq;
	h[4] = (uint8_t)(ts >> 24);
	h[5] = (uint8_t)(ts >> 16);
	h[6] = (uint8_t)(ts >> 8);
	h[7] = (uint8_t)ts;
	h[8] = (uint8_t)(ssrc >> 24);
	h[9] = (uint8_t)(ssrc >> 16);
	h[10] = (uint8_t)(ssrc >> 8);
	h[11] = (uint8_t)ssrc;
	memset(h + BENCH_RTP_HDR, 0x5a, p->payload);
	return BENCH_RTP_HDR + p->payload;
}

struct bench_result *bench_add_result(struct bench_results *rs)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		struct bench_result *r = realloc(rs->r, cap * sizeof(*r));
		if (!r)
			return NULL;
		rs->r = r;
		rs->cap = cap;
	}
	memset(&rs->r[rs->n], 0, sizeof(rs->r[0]));
	return &rs->r[rs->n++];
}

struct bench_setup *bench_add_setup(struct bench_results *rs)
{
	if (rs->ns == rs->caps) {
		size_t cap = rs->caps ? rs->caps * 2 : 64;
		struct bench_setup *s = realloc(rs->s, cap * sizeof(*s));
		if (!s)
			return NULL;
		rs->s = s;
		rs->caps = cap;
	}
	memset(&rs->s[rs->ns], 0, sizeof(rs->s[0]));
	return &rs->s[rs->ns++];
}

const struct bench_result *bench_find(const struct bench_results *rs, enum bench_impl impl,
				      enum sl_srtp_suite suite, unsigned payload,
				      unsigned streams, enum bench_op op)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct bench_result *r = &rs->r[i];
		if (r->impl == impl && r->suite == suite && r->payload == payload &&
		    r->streams == streams && r->op == op && !r->paired)
			return r;
	}
	return NULL;
}

const struct bench_result *bench_find_paired(const struct bench_results *rs, enum bench_impl impl,
					     enum sl_srtp_suite suite, unsigned payload,
					     enum bench_op op)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct bench_result *r = &rs->r[i];
		if (r->paired && r->impl == impl && r->suite == suite && r->payload == payload &&
		    r->op == op)
			return r;
	}
	return NULL;
}

const struct bench_setup *bench_find_setup(const struct bench_results *rs, enum bench_impl impl,
					   enum sl_srtp_suite suite, unsigned streams)
{
	for (size_t i = 0; i < rs->ns; i++) {
		const struct bench_setup *s = &rs->s[i];
		if (s->impl == impl && s->suite == suite && s->streams == streams)
			return s;
	}
	return NULL;
}

const char *bench_impl_name(enum bench_impl impl)
{
	static const char *const names[IMPL__COUNT] = {
		[IMPL_OURS_IPSECMB] = "shieldlock/ipsec-mb",
		[IMPL_OURS_OPENSSL] = "shieldlock/openssl",
		[IMPL_OURS_CRYPTODEV] = "shieldlock/cryptodev",
		[IMPL_LIBSRTP2] = "libsrtp2",
		[IMPL_RAW_IPSECMB] = "raw IPsec-MB",
	};
	return impl < IMPL__COUNT ? names[impl] : "?";
}

/* The SDES names (RFC 4568 §6.2, RFC 6188, RFC 7714 §14.2), kept here so the
 * baselines do not need the core. */
const char *bench_suite_name(enum sl_srtp_suite s)
{
	static const char *const names[SL_SUITE__COUNT] = {
		"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
		"AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32",
		"AEAD_AES_128_GCM", "AEAD_AES_256_GCM", "NULL_HMAC_SHA1_80",
	};
	return (unsigned)s < SL_SUITE__COUNT ? names[s] : "?";
}

const char *bench_op_name(enum bench_op op)
{
	return op == BENCH_PROTECT ? "protect" : "unprotect";
}

static double t_start;

double bench_elapsed(void)
{
	if (t_start == 0)
		t_start = bench_now();
	return bench_now() - t_start;
}

void bench_progress(const struct bench_result *r)
{
	const char *suite = bench_suite_name(r->suite);

	if (r->measured)
		fprintf(stderr, "[%6.1fs] %-20s %-24s %5uB %6u streams %-9s %7.3f Mpps %9.0f cyc/pkt %s\n",
			bench_elapsed(), bench_impl_name(r->impl), suite, r->payload, r->streams,
			bench_op_name(r->op), r->mpps, r->cyc_per_pkt, r->note);
	else
		fprintf(stderr, "[%6.1fs] %-20s %-24s %5uB %6u streams %-9s not measured: %s\n",
			bench_elapsed(), bench_impl_name(r->impl), suite, r->payload, r->streams,
			bench_op_name(r->op), r->note);
}
