/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs a libFuzzer harness once over every file of its seed corpus, without
 * libFuzzer: the gcc builds link each harness with this main, so the seeds
 * run in suite 'unit' under gcc's AddressSanitizer and UBSan too, which see
 * some things clang's do not (a NULL source handed to memcpy for zero bytes,
 * C11 7.24.1p2, was one). A harness's abort() on a broken invariant fails it.
 *
 *   replay_<harness> DIR|FILE...
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* an exact-size copy, as libFuzzer gives, so a read past the end is caught */
	buf = malloc(n ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	unsigned total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct dirent **ents;
		struct stat st;
		int n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) != 0)
				return 1;
			total++;
			continue;
		}
		n = scandir(argv[i], &ents, NULL, by_name);
		if (n < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		for (int k = 0; k < n; k++) {
			char path[4096];
			struct stat fs;
			int bad = 0;

			snprintf(path, sizeof(path), "%s/%s", argv[i], ents[k]->d_name);
			if (stat(path, &fs) == 0 && S_ISREG(fs.st_mode)) {
				bad = run_file(path) != 0;
				total++;
			}
			free(ents[k]);
			if (bad) {
				while (++k < n)
					free(ents[k]);
				free(ents);
				return 1;
			}
		}
		free(ents);
	}
	if (total == 0) {
		fprintf(stderr, "replay: no input files (the seed corpus is missing)\n");
		return 1;
	}
	printf("replay: %u input(s) ran through the harness\n", total);
	return 0;
}
