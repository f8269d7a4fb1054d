/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table: match (in-port, IP version, addresses, UDP ports) -> flow.
 *
 * rte_hash with lock-free readers (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF)
 * and one writer, the control thread. A published struct dp_flow is never
 * changed: FLOW_MOD and latching publish a new one with the same
 * dp_flow_state, and the old one is reclaimed after every worker went
 * through a quiescent state (rte_rcu_qsbr). Deleted flows' keys are wiped
 * (sl_srtp_stream_free) only after that grace period.
 *
 * A flow with SL_DP_MATCH_ANY_SRC is stored with src and sport zeroed;
 * lookups try the exact key first and then, if any such flow exists, the
 * key with the source zeroed.
 */
#ifndef SL_DP_FLOWTAB_H
#define SL_DP_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "dp_proto.h"
#include "srtp.h"

/* Mutable per-flow state, shared by successive versions of a flow. Written
 * only by the owning worker. */
struct dp_flow_state {
	struct sl_dp_flow_counters c;
	volatile uint8_t latched;      /* set (release) after src/sport are written */
	uint8_t pad;
	uint16_t latched_sport;
	uint8_t latched_src[16];
} __rte_cache_aligned;

/* One published version of a flow. Immutable once in the table. */
struct dp_flow {
	struct sl_dp_flow_match match; /* normalised key */
	uint64_t id, peer_id, cookie;
	uint8_t action;                /* enum sl_dp_action */
	uint8_t flags;                 /* SL_DP_FLOW_* */
	uint16_t out_port;
	uint16_t worker;               /* owning worker index */
	bool owns_streams;             /* false once a newer version took them */
	struct sl_dp_rewrite rewrite;
	struct sl_srtp_stream *in;     /* UNPROTECT, REKEY (SRTP and SRTCP) */
	struct sl_srtp_stream *out;    /* PROTECT, REKEY */
	struct dp_flow_state *st;
};

/* Fills key from a packet's fields (normalises padding and IPv4 bytes). */
void dp_flow_key(struct sl_dp_flow_match *key, uint16_t in_port, uint8_t ipver,
		 const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport);

/* Control thread. */
struct dp_flowtab *dp_flowtab_create(struct dp *dp, uint32_t capacity, unsigned nworkers,
				     char *msg, size_t msglen);
void dp_flowtab_free(struct dp_flowtab *t);   /* after workers stopped */

/* All return 0 or -SL_DP_E_x with a message naming the offending field. */
int dp_flowtab_add(struct dp_flowtab *t, const struct sl_dp_flow_spec *spec, uint64_t *id,
		   char *msg, size_t msglen);
int dp_flowtab_mod(struct dp_flowtab *t, const struct sl_dp_flow_spec *spec,
		   char *msg, size_t msglen);
int dp_flowtab_del(struct dp_flowtab *t, uint64_t id, char *msg, size_t msglen);
int dp_flowtab_get(struct dp_flowtab *t, uint64_t id, struct sl_dp_flow_info *out,
		   char *msg, size_t msglen);
/* Flows with id >= cursor in id order; *next = 0 when done. Returns count. */
unsigned dp_flowtab_list(struct dp_flowtab *t, uint64_t cursor, unsigned max,
			 struct sl_dp_flow_info *out, uint64_t *next);
uint64_t dp_flowtab_flush(struct dp_flowtab *t);
uint64_t dp_flowtab_count(const struct dp_flowtab *t);
uint64_t dp_flowtab_capacity(const struct dp_flowtab *t);
/* A worker latched flow ev->flow_id: point its peer's rewrite at the remote. */
void dp_flowtab_latch_apply(struct dp_flowtab *t, const struct sl_dp_event_latch *ev);

/* Workers (lock-free). Each worker registers once, then reports quiescence
 * once per poll-loop iteration, when it holds no dp_flow pointer. */
void dp_flowtab_worker_online(struct dp_flowtab *t, unsigned worker);
void dp_flowtab_worker_offline(struct dp_flowtab *t, unsigned worker);
void dp_flowtab_quiescent(struct dp_flowtab *t, unsigned worker);
/* out[i] = flow or NULL for keys[i]. n <= DP_BURST. */
void dp_flowtab_lookup_bulk(struct dp_flowtab *t, const struct sl_dp_flow_match *const *keys,
			    unsigned n, struct dp_flow **out);

/* Internal to the flow table (flow_build.c, used by flowtab.c). */
/* Does action use the inbound (SRTP in) / outbound (SRTP out) context? */
bool dp_flow_action_uses(uint8_t action, bool inbound);
/* Checks every field of spec against dp (ports, suites, sizes): 0 or
 * -SL_DP_E_INVAL / -SL_DP_E_PORT with a message naming the field. */
int dp_flow_spec_check(const struct dp *dp, const struct sl_dp_flow_spec *spec,
		       char *msg, size_t msglen);
/* Creates the stream of one direction on dp->ctl_engine (keys wiped from
 * the intermediate policy): 0 or -SL_DP_E_CRYPTO / -SL_DP_E_NOMEM. */
int dp_flow_stream_create(struct dp *dp, const struct sl_dp_srtp *s, bool inbound,
			  struct sl_srtp_stream **out, char *msg, size_t msglen);
/* Formats msg and returns -code: the error idiom of the two files. */
int dp_fail(char *msg, size_t msglen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
