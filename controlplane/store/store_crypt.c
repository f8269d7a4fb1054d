/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Credential sealing: AES-256-GCM (NIST SP 800-38D) with a fresh random
 * 96-bit nonce per blob and an AAD that binds the blob to its row, under a
 * key derived from the appliance master key with HKDF-SHA-256 (RFC 5869).
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "digest.h"
#include "store_int.h"

/* RFC 5869 §3.1 salt and §3.2 info: domain separation from other uses of
 * the master key. Changing either makes every stored credential unreadable. */
static const char hkdf_salt[] = "shieldlock-store";
static const char hkdf_info[] = "shieldlock store credential key v1";

int st_derive_key(const uint8_t master[SL_STORE_MASTER_KEY_LEN], uint8_t out[ST_KEY_LEN])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	size_t outlen = ST_KEY_LEN;
	int ok;

	if (!c)
		return -EIO;
	ok = EVP_PKEY_derive_init(c) > 0 &&
	     EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_salt(c, (const unsigned char *)hkdf_salt,
					 (int)(sizeof(hkdf_salt) - 1)) > 0 &&
	     EVP_PKEY_CTX_set1_hkdf_key(c, master, SL_STORE_MASTER_KEY_LEN) > 0 &&
	     EVP_PKEY_CTX_add1_hkdf_info(c, (const unsigned char *)hkdf_info,
					 (int)(sizeof(hkdf_info) - 1)) > 0 &&
	     EVP_PKEY_derive(c, out, &outlen) > 0 && outlen == ST_KEY_LEN;
	EVP_PKEY_CTX_free(c);
	if (!ok) {
		OPENSSL_cleanse(out, ST_KEY_LEN);
		return -EIO;
	}
	return 0;
}

/* Appends s and its terminating NUL; false if it does not fit. */
static bool put_str(uint8_t *buf, size_t cap, size_t *off, const char *s)
{
	size_t n = strlen(s) + 1;

	if (n > cap - *off)
		return false;
	memcpy(buf + *off, s, n);
	*off += n;
	return true;
}

/* "shieldlock-ha1\0" user "\0" realm "\0" alg-name (no trailing NUL). */
size_t st_aad_user(uint8_t *buf, size_t cap, const char *user, const char *realm, int alg)
{
	size_t off = 0;
	const char *an = sl_digest_alg_name((enum sl_digest_alg)alg);

	if (!put_str(buf, cap, &off, "shieldlock-ha1") || !put_str(buf, cap, &off, user) ||
	    !put_str(buf, cap, &off, realm) || !put_str(buf, cap, &off, an))
		return 0;
	return off - 1;
}

/* "shieldlock-trunk-ha1\0" trunk "\0" realm "\0" username "\0" alg-name. */
size_t st_aad_trunk(uint8_t *buf, size_t cap, const char *trunk, const char *realm,
		    const char *username, int alg)
{
	size_t off = 0;
	const char *an = sl_digest_alg_name((enum sl_digest_alg)alg);

	if (!put_str(buf, cap, &off, "shieldlock-trunk-ha1") || !put_str(buf, cap, &off, trunk) ||
	    !put_str(buf, cap, &off, realm) || !put_str(buf, cap, &off, username) ||
	    !put_str(buf, cap, &off, an))
		return 0;
	return off - 1;
}

int st_seal(const uint8_t key[ST_KEY_LEN], const uint8_t *aad, size_t aadlen,
	    const uint8_t *pt, size_t ptlen, uint8_t nonce[ST_NONCE_LEN],
	    uint8_t *ct, uint8_t tag[ST_TAG_LEN])
{
	EVP_CIPHER_CTX *c;
	int n = 0, fin = 0, ok;

	if (aadlen > INT32_MAX || ptlen > INT32_MAX)
		return -EINVAL;
	/* A random 96-bit IV per message: SP 800-38D §8.2.2. */
	if (RAND_bytes(nonce, ST_NONCE_LEN) != 1)
		return -EIO;
	c = EVP_CIPHER_CTX_new();
	if (!c)
		return -EIO;
	ok = EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, ST_NONCE_LEN, NULL) == 1 &&
	     EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) == 1 &&
	     EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) == 1 &&
	     EVP_EncryptUpdate(c, ct, &n, pt, (int)ptlen) == 1 &&
	     (size_t)n == ptlen &&
	     EVP_EncryptFinal_ex(c, ct + n, &fin) == 1 && fin == 0 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, ST_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(c);	/* wipes the key schedule */
	if (!ok) {
		OPENSSL_cleanse(ct, ptlen);
		return -EIO;
	}
	return 0;
}

int st_unseal(const uint8_t key[ST_KEY_LEN], const uint8_t *aad, size_t aadlen,
	      const uint8_t nonce[ST_NONCE_LEN], const uint8_t *ct, size_t ctlen,
	      const uint8_t tag[ST_TAG_LEN], uint8_t *pt)
{
	EVP_CIPHER_CTX *c;
	uint8_t tagcopy[ST_TAG_LEN];
	int n = 0, fin = 0, ok;

	if (aadlen > INT32_MAX || ctlen > INT32_MAX)
		return -EIO;
	memcpy(tagcopy, tag, ST_TAG_LEN);
	c = EVP_CIPHER_CTX_new();
	if (!c)
		return -EIO;
	/* The tag is checked in EVP_DecryptFinal_ex (constant time). */
	ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, ST_NONCE_LEN, NULL) == 1 &&
	     EVP_DecryptInit_ex(c, NULL, NULL, key, nonce) == 1 &&
	     EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) == 1 &&
	     EVP_DecryptUpdate(c, pt, &n, ct, (int)ctlen) == 1 &&
	     (size_t)n == ctlen &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, ST_TAG_LEN, tagcopy) == 1 &&
	     EVP_DecryptFinal_ex(c, pt + n, &fin) == 1 && fin == 0;
	EVP_CIPHER_CTX_free(c);
	if (!ok) {
		OPENSSL_cleanse(pt, ctlen);
		return -EIO;
	}
	return 0;
}
