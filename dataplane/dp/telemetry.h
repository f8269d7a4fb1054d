/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands of shieldlock-dp (docs/dp-control.md, "Telemetry"):
 *
 *   /shieldlock/stats        global counters, per-port and per-worker arrays
 *   /shieldlock/ports        port ids, names, drivers, link, queues, MACs
 *   /shieldlock/flows        flow count and capacity
 *   /shieldlock/flow,<id>    one flow's counters (no key material)
 *
 * Read with `dpdk-telemetry.py -f <file-prefix>`. The callbacks run on
 * DPDK's telemetry thread and read the flow table under its lock (the one
 * the control thread takes for every change), counters lock-free.
 */
#ifndef SL_DP_TELEMETRY_H
#define SL_DP_TELEMETRY_H

#include "dp.h"

/* Registers the commands for dp (once per process, after rte_eal_init and
 * before the ports start; dp must outlive EAL). 0 or -errno. */
int dp_telemetry_register(struct dp *dp);

#endif
