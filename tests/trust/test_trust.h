/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trust store and cert command tests: certificates made with libcrypto in a
 * temporary directory, checked against the OpenSSL command line.
 */
#ifndef TEST_TRUST_H
#define TEST_TRUST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A fresh temporary directory per test (tt_setup / tt_teardown). */
extern char tt_dir[64];
void tt_setup(void);
void tt_teardown(void);

/* tt_dir/name into a static rotating buffer. */
const char *tt_path(const char *name);

EVP_PKEY *tt_key_ec(void);
EVP_PKEY *tt_key_rsa(int bits);
/* A certificate "O=Shieldlock Test, CN=cn" for key, issued by (icert, ikey)
 * or self-signed when icert is NULL; CA:TRUE if ca. */
X509 *tt_cert(const char *cn, EVP_PKEY *key, bool ca, X509 *icert, EVP_PKEY *ikey);
void tt_write_pem(const char *path, X509 *x, bool append);
void tt_write_der(const char *path, X509 *x);
void tt_write_key(const char *path, EVP_PKEY *k, bool append);
uint8_t *tt_der(X509 *x, size_t *len);
uint8_t *tt_read(const char *path, size_t *len);
void tt_write(const char *path, const void *data, size_t len);

/* Runs a shell command; its stdout+stderr (trimmed) go to out. Returns
 * the exit status. $OPENSSL names the openssl program. */
int tt_run(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *tt_openssl(void);
/* How many entries tt_dir/sub holds (files whose names do not start with '.'). */
int tt_count(const char *sub);

TCase *tc_store(void);
TCase *tc_check(void);
TCase *tc_admin(void);

#endif
