/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded map from a string key to a fixed-size value with least recently
 * used eviction, shared by the nonce-count table and the rate limiter. Keys
 * are stored as their SHA-256 (fixed size, any key length, and an attacker
 * who picks keys cannot pick hash buckets). Internal to sl_digest.
 */
#ifndef SL_AUTH_LRU_H
#define SL_AUTH_LRU_H

#include <stddef.h>
#include <stdint.h>

#define SL_LRU_ID_LEN 32

struct sl_lru_node {
	uint8_t id[SL_LRU_ID_LEN];
	uint32_t hnext;		/* bucket chain, index + 1, 0 ends */
	uint32_t prev, next;	/* recency list, index + 1, 0 ends */
};

struct sl_lru {
	unsigned cap, used, nbuckets;
	uint32_t *buckets;	/* index + 1 of the first node, 0 empty */
	struct sl_lru_node *nodes;
	uint32_t *free_list;	/* stack of free node indices */
	unsigned nfree;
	uint8_t *vals;
	size_t vsize;
	uint32_t head, tail;	/* most / least recently used, index + 1 */
};

int sl_lru_init(struct sl_lru *l, unsigned cap, size_t vsize);
/* Wipes the values (they may be sensitive) and frees. */
void sl_lru_fini(struct sl_lru *l);
int sl_lru_id(const char *key, uint8_t id[SL_LRU_ID_LEN]);
/* Value of id, made most recently used; NULL when absent. */
void *sl_lru_find(struct sl_lru *l, const uint8_t id[SL_LRU_ID_LEN]);
/*
 * New zeroed value for id (which must be absent). When full, the least
 * recently used entry is evicted first and, if evicted is not NULL, its
 * value is copied there and *did_evict set to 1.
 */
void *sl_lru_insert(struct sl_lru *l, const uint8_t id[SL_LRU_ID_LEN],
		    void *evicted, int *did_evict);
void sl_lru_remove(struct sl_lru *l, const uint8_t id[SL_LRU_ID_LEN]);

#endif
