/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "cryptodev" engine: crypto jobs on any DPDK 22.11 symmetric crypto PMD
 * through the public rte_cryptodev API. Verified with crypto_aesni_mb,
 * crypto_aesni_gcm (AES-GCM only) and crypto_openssl.
 *
 * args: "<device>[,qp=N][,sessions=N][,depth=N][,maxlen=N][,swtag]"
 *   device    PMD instance, e.g. crypto_aesni_mb; EAL and the device are
 *             brought up on first use (dpdk_eal.h; honours SL_EAL_ARGS).
 *   qp        queue pairs to configure (default: the PMD's maximum) and
 *   sessions  size of the device's session pool (default 8192): both set by
 *             the first engine on a device; each engine takes its own qp.
 *             An sl_sess takes one pool entry per direction used and, for
 *             AES-GCM, per AAD length (SESS_SLOTS at a time, least
 *             recently used idle ones are replaced): one per SRTP stream
 *             in the common case. An entry costs ~1.6 KiB on crypto_aesni_mb (~1.2 KiB
 *             crypto_aesni_gcm, ~0.3 KiB crypto_openssl): sessions=262144
 *             needs ~400 MiB, more than --no-huge -m 512 gives; use
 *             hugepages (SL_EAL_ARGS=--in-memory) or a larger -m.
 *   depth     jobs in flight per engine (default 512, at most 1024).
 *   maxlen    largest cipher_off + cipher_len of an authenticated VERIFY
 *             (default 9216); longer ones complete with SL_JOB_ERROR.
 *   swtag     test knob: generate 20-byte HMACs and truncate here (the path
 *             taken for PMDs that cannot produce the tag length).
 *
 * - The rte sessions behind an sl_sess are created on its first job of each
 *   (direction, AAD length): an xform chain fixes the order of operations,
 *   AES-GCM the AAD length. In SRTP the AAD length follows the RTP header
 *   (CSRCs, extensions) and, for unencrypted AEAD SRTCP, the packet, so an
 *   sl_sess keeps SESS_SLOTS of them and, when all are taken, replaces the
 *   least recently used one that has no job in flight. The sl_sess keeps the
 *   keys for that (wiped by sess_clear). Pool exhausted, or every slot busy
 *   with in-flight jobs -> SL_JOB_ERROR. One worker per sl_sess.
 * - PROTECT with HMAC: cipher(encrypt) -> auth(generate), in place.
 * - VERIFY: every PMD here decrypts in place even when the tag is wrong, so
 *   we decrypt into a per-slot bounce buffer and copy the plaintext back
 *   only once the tag matched: the data is untouched on AUTH_FAILED. HMAC:
 *   auth(generate) -> cipher(decrypt), tag compared here with sl_ct_memcmp;
 *   PMDs that refuse that chain (crypto_aesni_mb) get auth(verify) ->
 *   cipher(decrypt) and compare themselves, as they do for AES-GCM.
 * - NULL cipher + HMAC is an auth-only xform; NULL + no auth is refused.
 * - Two job shapes that never occur in SRTP/ESP but that crypto_aesni_mb
 *   gets wrong (empty HMAC range, AES-CTR carry past 32 bits) are done in
 *   software with OpenSSL when dequeued; see needs_sw().
 * - Job buffers are not copied: each slot owns an op and two mbufs attached
 *   to external buffers once and re-pointed per job. IOVA: the address in
 *   IOVA-as-VA mode, else RTE_BAD_IOVA for software PMDs (they use virtual
 *   addresses) and rte_mem_virt2iova() for hardware ones.
 * - The ops table lists everything the engine can drive; what the device
 *   lacks (crypto_aesni_gcm: AES-CTR/HMAC; crypto_openssl: GCM tags other
 *   than 16) is refused per session: sess_size 0, sess_init -ENOTSUP.
 */
#ifndef ALLOW_EXPERIMENTAL_API
#define ALLOW_EXPERIMENTAL_API 1 /* rte_cryptodev_sym_session_pool_create */
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_mempool.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dpdk_eal.h"
#include "engine.h"

#define DEF_SESSIONS    8192
#define DEF_DEPTH       512
#define MAX_DEPTH       1024        /* half the queue pair's descriptors */
#define DEF_MAXLEN      9216
#define BURST           64
#define SESS_SLOTS      16
#define GCM_IV_LEN      12
#define CTR_IV_LEN      16
#define SHA1_LEN        20
/* The op's private area holds the IV (read by the PMD) and then our slot. */
#define IV_OFFSET       (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))
#define SLOT_OFFSET     (IV_OFFSET + CTR_IV_LEN)
#define OP_PRIV_SIZE    (CTR_IV_LEN + sizeof(void *))
_Static_assert(SLOT_OFFSET % sizeof(void *) == 0, "slot pointer must be aligned");

enum { F_COPY_TAG = 1, F_CMP_TAG = 2, F_BOUNCE = 4, F_SW = 8 };

/* One in-flight slot: an op with its two mbufs, reused job after job. */
struct cd_ctx {
	struct rte_crypto_op *op;
	struct rte_mbuf *src, *dst;
	struct sl_crypto_job *job;
	uint8_t *bounce;
	struct cd_slot *slot;           /* rte session this op holds, or NULL */
	rte_iova_t bounce_iova, digest_iova;
	uint8_t flags;
	uint8_t digest[SHA1_LEN];
	struct rte_mbuf_ext_shared_info sh_src, sh_dst;
} __rte_cache_aligned;

struct cd_engine {
	struct sl_dpdk_cdev cd;         /* device, our queue pair, session pool */
	uint8_t dev_id, engine_id;
	uint16_t qp;
	int swtag, virt_iova, hw;
	int pmd_verify;                 /* PMD rejects auth(generate)->decrypt */
	uint32_t depth, maxlen;
	uint32_t n_free, lhead, n_local; /* free stack; local completion ring */
	struct cd_ctx **free_ctx, **local;
	struct cd_ctx *ctx;
	uint8_t *bounce;
	struct rte_mempool *op_pool, *mbuf_pool;
};

struct cd_slot {
	void *rs;                       /* rte sym session */
	uint32_t used;                  /* cd_sess.clock at last use (LRU) */
	uint16_t aad_len;
	uint16_t inflight;              /* ops on the device holding rs */
	uint8_t op;
};

/* Engine-private part of an sl_sess; lives inline in the caller's memory. */
struct cd_sess {
	struct sl_sess hdr;
	uint8_t dev_id;
	uint8_t gen_len;                /* HMAC digest length asked of the PMD */
	uint8_t auth_key_len;
	uint8_t pmd_verify;             /* VERIFY chain checks the tag in the PMD */
	uint32_t clock;                 /* slot use counter */
	struct cd_slot slot[SESS_SLOTS];
	uint8_t cipher_key[SL_MAX_KEY_LEN];
	uint8_t auth_key[SL_MAX_AUTH_KEY_LEN];
};

struct cd_args {
	char name[RTE_CRYPTODEV_NAME_MAX_LEN];
	uint32_t qp, sessions, depth, maxlen;
	int swtag;
};

/* ---- arguments ---------------------------------------------------------- */

static int parse_num(const char *kv, const char *key, uint32_t lo, uint32_t hi, uint32_t *out)
{
	size_t kl = strlen(key);
	char *end;
	unsigned long v;

	if (strncmp(kv, key, kl) != 0 || kv[kl] != '=')
		return 0;
	errno = 0;
	v = strtoul(kv + kl + 1, &end, 0);
	if (errno || end == kv + kl + 1 || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "cryptodev: bad %s in '%s' (expected %u..%u)\n", key, kv, lo, hi);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 1;
}

static int parse_kv(struct cd_args *a, const char *kv)
{
	int rc;

	if (strcmp(kv, "swtag") == 0) {
		a->swtag = 1;
		return 0;
	}
	if ((rc = parse_num(kv, "qp", 1, 64, &a->qp)) != 0 ||
	    (rc = parse_num(kv, "sessions", 2, 1u << 24, &a->sessions)) != 0 ||
	    (rc = parse_num(kv, "depth", 1, MAX_DEPTH, &a->depth)) != 0 ||
	    (rc = parse_num(kv, "maxlen", 64, UINT16_MAX, &a->maxlen)) != 0)
		return rc < 0 ? rc : 0;
	fprintf(stderr, "cryptodev: unknown option '%s' (known: qp=, sessions=, depth=, "
		"maxlen=, swtag)\n", kv);
	return -EINVAL;
}

static int parse_args(const char *args, struct cd_args *a)
{
	char buf[256], *save = NULL, *tok;
	int rc;

	memset(a, 0, sizeof(*a));
	a->sessions = DEF_SESSIONS;
	a->depth = DEF_DEPTH;
	a->maxlen = DEF_MAXLEN;
	if (!args || !*args || strlen(args) >= sizeof(buf)) {
		fprintf(stderr, "cryptodev: args must name a device, e.g. "
			"\"crypto_aesni_mb[,qp=N][,sessions=N]\"\n");
		return -EINVAL;
	}
	strcpy(buf, args);
	tok = strtok_r(buf, ",", &save);
	if (!tok || strlen(tok) >= sizeof(a->name)) {
		fprintf(stderr, "cryptodev: bad device name in '%s'\n", args);
		return -EINVAL;
	}
	strcpy(a->name, tok);
	while ((tok = strtok_r(NULL, ",", &save)) != NULL)
		if ((rc = parse_kv(a, tok)) < 0)
			return rc;
	return 0;
}

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

/* ---- engine instance ---------------------------------------------------- */

static void noop_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

static rte_iova_t iova_of(const struct cd_engine *ce, const void *p)
{
	if (ce->virt_iova)
		return (rte_iova_t)(uintptr_t)p;
	return ce->hw ? rte_mem_virt2iova(p) : RTE_BAD_IOVA;
}

/* IOVA of an address inside DPDK memory (control path). */
static rte_iova_t dpdk_iova(const void *p)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);

	return ms ? ms->iova + ((uintptr_t)p - (uintptr_t)ms->addr) : RTE_BAD_IOVA;
}

static void attach(struct rte_mbuf *m, struct rte_mbuf_ext_shared_info *sh, uint8_t *buf,
		   rte_iova_t iova, uint16_t len)
{
	sh->free_cb = noop_free;
	sh->fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, iova, len, sh);
}

static int alloc_slots(struct cd_engine *ce, int socket)
{
	size_t n = ce->depth;

	ce->ctx = rte_zmalloc_socket("sl_cd_ctx", n * sizeof(*ce->ctx), RTE_CACHE_LINE_SIZE,
				     socket);
	ce->free_ctx = rte_zmalloc_socket("sl_cd_free", n * sizeof(void *), 0, socket);
	ce->local = rte_zmalloc_socket("sl_cd_local", n * sizeof(void *), 0, socket);
	ce->bounce = rte_malloc_socket("sl_cd_bounce", n * ce->maxlen, RTE_CACHE_LINE_SIZE,
				       socket);
	if (!ce->ctx || !ce->free_ctx || !ce->local || !ce->bounce)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct cd_ctx *c = &ce->ctx[i];

		c->op = rte_crypto_op_alloc(ce->op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC);
		c->src = rte_pktmbuf_alloc(ce->mbuf_pool);
		c->dst = rte_pktmbuf_alloc(ce->mbuf_pool);
		if (!c->op || !c->src || !c->dst)
			return -ENOMEM;
		c->bounce = ce->bounce + i * ce->maxlen;
		c->bounce_iova = dpdk_iova(c->bounce);
		c->digest_iova = dpdk_iova(c->digest);
		*rte_crypto_op_ctod_offset(c->op, struct cd_ctx **, SLOT_OFFSET) = c;
		attach(c->src, &c->sh_src, c->bounce, c->bounce_iova, (uint16_t)ce->maxlen);
		attach(c->dst, &c->sh_dst, c->bounce, c->bounce_iova, (uint16_t)ce->maxlen);
		ce->free_ctx[ce->n_free++] = c;
	}
	return 0;
}

static void free_slots(struct cd_engine *ce)
{
	for (uint32_t i = 0; ce->ctx && i < ce->depth; i++) {
		rte_crypto_op_free(ce->ctx[i].op);
		rte_pktmbuf_free(ce->ctx[i].src);
		rte_pktmbuf_free(ce->ctx[i].dst);
	}
	rte_free(ce->ctx);
	rte_free(ce->free_ctx);
	rte_free(ce->local);
	rte_free(ce->bounce);
	rte_mempool_free(ce->op_pool);
	rte_mempool_free(ce->mbuf_pool);
}

static int create_pools(struct cd_engine *ce, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "sl_cdop_%u_%u", ce->dev_id, ce->qp);
	ce->op_pool = rte_crypto_op_pool_create(name, RTE_CRYPTO_OP_TYPE_SYMMETRIC, ce->depth,
						0, OP_PRIV_SIZE, socket);
	snprintf(name, sizeof(name), "sl_cdmb_%u_%u", ce->dev_id, ce->qp);
	ce->mbuf_pool = rte_pktmbuf_pool_create(name, 2 * ce->depth, 0, 0, 0, socket);
	if (!ce->op_pool || !ce->mbuf_pool) {
		fprintf(stderr, "cryptodev: cannot allocate op/mbuf pools (%s)\n",
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return alloc_slots(ce, socket);
}

static int probe_pmd_verify(const struct cd_engine *ce);

static int cd_init(struct sl_engine *e, const char *args)
{
	struct cd_engine *ce = e->priv;
	struct rte_cryptodev_info info;
	struct cd_args a;
	int rc, socket;

	rc = parse_args(args, &a);
	if (rc < 0)
		return rc;
	rc = sl_dpdk_cryptodev_acquire(a.name, a.qp, a.sessions, &ce->cd);
	if (rc < 0)
		return rc;
	ce->dev_id = ce->cd.dev_id;
	ce->qp = ce->cd.qp;
	rte_cryptodev_info_get(ce->dev_id, &info);
	ce->engine_id = e->id;
	ce->depth = a.depth;
	ce->maxlen = a.maxlen;
	ce->swtag = a.swtag;
	ce->pmd_verify = probe_pmd_verify(ce);
	ce->hw = !!(info.feature_flags & RTE_CRYPTODEV_FF_HW_ACCELERATED);
	ce->virt_iova = rte_eal_iova_mode() == RTE_IOVA_VA;
	socket = rte_cryptodev_socket_id(ce->dev_id);
	rc = create_pools(ce, socket < 0 ? SOCKET_ID_ANY : socket);
	if (rc < 0) {
		free_slots(ce);
		sl_dpdk_cryptodev_release(&ce->cd);
		return rc;
	}
	return 0;
}

/* Drains what is still in flight on our queue pair, then frees everything. */
static void cd_fini(struct sl_engine *e)
{
	struct cd_engine *ce = e->priv;
	struct rte_crypto_op *ops[BURST];
	uint32_t inflight = ce->depth - ce->n_free - ce->n_local;

	for (unsigned spins = 0; inflight && spins < 10000000u; spins++)
		inflight -= rte_cryptodev_dequeue_burst(ce->dev_id, ce->qp, ops, BURST);
	free_slots(ce);
	sl_dpdk_cryptodev_release(&ce->cd);
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

static size_t cd_sess_size(const struct sl_engine *e, const struct sl_sess_params *p)
{
	return sess_supported(e->priv, p) ? sizeof(struct cd_sess) : 0;
}

static int cd_sess_init(struct sl_engine *e, struct sl_sess *s, const struct sl_sess_params *p)
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

static void cd_sess_clear(struct sl_engine *e, struct sl_sess *s)
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
static struct cd_slot *get_slot(const struct cd_engine *ce, struct cd_sess *cs, uint8_t op,
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

/* Returns a context to the free stack, releasing its hold on a session. */
static void put_ctx(struct cd_engine *ce, struct cd_ctx *c)
{
	if (c->slot) {
		c->slot->inflight--;
		c->slot = NULL;
	}
	ce->free_ctx[ce->n_free++] = c;
}

/*
 * Does the PMD refuse the auth(generate) -> cipher(decrypt) chain that lets
 * the engine compare tags itself? (crypto_aesni_mb does; crypto_openssl
 * accepts it.) Then VERIFY uses auth(verify) -> cipher(decrypt) and the PMD's
 * comparison. Probed once per engine with a throwaway key, PMD logs muted.
 */
static int probe_pmd_verify(const struct cd_engine *ce)
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

/* ---- jobs --------------------------------------------------------------- */

static void point(struct rte_mbuf *m, uint8_t *buf, rte_iova_t iova, uint32_t len)
{
	m->buf_addr = buf;
	rte_mbuf_iova_set(m, iova);
	m->buf_len = (uint16_t)len;
	m->data_off = 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
}

/* VERIFY decrypts into the slot's bounce buffer (out of place). */
static int use_bounce(const struct cd_engine *ce, struct cd_ctx *c, struct rte_crypto_sym_op *so)
{
	uint32_t end = c->job->cipher_off + c->job->cipher_len;

	if (end > ce->maxlen)
		return -EMSGSIZE;
	point(c->dst, c->bounce, c->bounce_iova, end);
	so->m_dst = c->dst;
	c->flags |= F_BOUNCE;
	return 0;
}

static int prep_aead(const struct cd_engine *ce, struct cd_ctx *c, struct rte_crypto_sym_op *so)
{
	struct sl_crypto_job *j = c->job;

	so->aead.data.offset = j->cipher_off;
	so->aead.data.length = j->cipher_len;
	so->aead.digest.data = j->digest;
	so->aead.digest.phys_addr = iova_of(ce, j->digest);
	so->aead.aad.data = (uint8_t *)(uintptr_t)j->aad;
	so->aead.aad.phys_addr = iova_of(ce, j->aad);
	return j->op == SL_JOB_PROTECT ? 0 : use_bounce(ce, c, so);
}

static int prep_hmac(const struct cd_engine *ce, struct cd_ctx *c, struct rte_crypto_sym_op *so)
{
	struct sl_crypto_job *j = c->job;
	const struct cd_sess *cs = (const struct cd_sess *)j->sess;

	so->cipher.data.offset = j->cipher_off;
	so->cipher.data.length = j->cipher_len;
	if (cs->hdr.auth != SL_AUTH_HMAC_SHA1)
		return 0;
	so->auth.data.offset = j->auth_off;
	so->auth.data.length = j->auth_len;
	if (j->op == SL_JOB_PROTECT ? cs->gen_len == cs->hdr.tag_len : cs->pmd_verify) {
		so->auth.digest.data = j->digest;
		so->auth.digest.phys_addr = iova_of(ce, j->digest);
	} else {
		so->auth.digest.data = c->digest;
		so->auth.digest.phys_addr = c->digest_iova;
	}
	if (j->op == SL_JOB_PROTECT) {
		c->flags = cs->gen_len == cs->hdr.tag_len ? 0 : F_COPY_TAG;
		return 0;
	}
	c->flags = cs->pmd_verify ? 0 : F_CMP_TAG;
	return cs->hdr.cipher == SL_CIPHER_NULL ? 0 : use_bounce(ce, c, so);
}

/* Bytes of job->data the PMD may touch (64-bit: no wrap on bad ranges). */
static uint64_t job_end(const struct sl_crypto_job *j)
{
	uint64_t end = (uint64_t)j->cipher_off + j->cipher_len;
	uint64_t auth_end = (uint64_t)j->auth_off + j->auth_len;

	return j->sess->auth == SL_AUTH_HMAC_SHA1 && auth_end > end ? auth_end : end;
}

/*
 * Jobs that PMDs get wrong run in software (OpenSSL EVP) when dequeued. They
 * never occur in SRTP or ESP traffic: an HMAC over an empty range (on
 * crypto_aesni_mb it yields a wrong tag and corrupts the queue pair for all
 * later jobs), and AES-CTR whose counter carries out of the low 32 bits
 * (crypto_aesni_mb increments only those; RFC 3711 §4.1.1 wants mod 2^128).
 */
static int needs_sw(const struct cd_sess *cs, const struct sl_crypto_job *j)
{
	uint64_t low = (uint64_t)j->iv[12] << 24 | (uint32_t)j->iv[13] << 16 |
		       (uint32_t)j->iv[14] << 8 | j->iv[15];

	if (cs->hdr.auth == SL_AUTH_HMAC_SHA1 && j->auth_len == 0)
		return 1;
	return cs->hdr.cipher == SL_CIPHER_AES_CTR && j->cipher_len &&
	       low + (j->cipher_len - 1) / 16 > UINT32_MAX;
}

static int sw_ctr(const struct cd_sess *cs, struct sl_crypto_job *j)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t *p = j->data + j->cipher_off;
	int n, ok;

	ok = x && EVP_EncryptInit_ex(x, cs->hdr.key_len == 16 ? EVP_aes_128_ctr() :
				     EVP_aes_256_ctr(), NULL, cs->cipher_key, j->iv) &&
	     EVP_EncryptUpdate(x, p, &n, p, (int)j->cipher_len);
	EVP_CIPHER_CTX_free(x);
	return ok ? 0 : -EIO;
}

static uint8_t sw_job(const struct cd_sess *cs, struct sl_crypto_job *j)
{
	int hmac = cs->hdr.auth == SL_AUTH_HMAC_SHA1;
	int ctr = cs->hdr.cipher == SL_CIPHER_AES_CTR && j->cipher_len;
	uint8_t tag[SHA1_LEN];
	unsigned tl;

	if (j->op == SL_JOB_PROTECT && ctr && sw_ctr(cs, j) < 0)
		return SL_JOB_ERROR;
	if (hmac && !HMAC(EVP_sha1(), cs->auth_key, cs->auth_key_len, j->data + j->auth_off,
			  j->auth_len, tag, &tl))
		return SL_JOB_ERROR;
	if (j->op == SL_JOB_PROTECT) {
		if (hmac)
			memcpy(j->digest, tag, cs->hdr.tag_len);
		return SL_JOB_OK;
	}
	if (hmac && sl_ct_memcmp(tag, j->digest, cs->hdr.tag_len) != 0)
		return SL_JOB_AUTH_FAILED;
	return ctr && sw_ctr(cs, j) < 0 ? SL_JOB_ERROR : SL_JOB_OK;
}

/* 0: op ready for the device; 1: run in software; -errno: fail the job. */
static int prepare(const struct cd_engine *ce, struct cd_ctx *c)
{
	struct sl_crypto_job *j = c->job;
	struct cd_sess *cs = (struct cd_sess *)j->sess;
	struct rte_crypto_op *op = c->op;
	struct rte_crypto_sym_op *so = op->sym;
	uint64_t end;
	struct cd_slot *sl;

	if (cs->hdr.engine_id != ce->engine_id || cs->dev_id != ce->dev_id)
		return -EINVAL;
	end = job_end(j);
	if (end > UINT16_MAX) /* mbuf lengths are 16-bit */
		return -EMSGSIZE;
	if (needs_sw(cs, j)) {
		c->flags = F_SW;
		return 1;
	}
	sl = get_slot(ce, cs, j->op, cs->hdr.auth == SL_AUTH_AEAD ? j->aad_len : 0);
	if (!sl)
		return -ENOMEM;
	c->slot = sl;
	op->status = RTE_CRYPTO_OP_STATUS_NOT_PROCESSED;
	rte_crypto_op_attach_sym_session(op, sl->rs);
	point(c->src, j->data, iova_of(ce, j->data), (uint32_t)end);
	so->m_src = c->src;
	so->m_dst = NULL;
	c->flags = 0;
	/* Fixed size (inlined); AES-GCM reads only the first 12 bytes. */
	memcpy(rte_crypto_op_ctod_offset(op, uint8_t *, IV_OFFSET), j->iv, CTR_IV_LEN);
	if (cs->hdr.auth == SL_AUTH_AEAD)
		return prep_aead(ce, c, so);
	return prep_hmac(ce, c, so);
}

static uint8_t finish(const struct cd_ctx *c, uint8_t st)
{
	struct sl_crypto_job *j = c->job;
	uint8_t tag_len = j->sess->tag_len;

	if (st == RTE_CRYPTO_OP_STATUS_AUTH_FAILED)
		return SL_JOB_AUTH_FAILED;
	if (st != RTE_CRYPTO_OP_STATUS_SUCCESS)
		return SL_JOB_ERROR;
	if (c->flags & F_COPY_TAG)
		memcpy(j->digest, c->digest, tag_len);
	/* RFC 3711 §3.3 steps 5-6, RFC 4303 §3.4.4: the packet is decrypted
	 * (the bounce buffer copied back) only after the tag matched. */
	if ((c->flags & F_CMP_TAG) && sl_ct_memcmp(c->digest, j->digest, tag_len) != 0)
		return SL_JOB_AUTH_FAILED;
	if (c->flags & F_BOUNCE)
		memcpy(j->data + j->cipher_off, c->bounce + j->cipher_off, j->cipher_len);
	return SL_JOB_OK;
}

static inline uint16_t min16(uint32_t a, uint32_t b)
{
	return (uint16_t)(a < b ? a : b);
}

static inline struct cd_ctx *op_slot(struct rte_crypto_op *op)
{
	return *rte_crypto_op_ctod_offset(op, struct cd_ctx **, SLOT_OFFSET);
}

/* Jobs failed at enqueue wait here (FIFO) for the next dequeue_burst. */
static void local_push(struct cd_engine *ce, struct cd_ctx *c)
{
	ce->local[(ce->lhead + ce->n_local++) % ce->depth] = c;
}

/* Device refused ops[sent..]: the first refused job ends the accepted prefix.
 * Give their slots back, and those of local failures queued after it. */
static uint16_t unwind(struct cd_engine *ce, struct sl_crypto_job **jobs, uint16_t k,
		       const uint8_t *is_local, struct rte_crypto_op **ops, uint16_t sent,
		       uint16_t nops)
{
	struct cd_ctx *first = op_slot(ops[sent]);
	uint16_t cut = 0;

	while (jobs[cut] != first->job)
		cut++;
	for (uint16_t i = sent; i < nops; i++)
		put_ctx(ce, op_slot(ops[i]));
	for (uint16_t i = cut; i < k; i++) {
		struct cd_ctx *c;

		if (!is_local[i])
			continue;
		c = ce->local[(ce->lhead + --ce->n_local) % ce->depth];
		put_ctx(ce, c);
	}
	return cut;
}

static uint16_t enqueue_some(struct cd_engine *ce, struct sl_crypto_job **jobs, uint16_t k)
{
	struct rte_crypto_op *ops[BURST];
	uint8_t is_local[BURST];
	uint16_t nops = 0, sent;

	for (uint16_t i = 0; i < k; i++) {
		struct cd_ctx *c = ce->free_ctx[--ce->n_free];
		int rc;

		c->job = jobs[i];
		c->slot = NULL;
		jobs[i]->status = SL_JOB_PENDING;
		rc = prepare(ce, c);
		is_local[i] = rc != 0;
		if (rc == 0) {
			ops[nops++] = c->op;
			continue;
		}
		if (rc < 0)
			c->flags = 0;   /* completes as SL_JOB_ERROR */
		local_push(ce, c);
	}
	sent = nops ? rte_cryptodev_enqueue_burst(ce->dev_id, ce->qp, ops, nops) : 0;
	if (sent < nops)
		return unwind(ce, jobs, k, is_local, ops, sent, nops);
	return k;
}

static uint16_t cd_enqueue_burst(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n)
{
	struct cd_engine *ce = e->priv;
	uint16_t done = 0;

	while (done < n && ce->n_free) {
		uint16_t k = min16(min16(n - done, BURST), ce->n_free);
		uint16_t got = enqueue_some(ce, jobs + done, k);

		done += got;
		if (got < k)
			break;
	}
	return done;
}

static uint16_t cd_dequeue_burst(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n)
{
	struct cd_engine *ce = e->priv;
	struct rte_crypto_op *ops[BURST];
	uint16_t got = 0;

	while (got < n && ce->n_local) {
		struct cd_ctx *c = ce->local[ce->lhead];

		ce->lhead = (ce->lhead + 1) % ce->depth;
		ce->n_local--;
		c->job->status = c->flags & F_SW ?
			sw_job((const struct cd_sess *)c->job->sess, c->job) : SL_JOB_ERROR;
		jobs[got++] = c->job;
		put_ctx(ce, c);
	}
	while (got < n) {
		uint16_t want = min16(n - got, BURST);
		uint16_t k = rte_cryptodev_dequeue_burst(ce->dev_id, ce->qp, ops, want);

		for (uint16_t i = 0; i < k; i++) {
			struct cd_ctx *c = op_slot(ops[i]);

			c->job->status = finish(c, ops[i]->status);
			jobs[got++] = c->job;
			put_ctx(ce, c);
		}
		if (k < want)
			break;
	}
	return got;
}

const struct sl_engine_ops sl_engine_cryptodev_ops = {
	.name = "cryptodev",
	/* Everything the engine can drive; each device narrows it per session. */
	.caps = SL_CAP_AES_CTR_128 | SL_CAP_AES_CTR_256 | SL_CAP_AES_GCM_128 |
		SL_CAP_AES_GCM_256 | SL_CAP_HMAC_SHA1 | SL_CAP_NULL_CIPHER,
	.priv_size = sizeof(struct cd_engine),
	.init = cd_init,
	.fini = cd_fini,
	.sess_size = cd_sess_size,
	.sess_init = cd_sess_init,
	.sess_clear = cd_sess_clear,
	.enqueue_burst = cd_enqueue_burst,
	.dequeue_burst = cd_dequeue_burst,
	.selftest = sl_engine_selftest,
};
