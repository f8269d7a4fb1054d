/* SPDX-License-Identifier: BSD-3-Clause */
/* Signed-file unit tests (suite 'unit'). */
#ifndef TEST_SGN_H
#define TEST_SGN_H

#include <errno.h>

#include <check.h>

#include "golden.h"
#include "sgn.h"

TCase *tcase_dn(void);
TCase *tcase_header(void);
TCase *tcase_golden(void);
TCase *tcase_tlv(void);
TCase *tcase_enc(void);

/* Loads the TEST-ONLY fixtures (fails the test if missing). */
void load_fixtures(struct golden_fixtures *f);
/* A golden file built now (fails the test on error). */
uint8_t *make_golden(const struct golden_fixtures *f, enum golden_file which, size_t *len);
/* A self-signed certificate over key, subject CN=cn. */
X509 *make_cert(EVP_PKEY *key, const char *cn, long serial);

#endif
