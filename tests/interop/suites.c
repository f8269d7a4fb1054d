/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The suites under test and the libsrtp2 profile for each. The parameters
 * are written down here from the RFCs, independently of the core's own
 * table (which main.c cross-checks against these):
 *   RFC 3711 §5 / RFC 4568 §6.2: AES_CM_128_HMAC_SHA1_80/_32, key 16, salt
 *     14; the _32 suites keep an 80-bit SRTCP tag (RFC 4568 §6.2.1);
 *   RFC 6188 §5: AES_256_CM_HMAC_SHA1_80/_32, key 32, salt 14;
 *   RFC 7714 §12: AEAD_AES_128/256_GCM, key 16/32, salt 12, 16-octet tag;
 *   RFC 4568 §6.2 / RFC 3711: NULL_HMAC_SHA1_80, key 16, salt 14.
 * libsrtp2 wants the master key and salt concatenated, and for GCM a 12-octet
 * salt (SRTP_AES_GCM_128_KEY_LEN_WSALT / _256_).
 */
#include "interop.h"

static void cm128_80(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
}

static void cm128_32(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p);
}

static void cm256_80(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(p);
}

static void cm256_32(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(p);
}

static void gcm128(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_gcm_128_16_auth(p);
}

static void gcm256(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_gcm_256_16_auth(p);
}

static void null80(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_null_cipher_hmac_sha1_80(p);
}

const struct suite suites[] = {
	{ SL_SUITE_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10,
	  false, false, cm128_80, cm128_80 },
	{ SL_SUITE_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10,
	  false, false, cm128_32, cm128_80 },
	{ SL_SUITE_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10,
	  false, false, cm256_80, cm256_80 },
	{ SL_SUITE_AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10,
	  false, false, cm256_32, cm256_80 },
	{ SL_SUITE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16, 12, 16, 16,
	  true, false, gcm128, gcm128 },
	{ SL_SUITE_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 32, 12, 16, 16,
	  true, false, gcm256, gcm256 },
	{ SL_SUITE_NULL_HMAC_SHA1_80, "NULL_HMAC_SHA1_80", 16, 14, 10, 10,
	  false, true, null80, null80 },
};

const size_t n_suites = sizeof(suites) / sizeof(suites[0]);
