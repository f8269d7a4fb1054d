/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-gen: plays N RTP/SRTP media streams through shieldlock-dp and
 * checks what comes back (docs/shieldlock-gen.md).
 *
 *   shieldlock-gen [EAL options] -- [options]
 *
 * Order: EAL, options, ports, engines, streams and keys, data plane setup
 * (keys wiped once the flows are in), link up, traffic on one to three
 * lcores, drain, flows removed, verdict. Exit 0 = checks passed, 1 = failed,
 * 2 = usage or setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dpdk_eal.h"
#include "gen.h"

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define RX_DESC 2048
#define TX_DESC 2048

static struct gen G;
static char run_dir[PATH_MAX];      /* EAL runtime directory, removed at exit */

static void eal_fini(void)
{
	rte_eal_cleanup();
}

/*
 * With --no-shconf EAL leaves an empty runtime directory: leave nothing
 * behind. Registered before EAL starts, so it runs after EAL's own exit
 * handlers (the telemetry socket goes last). Fails harmlessly if not empty.
 */
static void remove_run_dir(void)
{
	if (run_dir[0])
		rmdir(run_dir);
}

static void on_signal(int sig)
{
	(void)sig;
	G.stop = true;
}

static int port_setup(struct gen *g, uint16_t port)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc == 0)
		rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, RX_DESC, rte_eth_dev_socket_id(port), NULL,
					    g->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, TX_DESC, rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc) {
		fprintf(stderr, "shieldlock-gen: port %u (%s): setup failed: %s\n", port,
			info.driver_name ? info.driver_name : "?", rte_strerror(-rc));
		return rc;
	}
	rte_eth_promiscuous_enable(port);  /* virtual ports may refuse: harmless */
	return 0;
}

/*
 * --attach NETNS:DEVARGS: a virtual port whose kernel side lives in another
 * network namespace. net_af_packet opens its packet socket when the device
 * is probed, and looks its interface up by name when it is started or its
 * flags change, each time in the namespace of the calling thread: the main
 * thread enters NETNS for those calls and returns (port_ns[] remembers).
 */
static const char *port_ns[RTE_MAX_ETHPORTS];

/* Enters ns (NULL or "" = stay); *self receives the fd to come back with. */
static int ns_enter(const char *ns, int *self)
{
	char path[300];
	int fd, rc = 0;

	*self = -1;
	if (!ns || !ns[0])
		return 0;
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	*self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*self < 0 || fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		rc = -errno;
		fprintf(stderr, "shieldlock-gen: cannot enter network namespace %s: %s (root "
			"needed; see ip netns list)\n", ns, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static void ns_leave(int self)
{
	if (self < 0)
		return;
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Going on in the wrong namespace would misbehave quietly. */
		fprintf(stderr, "shieldlock-gen: cannot return to the original network namespace: "
			"%s\n", strerror(errno));
		exit(2);
	}
	close(self);
}

static int attach_one(char *spec)
{
	char *colon = strchr(spec, ':'), *dev = colon + 1;
	uint16_t before = rte_eth_dev_count_total(), p;
	int self, rc;

	*colon = '\0';
	rc = ns_enter(spec, &self);
	if (rc == 0) {
		rc = rte_dev_probe(dev);   /* a vdev name: the vdev bus takes it */
		if (rc)
			fprintf(stderr, "shieldlock-gen: --attach %s:%s: cannot create the port: "
				"%s\n", spec, dev, rte_strerror(-rc));
	}
	ns_leave(self);
	RTE_ETH_FOREACH_DEV(p)
		if (p >= before && !port_ns[p])
			port_ns[p] = spec;
	return rc;
}

static int port_setup_ns(struct gen *g, uint16_t port)
{
	int self, rc = ns_enter(port_ns[port], &self);

	if (rc == 0)
		rc = port_setup(g, port);
	ns_leave(self);
	return rc;
}

static void port_stop_ns(uint16_t port)
{
	int self;

	if (ns_enter(port_ns[port], &self) == 0)
		rte_eth_dev_stop(port);
	ns_leave(self);
}

static int ports_init(struct gen *g)
{
	uint16_t nports;
	struct rte_ether_addr mac;

	for (unsigned i = 0; i < g->o.nattach; i++)
		if (attach_one(g->o.attach[i]))
			return -ENODEV;
	nports = rte_eth_dev_count_avail();
	if (nports == 0) {
		fprintf(stderr, "shieldlock-gen: no DPDK port: give one with EAL's --vdev "
			"(net_memif, net_af_packet, net_ring) and --no-pci\n");
		return -ENODEV;
	}
	if (!g->o.rx_port_set)
		g->o.rx_port = nports < 2 ? g->o.tx_port : g->o.tx_port == 0 ? 1 : 0;
	if (g->o.tx_port >= nports || g->o.rx_port >= nports) {
		fprintf(stderr, "shieldlock-gen: --%s-port %u: only %u port(s) were probed\n",
			g->o.tx_port >= nports ? "tx" : "rx",
			g->o.tx_port >= nports ? g->o.tx_port : g->o.rx_port, nports);
		return -ENODEV;
	}
	g->pool = rte_pktmbuf_pool_create("gen_pool", g->o.mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!g->pool) {
		fprintf(stderr, "shieldlock-gen: no mbuf pool of %u: %s (fewer --mbufs, or more "
			"EAL memory -m)\n", g->o.mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (port_setup_ns(g, g->o.tx_port) ||
	    (g->o.rx_port != g->o.tx_port && port_setup_ns(g, g->o.rx_port)))
		return -EIO;
	g->ports_started = true;
	rte_eth_macaddr_get(g->o.tx_port, &mac);
	memcpy(g->tx_mac, mac.addr_bytes, 6);
	rte_eth_macaddr_get(g->o.rx_port, &mac);
	memcpy(g->rx_mac, mac.addr_bytes, 6);
	return 0;
}

/* memif connects asynchronously: wait for the link before timing anything. */
static int wait_link(struct gen *g)
{
	uint64_t deadline = rte_get_timer_cycles() +
		(uint64_t)(g->o.link_timeout * (double)rte_get_timer_hz());
	uint16_t ports[2] = { g->o.tx_port, g->o.rx_port };

	for (int i = 0; i < 2; i++) {
		struct rte_eth_link link;

		for (;;) {
			memset(&link, 0, sizeof(link));
			rte_eth_link_get_nowait(ports[i], &link);
			if (link.link_status == RTE_ETH_LINK_UP)
				break;
			if (rte_get_timer_cycles() > deadline || G.stop) {
				fprintf(stderr, "shieldlock-gen: port %u link is down after %.0f s "
					"(memif: is the server side up with the same socket?)\n",
					ports[i], g->o.link_timeout);
				return -ENOLINK;
			}
			usleep(10000);
		}
	}
	return 0;
}

static int engines_open(struct gen *g)
{
	int err = 0;

	if (g->tx_srtp) {
		g->tx_engine = sl_engine_open(g->o.engine, g->o.engine_args, &err);
		if (!g->tx_engine)
			goto fail;
	}
	if (g->rx_srtp) {
		g->rx_engine = sl_engine_open(g->o.engine, g->o.engine_args, &err);
		if (!g->rx_engine)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "shieldlock-gen: --engine %s: cannot open: %s\n", g->o.engine,
		strerror(-err));
	return err ? err : -EINVAL;
}

static void derive_config(struct gen *g)
{
	const struct sl_srtp_suite_info *si = sl_srtp_suite_info(g->o.suite);
	uint32_t tag = si->rtp_tag_len;
	bool srtp_in = g->o.scenario == GEN_SC_SRTP_RTP || g->o.scenario == GEN_SC_SRTP_SRTP;
	bool srtp_out = g->o.scenario == GEN_SC_RTP_SRTP || g->o.scenario == GEN_SC_SRTP_SRTP;

	g->n = g->o.calls;
	g->suite = g->o.suite;
	g->tx_srtp = srtp_in;
	g->rx_srtp = srtp_out;
	g->samples_per_pkt = 8 * g->o.ptime_ms;   /* 8 kHz clock (G.711, RFC 3551) */
	g->rtp_len = 12 + g->o.payload;
	g->tx_len = g->rtp_len + (srtp_in ? tag : 0);
	g->rx_len = g->rtp_len + (srtp_out ? tag : 0);
	g->rate = g->o.rate > 0 ? g->o.rate : (double)g->n * 1000.0 / g->o.ptime_ms;
	g->warmup_pkts = (uint64_t)(g->rate * g->o.warmup);
	g->meas_end_pkts = g->warmup_pkts + (uint64_t)(g->rate * g->o.duration);
	if (g->meas_end_pkts == g->warmup_pkts)
		g->meas_end_pkts++;
	g->total_pkts = g->meas_end_pkts + (uint64_t)(g->rate * g->o.cooldown);
	g->hz = rte_get_tsc_hz();
}

/* Ethernet destination: --dst-mac, else the dp's port, else broadcast. */
static void choose_eth_dst(struct gen *g)
{
	if (g->o.have_dst_mac)
		memcpy(g->eth_dst, g->o.dst_mac, 6);
	else if (g->have_dp_macs)
		memcpy(g->eth_dst, g->dp_in_mac, 6);
	else if (g->o.loopback)
		memcpy(g->eth_dst, g->rx_mac, 6);
	else
		memset(g->eth_dst, 0xff, 6);
	if (!g->have_dp_macs)
		memset(g->dp_out_mac, 0, 6);
}

/* ---- lcore loops -------------------------------------------------------- */

static bool rx_finished(struct gen *g, uint64_t now)
{
	uint64_t wire;

	if (!__atomic_load_n(&g->tx_done, __ATOMIC_ACQUIRE))
		return false;
	wire = gen_load(&g->txt.sent) - g->txt.dropped_test;
	if (gen_load(&g->rxt.unique_all) >= wire)
		return true;
	/* now may predate t_end_tx when TX runs on another lcore. */
	return now > g->t_end_tx && now - g->t_end_tx > (uint64_t)(g->o.drain * (double)g->hz);
}

static int lcore_rx(void *arg)
{
	struct gen *g = arg;

	while (!g->rx_done) {
		uint64_t now = rte_rdtsc();

		gen_rx_poll(g, now);
		if (rx_finished(g, now))
			__atomic_store_n(&g->rx_done, true, __ATOMIC_RELEASE);
	}
	return 0;
}

static int lcore_tx(void *arg)
{
	struct gen *g = arg;
	bool report = g->lcores == 2;

	while (!g->tx_done) {
		uint64_t now = rte_rdtsc();

		gen_tx_burst(g, now);
		if (report)
			gen_progress(g, now);
	}
	return 0;
}

static void lcore_report(struct gen *g)
{
	while (!__atomic_load_n(&g->rx_done, __ATOMIC_ACQUIRE)) {
		gen_progress(g, rte_rdtsc());
		usleep(20000);
	}
}

static void lcore_both(struct gen *g)
{
	while (!g->rx_done) {
		uint64_t now = rte_rdtsc();

		gen_tx_burst(g, now);
		gen_rx_poll(g, now);
		gen_progress(g, now);
		if (rx_finished(g, now))
			g->rx_done = true;
	}
}

static int run(struct gen *g)
{
	unsigned w1 = rte_get_next_lcore(-1, 1, 0);
	unsigned w2 = w1 < RTE_MAX_LCORE ? rte_get_next_lcore(w1, 1, 0) : RTE_MAX_LCORE;

	g->lcores = rte_lcore_count() >= 3 ? 3 : rte_lcore_count();
	g->t0 = rte_rdtsc() + g->hz / 100;        /* first packet 10 ms from now */
	if (g->lcores == 1) {
		lcore_both(g);
		return 0;
	}
	if (g->lcores == 2) {
		if (rte_eal_remote_launch(lcore_rx, g, w1))
			return -EBUSY;
		lcore_tx(g);
	} else {
		if (rte_eal_remote_launch(lcore_tx, g, w1) ||
		    rte_eal_remote_launch(lcore_rx, g, w2))
			return -EBUSY;
		lcore_report(g);
	}
	rte_eal_mp_wait_lcore();
	return 0;
}

/* ---- main --------------------------------------------------------------- */

static int snapshot_dp(struct gen *g, struct sl_dp_stats **out)
{
	if (!g->o.dp_socket)
		return -ENOTCONN;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	return gen_setup_stats(g, *out);
}

static int prepare(struct gen *g)
{
	derive_config(g);
	if (ports_init(g) || engines_open(g))
		return -EINVAL;
	if (gen_streams_init(g))
		return -EINVAL;
	if (g->o.dp_socket && gen_setup_connect(g))
		return -EINVAL;
	choose_eth_dst(g);
	gen_build_templates(g);
	if (g->o.flows_out && gen_flows_write(g, g->o.flows_out))
		return -EIO;
	if (g->o.dp_socket && !g->o.no_setup && gen_setup_flows(g))
		return -EINVAL;
	gen_keys_wipe(g);   /* the dp and our SRTP contexts hold them now */
	return 0;
}

static void cleanup(struct gen *g)
{
	gen_setup_teardown(g);
	gen_streams_free(g);
	if (g->tx_engine)
		sl_engine_close(g->tx_engine);
	if (g->rx_engine)
		sl_engine_close(g->rx_engine);
	free(g->dp_before);
	free(g->dp_after);
	if (g->ports_started) {
		port_stop_ns(g->o.tx_port);
		if (g->o.rx_port != g->o.tx_port)
			port_stop_ns(g->o.rx_port);
	}
	eal_fini();
}

int main(int argc, char **argv)
{
	struct gen *g = &G;
	int rc, consumed;

	atexit(remove_run_dir);
	consumed = sl_dpdk_eal_init(argc, argv);
	if (consumed < 0) {
		fprintf(stderr, "shieldlock-gen: EAL initialisation failed: check the EAL options "
			"before '--' (e.g. --no-pci --no-huge -m 512 --file-prefix gen)\n");
		return EXIT_USAGE;
	}
	snprintf(run_dir, sizeof(run_dir), "%s", rte_eal_get_runtime_dir());
	argv[consumed] = argv[0];
	rc = gen_parse_options(&g->o, argc - consumed, argv + consumed);
	if (rc) {
		eal_fini();
		return rc > 0 ? EXIT_PASS : EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (prepare(g))
		goto fail_setup;
	if (g->o.setup_only) {
		fprintf(stderr, "shieldlock-gen: %u flows programmed (--setup-only)\n", g->nflows);
		cleanup(g);
		return EXIT_PASS;
	}
	if (wait_link(g))
		goto fail_setup;
	g->have_dp_stats = snapshot_dp(g, &g->dp_before) == 0;
	if (run(g))
		goto fail_setup;
	g->have_dp_stats = g->have_dp_stats && snapshot_dp(g, &g->dp_after) == 0;
	gen_evaluate(g);
	gen_summary(g, stdout);
	if (g->o.json_path && gen_json_write(g, g->o.json_path))
		g->passed = false;
	rc = g->passed ? EXIT_PASS : EXIT_FAIL;
	cleanup(g);
	return rc;
fail_setup:
	cleanup(g);
	return EXIT_USAGE;
}
