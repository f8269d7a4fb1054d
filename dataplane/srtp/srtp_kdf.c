/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key derivation: the AES-CM PRF of RFC 3711 §4.3.1 / §4.3.3, run as an
 * AES-CTR job on the engine (no crypto library is called here).
 *
 *   key_id = label || r                     (8 + 48 bits, r = index DIV kdr)
 *   x      = key_id XOR master_salt         (112 bits, key_id right-aligned)
 *   out    = AES-CM(master_key, IV = x * 2^16) over zeros
 *
 * AES-256 master keys use the same PRF with AES-256 (RFC 6188 §3).
 * GCM suites have a 96-bit master salt (RFC 7714 §11); it takes the first
 * 12 of the 14 salt bytes, the last two being zero, which is what libsrtp2
 * does (the differential tests check it). Only kdr = 0 is supported, so r is
 * always 0 when called from stream creation (see docs/srtp.md).
 */
#include <stdlib.h>

#include "srtp_stream.h"

struct prf {
	struct sl_sess *sess;
	size_t size;
};

static int prf_open(struct sl_engine *e, struct prf *f, const uint8_t *key, size_t key_len)
{
	struct sl_sess_params sp = {
		.cipher = SL_CIPHER_AES_CTR,
		.cipher_key_len = (uint8_t)key_len,
		.auth = SL_AUTH_NULL,
		.cipher_key = key,
	};

	if (key_len != 16 && key_len != 32)
		return -SL_SRTP_ERR_PARAM;
	f->size = sl_sess_size(e, &sp);
	if (f->size == 0)
		return -SL_SRTP_ERR_UNSUPPORTED;
	f->sess = aligned_alloc(SL_SESS_ALIGN, f->size);
	if (!f->sess)
		return -SL_SRTP_ERR_NOMEM;
	memset(f->sess, 0, f->size);
	if (sl_sess_init(e, f->sess, &sp) < 0) {
		sl_wipe(f->sess, f->size);
		free(f->sess);
		return -SL_SRTP_ERR_ENGINE;
	}
	return 0;
}

static void prf_close(struct sl_engine *e, struct prf *f)
{
	sl_sess_clear(e, f->sess);
	sl_wipe(f->sess, f->size);
	free(f->sess);
	f->sess = NULL;
}

static int prf_run(struct sl_engine *e, struct prf *f, const uint8_t *salt, size_t salt_len,
		   uint8_t label, uint64_t r, uint8_t *out, size_t out_len)
{
	struct sl_crypto_job job;
	struct sl_crypto_job *jp = &job;
	int rc = 0;

	if (salt_len != 14 && salt_len != 12)
		return -SL_SRTP_ERR_PARAM;
	if (out_len == 0 || out_len > UINT32_MAX || r >> 48)
		return -SL_SRTP_ERR_PARAM;
	memset(&job, 0, sizeof(job));
	memcpy(job.iv, salt, salt_len);          /* bytes 0..13, last two zero: * 2^16 */
	job.iv[7] ^= label;                      /* key_id occupies bytes 7..13 */
	for (int i = 0; i < 6; i++)
		job.iv[8 + i] ^= (uint8_t)(r >> (40 - 8 * i));
	memset(out, 0, out_len);
	job.sess = f->sess;
	job.data = out;
	job.cipher_off = 0;
	job.cipher_len = (uint32_t)out_len;
	job.op = SL_JOB_PROTECT;
	job.status = SL_JOB_PENDING;
	if (sl_engine_run_burst(e, &jp, 1) != 1) {
		sl_wipe(out, out_len);
		rc = -SL_SRTP_ERR_ENGINE;
	}
	sl_wipe(&job, sizeof(job));
	return rc;
}

int sl_srtp_kdf(struct sl_engine *e, const uint8_t *master_key, size_t key_len,
		const uint8_t *master_salt, size_t salt_len, uint8_t label,
		uint64_t r, uint8_t *out, size_t out_len)
{
	struct prf f;
	int rc;

	if (!e || !master_key || !master_salt || !out)
		return -SL_SRTP_ERR_PARAM;
	rc = prf_open(e, &f, master_key, key_len);
	if (rc < 0)
		return rc;
	rc = prf_run(e, &f, master_salt, salt_len, label, r, out, out_len);
	prf_close(e, &f);
	return rc;
}

/* Derives the six session values of one master key (RFC 3711 §4.3.2 labels). */
int sl_srtp_derive(struct sl_engine *e, const struct sl_srtp_suite_info *si,
		   const struct sl_srtp_master_key *mk, struct sl_srtp_session_keys *out)
{
	/* the NULL cipher suite takes an AES-128 master key for its PRF */
	size_t prf_key_len = si->cipher == SL_CIPHER_NULL ? 16 : si->key_len;
	struct prf f;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = prf_open(e, &f, mk->key, prf_key_len);
	if (rc < 0)
		return rc;
	if (si->cipher != SL_CIPHER_NULL) {
		rc = prf_run(e, &f, mk->salt, si->salt_len, SL_LABEL_RTP_ENC, 0, out->rtp_enc, si->key_len);
		if (rc == 0)
			rc = prf_run(e, &f, mk->salt, si->salt_len, SL_LABEL_RTCP_ENC, 0,
				     out->rtcp_enc, si->key_len);
	}
	if (rc == 0 && si->auth == SL_AUTH_HMAC_SHA1) {
		rc = prf_run(e, &f, mk->salt, si->salt_len, SL_LABEL_RTP_AUTH, 0, out->rtp_auth, 20);
		if (rc == 0)
			rc = prf_run(e, &f, mk->salt, si->salt_len, SL_LABEL_RTCP_AUTH, 0, out->rtcp_auth, 20);
	}
	if (rc == 0)
		rc = prf_run(e, &f, mk->salt, si->salt_len, SL_LABEL_RTP_SALT, 0, out->rtp_salt, si->salt_len);
	if (rc == 0)
		rc = prf_run(e, &f, mk->salt, si->salt_len, SL_LABEL_RTCP_SALT, 0,
			     out->rtcp_salt, si->salt_len);
	prf_close(e, &f);
	if (rc < 0)
		sl_wipe(out, sizeof(*out));
	return rc;
}
