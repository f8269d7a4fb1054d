/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Randomised differential cross-check of an engine against the OpenSSL
 * oracle (oracle.c): random keys, lengths 0..1500, varied cipher/auth/AAD
 * offsets and digest locations, bursts of mixed sessions and operations,
 * tampered jobs. Every job's whole buffer (with guard bytes on both sides),
 * its scratch area, its AAD, status, cookie and user are checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_test.h"

#define GUARD     16                  /* random bytes each side of a job's data */
#define TAIL      SL_MAX_TAG_LEN      /* room for a digest right after the data */
#define MAX_LEN   1500
#define MAX_AAD   64
#define SESS_PER_SHAPE 2

struct djob {
	struct sl_crypto_job job;
	const struct t_sess *ts;
	uint8_t *region, *want;           /* GUARD | data (len) | TAIL | GUARD */
	size_t region_len;
	uint32_t len;
	uint8_t want_scratch[SL_JOB_SCRATCH_LEN];
	uint8_t aad_heap[MAX_AAD], aad_want[MAX_AAD];
	uint8_t want_status;
	uint32_t user;
	const char *tamper;               /* what was tampered with, or NULL */
};

enum { TAMPER_RANDOM = -1, TAMPER_NO = 0, TAMPER_YES = 1 };

static const char *op_name(uint8_t op)
{
	return op == SL_JOB_PROTECT ? "protect" : "verify";
}

static uint32_t rand_len(struct t_ctx *t)
{
	switch (t_range(t, 0, 7)) {
	case 0:
		return t_range(t, 0, 33);
	case 1:
		return 172;                   /* 12-byte RTP header + 160 bytes */
	case 2:
		return t_range(t, 12, 200);
	default:
		return t_range(t, 0, MAX_LEN);
	}
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Encrypt-then-MAC layout: cipher range inside the auth range (SRTP, ESP). */
static void layout_etm(struct t_ctx *t, struct djob *d)
{
	struct sl_crypto_job *j = &d->job;
	const struct shape *sh = d->ts->shape;
	uint32_t l = d->len;

	if (sh->auth == SL_AUTH_HMAC_SHA1) {
		j->auth_off = t_range(t, 0, min_u32(l, 24));
		j->auth_len = l - j->auth_off - t_range(t, 0, min_u32(l - j->auth_off, 8));
	}
	if (sh->cipher != SL_CIPHER_AES_CTR)
		return;
	if (sh->auth == SL_AUTH_NULL) {
		j->auth_off = 0;
		j->auth_len = l;          /* only bounds the cipher range below */
	}
	j->cipher_off = j->auth_off + t_range(t, 0, min_u32(j->auth_len, 20));
	j->cipher_len = j->auth_off + j->auth_len - j->cipher_off;
	if (t_range(t, 0, 3) == 0)
		j->cipher_len = t_range(t, 0, j->cipher_len);
	if (sh->auth == SL_AUTH_NULL)
		j->auth_off = j->auth_len = 0;
}

/* AEAD layout: AAD in the data ahead of the cipher range (SRTP's header,
 * RFC 7714 §8), in the job's scratch, or in a buffer of its own. The AAD
 * length is one of the session's three (as a stream's RTP header length
 * takes a few values): an engine may bind it into its device session. */
static void layout_gcm(struct t_ctx *t, struct djob *d)
{
	struct sl_crypto_job *j = &d->job;
	uint16_t alen = d->ts->aad_lens[t_range(t, 0, T_AAD_LENS - 1)];
	unsigned where = t_range(t, 0, 2);

	if (where == 0 && alen > d->len)
		where = 2;
	if (where == 1 && alen > 32)          /* scratch[32..48) may hold the tag */
		where = 2;
	if (where == 0) {
		j->aad = j->data;
		j->cipher_off = alen;
	} else if (where == 1) {
		j->aad = j->scratch;
		j->cipher_off = t_range(t, 0, min_u32(d->len, 16));
	} else {
		t_bytes(t, d->aad_heap, MAX_AAD);
		j->aad = d->aad_heap;
		j->cipher_off = t_range(t, 0, min_u32(d->len, 16));
	}
	j->aad_len = alen;
	if (alen == 0 && t_range(t, 0, 1))
		j->aad = NULL;
	j->cipher_len = d->len - j->cipher_off;
	if (t_range(t, 0, 3) == 0)
		j->cipher_len = t_range(t, 0, j->cipher_len);
}

/* Flips one bit the tag depends on; returns what it hit. */
static const char *tamper(struct t_ctx *t, struct djob *d)
{
	struct sl_crypto_job *j = &d->job;
	uint8_t bit = (uint8_t)(1u << t_range(t, 0, 7));
	unsigned choice = t_range(t, 0, 2);

	if (choice == 1 && d->ts->shape->auth == SL_AUTH_HMAC_SHA1 && j->auth_len) {
		j->data[j->auth_off + t_range(t, 0, j->auth_len - 1)] ^= bit;
		return "authenticated data";
	}
	if (choice == 1 && d->ts->shape->cipher == SL_CIPHER_AES_GCM && j->cipher_len) {
		j->data[j->cipher_off + t_range(t, 0, j->cipher_len - 1)] ^= bit;
		return "ciphertext";
	}
	if (choice == 2 && j->aad_len) {
		((uint8_t *)j->aad)[t_range(t, 0, j->aad_len - 1u)] ^= bit;
		return "AAD";
	}
	j->digest[t_range(t, 0, d->ts->p.tag_len - 1u)] ^= bit;
	return "tag";
}

static void snapshot(struct djob *d)
{
	memcpy(d->want, d->region, d->region_len);
	memcpy(d->want_scratch, d->job.scratch, SL_JOB_SCRATCH_LEN);
	memcpy(d->aad_want, d->aad_heap, MAX_AAD);
}

/* Expected PROTECT result: the oracle run on a copy of everything. */
static int expect_protect(struct djob *d)
{
	struct sl_crypto_job c = d->job;
	ptrdiff_t shift = d->want - d->region;
	int rc;

	snapshot(d);
	c.data += shift;
	if ((uint8_t *)c.digest >= d->region && (uint8_t *)c.digest < d->region + d->region_len)
		c.digest += shift;
	else
		c.digest = c.scratch + (d->job.digest - d->job.scratch);
	if (c.aad == d->job.data)
		c.aad = c.data;
	else if (c.aad == d->job.scratch)
		c.aad = c.scratch;
	rc = oracle_protect(&d->ts->p, &c);
	memcpy(d->want_scratch, c.scratch, SL_JOB_SCRATCH_LEN);
	d->want_status = SL_JOB_OK;
	return rc;
}

/* VERIFY input: the oracle protects the plaintext in place; expected is the
 * plaintext back with the tag where it was (or, tampered, nothing changed). */
static int expect_verify(struct t_ctx *t, struct djob *d, int force)
{
	uint8_t *plain = malloc(d->region_len);
	int rc;

	if (!plain)
		return -1;
	memcpy(plain, d->region, d->region_len);
	rc = oracle_protect(&d->ts->p, &d->job);
	snapshot(d);
	memcpy(d->want + GUARD, plain + GUARD, d->len);
	d->want_status = SL_JOB_OK;
	free(plain);
	if (d->ts->shape->auth == SL_AUTH_NULL)
		return rc;
	if (force == TAMPER_YES || (force == TAMPER_RANDOM && t_range(t, 0, 3) == 0)) {
		d->tamper = tamper(t, d);
		snapshot(d);
		d->want_status = SL_JOB_AUTH_FAILED;
	}
	return rc;
}

static int gen_job(struct t_ctx *t, struct djob *d, const struct t_sess *ts, uint8_t op,
		   uint32_t len, int force_tamper)
{
	struct sl_crypto_job *j = &d->job;

	memset(d, 0, sizeof(*d));
	d->ts = ts;
	d->len = len;
	d->region_len = GUARD + len + TAIL + GUARD;
	d->region = malloc(d->region_len);
	d->want = malloc(d->region_len);
	if (!d->region || !d->want)
		return -1;
	t_bytes(t, d->region, d->region_len);
	t_bytes(t, j->scratch, SL_JOB_SCRATCH_LEN);
	t_bytes(t, j->iv, sizeof(j->iv));
	/* Keep the low 32-bit counter word from wrapping; the carry has its own
	 * check (test_engine.c). GCM must ignore iv[12..15]. */
	j->iv[12] &= 0x7f;
	j->sess = ts->s;
	j->data = d->region + GUARD;
	j->op = op;
	j->digest = t_range(t, 0, 1) ? j->data + len : j->scratch + 32;
	if (ts->shape->cipher == SL_CIPHER_AES_GCM)
		layout_gcm(t, d);
	else
		layout_etm(t, d);
	d->user = (uint32_t)t_rand(t);
	j->user = d->user;
	j->cookie = d;
	if (op == SL_JOB_PROTECT)
		return expect_protect(d);
	return expect_verify(t, d, force_tamper);
}

static void first_diff(const uint8_t *a, const uint8_t *b, size_t n, size_t *at)
{
	for (*at = 0; *at < n && a[*at] == b[*at]; (*at)++)
		;
}

static void check_job(struct t_ctx *t, const struct djob *d, const char *ctx)
{
	const struct sl_crypto_job *j = &d->job;
	size_t at;
	char desc[256];

	snprintf(desc, sizeof(desc),
		 "%s: %s %s%s%s len %u cipher %u+%u auth %u+%u aad %u", ctx,
		 d->ts->shape->name, op_name(j->op), d->tamper ? " tampered " : "",
		 d->tamper ? d->tamper : "", d->len, j->cipher_off, j->cipher_len,
		 j->auth_off, j->auth_len, j->aad_len);
	t_check(t, j->status == d->want_status, "%s: status %u, want %u", desc, j->status,
		d->want_status);
	first_diff(d->region, d->want, d->region_len, &at);
	t_check(t, at == d->region_len, "%s: buffer differs at data%+ld (digest in %s)",
		desc, (long)at - GUARD, j->digest == j->data + d->len ? "data tail" : "scratch");
	t_check(t, memcmp(j->scratch, d->want_scratch, SL_JOB_SCRATCH_LEN) == 0,
		"%s: job scratch (digest or AAD) differs", desc);
	t_check(t, memcmp(d->aad_heap, d->aad_want, MAX_AAD) == 0, "%s: AAD buffer modified",
		desc);
	t_check(t, j->cookie == d && j->user == d->user, "%s: cookie/user changed", desc);
}

static void free_jobs(struct djob *d, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(d[i].region);
		free(d[i].want);
	}
}

/* Runs n prepared jobs (own loop or sl_engine_run_burst) and checks them. */
static void run_and_check(struct t_ctx *t, struct djob *d, unsigned n, const char *ctx)
{
	struct sl_crypto_job **jobs = calloc(n, sizeof(*jobs));

	if (!t_check(t, jobs != NULL, "%s: out of memory", ctx))
		return;
	for (unsigned i = 0; i < n; i++) {
		jobs[i] = &d[i].job;
		jobs[i]->status = SL_JOB_PENDING;
	}
	if (t_range(t, 0, 1)) {
		t_run_jobs(t, jobs, n);
	} else {
		uint16_t ok = sl_engine_run_burst(t->e, jobs, (uint16_t)n), want = 0;

		for (unsigned i = 0; i < n; i++)
			want += d[i].want_status == SL_JOB_OK;
		t_check(t, ok == want, "%s: sl_engine_run_burst counted %u ok, want %u", ctx,
			ok, want);
	}
	for (unsigned i = 0; i < n; i++)
		check_job(t, &d[i], ctx);
	free(jobs);
}

static unsigned make_pool(struct t_ctx *t, const struct shape *shapes, unsigned n_shapes,
			  struct t_sess *pool)
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_shapes; i++)
		for (unsigned k = 0; k < SESS_PER_SHAPE; k++)
			if (t_sess_new(t, &shapes[i], &pool[n]) == 0)
				n++;
	return n;
}

static void free_pool(struct t_ctx *t, struct t_sess *pool, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		t_sess_free(t, &pool[i]);
}

/* Boundary lengths for every shape, both directions, plus tampering. */
void t_diff_edges(struct t_ctx *t, const struct shape *shapes, unsigned n_shapes)
{
	static const uint32_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 64, 172, 1500 };
	enum { N_LENS = sizeof(lens) / sizeof(lens[0]), PER = 3 * N_LENS };
	struct djob d[PER];
	char ctx[96];

	for (unsigned s = 0; s < n_shapes; s++) {
		struct t_sess ts;
		unsigned n = 0, fail0 = t->failures;

		if (t_sess_new(t, &shapes[s], &ts) != 0)
			continue;
		for (unsigned i = 0; i < N_LENS; i++) {
			gen_job(t, &d[n++], &ts, SL_JOB_PROTECT, lens[i], TAMPER_NO);
			gen_job(t, &d[n++], &ts, SL_JOB_VERIFY, lens[i], TAMPER_NO);
			if (shapes[s].auth != SL_AUTH_NULL)
				gen_job(t, &d[n++], &ts, SL_JOB_VERIFY, lens[i], TAMPER_YES);
		}
		snprintf(ctx, sizeof(ctx), "edge lengths");
		run_and_check(t, d, n, ctx);
		free_jobs(d, n);
		t_sess_free(t, &ts);
		printf("  %-4s edge lengths 0..1500, protect/verify/tampered: %s\n",
		       t->failures == fail0 ? "ok" : "FAIL", shapes[s].name);
	}
}

/* Random bursts of min_burst..max_burst jobs over a pool of mixed sessions. */
void t_diff_random(struct t_ctx *t, const struct shape *shapes, unsigned n_shapes,
		   unsigned bursts, unsigned min_burst, unsigned max_burst)
{
	struct t_sess *pool = calloc(n_shapes * SESS_PER_SHAPE, sizeof(*pool));
	struct djob *d = calloc(max_burst, sizeof(*d));
	unsigned n_pool = 0, jobs = 0, tampered = 0, fail0 = t->failures;
	char ctx[64];

	if (!t_check(t, pool && d, "differential: out of memory"))
		goto out;
	n_pool = make_pool(t, shapes, n_shapes, pool);
	if (!t_check(t, n_pool > 0, "differential: no session could be created"))
		goto out;
	for (unsigned b = 0; b < bursts && t->failures - fail0 < 20; b++) {
		unsigned n = t_range(t, min_burst, max_burst);

		for (unsigned i = 0; i < n; i++) {
			const struct t_sess *ts = &pool[t_range(t, 0, n_pool - 1)];
			uint8_t op = (uint8_t)t_range(t, 0, 1);

			gen_job(t, &d[i], ts, op, rand_len(t), TAMPER_RANDOM);
			tampered += d[i].tamper != NULL;
		}
		snprintf(ctx, sizeof(ctx), "random burst %u (%u jobs)", b, n);
		run_and_check(t, d, n, ctx);
		free_jobs(d, n);
		jobs += n;
	}
	printf("  %-4s %u random bursts of %u..%u jobs, %u jobs (%u tampered) over %u sessions\n",
	       t->failures == fail0 ? "ok" : "FAIL", bursts, min_burst, max_burst, jobs, tampered,
	       n_pool);
out:
	if (pool)
		free_pool(t, pool, n_pool);
	free(pool);
	free(d);
}
