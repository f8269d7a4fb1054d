/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the transaction layer, shared by txn_core.c (table, timers,
 * freeing), txn_server.c (§17.2) and txn_client.c (§17.1). Not installed.
 */
#ifndef SL_TXN_INT_H
#define SL_TXN_INT_H

#include "txn.h"

/* States of all four machines (RFC 3261 figures 5-8, RFC 6026 figures 5/7). */
enum txn_state {
	TS_CALLING,	/* client INVITE */
	TS_TRYING,	/* client / server non-INVITE */
	TS_PROCEEDING,
	TS_COMPLETED,
	TS_CONFIRMED,	/* server INVITE, after the ACK of a non-2xx */
	TS_ACCEPTED,	/* RFC 6026: INVITE answered 2xx (both sides) */
	TS_TERMINATED,
};

/* What the deadline timer (end_at) is, for logs and the callback to make. */
enum txn_end {
	TE_NONE,
	TE_B, TE_C, TE_D, TE_F, TE_H, TE_I, TE_J, TE_K, TE_L, TE_M,
};

enum { TXN_TAG_MAX = 128 };

struct sl_txn {
	struct sl_txl *l;
	enum sl_txn_kind kind;
	enum txn_state state;

	/* the request: our copy, parsed (slices point into req / msg->hdrbuf) */
	char *req;
	size_t reqlen;
	struct sl_sip_msg *msg;
	struct sl_sip_str branch;	/* top Via branch (in keybuf) */
	/* What matching needs once the parsed request is dropped (txn_shrink,
	 * at the final response: msg is 44 KB and transactions linger for
	 * timers D/H/J/K/L/M): copies in keybuf. */
	char *keybuf;
	struct sl_sip_str k_host;	/* top Via sent-by host */
	int k_port;			/* top Via sent-by port, -1 absent */
	struct sl_sip_str k_callid;
	struct sl_sip_str k_fromtag;
	bool k_has_fromtag;
	uint32_t k_cseq;
	struct sl_sip_str method;	/* request method (in keybuf) */

	struct sl_tp_peer peer;		/* server: where the request came from */
	struct sl_txn_dest dest;	/* where we send (responses / requests) */

	/* server: the last response sent; client INVITE: the ACK of a non-2xx */
	char *out;
	size_t outlen;
	int status;			/* last final status, 0 = none yet */
	int last_status;		/* last status sent or received */
	char to_tag[TXN_TAG_MAX];	/* server INVITE: To tag of the 2xx */
	bool acked;			/* server INVITE accepted: ACK seen */

	/* timers: retransmission (A, E, G, 2xx) and deadline (B..M) */
	uint64_t retx_at;		/* 0 = off */
	unsigned retx_ms;		/* current interval */
	uint64_t end_at;		/* 0 = off */
	enum txn_end end;
	size_t heap_idx;		/* SIZE_MAX = not in the heap */

	struct sl_txn *hnext;		/* branch hash chain */
	struct sl_txn *dnext;		/* Call-ID chain (server INVITE only) */
	bool in_dlg;
	struct sl_txn *reap_next;	/* terminated, waiting to be freed */
	void *user;
};

struct sl_txl {
	struct sl_txl_cfg cfg;
	struct sl_txl_ops ops;
	struct sl_txn **hash;		/* by top Via branch */
	struct sl_txn **dlg;		/* server INVITE by Call-ID (2xx ACK) */
	size_t nbuckets;		/* power of two */
	struct sl_txn **heap;		/* min-heap on the next due time */
	size_t nheap, heapcap;
	unsigned count;
	struct sl_txn *reap;		/* terminated transactions */
	unsigned depth;			/* API calls in progress (re-entry) */
	struct sl_sip_msg *scratch;	/* parses TU responses */
	bool scratch_busy;
};

/* txn_core.c */
uint64_t txn_hash(struct sl_sip_str s);
struct sl_txn *txn_alloc(struct sl_txl *l, enum sl_txn_kind kind, const char *raw, size_t len);
void txn_link(struct sl_txn *t);
void txn_destroy(struct sl_txn *t);
/* Drops the parsed request (keeps the raw bytes and the matching keys). */
void txn_shrink(struct sl_txn *t);	/* never linked: no on_free */
void txn_terminate(struct sl_txn *t);
void txn_set_timers(struct sl_txn *t, uint64_t retx_at, enum txn_end end, uint64_t end_at);
void txn_enter(struct sl_txl *l);
void txn_leave(struct sl_txl *l);
int txn_send(struct sl_txn *t, const char *buf, size_t len);
int txn_keep_out(struct sl_txn *t, const char *buf, size_t len);
bool txn_reliable(const struct sl_txn *t);
struct sl_txn *txn_bucket(const struct sl_txl *l, struct sl_sip_str branch);
struct sl_txn *txn_dlg_bucket(const struct sl_txl *l, struct sl_sip_str call_id);
struct sl_sip_msg *txn_parse_scratch(struct sl_txl *l, const char *buf, size_t len);

/* txn_server.c */
void txn_server_input(struct sl_txl *l, const struct sl_sip_msg *m, const char *raw,
		      size_t rawlen, const struct sl_tp_peer *peer, uint64_t now);
void txn_server_timer(struct sl_txn *t, uint64_t now, bool retx);

/* txn_client.c */
void txn_client_input(struct sl_txl *l, const struct sl_sip_msg *m,
		      const struct sl_tp_peer *peer, uint64_t now);
void txn_client_timer(struct sl_txn *t, uint64_t now, bool retx);

#endif
