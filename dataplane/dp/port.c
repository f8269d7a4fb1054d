/* SPDX-License-Identifier: BSD-3-Clause */
/* Ports, queues and the mbuf pool (port.h, docs/dataplane.md "Ports"). */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "port.h"

/* Descriptor counts after the driver adjusted them, per port id. */
static uint16_t port_rxd[SL_DP_MAX_PORTS], port_txd[SL_DP_MAX_PORTS];

static int probe_one(struct dp *dp, uint16_t pid, char *msg, size_t msglen)
{
	struct dp_port *pt = &dp->port[pid];
	struct rte_eth_dev_info info;
	uint16_t rxd = DP_NB_RXD, txd = DP_NB_TXD;
	int rc;

	memset(pt, 0, sizeof(*pt));
	pt->id = pid;
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0) {
		snprintf(msg, msglen, "port %u: cannot read device info: %s", pid,
			 rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_name_by_port(pid, pt->name) != 0)
		snprintf(pt->name, sizeof(pt->name), "port%u", pid);
	snprintf(pt->driver, sizeof(pt->driver), "%s",
		 info.driver_name ? info.driver_name : "?");
	pt->nb_rxq = (uint16_t)RTE_MIN(dp->nworkers, info.max_rx_queues);
	pt->nb_txq = (uint16_t)RTE_MIN(dp->nworkers, info.max_tx_queues);
	if (pt->nb_txq == 0) {
		snprintf(msg, msglen, "port %u (%s): the device has no TX queue; give it "
			 "a transmit side (e.g. tx_pcap= / tx_iface= for net_pcap)", pid,
			 pt->name);
		return -1;
	}
	pt->tx_shared = pt->nb_txq < dp->nworkers;
	for (unsigned q = 0; q < SL_DP_MAX_WORKERS; q++)
		rte_spinlock_init(&pt->txlock[q]);
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd);
	if (rc != 0) {
		snprintf(msg, msglen, "port %u (%s): cannot size descriptor rings: %s", pid,
			 pt->name, rte_strerror(-rc));
		return -1;
	}
	port_rxd[pid] = rxd;
	port_txd[pid] = txd;
	rc = rte_eth_macaddr_get(pid, &pt->mac);
	if (rc != 0)
		memset(&pt->mac, 0, sizeof(pt->mac));
	return 0;
}

int dp_ports_probe(struct dp *dp, char *msg, size_t msglen)
{
	uint16_t pid;
	unsigned n = 0;

	dp->nports = 0;
	RTE_ETH_FOREACH_DEV(pid) {
		/* Flows name ports by id: keep ids and our indexes the same. */
		if (pid != n || n == SL_DP_MAX_PORTS) {
			snprintf(msg, msglen, "port %u: expected ports numbered 0..%d without "
				 "gaps; give EAL at most %d devices", pid, SL_DP_MAX_PORTS - 1,
				 SL_DP_MAX_PORTS);
			return -1;
		}
		if (probe_one(dp, pid, msg, msglen) != 0)
			return -1;
		n++;
	}
	if (n == 0) {
		snprintf(msg, msglen, "no port: EAL probed no ethdev; add devices, e.g. "
			 "--vdev net_af_packet0,iface=veth0 or --vdev net_pcap0,rx_pcap=in.pcap,"
			 "tx_pcap=out.pcap (docs/dataplane.md)");
		return -1;
	}
	dp->nports = n;
	return 0;
}

/* Every mbuf that can be held at once: RX and TX rings, handoff and punt
 * rings, each worker's bursts and TX buffers, and the per-lcore caches. */
static uint32_t pool_need(const struct dp *dp)
{
	uint64_t n = 0;

	for (unsigned p = 0; p < dp->nports; p++)
		n += (uint64_t)dp->port[p].nb_rxq * port_rxd[p] +
		     (uint64_t)dp->port[p].nb_txq * port_txd[p];
	n += (uint64_t)dp->nworkers * (DP_HANDOFF_RING + DP_BURST * (3 + dp->nports));
	n += DP_PUNT_RING;
	n += (uint64_t)(dp->nworkers + 1) * DP_POOL_CACHE * 3 / 2;
	/* 2^k - 1 is the mempool's most efficient size */
	return (uint32_t)(rte_align64pow2(n + 1) - 1);
}

static int create_pool(struct dp *dp, char *msg, size_t msglen)
{
	uint32_t need = pool_need(dp), n = dp->cfg.mbufs ? dp->cfg.mbufs : need;

	if (!dp->cfg.quiet)
		printf("mbufs: %u in the pool (%s; %u needed to fill every ring)\n", n,
		       dp->cfg.mbufs ? "--mbufs" : "computed", need);
	if (dp->cfg.mbufs && dp->cfg.mbufs < need)
		fprintf(stderr, "shieldlock-dp: warning: --mbufs %u is below the %u buffers "
			"the rings can hold; RX may run out of buffers (rx_nombuf)\n",
			dp->cfg.mbufs, need);
	dp->pool = rte_pktmbuf_pool_create("dp_mbufs", n, DP_POOL_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!dp->pool) {
		snprintf(msg, msglen, "cannot create a pool of %u mbufs: %s; give EAL more "
			 "memory (-m) or use --mbufs", n, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

#define DP_TX_CSUM (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)

static int setup_port(struct dp *dp, struct dp_port *pt, char *msg, size_t msglen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int socket = rte_eth_dev_socket_id(pt->id);
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(pt->id, &info);
	/* With several queues spread the load by RSS where the device has it;
	 * packets still reach the flow's owner through the handoff rings. */
	if (rc == 0 && pt->nb_rxq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	/* A NIC that computes the IPv4 header and UDP checksums saves the
	 * worker a pass over every packet it re-encrypted (dp_pkt_finish).
	 * The virtual devices of the rig mostly do not offer it. */
	pt->tx_csum = false;
	if (rc == 0 && !dp->cfg.sw_checksums &&
	    (info.tx_offload_capa & DP_TX_CSUM) == DP_TX_CSUM) {
		conf.txmode.offloads |= DP_TX_CSUM;
		pt->tx_csum = true;
	}
	rc = rte_eth_dev_configure(pt->id, pt->nb_rxq, pt->nb_txq, &conf);
	if (rc != 0) {
		snprintf(msg, msglen, "port %u (%s): configure with %u RX / %u TX queues "
			 "failed: %s", pt->id, pt->name, pt->nb_rxq, pt->nb_txq, rte_strerror(-rc));
		return -1;
	}
	for (uint16_t q = 0; q < pt->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pt->id, q, port_rxd[pt->id], (unsigned)socket,
					    NULL, dp->pool);
		if (rc != 0) {
			snprintf(msg, msglen, "port %u (%s): RX queue %u setup failed: %s",
				 pt->id, pt->name, q, rte_strerror(-rc));
			return -1;
		}
	}
	for (uint16_t q = 0; q < pt->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(pt->id, q, port_txd[pt->id], (unsigned)socket, NULL);
		if (rc != 0) {
			snprintf(msg, msglen, "port %u (%s): TX queue %u setup failed: %s",
				 pt->id, pt->name, q, rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* RX queues go round-robin over (port, queue) to the workers; each worker
 * transmits on queue (worker % nb_txq) of every port. */
static int assign_queues(struct dp *dp, char *msg, size_t msglen)
{
	unsigned k = 0;

	for (unsigned p = 0; p < dp->nports; p++) {
		for (uint16_t q = 0; q < dp->port[p].nb_rxq; q++, k++) {
			struct dp_worker *w = dp->worker[k % dp->nworkers];

			if (w->nrxq == DP_MAX_RXQ_PER_WORKER) {
				snprintf(msg, msglen, "more than %d RX queues for one worker; "
					 "use more workers or fewer ports", DP_MAX_RXQ_PER_WORKER);
				return -1;
			}
			w->rxq[w->nrxq].port = (uint16_t)p;
			w->rxq[w->nrxq].queue = q;
			w->nrxq++;
		}
		for (unsigned i = 0; i < dp->nworkers; i++)
			dp->worker[i]->txq[p] = (uint16_t)(i % dp->port[p].nb_txq);
	}
	return 0;
}

int dp_ports_setup(struct dp *dp, char *msg, size_t msglen)
{
	if (create_pool(dp, msg, msglen) != 0)
		return -1;
	for (unsigned p = 0; p < dp->nports; p++)
		if (setup_port(dp, &dp->port[p], msg, msglen) != 0)
			return -1;
	return assign_queues(dp, msg, msglen);
}

static void print_port(const struct dp *dp, const struct dp_port *pt)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE], link_s[64] = "link unknown";
	struct rte_eth_link link;

	rte_ether_format_addr(mac, sizeof(mac), &pt->mac);
	if (rte_eth_link_get_nowait(pt->id, &link) == 0) {
		if (link.link_status != RTE_ETH_LINK_UP)
			snprintf(link_s, sizeof(link_s), "link down");
		else if (link.link_speed == RTE_ETH_SPEED_NUM_NONE ||
			 link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN)
			snprintf(link_s, sizeof(link_s), "link up");
		else
			snprintf(link_s, sizeof(link_s), "link up %u Mbps %s", link.link_speed,
				 link.link_duplex ? "full-duplex" : "half-duplex");
	}
	printf("port %u: %s driver %s mac %s rxq %u txq %u%s%s; %s\n", pt->id, pt->name,
	       pt->driver, mac, pt->nb_rxq, pt->nb_txq,
	       pt->tx_shared ? " (shared by workers)" : "",
	       pt->tx_csum ? ", TX checksum offload" : "", link_s);
	(void)dp;
}

int dp_ports_start(struct dp *dp, char *msg, size_t msglen)
{
	for (unsigned p = 0; p < dp->nports; p++) {
		struct dp_port *pt = &dp->port[p];
		int rc = rte_eth_dev_start(pt->id);

		if (rc != 0) {
			snprintf(msg, msglen, "port %u (%s): start failed: %s", pt->id, pt->name,
				 rte_strerror(-rc));
			return -1;
		}
		/* Media for anchored addresses arrives to MACs we do not own. */
		rc = rte_eth_promiscuous_enable(pt->id);
		if (rc != 0 && rc != -ENOTSUP && !dp->cfg.quiet)
			fprintf(stderr, "shieldlock-dp: port %u: promiscuous mode: %s\n", pt->id,
				rte_strerror(-rc));
		if (!dp->cfg.quiet)
			print_port(dp, pt);
	}
	return 0;
}

void dp_ports_close(struct dp *dp)
{
	for (unsigned p = 0; p < dp->nports; p++) {
		int rc = rte_eth_dev_stop(dp->port[p].id);

		if (rc != 0)
			fprintf(stderr, "shieldlock-dp: port %u: stop: %s\n", p, rte_strerror(-rc));
		rte_eth_dev_close(dp->port[p].id);
	}
}
