/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker poll loop (worker.h).
 *
 * One iteration: poll every owned RX queue; parse, look the flows up, send
 * packets of other workers' flows to their owner's handoff ring (ports
 * without RSS put a flow's packets on any queue), apply the default policy
 * to packets matching no flow; then drain our own handoff ring. Packets of
 * our own flows are processed as bursts per action (SRTP/SRTCP, in and
 * out), rewritten and buffered per output port. At the end of an iteration
 * we hold no dp_flow pointer and report a quiescent state (RCU).
 *
 * Fail closed: a PROTECT or REKEY packet reaches a TX buffer only if its
 * protect status is 0; every other outcome frees the mbuf and counts it.
 */
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "flowtab.h"
#include "pkt.h"
#include "port.h"
#include "srtp.h"
#include "worker.h"

#define HANDOFF_DRAIN_BURSTS 4

/* One packet of a burst while it is processed. */
struct item {
	struct rte_mbuf *m;
	struct dp_flow *f;
	struct dp_pkt p;
	uint32_t cap;          /* bytes writable at the payload */
	bool rtcp;
};

/* An SRTP/SRTCP burst of one kind and the items it came from. */
struct group {
	uint16_t n;
	struct sl_srtp_pkt sp[DP_BURST];
	struct item *it[DP_BURST];
};

struct txent {
	struct rte_mbuf *m;
	struct dp_flow_state *st; /* counted when sent; valid until quiescence */
	uint32_t bytes;           /* UDP payload bytes */
	bool rtcp;
};

/* Per-worker scratch, allocated on the worker's socket. */
struct wctx {
	struct dp *dp;
	struct dp_worker *w;
	uint64_t now_ns;           /* CLOCK_REALTIME, once per busy iteration */
	uint64_t t0;               /* TSC when the iteration found work */
	uint16_t ntx[SL_DP_MAX_PORTS];
	struct txent tx[SL_DP_MAX_PORTS][DP_BURST];
	uint16_t nho[SL_DP_MAX_WORKERS];
	struct rte_mbuf *ho[SL_DP_MAX_WORKERS][DP_BURST];
	struct group in_rtp, in_rtcp, out_rtp, out_rtcp;
};

static struct dp *the_dp; /* workers read it; set before launch */
static struct wctx *the_wctx[SL_DP_MAX_WORKERS];

/* ---- counters --------------------------------------------------------- */

/* Maps an SRTP core error onto the flow's and the worker's counters. */
static void count_srtp_err(struct dp_worker *w, struct dp_flow_state *st, int status)
{
	switch (-status) {
	case SL_SRTP_ERR_AUTH:
		st->c.auth_fail++;
		w->g.auth_fail++;
		break;
	case SL_SRTP_ERR_REPLAY:
	case SL_SRTP_ERR_REPLAY_OLD:
		st->c.replay++;
		w->g.replay++;
		break;
	case SL_SRTP_ERR_ENGINE:
		st->c.engine_err++;
		w->g.engine_err++;
		break;
	case SL_SRTP_ERR_TRUNCATED:
	case SL_SRTP_ERR_VERSION:
	case SL_SRTP_ERR_CSRC:
	case SL_SRTP_ERR_EXTENSION:
	case SL_SRTP_ERR_PADDING:
	case SL_SRTP_ERR_EMPTY:
		st->c.malformed++;
		w->g.malformed++;
		break;
	default: /* MKI, key expired, no space, SSRC, policy */
		st->c.other_drop++;
		break;
	}
}

static void drop_other(struct item *it)
{
	it->f->st->c.other_drop++;
	rte_pktmbuf_free(it->m);
}

/* ---- transmit ----------------------------------------------------------- */

static void tx_flush(struct wctx *x, uint16_t port)
{
	struct dp_port *pt = &x->dp->port[port];
	struct sl_dp_port_counters *pc = &x->w->port[port];
	struct rte_mbuf *ms[DP_BURST];
	uint16_t n = x->ntx[port], ok = n, sent = 0, q = x->w->txq[port];

	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++)
		ms[i] = x->tx[port][i].m;
	/* with checksum offload, the device's own preparation (the pseudo-
	 * header some NICs want differently); a packet it refuses is dropped
	 * and counted below with the ones the ring did not take */
	if (pt->tx_csum)
		ok = rte_eth_tx_prepare(port, q, ms, n);
	if (pt->tx_shared)
		rte_spinlock_lock(&pt->txlock[q]);
	/* A few tries: a ring that is full now often drains within a burst. */
	for (int tries = 0; tries < 3 && sent < ok; tries++) {
		uint16_t k = rte_eth_tx_burst(port, q, ms + sent, ok - sent);

		if (k == 0 && tries > 0)
			break;
		sent += k;
	}
	if (pt->tx_shared)
		rte_spinlock_unlock(&pt->txlock[q]);
	for (uint16_t i = 0; i < n; i++) {
		struct txent *t = &x->tx[port][i];

		if (i < sent) {
			t->st->c.pkts_out++;
			t->st->c.bytes_out += t->bytes;
			t->st->c.rtcp_out += t->rtcp;
			pc->tx_pkts++;
			pc->tx_bytes += rte_pktmbuf_pkt_len(t->m);
		} else {
			t->st->c.other_drop++;
			pc->tx_drop++;
			rte_pktmbuf_free(t->m);
		}
	}
	x->ntx[port] = 0;
}

static void tx_flush_all(struct wctx *x)
{
	for (uint16_t p = 0; p < x->dp->nports; p++)
		tx_flush(x, p);
}

/* Rewrites and lengths, then buffers for the flow's output port. */
static void tx_item(struct wctx *x, struct item *it, uint32_t len)
{
	struct dp_flow *f = it->f;
	uint16_t port = f->out_port;
	struct txent *t;

	if (unlikely(port >= x->dp->nports) ||
	    dp_pkt_finish(it->m, &it->p, len, &f->rewrite, x->dp->port[port].tx_csum) != 0) {
		drop_other(it);
		return;
	}
	if (x->ntx[port] == DP_BURST)
		tx_flush(x, port);
	t = &x->tx[port][x->ntx[port]++];
	t->m = it->m;
	t->st = f->st;
	t->bytes = len;
	t->rtcp = it->rtcp;
}

/* ---- steering and default policy --------------------------------------- */

static void handoff(struct wctx *x, unsigned owner, struct rte_mbuf *m)
{
	if (unlikely(owner >= x->dp->nworkers)) {
		x->w->wc.handoff_drop++;
		rte_pktmbuf_free(m);
		return;
	}
	x->ho[owner][x->nho[owner]++] = m;
}

static void handoff_flush(struct wctx *x)
{
	for (unsigned t = 0; t < x->dp->nworkers; t++) {
		unsigned n = x->nho[t], k;

		if (n == 0)
			continue;
		k = rte_ring_mp_enqueue_burst(x->dp->worker[t]->handoff, (void **)x->ho[t], n,
					      NULL);
		x->w->wc.handoff_out += k;
		x->w->wc.handoff_drop += n - k;
		if (k < n)
			rte_pktmbuf_free_bulk(x->ho[t] + k, n - k);
		x->nho[t] = 0;
	}
}

static void no_flow(struct wctx *x, struct rte_mbuf *m)
{
	struct dp_worker *w = x->w;

	w->port[m->port].no_flow++;
	if (x->dp->cfg.default_policy == DP_POLICY_PUNT) {
		if (rte_ring_mp_enqueue(x->dp->punt_ring, m) == 0) {
			w->g.no_flow_punt++;
			return;
		}
		w->g.punt_drop++;
	} else {
		w->g.no_flow_drop++;
	}
	rte_pktmbuf_free(m);
}

/* ---- latching ----------------------------------------------------------- */

static bool latching(const struct dp_flow *f)
{
	return (f->flags & SL_DP_FLOW_LATCH) && (f->match.flags & SL_DP_MATCH_ANY_SRC);
}

static bool same_src(const struct dp_flow_state *st, const struct dp_pkt *p)
{
	return st->latched_sport == p->sport && memcmp(st->latched_src, p->src, 16) == 0;
}

static uint32_t pkt_ssrc(const uint8_t *d, uint32_t len, bool rtcp)
{
	uint32_t off = rtcp ? 4 : 8, v;

	if (len < off + 4)
		return 0;
	memcpy(&v, d + off, 4);
	return rte_be_to_cpu_32(v);
}

/*
 * Symmetric RTP: the first packet that authenticated (or, without inbound
 * SRTP, the first packet) fixes the remote; afterwards only it may use the
 * flow, anything else is a media hijack attempt and is dropped. Returns
 * false if the packet must be dropped (counted in other_drop by the caller).
 */
static bool latch(struct wctx *x, struct item *it, const uint8_t *payload, uint32_t len)
{
	struct dp_flow *f = it->f;
	struct dp_flow_state *st = f->st;
	struct sl_dp_event_latch ev;

	if (!latching(f))
		return true;
	if (__atomic_load_n(&st->latched, __ATOMIC_ACQUIRE))
		return same_src(st, &it->p);
	memcpy(st->latched_src, it->p.src, sizeof(st->latched_src));
	st->latched_sport = it->p.sport;
	__atomic_store_n(&st->latched, 1, __ATOMIC_RELEASE);

	memset(&ev, 0, sizeof(ev));
	ev.flow_id = f->id;
	ev.ip_version = it->p.ipver;
	ev.sport = it->p.sport;
	ev.ssrc = pkt_ssrc(payload, len, it->rtcp);
	memcpy(ev.src, it->p.src, sizeof(ev.src));
	if (rte_ring_mp_enqueue_elem(x->dp->latch_ring, &ev, sizeof(ev)) == 0)
		x->w->g.latch_events++;
	else
		x->w->g.latch_drop++;
	return true;
}

/* ---- SRTP groups -------------------------------------------------------- */

static void group_add(struct group *g, struct item *it, struct sl_srtp_stream *s,
		      uint32_t len)
{
	struct sl_srtp_pkt *sp = &g->sp[g->n];

	sp->stream = s;
	sp->data = dp_pkt_payload(it->m, &it->p);
	sp->len = len;
	sp->cap = it->cap;
	sp->status = 0;
	g->it[g->n++] = it;
}

/* Outbound: SRTP adds MKI + tag, SRTCP also E||index. No room: drop. */
static void add_protect(struct wctx *x, struct item *it, uint32_t len)
{
	struct dp_flow *f = it->f;

	if (unlikely(f->out == NULL || it->cap < len + SL_SRTP_MAX_TRAILER)) {
		drop_other(it);
		return;
	}
	group_add(it->rtcp ? &x->out_rtcp : &x->out_rtp, it, f->out, len);
}

/* A failed SRTP/SRTCP packet is counted and freed: false. */
static bool srtp_ok(struct wctx *x, const struct sl_srtp_pkt *sp, struct item *it)
{
	if (sp->status == 0)
		return true;
	count_srtp_err(x->w, it->f->st, sp->status);
	rte_pktmbuf_free(it->m);
	return false;
}

static void finish_unprotect(struct wctx *x, struct group *g)
{
	for (uint16_t i = 0; i < g->n; i++) {
		struct sl_srtp_pkt *sp = &g->sp[i];
		struct item *it = g->it[i];

		if (!srtp_ok(x, sp, it))
			continue;
		if (!latch(x, it, sp->data, sp->len)) {
			drop_other(it);
			continue;
		}
		if (it->f->action == SL_DP_ACT_REKEY)
			add_protect(x, it, sp->len);
		else
			tx_item(x, it, sp->len);
	}
	g->n = 0;
}

static void finish_protect(struct wctx *x, struct group *g)
{
	for (uint16_t i = 0; i < g->n; i++) {
		struct sl_srtp_pkt *sp = &g->sp[i];
		struct item *it = g->it[i];

		/* Fail closed: only a packet the engine protected leaves. */
		if (srtp_ok(x, sp, it))
			tx_item(x, it, sp->len);
	}
	g->n = 0;
}

static void run_groups(struct wctx *x)
{
	struct sl_engine *e = x->w->engine;

	/* Start the stream loads of the outbound burst while the inbound
	 * one computes (srtp.h); REKEY packets join it afterwards. */
	sl_srtp_prefetch_burst(x->in_rtp.sp, x->in_rtp.n);
	sl_srtp_prefetch_burst(x->in_rtcp.sp, x->in_rtcp.n);
	sl_srtp_prefetch_burst(x->out_rtp.sp, x->out_rtp.n);
	sl_srtp_prefetch_burst(x->out_rtcp.sp, x->out_rtcp.n);
	if (x->in_rtp.n)
		sl_srtp_unprotect_burst(e, x->in_rtp.sp, x->in_rtp.n);
	if (x->in_rtcp.n)
		sl_srtcp_unprotect_burst(e, x->in_rtcp.sp, x->in_rtcp.n);
	finish_unprotect(x, &x->in_rtp);
	finish_unprotect(x, &x->in_rtcp);
	if (x->out_rtp.n)
		sl_srtp_protect_burst(e, x->out_rtp.sp, x->out_rtp.n);
	if (x->out_rtcp.n)
		sl_srtcp_protect_burst(e, x->out_rtcp.sp, x->out_rtcp.n);
	finish_protect(x, &x->out_rtp);
	finish_protect(x, &x->out_rtcp);
}

/* ---- one packet of our own flow ---------------------------------------- */

static void own_packet(struct wctx *x, struct item *it)
{
	struct dp_flow *f = it->f;
	struct dp_flow_state *st = f->st;
	uint8_t *payload = dp_pkt_payload(it->m, &it->p);
	uint32_t len = it->p.payload_len;

	it->rtcp = sl_srtp_is_rtcp(payload, len);  /* RFC 5761 §4 */
	it->cap = dp_pkt_payload_cap(it->m, &it->p);
	st->c.pkts_in++;
	st->c.bytes_in += len;
	st->c.rtcp_in += it->rtcp;
	st->c.last_seen_ns = x->now_ns;
	x->w->wc.processed++;

	/* Latched: another source is dropped before it costs any crypto. */
	if (latching(f) && __atomic_load_n(&st->latched, __ATOMIC_ACQUIRE) &&
	    !same_src(st, &it->p)) {
		drop_other(it);
		return;
	}
	switch (f->action) {
	case SL_DP_ACT_FORWARD:
		if (latch(x, it, payload, len))
			tx_item(x, it, len);
		else
			drop_other(it);
		break;
	case SL_DP_ACT_PROTECT:
		if (latch(x, it, payload, len))
			add_protect(x, it, len);
		else
			drop_other(it);
		break;
	case SL_DP_ACT_UNPROTECT:
	case SL_DP_ACT_REKEY:
		if (unlikely(f->in == NULL)) {
			drop_other(it);
			break;
		}
		group_add(it->rtcp ? &x->in_rtcp : &x->in_rtp, it, f->in, len);
		break;
	default: /* SL_DP_ACT_DROP */
		drop_other(it);
		break;
	}
}

/* ---- a burst ------------------------------------------------------------ */

static bool parse_ok(struct dp_worker *w, struct rte_mbuf *m, struct dp_pkt *p)
{
	switch (dp_pkt_parse(m, p)) {
	case DP_PARSE_OK:
		return true;
	case DP_PARSE_NOT_UDP:
		w->port[m->port].not_udp++;
		break;
	default:
		w->port[m->port].malformed++;
		w->g.malformed++;
		break;
	}
	rte_pktmbuf_free(m);
	return false;
}

/* Packets from an RX queue or from our handoff ring (parsed and looked up
 * again: flow pointers never cross workers, RCU grace periods are per
 * worker). */
static void process(struct wctx *x, struct rte_mbuf **ms, uint16_t n)
{
	struct item items[DP_BURST];
	struct sl_dp_flow_match keys[DP_BURST];
	const struct sl_dp_flow_match *kp[DP_BURST];
	struct dp_flow *flows[DP_BURST];
	unsigned k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct item *it = &items[k];

		if (!parse_ok(x->w, ms[i], &it->p))
			continue;
		it->m = ms[i];
		dp_flow_key(&keys[k], it->m->port, it->p.ipver, it->p.src, it->p.dst,
			    it->p.sport, it->p.dport);
		kp[k] = &keys[k];
		k++;
	}
	if (k == 0)
		return;
	dp_flowtab_lookup_bulk(x->dp->ft, kp, k, flows);
	/* With many flows their state is cold: start every load now so the
	 * misses overlap instead of stalling packet by packet. */
	for (unsigned i = 0; i < k; i++)
		if (flows[i] && flows[i]->worker == x->w->idx) {
			rte_prefetch0(flows[i]->st);
			if (flows[i]->in)
				rte_prefetch0(flows[i]->in);
			if (flows[i]->out)
				rte_prefetch0(flows[i]->out);
		}
	for (unsigned i = 0; i < k; i++) {
		struct item *it = &items[i];

		it->f = flows[i];
		if (it->f == NULL)
			no_flow(x, it->m);
		else if (it->f->worker != x->w->idx)
			handoff(x, it->f->worker, it->m); /* its owner re-parses and looks up */
		else
			own_packet(x, it);
	}
	run_groups(x);
	handoff_flush(x);
	tx_flush_all(x);
}

static unsigned poll_rx(struct wctx *x)
{
	struct dp_worker *w = x->w;
	struct rte_mbuf *ms[DP_BURST];
	unsigned got = 0;

	for (unsigned i = 0; i < w->nrxq; i++) {
		uint16_t port = w->rxq[i].port;
		uint16_t n = rte_eth_rx_burst(port, w->rxq[i].queue, ms, DP_BURST);

		if (n == 0)
			continue;
		if (got == 0) {
			x->now_ns = dp_realtime_ns();
			x->t0 = rte_rdtsc();
		}
		got += n;
		w->wc.rx_pkts += n;
		w->port[port].rx_pkts += n;
		for (uint16_t j = 0; j < n; j++) {
			ms[j]->port = port; /* not every PMD sets it */
			w->port[port].rx_bytes += rte_pktmbuf_pkt_len(ms[j]);
		}
		process(x, ms, n);
	}
	return got;
}

static unsigned poll_handoff(struct wctx *x, bool have_time)
{
	struct dp_worker *w = x->w;
	struct rte_mbuf *ms[DP_BURST];
	unsigned got = 0;

	for (int b = 0; b < HANDOFF_DRAIN_BURSTS; b++) {
		unsigned n = rte_ring_sc_dequeue_burst(w->handoff, (void **)ms, DP_BURST, NULL);

		if (n == 0)
			break;
		if (got == 0 && !have_time) {
			x->now_ns = dp_realtime_ns();
			x->t0 = rte_rdtsc();
		}
		got += n;
		w->wc.handoff_in += n;
		process(x, ms, (uint16_t)n);
		if (n < DP_BURST)
			break;
	}
	return got;
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp *dp = the_dp;
	struct wctx *x = the_wctx[w->idx];

	dp_flowtab_worker_online(dp->ft, w->idx);
	/*
	 * The TSC is read only in iterations that found work (rdtsc costs
	 * far more than an empty poll in a VM): busy_cycles runs from the
	 * first packet polled to the end of the iteration.
	 */
	while (__atomic_load_n(&w->running, __ATOMIC_RELAXED)) {
		unsigned got = poll_rx(x);

		got += poll_handoff(x, got != 0);
		/* No dp_flow pointer survives an iteration. */
		dp_flowtab_quiescent(dp->ft, w->idx);
		if (got)
			w->wc.busy_cycles += rte_rdtsc() - x->t0;
		else
			w->wc.idle_polls++;
	}
	dp_flowtab_worker_offline(dp->ft, w->idx);
	return 0;
}

/* ---- life cycle ------------------------------------------------------- */

int dp_workers_create(struct dp *dp, char *msg, size_t msglen)
{
	const char *args = dp->cfg.engine_args[0] ? dp->cfg.engine_args : NULL;

	the_dp = dp;
	dp->nworkers = dp->cfg.nworkers;
	for (unsigned i = 0; i < dp->nworkers; i++) {
		unsigned lcore = dp->cfg.worker_lcores[i];
		int socket = (int)rte_lcore_to_socket_id(lcore), err = 0;
		struct dp_worker *w;
		char name[32];

		w = rte_zmalloc_socket("dp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
		if (!w) {
			snprintf(msg, msglen, "worker %u: out of memory; give EAL more (-m)", i);
			return -1;
		}
		dp->worker[i] = w;
		w->idx = i;
		w->lcore = lcore;
		the_wctx[i] = rte_zmalloc_socket("dp_wctx", sizeof(struct wctx),
						 RTE_CACHE_LINE_SIZE, socket);
		if (!the_wctx[i]) {
			snprintf(msg, msglen, "worker %u: out of memory; give EAL more (-m)", i);
			return -1;
		}
		the_wctx[i]->dp = dp;
		the_wctx[i]->w = w;
		snprintf(name, sizeof(name), "dp_handoff%u", i);
		w->handoff = rte_ring_create(name, DP_HANDOFF_RING, socket, RING_F_SC_DEQ);
		if (!w->handoff) {
			snprintf(msg, msglen, "worker %u: cannot create its handoff ring: %s", i,
				 rte_strerror(rte_errno));
			return -1;
		}
		/* Each worker has its own instance: its own IPsec-MB manager or
		 * its own cryptodev queue pair, so no locks on the fast path. */
		w->engine = sl_engine_open(dp->cfg.engine, args, &err);
		if (!w->engine) {
			snprintf(msg, msglen, "engine %s%s%s for worker %u (lcore %u) failed: %s "
				 "(see the message above)", dp->cfg.engine, args ? ":" : "",
				 args ? args : "", i, lcore, strerror(-err));
			return -1;
		}
	}
	return 0;
}

int dp_workers_launch(struct dp *dp, char *msg, size_t msglen)
{
	for (unsigned i = 0; i < dp->nworkers; i++) {
		struct dp_worker *w = dp->worker[i];
		int rc;

		__atomic_store_n(&w->running, true, __ATOMIC_RELEASE);
		rc = rte_eal_remote_launch(dp_worker_main, w, w->lcore);
		if (rc != 0) {
			__atomic_store_n(&w->running, false, __ATOMIC_RELEASE);
			snprintf(msg, msglen, "worker %u: cannot launch on lcore %u: %s", i,
				 w->lcore, rte_strerror(-rc));
			return -1;
		}
	}
	return 0;
}

void dp_workers_stop(struct dp *dp)
{
	for (unsigned i = 0; i < dp->nworkers; i++)
		if (dp->worker[i])
			__atomic_store_n(&dp->worker[i]->running, false, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < dp->nworkers; i++)
		if (dp->worker[i])
			rte_eal_wait_lcore(dp->worker[i]->lcore);
}

void dp_workers_free(struct dp *dp)
{
	for (unsigned i = 0; i < dp->nworkers; i++) {
		struct dp_worker *w = dp->worker[i];
		void *m = NULL;

		if (!w)
			continue;
		if (w->handoff) {
			while (rte_ring_dequeue(w->handoff, &m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(w->handoff);
		}
		if (w->engine)
			sl_engine_close(w->engine);
		rte_free(the_wctx[i]);
		the_wctx[i] = NULL;
		rte_free(w);
		dp->worker[i] = NULL;
	}
}
