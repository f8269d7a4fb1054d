/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounded LRU map (see lru.h). O(1) expected per operation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "engine.h"
#include "lru.h"

static uint32_t bucket_of(const struct sl_lru *l, const uint8_t *id)
{
	uint32_t h;

	memcpy(&h, id, sizeof(h));
	return h & (l->nbuckets - 1);
}

int sl_lru_init(struct sl_lru *l, unsigned cap, size_t vsize)
{
	unsigned i;

	memset(l, 0, sizeof(*l));
	l->nbuckets = 1;
	while (l->nbuckets < cap)
		l->nbuckets <<= 1;
	l->cap = cap;
	l->vsize = vsize;
	l->buckets = calloc(l->nbuckets, sizeof(*l->buckets));
	l->nodes = calloc(cap, sizeof(*l->nodes));
	l->free_list = calloc(cap, sizeof(*l->free_list));
	l->vals = calloc(cap, vsize);
	if (!l->buckets || !l->nodes || !l->free_list || !l->vals) {
		sl_lru_fini(l);
		return -ENOMEM;
	}
	/* Pop order 0, 1, 2... */
	for (i = 0; i < cap; i++)
		l->free_list[i] = cap - 1 - i;
	l->nfree = cap;
	return 0;
}

void sl_lru_fini(struct sl_lru *l)
{
	if (l->vals)
		sl_wipe(l->vals, (size_t)l->cap * l->vsize);
	free(l->vals);
	free(l->free_list);
	free(l->nodes);
	free(l->buckets);
	memset(l, 0, sizeof(*l));
}

int sl_lru_id(const char *key, uint8_t id[SL_LRU_ID_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(key, strlen(key), id, &n, EVP_sha256(), NULL) ||
	    n != SL_LRU_ID_LEN)
		return -EIO;
	return 0;
}

static void unlink_recency(struct sl_lru *l, uint32_t idx)
{
	struct sl_lru_node *n = &l->nodes[idx];

	if (n->prev)
		l->nodes[n->prev - 1].next = n->next;
	else
		l->head = n->next;
	if (n->next)
		l->nodes[n->next - 1].prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = n->next = 0;
}

static void push_front(struct sl_lru *l, uint32_t idx)
{
	struct sl_lru_node *n = &l->nodes[idx];

	n->prev = 0;
	n->next = l->head;
	if (l->head)
		l->nodes[l->head - 1].prev = idx + 1;
	l->head = idx + 1;
	if (!l->tail)
		l->tail = idx + 1;
}

/* Index + 1 of id's node, 0 when absent; *link gets the pointer to it. */
static uint32_t lookup(struct sl_lru *l, const uint8_t *id, uint32_t **link)
{
	uint32_t *p = &l->buckets[bucket_of(l, id)];

	while (*p) {
		if (memcmp(l->nodes[*p - 1].id, id, SL_LRU_ID_LEN) == 0)
			break;
		p = &l->nodes[*p - 1].hnext;
	}
	if (link)
		*link = p;
	return *p;
}

void *sl_lru_find(struct sl_lru *l, const uint8_t id[SL_LRU_ID_LEN])
{
	uint32_t i = lookup(l, id, NULL);

	if (!i)
		return NULL;
	unlink_recency(l, i - 1);
	push_front(l, i - 1);
	return l->vals + (size_t)(i - 1) * l->vsize;
}

static void drop(struct sl_lru *l, uint32_t *link)
{
	uint32_t idx = *link - 1;

	*link = l->nodes[idx].hnext;
	unlink_recency(l, idx);
	memset(&l->nodes[idx], 0, sizeof(l->nodes[idx]));
	sl_wipe(l->vals + (size_t)idx * l->vsize, l->vsize);
	l->free_list[l->nfree++] = idx;
	l->used--;
}

void sl_lru_remove(struct sl_lru *l, const uint8_t id[SL_LRU_ID_LEN])
{
	uint32_t *link;

	if (lookup(l, id, &link))
		drop(l, link);
}

void *sl_lru_insert(struct sl_lru *l, const uint8_t id[SL_LRU_ID_LEN],
		    void *evicted, int *did_evict)
{
	uint32_t *link, idx;

	if (did_evict)
		*did_evict = 0;
	if (!l->nfree) {
		idx = l->tail - 1;
		if (evicted)
			memcpy(evicted, l->vals + (size_t)idx * l->vsize,
			       l->vsize);
		if (did_evict)
			*did_evict = 1;
		lookup(l, l->nodes[idx].id, &link);
		drop(l, link);
	}
	idx = l->free_list[--l->nfree];
	memcpy(l->nodes[idx].id, id, SL_LRU_ID_LEN);
	link = &l->buckets[bucket_of(l, id)];
	l->nodes[idx].hnext = *link;
	*link = idx + 1;
	push_front(l, idx);
	l->used++;
	return l->vals + (size_t)idx * l->vsize;
}
