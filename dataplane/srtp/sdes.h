/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES key parameters: the RFC 4568 "a=crypto" attribute.
 *
 *   a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
 *   key-params  = "inline:" base64(key||salt) ["|" lifetime] ["|" MKI ":" length]
 *                 (several separated by ";", RFC 4568 §9.2)
 *   session-params: KDR=n, UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP,
 *                 UNAUTHENTICATED_SRTP, FEC_ORDER=..., FEC_KEY=..., WSH=n
 *
 * The parser takes no global state (it is fuzzed directly). Errors are
 * reported with a message naming the problem.
 */
#ifndef SL_SDES_H
#define SL_SDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sl_sdes_key {
	uint8_t key_salt[SL_SRTP_MAX_KEY_LEN + SL_SRTP_MAX_SALT_LEN];
	uint8_t key_salt_len;
	bool has_lifetime;
	uint64_t lifetime;         /* packets */
	bool has_mki;
	uint32_t mki;              /* MKI value */
	uint8_t mki_len;           /* bytes, 1..4 */
};

struct sl_sdes_crypto {
	uint32_t tag;              /* 1..999999999 (RFC 4568 §9.1: 1*9DIGIT) */
	enum sl_srtp_suite suite;
	uint8_t nkeys;
	struct sl_sdes_key keys[SL_SRTP_MAX_KEYS];
	bool has_kdr;
	uint8_t kdr;               /* exponent: rate = 2^kdr, 0..24 */
	bool unencrypted_srtp, unencrypted_srtcp, unauthenticated_srtp;
	bool has_wsh;
	uint32_t wsh;              /* window size hint, >= 64 */
};

/*
 * Parses the attribute value. Accepts "a=crypto:1 AES_...", "crypto:1 ..."
 * or just "1 AES_...". Returns 0, or -EINVAL with a message in err.
 */
int sl_sdes_parse(const char *s, size_t len, struct sl_sdes_crypto *out,
		  char *err, size_t errlen);

/*
 * Parses just a key-params value as given on the command line:
 * "<base64>[|lifetime][|MKI:len]" with or without the "inline:" prefix.
 */
int sl_sdes_parse_key(const char *s, size_t len, enum sl_srtp_suite suite,
		      struct sl_sdes_key *out, char *err, size_t errlen);

/*
 * Formats the attribute value without "a=crypto:" (e.g.
 * "1 AES_CM_128_HMAC_SHA1_80 inline:...|2^20|1:4"). Returns the length
 * written (excluding NUL) or -ENOSPC / -EINVAL.
 */
int sl_sdes_format(const struct sl_sdes_crypto *c, char *buf, size_t len);

/*
 * Fills an SRTP policy from a parsed attribute (keys, MKIs, lifetimes,
 * session parameters, WSH as replay window). Returns 0 or -EINVAL with a
 * message (e.g. KDR not supported, mixed MKI lengths).
 */
int sl_sdes_to_policy(const struct sl_sdes_crypto *c, enum sl_srtp_dir dir,
		      struct sl_srtp_policy *p, char *err, size_t errlen);

/* Wipes the key material in c. */
void sl_sdes_wipe(struct sl_sdes_crypto *c);

#ifdef __cplusplus
}
#endif
#endif
