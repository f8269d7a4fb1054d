/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Failure rate limiting against brute force and toll fraud (issue 4 §3).
 * Keys are strings chosen by the caller: a source address, or user@realm.
 * A key that collects `threshold` failures within `window_s` seconds is
 * blocked for `penalty_s` seconds; a success clears it. The table is bounded
 * (least recently used key evicted); time is always passed in, so tests are
 * deterministic.
 */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "digest_int.h"
#include "lru.h"

struct rl_entry {
	uint64_t window_start;
	uint64_t blocked_until;
	uint32_t failures;
};

struct sl_ratelimit {
	struct sl_lru lru;
	struct sl_ratelimit_cfg cfg;
};

struct sl_ratelimit *sl_ratelimit_new(const struct sl_ratelimit_cfg *cfg,
				      char *err, size_t errlen)
{
	struct sl_ratelimit *rl;

	if (!cfg || cfg->threshold < 1 || cfg->window_s < 1 ||
	    cfg->penalty_s < 1 || cfg->capacity < 16 ||
	    cfg->capacity > (1u << 22)) {
		sl_digest_fail(err, errlen,
			"rate limit: threshold, window and penalty must be at least 1, capacity 16 to %u",
			1u << 22);
		return NULL;
	}
	rl = calloc(1, sizeof(*rl));
	if (!rl || sl_lru_init(&rl->lru, cfg->capacity,
			       sizeof(struct rl_entry)) < 0) {
		free(rl);
		sl_digest_fail(err, errlen,
			"out of memory for a rate limit table of %u keys",
			cfg->capacity);
		return NULL;
	}
	rl->cfg = *cfg;
	return rl;
}

void sl_ratelimit_free(struct sl_ratelimit *rl)
{
	if (!rl)
		return;
	sl_lru_fini(&rl->lru);
	free(rl);
}

unsigned sl_ratelimit_count(const struct sl_ratelimit *rl)
{
	return rl ? rl->lru.used : 0;
}

bool sl_ratelimit_blocked(struct sl_ratelimit *rl, const char *key,
			  uint64_t now, uint64_t *until)
{
	uint8_t id[SL_LRU_ID_LEN];
	struct rl_entry *e;

	if (!rl || !key || sl_lru_id(key, id) < 0)
		return true;	/* fail closed */
	e = sl_lru_find(&rl->lru, id);
	if (!e || e->blocked_until <= now)
		return false;
	if (until)
		*until = e->blocked_until;
	return true;
}

int sl_ratelimit_fail(struct sl_ratelimit *rl, const char *key, uint64_t now)
{
	uint8_t id[SL_LRU_ID_LEN];
	struct rl_entry *e;

	if (!rl || !key || sl_lru_id(key, id) < 0)
		return 0;
	e = sl_lru_find(&rl->lru, id);
	if (!e)
		e = sl_lru_insert(&rl->lru, id, NULL, NULL);
	if (e->blocked_until > now)
		return 0;	/* already blocked: nothing new to log */
	if (!e->failures || now - e->window_start >= rl->cfg.window_s) {
		e->window_start = now;
		e->failures = 0;
	}
	if (++e->failures < rl->cfg.threshold)
		return 0;
	e->failures = 0;
	e->blocked_until = now + rl->cfg.penalty_s;
	return 1;
}

void sl_ratelimit_success(struct sl_ratelimit *rl, const char *key)
{
	uint8_t id[SL_LRU_ID_LEN];

	if (rl && key && sl_lru_id(key, id) == 0)
		sl_lru_remove(&rl->lru, id);
}
