/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the CAPF unit tests: keys and certificates made with
 * OpenSSL independently of the code under test, and signatures produced
 * the way a phone does (spec §1.7). */
#ifndef TEST_CAPF_H
#define TEST_CAPF_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "capf_msg.h"
#include "sl_sign.h"

EVP_PKEY *t_rsa(unsigned bits);
EVP_PKEY *t_ec(const char *group);
/* Self-signed CA "CN=<cn>,O=Test Org,OU=Test Unit,L=Test City,ST=Test State,C=NZ". */
X509 *t_ca(EVP_PKEY *key, const char *cn);
/* Leaf with subject CN=cn, issued by ca/cakey. */
X509 *t_leaf(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *cakey);
/* DER of a certificate or SPKI (malloc'ed). */
uint8_t *t_der(X509 *x, size_t *len);
uint8_t *t_spki(EVP_PKEY *k, size_t *len);

/* A phone's signature over data (spec §1.7): RSA = PKCS#1 type 1 over the
 * raw digest (EVP_PKEY_sign, no digest set); EC = ECDSA. digestinfo = true
 * makes a standard RSASSA-PKCS1-v1_5 signature instead (must be refused). */
size_t t_sign(EVP_PKEY *k, enum sl_hash h, const uint8_t *data, size_t len, uint8_t *sig,
	      size_t cap, int digestinfo);

/* AUTH_RESPONSE with certificate authentication (CERTIFICATE, SIGNED_DATA,
 * SHA2_SIGNED_DATA), optionally SUDI. Returns the message length. */
long t_auth_cert_msg(uint8_t *buf, size_t cap, uint32_t session, const char *device,
		     X509 *cert, EVP_PKEY *key, X509 *sudi, EVP_PKEY *sudi_key);

Suite *msg_suite(void);
Suite *auth_suite(void);
Suite *lsc_suite(void);
Suite *session_suite(void);

#endif
