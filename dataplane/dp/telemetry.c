/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands (telemetry.h).
 *
 * DPDK 22.11 telemetry dicts hold numbers, strings and arrays of numbers or
 * strings, not nested dicts, so per-port and per-worker counters are arrays
 * indexed like port_id / worker (e.g. port_rx_pkts[1] is the port whose id
 * is port_id[1]).
 *
 * The telemetry thread must not read a struct dp_flow that the control
 * thread is freeing. /shieldlock/flow goes through dp_flowtab_get(), which
 * takes the flow table's lock: the control thread holds it across every
 * change, including the grace period before a free.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "ctl_server.h"
#include "flowtab.h"
#include "telemetry.h"

static struct dp *g_dp;

static const char *const action_names[SL_DP_ACT__COUNT] = {
	"drop", "forward", "srtp-protect", "srtp-unprotect", "srtp-rekey",
};

/* Adds name: [the uint64_t at base + i * stride + off for i < n]. */
static void add_u64_array(struct rte_tel_data *d, const char *name, unsigned n,
			  const void *base, size_t stride, size_t off)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (!a)
		return;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (unsigned i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)base + i * stride + off, sizeof(v));
		rte_tel_data_add_array_u64(a, v);
	}
	if (rte_tel_data_add_dict_container(d, name, a, 0) != 0)
		rte_tel_data_free(a);
}

#define PORT_CTR(f) { "port_" #f, offsetof(struct sl_dp_port_counters, f) }
#define WORKER_CTR(f) { "worker_" #f, offsetof(struct sl_dp_worker_counters, f) }

static const struct { const char *name; size_t off; } port_ctrs[] = {
	PORT_CTR(rx_pkts), PORT_CTR(rx_bytes), PORT_CTR(tx_pkts), PORT_CTR(tx_bytes),
	PORT_CTR(rx_missed), PORT_CTR(rx_nombuf), PORT_CTR(tx_drop), PORT_CTR(no_flow),
	PORT_CTR(not_udp), PORT_CTR(malformed),
}, worker_ctrs[] = {
	WORKER_CTR(rx_pkts), WORKER_CTR(handoff_out), WORKER_CTR(handoff_in),
	WORKER_CTR(handoff_drop), WORKER_CTR(processed), WORKER_CTR(busy_cycles),
	WORKER_CTR(idle_polls),
};

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_dp_stats *st;
	struct rte_tel_data *ids;
	unsigned np, nw;

	(void)cmd;
	(void)params;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	dp_ctl_stats_fill(g_dp, st);
	np = RTE_MIN(st->nports, (uint32_t)SL_DP_MAX_PORTS);
	nw = RTE_MIN(st->nworkers, (uint32_t)SL_DP_MAX_WORKERS);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "uptime_ns", st->uptime_ns);
	rte_tel_data_add_dict_u64(d, "flows", st->flows);
	rte_tel_data_add_dict_u64(d, "flows_capacity", st->flows_capacity);
	rte_tel_data_add_dict_u64(d, "no_flow_drop", st->no_flow_drop);
	rte_tel_data_add_dict_u64(d, "no_flow_punt", st->no_flow_punt);
	rte_tel_data_add_dict_u64(d, "punt_drop", st->punt_drop);
	rte_tel_data_add_dict_u64(d, "engine_err", st->engine_err);
	rte_tel_data_add_dict_u64(d, "auth_fail", st->auth_fail);
	rte_tel_data_add_dict_u64(d, "replay", st->replay);
	rte_tel_data_add_dict_u64(d, "malformed", st->malformed);
	rte_tel_data_add_dict_u64(d, "latch_events", st->latch_events);
	rte_tel_data_add_dict_u64(d, "events_dropped", dp_ctl_events_dropped());
	rte_tel_data_add_dict_u64(d, "nports", st->nports);
	rte_tel_data_add_dict_u64(d, "nworkers", st->nworkers);
	if ((ids = rte_tel_data_alloc())) {
		rte_tel_data_start_array(ids, RTE_TEL_U64_VAL);
		for (unsigned i = 0; i < np && i < g_dp->nports; i++)
			rte_tel_data_add_array_u64(ids, g_dp->port[i].id);
		if (rte_tel_data_add_dict_container(d, "port_id", ids, 0) != 0)
			rte_tel_data_free(ids);
	}
	for (size_t i = 0; i < RTE_DIM(port_ctrs); i++)
		add_u64_array(d, port_ctrs[i].name, np, st->port, sizeof(st->port[0]),
			      port_ctrs[i].off);
	for (size_t i = 0; i < RTE_DIM(worker_ctrs); i++)
		add_u64_array(d, worker_ctrs[i].name, nw, st->worker, sizeof(st->worker[0]),
			      worker_ctrs[i].off);
	free(st);
	return 0;
}

static void add_str_array(struct rte_tel_data *d, const char *name, unsigned n,
			  const char *(*get)(const struct sl_dp_port_status *, char *),
			  const struct sl_dp_port_status *ps)
{
	struct rte_tel_data *a = rte_tel_data_alloc();
	char buf[RTE_TEL_MAX_STRING_LEN];

	if (!a)
		return;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (unsigned i = 0; i < n; i++)
		rte_tel_data_add_array_string(a, get(&ps[i], buf));
	if (rte_tel_data_add_dict_container(d, name, a, 0) != 0)
		rte_tel_data_free(a);
}

static const char *port_name(const struct sl_dp_port_status *p, char *buf)
{
	snprintf(buf, RTE_TEL_MAX_STRING_LEN, "%.*s", (int)sizeof(p->name), p->name);
	return buf;
}

static const char *port_driver(const struct sl_dp_port_status *p, char *buf)
{
	snprintf(buf, RTE_TEL_MAX_STRING_LEN, "%.*s", (int)sizeof(p->driver), p->driver);
	return buf;
}

static const char *port_mac(const struct sl_dp_port_status *p, char *buf)
{
	snprintf(buf, RTE_TEL_MAX_STRING_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0],
		 p->mac[1], p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
	return buf;
}

static int tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_dp_status *st;
	unsigned np;

	(void)cmd;
	(void)params;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	dp_status_fill(g_dp, st);
	np = RTE_MIN(st->nports, (uint16_t)SL_DP_MAX_PORTS);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "nports", np);
	add_str_array(d, "name", np, port_name, st->port);
	add_str_array(d, "driver", np, port_driver, st->port);
	add_str_array(d, "mac", np, port_mac, st->port);
	{
		struct rte_tel_data *a[5];
		const char *names[5] = { "port_id", "link_up", "speed_mbps", "nb_rxq", "nb_txq" };

		for (int k = 0; k < 5; k++) {
			if (!(a[k] = rte_tel_data_alloc()))
				continue;
			rte_tel_data_start_array(a[k], RTE_TEL_U64_VAL);
			for (unsigned i = 0; i < np; i++) {
				const struct sl_dp_port_status *p = &st->port[i];
				uint64_t v = k == 0 ? p->port_id : k == 1 ? p->link_up :
					     k == 2 ? p->speed_mbps : k == 3 ? p->nb_rxq : p->nb_txq;

				rte_tel_data_add_array_u64(a[k], v);
			}
			if (rte_tel_data_add_dict_container(d, names[k], a[k], 0) != 0)
				rte_tel_data_free(a[k]);
		}
	}
	rte_tel_data_add_dict_string(d, "engine", st->engine);
	free(st);
	return 0;
}

static int tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "count", g_dp->ft ? dp_flowtab_count(g_dp->ft) : 0);
	rte_tel_data_add_dict_u64(d, "capacity", g_dp->ft ? dp_flowtab_capacity(g_dp->ft) : 0);
	return 0;
}

static int tel_flow(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_dp_flow_info fi;
	char *end;
	unsigned long long id;

	(void)cmd;
	if (!params || !*params || !g_dp->ft)
		return -EINVAL;
	errno = 0;
	id = strtoull(params, &end, 0);
	if (errno || *end || id == 0)
		return -EINVAL;
	if (dp_flowtab_get(g_dp->ft, id, &fi, NULL, 0) != 0)
		return -ENOENT;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", fi.id);
	rte_tel_data_add_dict_u64(d, "peer_id", fi.peer_id);
	rte_tel_data_add_dict_u64(d, "cookie", fi.cookie);
	rte_tel_data_add_dict_string(d, "action",
				     fi.action < SL_DP_ACT__COUNT ? action_names[fi.action] : "?");
	rte_tel_data_add_dict_u64(d, "in_port", fi.match.in_port);
	rte_tel_data_add_dict_u64(d, "out_port", fi.out_port);
	rte_tel_data_add_dict_u64(d, "worker", fi.worker);
	rte_tel_data_add_dict_u64(d, "latched", fi.latched);
	rte_tel_data_add_dict_u64(d, "in_roc", fi.in_roc);
	rte_tel_data_add_dict_u64(d, "out_roc", fi.out_roc);
	rte_tel_data_add_dict_u64(d, "in_ssrc", fi.in_ssrc);
	rte_tel_data_add_dict_u64(d, "out_ssrc", fi.out_ssrc);
	rte_tel_data_add_dict_u64(d, "pkts_in", fi.c.pkts_in);
	rte_tel_data_add_dict_u64(d, "bytes_in", fi.c.bytes_in);
	rte_tel_data_add_dict_u64(d, "pkts_out", fi.c.pkts_out);
	rte_tel_data_add_dict_u64(d, "bytes_out", fi.c.bytes_out);
	rte_tel_data_add_dict_u64(d, "rtcp_in", fi.c.rtcp_in);
	rte_tel_data_add_dict_u64(d, "rtcp_out", fi.c.rtcp_out);
	rte_tel_data_add_dict_u64(d, "auth_fail", fi.c.auth_fail);
	rte_tel_data_add_dict_u64(d, "replay", fi.c.replay);
	rte_tel_data_add_dict_u64(d, "malformed", fi.c.malformed);
	rte_tel_data_add_dict_u64(d, "engine_err", fi.c.engine_err);
	rte_tel_data_add_dict_u64(d, "other_drop", fi.c.other_drop);
	rte_tel_data_add_dict_u64(d, "last_seen_ns", fi.c.last_seen_ns);
	return 0;
}

/* Help texts stay below RTE_TEL_MAX_STRING_LEN (128) or DPDK refuses them. */
int dp_telemetry_register(struct dp *dp)
{
	int rc;

	g_dp = dp;
	if ((rc = rte_telemetry_register_cmd("/shieldlock/stats", tel_stats,
		"shieldlock-dp counters: global, per port (port_* arrays, port_id order), per worker")) ||
	    (rc = rte_telemetry_register_cmd("/shieldlock/ports", tel_ports,
		"shieldlock-dp ports: ids, names, drivers, MACs, link, queues")) ||
	    (rc = rte_telemetry_register_cmd("/shieldlock/flows", tel_flows,
		"shieldlock-dp flow table: count and capacity")) ||
	    (rc = rte_telemetry_register_cmd("/shieldlock/flow", tel_flow,
		"shieldlock-dp flow counters. Parameter: flow id")))
		return rc;
	return 0;
}
