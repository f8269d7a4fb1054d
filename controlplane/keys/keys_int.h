/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the files of controlplane/keys (not for consumers). */
#ifndef SL_KEYS_INT_H
#define SL_KEYS_INT_H

#include <stdarg.h>

#include "keys.h"

struct sl_p11key;

struct sl_key {
	enum sl_key_store store;
	enum sl_key_type type;
	int bits;
	EVP_PKEY *pub;			/* public half, always set */
	EVP_PKEY *priv;			/* SL_KEY_FILE: the private key */
	struct sl_p11key *p11;		/* SL_KEY_PKCS11: session and object */
	char desc[256];
};

/* Mechanisms the token code offers (CKM_RSA_PKCS, CKM_RSA_X_509, CKM_ECDSA). */
enum sl_p11_mech {
	SL_P11_RSA_PKCS = 1,
	SL_P11_RSA_X509 = 2,
	SL_P11_ECDSA = 3,
};

/* Largest RSA modulus handled (bytes) and largest raw ECDSA r||s (P-521). */
#define SL_KEYS_MAX_RSA_BYTES 1024
#define SL_KEYS_MAX_EC_RAW 132

void sl_keys_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Appends OpenSSL's first queued error (if any) to err and clears the queue. */
void sl_keys_err_ossl(char *err, size_t errlen);

int sl_file_open(struct sl_key *k, const char *path, char *err, size_t errlen);
int sl_file_generate(const char *path, enum sl_key_type type, int param, char *err,
		     size_t errlen);
/* Checks that the open file fd is a regular file nobody but its owner may
 * read or write (what = "key file", "PIN file"). */
int sl_keys_check_private_file(int fd, const char *path, const char *what, char *err,
			       size_t errlen);

int sl_p11_open(struct sl_key *k, const char *uri, char *err, size_t errlen);
void sl_p11_close(struct sl_p11key *p);
int sl_p11_sign(struct sl_p11key *p, enum sl_p11_mech mech, const uint8_t *in, size_t inlen,
		uint8_t *out, size_t *outlen, char *err, size_t errlen);
int sl_p11_decrypt(struct sl_p11key *p, enum sl_p11_mech mech, const uint8_t *in,
		   size_t inlen, uint8_t *out, size_t *outlen, char *err, size_t errlen);
int sl_p11_generate(const char *uri, enum sl_key_type type, int param, char *err,
		    size_t errlen);

#endif
