/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Nonce-count replay table (RFC 7616 §3.4: the server should check that nc
 * grows to detect replays; issue 4 §3: a reused nonce-count is rejected).
 *
 * One entry per nonce in use: the highest nc seen and a bitmap of the
 * SL_DIGEST_NC_WINDOW counts below it, so requests that overtake each other
 * (UDP, parallel transactions) are accepted once each. The table has a fixed
 * capacity; the least recently used nonce is evicted when full.
 *
 * Fail closed on eviction: we remember the highest issue time of any
 * evicted nonce (the watermark). A nonce that is not in the table and was
 * issued at or before the watermark may have been evicted, so we cannot know
 * which counts it used: it is STALE and the client gets a new challenge
 * (stale=true), which costs one round trip and never lets a replay through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "digest_int.h"
#include "lru.h"

struct nc_entry {
	uint64_t issued;
	uint64_t window;	/* bit i: max_nc - i was used */
	uint32_t max_nc;
};

struct sl_digest_nctab {
	struct sl_lru lru;
	uint64_t watermark;
	int evicted_any;
};

struct sl_digest_nctab *sl_digest_nctab_new(unsigned capacity, char *err,
					    size_t errlen)
{
	struct sl_digest_nctab *t;

	if (capacity < 16 || capacity > (1u << 22)) {
		sl_digest_fail(err, errlen,
			"nonce-count table capacity %u is out of range; use 16 to %u",
			capacity, 1u << 22);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t || sl_lru_init(&t->lru, capacity, sizeof(struct nc_entry)) < 0) {
		free(t);
		sl_digest_fail(err, errlen,
			"out of memory for a nonce-count table of %u entries",
			capacity);
		return NULL;
	}
	return t;
}

void sl_digest_nctab_free(struct sl_digest_nctab *t)
{
	if (!t)
		return;
	sl_lru_fini(&t->lru);
	free(t);
}

unsigned sl_digest_nctab_count(const struct sl_digest_nctab *t)
{
	return t ? t->lru.used : 0;
}

/* Accepts nc against e and records it; 0 or -1 for a replay. */
static int window_update(struct nc_entry *e, uint32_t nc)
{
	uint32_t back;

	if (nc > e->max_nc) {
		uint32_t shift = nc - e->max_nc;

		e->window = shift >= 64 ? 0 : e->window << shift;
		e->window |= 1;
		e->max_nc = nc;
		return 0;
	}
	back = e->max_nc - nc;
	if (back >= SL_DIGEST_NC_WINDOW || (e->window & (1ull << back)))
		return -1;
	e->window |= 1ull << back;
	return 0;
}

enum sl_digest_nc_status sl_digest_nctab_update(struct sl_digest_nctab *t,
						const char *nonce,
						uint64_t issued, uint32_t nc)
{
	uint8_t id[SL_LRU_ID_LEN];
	struct nc_entry *e, old;
	int evicted;

	if (!t || !nonce || nc == 0 || sl_lru_id(nonce, id) < 0)
		return SL_NC_REPLAY;	/* nc starts at 00000001 */
	e = sl_lru_find(&t->lru, id);
	if (e)
		return window_update(e, nc) ? SL_NC_REPLAY : SL_NC_OK;
	if (t->evicted_any && issued <= t->watermark)
		return SL_NC_STALE;
	e = sl_lru_insert(&t->lru, id, &old, &evicted);
	if (evicted) {
		t->evicted_any = 1;
		if (old.issued > t->watermark)
			t->watermark = old.issued;
	}
	e->issued = issued;
	e->max_nc = 0;
	e->window = 0;
	window_update(e, nc);
	return SL_NC_OK;
}
