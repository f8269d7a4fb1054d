/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * probe-coldkeys: how fast is raw IPsec-MB crypto when every packet uses a
 * different, cold key? The bound behind the 100,000-stream target of
 * shieldlock-bench (docs/benchmarks.md, notes).
 *
 *   probe-coldkeys [NKEYS]      (default 100000; pin it: taskset -c 1 ...)
 *
 * Each round is 2048 packets of 12 + 160 bytes in bursts of 32: one AES-CTR-128
 * cipher burst, then one HMAC-SHA1 hash burst over header + payload + 4 ROC
 * bytes, the shape of the ipsec-mb engine. Three variants, interleaved, best
 * of 200 rounds each, TSC cycles per packet:
 *   hot    one key for every packet (the raw bound shieldlock-bench prints);
 *   cold   NKEYS keys (AES round keys + HMAC pads, 256 bytes each) visited in
 *          random order;
 *   ahead  the same, with the next burst's keys prefetched one burst ahead.
 * No SRTP logic at all: it shows what the crypto library itself does when
 * its key material misses the cache.
 */
#define NO_COMPAT_IMB_API_053
#include <intel-ipsec-mb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

struct key {
	uint32_t enc[44] __attribute__((aligned(64)));
	uint8_t ipad[20], opad[20];
} __attribute__((aligned(64)));

enum { BURST = 32, ROUND = 2048, HDR = 12, PAYLOAD = 160 };

static uint8_t pkts[ROUND][256] __attribute__((aligned(64)));
static uint8_t ivs[ROUND][16];

static void prefetch_keys(const struct key *keys, const unsigned *perm, unsigned nk, unsigned pos)
{
	for (unsigned j = 0; j < BURST; j++) {
		const uint8_t *a = (const uint8_t *)&keys[perm[(pos + j) % nk]];

		for (unsigned l = 0; l < sizeof(struct key); l += 64)
			__builtin_prefetch(a + l, 0);
	}
}

static void burst(IMB_MGR *m, IMB_JOB *jobs, struct key *const *k, unsigned first)
{
	for (unsigned j = 0; j < BURST; j++) {
		IMB_JOB *job = &jobs[j];
		uint8_t *p = pkts[first + j];

		memset(job, 0, sizeof(*job));
		job->enc_keys = job->dec_keys = k[j]->enc;
		job->key_len_in_bytes = 16;
		job->src = p;
		job->dst = p + HDR;
		job->cipher_start_src_offset_in_bytes = HDR;
		job->msg_len_to_cipher_in_bytes = PAYLOAD;
		job->iv = ivs[first + j];
		job->iv_len_in_bytes = 16;
		job->cipher_mode = IMB_CIPHER_CNTR;
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_CIPHER_HASH;
		job->hash_alg = IMB_AUTH_NULL;
	}
	IMB_SUBMIT_CIPHER_BURST(m, jobs, BURST, IMB_CIPHER_CNTR, IMB_DIR_ENCRYPT, IMB_KEY_128_BYTES);
	for (unsigned j = 0; j < BURST; j++) {
		IMB_JOB *job = &jobs[j];
		uint8_t *p = pkts[first + j];

		memset(job, 0, sizeof(*job));
		job->src = p;
		job->msg_len_to_hash_in_bytes = HDR + PAYLOAD + 4;
		job->auth_tag_output = p + HDR + PAYLOAD + 4;
		job->auth_tag_output_len_in_bytes = 12;
		job->u.HMAC._hashed_auth_key_xor_ipad = k[j]->ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = k[j]->opad;
		job->hash_alg = IMB_AUTH_HMAC_SHA_1;
		job->cipher_mode = IMB_CIPHER_NULL;
		job->chain_order = IMB_ORDER_CIPHER_HASH;
	}
	IMB_SUBMIT_HASH_BURST(m, jobs, BURST, IMB_AUTH_HMAC_SHA_1);
}

/* Best-of-rounds TSC cycles per packet; nk == 1 is the hot variant. */
static double measure(IMB_MGR *m, struct key *keys, unsigned nk, const unsigned *perm, int ahead)
{
	IMB_JOB jobs[BURST];
	struct key *k[BURST];
	uint64_t best = UINT64_MAX;
	unsigned pos = 0;

	for (unsigned it = 0; it < 200; it++) {
		uint64_t t0 = __rdtsc(), dt;

		for (unsigned i = 0; i < ROUND; i += BURST) {
			if (ahead)
				prefetch_keys(keys, perm, nk, pos + BURST);
			for (unsigned j = 0; j < BURST; j++)
				k[j] = &keys[nk == 1 ? 0 : perm[pos++ % nk]];
			burst(m, jobs, k, i);
		}
		dt = __rdtsc() - t0;
		if (dt < best)
			best = dt;
	}
	return (double)best / ROUND;
}

int main(int argc, char **argv)
{
	unsigned nk = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100000;
	uint32_t dec[44] __attribute__((aligned(16)));
	IMB_MGR *m = alloc_mb_mgr(0);
	struct key *keys;
	unsigned *perm;

	if (nk < 2 || !m) {
		fprintf(stderr, "usage: probe-coldkeys [NKEYS >= 2]\n");
		return 2;
	}
	init_mb_mgr_auto(m, NULL);
	keys = aligned_alloc(64, sizeof(*keys) * nk);
	perm = malloc(sizeof(*perm) * nk);
	if (!keys || !perm)
		return 1;
	srand(1);
	for (unsigned i = 0; i < nk; i++) {
		uint8_t key[16];

		for (int b = 0; b < 16; b++)
			key[b] = (uint8_t)rand();
		IMB_AES_KEYEXP_128(m, key, keys[i].enc, dec);
		memset(keys[i].ipad, 0x36, sizeof(keys[i].ipad)); /* timing only: any state */
		memset(keys[i].opad, 0x5c, sizeof(keys[i].opad));
		perm[i] = i;
	}
	for (unsigned i = nk - 1; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	printf("raw IPsec-MB AES-CTR-128 + HMAC-SHA1-80, %u+%u B, bursts of %u, cycles/packet\n",
	       HDR, PAYLOAD, BURST);
	for (int r = 0; r < 3; r++) {
		double hot = measure(m, keys, 1, perm, 0);
		double cold = measure(m, keys, nk, perm, 0);
		double ahead = measure(m, keys, nk, perm, 1);

		printf("hot %.0f   %u cold keys %.0f (%.2fx of hot)   with prefetch ahead %.0f (%.2fx)\n",
		       hot, nk, cold, hot / cold, ahead, hot / ahead);
	}
	free(perm);
	free(keys);
	free_mb_mgr(m);
	return 0;
}
