/* SPDX-License-Identifier: BSD-3-Clause */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dp_test.h"
#include "dpdk_eal.h"
#include "engine.h"

struct dp dt_dp;
uint64_t dt_sess_clears;

/* The openssl engine, counting sl_sess_clear calls: a stream free clears
 * (wipes) every session of the stream, so this shows when keys are wiped. */
static struct sl_engine_ops counting_ops;

static void counting_clear(struct sl_engine *e, struct sl_sess *s)
{
	__atomic_fetch_add(&dt_sess_clears, 1, __ATOMIC_RELAXED);
	sl_engine_openssl_ops.sess_clear(e, s);
}

void dt_init(const char *prog, unsigned mem_mb, bool telemetry, unsigned nworkers)
{
	char mem[16], prefix[64];
	char *argv[16];
	int argc = 0, err = 0;

	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(prefix, sizeof(prefix), "sl-dptest-%d", (int)getpid());
	argv[argc++] = (char *)prog;
	argv[argc++] = "--no-huge";
	argv[argc++] = "-m";
	argv[argc++] = mem;
	argv[argc++] = "--no-pci";
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = "--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = "--log-level=*:error";
	argv[argc++] = "--no-shconf";
	if (!telemetry)
		argv[argc++] = "--no-telemetry";
	argv[argc] = NULL;
	if (sl_dpdk_eal_init(argc, argv) < 0) {
		fprintf(stderr, "FAIL: EAL init\n");
		exit(1);
	}
	memset(&dt_dp, 0, sizeof(dt_dp));
	dt_dp.nports = 2;
	for (unsigned i = 0; i < 2; i++) {
		dt_dp.port[i].id = i;
		snprintf(dt_dp.port[i].name, sizeof(dt_dp.port[i].name), "fake%u", i);
		snprintf(dt_dp.port[i].driver, sizeof(dt_dp.port[i].driver), "none");
	}
	dt_dp.nworkers = nworkers;
	dt_dp.cfg.replay_window = 128;
	dt_dp.cfg.capacity = 1024;
	snprintf(dt_dp.cfg.engine, sizeof(dt_dp.cfg.engine), "openssl");
	counting_ops = sl_engine_openssl_ops;
	counting_ops.sess_clear = counting_clear;
	dt_dp.ctl_engine = sl_engine_open_ops(&counting_ops, NULL, &err);
	if (!dt_dp.ctl_engine) {
		fprintf(stderr, "FAIL: engine openssl does not open (%d)\n", err);
		exit(1);
	}
}

void dt_fini(void)
{
	char rundir[PATH_MAX], sock[PATH_MAX + 32];

	/* Leave nothing in /var/run/dpdk: our runtime directory is ours alone. */
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	sl_engine_close(dt_dp.ctl_engine);
	rte_eal_cleanup();
	snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2", rundir);
	unlink(sock);
	rmdir(rundir);
}

void dt_spec_forward(struct sl_dp_flow_spec *s, uint8_t a, uint16_t sport, uint16_t dport)
{
	memset(s, 0, sizeof(*s));
	s->match.in_port = 0;
	s->match.ip_version = 4;
	s->match.sport = sport;
	s->match.dport = dport;
	s->match.src[0] = 10; s->match.src[3] = a;
	s->match.dst[0] = 10; s->match.dst[2] = 1; s->match.dst[3] = 1;
	s->action = SL_DP_ACT_FORWARD;
	s->out_port = 1;
	s->worker = 0xffff;
}

void dt_srtp(struct sl_dp_srtp *c, unsigned suite, uint8_t variant)
{
	memset(c, 0, sizeof(*c));
	c->suite = suite;
	c->nkeys = 1;
	memset(c->keys[0].key, DT_KEY_BYTE, sizeof(c->keys[0].key));
	memset(c->keys[0].salt, DT_KEY_BYTE, sizeof(c->keys[0].salt));
	c->keys[0].key[0] ^= variant;
}

void dt_spec_action(struct sl_dp_flow_spec *s, uint8_t action, uint8_t a, uint16_t sport,
		    uint16_t dport)
{
	dt_spec_forward(s, a, sport, dport);
	s->action = action;
	if (dp_flow_action_uses(action, true))
		dt_srtp(&s->in, 0, 0);
	if (dp_flow_action_uses(action, false))
		dt_srtp(&s->out, 0, 1);
}

void dt_pkt_key(struct sl_dp_flow_match *k, uint16_t port, const uint8_t src4[4],
		const uint8_t dst4[4], uint16_t sport, uint16_t dport)
{
	dp_flow_key(k, port, 4, src4, dst4, sport, dport);
}

struct dp_flow *dt_lookup(struct dp_flowtab *t, const struct sl_dp_flow_match *k)
{
	const struct sl_dp_flow_match *kp[1] = { k };
	struct dp_flow *f = NULL;

	dp_flowtab_lookup_bulk(t, kp, 1, &f);
	return f;
}
