/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Regenerates the golden files (see tests/sgn/fixtures/README.md):
 *   sgn_golden FIXTURE_DIR OUT_DIR
 * writes CTLFile.tlv, ITLFile.tlv, SEP001122334455.cnf.xml.sgn and
 * SEP001122334455.cnf.xml.sha512.sgn into OUT_DIR.
 */
#include <stdio.h>
#include <stdlib.h>

#include "golden.h"

int main(int argc, char **argv)
{
	struct golden_fixtures f;
	char err[256], path[4096];
	int status = EXIT_SUCCESS;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FIXTURE_DIR OUT_DIR\n", argv[0]);
		return 2;
	}
	if (golden_load(argv[1], &f)) {
		fprintf(stderr, "cannot load the test fixtures from %s\n", argv[1]);
		return EXIT_FAILURE;
	}
	for (int i = 0; i < GOLDEN_COUNT; i++) {
		uint8_t *out;
		size_t len;
		FILE *fp;

		if (golden_make(&f, (enum golden_file)i, &out, &len, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", golden_names[i], err);
			status = EXIT_FAILURE;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", argv[2], golden_names[i]);
		fp = fopen(path, "wb");
		if (!fp || fwrite(out, 1, len, fp) != len || fclose(fp)) {
			perror(path);
			status = EXIT_FAILURE;
		} else {
			printf("wrote %s (%zu bytes)\n", path, len);
		}
		free(out);
	}
	golden_free(&f);
	return status;
}
