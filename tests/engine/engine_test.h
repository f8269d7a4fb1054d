/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared pieces of the engine test suite (tests/engine). */
#ifndef SL_TESTS_ENGINE_TEST_H
#define SL_TESTS_ENGINE_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct t_ctx {
	struct sl_engine *e;
	uint64_t rng;
	unsigned checks, failures;
};

/* Records one check; prints the message when it fails. Returns cond. */
int t_check(struct t_ctx *t, int cond, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

uint64_t t_rand(struct t_ctx *t);
/* Uniform in [lo, hi]. */
uint32_t t_range(struct t_ctx *t, uint32_t lo, uint32_t hi);
void t_bytes(struct t_ctx *t, uint8_t *p, size_t n);

/* A session shape the suite exercises. */
struct shape {
	const char *name;
	enum sl_cipher_algo cipher;
	uint8_t key_len;
	enum sl_auth_algo auth;
	uint8_t tag_len;
};

#define T_AAD_LENS 3

/* A live session plus the keys the oracle needs. */
struct t_sess {
	const struct shape *shape;
	uint16_t aad_lens[T_AAD_LENS];    /* AEAD: the AAD lengths its jobs use */
	struct sl_sess_params p;
	uint8_t key[SL_MAX_KEY_LEN];
	uint8_t auth_key[SL_MAX_AUTH_KEY_LEN];
	struct sl_sess *s;
	size_t size;
};

/* Creates a session with random keys; returns 0, 1 if the engine's caps
 * exclude the shape, or -errno. */
int t_sess_new(struct t_ctx *t, const struct shape *sh, struct t_sess *ts);
void t_sess_free(struct t_ctx *t, struct t_sess *ts);

/*
 * Independent reference (OpenSSL EVP and HMAC() called directly): does to
 * job->data / job->digest what an engine's PROTECT must do. 0 or -1.
 */
int oracle_protect(const struct sl_sess_params *p, struct sl_crypto_job *job);

/*
 * Enqueues/dequeues n jobs with random partial bursts, checking that every
 * job comes back exactly once with a final status. Returns 0 or -1.
 */
int t_run_jobs(struct t_ctx *t, struct sl_crypto_job **jobs, unsigned n);

/* Randomised differential cross-check against the oracle (diff.c). */
void t_diff_edges(struct t_ctx *t, const struct shape *shapes, unsigned n_shapes);
void t_diff_random(struct t_ctx *t, const struct shape *shapes, unsigned n_shapes,
		   unsigned bursts, unsigned min_burst, unsigned max_burst);

#endif
