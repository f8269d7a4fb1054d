/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encrypted configuration, .enc.sgn (spec §5.1 generation, §5.3
 * decryption). The AES key lives only in local buffers wiped before
 * return; plaintext copies are wiped too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "sgn_internal.h"

#define AES_KEY_LEN	16
#define AES_BLOCK	16

/* AES-128-CBC without cipher padding over a ‖ b into out (spec §5.1 step 6). */
static int aes_cbc(int enc, const uint8_t key[AES_KEY_LEN], const uint8_t iv[AES_BLOCK],
		   const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, l3 = 0, ok;

	if (alen > INT32_MAX || blen > INT32_MAX) {
		EVP_CIPHER_CTX_free(ctx);
		return -E2BIG;
	}
	ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, iv, enc) > 0 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) > 0 &&
	     EVP_CipherUpdate(ctx, out, &l1, a, (int)alen) > 0 &&
	     (!blen || EVP_CipherUpdate(ctx, out + l1, &l2, b, (int)blen) > 0) &&
	     EVP_CipherFinal_ex(ctx, out + l1 + l2, &l3) > 0 &&
	     (size_t)l1 + (size_t)l2 + (size_t)l3 == alen + blen;
	EVP_CIPHER_CTX_free(ctx);	/* cleanses the key schedule */
	return ok ? 0 : -EIO;
}

/* The encryption block (spec §5.1): container lengths cover their
 * children exactly. */
static void put_enc_block(struct sgn_wbuf *w, const uint8_t iv[AES_BLOCK], unsigned pad,
			  const uint8_t *wrapped, size_t wlen, enum sl_hash hash,
			  const uint8_t *dig, size_t dlen)
{
	size_t iv_info = (3 + 1) + (3 + AES_BLOCK) + (3 + 2);
	size_t key_info = (3 + 1) + (3 + 2) + (3 + 1) + (3 + wlen);

	sgn_put8(w, SL_SGN_ENCRYPTION_INFO);
	sgn_put16(w, (uint16_t)(3 + iv_info + 3 + key_info));
	sgn_put8(w, SL_SGN_ENCRYPTION_IV_INFO);
	sgn_put16(w, (uint16_t)iv_info);
	sgn_tlv(w, SL_SGN_UNKNOWN1, &(uint8_t){ 0 }, 1);
	sgn_tlv(w, SL_SGN_IV, iv, AES_BLOCK);
	sgn_tlv(w, SL_SGN_ENC_PADDING, (uint8_t[2]){ 0, (uint8_t)pad }, 2);
	sgn_put8(w, SL_SGN_ENCRYPTION_KEY_INFO);
	sgn_put16(w, (uint16_t)key_info);
	sgn_tlv(w, SL_SGN_UNKNOWN2, &(uint8_t){ 0 }, 1);
	/* KEY_SIZE is the wrapped key in bits, i.e. the RSA modulus size. */
	sgn_tlv(w, SL_SGN_KEY_SIZE, (uint8_t[2]){ (uint8_t)((wlen * 8) >> 8), (uint8_t)(wlen * 8) }, 2);
	sgn_tlv(w, SL_SGN_KEY_ALGORITHM, &(uint8_t){ 1 }, 1);	/* presumed AES-128 */
	sgn_tlv(w, SL_SGN_KEY, wrapped, wlen);
	sgn_tlv(w, SL_SGN_ENCRYPTION_HASH_ALGORITHM, &(uint8_t){ (uint8_t)hash }, 1);
	sgn_tlv(w, SL_SGN_ENCRYPTION_HASH, dig, dlen);
}

int sl_encsgn_build(const struct sl_sgn_signer *s, const char *filename, uint32_t timestamp,
		    EVP_PKEY *phone_pub, const uint8_t *plain, size_t len, uint8_t **out,
		    size_t *outlen, char *err, size_t errlen)
{
	uint8_t key[AES_KEY_LEN], iv[AES_BLOCK], pad[AES_BLOCK], dig[EVP_MAX_MD_SIZE];
	uint8_t wrapped[SL_SGN_MAX_SIG], block[1024], *ct = NULL;
	struct sgn_wbuf w = { block, sizeof(block), 0, false };
	struct sgn_hdr_spec spec = {
		.version = { 2, 0 },		/* spec §5.1 step 8 */
		.filename = filename,
		.timestamp = timestamp,
	};
	enum sl_hash hash;
	size_t S, wlen = sizeof(wrapped), ctlen;
	unsigned padn, dlen;
	int mod_index, rc, id;
	EVP_PKEY_CTX *pctx = NULL;

	*out = NULL;
	*outlen = 0;
	rc = sgn_signer_check(s, &hash, &S, &mod_index, err, errlen);
	if (rc)
		return rc;
	if (!plain && len)
		return sgn_fail(err, errlen, -EINVAL, "no configuration given to encrypt");
	id = phone_pub ? EVP_PKEY_get_base_id(phone_pub) : 0;
	if (id != EVP_PKEY_RSA)
		return sgn_fail(err, errlen, -ENOTSUP,
				"the phone's certificate has %s key: encrypted configuration needs an RSA phone certificate (EC is not supported, spec §5.1, §10); issue the phone an RSA LSC or leave encryption off",
				id == EVP_PKEY_EC ? "an EC" : "no usable");
	if ((size_t)EVP_PKEY_get_size(phone_pub) > sizeof(wrapped))
		return sgn_fail(err, errlen, -ENOTSUP, "the phone's RSA key is larger than 4096 bits");
	/* Step 3: the hash of the plaintext, with the signature's algorithm. */
	if (EVP_Digest(plain, len, dig, &dlen, sgn_md(hash), NULL) <= 0)
		return sgn_fail(err, errlen, -EIO, "cannot hash the configuration");
	/* Step 4: fresh key and IV. */
	if (RAND_bytes(key, sizeof(key)) != 1 || RAND_bytes(iv, sizeof(iv)) != 1) {
		rc = sgn_fail(err, errlen, -EIO, "the random generator failed; retry");
		goto out;
	}
	/* Step 5: 1..16 bytes of 0x0D (not PKCS#7). */
	padn = AES_BLOCK - (unsigned)(len % AES_BLOCK);
	memset(pad, SL_SGN_PAD_BYTE, padn);
	if (len > SIZE_MAX - AES_BLOCK) {
		rc = sgn_fail(err, errlen, -E2BIG, "the configuration is too large");
		goto out;
	}
	ctlen = len + padn;
	ct = malloc(ctlen);
	if (!ct) {
		rc = sgn_fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	/* Step 6. */
	rc = aes_cbc(1, key, iv, plain, len, pad, padn, ct);
	if (rc) {
		sgn_fail(err, errlen, rc, "AES-128-CBC encryption failed");
		goto out;
	}
	/* Step 7: RSA PKCS#1 v1.5 type 2 wrap of the key. */
	pctx = EVP_PKEY_CTX_new(phone_pub, NULL);
	if (!pctx || EVP_PKEY_encrypt_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_encrypt(pctx, wrapped, &wlen, key, sizeof(key)) <= 0) {
		rc = sgn_fail(err, errlen, -EIO, "wrapping the key with the phone's RSA key failed");
		goto out;
	}
	/* Step 8: the header with the encryption block, signed. */
	put_enc_block(&w, iv, padn, wrapped, wlen, hash, dig, dlen);
	if (w.overflow) {
		rc = sgn_fail(err, errlen, -E2BIG, "the encryption block does not fit");
		goto out;
	}
	spec.extra = block;
	spec.extra_len = w.len;
	rc = sgn_sign_file(s, &spec, ct, ctlen, out, outlen, err, errlen);
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_cleanse(key, sizeof(key));
	free(ct);
	return rc;
}

int sl_encsgn_decrypt(const uint8_t *file, size_t len, EVP_PKEY *phone_key, uint8_t **plain,
		      size_t *plain_len, char *err, size_t errlen)
{
	struct sl_sgn_header h;
	uint8_t key[SL_SGN_MAX_SIG], dig[EVP_MAX_MD_SIZE], *pt = NULL;
	size_t klen = sizeof(key), n;
	const EVP_MD *md;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned dlen;
	int rc;

	*plain = NULL;
	*plain_len = 0;
	rc = sl_sgn_header_parse(file, len, &h, err, errlen);
	if (rc)
		return rc;
	if (!h.has_encryption || !h.iv || !h.key || h.enc_padding < 0 || !h.enc_hash ||
	    h.enc_hash_algorithm < 0)
		return sgn_fail(err, errlen, -EBADMSG,
				"not an encrypted file: the header lacks %s (spec §5.1)",
				!h.has_encryption ? "the encryption block" : !h.iv ? "IV" :
				!h.key ? "KEY" : h.enc_padding < 0 ? "PADDING" : !h.enc_hash ?
				"ENCRYPTION_HASH" : "ENCRYPTION_HASH_ALGORITHM");
	md = sgn_md(h.enc_hash_algorithm);
	if (!md)
		return sgn_fail(err, errlen, -ENOTSUP,
				"ENCRYPTION_HASH_ALGORITHM %d is not SHA-1 (1) or SHA-512 (3)",
				h.enc_hash_algorithm);
	if (h.enc_hash_len != (size_t)EVP_MD_get_size(md))
		return sgn_fail(err, errlen, -EBADMSG, "ENCRYPTION_HASH is %zu bytes, expected %d",
				h.enc_hash_len, EVP_MD_get_size(md));
	n = h.body_len;
	if (n == 0 || n % AES_BLOCK)
		return sgn_fail(err, errlen, -EBADMSG,
				"the ciphertext is %zu bytes, not a positive multiple of 16", n);
	if (h.enc_padding < 1 || h.enc_padding > AES_BLOCK)
		return sgn_fail(err, errlen, -EBADMSG, "PADDING is %d, outside 1..16", h.enc_padding);
	if (!phone_key || EVP_PKEY_get_base_id(phone_key) != EVP_PKEY_RSA)
		return sgn_fail(err, errlen, -ENOTSUP, "decryption needs the phone's RSA private key");
	/* Step 2: unwrap with PKCS#1 v1.5. */
	pctx = EVP_PKEY_CTX_new(phone_key, NULL);
	if (!pctx || EVP_PKEY_decrypt_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_decrypt(pctx, key, &klen, h.key, h.key_len) <= 0 || klen != AES_KEY_LEN) {
		rc = sgn_fail(err, errlen, -EPERM,
			      "the key cannot be unwrapped with this phone key: the file was encrypted for another phone certificate");
		goto out;
	}
	/* Step 3. */
	pt = malloc(n);
	if (!pt) {
		rc = sgn_fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	rc = aes_cbc(0, key, h.iv, file + h.header_length, n, NULL, 0, pt);
	if (rc) {
		sgn_fail(err, errlen, rc, "AES-128-CBC decryption failed");
		goto out;
	}
	/* Step 4: the padding is 0x0D bytes. */
	for (size_t i = n - (size_t)h.enc_padding; i < n; i++) {
		if (pt[i] != SL_SGN_PAD_BYTE) {
			rc = sgn_fail(err, errlen, -EPERM,
				      "the decrypted padding is not 0x0D bytes: wrong key or corrupted file");
			goto out;
		}
	}
	n -= (size_t)h.enc_padding;
	/* Step 5. */
	if (EVP_Digest(pt, n, dig, &dlen, md, NULL) <= 0 ||
	    CRYPTO_memcmp(dig, h.enc_hash, dlen) != 0) {
		rc = sgn_fail(err, errlen, -EPERM,
			      "the decrypted configuration does not match ENCRYPTION_HASH: wrong key or corrupted file");
		goto out;
	}
	*plain = pt;
	*plain_len = n;
	pt = NULL;
	rc = 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	OPENSSL_cleanse(key, sizeof(key));
	sl_sgn_free_secret(pt, h.body_len);
	return rc;
}
