/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the known-answer test programs (see kat_util.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kat_util.h"
#include "srtp_internal.h"

static void usage(const char *prog)
{
	const char *const *n = sl_engine_names();

	fprintf(stderr, "usage: %s ENGINE [ENGINE-ARGS]\n  engines:", prog);
	for (; *n; n++)
		fprintf(stderr, " %s", *n);
	fprintf(stderr, "\n  e.g. %s cryptodev crypto_aesni_mb\n", prog);
}

void kat_open(struct kat *k, int argc, char **argv, const char *prog)
{
	int err = 0;

	memset(k, 0, sizeof(*k));
	k->prog = prog;
	if (argc < 2 || argc > 3) {
		usage(prog);
		exit(2);
	}
	k->engine_name = argv[1];
	printf("%s: engine %s%s%s\n", prog, argv[1], argc == 3 ? " args " : "",
	       argc == 3 ? argv[2] : "");
	fflush(stdout);
	k->e = sl_engine_open(argv[1], argc == 3 ? argv[2] : NULL, &err);
	if (!k->e) {
		fprintf(stderr, "FAIL %s: engine %s did not open (%s)\n", prog, argv[1],
			strerror(-err));
		exit(1);
	}
}

int kat_finish(struct kat *k)
{
	sl_engine_close(k->e);
	k->e = NULL;
	printf("%s [%s]: %u passed, %u failed, %u skipped\n", k->prog, k->engine_name,
	       k->passed, k->failed, k->skipped);
	if (k->failed)
		return 1;
	if (k->passed == 0)
		return KAT_EXIT_SKIP;
	return 0;
}

static int nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t kat_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (const char *p = hex; *p; p++) {
		if (isspace((unsigned char)*p))
			continue;
		int v = nibble((unsigned char)*p);
		if (v < 0) {
			fprintf(stderr, "test bug: bad hex digit '%c' in vector\n", *p);
			abort();
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap) {
			fprintf(stderr, "test bug: vector longer than %zu bytes\n", cap);
			abort();
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) {
		fprintf(stderr, "test bug: odd number of hex digits in vector\n");
		abort();
	}
	return n;
}

static void dump(const char *label, const uint8_t *b, size_t n)
{
	printf("      %s (%zu bytes):", label, n);
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i % 16 ? "" : "\n        ", b[i]);
	printf("\n");
}

void kat_pass(struct kat *k, const char *vector, const char *what)
{
	k->passed++;
	printf("  ok   %-28s %s\n", vector, what);
}

void kat_fail(struct kat *k, const char *vector, const char *fmt, ...)
{
	va_list ap;

	k->failed++;
	printf("  FAIL %-28s ", vector);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void kat_skip(struct kat *k, const char *vector, const char *why)
{
	k->skipped++;
	printf("  skip %-28s %s\n", vector, why);
}

bool kat_expect_bytes(struct kat *k, const char *vector, const char *what,
		      const uint8_t *got, size_t got_len,
		      const uint8_t *exp, size_t exp_len)
{
	if (got_len == exp_len && memcmp(got, exp, exp_len) == 0) {
		kat_pass(k, vector, what);
		return true;
	}
	kat_fail(k, vector, "%s: output differs from the RFC", what);
	dump("expected", exp, exp_len);
	dump("got", got, got_len);
	return false;
}

bool kat_expect_rc(struct kat *k, const char *vector, const char *what, int got, int exp)
{
	if (got == exp) {
		kat_pass(k, vector, what);
		return true;
	}
	kat_fail(k, vector, "%s: returned %d, expected %d", what, got, exp);
	return false;
}

struct sl_sess *kat_sess_new(struct kat *k, const struct sl_sess_params *p, int *rc)
{
	size_t sz = sl_sess_size(k->e, p);
	struct sl_sess *s;

	*rc = 0;
	if (sz == 0) {
		*rc = -ENOTSUP; /* the engine lacks the capability */
		return NULL;
	}
	s = aligned_alloc(SL_SESS_ALIGN, sz);
	if (!s) {
		*rc = -ENOMEM;
		return NULL;
	}
	memset(s, 0, sz);
	*rc = sl_sess_init(k->e, s, p);
	if (*rc < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void kat_sess_free(struct kat *k, struct sl_sess *s)
{
	if (!s)
		return;
	sl_sess_clear(k->e, s);
	free(s);
}

void kat_kdf_check(struct kat *k, const char *vector, const uint8_t *mk, size_t mk_len,
		   const uint8_t *ms, size_t ms_len, uint8_t label, const char *exp_hex,
		   size_t out_len, const char *what)
{
	uint8_t exp[128], out[128];
	size_t exp_len = kat_hex(exp_hex, exp, sizeof(exp));
	int rc;

	if (out_len > exp_len) {
		fprintf(stderr, "test bug: %s %s asks for more than the vector\n", vector, what);
		abort();
	}
	memset(out, 0xa5, sizeof(out));
	rc = sl_srtp_kdf(k->e, mk, mk_len, ms, ms_len, label, 0, out, out_len);
	if (rc != 0) {
		kat_fail(k, vector, "%s: sl_srtp_kdf returned %d (%s)", what, rc, sl_srtp_strerror(rc));
		return;
	}
	kat_expect_bytes(k, vector, what, out, out_len, exp, out_len);
	if (out[out_len] != 0xa5)
		kat_fail(k, vector, "%s: sl_srtp_kdf wrote past out_len", what);
}
