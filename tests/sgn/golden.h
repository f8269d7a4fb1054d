/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The golden files of tests/sgn/golden/ and how they are made from the
 * TEST-ONLY fixtures of tests/sgn/fixtures/ with a fixed TIMESTAMP. Shared
 * by the unit test (regenerate and compare) and sgn_golden (rewrite them).
 */
#ifndef SGN_GOLDEN_H
#define SGN_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define GOLDEN_TIMESTAMP	1700000000u	/* 0x6553f100 */
#define GOLDEN_CNF		"SEP001122334455.cnf.xml"

struct golden_fixtures {
	X509 *sast_a, *sast_b, *tftp, *capf, *phone, *ccm_ec;
	EVP_PKEY *sast_a_key, *sast_b_key, *tftp_key, *capf_key, *phone_key, *ccm_ec_key;
	uint8_t *cnf;			/* the test SEP001122334455.cnf.xml */
	size_t cnf_len;
};

enum golden_file {
	GOLDEN_CTL,			/* CTLFile.tlv: SAST-A signs, SHA-1, signer 1.0 */
	GOLDEN_ITL,			/* ITLFile.tlv: SAST-A signs, SHA-1, signer 1.1 */
	GOLDEN_SGN_SHA1,		/* SEP001122334455.cnf.xml.sgn, TFTP, SHA-1 */
	GOLDEN_SGN_SHA512,		/* same FILENAME, SHA-512 */
	GOLDEN_COUNT
};

/* File name in tests/sgn/golden/ of each golden file. */
extern const char *const golden_names[GOLDEN_COUNT];

/* Reads a whole file (malloc()ed); NULL on error. */
uint8_t *golden_read(const char *dir, const char *name, size_t *len);
X509 *golden_cert(const char *dir, const char *name);
EVP_PKEY *golden_key(const char *dir, const char *name);

int golden_load(const char *fixture_dir, struct golden_fixtures *f);
void golden_free(struct golden_fixtures *f);

/* Builds one golden file; *out malloc()ed. Returns 0 or -errno (err set). */
int golden_make(const struct golden_fixtures *f, enum golden_file which, uint8_t **out,
		size_t *len, char *err, size_t errlen);

#endif
