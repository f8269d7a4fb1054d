/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness of the Authorization credential parser. The parser
 * takes no global state, so it is called directly; whatever it accepts must
 * hold its invariants (NUL-terminated bounded fields, hex response, known
 * algorithm or UNSUPPORTED) and must format back into a challenge safely.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant, checked in every build (release replays define NDEBUG). */
#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_digest_creds c;
	char err[256], out[1024];
	size_t n;

	if (sl_digest_parse_creds((const char *)data, size, &c, err,
				  sizeof(err)) < 0) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	CHECK(strlen(c.username) <= SL_DIGEST_MAX_USER && c.username[0]);
	CHECK(strlen(c.uri) <= SL_DIGEST_MAX_URI);
	n = strlen(c.response);
	CHECK(n == 32 || n == 64);
	CHECK(c.alg <= SL_DIGEST_ALG_UNSUPPORTED);
	/* A realm the client sent may hold any byte but controls. */
	sl_digest_challenge_format(out, sizeof(out), SL_DIGEST_MD5, c.realm,
				   c.nonce, c.has_opaque ? c.opaque : NULL,
				   true, err, sizeof(err));
	return 0;
}
