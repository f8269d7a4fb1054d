/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cryptodev engine, sessions: what the device can do (its capabilities) and
 * the rte sessions behind an sl_sess, created on first use per direction
 * and, for AES-GCM, per AAD length, with least-recently-used replacement of
 * idle ones (the header comment of engine_cryptodev.c explains why).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_cryptodev.h>
#include <rte_log.h>

#include "cryptodev.h"

/* ---- capabilities ------------------------------------------------------- */

static const struct rte_cryptodev_symmetric_capability *
sym_cap(uint8_t dev_id, enum rte_crypto_sym_xform_type type, int algo)
{
	struct rte_cryptodev_sym_capability_idx idx = { .type = type };

	if (type == RTE_CRYPTO_SYM_XFORM_CIPHER)
		idx.algo.cipher = (enum rte_crypto_cipher_algorithm)algo;
	else if (type == RTE_CRYPTO_SYM_XFORM_AUTH)
		idx.algo.auth = (enum rte_crypto_auth_algorithm)algo;
	else
		idx.algo.aead = (enum rte_crypto_aead_algorithm)algo;
	return rte_cryptodev_sym_capability_get(dev_id, &idx);
}

static int ctr_ok(uint8_t dev_id, uint16_t key_len)
{
	const struct rte_cryptodev_symmetric_capability *c =
		sym_cap(dev_id, RTE_CRYPTO_SYM_XFORM_CIPHER, RTE_CRYPTO_CIPHER_AES_CTR);

	return c && rte_cryptodev_sym_capability_check_cipher(c, key_len, CTR_IV_LEN) == 0;
}

static int gcm_ok(uint8_t dev_id, uint16_t key_len, uint16_t tag_len)
{
	const struct rte_cryptodev_symmetric_capability *c =
		sym_cap(dev_id, RTE_CRYPTO_SYM_XFORM_AEAD, RTE_CRYPTO_AEAD_AES_GCM);

	return c && rte_cryptodev_sym_capability_check_aead(c, key_len, tag_len,
							    12, GCM_IV_LEN) == 0;
}

/* HMAC-SHA1 digest length to ask the PMD for so that at least tag_len
 * leftmost bytes come out (RFC 2104 §5 truncation); 0 if none works. */
static uint8_t hmac_gen_len(uint8_t dev_id, uint16_t key_len, uint8_t tag_len, int swtag)
{
	const struct rte_cryptodev_symmetric_capability *c =
		sym_cap(dev_id, RTE_CRYPTO_SYM_XFORM_AUTH, RTE_CRYPTO_AUTH_SHA1_HMAC);

	if (!c)
		return 0;
	for (unsigned len = swtag ? SHA1_LEN : tag_len; len <= SHA1_LEN; len++)
		if (rte_cryptodev_sym_capability_check_auth(c, key_len, (uint16_t)len, 0) == 0)
			return (uint8_t)len;
	return 0;
}

/* ---- sessions ----------------------------------------------------------- */

static int sess_supported(const struct cd_engine *ce, const struct sl_sess_params *p)
{
	uint8_t id = ce->dev_id;

	switch (p->cipher) {
	case SL_CIPHER_AES_GCM:
		return gcm_ok(id, p->cipher_key_len, p->tag_len);
	case SL_CIPHER_AES_CTR:
		if (!ctr_ok(id, p->cipher_key_len))
			return 0;
		if (p->auth == SL_AUTH_NULL)
			return 1;
		break;
	case SL_CIPHER_NULL:
		break;
	default:
		return 0;
	}
	if (p->auth != SL_AUTH_HMAC_SHA1)
		return 0;
	/* A PMD that verifies (see probe_pmd_verify) must do tag_len itself. */
	if (ce->pmd_verify && p->cipher == SL_CIPHER_AES_CTR &&
	    hmac_gen_len(id, p->auth_key_len, p->tag_len, 0) != p->tag_len)
		return 0;
	return hmac_gen_len(id, p->auth_key_len, p->tag_len, ce->swtag) != 0;
}

size_t sl_cd_sess_size(const struct sl_engine *e, const struct sl_sess_params *p)
{
	return sess_supported(e->priv, p) ? sizeof(struct cd_sess) : 0;
}

int sl_cd_sess_init(struct sl_engine *e, struct sl_sess *s, const struct sl_sess_params *p)
{
	struct cd_engine *ce = e->priv;
	struct cd_sess *cs = (struct cd_sess *)s;

	if (!sess_supported(ce, p))
		return -ENOTSUP;
	memset((uint8_t *)cs + sizeof(cs->hdr), 0, sizeof(*cs) - sizeof(cs->hdr));
	cs->dev_id = ce->dev_id;
	if (p->cipher != SL_CIPHER_NULL)
		memcpy(cs->cipher_key, p->cipher_key, p->cipher_key_len);
	if (p->auth == SL_AUTH_HMAC_SHA1) {
		cs->gen_len = hmac_gen_len(ce->dev_id, p->auth_key_len, p->tag_len, ce->swtag);
		cs->auth_key_len = p->auth_key_len;
		memcpy(cs->auth_key, p->auth_key, p->auth_key_len);
		cs->pmd_verify = ce->pmd_verify && p->cipher == SL_CIPHER_AES_CTR;
	}
	return 0;
}

void sl_cd_sess_clear(struct sl_engine *e, struct sl_sess *s)
{
	struct cd_sess *cs = (struct cd_sess *)s;

	(void)e;
	for (int i = 0; i < SESS_SLOTS; i++)
		if (cs->slot[i].rs)
			rte_cryptodev_sym_session_free(cs->dev_id, cs->slot[i].rs);
	sl_wipe((uint8_t *)cs + sizeof(cs->hdr), sizeof(*cs) - sizeof(cs->hdr));
}

static void fill_cipher(struct rte_crypto_sym_xform *x, struct cd_sess *cs, int enc)
{
	x->type = RTE_CRYPTO_SYM_XFORM_CIPHER;
	x->cipher = (struct rte_crypto_cipher_xform){
		.op = enc ? RTE_CRYPTO_CIPHER_OP_ENCRYPT : RTE_CRYPTO_CIPHER_OP_DECRYPT,
		.algo = RTE_CRYPTO_CIPHER_AES_CTR,
		.key = { .data = cs->cipher_key, .length = cs->hdr.key_len },
		.iv = { .offset = IV_OFFSET, .length = CTR_IV_LEN },
	};
}

static void fill_auth(struct rte_crypto_sym_xform *x, struct cd_sess *cs, int pmd_verify)
{
	x->type = RTE_CRYPTO_SYM_XFORM_AUTH;
	x->auth = (struct rte_crypto_auth_xform){
		.op = pmd_verify ? RTE_CRYPTO_AUTH_OP_VERIFY : RTE_CRYPTO_AUTH_OP_GENERATE,
		.algo = RTE_CRYPTO_AUTH_SHA1_HMAC,
		.key = { .data = cs->auth_key, .length = cs->auth_key_len },
		.digest_length = pmd_verify ? cs->hdr.tag_len : cs->gen_len,
	};
}

static void fill_aead(struct rte_crypto_sym_xform *x, struct cd_sess *cs, int enc,
		      uint16_t aad_len)
{
	x->type = RTE_CRYPTO_SYM_XFORM_AEAD;
	x->aead = (struct rte_crypto_aead_xform){
		.op = enc ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT,
		.algo = RTE_CRYPTO_AEAD_AES_GCM,
		.key = { .data = cs->cipher_key, .length = cs->hdr.key_len },
		.iv = { .offset = IV_OFFSET, .length = GCM_IV_LEN },
		.digest_length = cs->hdr.tag_len,
		.aad_length = aad_len,
	};
}

/* Builds the xform chain for one direction (see the header comment). */
static void *create_rs(const struct cd_engine *ce, struct cd_sess *cs, uint8_t op,
		       uint16_t aad_len)
{
	struct rte_crypto_sym_xform x[2];
	int enc = op == SL_JOB_PROTECT;
	int has_cipher = cs->hdr.cipher != SL_CIPHER_NULL;
	int has_auth = cs->hdr.auth == SL_AUTH_HMAC_SHA1;
	void *rs;

	memset(x, 0, sizeof(x));
	if (cs->hdr.auth == SL_AUTH_AEAD) {
		fill_aead(&x[0], cs, enc, aad_len);
	} else if (has_cipher && has_auth) {
		fill_cipher(&x[enc ? 0 : 1], cs, enc);
		fill_auth(&x[enc ? 1 : 0], cs, !enc && cs->pmd_verify);
		x[0].next = &x[1];
	} else if (has_cipher) {
		fill_cipher(&x[0], cs, enc);
	} else {
		fill_auth(&x[0], cs, 0);
	}
	rs = rte_cryptodev_sym_session_create(ce->dev_id, x, ce->cd.sess_pool);
	sl_wipe(x, sizeof(x));
	return rs;
}

static struct cd_slot *take(struct cd_sess *cs, struct cd_slot *sl)
{
	sl->used = ++cs->clock;
	sl->inflight++;
	return sl;
}

/*
 * The slot holding the rte session for (op, AAD length): an existing one, a
 * free one, or the least recently used idle one rebuilt. NULL if none.
 */
struct cd_slot *sl_cd_get_slot(const struct cd_engine *ce, struct cd_sess *cs, uint8_t op,
				uint16_t aad_len)
{
	struct cd_slot *sl = cs->slot, *lru = NULL;

	for (int i = 0; i < SESS_SLOTS; i++) {
		if (!sl[i].rs) {
			lru = &sl[i];
			break;
		}
		if (sl[i].op == op && sl[i].aad_len == aad_len)
			return take(cs, &sl[i]);
		if (!sl[i].inflight && (!lru || sl[i].used < lru->used))
			lru = &sl[i];
	}
	if (!lru)
		return NULL;
	if (lru->rs)
		rte_cryptodev_sym_session_free(cs->dev_id, lru->rs);
	lru->rs = create_rs(ce, cs, op, aad_len);
	lru->op = op;
	lru->aad_len = aad_len;
	lru->inflight = 0;
	return lru->rs ? take(cs, lru) : NULL;
}

/*
 * Does the PMD refuse the auth(generate) -> cipher(decrypt) chain that lets
 * the engine compare tags itself? (crypto_aesni_mb does; crypto_openssl
 * accepts it.) Then VERIFY uses auth(verify) -> cipher(decrypt) and the PMD's
 * comparison. Probed once per engine with a throwaway key, PMD logs muted.
 */
int sl_cd_probe_pmd_verify(const struct cd_engine *ce)
{
	static pthread_mutex_t mute_lock = PTHREAD_MUTEX_INITIALIZER;
	struct cd_sess probe;
	uint32_t level;
	void *rs;

	if (!ctr_ok(ce->dev_id, 16) || !hmac_gen_len(ce->dev_id, SHA1_LEN, 10, 0))
		return 0;
	memset(&probe, 0, sizeof(probe));
	probe.hdr.cipher = SL_CIPHER_AES_CTR;
	probe.hdr.auth = SL_AUTH_HMAC_SHA1;
	probe.hdr.key_len = 16;
	probe.hdr.tag_len = 10;
	probe.auth_key_len = SHA1_LEN;
	probe.gen_len = hmac_gen_len(ce->dev_id, SHA1_LEN, 10, ce->swtag);
	pthread_mutex_lock(&mute_lock); /* concurrent opens restore the right level */
	level = rte_log_get_global_level();
	rte_log_set_global_level(RTE_LOG_CRIT);
	rs = create_rs(ce, &probe, SL_JOB_VERIFY, 0);
	rte_log_set_global_level(level);
	pthread_mutex_unlock(&mute_lock);
	if (rs)
		rte_cryptodev_sym_session_free(ce->dev_id, rs);
	return rs == NULL;
}
