/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helpers of the known-answer test programs: engine selection from
 * the command line, hex vectors, and loud reporting that names the vector.
 *
 * Every program is run as: PROGRAM ENGINE [ENGINE-ARGS]
 * e.g. `kat_rfc3711 ipsec-mb` or `kat_rfc3711 cryptodev crypto_aesni_mb`.
 */
#ifndef SL_TESTS_KAT_UTIL_H
#define SL_TESTS_KAT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

struct kat {
	const char *prog;
	const char *engine_name;
	struct sl_engine *e;
	unsigned passed, failed, skipped;
};

/* Exit status meson understands as "skipped". */
#define KAT_EXIT_SKIP 77

/* Opens the engine named on the command line; exits loudly on failure. */
void kat_open(struct kat *k, int argc, char **argv, const char *prog);
/* Closes the engine, prints the summary; returns the process exit status. */
int kat_finish(struct kat *k);

/*
 * Parses hex (spaces and newlines ignored) into out. Aborts the program on
 * malformed input or overflow: a vector that does not parse is a test bug.
 */
size_t kat_hex(const char *hex, uint8_t *out, size_t cap);

/* Compares and reports; returns true when equal. */
bool kat_expect_bytes(struct kat *k, const char *vector, const char *what,
		      const uint8_t *got, size_t got_len,
		      const uint8_t *exp, size_t exp_len);
/* Reports a return-code check; returns true when got == exp. */
bool kat_expect_rc(struct kat *k, const char *vector, const char *what, int got, int exp);
void kat_pass(struct kat *k, const char *vector, const char *what);
void kat_fail(struct kat *k, const char *vector, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kat_skip(struct kat *k, const char *vector, const char *why);

/* Allocates session memory for params on k->e (SL_SESS_ALIGN aligned) and
 * initialises it. Returns NULL (reason printed) if the engine refuses. */
/* Runs sl_srtp_kdf (r = 0) and compares the first out_len octets with the
 * vector; also checks that nothing is written past out_len. */
void kat_kdf_check(struct kat *k, const char *vector, const uint8_t *mk, size_t mk_len,
		   const uint8_t *ms, size_t ms_len, uint8_t label, const char *exp_hex,
		   size_t out_len, const char *what);

struct sl_sess *kat_sess_new(struct kat *k, const struct sl_sess_params *p, int *rc);
void kat_sess_free(struct kat *k, struct sl_sess *s);

#endif
