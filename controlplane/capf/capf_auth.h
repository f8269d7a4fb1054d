/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CAPF authentication data (spec §1.7): the RSA "raw digest" signatures,
 * ECDSA, the device and SUDI authData, and the certificate checks of
 * spec §1.8 step 4. Passwords are not compared here: the backend does it.
 */
#ifndef SL_CAPF_AUTH_H
#define SL_CAPF_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "capf_msg.h"
#include "sl_sign.h"

/* Trust anchors for certificate authentication (spec §1.8 step 4). */
struct capf_auth_cfg {
	X509 *lsc_issuer;		/* the certificate that issues our LSCs */
	X509 *const *mfg_ca;		/* manufacturer CAs (Cisco Manufacturing CA) */
	size_t n_mfg_ca;
};

/* Which anchor vouched for a certificate. */
enum capf_cert_auth {
	CAPF_CA_ABSENT = 0,	/* no CERTIFICATE element */
	CAPF_CA_LSC,		/* issued by our LSC issuer, CN = device, sigs good */
	CAPF_CA_MIC,		/* issued by a manufacturer CA, sigs good */
	CAPF_CA_FAILED,		/* present but refused */
};
const char *capf_cert_auth_str(enum capf_cert_auth a);

/*
 * Verifies sig over data with pub (spec §1.7):
 *   RSA: "raw digest" PKCS#1 type-1 block; the recovered payload must be
 *        exactly hash(data) (a DigestInfo is refused);
 *   EC:  DER ECDSA over hash(data).
 * hash is SL_HASH_SHA1 (SIGNED_DATA) or SL_HASH_SHA512 (SHA2_SIGNED_DATA).
 * Returns 0 if valid, -1 otherwise (reason in err).
 */
int capf_auth_verify_sig(EVP_PKEY *pub, enum sl_hash hash, const uint8_t *data,
			 size_t dlen, const uint8_t *sig, size_t siglen, char *err,
			 size_t errlen);

/*
 * Parses a DER certificate (exactly der_len bytes), finds the anchor whose
 * subject equals its issuer Name (the LSC issuer first, then the
 * manufacturer CAs) and checks that anchor's signature over it (no chain
 * building, no dates: spec §1.8). Returns CAPF_CA_LSC or CAPF_CA_MIC with
 * the certificate in *out (caller frees), or CAPF_CA_FAILED.
 */
enum capf_cert_auth capf_auth_cert(const struct capf_auth_cfg *cfg, const uint8_t *der,
				   size_t der_len, X509 **out, char *err, size_t errlen);

/* What capf_auth_device() looked at. */
struct capf_auth_result {
	enum capf_cert_auth cert;	/* the device certificate (element 4) */
	bool sudi_present;
	bool sudi_ok;			/* SUDI certificate and both signatures good */
	const uint8_t *cert_der;	/* points into the message */
	size_t cert_der_len;
};

/*
 * Checks the certificate material of an AUTH_RESPONSE (spec §1.8 step 4,
 * certificate mode): CERTIFICATE, SIGNED_DATA and SHA2_SIGNED_DATA all
 * required when a CERTIFICATE is present; authData = device || 00 || DER.
 * Stricter than the reference: a certificate issued by the LSC issuer must
 * have CN = device, and a SUDI must be RSA. If SUDI_DATA is present its
 * certificate and signatures (authData = session u32 LE || SUDI DER) must
 * verify too, else res->cert is CAPF_CA_FAILED.
 * Always returns with res filled; err says why a check failed.
 */
void capf_auth_device(const struct capf_auth_cfg *cfg, const char *device, uint32_t session,
		      const struct capf_msg *m, struct capf_auth_result *res, char *err,
		      size_t errlen);

#endif
