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
 * - Files: this one holds the device, queue pair and job path;
 *   cryptodev_sess.c the capabilities and sessions; cryptodev.h what both share.
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

#include "cryptodev.h"

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
	ce->pmd_verify = sl_cd_probe_pmd_verify(ce);
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

/* Returns a context to the free stack, releasing its hold on a session. */
static void put_ctx(struct cd_engine *ce, struct cd_ctx *c)
{
	if (c->slot) {
		c->slot->inflight--;
		c->slot = NULL;
	}
	ce->free_ctx[ce->n_free++] = c;
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
	sl = sl_cd_get_slot(ce, cs, j->op, cs->hdr.auth == SL_AUTH_AEAD ? j->aad_len : 0);
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
	.sess_size = sl_cd_sess_size,
	.sess_init = sl_cd_sess_init,
	.sess_clear = sl_cd_sess_clear,
	.enqueue_burst = cd_enqueue_burst,
	.dequeue_burst = cd_dequeue_burst,
	.selftest = sl_engine_selftest,
};
