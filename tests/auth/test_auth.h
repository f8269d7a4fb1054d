/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SL_TEST_AUTH_H
#define SL_TEST_AUTH_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

void test_hex(const uint8_t *in, size_t len, char *out);

TCase *tcase_vectors(void);
TCase *tcase_parse(void);
TCase *tcase_challenge(void);
TCase *tcase_nonce(void);
TCase *tcase_verify(void);
TCase *tcase_ratelimit(void);

#endif
