/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The LSC issued to a phone (spec §1.9) and the check of the key the phone
 * generated. The issuer key is any EVP_PKEY (a file key or a proxy to a
 * token or to the ca process): only X509_sign touches it.
 */
#ifndef SL_CAPF_LSC_H
#define SL_CAPF_LSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "capf_msg.h"

#define CAPF_LSC_DAYS_DEFAULT	365
#define CAPF_LSC_DAYS_MAX	3650
#define CAPF_RSA_MIN_BITS	1024
#define CAPF_RSA_MAX_BITS	4096

/* The key the phone is asked to generate (KEY_GENERATE_REQUEST). */
struct capf_keyparams {
	enum capf_key_type type;
	unsigned rsa_bits;		/* RSA: 1024..4096, a multiple of 8 */
	enum capf_curve curve;		/* EC */
};

/* 0 if kp is one we ask for (RSA 1024..4096, or one of the three curves). */
int capf_keyparams_check(const struct capf_keyparams *kp, char *err, size_t errlen);
/* "rsa:2048", "ec:P-256" ... and back (0 or -1); parsing also takes the
 * curve names secp256r1/prime256v1, secp384r1, secp521r1. */
void capf_keyparams_str(const struct capf_keyparams *kp, char *buf, size_t cap);
int capf_keyparams_parse(const char *s, struct capf_keyparams *kp);

/*
 * Checks the PUBLIC_KEY element (DER SubjectPublicKeyInfo, exactly len
 * bytes): RSA of exactly the requested size, or EC on the requested
 * curve; anything else refused. Returns 0 or -1 (reason in err).
 */
int capf_lsc_check_spki(const uint8_t *spki, size_t len, const struct capf_keyparams *want,
			char *err, size_t errlen);

struct capf_lsc_req {
	const char *device;		/* becomes CN */
	const uint8_t *spki;		/* the phone's SubjectPublicKeyInfo, unchanged */
	size_t spki_len;
	const struct capf_keyparams *want;	/* NULL: any acceptable RSA/EC key */
	unsigned days;			/* 1..3650; 0 = 365 */
	time_t now;			/* 0 = time(NULL) */
	X509 *issuer;			/* issuing certificate */
	EVP_PKEY *issuer_key;		/* its key (RSA or EC); signs with SHA-256 */
	/* KeyUsage of an EC LSC: false = digitalSignature + keyEncipherment,
	 * the reference profile that phones are known to accept (spec §1.9);
	 * true = digitalSignature + keyAgreement (RFC 5480 §3). RSA LSCs always
	 * get digitalSignature + keyEncipherment. */
	bool rfc5480_ku;
};

/*
 * Issues the LSC (profile in docs/capf.md): returns 0 with *der (free with
 * OPENSSL_free) or -1 with the reason in err.
 */
int capf_lsc_issue(const struct capf_lsc_req *r, uint8_t **der, size_t *der_len, char *err,
		   size_t errlen);

#endif
