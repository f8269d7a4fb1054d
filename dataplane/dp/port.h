/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: every ethdev EAL probed (docs/dataplane.md, "Ports").
 *
 * Order at start-up: dp_ports_probe (count, queue numbers) -> workers
 * allocated -> dp_ports_setup (mempool, queues, RX queues dealt out to
 * workers, TX queue per worker) -> flows loaded -> dp_ports_start.
 */
#ifndef SL_DP_PORT_H
#define SL_DP_PORT_H

#include <stddef.h>

#include "dp.h"

#define DP_NB_RXD       1024
#define DP_NB_TXD       1024
#define DP_HANDOFF_RING 1024   /* per worker, mbufs */
#define DP_PUNT_RING    1024   /* mbufs */
#define DP_LATCH_RING   1024   /* events */
#define DP_POOL_CACHE   256

/* Finds the ports and their queue counts. 0 or -1 with msg. */
int dp_ports_probe(struct dp *dp, char *msg, size_t msglen);
/* Creates the mbuf pool and configures every port and queue; deals the RX
 * queues out to dp->worker[] and gives each worker a TX queue per port. */
int dp_ports_setup(struct dp *dp, char *msg, size_t msglen);
/* Starts the ports, enables promiscuous mode, prints a line per port. */
int dp_ports_start(struct dp *dp, char *msg, size_t msglen);
/* Stops and closes every port (net_pcap flushes its tx file). */
void dp_ports_close(struct dp *dp);

#endif
