/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test oracle: what a PROTECT job must produce, computed with OpenSSL
 * called directly (fresh EVP contexts per call, the one-shot HMAC()), so it
 * shares no code with any engine, including engine_openssl.c.
 *
 *  - AES-CTR: SP 800-38A CTR with a 128-bit big-endian counter starting at
 *    the job's 16-byte IV (RFC 3711 §4.1.1 AES-ICM);
 *  - HMAC-SHA1 (RFC 2104) over the auth range after encryption, truncated to
 *    the leftmost tag_len bytes (RFC 2104 §5);
 *  - AES-GCM (SP 800-38D) with the 12-byte nonce, AAD, full 16-byte tag
 *    truncated to its leftmost tag_len bytes (§5.2.1.2).
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine_test.h"

static const EVP_CIPHER *cipher_of(const struct sl_sess_params *p)
{
	int k256 = p->cipher_key_len == 32;

	if (p->cipher == SL_CIPHER_AES_CTR)
		return k256 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
	if (p->cipher == SL_CIPHER_AES_GCM)
		return k256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	return NULL;
}

static int ctr(const struct sl_sess_params *p, struct sl_crypto_job *j)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t *d = j->data + j->cipher_off;
	int ok, outl = 0;

	if (!c)
		return -1;
	ok = EVP_EncryptInit_ex(c, cipher_of(p), NULL, p->cipher_key, j->iv) == 1 &&
	     (j->cipher_len == 0 ||
	      EVP_EncryptUpdate(c, d, &outl, d, (int)j->cipher_len) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int hmac(const struct sl_sess_params *p, struct sl_crypto_job *j)
{
	static const uint8_t empty[1];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const uint8_t *d = j->auth_len ? j->data + j->auth_off : empty;

	if (!HMAC(EVP_sha1(), p->auth_key, p->auth_key_len, d, j->auth_len, md, &mdlen) ||
	    mdlen != 20)
		return -1;
	memcpy(j->digest, md, p->tag_len);
	return 0;
}

static int gcm(const struct sl_sess_params *p, struct sl_crypto_job *j)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t *d = j->data + j->cipher_off, tag[16], last[16];
	int ok, outl = 0;

	if (!c)
		return -1;
	ok = EVP_EncryptInit_ex(c, cipher_of(p), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
	     EVP_EncryptInit_ex(c, NULL, NULL, p->cipher_key, j->iv) == 1 &&
	     (j->aad_len == 0 || EVP_EncryptUpdate(c, NULL, &outl, j->aad, j->aad_len) == 1) &&
	     (j->cipher_len == 0 ||
	      EVP_EncryptUpdate(c, d, &outl, d, (int)j->cipher_len) == 1) &&
	     EVP_EncryptFinal_ex(c, last, &outl) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	if (ok)
		memcpy(j->digest, tag, p->tag_len);
	return ok ? 0 : -1;
}

int oracle_protect(const struct sl_sess_params *p, struct sl_crypto_job *j)
{
	if (p->cipher == SL_CIPHER_AES_GCM)
		return gcm(p, j);
	if (p->cipher == SL_CIPHER_AES_CTR && ctr(p, j) < 0)
		return -1;
	if (p->auth == SL_AUTH_HMAC_SHA1 && hmac(p, j) < 0)
		return -1;
	return 0;
}
