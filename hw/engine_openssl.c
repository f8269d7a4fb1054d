/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "openssl": the reference engine, OpenSSL 3 EVP, one job at a time.
 *
 * enqueue_burst processes each job synchronously and parks it in a small
 * completion ring; dequeue_burst hands the ring back. Jobs are stamped
 * SL_JOB_PENDING on acceptance and get their final status before they enter
 * the ring.
 *
 * Session memory holds pointers to a keyed EVP_CIPHER_CTX (AES-CTR or
 * AES-GCM, key schedule done once in sess_init) and a keyed EVP_MAC_CTX
 * (HMAC-SHA1); per job the contexts are only re-initialised with the IV /
 * restarted with the key they already hold. These contexts are mutable: a
 * session must be used by one engine instance (one worker) at a time, which
 * is the data plane's threading model anyway. sess_clear frees them
 * (OpenSSL cleanses key material on free).
 *
 * VERIFY authenticates before it decrypts (RFC 3711 §3.3 step 5 before 6):
 *  - HMAC: tag computed over the auth range, compared with sl_ct_memcmp,
 *    then the cipher range is decrypted only on a match;
 *  - GCM: a first pass decrypts into a small engine scratch buffer, discarding
 *    the output, just to let OpenSSL check the tag (EVP_DecryptFinal_ex,
 *    CRYPTO_memcmp: constant time); only on success a second pass decrypts
 *    in place. Twice the work on receive, but no unauthenticated plaintext
 *    ever lands in the caller's buffer. This engine is the reference, not the
 *    fast path.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "done_ring.h"
#include "engine.h"

#define SCRATCH_LEN    512
#define SHA1_LEN       20

struct ossl_priv {
	EVP_MAC *hmac;                    /* fetched once per instance */
	struct sl_done_ring done;
	uint8_t scratch[SCRATCH_LEN];     /* GCM verify pass output, discarded */
};

struct ossl_sess {
	struct sl_sess hdr;
	EVP_CIPHER_CTX *cipher;           /* NULL for SL_CIPHER_NULL */
	EVP_MAC_CTX *mac;                 /* NULL unless HMAC-SHA1 */
};

static int ossl_init(struct sl_engine *e, const char *args)
{
	struct ossl_priv *p = e->priv;

	if (args && *args) {
		fprintf(stderr, "engine openssl: takes no arguments (got '%s')\n", args);
		return -EINVAL;
	}
	p->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!p->hmac) {
		fprintf(stderr, "engine openssl: the default provider offers no HMAC\n");
		return -ENOTSUP;
	}
	return 0;
}

static void ossl_fini(struct sl_engine *e)
{
	struct ossl_priv *p = e->priv;

	EVP_MAC_free(p->hmac);
	p->hmac = NULL;
}

static size_t ossl_sess_size(const struct sl_engine *e, const struct sl_sess_params *prm)
{
	(void)e;
	(void)prm;
	return sizeof(struct ossl_sess);
}

static const EVP_CIPHER *evp_cipher(const struct sl_sess_params *prm)
{
	int k256 = prm->cipher_key_len == 32;

	switch (prm->cipher) {
	case SL_CIPHER_AES_CTR:
		return k256 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
	case SL_CIPHER_AES_GCM:
		return k256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	default:
		return NULL;
	}
}

static int cipher_new(struct ossl_sess *s, const struct sl_sess_params *prm)
{
	const EVP_CIPHER *c = evp_cipher(prm);

	if (!c || !prm->cipher_key || prm->cipher_key_len != EVP_CIPHER_get_key_length(c))
		return -EINVAL;
	s->cipher = EVP_CIPHER_CTX_new();
	if (!s->cipher)
		return -ENOMEM;
	/* Key schedule once; GCM's default nonce length is the 12 bytes we use. */
	if (EVP_EncryptInit_ex(s->cipher, c, NULL, prm->cipher_key, NULL) != 1)
		return -EIO;
	return 0;
}

static int mac_new(struct ossl_priv *p, struct ossl_sess *s, const struct sl_sess_params *prm)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0),
		OSSL_PARAM_construct_end(),
	};

	if (!prm->auth_key || prm->auth_key_len == 0)
		return -EINVAL;
	s->mac = EVP_MAC_CTX_new(p->hmac);
	if (!s->mac)
		return -ENOMEM;
	if (EVP_MAC_init(s->mac, prm->auth_key, prm->auth_key_len, params) != 1)
		return -EIO;
	return 0;
}

static void ossl_sess_clear(struct sl_engine *e, struct sl_sess *ss)
{
	struct ossl_sess *s = (struct ossl_sess *)ss;

	(void)e;
	EVP_CIPHER_CTX_free(s->cipher);    /* cleanses the key schedule */
	EVP_MAC_CTX_free(s->mac);
	s->cipher = NULL;
	s->mac = NULL;
}

static int ossl_sess_init(struct sl_engine *e, struct sl_sess *ss, const struct sl_sess_params *prm)
{
	struct ossl_sess *s = (struct ossl_sess *)ss;
	int rc = 0;

	s->cipher = NULL;
	s->mac = NULL;
	if (prm->cipher != SL_CIPHER_NULL)
		rc = cipher_new(s, prm);
	if (rc == 0 && prm->auth == SL_AUTH_HMAC_SHA1)
		rc = mac_new(e->priv, s, prm);
	if (rc < 0)
		ossl_sess_clear(e, ss);
	return rc;
}

/* AES-CTR over the cipher range, in place (CTR is its own inverse). */
static int ctr_run(struct ossl_sess *s, struct sl_crypto_job *j)
{
	uint8_t *d = j->data + j->cipher_off;
	int outl;

	if (j->cipher_len == 0)
		return 0;
	if (EVP_EncryptInit_ex(s->cipher, NULL, NULL, NULL, j->iv) != 1 ||
	    EVP_EncryptUpdate(s->cipher, d, &outl, d, (int)j->cipher_len) != 1)
		return -EIO;
	return 0;
}

/* HMAC-SHA1 over the auth range into out[20] (RFC 2104), key kept in mac. */
static int hmac_run(struct ossl_sess *s, const struct sl_crypto_job *j, uint8_t *out)
{
	size_t outl;

	if (EVP_MAC_init(s->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(s->mac, j->data + j->auth_off, j->auth_len) != 1 ||
	    EVP_MAC_final(s->mac, out, &outl, SHA1_LEN) != 1 || outl != SHA1_LEN)
		return -EIO;
	return 0;
}

/* Encrypt-then-MAC: RFC 3711 §3.3 (SRTP), §3.4 (SRTCP); RFC 4303 ESP. */
static uint8_t etm_protect(struct ossl_sess *s, struct sl_crypto_job *j)
{
	uint8_t tag[SHA1_LEN];

	if (s->cipher && ctr_run(s, j) < 0)
		return SL_JOB_ERROR;
	if (s->mac) {
		if (hmac_run(s, j, tag) < 0)
			return SL_JOB_ERROR;
		memcpy(j->digest, tag, s->hdr.tag_len);
	}
	return SL_JOB_OK;
}

static uint8_t etm_verify(struct ossl_sess *s, struct sl_crypto_job *j)
{
	uint8_t tag[SHA1_LEN];

	if (s->mac) {
		if (hmac_run(s, j, tag) < 0)
			return SL_JOB_ERROR;
		if (sl_ct_memcmp(tag, j->digest, s->hdr.tag_len) != 0)
			return SL_JOB_AUTH_FAILED;
	}
	if (s->cipher && ctr_run(s, j) < 0)
		return SL_JOB_ERROR;
	return SL_JOB_OK;
}

/* Starts a GCM operation: nonce, direction and the AAD. */
static int gcm_start(struct ossl_sess *s, const struct sl_crypto_job *j, int enc)
{
	int outl;

	if (EVP_CipherInit_ex(s->cipher, NULL, NULL, NULL, j->iv, enc) != 1)
		return -EIO;
	if (!enc && EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_AEAD_SET_TAG, s->hdr.tag_len,
					j->digest) != 1)
		return -EIO;
	if (j->aad_len && EVP_CipherUpdate(s->cipher, NULL, &outl, j->aad, j->aad_len) != 1)
		return -EIO;
	return 0;
}

static uint8_t gcm_protect(struct ossl_sess *s, struct sl_crypto_job *j)
{
	uint8_t *d = j->data + j->cipher_off;
	uint8_t last[16];
	int outl;

	if (gcm_start(s, j, 1) < 0)
		return SL_JOB_ERROR;
	if (j->cipher_len && EVP_EncryptUpdate(s->cipher, d, &outl, d, (int)j->cipher_len) != 1)
		return SL_JOB_ERROR;
	if (EVP_EncryptFinal_ex(s->cipher, last, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_AEAD_GET_TAG, s->hdr.tag_len, j->digest) != 1)
		return SL_JOB_ERROR;
	return SL_JOB_OK;
}

/* Pass 1 of GCM verify: tag check only, plaintext into scratch. 1 = match. */
static int gcm_check(struct ossl_priv *p, struct ossl_sess *s, const struct sl_crypto_job *j)
{
	const uint8_t *d = j->data + j->cipher_off;
	uint32_t left = j->cipher_len;
	int outl;

	if (gcm_start(s, j, 0) < 0)
		return -EIO;
	while (left) {
		int chunk = left < SCRATCH_LEN ? (int)left : SCRATCH_LEN;

		if (EVP_DecryptUpdate(s->cipher, p->scratch, &outl, d, chunk) != 1)
			return -EIO;
		d += chunk;
		left -= (uint32_t)chunk;
	}
	return EVP_DecryptFinal_ex(s->cipher, p->scratch, &outl) == 1;
}

static uint8_t gcm_verify(struct ossl_priv *p, struct ossl_sess *s, struct sl_crypto_job *j)
{
	uint8_t *d = j->data + j->cipher_off;
	uint8_t last[16];
	int outl, ok = gcm_check(p, s, j);

	sl_wipe(p->scratch, sizeof(p->scratch));
	if (ok < 0)
		return SL_JOB_ERROR;
	if (!ok)
		return SL_JOB_AUTH_FAILED;
	if (gcm_start(s, j, 0) < 0)
		return SL_JOB_ERROR;
	if (j->cipher_len && EVP_DecryptUpdate(s->cipher, d, &outl, d, (int)j->cipher_len) != 1)
		return SL_JOB_ERROR;
	if (EVP_DecryptFinal_ex(s->cipher, last, &outl) != 1)
		return SL_JOB_ERROR;      /* data changed under us between the passes */
	return SL_JOB_OK;
}

static int job_valid(const struct sl_engine *e, const struct sl_crypto_job *j)
{
	const struct sl_sess *s = j->sess;

	if (!s || s->engine_id != e->id || j->op > SL_JOB_VERIFY)
		return 0;
	if (j->cipher_len > INT_MAX || (!j->data && (j->cipher_len || j->auth_len)))
		return 0;
	if (s->auth != SL_AUTH_NULL && !j->digest)
		return 0;
	if (s->cipher == SL_CIPHER_AES_GCM && j->aad_len && !j->aad)
		return 0;
	return 1;
}

static uint8_t process(struct sl_engine *e, struct sl_crypto_job *j)
{
	struct ossl_sess *s = (struct ossl_sess *)j->sess;

	if (!job_valid(e, j))
		return SL_JOB_ERROR;
	if (s->hdr.cipher == SL_CIPHER_AES_GCM)
		return j->op == SL_JOB_PROTECT ? gcm_protect(s, j) : gcm_verify(e->priv, s, j);
	return j->op == SL_JOB_PROTECT ? etm_protect(s, j) : etm_verify(s, j);
}

static uint16_t ossl_enqueue_burst(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n)
{
	struct ossl_priv *p = e->priv;
	uint32_t room = sl_done_room(&p->done);
	uint16_t i;

	if (n > room)
		n = (uint16_t)room;
	for (i = 0; i < n; i++) {
		jobs[i]->status = process(e, jobs[i]);
		sl_done_push(&p->done, jobs[i]);
	}
	return n;
}

static uint16_t ossl_dequeue_burst(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n)
{
	return sl_done_pop_burst(&((struct ossl_priv *)e->priv)->done, jobs, n);
}

const struct sl_engine_ops sl_engine_openssl_ops = {
	.name = "openssl",
	.caps = SL_CAP_AES_CTR_128 | SL_CAP_AES_CTR_256 | SL_CAP_AES_GCM_128 |
		SL_CAP_AES_GCM_256 | SL_CAP_HMAC_SHA1 | SL_CAP_NULL_CIPHER,
	.priv_size = sizeof(struct ossl_priv),
	.init = ossl_init,
	.fini = ossl_fini,
	.sess_size = ossl_sess_size,
	.sess_init = ossl_sess_init,
	.sess_clear = ossl_sess_clear,
	.enqueue_burst = ossl_enqueue_burst,
	.dequeue_burst = ossl_dequeue_burst,
	.selftest = sl_engine_selftest,
};
