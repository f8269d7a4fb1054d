/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completion ring for engines that process jobs synchronously inside
 * enqueue_burst (ipsec-mb, openssl): finished jobs wait here until the
 * caller's dequeue_burst, which keeps the asynchronous contract of
 * hw/engine.h for every backend. Single-threaded, like its engine instance.
 */
#ifndef SL_HW_DONE_RING_H
#define SL_HW_DONE_RING_H

#include <stdint.h>

#include "engine.h"

#define SL_DONE_RING_SIZE 256u /* power of two */

struct sl_done_ring {
	uint32_t head, tail;       /* head: next out, tail: next in */
	struct sl_crypto_job *ring[SL_DONE_RING_SIZE];
};

/* Jobs that can still be accepted. */
static inline uint32_t sl_done_room(const struct sl_done_ring *r)
{
	return SL_DONE_RING_SIZE - (r->tail - r->head);
}

static inline void sl_done_push(struct sl_done_ring *r, struct sl_crypto_job *j)
{
	r->ring[r->tail++ & (SL_DONE_RING_SIZE - 1)] = j;
}

static inline uint16_t sl_done_pop_burst(struct sl_done_ring *r, struct sl_crypto_job **jobs,
					 uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n && r->head != r->tail; i++)
		jobs[i] = r->ring[r->head++ & (SL_DONE_RING_SIZE - 1)];
	return i;
}

#endif
