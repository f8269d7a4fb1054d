/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers of the SRTP core unit tests (tests/srtp). */
#ifndef SL_TESTS_SRTP_UTIL_H
#define SL_TESTS_SRTP_UTIL_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "srtp_internal.h"

extern struct sl_engine *tu_engine;
extern const char *tu_engine_name;

enum tu_ext { TU_EXT_NONE = 0, TU_EXT_ONE_BYTE, TU_EXT_TWO_BYTE, TU_EXT_OTHER };

void tu_rand(uint8_t *b, size_t n, uint32_t seed);
void tu_policy(struct sl_srtp_policy *p, enum sl_srtp_suite suite, enum sl_srtp_dir dir,
	       unsigned nkeys, unsigned mki_len, uint32_t seed);
struct sl_srtp_stream *tu_stream(const struct sl_srtp_policy *p);
/* Outbound and inbound streams with the same keys. */
void tu_pair(enum sl_srtp_suite suite, unsigned nkeys, unsigned mki_len, uint32_t seed,
	     struct sl_srtp_stream **out, struct sl_srtp_stream **in);
void tu_pair_policy(const struct sl_srtp_policy *base, struct sl_srtp_stream **out,
		    struct sl_srtp_stream **in);
void tu_free(struct sl_srtp_stream *s);
/* RTP packet: header with cc CSRCs and an extension, payload, optional padding. */
size_t tu_rtp(uint8_t *b, unsigned cc, enum tu_ext ext, size_t payload, unsigned pad,
	      uint16_t seq, uint32_t ssrc);
/* Compound RTCP: SR (+ nrr report blocks) + SDES CNAME. */
size_t tu_rtcp(uint8_t *b, uint32_t ssrc, unsigned nrr);
bool tu_suite_encrypts(enum sl_srtp_suite s);

Suite *tu_suite_core(void);
Suite *tu_suite_errors(void);
Suite *tu_suite_libsrtp(void);

#endif
