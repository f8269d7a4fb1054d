/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-key SRTP streams shared by the fuzz harnesses and the seed generator.
 * Input layout of the SRTP harnesses: byte 0 selects the stream (mod
 * FUZZ_NSTREAMS: 0..6 = one stream per suite, 7 = AES_CM_128_HMAC_SHA1_80 with
 * two master keys and 2-byte MKIs), the rest is the packet. RTP vs RTCP is
 * decided by sl_srtp_is_rtcp() (RFC 5761 §4), as a receiver would.
 */
#ifndef SL_FUZZ_STREAMS_H
#define SL_FUZZ_STREAMS_H

#include "srtp.h"

#define FUZZ_NSTREAMS 8
#define FUZZ_SSRC 0x12345678u
#define FUZZ_ENGINE "openssl"

struct fuzz_streams {
	struct sl_engine *engine;
	struct sl_srtp_stream *s[FUZZ_NSTREAMS];
};

/* Opens the engine and creates the streams; exits on failure. */
void fuzz_streams_init(struct fuzz_streams *f, enum sl_srtp_dir dir);
void fuzz_streams_fini(struct fuzz_streams *f);

#endif
