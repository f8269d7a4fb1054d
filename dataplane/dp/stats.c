/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters and status (dp.h). Any thread may call these: each worker is the
 * only writer of its counters and 64-bit loads do not tear on the
 * platforms we run on, so a sum is a consistent-enough snapshot.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>

#include "dp.h"
#include "flowtab.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t dp_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t dp_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void add_port(struct sl_dp_port_counters *o, const struct sl_dp_port_counters *c)
{
	o->rx_pkts += rd(&c->rx_pkts);
	o->rx_bytes += rd(&c->rx_bytes);
	o->tx_pkts += rd(&c->tx_pkts);
	o->tx_bytes += rd(&c->tx_bytes);
	o->tx_drop += rd(&c->tx_drop);
	o->no_flow += rd(&c->no_flow);
	o->not_udp += rd(&c->not_udp);
	o->malformed += rd(&c->malformed);
}

static void copy_worker(struct sl_dp_worker_counters *o, const struct sl_dp_worker_counters *c)
{
	o->rx_pkts = rd(&c->rx_pkts);
	o->handoff_out = rd(&c->handoff_out);
	o->handoff_in = rd(&c->handoff_in);
	o->handoff_drop = rd(&c->handoff_drop);
	o->processed = rd(&c->processed);
	o->busy_cycles = rd(&c->busy_cycles);
	o->idle_polls = rd(&c->idle_polls);
}

static void add_global(struct sl_dp_stats *o, const struct dp_global_ctr *g)
{
	o->no_flow_drop += rd(&g->no_flow_drop);
	o->no_flow_punt += rd(&g->no_flow_punt);
	o->punt_drop += rd(&g->punt_drop);
	o->engine_err += rd(&g->engine_err);
	o->auth_fail += rd(&g->auth_fail);
	o->replay += rd(&g->replay);
	o->malformed += rd(&g->malformed);
	o->latch_events += rd(&g->latch_events);
}

void dp_stats_fill(const struct dp *dp, struct sl_dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->uptime_ns = dp_monotonic_ns() - dp->start_ns;
	if (dp->ft) {
		out->flows = dp_flowtab_count(dp->ft);
		out->flows_capacity = dp_flowtab_capacity(dp->ft);
	}
	out->nports = dp->nports;
	out->nworkers = dp->nworkers;
	for (unsigned i = 0; i < dp->nworkers; i++) {
		const struct dp_worker *w = dp->worker[i];

		if (!w)
			continue;
		copy_worker(&out->worker[i], &w->wc);
		add_global(out, &w->g);
		for (unsigned p = 0; p < dp->nports; p++)
			add_port(&out->port[p], &w->port[p]);
	}
	/* What the device itself dropped before we could poll it. */
	for (unsigned p = 0; p < dp->nports; p++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(dp->port[p].id, &es) == 0) {
			out->port[p].rx_missed = es.imissed;
			out->port[p].rx_nombuf = es.rx_nombuf;
		}
	}
}

void dp_status_fill(const struct dp *dp, struct sl_dp_status *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->version, sizeof(out->version), "shieldlock-dp %s", DP_VERSION);
	snprintf(out->engine, sizeof(out->engine), "%s", dp->cfg.engine);
	snprintf(out->engine_args, sizeof(out->engine_args), "%s", dp->cfg.engine_args);
	out->default_policy = (uint8_t)dp->cfg.default_policy;
	out->replay_window = dp->cfg.replay_window;
	out->nports = (uint16_t)dp->nports;
	out->nworkers = (uint16_t)dp->nworkers;
	for (unsigned i = 0; i < dp->nworkers && dp->worker[i]; i++)
		out->worker_lcore[i] = dp->worker[i]->lcore;
	for (unsigned p = 0; p < dp->nports; p++) {
		const struct dp_port *pt = &dp->port[p];
		struct sl_dp_port_status *ps = &out->port[p];
		struct rte_eth_link link;

		ps->port_id = pt->id;
		ps->nb_rxq = pt->nb_rxq;
		ps->nb_txq = pt->nb_txq;
		memcpy(ps->mac, pt->mac.addr_bytes, sizeof(ps->mac));
		snprintf(ps->name, sizeof(ps->name), "%s", pt->name);
		snprintf(ps->driver, sizeof(ps->driver), "%s", pt->driver);
		if (rte_eth_link_get_nowait(pt->id, &link) == 0) {
			ps->link_up = link.link_status == RTE_ETH_LINK_UP;
			ps->speed_mbps = link.link_speed;
		}
	}
}
