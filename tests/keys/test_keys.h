/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers of the keys tests (run by softhsm-setup.sh). */
#ifndef TEST_KEYS_H
#define TEST_KEYS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "keys.h"

/* $SL_KEYS_DIR (the throwaway SoftHSM2 directory) / name. */
const char *tk_path(const char *name);
/* "pkcs11:<path>?module-path=<softhsm>&<query>" (query may be ""). */
const char *tk_uri(const char *path, const char *query);
const char *tk_openssl(void);
struct sl_key *tk_open(const char *ref);
EVP_PKEY *tk_read_pub(const char *pem_path);
/* Signs SHA-1, SHA-256 and SHA-512 digests with sl_key_sign_digest and
 * verifies each with OpenSSL against sl_key_public(k) and indep (a public
 * key obtained independently), and that a changed digest fails. */
void tk_sign_verify_all(struct sl_key *k, EVP_PKEY *indep);
int tk_run(const char *cmd);
/* Raw RSA operations checked against sl_key_sign_digest and OpenSSL. */
void tk_raw_ops(struct sl_key *k);	/* system() exit status, output to stderr */

TCase *tcase_token(void);
TCase *tcase_refuse(void);
TCase *tcase_file(void);
TCase *tcase_proxy(void);

#endif
