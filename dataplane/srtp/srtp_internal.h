/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal SRTP interfaces shared by the core's files and its known-answer
 * tests. Not for data-plane callers.
 */
#ifndef SL_SRTP_INTERNAL_H
#define SL_SRTP_INTERNAL_H

#include "srtp.h"

/* RFC 3711 §4.3.1 key derivation labels. */
enum sl_srtp_label {
	SL_LABEL_RTP_ENC = 0x00,
	SL_LABEL_RTP_AUTH = 0x01,
	SL_LABEL_RTP_SALT = 0x02,
	SL_LABEL_RTCP_ENC = 0x03,
	SL_LABEL_RTCP_AUTH = 0x04,
	SL_LABEL_RTCP_SALT = 0x05,
};

/*
 * AES-CM PRF (RFC 3711 §4.3.1 / §4.3.3; RFC 6188 §3 for 256-bit master
 * keys): out = first out_len bytes of AES-CM(master_key, (label||r XOR
 * master_salt) * 2^16) with r = index DIV kdr (pass r directly, 48 bits).
 * master_salt is salt_len bytes (14, or 12 for GCM suites, RFC 7714 §11,
 * which is right-aligned as if zero-padded... see srtp_kdf.c for the exact
 * rule). Runs as one AES-CTR job on the engine. Returns 0 or -SL_SRTP_ERR_x.
 */
int sl_srtp_kdf(struct sl_engine *e, const uint8_t *master_key, size_t key_len,
		const uint8_t *master_salt, size_t salt_len, uint8_t label,
		uint64_t r, uint8_t *out, size_t out_len);

/*
 * Session keys for one direction of one master key, as the KDF produces them
 * (or as a test vector gives them).
 */
struct sl_srtp_session_keys {
	uint8_t rtp_enc[SL_SRTP_MAX_KEY_LEN], rtcp_enc[SL_SRTP_MAX_KEY_LEN];
	uint8_t rtp_auth[20], rtcp_auth[20];
	uint8_t rtp_salt[SL_SRTP_MAX_SALT_LEN], rtcp_salt[SL_SRTP_MAX_SALT_LEN];
};

/*
 * Test-only constructor: like sl_srtp_stream_create but the first master key
 * slot uses the given session keys instead of running the KDF (RFC 7714
 * §16/§17 vectors give session keys). nkeys must be 1.
 */
struct sl_srtp_stream *sl_srtp_stream_create_with_session_keys(
	struct sl_engine *e, const struct sl_srtp_policy *p,
	const struct sl_srtp_session_keys *k, int *err, char *msg, size_t msglen);

#endif
