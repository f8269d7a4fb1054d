/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-dp: shared state of the data plane process.
 *
 * Threads (docs/dataplane.md):
 *  - the main lcore runs the control socket (ctl_server.c), applies flow
 *    updates (flowtab.c), turns worker events (latching, punted packets)
 *    into control-protocol events; DPDK's telemetry thread reads counters;
 *  - each worker lcore (worker.c) owns its RX queues, a TX queue on every
 *    port, its own engine instance and the flows pinned to it. A packet
 *    polled by a worker that does not own its flow is steered to the owner
 *    through the owner's handoff ring (ports without RSS, see docs).
 *
 * Ownership of memory: a worker is the only writer of its struct dp_worker
 * counters and of the per-flow state (streams, dp_flow_state) of its flows.
 * Readers (control thread, telemetry) read 64-bit counters without locks.
 */
#ifndef SL_DP_H
#define SL_DP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_spinlock.h>

#include "dp_proto.h"
#include "engine.h"

#define DP_VERSION        "0.1.0"
#define DP_BURST          32
#define DP_MAX_RXQ_PER_WORKER 32

enum dp_policy { DP_POLICY_DROP = 0, DP_POLICY_PUNT = 1 };

struct dp_config {
	char ctl_path[108];            /* --ctl-socket */
	bool ctl_user_set;             /* --ctl-user: one more uid may connect */
	uid_t ctl_uid;
	gid_t ctl_gid;
	char ctl_user[64];
	char engine[32];               /* --engine name: ipsec-mb | cryptodev | openssl */
	char engine_args[64];          /* cryptodev device name, e.g. crypto_aesni_mb */
	char flows_file[PATH_MAX];     /* --flows FILE: loaded before ports start */
	uint32_t worker_lcores[SL_DP_MAX_WORKERS]; /* --workers LIST (lcore ids) */
	unsigned nworkers;
	enum dp_policy default_policy; /* --no-flow drop|punt */
	uint16_t replay_window;        /* --replay-window */
	uint32_t capacity;             /* --flows-max */
	uint32_t mbufs;                /* --mbufs */
	double run_for;                /* --run-for SECONDS, 0 = until signal */
	bool quiet;
	bool sw_checksums;             /* --sw-checksums: no TX checksum offload */
	char stats_json[PATH_MAX];     /* --stats-json FILE: counters at exit */
};

struct dp_port {
	uint16_t id;
	uint16_t nb_rxq, nb_txq;
	bool tx_shared;                /* fewer TX queues than workers: lock */
	bool tx_csum;                  /* the device computes IPv4 and UDP checksums */
	rte_spinlock_t txlock[SL_DP_MAX_WORKERS];
	struct rte_ether_addr mac;
	char name[64], driver[32];
};

struct dp_rxq { uint16_t port, queue; };

/* Counters a worker keeps; summed over workers by stats.c. */
struct dp_global_ctr {
	uint64_t no_flow_drop, no_flow_punt, punt_drop;
	uint64_t engine_err, auth_fail, replay, malformed;
	uint64_t latch_events, latch_drop;
};

struct dp_worker {
	unsigned idx;                  /* 0..nworkers-1, also the QSBR thread id */
	unsigned lcore;
	struct sl_engine *engine;      /* this worker's own engine instance */
	struct rte_ring *handoff;      /* MP/SC: mbufs steered to this worker */
	unsigned nrxq;
	struct dp_rxq rxq[DP_MAX_RXQ_PER_WORKER];
	uint16_t txq[SL_DP_MAX_PORTS]; /* its TX queue on each port */
	struct sl_dp_worker_counters wc;
	struct sl_dp_port_counters port[SL_DP_MAX_PORTS]; /* its share */
	struct dp_global_ctr g;
	volatile bool running;
} __rte_cache_aligned;

struct dp_flowtab;
struct rte_mempool;
struct rte_ring;

struct dp {
	struct dp_config cfg;
	struct rte_mempool *pool;
	unsigned nports;
	struct dp_port port[SL_DP_MAX_PORTS];
	unsigned nworkers;
	struct dp_worker *worker[SL_DP_MAX_WORKERS];
	struct dp_flowtab *ft;
	struct sl_engine *ctl_engine;  /* key derivation on the control thread */
	struct rte_ring *punt_ring;    /* MP/SC mbufs: default policy punt */
	struct rte_ring *latch_ring;   /* MP/SC elem ring of struct sl_dp_event_latch */
	volatile bool quit;
	uint64_t start_ns;             /* CLOCK_MONOTONIC at start */
};

/* stats.c: sum the workers' counters (any thread, lock-free reads). */
void dp_stats_fill(const struct dp *dp, struct sl_dp_stats *out);
void dp_status_fill(const struct dp *dp, struct sl_dp_status *out);

/* CLOCK_REALTIME / CLOCK_MONOTONIC in ns. */
uint64_t dp_realtime_ns(void);
uint64_t dp_monotonic_ns(void);

#endif
