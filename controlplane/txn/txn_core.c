/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transaction table: a hash on the top Via branch (RFC 3261 §17.1.3,
 * §17.2.3 both key on it), a second hash on Call-ID for INVITE server
 * transactions (the ACK of a 2xx is a new transaction and matches by
 * dialog, RFC 6026 §8.7), a min-heap of transactions on their next timer,
 * and deferred freeing: a transaction that terminates inside a call is
 * freed (on_free first) when the outermost API call returns, so callbacks
 * may call back into the layer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

enum {
	DEF_T1 = 500, DEF_T2 = 4000, DEF_T4 = 5000, DEF_MAX = 65536,
	MIN_BUCKETS = 64, MAX_BUCKETS = 65536,
};

uint64_t txn_hash(struct sl_sip_str s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (size_t i = 0; i < s.n; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Call-IDs compare case-sensitively (§20.8), branches too (byte-equal). */
static size_t slot(const struct sl_txl *l, struct sl_sip_str s)
{
	return (size_t)(txn_hash(s) & (l->nbuckets - 1));
}

struct sl_txn *txn_bucket(const struct sl_txl *l, struct sl_sip_str branch)
{
	return l->hash[slot(l, branch)];
}

struct sl_txn *txn_dlg_bucket(const struct sl_txl *l, struct sl_sip_str call_id)
{
	return l->dlg[slot(l, call_id)];
}

/* ---- timers: min-heap on due() ---- */

static uint64_t due(const struct sl_txn *t)
{
	if (t->retx_at == 0)
		return t->end_at;
	if (t->end_at == 0)
		return t->retx_at;
	return t->retx_at < t->end_at ? t->retx_at : t->end_at;
}

static void heap_set(struct sl_txl *l, size_t i, struct sl_txn *t)
{
	l->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct sl_txl *l, size_t i)
{
	struct sl_txn *t = l->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (due(l->heap[p]) <= due(t))
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void heap_down(struct sl_txl *l, size_t i)
{
	struct sl_txn *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && due(l->heap[c + 1]) < due(l->heap[c]))
			c++;
		if (due(t) <= due(l->heap[c]))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_remove(struct sl_txl *l, struct sl_txn *t)
{
	size_t i = t->heap_idx;
	struct sl_txn *last;

	if (i == SIZE_MAX)
		return;
	t->heap_idx = SIZE_MAX;
	last = l->heap[--l->nheap];
	if (last == t)
		return;
	heap_set(l, i, last);
	heap_up(l, i);
	heap_down(l, last->heap_idx);
}

/* Insert or reposition; false when out of memory. */
static bool heap_update(struct sl_txl *l, struct sl_txn *t)
{
	if (due(t) == 0) {
		heap_remove(l, t);
		return true;
	}
	if (t->heap_idx != SIZE_MAX) {
		heap_up(l, t->heap_idx);
		heap_down(l, t->heap_idx);
		return true;
	}
	if (l->nheap == l->heapcap) {
		size_t cap = l->heapcap ? l->heapcap * 2 : 64;
		struct sl_txn **h = realloc(l->heap, cap * sizeof(*h));

		if (h == NULL)
			return false;
		l->heap = h;
		l->heapcap = cap;
	}
	heap_set(l, l->nheap++, t);
	heap_up(l, t->heap_idx);
	return true;
}

/*
 * Sets both timers of t (0 = off). A zero-length deadline (timers D, I, J,
 * K over reliable transports, §17.1.1.2 ... §17.2.2) terminates at once.
 */
void txn_set_timers(struct sl_txn *t, uint64_t retx_at, enum txn_end end, uint64_t end_at)
{
	t->retx_at = retx_at;
	t->end = end;
	t->end_at = end_at;
	if (!heap_update(t->l, t))
		txn_terminate(t);	/* no memory for the timer: give up cleanly */
}

/* ---- lifetime ---- */

struct sl_sip_msg *txn_parse_scratch(struct sl_txl *l, const char *buf, size_t len)
{
	struct sl_sip_result r;

	if (sl_sip_parse(buf, len, l->scratch, &r) != SL_SIP_OK)
		return NULL;
	return l->scratch;
}

/* Copy one key part into the transaction's key buffer and point @dst at the
 * copy. An absent part (a From without a tag) is a NULL slice of length 0:
 * memcpy must not see its NULL pointer, even for zero bytes (C11 7.24.1). */
static char *key_put(char *k, struct sl_sip_str *dst, struct sl_sip_str src)
{
	if (src.n != 0)
		memcpy(k, src.p, src.n);
	*dst = (struct sl_sip_str){ k, src.n };
	return k + src.n;
}

struct sl_txn *txn_alloc(struct sl_txl *l, enum sl_txn_kind kind, const char *raw, size_t len)
{
	struct sl_txn *t = calloc(1, sizeof(*t));
	struct sl_sip_result r;

	if (t == NULL)
		return NULL;
	t->l = l;
	t->kind = kind;
	t->heap_idx = SIZE_MAX;
	t->req = malloc(len ? len : 1);
	t->msg = malloc(sizeof(*t->msg));
	if (t->req == NULL || t->msg == NULL)
		goto err_free;
	memcpy(t->req, raw, len);
	t->reqlen = len;
	/* re-parse our copy so every slice points into memory we own */
	if (sl_sip_parse(t->req, len, t->msg, &r) != SL_SIP_OK || !t->msg->is_request ||
	    t->msg->nvia == 0)
		goto err_free;
	{
		const struct sl_sip_msg *m = t->msg;
		const struct sl_sip_via *v = &m->via[0];
		size_t n = v->branch.n + v->host.n + m->call_id.n + m->from.tag.n + m->method.n;
		char *k = malloc(n ? n : 1);
		if (k == NULL)
			goto err_free;
		t->keybuf = k;
		k = key_put(k, &t->branch, v->branch);
		k = key_put(k, &t->k_host, v->host);
		k = key_put(k, &t->k_callid, m->call_id);
		k = key_put(k, &t->k_fromtag, m->from.tag);
		(void)key_put(k, &t->method, m->method);
		t->k_has_fromtag = m->from.has_tag;
		t->k_port = v->port;
		t->k_cseq = m->cseq;
	}
	return t;

err_free:
	free(t->keybuf);
	free(t->msg);
	free(t->req);
	free(t);
	return NULL;
}

void txn_shrink(struct sl_txn *t)
{
	free(t->msg);
	t->msg = NULL;
}

void txn_link(struct sl_txn *t)
{
	struct sl_txl *l = t->l;
	size_t s = slot(l, t->branch);

	t->hnext = l->hash[s];
	l->hash[s] = t;
	if (t->kind == SL_TXN_SERVER_INVITE) {
		s = slot(l, t->k_callid);
		t->dnext = l->dlg[s];
		l->dlg[s] = t;
		t->in_dlg = true;
	}
	l->count++;
}

static void unlink_chain(struct sl_txn **head, struct sl_txn *t, bool dlg)
{
	for (struct sl_txn **pp = head; *pp != NULL; pp = dlg ? &(*pp)->dnext : &(*pp)->hnext) {
		if (*pp == t) {
			*pp = dlg ? t->dnext : t->hnext;
			return;
		}
	}
}

/* Terminated: out of the tables and the heap now, freed on the way out. */
void txn_terminate(struct sl_txn *t)
{
	struct sl_txl *l = t->l;

	if (t->state == TS_TERMINATED)
		return;
	t->state = TS_TERMINATED;
	heap_remove(l, t);
	t->retx_at = t->end_at = 0;
	unlink_chain(&l->hash[slot(l, t->branch)], t, false);
	if (t->in_dlg)
		unlink_chain(&l->dlg[slot(l, t->k_callid)], t, true);
	t->in_dlg = false;
	l->count--;
	t->reap_next = l->reap;
	l->reap = t;
}

void txn_destroy(struct sl_txn *t)
{
	free(t->out);
	free(t->keybuf);
	free(t->msg);
	free(t->req);
	free(t);
}

void txn_enter(struct sl_txl *l)
{
	l->depth++;
}

void txn_leave(struct sl_txl *l)
{
	if (l->depth > 1) {
		l->depth--;
		return;
	}
	/* outermost: free what terminated; on_free may re-enter (depth stays 1) */
	while (l->reap != NULL) {
		struct sl_txn *t = l->reap;

		l->reap = t->reap_next;
		if (l->ops.on_free != NULL)
			l->ops.on_free(l->ops.arg, t);
		txn_destroy(t);
	}
	l->depth = 0;
}

int txn_send(struct sl_txn *t, const char *buf, size_t len)
{
	struct sl_txl *l = t->l;
	int rc = l->ops.send(l->ops.arg, &t->dest, buf, len);

	return rc > 0 ? 0 : rc;
}

/* Keeps a copy of what was last sent (for retransmissions). */
int txn_keep_out(struct sl_txn *t, const char *buf, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (p == NULL)
		return -ENOMEM;
	memcpy(p, buf, len);
	free(t->out);
	t->out = p;
	t->outlen = len;
	return 0;
}

bool txn_reliable(const struct sl_txn *t)
{
	return t->dest.proto != SL_TP_UDP;
}

/* ---- API ---- */

struct sl_txl *sl_txl_new(const struct sl_txl_cfg *cfg, const struct sl_txl_ops *ops)
{
	struct sl_txl *l;

	if (ops == NULL || ops->send == NULL)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	if (cfg != NULL)
		l->cfg = *cfg;
	if (l->cfg.t1_ms == 0)
		l->cfg.t1_ms = DEF_T1;
	if (l->cfg.t2_ms == 0)
		l->cfg.t2_ms = DEF_T2;
	if (l->cfg.t4_ms == 0)
		l->cfg.t4_ms = DEF_T4;
	if (l->cfg.max_txns == 0)
		l->cfg.max_txns = DEF_MAX;
	l->ops = *ops;
	l->nbuckets = MIN_BUCKETS;
	while (l->nbuckets < l->cfg.max_txns && l->nbuckets < MAX_BUCKETS)
		l->nbuckets *= 2;
	l->hash = calloc(l->nbuckets, sizeof(*l->hash));
	l->dlg = calloc(l->nbuckets, sizeof(*l->dlg));
	l->scratch = malloc(sizeof(*l->scratch));
	if (l->hash == NULL || l->dlg == NULL || l->scratch == NULL) {
		sl_txl_free(l);
		return NULL;
	}
	return l;
}

void sl_txl_free(struct sl_txl *l)
{
	if (l == NULL)
		return;
	txn_enter(l);
	for (size_t i = 0; l->hash != NULL && i < l->nbuckets; i++)
		while (l->hash[i] != NULL)
			txn_terminate(l->hash[i]);
	txn_leave(l);
	free(l->scratch);
	free(l->heap);
	free(l->dlg);
	free(l->hash);
	free(l);
}

void sl_txl_input(struct sl_txl *l, const struct sl_sip_msg *m, const char *raw, size_t rawlen,
		  const struct sl_tp_peer *peer, uint64_t now_ms)
{
	if (m == NULL || peer == NULL)
		return;
	txn_enter(l);
	if (m->is_request)
		txn_server_input(l, m, raw, rawlen, peer, now_ms);
	else
		txn_client_input(l, m, peer, now_ms);
	txn_leave(l);
}

void sl_txl_tick(struct sl_txl *l, uint64_t now_ms)
{
	txn_enter(l);
	while (l->nheap > 0 && due(l->heap[0]) <= now_ms) {
		struct sl_txn *t = l->heap[0];
		bool is_end = t->end_at != 0 && t->end_at <= now_ms;
		bool server = t->kind == SL_TXN_SERVER_INVITE || t->kind == SL_TXN_SERVER_NONINVITE;

		/* clear the timer that fired; the handler sets the next one */
		if (is_end)
			t->end_at = 0;
		else
			t->retx_at = 0;
		heap_update(l, t);	/* only moves or removes: cannot fail */
		if (server)
			txn_server_timer(t, now_ms, !is_end);
		else
			txn_client_timer(t, now_ms, !is_end);
	}
	txn_leave(l);
}

unsigned sl_txl_count(const struct sl_txl *l)
{
	return l->count;
}

const struct sl_sip_msg *sl_txn_request(const struct sl_txn *t)
{
	return t->msg;
}

const struct sl_tp_peer *sl_txn_peer(const struct sl_txn *st)
{
	return &st->peer;
}

int sl_txn_status(const struct sl_txn *t)
{
	return t->status;
}

const struct sl_txn_dest *sl_txn_dest(const struct sl_txn *t)
{
	return &t->dest;
}

enum sl_txn_kind sl_txn_kind(const struct sl_txn *t)
{
	return t->kind;
}

void sl_txn_set_user(struct sl_txn *t, void *user)
{
	t->user = user;
}

void *sl_txn_user(const struct sl_txn *t)
{
	return t->user;
}
