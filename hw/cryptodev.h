/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the cryptodev engine: engine_cryptodev.c holds the device,
 * queue pair and job path, cryptodev_sess.c the capabilities and the rte
 * sessions behind an sl_sess. How the engine works: engine_cryptodev.c.
 */
#ifndef SL_HW_CRYPTODEV_H
#define SL_HW_CRYPTODEV_H

#include <stdint.h>

#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

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

/* cryptodev_sess.c */
size_t sl_cd_sess_size(const struct sl_engine *e, const struct sl_sess_params *p);
int sl_cd_sess_init(struct sl_engine *e, struct sl_sess *s, const struct sl_sess_params *p);
void sl_cd_sess_clear(struct sl_engine *e, struct sl_sess *s);
/* The slot holding the rte session for (op, AAD length), taken for one op;
 * NULL if the pool is exhausted or every slot is busy. */
struct cd_slot *sl_cd_get_slot(const struct cd_engine *ce, struct cd_sess *cs, uint8_t op,
			       uint16_t aad_len);
/* Does the PMD refuse auth(generate) -> cipher(decrypt)? (see cryptodev_sess.c) */
int sl_cd_probe_pmd_verify(const struct cd_engine *ce);

#endif
