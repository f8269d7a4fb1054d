/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine test suite: one program, run against whichever engine its
 * command line names, so every backend passes exactly the same checks.
 *
 *   test_engine ipsec-mb
 *   test_engine openssl
 *   test_engine cryptodev crypto_aesni_mb      (args = DPDK crypto device)
 *
 * Environment: SL_TEST_SEED (random seed, printed), SL_TEST_BURSTS (number of
 * random bursts, default 300).
 *
 * Checks: the known-answer self-test; a wrong-engine session fails closed;
 * the AES-CTR counter carries as a 128-bit integer; sess_clear leaves no raw
 * key behind; boundary lengths for every session shape; randomised bursts of
 * mixed sessions and operations against an OpenSSL oracle, with tampering;
 * bursts larger than an engine's ring. Shapes outside the engine's caps are
 * skipped; an engine without caps fails.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_test.h"

static const struct shape shapes[] = {
	/* RFC 3711 §5 / RFC 4568 §6.2: AES_CM_128_HMAC_SHA1_80 and _32 */
	{ "AES-CTR-128 + HMAC-SHA1-80", SL_CIPHER_AES_CTR, 16, SL_AUTH_HMAC_SHA1, 10 },
	{ "AES-CTR-128 + HMAC-SHA1-32", SL_CIPHER_AES_CTR, 16, SL_AUTH_HMAC_SHA1, 4 },
	{ "AES-CTR-128 + HMAC-SHA1-96", SL_CIPHER_AES_CTR, 16, SL_AUTH_HMAC_SHA1, 12 },
	/* RFC 6188: AES_256_CM_HMAC_SHA1_80 / _32 */
	{ "AES-CTR-256 + HMAC-SHA1-80", SL_CIPHER_AES_CTR, 32, SL_AUTH_HMAC_SHA1, 10 },
	{ "AES-CTR-256 + HMAC-SHA1-32", SL_CIPHER_AES_CTR, 32, SL_AUTH_HMAC_SHA1, 4 },
	{ "AES-CTR-256 + HMAC-SHA1-96", SL_CIPHER_AES_CTR, 32, SL_AUTH_HMAC_SHA1, 12 },
	/* RFC 4568 §6.2 NULL cipher (authentication without encryption) */
	{ "NULL + HMAC-SHA1-80", SL_CIPHER_NULL, 0, SL_AUTH_HMAC_SHA1, 10 },
	{ "NULL + HMAC-SHA1-32", SL_CIPHER_NULL, 0, SL_AUTH_HMAC_SHA1, 4 },
	{ "NULL + HMAC-SHA1-96", SL_CIPHER_NULL, 0, SL_AUTH_HMAC_SHA1, 12 },
	/* UNAUTHENTICATED_SRTP (RFC 4568 §6.3.3) */
	{ "AES-CTR-128 (no auth)", SL_CIPHER_AES_CTR, 16, SL_AUTH_NULL, 0 },
	{ "AES-CTR-256 (no auth)", SL_CIPHER_AES_CTR, 32, SL_AUTH_NULL, 0 },
	/* RFC 7714 (16-byte tag); 8 and 12 are the other SP 800-38D lengths used */
	{ "AES-GCM-128 tag 16", SL_CIPHER_AES_GCM, 16, SL_AUTH_AEAD, 16 },
	{ "AES-GCM-128 tag 12", SL_CIPHER_AES_GCM, 16, SL_AUTH_AEAD, 12 },
	{ "AES-GCM-128 tag 8", SL_CIPHER_AES_GCM, 16, SL_AUTH_AEAD, 8 },
	{ "AES-GCM-256 tag 16", SL_CIPHER_AES_GCM, 32, SL_AUTH_AEAD, 16 },
	{ "AES-GCM-256 tag 12", SL_CIPHER_AES_GCM, 32, SL_AUTH_AEAD, 12 },
	{ "AES-GCM-256 tag 8", SL_CIPHER_AES_GCM, 32, SL_AUTH_AEAD, 8 },
};
#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* ---- harness --------------------------------------------------------------- */

int t_check(struct t_ctx *t, int cond, const char *fmt, ...)
{
	va_list ap;

	t->checks++;
	if (cond)
		return 1;
	if (++t->failures <= 50) {
		fputs("  FAIL ", stdout);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		fputc('\n', stdout);
	}
	return 0;
}

uint64_t t_rand(struct t_ctx *t)
{
	/* splitmix64: reproducible from the printed seed */
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t t_range(struct t_ctx *t, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(t_rand(t) % ((uint64_t)hi - lo + 1));
}

void t_bytes(struct t_ctx *t, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)t_rand(t);
}

int t_sess_new(struct t_ctx *t, const struct shape *sh, struct t_sess *ts)
{
	int rc;

	memset(ts, 0, sizeof(*ts));
	ts->shape = sh;
	ts->p.cipher = sh->cipher;
	ts->p.cipher_key_len = sh->key_len;
	ts->p.auth = sh->auth;
	ts->p.tag_len = sh->tag_len;
	t_bytes(t, ts->key, sizeof(ts->key));
	t_bytes(t, ts->auth_key, sizeof(ts->auth_key));
	ts->p.cipher_key = sh->cipher != SL_CIPHER_NULL ? ts->key : NULL;
	if (sh->auth == SL_AUTH_HMAC_SHA1) {
		/* SRTP's 20-byte keys mostly; any length 1..20 is valid HMAC. */
		ts->p.auth_key_len = t_range(t, 0, 3) ? SL_MAX_AUTH_KEY_LEN
						      : (uint8_t)t_range(t, 1, SL_MAX_AUTH_KEY_LEN);
		ts->p.auth_key = ts->auth_key;
	}
	/* AAD 0..64 bytes; 12 = an RTP header without CSRCs (RFC 7714 §8.2). */
	ts->aad_lens[0] = 12;
	for (unsigned i = 1; i < T_AAD_LENS; i++)
		ts->aad_lens[i] = (uint16_t)t_range(t, 0, 64);
	ts->size = sl_sess_size(t->e, &ts->p);
	if (ts->size == 0)
		return 1;
	ts->s = aligned_alloc(SL_SESS_ALIGN, ts->size);
	if (!t_check(t, ts->s != NULL, "%s: out of memory", sh->name))
		return -ENOMEM;
	memset(ts->s, 0, ts->size);
	rc = sl_sess_init(t->e, ts->s, &ts->p);
	if (!t_check(t, rc == 0, "%s: sl_sess_init failed: %s", sh->name, strerror(-rc))) {
		free(ts->s);
		ts->s = NULL;
		return rc;
	}
	return 0;
}

void t_sess_free(struct t_ctx *t, struct t_sess *ts)
{
	if (ts->s) {
		sl_sess_clear(t->e, ts->s);
		free(ts->s);
	}
	ts->s = NULL;
}

static int find_job(struct sl_crypto_job **jobs, unsigned n, const struct sl_crypto_job *j)
{
	for (unsigned i = 0; i < n; i++)
		if (jobs[i] == j)
			return (int)i;
	return -1;
}

int t_run_jobs(struct t_ctx *t, struct sl_crypto_job **jobs, unsigned n)
{
	const struct sl_engine_ops *ops = t->e->ops;
	struct sl_crypto_job *done[64];
	uint8_t *seen = calloc(n ? n : 1, 1);
	unsigned sent = 0, got = 0;
	unsigned long idle = 0;
	int rc = -1;

	if (!t_check(t, seen != NULL, "run jobs: out of memory"))
		return -1;
	while (got < n) {
		if (sent < n) {
			uint16_t want = (uint16_t)t_range(t, 1, n - sent > 300 ? 300 : n - sent);
			uint16_t k = ops->enqueue_burst(t->e, jobs + sent, want);

			if (!t_check(t, k <= want, "enqueue_burst accepted %u of %u", k, want))
				goto out;
			sent += k;
		}
		uint16_t k = ops->dequeue_burst(t->e, done, (uint16_t)t_range(t, 1, 64));

		for (uint16_t i = 0; i < k; i++) {
			int at = find_job(jobs, n, done[i]);

			if (!t_check(t, at >= 0 && !seen[at],
				     "dequeue_burst returned a job %s", at < 0 ? "never enqueued"
										: "twice") ||
			    !t_check(t, done[i]->status < SL_JOB_PENDING,
				     "dequeued job %d has status %u (not final)", at, done[i]->status))
				goto out;
			seen[at] = 1;
		}
		got += k;
		if (k == 0 && !t_check(t, ++idle < 100000000ul, "engine stopped completing jobs "
				       "(%u of %u back)", got, n))
			goto out;
	}
	rc = t_check(t, ops->dequeue_burst(t->e, done, 64) == 0,
		     "dequeue_burst returned jobs after all were back") ? 0 : -1;
out:
	free(seen);
	return rc;
}

/* ---- fixed checks ------------------------------------------------------------ */

static const struct shape *first_supported(struct t_ctx *t, enum sl_cipher_algo c,
					   uint8_t key_len, enum sl_auth_algo a)
{
	for (unsigned i = 0; i < N_SHAPES; i++) {
		struct sl_sess_params p = { .cipher = shapes[i].cipher,
					    .cipher_key_len = shapes[i].key_len,
					    .auth = shapes[i].auth, .tag_len = shapes[i].tag_len,
					    .auth_key_len = SL_MAX_AUTH_KEY_LEN };

		if (shapes[i].cipher == c && shapes[i].auth == a &&
		    (key_len == 0 || shapes[i].key_len == key_len) && sl_sess_size(t->e, &p))
			return &shapes[i];
	}
	return NULL;
}

/* engine.h: engine_id "guards against mixing engines" -> SL_JOB_ERROR. */
static void check_wrong_engine(struct t_ctx *t)
{
	const struct shape *sh = first_supported(t, SL_CIPHER_AES_GCM, 0, SL_AUTH_AEAD);
	struct sl_crypto_job job, *jp = &job;
	uint8_t data[64], copy[64], digest[SL_MAX_TAG_LEN] = { 0 };
	struct t_sess ts;
	uint8_t id;

	if (!sh)
		sh = first_supported(t, SL_CIPHER_AES_CTR, 0, SL_AUTH_HMAC_SHA1);
	if (!sh || t_sess_new(t, sh, &ts) != 0) {
		printf("  skip wrong-engine session check (no GCM or CTR+HMAC)\n");
		return;
	}
	t_bytes(t, data, sizeof(data));
	memcpy(copy, data, sizeof(data));
	memset(&job, 0, sizeof(job));
	job.sess = ts.s;
	job.data = data;
	job.cipher_len = job.auth_len = sizeof(data);
	job.digest = digest;
	job.op = SL_JOB_PROTECT;
	id = ts.s->engine_id;
	ts.s->engine_id = (uint8_t)(id + 0x40);
	t_run_jobs(t, &jp, 1);
	ts.s->engine_id = id;
	t_check(t, job.status == SL_JOB_ERROR && memcmp(data, copy, sizeof(data)) == 0,
		"job on another engine's session: status %u, want SL_JOB_ERROR, data %s",
		job.status, memcmp(data, copy, sizeof(data)) ? "modified" : "untouched");
	t_sess_free(t, &ts);
	printf("  %-4s a session stamped by another engine fails closed (%s)\n",
	       job.status == SL_JOB_ERROR ? "ok" : "FAIL", sh->name);
}

/* RFC 3711 §4.1.1: the keystream is E(k, IV + i mod 2^128) — the counter
 * carries across all 128 bits, not only the low 32 or 64. */
static void check_ctr_carry(struct t_ctx *t)
{
	static const unsigned ffs[] = { 4, 8, 12 };
	const struct shape *sh = first_supported(t, SL_CIPHER_AES_CTR, 0, SL_AUTH_NULL);
	struct sl_crypto_job job, want, *jp = &job;
	uint8_t data[200], wdata[200];
	unsigned fail0 = t->failures;
	struct t_sess ts;

	if (!sh || t_sess_new(t, sh, &ts) != 0) {
		printf("  skip AES-CTR counter carry (no AES-CTR)\n");
		return;
	}
	for (unsigned c = 0; c < sizeof(ffs) / sizeof(ffs[0]); c++) {
		memset(&job, 0, sizeof(job));
		t_bytes(t, job.iv, 16);
		memset(job.iv + 16 - ffs[c], 0xff, ffs[c]);
		job.iv[15] = 0xfd;                    /* wraps after 3 of 13 blocks */
		t_bytes(t, data, sizeof(data));
		memcpy(wdata, data, sizeof(data));
		job.sess = ts.s;
		job.data = data;
		job.cipher_off = 0;
		job.cipher_len = sizeof(data);
		job.op = (uint8_t)(c & 1);
		want = job;
		want.data = wdata;
		oracle_protect(&ts.p, &want);
		t_run_jobs(t, &jp, 1);
		t_check(t, job.status == SL_JOB_OK && memcmp(data, wdata, sizeof(data)) == 0,
			"%s: counter carry out of the low %u bits: status %u, keystream %s",
			sh->name, ffs[c] * 8, job.status,
			memcmp(data, wdata, sizeof(data)) ? "wrong" : "right");
	}
	t_sess_free(t, &ts);
	printf("  %-4s AES-CTR counter carries past bits 32, 64, 96 (%s)\n",
	       t->failures == fail0 ? "ok" : "FAIL", sh->name);
}

/* sess_clear must wipe: no raw cipher or HMAC key (an AES schedule starts
 * with the raw key) may remain in the caller's session memory. */
static void check_wipe(struct t_ctx *t)
{
	unsigned n = 0, fail0 = t->failures;

	for (unsigned i = 0; i < N_SHAPES; i++) {
		struct t_sess ts;
		int left;

		if (t_sess_new(t, &shapes[i], &ts) != 0)
			continue;
		sl_sess_clear(t->e, ts.s);
		left = (ts.p.cipher_key &&
			memmem(ts.s, ts.size, ts.key, ts.p.cipher_key_len) != NULL) ||
		       (ts.p.auth_key && ts.p.auth_key_len >= 8 &&
			memmem(ts.s, ts.size, ts.auth_key, ts.p.auth_key_len) != NULL);
		t_check(t, !left, "%s: key material left in session memory after sl_sess_clear",
			shapes[i].name);
		free(ts.s);
		n++;
	}
	printf("  %-4s sl_sess_clear leaves no raw key in session memory (%u shapes)\n",
	       t->failures == fail0 ? "ok" : "FAIL", n);
}

static void list_shapes(struct t_ctx *t, unsigned *n_ok)
{
	*n_ok = 0;
	for (unsigned i = 0; i < N_SHAPES; i++) {
		struct sl_sess_params p = { .cipher = shapes[i].cipher,
					    .cipher_key_len = shapes[i].key_len,
					    .auth = shapes[i].auth, .tag_len = shapes[i].tag_len,
					    .auth_key_len = SL_MAX_AUTH_KEY_LEN };

		if (sl_sess_size(t->e, &p)) {
			(*n_ok)++;
		} else {
			printf("  skip %s (not in the engine's caps)\n", shapes[i].name);
		}
	}
}

static unsigned env_uint(const char *name, unsigned dflt)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned)strtoul(v, NULL, 0) : dflt;
}

int main(int argc, char **argv)
{
	struct t_ctx t = { 0 };
	const char *failed = NULL;
	unsigned n_ok;
	int err = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s ENGINE [ARGS]   (engines: ipsec-mb, openssl, "
			"cryptodev DEVICE)\n", argv[0]);
		return 2;
	}
	t.rng = env_uint("SL_TEST_SEED", 0x5e1f7e57u);
	printf("engine %s%s%s: seed %#" PRIx64 "\n", argv[1], argc > 2 ? " " : "",
	       argc > 2 ? argv[2] : "", t.rng);
	t.e = sl_engine_open(argv[1], argc > 2 ? argv[2] : NULL, &err);
	if (!t_check(&t, t.e != NULL, "sl_engine_open(%s): %s (initialisation or "
		     "known-answer self-test failed, see above)", argv[1], strerror(-err)))
		goto out;
	printf("  ok   opened; known-answer self-test passed on open; caps %#x\n",
	       t.e->ops->caps);
	if (!t_check(&t, t.e->ops->caps != 0, "engine reports no capabilities"))
		goto out;
	err = sl_engine_selftest(t.e, &failed);
	t_check(&t, err == 0, "sl_engine_selftest: %s on %s", strerror(-err),
		failed ? failed : "?");
	printf("  %-4s sl_engine_selftest (SP 800-38A F.5.1/F.5.5, RFC 2202, GCM spec)\n",
	       err == 0 ? "ok" : "FAIL");
	list_shapes(&t, &n_ok);
	if (!t_check(&t, n_ok > 0, "no session shape of the suite is in the engine's caps"))
		goto out;
	check_wrong_engine(&t);
	check_ctr_carry(&t);
	check_wipe(&t);
	t_diff_edges(&t, shapes, N_SHAPES);
	t_diff_random(&t, shapes, N_SHAPES, env_uint("SL_TEST_BURSTS", 300), 1, 64);
	/* Larger than the engines' completion rings (256): partial enqueue. */
	t_diff_random(&t, shapes, N_SHAPES, 2, 280, 300);
out:
	sl_engine_close(t.e);
	printf("engine %s: %u checks, %u failed\n", argv[1], t.checks, t.failures);
	return t.failures ? 1 : 0;
}
