/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "ipsec-mb": the fast CPU engine on Intel IPsec-MB 1.3 (multi-buffer SIMD).
 *
 * Each engine instance (one per worker) owns its IPsec-MB manager and works
 * synchronously: enqueue_burst processes up to BURST jobs at a time and parks
 * them in a completion ring for dequeue_burst. Jobs are stamped
 * SL_JOB_PENDING on acceptance; the final status is set before they enter
 * the ring.
 *
 * Encrypt-then-MAC jobs (AES-CTR and/or HMAC-SHA1; SRTP/SRTCP) are not
 * chained per job: the fastest measured shape is one cipher-only burst and
 * one hash-only burst over the whole set (PLATFORM-NOTES), so a burst is
 * split by operation and key size:
 *   1. VERIFY jobs: one HMAC-SHA1 hash burst (reads the ciphertext), tags
 *      compared in constant time; failures end as SL_JOB_AUTH_FAILED with the
 *      data untouched (RFC 3711 §3.3: authenticate before decrypting).
 *   2. AES-CTR: one cipher burst per key size over the PROTECT jobs and the
 *      VERIFY jobs that authenticated. CTR is an involution, so both
 *      directions run as IMB_DIR_ENCRYPT with the encryption key schedule.
 *   3. PROTECT jobs: one hash burst over the fresh ciphertext, in place.
 * AES-GCM jobs use the direct (synchronous) GCM API, one job at a time.
 *
 * One IMB_MGR per instance, initialised with init_mb_mgr_auto (the library
 * picks its best code path for the CPU). The engine argument
 * "arch=sse|avx|avx2|avx512|auto" forces a code path, for benchmarks and
 * debugging. (On a CPU with SHA-NI but no AVX-512 the SSE path hashes with
 * SHA-NI; measured here it was only ~5% faster than AVX2 for a 172-byte
 * AES-CTR + HMAC-SHA1 packet, not worth a second manager.) Precomputed GCM
 * tables depend on the code path, so sessions record the path they were made
 * for and a job on a session from an instance on another path fails with
 * SL_JOB_ERROR.
 *
 * IPsec-MB specifics (checked against 1.3):
 *  - HMAC-SHA1 output length must be 12 or 20: we produce 12 (20 for tags
 *    longer than 12) into engine scratch and copy tag_len bytes out;
 *  - a zero-length HMAC or cipher message is rejected by the library: an
 *    empty cipher range is skipped, and the HMAC of the empty message is
 *    precomputed per session;
 *  - the CTR counter is incremented in its low 32 bits only; RFC 3711's
 *    AES-ICM is a 128-bit counter (§4.1.1). A job whose low counter word
 *    would wrap is split in two at the wrap (never happens for SRTP, whose
 *    counter blocks end in 16 zero bits, but the contract is 128 bits);
 *  - GCM decryption writes the plaintext before we see the tag: VERIFY
 *    decrypts in place, compares, and on a mismatch encrypts the range again
 *    with the same nonce (the keystream is identical), restoring the
 *    ciphertext. Authentic packets, the common case, pay nothing extra.
 */
#define NO_COMPAT_IMB_API_053           /* its SHA1/CBC/... macros clash with OpenSSL */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "done_ring.h"
#include "engine.h"

#define BURST        64u              /* jobs per cipher/hash burst */
#define SHA1_LEN     20
#define SHA1_BLOCK   64
#define IMB_TAG_LEN  12               /* HMAC-SHA1-96: what IPsec-MB emits */

struct imb_priv {
	IMB_MGR *mgr;
	uint8_t layout;                   /* mgr->used_arch, stamped in sessions */
	struct sl_done_ring done;
	IMB_JOB imb[BURST];               /* burst scratch, reused by every pass */
	uint8_t tags[BURST][SHA1_LEN];    /* HMAC outputs, per job of the chunk */
	struct gcm_context_data gcm_ctx;
};

/*
 * Session memory for AES-CTR / NULL cipher with HMAC-SHA1 / no auth.
 * 80 bytes + 176 (AES-128) = 256 bytes for AES_CM_128_HMAC_SHA1_*.
 */
struct etm_sess {
	struct sl_sess hdr;
	uint8_t layout;                   /* imb_priv.layout of the creator */
	uint8_t pad[7];
	uint8_t ipad[SHA1_LEN];           /* SHA-1 state after (K ^ ipad) */
	uint8_t opad[SHA1_LEN];           /* SHA-1 state after (K ^ opad) */
	uint8_t empty_tag[SHA1_LEN];      /* HMAC(K, "") */
	uint8_t pad2[4];
	uint8_t enc_keys[] __attribute__((aligned(16)));  /* 11 or 15 round keys */
};

/* Session memory for AES-GCM: key schedule and GHASH tables (1008 bytes). */
struct gcm_sess {
	struct sl_sess hdr;
	uint8_t layout;
	uint8_t pad[55];
	struct gcm_key_data key;          /* 64-byte aligned */
};

_Static_assert(offsetof(struct etm_sess, enc_keys) == 80, "etm_sess layout");
_Static_assert(offsetof(struct gcm_sess, key) % 64 == 0, "gcm_key_data alignment");
_Static_assert(offsetof(struct etm_sess, layout) == offsetof(struct gcm_sess, layout),
	       "common session prefix");

static struct imb_priv *priv_of(const struct sl_engine *e)
{
	return e->priv;
}

static uint8_t sess_layout(const struct sl_sess *s)
{
	return ((const struct etm_sess *)s)->layout;
}

static const struct {
	const char *name;
	uint64_t needs;
	void (*init)(IMB_MGR *);
} archs[] = {
	{ "sse", IMB_CPUFLAGS_SSE, init_mb_mgr_sse },
	{ "avx", IMB_CPUFLAGS_AVX, init_mb_mgr_avx },
	{ "avx2", IMB_CPUFLAGS_AVX2, init_mb_mgr_avx2 },
	{ "avx512", IMB_CPUFLAGS_AVX512, init_mb_mgr_avx512 },
};
#define N_ARCHS (sizeof(archs) / sizeof(archs[0]))
#define ARCH_AUTO N_ARCHS

/* Initialises m for archs[a] (or the library's choice for ARCH_AUTO). */
static int mgr_new(IMB_MGR **mp, unsigned a)
{
	IMB_MGR *m = alloc_mb_mgr(0);

	if (!m)
		return -ENOMEM;
	/* Initialising for code the CPU cannot run crashes: check first. */
	if (a != ARCH_AUTO && (m->features & archs[a].needs) != archs[a].needs) {
		fprintf(stderr, "engine ipsec-mb: this CPU cannot run the %s code path\n",
			archs[a].name);
		free_mb_mgr(m);
		return -ENOTSUP;
	}
	if (a == ARCH_AUTO)
		init_mb_mgr_auto(m, NULL);
	else
		archs[a].init(m);
	if (imb_get_errno(m) != 0 || m->used_arch == IMB_ARCH_NONE) {
		fprintf(stderr, "engine ipsec-mb: manager initialisation failed: %s\n",
			imb_get_strerror(imb_get_errno(m)));
		free_mb_mgr(m);
		return -ENOTSUP;
	}
	*mp = m;
	return 0;
}

/* "", NULL or "arch=auto|sse|avx|avx2|avx512"; -1 = not forced (auto). */
static int parse_args(const char *args, int *forced)
{
	*forced = -1;
	if (!args || !*args)
		return 0;
	if (strcmp(args, "arch=auto") == 0) {
		*forced = ARCH_AUTO;
		return 0;
	}
	for (unsigned a = 0; a < N_ARCHS; a++)
		if (strncmp(args, "arch=", 5) == 0 && strcmp(args + 5, archs[a].name) == 0)
			*forced = (int)a;
	if (*forced >= 0)
		return 0;
	fprintf(stderr, "engine ipsec-mb: unknown argument '%s' "
		"(expected arch=auto|sse|avx|avx2|avx512)\n", args);
	return -EINVAL;
}

static void imb_fini(struct sl_engine *e)
{
	struct imb_priv *p = priv_of(e);

	free_mb_mgr(p->mgr);
	p->mgr = NULL;
}

static int imb_init(struct sl_engine *e, const char *args)
{
	struct imb_priv *p = priv_of(e);
	int forced, rc = parse_args(args, &forced);

	if (rc < 0)
		return rc;
	rc = mgr_new(&p->mgr, forced >= 0 ? (unsigned)forced : ARCH_AUTO);
	if (rc < 0)
		return rc;
	p->layout = (uint8_t)p->mgr->used_arch;
	return 0;
}

static size_t imb_sess_size(const struct sl_engine *e, const struct sl_sess_params *prm)
{
	(void)e;
	if (prm->cipher == SL_CIPHER_AES_GCM)
		return sizeof(struct gcm_sess);
	if (prm->cipher == SL_CIPHER_AES_CTR)
		return sizeof(struct etm_sess) + 16u * (prm->cipher_key_len == 32 ? 15 : 11);
	return sizeof(struct etm_sess);
}

static int gcm_sess_init(IMB_MGR *m, struct gcm_sess *s, const struct sl_sess_params *prm)
{
	if (!prm->cipher_key)
		return -EINVAL;
	if (prm->cipher_key_len == 16)
		IMB_AES128_GCM_PRE(m, prm->cipher_key, &s->key);
	else
		IMB_AES256_GCM_PRE(m, prm->cipher_key, &s->key);
	return 0;
}

/*
 * HMAC precomputation (RFC 2104 §2): the SHA-1 states after one block of
 * K ^ ipad and K ^ opad, which IPsec-MB continues from; plus HMAC(K, "")
 * because the library refuses empty messages.
 */
static int hmac_sess_init(IMB_MGR *m, struct etm_sess *s, const struct sl_sess_params *prm)
{
	uint8_t ipad[SHA1_BLOCK], opad[SHA1_BLOCK + SHA1_LEN];

	if (!prm->auth_key || prm->auth_key_len == 0 || prm->auth_key_len > SHA1_BLOCK)
		return -EINVAL;
	memset(ipad, 0x36, SHA1_BLOCK);
	memset(opad, 0x5c, SHA1_BLOCK);
	for (unsigned i = 0; i < prm->auth_key_len; i++) {
		ipad[i] ^= prm->auth_key[i];
		opad[i] ^= prm->auth_key[i];
	}
	IMB_SHA1_ONE_BLOCK(m, ipad, s->ipad);
	IMB_SHA1_ONE_BLOCK(m, opad, s->opad);
	IMB_SHA1(m, ipad, SHA1_BLOCK, opad + SHA1_BLOCK);         /* inner hash of "" */
	IMB_SHA1(m, opad, SHA1_BLOCK + SHA1_LEN, s->empty_tag);
	sl_wipe(ipad, sizeof(ipad));
	sl_wipe(opad, sizeof(opad));
	return 0;
}

static int imb_sess_init(struct sl_engine *e, struct sl_sess *ss, const struct sl_sess_params *prm)
{
	struct imb_priv *p = priv_of(e);
	struct etm_sess *s = (struct etm_sess *)ss;
	uint8_t dec_keys[16 * 15] __attribute__((aligned(16)));

	s->layout = p->layout;
	if (prm->cipher == SL_CIPHER_AES_GCM)
		return gcm_sess_init(p->mgr, (struct gcm_sess *)ss, prm);
	if (prm->auth == SL_AUTH_HMAC_SHA1 && hmac_sess_init(p->mgr, s, prm) < 0)
		return -EINVAL;
	if (prm->cipher != SL_CIPHER_AES_CTR)
		return 0;
	if (!prm->cipher_key)
		return -EINVAL;
	/* CTR only needs the encryption schedule; the decryption one is dropped. */
	if (prm->cipher_key_len == 16)
		IMB_AES_KEYEXP_128(p->mgr, prm->cipher_key, s->enc_keys, dec_keys);
	else
		IMB_AES_KEYEXP_256(p->mgr, prm->cipher_key, s->enc_keys, dec_keys);
	sl_wipe(dec_keys, sizeof(dec_keys));
	return 0;
}

static void imb_sess_clear(struct sl_engine *e, struct sl_sess *ss)
{
	struct sl_sess_params prm = { .cipher = ss->cipher, .cipher_key_len = ss->key_len };
	size_t size = imb_sess_size(e, &prm);

	sl_wipe((uint8_t *)ss + sizeof(*ss), size - sizeof(*ss));
}

/* ---- AES-GCM (direct API) ------------------------------------------------ */

static uint8_t gcm_run(struct imb_priv *p, struct sl_crypto_job *j)
{
	static const uint8_t none[1];
	const struct gcm_sess *s = (const struct gcm_sess *)j->sess;
	uint8_t *d = j->data ? j->data + j->cipher_off : NULL;
	const uint8_t *aad = j->aad_len ? j->aad : none;
	uint64_t len = j->cipher_len, alen = j->aad_len, tlen = s->hdr.tag_len;
	IMB_MGR *m = p->mgr;
	uint8_t tag[16];
	int k256 = s->hdr.key_len == 32;

	if (j->op == SL_JOB_PROTECT) {
		if (k256)
			IMB_AES256_GCM_ENC(m, &s->key, &p->gcm_ctx, d, d, len, j->iv, aad, alen, j->digest, tlen);
		else
			IMB_AES128_GCM_ENC(m, &s->key, &p->gcm_ctx, d, d, len, j->iv, aad, alen, j->digest, tlen);
		return SL_JOB_OK;
	}
	if (k256)
		IMB_AES256_GCM_DEC(m, &s->key, &p->gcm_ctx, d, d, len, j->iv, aad, alen, tag, tlen);
	else
		IMB_AES128_GCM_DEC(m, &s->key, &p->gcm_ctx, d, d, len, j->iv, aad, alen, tag, tlen);
	if (sl_ct_memcmp(tag, j->digest, tlen) == 0)
		return SL_JOB_OK;
	/* Not authentic: put the ciphertext back (same nonce, same keystream). */
	if (k256)
		IMB_AES256_GCM_ENC(m, &s->key, &p->gcm_ctx, d, d, len, j->iv, aad, alen, tag, tlen);
	else
		IMB_AES128_GCM_ENC(m, &s->key, &p->gcm_ctx, d, d, len, j->iv, aad, alen, tag, tlen);
	return SL_JOB_AUTH_FAILED;
}

/* ---- AES-CTR and HMAC-SHA1 bursts ---------------------------------------- */

static void cipher_fill(IMB_JOB *ij, const struct sl_crypto_job *j, uint8_t *d, uint32_t len,
			const uint8_t *iv)
{
	const struct etm_sess *s = (const struct etm_sess *)j->sess;

	ij->enc_keys = s->enc_keys;
	ij->dec_keys = s->enc_keys;
	ij->key_len_in_bytes = s->hdr.key_len;
	/* dst is not advanced by the start offset: point both at the range. */
	ij->src = d;
	ij->dst = d;
	ij->cipher_start_src_offset_in_bytes = 0;
	ij->msg_len_to_cipher_in_bytes = len;
	ij->iv = iv;
	ij->iv_len_in_bytes = 16;
	ij->cipher_mode = IMB_CIPHER_CNTR;
	ij->cipher_direction = IMB_DIR_ENCRYPT;
	ij->hash_alg = IMB_AUTH_NULL;
	ij->chain_order = IMB_ORDER_CIPHER_HASH;
	ij->status = IMB_STATUS_BEING_PROCESSED;
}

static void hash_fill(IMB_JOB *ij, const struct sl_crypto_job *j, uint8_t *tag)
{
	const struct etm_sess *s = (const struct etm_sess *)j->sess;

	ij->src = j->data + j->auth_off;
	ij->hash_start_src_offset_in_bytes = 0;
	ij->msg_len_to_hash_in_bytes = j->auth_len;
	ij->auth_tag_output = tag;
	ij->auth_tag_output_len_in_bytes = s->hdr.tag_len > IMB_TAG_LEN ? SHA1_LEN : IMB_TAG_LEN;
	ij->u.HMAC._hashed_auth_key_xor_ipad = s->ipad;
	ij->u.HMAC._hashed_auth_key_xor_opad = s->opad;
	ij->cipher_mode = IMB_CIPHER_NULL;
	ij->hash_alg = IMB_AUTH_HMAC_SHA_1;
	ij->chain_order = IMB_ORDER_HASH_CIPHER;
	ij->status = IMB_STATUS_BEING_PROCESSED;
}

/*
 * Runs an AES-CTR job whose low 32-bit counter word wraps: the library would
 * wrap it mod 2^32, the 128-bit counter carries into the upper words. Split
 * at the wrap and carry by hand. Rare; one job at a time.
 */
static uint8_t ctr_split(struct imb_priv *p, struct sl_crypto_job *j)
{
	uint32_t low = (uint32_t)j->iv[12] << 24 | (uint32_t)j->iv[13] << 16 |
		       (uint32_t)j->iv[14] << 8 | j->iv[15];
	uint32_t first = (uint32_t)((0x100000000ull - low) * 16);  /* < cipher_len */
	IMB_KEY_SIZE_BYTES ks = j->sess->key_len == 32 ? IMB_KEY_256_BYTES : IMB_KEY_128_BYTES;
	uint8_t *d = j->data + j->cipher_off, iv2[16];
	int carry = 1;

	memcpy(iv2, j->iv, 16);
	memset(iv2 + 12, 0, 4);
	for (int i = 11; i >= 0 && carry; i--)
		carry = ++iv2[i] == 0;
	cipher_fill(&p->imb[0], j, d, first, j->iv);
	cipher_fill(&p->imb[1], j, d + first, j->cipher_len - first, iv2);
	if (IMB_SUBMIT_CIPHER_BURST(p->mgr, p->imb, 2, IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT, ks) != 2)
		return SL_JOB_ERROR;
	return SL_JOB_PENDING;
}

static int ctr_wraps(const struct sl_crypto_job *j)
{
	uint64_t low = (uint64_t)j->iv[12] << 24 | (uint64_t)j->iv[13] << 16 |
		       (uint64_t)j->iv[14] << 8 | j->iv[15];

	return low + (j->cipher_len + 15u) / 16u > 0x100000000ull;
}

/* One cipher burst over jobs[idx[0..n)], all AES-CTR with the given key size. */
static void cipher_burst(struct imb_priv *p, struct sl_crypto_job **jobs, const uint8_t *idx,
			 unsigned n, IMB_KEY_SIZE_BYTES ks)
{
	unsigned done;

	if (n == 0)
		return;
	for (unsigned k = 0; k < n; k++) {
		struct sl_crypto_job *j = jobs[idx[k]];

		cipher_fill(&p->imb[k], j, j->data + j->cipher_off, j->cipher_len, j->iv);
	}
	done = IMB_SUBMIT_CIPHER_BURST(p->mgr, p->imb, n, IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT, ks);
	if (done == n)
		return;
	/* Unreachable with the checks in classify(); fail closed if it happens. */
	for (unsigned k = 0; k < n; k++)
		if (p->imb[k].status != IMB_STATUS_COMPLETED)
			jobs[idx[k]]->status = SL_JOB_ERROR;
}

/* One HMAC-SHA1 burst over jobs[idx[0..n)]; tags land in p->tags[idx]. */
static void hash_burst(struct imb_priv *p, struct sl_crypto_job **jobs, const uint8_t *idx,
		       unsigned n)
{
	unsigned m = 0, done;
	uint8_t sub[BURST];

	for (unsigned k = 0; k < n; k++) {
		struct sl_crypto_job *j = jobs[idx[k]];

		if (j->auth_len == 0) {
			memcpy(p->tags[idx[k]], ((const struct etm_sess *)j->sess)->empty_tag, SHA1_LEN);
			continue;
		}
		hash_fill(&p->imb[m], j, p->tags[idx[k]]);
		sub[m++] = idx[k];
	}
	if (m == 0)
		return;
	done = IMB_SUBMIT_HASH_BURST(p->mgr, p->imb, m, IMB_AUTH_HMAC_SHA_1);
	if (done == m)
		return;
	for (unsigned k = 0; k < m; k++)
		if (p->imb[k].status != IMB_STATUS_COMPLETED)
			jobs[sub[k]]->status = SL_JOB_ERROR;
}

static int job_valid(const struct sl_engine *e, const struct sl_crypto_job *j)
{
	const struct sl_sess *s = j->sess;

	if (!s || s->engine_id != e->id || sess_layout(s) != priv_of(e)->layout ||
	    j->op > SL_JOB_VERIFY)
		return 0;
	if (!j->data && (j->cipher_len || j->auth_len))
		return 0;
	if (s->auth != SL_AUTH_NULL && !j->digest)
		return 0;
	if (s->cipher == SL_CIPHER_AES_GCM && j->aad_len && !j->aad)
		return 0;
	return 1;
}

/* Index lists of one chunk, by the pass that handles each job. */
struct plan {
	uint8_t verify_hash[BURST], protect_hash[BURST];
	uint8_t ctr128[BURST], ctr256[BURST];
	unsigned n_verify, n_protect, n128, n256;
};

/* Stamps and sorts the jobs; runs GCM and the odd CTR wrap on the way. */
static void classify(struct sl_engine *e, struct sl_crypto_job **jobs, unsigned n, struct plan *pl)
{
	struct imb_priv *p = priv_of(e);

	pl->n_verify = pl->n_protect = 0;
	for (unsigned i = 0; i < n; i++) {
		struct sl_crypto_job *j = jobs[i];

		j->status = SL_JOB_PENDING;
		if (!job_valid(e, j))
			j->status = SL_JOB_ERROR;
		else if (j->sess->cipher == SL_CIPHER_AES_GCM)
			j->status = gcm_run(p, j);
		else if (j->sess->auth == SL_AUTH_HMAC_SHA1 && j->op == SL_JOB_VERIFY)
			pl->verify_hash[pl->n_verify++] = (uint8_t)i;
		else if (j->sess->auth == SL_AUTH_HMAC_SHA1)
			pl->protect_hash[pl->n_protect++] = (uint8_t)i;
	}
}

/* Verified tags: constant-time compare over the session's tag length. */
static void verify_tags(struct imb_priv *p, struct sl_crypto_job **jobs, const struct plan *pl)
{
	for (unsigned k = 0; k < pl->n_verify; k++) {
		struct sl_crypto_job *j = jobs[pl->verify_hash[k]];

		if (j->status == SL_JOB_PENDING &&
		    sl_ct_memcmp(p->tags[pl->verify_hash[k]], j->digest, j->sess->tag_len) != 0)
			j->status = SL_JOB_AUTH_FAILED;
	}
}

static void plan_ctr(struct imb_priv *p, struct sl_crypto_job **jobs, unsigned n, struct plan *pl)
{
	pl->n128 = pl->n256 = 0;
	for (unsigned i = 0; i < n; i++) {
		struct sl_crypto_job *j = jobs[i];

		if (j->status != SL_JOB_PENDING || j->sess->cipher != SL_CIPHER_AES_CTR ||
		    j->cipher_len == 0)
			continue;
		if (ctr_wraps(j))
			j->status = ctr_split(p, j);
		else if (j->sess->key_len == 32)
			pl->ctr256[pl->n256++] = (uint8_t)i;
		else
			pl->ctr128[pl->n128++] = (uint8_t)i;
	}
}

static void process_chunk(struct sl_engine *e, struct sl_crypto_job **jobs, unsigned n)
{
	struct imb_priv *p = priv_of(e);
	struct plan pl;

	classify(e, jobs, n, &pl);
	hash_burst(p, jobs, pl.verify_hash, pl.n_verify);
	verify_tags(p, jobs, &pl);
	plan_ctr(p, jobs, n, &pl);
	cipher_burst(p, jobs, pl.ctr128, pl.n128, IMB_KEY_128_BYTES);
	cipher_burst(p, jobs, pl.ctr256, pl.n256, IMB_KEY_256_BYTES);
	hash_burst(p, jobs, pl.protect_hash, pl.n_protect);
	for (unsigned k = 0; k < pl.n_protect; k++) {
		struct sl_crypto_job *j = jobs[pl.protect_hash[k]];

		if (j->status == SL_JOB_PENDING)
			memcpy(j->digest, p->tags[pl.protect_hash[k]], j->sess->tag_len);
	}
	for (unsigned i = 0; i < n; i++)
		if (jobs[i]->status == SL_JOB_PENDING)
			jobs[i]->status = SL_JOB_OK;
}

static uint16_t imb_enqueue_burst(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n)
{
	struct imb_priv *p = priv_of(e);
	uint32_t room = sl_done_room(&p->done);

	if (n > room)
		n = (uint16_t)room;
	for (unsigned i = 0; i < n; i += BURST) {
		unsigned k = n - i < BURST ? n - i : BURST;

		process_chunk(e, jobs + i, k);
		for (unsigned x = 0; x < k; x++)
			sl_done_push(&p->done, jobs[i + x]);
	}
	return n;
}

static uint16_t imb_dequeue_burst(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n)
{
	return sl_done_pop_burst(&priv_of(e)->done, jobs, n);
}

const struct sl_engine_ops sl_engine_ipsecmb_ops = {
	.name = "ipsec-mb",
	.caps = SL_CAP_AES_CTR_128 | SL_CAP_AES_CTR_256 | SL_CAP_AES_GCM_128 |
		SL_CAP_AES_GCM_256 | SL_CAP_HMAC_SHA1 | SL_CAP_NULL_CIPHER,
	.priv_size = sizeof(struct imb_priv),
	.init = imb_init,
	.fini = imb_fini,
	.sess_size = imb_sess_size,
	.sess_init = imb_sess_init,
	.sess_clear = imb_sess_clear,
	.enqueue_burst = imb_enqueue_burst,
	.dequeue_burst = imb_dequeue_burst,
	.selftest = sl_engine_selftest,
};
