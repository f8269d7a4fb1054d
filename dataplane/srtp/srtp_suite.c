/* SPDX-License-Identifier: BSD-3-Clause */
/* Suite table (RFC 3711, RFC 4568 §6.2, RFC 6188, RFC 7714) and error strings. */
#include <string.h>

#include "srtp.h"

static const struct sl_srtp_suite_info suites[SL_SUITE__COUNT] = {
	/* RFC 4568 §6.2.1: 128-bit key, 112-bit salt, 80-bit tag. */
	[SL_SUITE_AES_CM_128_HMAC_SHA1_80] = {
		"AES_CM_128_HMAC_SHA1_80", SL_CIPHER_AES_CTR, 16, 14, SL_AUTH_HMAC_SHA1, 20, 10, 10 },
	/* RFC 4568 §6.2.2: SRTP tag 32 bits, SRTCP tag stays 80 bits. */
	[SL_SUITE_AES_CM_128_HMAC_SHA1_32] = {
		"AES_CM_128_HMAC_SHA1_32", SL_CIPHER_AES_CTR, 16, 14, SL_AUTH_HMAC_SHA1, 20, 4, 10 },
	/* RFC 6188 §4: 256-bit key, 112-bit salt. */
	[SL_SUITE_AES_256_CM_HMAC_SHA1_80] = {
		"AES_256_CM_HMAC_SHA1_80", SL_CIPHER_AES_CTR, 32, 14, SL_AUTH_HMAC_SHA1, 20, 10, 10 },
	[SL_SUITE_AES_256_CM_HMAC_SHA1_32] = {
		"AES_256_CM_HMAC_SHA1_32", SL_CIPHER_AES_CTR, 32, 14, SL_AUTH_HMAC_SHA1, 20, 4, 10 },
	/* RFC 7714 §12: 96-bit salt, 16-byte tag for SRTP and SRTCP. */
	[SL_SUITE_AEAD_AES_128_GCM] = {
		"AEAD_AES_128_GCM", SL_CIPHER_AES_GCM, 16, 12, SL_AUTH_AEAD, 0, 16, 16 },
	[SL_SUITE_AEAD_AES_256_GCM] = {
		"AEAD_AES_256_GCM", SL_CIPHER_AES_GCM, 32, 12, SL_AUTH_AEAD, 0, 16, 16 },
	/* RFC 3711 §4.1.3 NULL cipher; keys as AES_CM_128 (libsrtp2 does the same). */
	[SL_SUITE_NULL_HMAC_SHA1_80] = {
		"NULL_HMAC_SHA1_80", SL_CIPHER_NULL, 16, 14, SL_AUTH_HMAC_SHA1, 20, 10, 10 },
};

const struct sl_srtp_suite_info *sl_srtp_suite_info(enum sl_srtp_suite s)
{
	if ((unsigned)s >= SL_SUITE__COUNT)
		return NULL;
	return &suites[s];
}

int sl_srtp_suite_from_name(const char *name, size_t len)
{
	if (!name)
		return -1;
	for (int i = 0; i < SL_SUITE__COUNT; i++)
		if (strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0)
			return i;
	return -1;
}

static const char *const messages[SL_SRTP_ERR__COUNT] = {
	[SL_SRTP_OK] = "success",
	[SL_SRTP_ERR_TRUNCATED] = "packet truncated (shorter than header, MKI, index and tag)",
	[SL_SRTP_ERR_VERSION] = "RTP/RTCP version is not 2",
	[SL_SRTP_ERR_CSRC] = "CSRC list runs past the end of the packet",
	[SL_SRTP_ERR_EXTENSION] = "RTP header extension runs past the end of the packet",
	[SL_SRTP_ERR_PADDING] = "RTP padding count is zero or larger than the payload",
	[SL_SRTP_ERR_EMPTY] = "zero-length packet",
	[SL_SRTP_ERR_AUTH] = "authentication failed (tag mismatch)",
	[SL_SRTP_ERR_REPLAY] = "replayed packet (index already received)",
	[SL_SRTP_ERR_REPLAY_OLD] = "packet index older than the replay window",
	[SL_SRTP_ERR_MKI] = "MKI does not name a master key of this stream",
	[SL_SRTP_ERR_KEY_EXPIRED] = "master key lifetime reached; rekey (RFC 3711 section 9.2)",
	[SL_SRTP_ERR_NO_SPACE] = "buffer too small for the SRTP trailer (index, MKI, tag)",
	[SL_SRTP_ERR_POLICY] = "SRTCP E flag contradicts the policy (encryption required or forbidden)",
	[SL_SRTP_ERR_SSRC] = "SSRC differs from the stream's SSRC",
	[SL_SRTP_ERR_ENGINE] = "crypto engine error; packet dropped",
	[SL_SRTP_ERR_PARAM] = "invalid policy or argument",
	[SL_SRTP_ERR_UNSUPPORTED] = "unsupported feature (e.g. non-zero key derivation rate)",
	[SL_SRTP_ERR_NOMEM] = "out of memory",
};

const char *sl_srtp_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= SL_SRTP_ERR__COUNT)
		return "unknown SRTP error";
	return messages[err];
}
