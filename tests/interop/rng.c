/* SPDX-License-Identifier: BSD-3-Clause */
/* Deterministic PRNG (splitmix64) so that every failure is reproducible
 * from the printed seed. Not for keys outside tests. */
#include "interop.h"

void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t rng_u64(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_u64(r) % n) : 0;
}

bool rng_chance(struct rng *r, uint32_t one_in)
{
	return rng_below(r, one_in) == 0;
}

void rng_bytes(struct rng *r, uint8_t *b, size_t n)
{
	while (n) {
		uint64_t v = rng_u64(r);
		for (int i = 0; i < 8 && n; i++, n--, v >>= 8)
			*b++ = (uint8_t)v;
	}
}
