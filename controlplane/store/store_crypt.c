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

int st_seal_ha1(const struct sl_store *st, int alg, const char *username, const char *realm,
		const char *password, const uint8_t *aad, size_t aadlen,
		struct st_sealed *out, bool *hashed)
{
	uint8_t ha1[ST_HA1_MAX];
	int r;

	*hashed = false;
	out->len = sl_digest_alg_len((enum sl_digest_alg)alg);
	r = sl_digest_ha1((enum sl_digest_alg)alg, username, realm, password, ha1, NULL, 0);
	if (!r) {
		*hashed = true;
		r = aadlen ? st_seal(st->key, aad, aadlen, ha1, out->len, out->nonce, out->ct,
				     out->tag) : -EIO;
		if (r)
			r = -EIO;
	}
	OPENSSL_cleanse(ha1, sizeof(ha1));
	return r;
}

void st_bind_sealed(sqlite3_stmt *s, int col, const struct st_sealed *b)
{
	sqlite3_bind_blob(s, col, b->nonce, ST_NONCE_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, col + 1, b->ct, (int)b->len, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, col + 2, b->tag, ST_TAG_LEN, SQLITE_TRANSIENT);
}

int st_unseal_cols(const struct sl_store *st, sqlite3_stmt *s, int col, int alg,
		   const uint8_t *aad, size_t aadlen, uint8_t *ha1, uint8_t *ha1_len)
{
	const void *nonce = sqlite3_column_blob(s, col);
	const void *ct = sqlite3_column_blob(s, col + 1);
	const void *tag = sqlite3_column_blob(s, col + 2);
	size_t len = sl_digest_alg_len((enum sl_digest_alg)alg);

	if (len == 0 || len > ST_HA1_MAX || !aadlen || !nonce || !ct || !tag ||
	    sqlite3_column_bytes(s, col) != ST_NONCE_LEN ||
	    (size_t)sqlite3_column_bytes(s, col + 1) != len ||
	    sqlite3_column_bytes(s, col + 2) != ST_TAG_LEN ||
	    st_unseal(st->key, aad, aadlen, nonce, ct, len, tag, ha1))
		return -EIO;
	*ha1_len = (uint8_t)len;
	return 0;
}

void st_err_undecryptable(char *err, size_t errlen, const char *kind, const char *name,
			  const char *realm, int alg, const char *remedy)
{
	char n[SL_STORE_NAME_MAX], rl[ST_REALM_MAX];

	st_printable(n, sizeof(n), name, strlen(name));
	st_printable(rl, sizeof(rl), realm, strlen(realm));
	st_err(err, errlen, "the %s credential of %s \"%s\" (realm \"%s\") does not decrypt: "
	       "wrong master key or a modified store; restore the key or the store from a "
	       "backup, or %s", sl_digest_alg_name((enum sl_digest_alg)alg), kind, n, rl, remedy);
}
