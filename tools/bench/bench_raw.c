/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bound: raw IPsec-MB crypto on the same bytes as an SRTP packet, with
 * none of the protocol work (no index/ROC, no IV construction, no replay, no
 * key lookup), one key, 32 buffers per burst:
 *  - AES-CM suites: an AES-CTR cipher burst over the payload, then an
 *    HMAC-SHA1 hash burst over header + payload + 4 ROC bytes (12-byte tag
 *    output: IPsec-MB only produces 12 or 20 bytes);
 *  - NULL_HMAC_SHA1_80: the hash burst alone;
 *  - AEAD suites: one direct AES-GCM call per packet (12-byte header as AAD).
 * "unprotect" runs the same work in verify order (hash, then cipher; GCM
 * decrypt). The first burst is checked against OpenSSL so the bound is
 * known to do the real work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bench.h"

struct raw_ctx {
	struct bench_plan plan;
	IMB_MGR *mgr;
	enum sl_srtp_suite suite;
	enum bench_op op;
	unsigned key_len;
	uint8_t key[32], auth_key[20];
	DECLARE_ALIGNED(uint32_t enc_keys[60], 64);
	DECLARE_ALIGNED(uint32_t dec_keys[60], 64);
	DECLARE_ALIGNED(uint8_t ipad[20], 16);
	DECLARE_ALIGNED(uint8_t opad[20], 16);
	/* aligned(64) by hand: the header only declares it under -DLINUX */
	struct gcm_key_data gkey __attribute__((aligned(64)));
	uint8_t iv[BENCH_BURST][16];
	uint8_t tags[BENCH_BURST][20];
	IMB_JOB jobs[BENCH_BURST];
};

static bool is_gcm(enum sl_srtp_suite s)
{
	return s == SL_SUITE_AEAD_AES_128_GCM || s == SL_SUITE_AEAD_AES_256_GCM;
}

static unsigned suite_key_len(enum sl_srtp_suite s)
{
	switch (s) {
	case SL_SUITE_AES_256_CM_HMAC_SHA1_80:
	case SL_SUITE_AES_256_CM_HMAC_SHA1_32:
	case SL_SUITE_AEAD_AES_256_GCM:
		return 32;
	case SL_SUITE_NULL_HMAC_SHA1_80:
		return 0;
	default:
		return 16;
	}
}

/* RFC 2104: the hash states after one block of key XOR ipad / opad. */
static void hmac_pads(struct raw_ctx *c)
{
	uint8_t block[64];

	memset(block, 0x36, sizeof(block));
	for (unsigned i = 0; i < sizeof(c->auth_key); i++)
		block[i] ^= c->auth_key[i];
	IMB_SHA1_ONE_BLOCK(c->mgr, block, c->ipad);
	memset(block, 0x5c, sizeof(block));
	for (unsigned i = 0; i < sizeof(c->auth_key); i++)
		block[i] ^= c->auth_key[i];
	IMB_SHA1_ONE_BLOCK(c->mgr, block, c->opad);
	memset(block, 0, sizeof(block));
}

static void cipher_burst(struct raw_ctx *c, unsigned first, unsigned n, IMB_CIPHER_DIRECTION dir)
{
	for (unsigned j = 0; j < n; j++) {
		IMB_JOB *job = &c->jobs[j];
		uint8_t *pkt = bench_plan_pkt(&c->plan, first + j);

		job->enc_keys = c->enc_keys;
		job->dec_keys = c->enc_keys;
		job->key_len_in_bytes = c->key_len;
		job->src = pkt;
		job->dst = pkt + BENCH_RTP_HDR;
		job->cipher_start_src_offset_in_bytes = BENCH_RTP_HDR;
		job->msg_len_to_cipher_in_bytes = c->plan.payload;
		job->iv = c->iv[j];
		job->iv_len_in_bytes = 16;
		job->cipher_mode = IMB_CIPHER_CNTR;
		job->cipher_direction = dir;
		job->chain_order = dir == IMB_DIR_ENCRYPT ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
		job->hash_alg = IMB_AUTH_NULL;
	}
	IMB_SUBMIT_CIPHER_BURST(c->mgr, c->jobs, n, IMB_CIPHER_CNTR, dir,
				c->key_len == 16 ? IMB_KEY_128_BYTES : IMB_KEY_256_BYTES);
}

/* Tags go after the packet (PROTECT) or to scratch (VERIFY, then compared). */
static void hash_burst(struct raw_ctx *c, unsigned first, unsigned n, bool verify)
{
	unsigned len = BENCH_RTP_HDR + c->plan.payload;

	for (unsigned j = 0; j < n; j++) {
		IMB_JOB *job = &c->jobs[j];
		uint8_t *pkt = bench_plan_pkt(&c->plan, first + j);

		job->src = pkt;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = len + 4;          /* + ROC */
		job->auth_tag_output = verify ? c->tags[j] : pkt + len + 4;
		job->auth_tag_output_len_in_bytes = 12;
		job->u.HMAC._hashed_auth_key_xor_ipad = c->ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = c->opad;
		job->hash_alg = IMB_AUTH_HMAC_SHA_1;
		job->cipher_mode = IMB_CIPHER_NULL;
	}
	IMB_SUBMIT_HASH_BURST(c->mgr, c->jobs, n, IMB_AUTH_HMAC_SHA_1);
	if (verify)
		for (unsigned j = 0; j < n; j++)
			c->tags[j][19] = (uint8_t)memcmp(c->tags[j], bench_plan_pkt(&c->plan, first + j) + len, 10);
}

static void gcm_one(struct raw_ctx *c, uint8_t *pkt, unsigned j)
{
	uint8_t *data = pkt + BENCH_RTP_HDR;
	struct gcm_context_data gctx;

	if (c->op == BENCH_PROTECT) {
		if (c->key_len == 16)
			IMB_AES128_GCM_ENC(c->mgr, &c->gkey, &gctx, data, data, c->plan.payload, c->iv[j],
					   pkt, BENCH_RTP_HDR, data + c->plan.payload, 16);
		else
			IMB_AES256_GCM_ENC(c->mgr, &c->gkey, &gctx, data, data, c->plan.payload, c->iv[j],
					   pkt, BENCH_RTP_HDR, data + c->plan.payload, 16);
	} else {
		if (c->key_len == 16)
			IMB_AES128_GCM_DEC(c->mgr, &c->gkey, &gctx, data, data, c->plan.payload, c->iv[j],
					   pkt, BENCH_RTP_HDR, c->tags[j], 16);
		else
			IMB_AES256_GCM_DEC(c->mgr, &c->gkey, &gctx, data, data, c->plan.payload, c->iv[j],
					   pkt, BENCH_RTP_HDR, c->tags[j], 16);
		c->tags[j][19] = (uint8_t)memcmp(c->tags[j], data + c->plan.payload, 16);
	}
}

static unsigned run(void *vctx, unsigned first, unsigned n)
{
	struct raw_ctx *c = vctx;

	for (unsigned i = first; i < first + n; i += BENCH_BURST) {
		unsigned k = first + n - i < BENCH_BURST ? first + n - i : BENCH_BURST;

		if (is_gcm(c->suite)) {
			for (unsigned j = 0; j < k; j++)
				gcm_one(c, bench_plan_pkt(&c->plan, i + j), j);
		} else if (c->op == BENCH_PROTECT) {
			if (c->key_len)
				cipher_burst(c, i, k, IMB_DIR_ENCRYPT);
			hash_burst(c, i, k, false);
		} else {
			hash_burst(c, i, k, true);
			if (c->key_len)
				cipher_burst(c, i, k, IMB_DIR_DECRYPT);
		}
	}
	return n;
}

static int prep(void *vctx, unsigned n)
{
	struct raw_ctx *c = vctx;

	bench_plan_next(&c->plan);
	for (unsigned i = 0; i < n; i++)
		bench_plan_write(&c->plan, i, 0x10000000u);
	return 0;
}

/* Checks one protected packet against OpenSSL (AES-CTR or GCM, HMAC-SHA1). */
static int check_openssl(struct raw_ctx *c)
{
	unsigned len = BENCH_RTP_HDR + c->plan.payload, outl = 0;
	uint8_t ref[1400 + 64], tag[20];
	int l1 = 0, l2 = 0, bad = 0;
	const EVP_CIPHER *ciph;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

	bench_plan_next(&c->plan);
	bench_plan_write(&c->plan, 0, 0x10000000u);
	memcpy(ref, bench_plan_pkt(&c->plan, 0), len);
	run(c, 0, 1);
	if (is_gcm(c->suite)) {
		ciph = c->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
		EVP_EncryptInit_ex(x, ciph, NULL, c->key, c->iv[0]);
		EVP_EncryptUpdate(x, NULL, &l1, ref, BENCH_RTP_HDR);
		EVP_EncryptUpdate(x, ref + BENCH_RTP_HDR, &l1, ref + BENCH_RTP_HDR, (int)c->plan.payload);
		EVP_EncryptFinal_ex(x, ref + len, &l2);
		EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, ref + len);
		bad = memcmp(ref, bench_plan_pkt(&c->plan, 0), len + 16);
	} else {
		if (c->key_len) {
			ciph = c->key_len == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr();
			EVP_EncryptInit_ex(x, ciph, NULL, c->key, c->iv[0]);
			EVP_EncryptUpdate(x, ref + BENCH_RTP_HDR, &l1, ref + BENCH_RTP_HDR,
					  (int)c->plan.payload);
		}
		memcpy(ref + len, bench_plan_pkt(&c->plan, 0) + len, 4);   /* ROC bytes */
		HMAC(EVP_sha1(), c->auth_key, sizeof(c->auth_key), ref, len + 4, tag, &outl);
		bad = memcmp(ref, bench_plan_pkt(&c->plan, 0), len) ||
		      memcmp(tag, bench_plan_pkt(&c->plan, 0) + len + 4, 10);
	}
	EVP_CIPHER_CTX_free(x);
	return bad ? -1 : 0;
}

static int raw_init(struct raw_ctx *c, IMB_MGR *mgr, enum sl_srtp_suite suite, unsigned payload,
		    unsigned round, uint16_t *seq, uint32_t *ts)
{
	uint64_t st = 0xfeedface;

	memset(c, 0, sizeof(*c));
	c->mgr = mgr;
	c->suite = suite;
	c->key_len = suite_key_len(suite);
	bench_fill_random(&st, c->key, sizeof(c->key));
	bench_fill_random(&st, c->auth_key, sizeof(c->auth_key));
	for (unsigned j = 0; j < BENCH_BURST; j++)
		bench_fill_random(&st, c->iv[j], 16);
	if (is_gcm(suite)) {
		if (c->key_len == 16)
			IMB_AES128_GCM_PRE(mgr, c->key, &c->gkey);
		else
			IMB_AES256_GCM_PRE(mgr, c->key, &c->gkey);
	} else {
		if (c->key_len == 16)
			IMB_AES_KEYEXP_128(mgr, c->key, c->enc_keys, c->dec_keys);
		else if (c->key_len == 32)
			IMB_AES_KEYEXP_256(mgr, c->key, c->enc_keys, c->dec_keys);
		hmac_pads(c);
	}
	return bench_plan_init(&c->plan, 1, round, payload, 1, seq, ts);
}

/*
 * Normally measured once per suite, right before our ipsec-mb cells of that
 * suite, so that bound and core see the same machine conditions (the
 * other core's load changes over minutes). Should a cell be measured more
 * than once, the fastest valid pass is kept.
 */
int bench_raw_keep(struct bench_results *rs, const struct bench_result *r)
{
	struct bench_result *old = (struct bench_result *)bench_find(rs, r->impl, r->suite,
								     r->payload, r->streams, r->op);

	if (!old) {
		old = bench_add_result(rs);
		if (!old)
			return -1;
		*old = *r;
		old->passes = 1;
		return 0;
	}
	unsigned passes = old->passes + 1;
	bool better = r->measured && r->valid &&
		      (!old->valid || !old->measured || r->cyc_per_pkt < old->cyc_per_pkt);
	bool broken = r->measured && !r->valid;
	if (better || broken)
		*old = *r;
	old->passes = passes;
	if (old->valid)
		snprintf(old->note, sizeof(old->note), "fastest of %u passes", passes);
	return 0;
}

/* suite < 0: every configured suite. */
int bench_raw_run(const struct bench_cfg *cfg, struct bench_results *rs, int only)
{
	IMB_MGR *mgr = alloc_mb_mgr(0);
	struct raw_ctx *c = aligned_alloc(64, (sizeof(*c) + 63) & ~(size_t)63);
	uint16_t *seq = NULL;
	uint32_t *ts = NULL;
	struct bench_budget b = {
		.max_packets = cfg->max_packets, .seconds = cfg->seconds,
		.wall_seconds = cfg->seconds * 4 + 1, .round = cfg->round, .chunk = 256,
	};

	if (!mgr || !c || bench_seq_new(1, 5, &seq, &ts) < 0) {
		fprintf(stderr, "raw IPsec-MB: out of memory\n");
		goto err_mem;
	}
	init_mb_mgr_auto(mgr, NULL);
	for (int suite = 0; suite < SL_SUITE__COUNT; suite++) {
		if (!cfg->suites[suite] || (only >= 0 && suite != only))
			continue;
		for (unsigned p = 0; p < cfg->n_payloads; p++)
			for (int op = 0; op < BENCH_OP__COUNT; op++) {
				struct bench_runner rn = { .ctx = c, .prep = prep, .run = run };
				struct bench_result tmp = { 0 }, *r = &tmp;

				if (raw_init(c, mgr, (enum sl_srtp_suite)suite, cfg->payloads[p],
					     cfg->round, seq, ts) < 0)
					goto err_mem;
				c->op = (enum bench_op)op;
				r->impl = IMPL_RAW_IPSECMB;
				r->suite = (enum sl_srtp_suite)suite;
				r->payload = cfg->payloads[p];
				r->streams = 1;
				r->op = (enum bench_op)op;
				c->op = BENCH_PROTECT;
				if (check_openssl(c) < 0) {
					snprintf(r->note, sizeof(r->note), "INVALID: differs from OpenSSL");
					r->measured = true;
					r->failed = 1;
					bench_plan_free(&c->plan);
					bench_progress(r);
					if (bench_raw_keep(rs, r) < 0)
						goto err_mem;
					continue;
				}
				c->op = (enum bench_op)op;
				bench_time_cell(&rn, &b, r);
				bench_progress(r);
				bench_plan_free(&c->plan);
				if (bench_raw_keep(rs, r) < 0)
					goto err_mem;
			}
	}
	free(seq);
	free(ts);
	free(c);
	free_mb_mgr(mgr);
	return 0;

err_mem:
	free(seq);
	free(ts);
	free(c);
	if (mgr)
		free_mb_mgr(mgr);
	return -1;
}

struct bench_raw {
	IMB_MGR *mgr;
	struct raw_ctx *c;
	uint16_t *seq;
	uint32_t *ts;
};

void bench_raw_free(struct bench_raw *raw)
{
	if (!raw)
		return;
	if (raw->c && raw->c->plan.buf)
		bench_plan_free(&raw->c->plan);
	free(raw->c);
	free(raw->seq);
	free(raw->ts);
	if (raw->mgr)
		free_mb_mgr(raw->mgr);
	free(raw);
}

struct bench_raw *bench_raw_new(const struct bench_cfg *cfg, enum sl_srtp_suite suite,
				unsigned payload, enum bench_op op, struct bench_runner *rn,
				bool *invalid)
{
	struct bench_raw *raw = calloc(1, sizeof(*raw));

	*invalid = false;
	if (!raw)
		return NULL;
	raw->mgr = alloc_mb_mgr(0);
	raw->c = aligned_alloc(64, (sizeof(*raw->c) + 63) & ~(size_t)63);
	if (raw->c)
		memset(raw->c, 0, sizeof(*raw->c));
	if (!raw->mgr || !raw->c || bench_seq_new(1, 5, &raw->seq, &raw->ts) < 0)
		goto err_raw;
	init_mb_mgr_auto(raw->mgr, NULL);
	if (raw_init(raw->c, raw->mgr, suite, payload, cfg->round, raw->seq, raw->ts) < 0)
		goto err_raw;
	raw->c->op = BENCH_PROTECT;
	*invalid = check_openssl(raw->c) < 0;
	raw->c->op = op;
	rn->ctx = raw->c;
	rn->prep = prep;
	rn->run = run;
	return raw;

err_raw:
	bench_raw_free(raw);
	return NULL;
}
