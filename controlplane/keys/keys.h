/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's signing keys (issue 5 §1): each one lives in a PEM file
 * (mode 0600) or in a PKCS#11 token (SoftHSM2 in tests, an HSM or USB token
 * in production), named by one reference string:
 *
 *   /var/lib/shieldlock/keys/tftp.key                      a file
 *   pkcs11:token=SAST-A;object=sast;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/shieldlock/sast-a.pin
 *
 * (RFC 7512; see docs/keys-tokens.md). The ca process holds these objects;
 * everything else signs through sl_sign_digest_fn (sl_sign.h) or through a
 * "proxy" EVP_PKEY whose private operations are forwarded elsewhere
 * (sl_keyproxy_new), so key material never leaves the ca process or the
 * token.
 *
 * An sl_key is not thread-safe: use each one from a single thread.
 * Every function that can fail writes what was wrong and what to do into err
 * (never key material or PINs).
 */
#ifndef SL_KEYS_H
#define SL_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "sl_sign.h"

struct sl_key;

enum sl_key_type {
	SL_KEY_RSA = 1,
	SL_KEY_EC = 2,
};

enum sl_key_store {
	SL_KEY_FILE = 1,
	SL_KEY_PKCS11 = 2,
};

/* The PKCS#11 module used for a "pkcs11:" URI without module-path=. By
 * default (and after sl_keys_set_default_module(NULL)) that is every module
 * registered with p11-kit (pkcs11.conf(5): the .module files in
 * /usr/share/p11-kit/modules and /etc/pkcs11/modules), searched together
 * for the token; p11-kit-proxy.so itself cannot be loaded as a module here.
 * Set it from the configuration before sl_key_open(). Returns 0, or -1 if
 * path is not absolute or too long. sl_keys_default_module() returns the
 * path, or NULL for the registered modules. */
int sl_keys_set_default_module(const char *path);
const char *sl_keys_default_module(void);

/* Opens a key: a path to a PEM private key (refused when group or world may
 * read it), or a "pkcs11:" URI. For a token the session is opened and the
 * user logged in once, here; the key stays usable until sl_key_free(). */
struct sl_key *sl_key_open(const char *ref, char *err, size_t errlen);
void sl_key_free(struct sl_key *k);

/* The public key (owned by k; EVP_PKEY_up_ref() to keep it longer). */
EVP_PKEY *sl_key_public(const struct sl_key *k);
enum sl_key_type sl_key_type(const struct sl_key *k);
enum sl_key_store sl_key_store(const struct sl_key *k);
int sl_key_bits(const struct sl_key *k);
/* "file /path" or "pkcs11 token=SAST-A object=sast": for logs. */
const char *sl_key_describe(const struct sl_key *k);

/* sl_sign_digest_fn for one key: arg is the struct sl_key *. RSA keys sign
 * RSASSA-PKCS1-v1_5, EC keys ECDSA (DER). */
int sl_key_sign_digest(void *arg, enum sl_hash hash, const uint8_t *digest, size_t dlen,
		       uint8_t *sig, size_t *siglen, char *err, size_t errlen);

/* Raw private-key operations for TLS and the proxy.
 * SL_RSA_SIGN: "private encrypt" of in (inlen <= modulus size) with
 *   SL_RSA_PAD_NONE (in is an already padded block of exactly the modulus
 *   size: PSS or anything else the caller padded itself) or
 *   SL_RSA_PAD_PKCS1 (block type 1 added here, RFC 8017 §9.2 step 5).
 * SL_RSA_DECRYPT: RSAES-PKCS1-v1_5 decryption (SL_RSA_PAD_PKCS1, RFC 8017
 *   §7.2.2; TLS 1.0-1.2 RSA key exchange) or raw (SL_RSA_PAD_NONE).
 * *outlen holds the capacity of out on entry (at least the modulus size)
 * and the result length on return. Returns 0 or -1. */
enum sl_rsa_op {
	SL_RSA_SIGN = 1,
	SL_RSA_DECRYPT = 2,
};
enum sl_rsa_pad {
	SL_RSA_PAD_NONE = 1,
	SL_RSA_PAD_PKCS1 = 2,
};
int sl_key_rsa_private(struct sl_key *k, enum sl_rsa_op op, enum sl_rsa_pad pad,
		       const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen,
		       char *err, size_t errlen);
/* ECDSA over a digest of any length (the caller hashed); DER signature. */
int sl_key_ecdsa_sign(struct sl_key *k, const uint8_t *digest, size_t dlen, uint8_t *sig,
		      size_t *siglen, char *err, size_t errlen);

/* Key generation (first start, "cert regenerate").
 * type SL_KEY_RSA: param = modulus bits (0 = 2048, 1024..8192);
 * type SL_KEY_EC: param = OpenSSL NID of a named curve (0 = P-256).
 * sl_key_generate_file writes a PKCS#8 PEM file with mode 0600 atomically
 * (temporary file in the same directory, fsync, rename), replacing path.
 * sl_key_generate_token creates a key pair in the token the URI names (its
 * token=, pin and module attributes) with the URI's object= as CKA_LABEL and
 * id= as CKA_ID (both required); the private key is sensitive and not
 * extractable. Refuses when a private key with that label or id exists. */
int sl_key_generate_file(const char *path, enum sl_key_type type, int param, char *err,
			 size_t errlen);
int sl_key_generate_token(const char *uri, enum sl_key_type type, int param, char *err,
			  size_t errlen);

/*
 * The proxy: an EVP_PKEY with pub's public key whose private operations are
 * performed by ops (synchronously, in the calling thread), e.g. by asking
 * the ca process over a socket. Usable with X509_sign, X509_REQ_sign,
 * EVP_DigestSign* and as an SSL_CTX private key (TLS 1.3 RSA-PSS, TLS 1.2,
 * TLS 1.0-1.2 RSA key exchange). Callbacks return 0 or -1.
 *   rsa_private: op, pad and buffers as sl_key_rsa_private() (in the SIGN
 *     case with SL_RSA_PAD_NONE, in is exactly the modulus size).
 *   ecdsa_sign:  digest in, DER ECDSA-Sig-Value out.
 *   free:        called with arg when the EVP_PKEY is freed (may be NULL).
 */
struct sl_keyproxy_ops {
	int (*rsa_private)(void *arg, enum sl_rsa_op op, enum sl_rsa_pad pad,
			   const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen);
	int (*ecdsa_sign)(void *arg, const uint8_t *digest, size_t dlen, uint8_t *sig,
			  size_t *siglen);
	void (*free)(void *arg);
};
/* Returns a new EVP_PKEY (caller frees) or NULL with the reason in err.
 * ops must outlive the key; pub is not kept (its public numbers are copied). */
EVP_PKEY *sl_keyproxy_new(EVP_PKEY *pub, const struct sl_keyproxy_ops *ops, void *arg,
			  char *err, size_t errlen);
/* Ops forwarding to an sl_key in the same process (arg = struct sl_key *,
 * not freed by the proxy): a token CA key can then issue certificates with
 * X509_sign. */
extern const struct sl_keyproxy_ops sl_key_proxy_ops;

#endif
