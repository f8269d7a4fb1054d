/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * probe-coldkeys: how fast is raw IPsec-MB crypto when every packet uses a
 * different, cold key, and is the cost the cache or the address
 * translation? The bound behind the 100,000-stream target of
 * shieldlock-bench (docs/benchmarks.md, notes on the SRTP figures).
 *
 *   probe-coldkeys [--huge] [--rounds N] [NKEYS]
 *                  (default 100000 keys; pin it: taskset -c 1 ...)
 *
 * Each round is 2048 packets of 12 + 160 bytes in bursts of 32: one AES-CTR-128
 * cipher burst, then one HMAC-SHA1 hash burst over header + payload + 4 ROC
 * bytes, the shape of the ipsec-mb engine. Key state is 256 bytes per key
 * (AES round keys + HMAC pads), 64-byte aligned: four cache lines, one page.
 * The variants run interleaved, best of the rounds each, TSC cycles/packet:
 *
 *   hot       one key for every packet (the raw bound shieldlock-bench
 *             prints);
 *   cold      NKEYS keys visited in random order;
 *   prefetch  the same, the next burst's key lines prefetched one burst
 *             ahead (what the SRTP core does);
 *   load      the same, but the first line of each key two bursts ahead is
 *             loaded for real (the load walks the page table, a prefetch
 *             may not) and the other lines prefetched;
 *   packed    NKEYS/10 keys side by side: a tenth of the cache footprint and
 *             a tenth of the pages;
 *   spread    the same NKEYS/10 keys, one every 10 slots: the cache
 *             footprint of "packed", the pages of "cold".
 *
 * No SRTP logic at all: it shows what the crypto library does when its key
 * material misses, and whether the misses are in the caches (packed ~
 * spread) or in the TLB (spread ~ cold). --huge puts the keys on 2 MiB
 * hugepages (MAP_HUGETLB; reserve them in /proc/sys/vm/nr_hugepages).
 */
#define NO_COMPAT_IMB_API_053
#include <intel-ipsec-mb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

struct key {
	uint32_t enc[44] __attribute__((aligned(64)));
	uint8_t ipad[20], opad[20];
} __attribute__((aligned(64)));

enum { BURST = 32, ROUND = 2048, HDR = 12, PAYLOAD = 160, SPREAD = 10 };

enum ahead { AHEAD_NONE, AHEAD_PREFETCH, AHEAD_LOAD };

static uint8_t pkts[ROUND][256] __attribute__((aligned(64)));
static uint8_t ivs[ROUND][16];

struct set {
	struct key *keys;   /* NKEYS * SPREAD slots for "spread", else NKEYS */
	const unsigned *perm;
	unsigned nk;        /* keys in the permutation */
	unsigned stride;    /* slots between consecutive keys */
};

static const struct key *key_of(const struct set *s, unsigned pos)
{
	return &s->keys[(size_t)s->stride * s->perm[pos % s->nk]];
}

static void ahead(const struct set *s, unsigned pos, enum ahead how)
{
	for (unsigned j = 0; j < BURST; j++) {
		const uint8_t *a = (const uint8_t *)key_of(s, pos + j);

		if (how == AHEAD_LOAD)
			(void)*(const volatile uint8_t *)a;
		else
			__builtin_prefetch(a, 0);
		for (unsigned l = 64; l < sizeof(struct key); l += 64)
			__builtin_prefetch(a + l, 0);
	}
}

static void burst(IMB_MGR *m, IMB_JOB *jobs, const struct key *const *k, unsigned first)
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
static double measure(IMB_MGR *m, const struct set *s, enum ahead how, unsigned rounds)
{
	IMB_JOB jobs[BURST];
	const struct key *k[BURST];
	uint64_t best = UINT64_MAX;
	unsigned pos = 0, lead = how == AHEAD_LOAD ? 2 * BURST : BURST;

	for (unsigned it = 0; it < rounds; it++) {
		uint64_t t0 = __rdtsc(), dt;

		for (unsigned i = 0; i < ROUND; i += BURST) {
			if (how != AHEAD_NONE)
				ahead(s, pos + lead, how);
			for (unsigned j = 0; j < BURST; j++)
				k[j] = key_of(s, pos++);
			burst(m, jobs, k, i);
		}
		dt = __rdtsc() - t0;
		if (dt < best)
			best = dt;
	}
	return (double)best / ROUND;
}

static unsigned *shuffled(unsigned n)
{
	unsigned *perm = malloc(sizeof(*perm) * n);

	if (!perm)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		perm[i] = i;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	return perm;
}

static struct key *key_memory(size_t n, int huge, size_t *bytes)
{
	size_t sz = sizeof(struct key) * n;
	void *p;

	if (!huge) {
		*bytes = 0;
		return aligned_alloc(64, sz);
	}
	sz = (sz + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		perror("probe-coldkeys: mmap MAP_HUGETLB (reserve 2 MiB pages in "
		       "/proc/sys/vm/nr_hugepages)");
		return NULL;
	}
	*bytes = sz;
	return p;
}

int main(int argc, char **argv)
{
	unsigned nk = 100000, rounds = 200;
	int huge = 0;
	uint32_t dec[44] __attribute__((aligned(16)));
	IMB_MGR *m;
	struct key *keys;
	unsigned *perm, *perm10;
	size_t mapped;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--huge") == 0)
			huge = 1;
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] >= '0' && argv[i][0] <= '9')
			nk = (unsigned)strtoul(argv[i], NULL, 10);
		else
			nk = 0;
	}
	if (nk < 10 * BURST || rounds < 1) {
		fprintf(stderr, "usage: probe-coldkeys [--huge] [--rounds N >= 1] [NKEYS >= %u]\n",
			10 * BURST);
		return 2;
	}
	m = alloc_mb_mgr(0);
	if (!m)
		return 1;
	init_mb_mgr_auto(m, NULL);
	keys = key_memory(nk, huge, &mapped);
	srand(1);
	perm = shuffled(nk);
	perm10 = shuffled(nk / SPREAD);
	if (!keys || !perm || !perm10)
		return 1;
	for (unsigned i = 0; i < nk; i++) {
		uint8_t key[16];

		for (int b = 0; b < 16; b++)
			key[b] = (uint8_t)rand();
		IMB_AES_KEYEXP_128(m, key, keys[i].enc, dec);
		memset(keys[i].ipad, 0x36, sizeof(keys[i].ipad)); /* timing only: any state */
		memset(keys[i].opad, 0x5c, sizeof(keys[i].opad));
	}

	const struct set hot = { keys, perm, 1, 0 };
	const struct set cold = { keys, perm, nk, 1 };
	const struct set packed = { keys, perm10, nk / SPREAD, 1 };
	const struct set spread = { keys, perm10, nk / SPREAD, SPREAD };

	printf("raw IPsec-MB AES-CTR-128 + HMAC-SHA1-80, %u+%u B, bursts of %u, "
	       "best of %u rounds of %u packets, TSC cycles/packet (x = hot/variant)\n",
	       HDR, PAYLOAD, BURST, rounds, ROUND);
	printf("keys: %u x %zu B = %.1f MiB on %s pages; packed/spread: %u keys in %.1f / %.1f MiB\n",
	       nk, sizeof(struct key), (double)nk * sizeof(struct key) / (1 << 20),
	       huge ? "2 MiB" : "4 KiB", nk / SPREAD,
	       (double)(nk / SPREAD) * sizeof(struct key) / (1 << 20),
	       (double)nk * sizeof(struct key) / (1 << 20));
	printf("%6s %14s %14s %14s %14s %14s\n", "hot", "cold", "prefetch", "load", "packed",
	       "spread");
	for (int r = 0; r < 3; r++) {
		double h = measure(m, &hot, AHEAD_NONE, rounds);
		double c = measure(m, &cold, AHEAD_NONE, rounds);
		double p = measure(m, &cold, AHEAD_PREFETCH, rounds);
		double l = measure(m, &cold, AHEAD_LOAD, rounds);
		double pk = measure(m, &packed, AHEAD_NONE, rounds);
		double sp = measure(m, &spread, AHEAD_NONE, rounds);

		printf("%6.0f %7.0f %5.2fx %7.0f %5.2fx %7.0f %5.2fx %7.0f %5.2fx %7.0f %5.2fx\n",
		       h, c, h / c, p, h / p, l, h / l, pk, h / pk, sp, h / sp);
	}
	free(perm10);
	free(perm);
	if (mapped)
		munmap(keys, mapped);
	else
		free(keys);
	free_mb_mgr(m);
	return 0;
}
