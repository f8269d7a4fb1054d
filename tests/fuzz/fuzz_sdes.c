/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: RFC 4568 a=crypto parsing. Whatever parses must format,
 * and the formatted text must parse back to the same structure (round trip);
 * the policy mapping must not crash. Also runs the --key form parser.
 */
#include <stdlib.h>
#include <string.h>

#include "sdes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct sl_sdes_crypto *c)
{
	struct sl_sdes_crypto c2;
	struct sl_srtp_policy p;
	char buf[1024], err[256];
	int n = sl_sdes_format(c, buf, sizeof(buf));

	if (n < 0 || (size_t)n != strlen(buf))
		abort();
	if (sl_sdes_parse(buf, (size_t)n, &c2, err, sizeof(err)) != 0)
		abort();
	if (memcmp(c, &c2, sizeof(c2)) != 0)
		abort();
	(void)sl_sdes_to_policy(&c2, SL_SRTP_INBOUND, &p, err, sizeof(err));
	sl_srtp_policy_wipe(&p);
	sl_sdes_wipe(&c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_sdes_crypto c;
	struct sl_sdes_key k;
	char err[256];
	char *s = malloc(size ? size : 1);   /* not NUL-terminated on purpose */

	if (!s)
		return 0;
	memcpy(s, data, size);
	err[0] = '\0';
	if (sl_sdes_parse(s, size, &c, err, sizeof(err)) == 0)
		round_trip(&c);
	else if (err[0] == '\0' || !memchr(err, '\0', sizeof(err)))
		abort();                       /* every rejection has a message */
	sl_sdes_wipe(&c);
	if (size > 0)
		(void)sl_sdes_parse_key(s + 1, size - 1, (enum sl_srtp_suite)(s[0] % SL_SUITE__COUNT),
					&k, err, sizeof(err));
	free(s);
	return 0;
}
