/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper for openssl_check.sh: encrypts the test configuration for
 * the TEST-ONLY phone key and signs it with the TFTP test key:
 *   sgn_encmake FIXTURE_DIR OUT_FILE [sha1|sha512]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "golden.h"
#include "sgn.h"

int main(int argc, char **argv)
{
	struct golden_fixtures f;
	struct sl_sgn_signer s;
	char err[256];
	uint8_t *out;
	size_t len;
	FILE *fp;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FIXTURE_DIR OUT_FILE [sha1|sha512]\n", argv[0]);
		return 2;
	}
	if (golden_load(argv[1], &f)) {
		fprintf(stderr, "cannot load the test fixtures from %s\n", argv[1]);
		return EXIT_FAILURE;
	}
	sl_sgn_signer_from_pkey(&s, f.tftp, f.tftp_key,
				argc > 3 && !strcmp(argv[3], "sha512") ? SL_HASH_SHA512 : SL_HASH_SHA1);
	rc = sl_encsgn_build(&s, GOLDEN_CNF ".enc.sgn", (uint32_t)time(NULL),
			     X509_get0_pubkey(f.phone), f.cnf, f.cnf_len, &out, &len, err,
			     sizeof(err));
	golden_free(&f);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILURE;
	}
	fp = fopen(argv[2], "wb");
	rc = !fp || fwrite(out, 1, len, fp) != len || fclose(fp);
	free(out);
	if (rc) {
		perror(argv[2]);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
