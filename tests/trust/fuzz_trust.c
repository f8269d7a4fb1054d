/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness of what shieldlockd parses from a "cert import"
 * request: the base64 of --data and the PEM bundle / DER certificate in it
 * (sl_trust_parse, no files touched), plus the fingerprint argument parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_trust_der *certs = NULL;
	size_t n = 0, blen = 0;
	uint8_t *bin = NULL;
	char err[512], hex[65], *s;

	if (sl_trust_parse(data, size, &certs, &n, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < n; i++) {
			char *pem;
			size_t plen;

			if (!certs[i].len)
				abort();
			if (sl_trust_der_to_pem(certs[i].der, certs[i].len, &pem, &plen) == 0)
				free(pem);
		}
	}
	sl_trust_der_free(certs, n);
	if (sl_trust_b64_decode((const char *)data, size, &bin, &blen) == 0) {
		char *re;
		size_t rlen;

		/* Decoding then encoding gives the input back. */
		if (sl_trust_b64_encode(bin, blen, &re, &rlen) == 0) {
			if (rlen != size || memcmp(re, data, size))
				abort();
			free(re);
		}
		free(bin);
	}
	s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
		sl_trust_fp_parse(s, hex);
		free(s);
	}
	return 0;
}
