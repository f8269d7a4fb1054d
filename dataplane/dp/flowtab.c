/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table (flowtab.h): rte_hash with lock-free readers, one writer
 * (the control thread), grace periods with rte_rcu_qsbr.
 *
 * Publication: a struct dp_flow in the hash is never written. FLOW_MOD and
 * latching build a new version and replace the hash's data pointer
 * (rte_hash_add_key_data on an existing key swaps it atomically in LF mode);
 * delete removes the key. Either way the old version (and for delete its key
 * slot, its streams and its state) is reclaimed only after every online
 * worker reported a quiescent state, so a worker never sees freed memory.
 * Stream frees wipe the session keys (sl_srtp_stream_free).
 *
 * Ids: 1, 2, 3, ... never reused while the process runs. The control thread
 * finds flows by id in an array sorted by id (ids only grow, so adding is an
 * append): lookup is a binary search, delete leaves a hole that a compaction
 * removes once holes are half the array (amortised O(1)).
 *
 * Locking: t->lock serialises the control thread's operations with the
 * telemetry thread's reads (dp_flowtab_get/count from /shieldlock/flow). The
 * workers never take it.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/evp.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "ctl_server.h"
#include "flowtab.h"

#define FP_LEN 16

/* A published version plus what only the control thread needs. */
struct flow_ent {
	struct dp_flow f;
	int32_t pos;                   /* key slot, for rte_hash_free_key_with_position */
	uint8_t in_suite, out_suite;   /* 0xff = none */
	uint8_t fp_in[FP_LEN];         /* keyed fingerprint of the context (FLOW_MOD) */
	uint8_t fp_out[FP_LEN];
};

struct idx_ent {
	uint64_t id;
	struct flow_ent *e;            /* NULL: deleted (a hole) */
};

struct dp_flowtab {
	struct dp *dp;
	struct rte_hash *h;
	struct rte_rcu_qsbr *qs;
	uint32_t capacity;
	unsigned nworkers;
	uint64_t count;
	uint64_t next_id;
	uint32_t nany;                 /* ANY_SRC flows; read by workers */
	uint32_t per_worker[SL_DP_MAX_WORKERS];
	struct idx_ent *idx;
	size_t nidx, capidx, nholes;
	pthread_mutex_t lock;
	uint8_t fp_secret[32];
};

/* ---- keys ----------------------------------------------------------- */

void dp_flow_key(struct sl_dp_flow_match *key, uint16_t in_port, uint8_t ipver,
		 const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	size_t alen = ipver == 4 ? 4 : ipver == 6 ? 16 : 0;

	memset(key, 0, sizeof(*key));
	key->in_port = in_port;
	key->ip_version = ipver;
	key->sport = sport;
	key->dport = dport;
	if (alen) {
		memcpy(key->src, src, alen);
		memcpy(key->dst, dst, alen);
	}
}

/* The key a spec's match is stored under: ANY_SRC drops the source. */
static void spec_key(const struct sl_dp_flow_match *m, struct sl_dp_flow_match *key)
{
	dp_flow_key(key, m->in_port, m->ip_version, m->src, m->dst, m->sport, m->dport);
	if (m->flags & SL_DP_MATCH_ANY_SRC) {
		memset(key->src, 0, sizeof(key->src));
		key->sport = 0;
		key->flags = SL_DP_MATCH_ANY_SRC;
	}
}

/* ---- id index --------------------------------------------------------- */

static size_t idx_lower_bound(const struct dp_flowtab *t, uint64_t id)
{
	size_t lo = 0, hi = t->nidx;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->idx[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct idx_ent *idx_find(struct dp_flowtab *t, uint64_t id)
{
	size_t i = idx_lower_bound(t, id);

	if (i < t->nidx && t->idx[i].id == id && t->idx[i].e)
		return &t->idx[i];
	return NULL;
}

static int idx_append(struct dp_flowtab *t, uint64_t id, struct flow_ent *e)
{
	if (t->nidx == t->capidx) {
		size_t ncap = t->capidx ? t->capidx * 2 : 1024;
		struct idx_ent *n = realloc(t->idx, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->idx = n;
		t->capidx = ncap;
	}
	t->idx[t->nidx].id = id;
	t->idx[t->nidx].e = e;
	t->nidx++;
	return 0;
}

static void idx_remove(struct dp_flowtab *t, struct idx_ent *ie)
{
	size_t j = 0;

	ie->e = NULL;
	if (++t->nholes * 2 < t->nidx)
		return;
	for (size_t i = 0; i < t->nidx; i++)
		if (t->idx[i].e)
			t->idx[j++] = t->idx[i];
	t->nidx = j;
	t->nholes = 0;
}

/* ---- grace periods and reclamation ------------------------------------ */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until every online worker went through a quiescent state. Returns
 * at once when no worker is online. Workers report once per poll loop, so
 * this is microseconds; a worker that stops reporting while online is a bug
 * we say loudly instead of freeing memory it may still read.
 */
static void grace(struct dp_flowtab *t)
{
	uint64_t token = rte_rcu_qsbr_start(t->qs);
	uint64_t t0 = 0;
	bool warned = false;

	while (!rte_rcu_qsbr_check(t->qs, token, false)) {
		if (!t0)
			t0 = mono_ms();
		else if (!warned && mono_ms() - t0 > 1000) {
			dp_ctl_log(LOG_WARNING, "flow table: a worker has not been quiescent for 1 s; "
				   "waiting before freeing flow memory");
			warned = true;
		}
		sched_yield();
	}
}

static void ent_free_streams(struct dp_flowtab *t, struct flow_ent *e,
			     const struct dp_flow *keep)
{
	struct sl_engine *eng = t->dp->ctl_engine;

	if (!e->f.owns_streams)
		return;
	if (e->f.in && (!keep || (keep->in != e->f.in && keep->out != e->f.in)))
		sl_srtp_stream_free(eng, e->f.in);
	if (e->f.out && (!keep || (keep->in != e->f.out && keep->out != e->f.out)))
		sl_srtp_stream_free(eng, e->f.out);
	e->f.in = e->f.out = NULL;
	e->f.owns_streams = false;
}

/* A deleted flow after its grace period: key slot, streams, state, itself. */
static void ent_reclaim(struct dp_flowtab *t, struct flow_ent *e)
{
	if (e->pos >= 0)
		rte_hash_free_key_with_position(t->h, e->pos);
	ent_free_streams(t, e, NULL);
	free(e->f.st);
	sl_wipe(e, sizeof(*e));
	free(e);
}

/* ---- fingerprints (FLOW_MOD keeps contexts whose parameters did not change) */

static void srtp_fingerprint(const struct dp_flowtab *t, const struct sl_dp_srtp *s,
			     uint8_t fp[FP_LEN])
{
	uint8_t buf[sizeof(*s)], md[32];
	size_t n = 0, mdlen = 0;
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(s->suite);

	/* Only the bytes that mean something, so padding cannot differ. */
	memcpy(buf + n, s, 16);
	n += 16;
	for (unsigned i = 0; i < s->nkeys && i < SL_DP_MAX_KEYS; i++) {
		memcpy(buf + n, s->keys[i].key, si->key_len);
		n += si->key_len;
		memcpy(buf + n, s->keys[i].salt, si->salt_len);
		n += si->salt_len;
		memcpy(buf + n, s->keys[i].mki, s->mki_len);
		n += s->mki_len;
		memcpy(buf + n, &s->keys[i].lifetime, 8);
		n += 8;
	}
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, t->fp_secret, sizeof(t->fp_secret),
		       buf, n, md, sizeof(md), &mdlen))
		getrandom(md, sizeof(md), 0); /* never equal: new context */
	memcpy(fp, md, FP_LEN);
	sl_wipe(buf, sizeof(buf));
	sl_wipe(md, sizeof(md));
}

/* ---- create / free ------------------------------------------------------ */

struct dp_flowtab *dp_flowtab_create(struct dp *dp, uint32_t capacity, unsigned nworkers,
				     char *msg, size_t msglen)
{
	struct dp_flowtab *t;
	struct rte_hash_parameters hp = { 0 };
	char name[RTE_HASH_NAMESIZE];
	static unsigned seq;
	size_t qsz;
	unsigned nthreads = nworkers ? nworkers : 1;

	if (capacity == 0 || nworkers > SL_DP_MAX_WORKERS) {
		snprintf(msg, msglen, "flow table: capacity must be at least 1 and workers at most %d",
			 SL_DP_MAX_WORKERS);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		goto err_nomem;
	t->dp = dp;
	t->capacity = capacity;
	t->nworkers = nworkers;
	t->next_id = 1;
	pthread_mutex_init(&t->lock, NULL);
	if (getrandom(t->fp_secret, sizeof(t->fp_secret), 0) != sizeof(t->fp_secret)) {
		snprintf(msg, msglen, "flow table: getrandom failed");
		goto err_t;
	}

	snprintf(name, sizeof(name), "sl_flows_%u", __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	hp.name = name;
	hp.entries = capacity;
	hp.key_len = sizeof(struct sl_dp_flow_match);
	hp.hash_func = rte_hash_crc;
	hp.hash_func_init_val = 0;
	hp.socket_id = SOCKET_ID_ANY;
	/* LF readers; the extendable table makes every one of `capacity`
	 * entries usable (plain cuckoo can fail before it is full). */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_NO_FREE_ON_DEL |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	getrandom(&hp.hash_func_init_val, sizeof(hp.hash_func_init_val), 0);
	t->h = rte_hash_create(&hp);
	if (!t->h) {
		snprintf(msg, msglen,
			 "flow table: cannot create a hash of %u flows (%s); give EAL more memory (-m) or lower --flows-max",
			 capacity, rte_strerror(rte_errno));
		goto err_t;
	}

	qsz = rte_rcu_qsbr_get_memsize(nthreads);
	t->qs = rte_zmalloc("sl_flows_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (!t->qs || rte_rcu_qsbr_init(t->qs, nthreads) != 0) {
		snprintf(msg, msglen, "flow table: cannot set up RCU for %u workers", nthreads);
		goto err_hash;
	}
	return t;

err_hash:
	rte_free(t->qs);
	rte_hash_free(t->h);
err_t:
	pthread_mutex_destroy(&t->lock);
	sl_wipe(t->fp_secret, sizeof(t->fp_secret));
	free(t);
	return NULL;
err_nomem:
	snprintf(msg, msglen, "flow table: out of memory");
	return NULL;
}

void dp_flowtab_free(struct dp_flowtab *t)
{
	if (!t)
		return;
	dp_flowtab_flush(t);
	free(t->idx);
	rte_hash_free(t->h);
	rte_free(t->qs);
	pthread_mutex_destroy(&t->lock);
	sl_wipe(t->fp_secret, sizeof(t->fp_secret));
	free(t);
}

/* ---- control thread operations ----------------------------------------- */


static uint16_t pick_worker(const struct dp_flowtab *t)
{
	unsigned best = 0;

	for (unsigned w = 1; w < t->nworkers; w++)
		if (t->per_worker[w] < t->per_worker[best])
			best = w;
	return best;
}

/*
 * nf is the flow sending toward the remote that `latched` learned. Its
 * output goes to the learned address; its source becomes the address the
 * remote sends to (the latched flow's match destination), unless the spec
 * already set an IP rewrite: symmetric RTP (RFC 4961) wants the remote to
 * see replies from where it sends.
 */
static bool apply_latch(struct dp_flow *nf, const struct dp_flow *latched,
			const uint8_t src[16], uint16_t sport)
{
	size_t alen = nf->match.ip_version == 4 ? 4 : 16;

	if (nf->match.ip_version != latched->match.ip_version)
		return false;
	if (!(nf->rewrite.flags & SL_DP_RW_IP)) {
		memset(nf->rewrite.src, 0, sizeof(nf->rewrite.src));
		memcpy(nf->rewrite.src, latched->match.dst, alen);
		nf->rewrite.sport = latched->match.dport;
		nf->rewrite.flags |= SL_DP_RW_IP;
	}
	memset(nf->rewrite.dst, 0, sizeof(nf->rewrite.dst));
	memcpy(nf->rewrite.dst, src, alen);
	nf->rewrite.dport = sport;
	return true;
}

/* If nf's peer already latched, nf starts with the learned address. */
static void inherit_latch(struct dp_flowtab *t, struct dp_flow *nf)
{
	struct idx_ent *pe;
	const struct dp_flow_state *pst;

	if (!nf->peer_id || !(pe = idx_find(t, nf->peer_id)))
		return;
	pst = pe->e->f.st;
	if (!(pe->e->f.flags & SL_DP_FLOW_LATCH) ||
	    !__atomic_load_n(&pst->latched, __ATOMIC_ACQUIRE))
		return;
	apply_latch(nf, &pe->e->f, pst->latched_src, pst->latched_sport);
}

static void fill_from_spec(struct flow_ent *e, const struct sl_dp_flow_spec *spec)
{
	spec_key(&spec->match, &e->f.match);
	e->f.peer_id = spec->peer_id;
	e->f.cookie = spec->cookie;
	e->f.action = spec->action;
	e->f.flags = spec->flags;
	e->f.out_port = spec->out_port;
	e->f.rewrite = spec->rewrite;
	memset(e->f.rewrite.pad, 0, sizeof(e->f.rewrite.pad));
	e->in_suite = dp_flow_action_uses(spec->action, true) ? spec->in.suite : 0xff;
	e->out_suite = dp_flow_action_uses(spec->action, false) ? spec->out.suite : 0xff;
}

/* Streams for a new version; with old, contexts whose fingerprint did not
 * change are shared with it. */
static int build_streams(struct dp_flowtab *t, struct flow_ent *e, const struct sl_dp_flow_spec *spec,
			 const struct flow_ent *old, char *msg, size_t msglen)
{
	int rc;

	if (dp_flow_action_uses(spec->action, true)) {
		srtp_fingerprint(t, &spec->in, e->fp_in);
		if (old && old->f.in && old->in_suite == spec->in.suite &&
		    dp_flow_action_uses(old->f.action, true) &&
		    memcmp(old->fp_in, e->fp_in, FP_LEN) == 0)
			e->f.in = old->f.in;
		else if ((rc = dp_flow_stream_create(t->dp, &spec->in, true, &e->f.in, msg, msglen)))
			return rc;
	}
	if (dp_flow_action_uses(spec->action, false)) {
		srtp_fingerprint(t, &spec->out, e->fp_out);
		if (old && old->f.out && old->out_suite == spec->out.suite &&
		    dp_flow_action_uses(old->f.action, false) &&
		    memcmp(old->fp_out, e->fp_out, FP_LEN) == 0)
			e->f.out = old->f.out;
		else if ((rc = dp_flow_stream_create(t->dp, &spec->out, false, &e->f.out, msg, msglen)))
			goto err_in;
	}
	e->f.owns_streams = true;
	return 0;

err_in:
	if (e->f.in && (!old || e->f.in != old->f.in))
		sl_srtp_stream_free(t->dp->ctl_engine, e->f.in);
	e->f.in = NULL;
	return rc;
}

static int add_locked(struct dp_flowtab *t, const struct sl_dp_flow_spec *spec, uint64_t *id,
		      char *msg, size_t msglen)
{
	struct flow_ent *e;
	void *data;
	int rc, pos;

	if ((rc = dp_flow_spec_check(t->dp, spec, msg, msglen)))
		return rc;
	if (t->count >= t->capacity)
		return dp_fail(msg, msglen, SL_DP_E_FULL,
			    "flow table full: %u flows (raise --flows-max or delete flows)", t->capacity);
	e = calloc(1, sizeof(*e));
	if (!e)
		return dp_fail(msg, msglen, SL_DP_E_NOMEM, "out of memory for a flow");
	e->pos = -1;
	fill_from_spec(e, spec);
	if (rte_hash_lookup_data(t->h, &e->f.match, &data) >= 0) {
		rc = dp_fail(msg, msglen, SL_DP_E_EXISTS,
			  "match: flow %llu already has this match (delete it or use FLOW_MOD)",
			  (unsigned long long)((struct dp_flow *)data)->id);
		goto err_e;
	}
	e->f.worker = spec->worker == 0xffff ? pick_worker(t) : spec->worker;
	e->f.st = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*e->f.st));
	if (!e->f.st) {
		rc = dp_fail(msg, msglen, SL_DP_E_NOMEM, "out of memory for a flow");
		goto err_e;
	}
	memset(e->f.st, 0, sizeof(*e->f.st));
	if ((rc = build_streams(t, e, spec, NULL, msg, msglen)))
		goto err_st;
	e->f.id = t->next_id;
	inherit_latch(t, &e->f);
	if (idx_append(t, e->f.id, e) != 0) {
		rc = dp_fail(msg, msglen, SL_DP_E_NOMEM, "out of memory for the flow index");
		goto err_streams;
	}
	/* Count ANY_SRC flows before publishing: a worker that sees nany == 0
	 * only misses a flow that is not there yet. */
	if (e->f.match.flags & SL_DP_MATCH_ANY_SRC)
		__atomic_fetch_add(&t->nany, 1, __ATOMIC_RELEASE);
	pos = rte_hash_add_key_data(t->h, &e->f.match, &e->f);
	if (pos < 0) {
		if (e->f.match.flags & SL_DP_MATCH_ANY_SRC)
			__atomic_fetch_sub(&t->nany, 1, __ATOMIC_RELEASE);
		t->nidx--;
		rc = dp_fail(msg, msglen, pos == -ENOSPC ? SL_DP_E_FULL : SL_DP_E_NOMEM,
			  "flow table cannot take this flow (%s)", strerror(-pos));
		goto err_streams;
	}
	t->next_id++;
	/* count is read by the telemetry thread without the lock */
	__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELAXED);
	t->per_worker[e->f.worker]++;
	*id = e->f.id;
	return 0;

err_streams:
	ent_free_streams(t, e, NULL);
err_st:
	free(e->f.st);
err_e:
	sl_wipe(e, sizeof(*e));
	free(e);
	return rc;
}

int dp_flowtab_add(struct dp_flowtab *t, const struct sl_dp_flow_spec *spec, uint64_t *id,
		   char *msg, size_t msglen)
{
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = add_locked(t, spec, id, msg, msglen);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Publishes nv in place of ie's version and reclaims the old one. */
static void replace(struct dp_flowtab *t, struct idx_ent *ie, struct flow_ent *nv)
{
	struct flow_ent *old = ie->e;

	nv->pos = old->pos;
	/* Same key: the LF hash swaps the data pointer atomically. */
	rte_hash_add_key_data(t->h, &nv->f.match, &nv->f);
	ie->e = nv;
	grace(t);
	ent_free_streams(t, old, &nv->f);
	sl_wipe(old, sizeof(*old));
	free(old);
}

static int mod_locked(struct dp_flowtab *t, const struct sl_dp_flow_spec *spec,
		      char *msg, size_t msglen)
{
	struct idx_ent *ie;
	struct flow_ent *old, *nv;
	struct sl_dp_flow_match key;
	int rc;

	if (!(ie = idx_find(t, spec->id)))
		return dp_fail(msg, msglen, SL_DP_E_NOENT, "id: no flow %llu", (unsigned long long)spec->id);
	old = ie->e;
	if ((rc = dp_flow_spec_check(t->dp, spec, msg, msglen)))
		return rc;
	spec_key(&spec->match, &key);
	if (memcmp(&key, &old->f.match, sizeof(key)) != 0)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "match: FLOW_MOD cannot change a flow's match; delete the flow and add a new one");
	if (spec->worker != 0xffff && spec->worker != old->f.worker)
		return dp_fail(msg, msglen, SL_DP_E_INVAL,
			    "worker: FLOW_MOD cannot move a flow (it is on worker %u); delete and add it",
			    old->f.worker);
	nv = calloc(1, sizeof(*nv));
	if (!nv)
		return dp_fail(msg, msglen, SL_DP_E_NOMEM, "out of memory for a flow");
	fill_from_spec(nv, spec);
	nv->f.id = old->f.id;
	nv->f.worker = old->f.worker;
	nv->f.st = old->f.st;
	if ((rc = build_streams(t, nv, spec, old, msg, msglen))) {
		free(nv);
		return rc;
	}
	inherit_latch(t, &nv->f);
	replace(t, ie, nv);
	return 0;
}

int dp_flowtab_mod(struct dp_flowtab *t, const struct sl_dp_flow_spec *spec,
		   char *msg, size_t msglen)
{
	int rc;

	pthread_mutex_lock(&t->lock);
	rc = mod_locked(t, spec, msg, msglen);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* Unpublishes e (no grace period yet). */
static void unpublish(struct dp_flowtab *t, struct flow_ent *e)
{
	int32_t pos = rte_hash_del_key(t->h, &e->f.match);

	if (pos >= 0)
		e->pos = pos;
	if (e->f.match.flags & SL_DP_MATCH_ANY_SRC)
		__atomic_fetch_sub(&t->nany, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
	t->per_worker[e->f.worker]--;
}

int dp_flowtab_del(struct dp_flowtab *t, uint64_t id, char *msg, size_t msglen)
{
	struct idx_ent *ie;
	struct flow_ent *e;

	pthread_mutex_lock(&t->lock);
	if (!(ie = idx_find(t, id))) {
		pthread_mutex_unlock(&t->lock);
		return dp_fail(msg, msglen, SL_DP_E_NOENT, "id: no flow %llu", (unsigned long long)id);
	}
	e = ie->e;
	unpublish(t, e);
	idx_remove(t, ie);
	grace(t);
	ent_reclaim(t, e);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

uint64_t dp_flowtab_flush(struct dp_flowtab *t)
{
	uint64_t n = 0;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < t->nidx; i++)
		if (t->idx[i].e) {
			unpublish(t, t->idx[i].e);
			n++;
		}
	/* One grace period for all of them. */
	grace(t);
	for (size_t i = 0; i < t->nidx; i++)
		if (t->idx[i].e)
			ent_reclaim(t, t->idx[i].e);
	t->nidx = t->nholes = 0;
	pthread_mutex_unlock(&t->lock);
	return n;
}

static void fill_info(const struct flow_ent *e, struct sl_dp_flow_info *fi)
{
	const struct dp_flow *f = &e->f;
	const struct dp_flow_state *st = f->st;
	bool bound;

	memset(fi, 0, sizeof(*fi));
	fi->id = f->id;
	fi->peer_id = f->peer_id;
	fi->cookie = f->cookie;
	fi->match = f->match;
	fi->action = f->action;
	fi->flags = f->flags;
	fi->out_port = f->out_port;
	fi->worker = f->worker;
	fi->in_suite = f->in ? e->in_suite : 0xff;
	fi->out_suite = f->out ? e->out_suite : 0xff;
	if (f->in) {
		fi->in_roc = sl_srtp_stream_get_roc(f->in);
		fi->in_ssrc = sl_srtp_stream_ssrc(f->in, &bound);
		if (!bound)
			fi->in_ssrc = 0;
	}
	if (f->out) {
		fi->out_roc = sl_srtp_stream_get_roc(f->out);
		fi->out_ssrc = sl_srtp_stream_ssrc(f->out, &bound);
		if (!bound)
			fi->out_ssrc = 0;
	}
	fi->rewrite = f->rewrite;
	/* The worker writes the address, then sets latched (release). */
	if (__atomic_load_n(&st->latched, __ATOMIC_ACQUIRE)) {
		fi->latched = 1;
		fi->latched_sport = st->latched_sport;
		memcpy(fi->latched_src, st->latched_src, sizeof(fi->latched_src));
	}
	/* Counters: one writer (the worker), 64-bit loads do not tear. */
	fi->c = st->c;
}

int dp_flowtab_get(struct dp_flowtab *t, uint64_t id, struct sl_dp_flow_info *out,
		   char *msg, size_t msglen)
{
	struct idx_ent *ie;
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	if ((ie = idx_find(t, id)))
		fill_info(ie->e, out);
	else
		rc = dp_fail(msg, msglen, SL_DP_E_NOENT, "id: no flow %llu", (unsigned long long)id);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

unsigned dp_flowtab_list(struct dp_flowtab *t, uint64_t cursor, unsigned max,
			 struct sl_dp_flow_info *out, uint64_t *next)
{
	unsigned n = 0;
	size_t i;

	pthread_mutex_lock(&t->lock);
	*next = 0;
	for (i = idx_lower_bound(t, cursor); i < t->nidx; i++) {
		if (!t->idx[i].e)
			continue;
		if (n == max) {
			*next = t->idx[i].id;
			break;
		}
		fill_info(t->idx[i].e, &out[n++]);
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

uint64_t dp_flowtab_count(const struct dp_flowtab *t)
{
	return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}

uint64_t dp_flowtab_capacity(const struct dp_flowtab *t)
{
	return t->capacity;
}

void dp_flowtab_latch_apply(struct dp_flowtab *t, const struct sl_dp_event_latch *ev)
{
	struct idx_ent *le, *pe;
	struct flow_ent *nv;

	pthread_mutex_lock(&t->lock);
	le = idx_find(t, ev->flow_id);
	if (!le || !le->e->f.peer_id || !(pe = idx_find(t, le->e->f.peer_id)))
		goto out;
	if (pe->e->f.match.ip_version != ev->ip_version) {
		dp_ctl_log(LOG_WARNING, "flow %llu latched an IPv%u remote but its peer %llu is IPv%u: "
			   "peer not updated", (unsigned long long)ev->flow_id, ev->ip_version,
			   (unsigned long long)pe->id, pe->e->f.match.ip_version);
		goto out;
	}
	nv = malloc(sizeof(*nv));
	if (!nv) {
		dp_ctl_log(LOG_ERR, "latch of flow %llu: out of memory, peer not updated",
			   (unsigned long long)ev->flow_id);
		goto out;
	}
	*nv = *pe->e;
	if (!apply_latch(&nv->f, &le->e->f, ev->src, ev->sport) ||
	    memcmp(&nv->f.rewrite, &pe->e->f.rewrite, sizeof(nv->f.rewrite)) == 0) {
		free(nv);
		goto out;
	}
	/* The new version takes the streams; the old one frees nothing. */
	pe->e->f.owns_streams = false;
	replace(t, pe, nv);
out:
	pthread_mutex_unlock(&t->lock);
}

/* ---- workers ------------------------------------------------------------ */

void dp_flowtab_worker_online(struct dp_flowtab *t, unsigned worker)
{
	rte_rcu_qsbr_thread_register(t->qs, worker);
	rte_rcu_qsbr_thread_online(t->qs, worker);
}

void dp_flowtab_worker_offline(struct dp_flowtab *t, unsigned worker)
{
	rte_rcu_qsbr_thread_offline(t->qs, worker);
	rte_rcu_qsbr_thread_unregister(t->qs, worker);
}

void dp_flowtab_quiescent(struct dp_flowtab *t, unsigned worker)
{
	rte_rcu_qsbr_quiescent(t->qs, worker);
}

void dp_flowtab_lookup_bulk(struct dp_flowtab *t, const struct sl_dp_flow_match *const *keys,
			    unsigned n, struct dp_flow **out)
{
	const void *k[DP_BURST];
	void *data[DP_BURST];
	struct sl_dp_flow_match any[DP_BURST];
	unsigned miss[DP_BURST], nmiss = 0;
	uint64_t hit = 0;

	if (n == 0)
		return;
	if (n > DP_BURST)
		n = DP_BURST;
	for (unsigned i = 0; i < n; i++)
		k[i] = keys[i];
	rte_hash_lookup_bulk_data(t->h, k, n, &hit, data);
	for (unsigned i = 0; i < n; i++) {
		if (hit & (1ull << i)) {
			out[i] = data[i];
		} else {
			out[i] = NULL;
			miss[nmiss++] = i;
		}
	}
	if (!nmiss || !__atomic_load_n(&t->nany, __ATOMIC_ACQUIRE))
		return;
	/* Latching flows: same destination, any source. */
	for (unsigned j = 0; j < nmiss; j++) {
		any[j] = *keys[miss[j]];
		memset(any[j].src, 0, sizeof(any[j].src));
		any[j].sport = 0;
		any[j].flags = SL_DP_MATCH_ANY_SRC;
		k[j] = &any[j];
	}
	hit = 0;
	rte_hash_lookup_bulk_data(t->h, k, nmiss, &hit, data);
	for (unsigned j = 0; j < nmiss; j++)
		if (hit & (1ull << j))
			out[miss[j]] = data[j];
}
