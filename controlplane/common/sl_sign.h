/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One signing interface for every key of the appliance (issue 5): the CA,
 * the SAST token keys, the TFTP key, the CAPF key. A key may live in a file
 * or in a PKCS#11 token (controlplane/keys); the file formats
 * (controlplane/sgn) and certificate issuing only see this callback, so they
 * never touch key material and the same code signs with either.
 */
#ifndef SL_SIGN_H
#define SL_SIGN_H

#include <stddef.h>
#include <stdint.h>

/* Hash codes of the Cisco file headers and CAPF (spec §0): the values are
 * the wire codes. SHA-256 is defined there but unused by phones. */
enum sl_hash {
	SL_HASH_SHA1 = 1,
	SL_HASH_SHA256 = 2,
	SL_HASH_SHA512 = 3,
};

/*
 * Signs a precomputed digest (dlen = the hash's size) with one key:
 *   RSA: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2), i.e. the DigestInfo of hash
 *        and digest, padded and raised to the private exponent; the
 *        signature is exactly the modulus size;
 *   EC:  ECDSA, DER-encoded Ecdsa-Sig-Value (RFC 5480 / SEC 1).
 * *siglen holds the capacity of sig on entry and the length on return.
 * Returns 0, or -1 with the reason in err (never key material).
 */
typedef int (*sl_sign_digest_fn)(void *arg, enum sl_hash hash, const uint8_t *digest,
				 size_t dlen, uint8_t *sig, size_t *siglen, char *err,
				 size_t errlen);

#endif
