/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores: the poll loop (docs/dataplane.md, "Threads" and
 * "How packets reach their worker").
 */
#ifndef SL_DP_WORKER_H
#define SL_DP_WORKER_H

#include <stddef.h>

#include "dp.h"

/* Allocates dp->nworkers workers (from dp->cfg.worker_lcores), each with its
 * own engine instance and handoff ring. 0 or -1 with msg (e.g. the engine's
 * self-test failed). */
int dp_workers_create(struct dp *dp, char *msg, size_t msglen);
/* Launches the poll loop on every worker lcore. */
int dp_workers_launch(struct dp *dp, char *msg, size_t msglen);
/* Asks the workers to stop and waits for them. */
void dp_workers_stop(struct dp *dp);
/* Frees mbufs still in the handoff rings, closes the engines, frees. */
void dp_workers_free(struct dp *dp);

/* The poll loop (rte_eal_remote_launch entry); arg is the struct dp_worker. */
int dp_worker_main(void *arg);

#endif
