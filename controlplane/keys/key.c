/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_key: one signing key in a file or a PKCS#11 token, and the operations
 * every consumer uses (sl_sign_digest_fn, raw RSA for TLS, ECDSA).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "keys_int.h"

/* Process-wide configuration, set once at start from the config file;
 * empty = p11-kit's registered modules. */
static char default_module[512];

int sl_keys_set_default_module(const char *path)
{
	if (path == NULL) {
		default_module[0] = '\0';
		return 0;
	}
	if (path[0] != '/' || strlen(path) >= sizeof(default_module))
		return -1;
	memcpy(default_module, path, strlen(path) + 1);
	return 0;
}

const char *sl_keys_default_module(void)
{
	return default_module[0] ? default_module : NULL;
}

void sl_keys_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void sl_keys_err_ossl(char *err, size_t errlen)
{
	unsigned long e = ERR_peek_error();

	if (e != 0 && err != NULL) {
		size_t n = strlen(err);
		char buf[160];
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err + n, errlen - n, " (%s)", buf);
	}
	ERR_clear_error();
}

struct sl_key *sl_key_open(const char *ref, char *err, size_t errlen)
{
	struct sl_key *k;

	if (ref == NULL || ref[0] == '\0') {
		sl_keys_errf(err, errlen, "empty key reference: give a key file path or a "
			     "pkcs11: URI");
		return NULL;
	}
	k = OPENSSL_zalloc(sizeof(*k));
	if (k == NULL) {
		sl_keys_errf(err, errlen, "out of memory");
		return NULL;
	}
	int r;
	if (strncmp(ref, "pkcs11:", 7) == 0) {
		k->store = SL_KEY_PKCS11;
		r = sl_p11_open(k, ref, err, errlen);
	} else {
		k->store = SL_KEY_FILE;
		r = sl_file_open(k, ref, err, errlen);
	}
	if (r < 0) {
		sl_key_free(k);
		return NULL;
	}
	return k;
}

void sl_key_free(struct sl_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pub);
	EVP_PKEY_free(k->priv);
	sl_p11_close(k->p11);
	OPENSSL_free(k);
}

EVP_PKEY *sl_key_public(const struct sl_key *k)
{
	return k->pub;
}

enum sl_key_type sl_key_type(const struct sl_key *k)
{
	return k->type;
}

enum sl_key_store sl_key_store(const struct sl_key *k)
{
	return k->store;
}

int sl_key_bits(const struct sl_key *k)
{
	return k->bits;
}

const char *sl_key_describe(const struct sl_key *k)
{
	return k->desc;
}

/*
 * DER of DigestInfo up to and including the OCTET STRING header, for each
 * hash: the prefixes listed in RFC 8017 §9.2 note 1. EMSA-PKCS1-v1_5 then
 * pads DigestInfo || digest with block type 1; CKM_RSA_PKCS does that part.
 */
static const uint8_t di_sha1[] = { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
				   0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 };
static const uint8_t di_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
				     0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
				     0x00, 0x04, 0x20 };
static const uint8_t di_sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
				     0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05,
				     0x00, 0x04, 0x40 };

static int hash_info(enum sl_hash h, const uint8_t **prefix, size_t *plen, size_t *dlen,
		     const EVP_MD **md)
{
	switch (h) {
	case SL_HASH_SHA1:
		*prefix = di_sha1;
		*plen = sizeof(di_sha1);
		*dlen = 20;
		*md = EVP_sha1();
		return 0;
	case SL_HASH_SHA256:
		*prefix = di_sha256;
		*plen = sizeof(di_sha256);
		*dlen = 32;
		*md = EVP_sha256();
		return 0;
	case SL_HASH_SHA512:
		*prefix = di_sha512;
		*plen = sizeof(di_sha512);
		*dlen = 64;
		*md = EVP_sha512();
		return 0;
	}
	return -1;
}

/* Raw r||s (each half the order's size, as CKM_ECDSA returns it) to DER. */
static int ecdsa_raw_to_der(const uint8_t *raw, size_t rawlen, uint8_t *sig, size_t *siglen,
			    char *err, size_t errlen)
{
	if (rawlen == 0 || rawlen % 2 != 0) {
		sl_keys_errf(err, errlen, "token returned a malformed ECDSA signature "
			     "(%zu bytes)", rawlen);
		return -1;
	}
	size_t h = rawlen / 2;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)h, NULL), *s = BN_bin2bn(raw + h, (int)h, NULL);
	if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		sl_keys_errf(err, errlen, "out of memory");
		return -1;
	}
	int n = i2d_ECDSA_SIG(es, NULL);
	if (n <= 0 || (size_t)n > *siglen) {
		ECDSA_SIG_free(es);
		sl_keys_errf(err, errlen, "signature buffer too small (%zu, need %d)", *siglen,
			     n);
		return -1;
	}
	uint8_t *p = sig;
	i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	*siglen = (size_t)n;
	return 0;
}

int sl_key_ecdsa_sign(struct sl_key *k, const uint8_t *digest, size_t dlen, uint8_t *sig,
		      size_t *siglen, char *err, size_t errlen)
{
	if (k->type != SL_KEY_EC) {
		sl_keys_errf(err, errlen, "%s is not an EC key", k->desc);
		return -1;
	}
	if (k->store == SL_KEY_PKCS11) {
		uint8_t raw[SL_KEYS_MAX_EC_RAW];
		size_t rl = sizeof(raw);
		if (sl_p11_sign(k->p11, SL_P11_ECDSA, digest, dlen, raw, &rl, err, errlen) < 0)
			return -1;
		return ecdsa_raw_to_der(raw, rl, sig, siglen, err, errlen);
	}
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->priv, NULL);
	if (pc == NULL || EVP_PKEY_sign_init(pc) <= 0 ||
	    EVP_PKEY_sign(pc, sig, siglen, digest, dlen) <= 0) {
		sl_keys_errf(err, errlen, "ECDSA signing with %s failed", k->desc);
		sl_keys_err_ossl(err, errlen);
		EVP_PKEY_CTX_free(pc);
		return -1;
	}
	EVP_PKEY_CTX_free(pc);
	return 0;
}

int sl_key_sign_digest(void *arg, enum sl_hash hash, const uint8_t *digest, size_t dlen,
		       uint8_t *sig, size_t *siglen, char *err, size_t errlen)
{
	struct sl_key *k = arg;
	const uint8_t *prefix;
	size_t plen, want;
	const EVP_MD *md;

	if (hash_info(hash, &prefix, &plen, &want, &md) < 0) {
		sl_keys_errf(err, errlen, "unknown hash code %d", (int)hash);
		return -1;
	}
	if (dlen != want) {
		sl_keys_errf(err, errlen, "digest is %zu bytes, the hash gives %zu", dlen, want);
		return -1;
	}
	if (k->type == SL_KEY_EC)
		return sl_key_ecdsa_sign(k, digest, dlen, sig, siglen, err, errlen);
	if (*siglen < (size_t)EVP_PKEY_get_size(k->pub)) {
		sl_keys_errf(err, errlen, "signature buffer too small (%zu, need %d)", *siglen,
			     EVP_PKEY_get_size(k->pub));
		return -1;
	}
	if (k->store == SL_KEY_PKCS11) {
		uint8_t di[19 + 64];
		memcpy(di, prefix, plen);
		memcpy(di + plen, digest, dlen);
		return sl_p11_sign(k->p11, SL_P11_RSA_PKCS, di, plen + dlen, sig, siglen, err,
				   errlen);
	}
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->priv, NULL);
	if (pc == NULL || EVP_PKEY_sign_init(pc) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(pc, md) <= 0 ||
	    EVP_PKEY_sign(pc, sig, siglen, digest, dlen) <= 0) {
		sl_keys_errf(err, errlen, "RSA signing with %s failed", k->desc);
		sl_keys_err_ossl(err, errlen);
		EVP_PKEY_CTX_free(pc);
		return -1;
	}
	EVP_PKEY_CTX_free(pc);
	return 0;
}

static int file_rsa_private(struct sl_key *k, enum sl_rsa_op op, enum sl_rsa_pad pad,
			    const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen,
			    char *err, size_t errlen)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, k->priv, NULL);
	int padding = pad == SL_RSA_PAD_NONE ? RSA_NO_PADDING : RSA_PKCS1_PADDING;
	int ok;

	/* Without a digest set, the RSA signature provider pads the input as it
	 * is (block type 1) or not at all: the raw private operation. */
	if (op == SL_RSA_SIGN)
		ok = pc != NULL && EVP_PKEY_sign_init(pc) > 0 &&
		     EVP_PKEY_CTX_set_rsa_padding(pc, padding) > 0 &&
		     EVP_PKEY_sign(pc, out, outlen, in, inlen) > 0;
	else
		ok = pc != NULL && EVP_PKEY_decrypt_init(pc) > 0 &&
		     EVP_PKEY_CTX_set_rsa_padding(pc, padding) > 0 &&
		     EVP_PKEY_decrypt(pc, out, outlen, in, inlen) > 0;
	EVP_PKEY_CTX_free(pc);
	if (!ok) {
		sl_keys_errf(err, errlen, "RSA %s with %s failed",
			     op == SL_RSA_SIGN ? "private encryption" : "decryption", k->desc);
		sl_keys_err_ossl(err, errlen);
		return -1;
	}
	return 0;
}

int sl_key_rsa_private(struct sl_key *k, enum sl_rsa_op op, enum sl_rsa_pad pad,
		       const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen,
		       char *err, size_t errlen)
{
	size_t mlen = (size_t)EVP_PKEY_get_size(k->pub);

	if (k->type != SL_KEY_RSA) {
		sl_keys_errf(err, errlen, "%s is not an RSA key", k->desc);
		return -1;
	}
	if ((op != SL_RSA_SIGN && op != SL_RSA_DECRYPT) ||
	    (pad != SL_RSA_PAD_NONE && pad != SL_RSA_PAD_PKCS1)) {
		sl_keys_errf(err, errlen, "unsupported RSA operation %d/padding %d", (int)op,
			     (int)pad);
		return -1;
	}
	if (*outlen < mlen || inlen > mlen ||
	    ((pad == SL_RSA_PAD_NONE || op == SL_RSA_DECRYPT) && inlen != mlen) ||
	    (op == SL_RSA_SIGN && pad == SL_RSA_PAD_PKCS1 && inlen + 11 > mlen)) {
		sl_keys_errf(err, errlen, "bad RSA input size %zu or output size %zu for a "
			     "%zu-byte modulus", inlen, *outlen, mlen);
		return -1;
	}
	if (k->store == SL_KEY_FILE)
		return file_rsa_private(k, op, pad, in, inlen, out, outlen, err, errlen);
	enum sl_p11_mech m = pad == SL_RSA_PAD_NONE ? SL_P11_RSA_X509 : SL_P11_RSA_PKCS;
	if (op == SL_RSA_SIGN)
		return sl_p11_sign(k->p11, m, in, inlen, out, outlen, err, errlen);
	return sl_p11_decrypt(k->p11, m, in, inlen, out, outlen, err, errlen);
}

int sl_key_generate_file(const char *path, enum sl_key_type type, int param, char *err,
			 size_t errlen)
{
	return sl_file_generate(path, type, param, err, errlen);
}

int sl_key_generate_token(const char *uri, enum sl_key_type type, int param, char *err,
			  size_t errlen)
{
	if (uri == NULL || strncmp(uri, "pkcs11:", 7) != 0) {
		sl_keys_errf(err, errlen, "not a pkcs11: URI");
		return -1;
	}
	return sl_p11_generate(uri, type, param, err, errlen);
}

/* Proxy ops over an sl_key in this process; failures go to OpenSSL's error
 * queue so that X509_sign's or libssl's caller sees the reason. */
static int fwd_rsa_private(void *arg, enum sl_rsa_op op, enum sl_rsa_pad pad,
			   const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen)
{
	char err[256];

	if (sl_key_rsa_private(arg, op, pad, in, inlen, out, outlen, err, sizeof(err)) < 0) {
		ERR_raise_data(ERR_LIB_USER, ERR_R_OPERATION_FAIL, "%s", err);
		return -1;
	}
	return 0;
}

static int fwd_ecdsa_sign(void *arg, const uint8_t *digest, size_t dlen, uint8_t *sig,
			  size_t *siglen)
{
	char err[256];

	if (sl_key_ecdsa_sign(arg, digest, dlen, sig, siglen, err, sizeof(err)) < 0) {
		ERR_raise_data(ERR_LIB_USER, ERR_R_OPERATION_FAIL, "%s", err);
		return -1;
	}
	return 0;
}

const struct sl_keyproxy_ops sl_key_proxy_ops = {
	.rsa_private = fwd_rsa_private,
	.ecdsa_sign = fwd_ecdsa_sign,
	.free = NULL,
};
