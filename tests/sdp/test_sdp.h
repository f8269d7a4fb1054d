/* SPDX-License-Identifier: BSD-3-Clause */
/* SDP unit tests (suite 'unit'): shared sample bodies and helpers. */
#ifndef TEST_SDP_H
#define TEST_SDP_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

#include "sdp.h"

/* Base64 key||salt values, bytes (seed + 7 i) mod 256 (see test_samples.c). */
#define K80  "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM"	/* 30 bytes, seed 1 */
#define K32  "AgkQFx4lLDM6QUhPVl1ka3J5gIeOlZyjqrG4v8bN"	/* 30 bytes, seed 2 */
#define G256 "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4/wYNFBsiKTA="	/* 44, seed 3 */
#define G128 "BAsSGSAnLjU8Q0pRWF9mbXR7gomQl56lrLO6wQ=="	/* 28 bytes, seed 4 */
#define A256 "BQwTGiEoLzY9REtSWWBnbnV8g4qRmJ+mrbS7wsnQ197l7PP6AQgPFh0kKzI5QA=="	/* 46, seed 5 */
#define K80B "Bg0UGyIpMDc+RUxTWmFob3Z9hIuSmaCnrrW8w8rR"	/* 30 bytes, seed 6 */

extern const char *const sdp_baresip_mand;	/* baresip 1.0.0, mediaenc=srtp-mand */
extern const char *const sdp_baresip_best;	/* baresip 1.0.0, mediaenc=srtp */
extern const char *const sdp_cisco;		/* Cisco-phone-like, several suites */
extern const char *const sdp_rfc4568_7;		/* RFC 4568 §7 offer */
extern const char *const sdp_rfc3264_10_1;	/* RFC 3264 §10.1 offer, numeric addresses */
extern const char *const sdp_ipv6;

/* Parses a NUL-terminated body and fails the test with the message if refused. */
void parse_ok(const char *body, struct sl_sdp *s);
/* Parses and expects a refusal whose message contains want. */
void parse_fails(const char *body, size_t len, const char *want);
/* True when every byte of p is zero. */
bool all_zero(const void *p, size_t n);
/* Fills out with (seed + 7 i) mod 256, the pattern of the keys above. */
void key_pattern(unsigned char *out, size_t n, unsigned seed);

TCase *tcase_parse(void);
TCase *tcase_reject(void);
TCase *tcase_build(void);
TCase *tcase_pick(void);

#endif
