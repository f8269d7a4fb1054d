/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-gen: the traffic generator (docs/shieldlock-gen.md).
 *
 * N media streams are played round robin: global packet k belongs to stream
 * k % N and is its packet number n = k / N. Real-time pacing (every stream
 * at its own packet time, phases spread evenly) and a fixed aggregate rate
 * are then the same schedule, packet k due at t0 + k / rate; only the rate
 * differs (N * 1000 / ptime in real time).
 *
 * Threads: one lcore does TX and RX (the default), or the TX lcore and the
 * RX lcore are separate. TX is the only writer of struct gen_tx_stream, RX
 * the only writer of struct gen_rx_stream and struct gen_rx_totals; the
 * other side reads single 64-bit fields with relaxed atomic loads.
 */
#ifndef SL_GEN_H
#define SL_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dp_proto.h"
#include "srtp.h"

#define GEN_BURST        32
#define GEN_MAX_STREAMS  1000000u
#define GEN_LAT_BUCKETS  (64 * 8)   /* log2 buckets with 8 sub-buckets each */
#define GEN_PAYLOAD_MAX  1400
#define GEN_MAX_ATTACH   4

enum gen_scenario {
	GEN_SC_RTP_RTP = 0,   /* dp action forward */
	GEN_SC_RTP_SRTP,      /* srtp-protect */
	GEN_SC_SRTP_RTP,      /* srtp-unprotect */
	GEN_SC_SRTP_SRTP,     /* srtp-rekey */
	GEN_SC__COUNT
};

struct gen_opts {
	enum gen_scenario scenario;
	uint32_t calls;             /* streams */
	uint32_t ptime_ms;
	uint32_t payload;           /* bytes of RTP payload */
	double rate;                /* aggregate pps; 0 = real time */
	double duration, warmup, cooldown, drain;
	double link_timeout;
	uint16_t tx_port, rx_port;
	bool tx_port_set, rx_port_set;
	bool loopback;              /* no data plane: RX sees TX's packets */
	bool no_setup, keep_flows, setup_only;
	const char *dp_socket;
	uint16_t dp_in_port, dp_out_port;
	const char *engine, *engine_args;
	enum sl_srtp_suite suite;
	bool seeded;
	uint64_t seed;
	uint32_t verify_sample;     /* 1 = decrypt every packet */
	double max_loss;            /* fraction */
	const char *json_path, *flows_out;
	uint32_t drop_every, corrupt_every; /* test hooks: inject loss / damage */
	uint32_t mbufs;
	uint32_t lat_ring;          /* TX timestamps kept per stream (power of 2) */
	uint64_t first_packet;      /* continue streams that already sent this many */
	bool udp_csum;
	bool quiet;
	bool have_dst_mac;
	uint8_t dst_mac[6];
	unsigned nattach;           /* --attach NETNS:DEVARGS, probed after EAL */
	char *attach[GEN_MAX_ATTACH];
};

/* One stream's addresses and identity; IPv4, network byte order. */
struct gen_addr {
	uint32_t src, dst;
	uint16_t sport, dport;
};

/* Written by TX only. ring: (n & 0xffff) << 48 | tx tsc - t0 (48 bits). */
struct gen_tx_stream {
	struct sl_srtp_stream *srtp;   /* TX leg: outbound, or NULL for RTP */
	uint32_t sent;                 /* handed to the port (incl. simulated drops) */
	uint32_t sent_meas;            /* of which after the warmup */
	uint32_t unsent;               /* refused by a full TX queue */
	uint16_t seq0;                 /* sequence number of packet 0 of this run */
	uint32_t roc0;                 /* its rollover counter (RFC 3711 §3.3.1) */
	uint32_t ts0;
	uint8_t hdr[64];               /* Ethernet + IPv4 + UDP + RTP template */
};

/* Written by RX only. */
struct gen_rx_stream {
	struct sl_srtp_stream *srtp;   /* RX leg: inbound, or NULL for RTP */
	uint64_t window;               /* bit i: packet max_n - i received */
	uint32_t max_n;                /* highest packet number received */
	uint32_t rx_meas;              /* unique packets after the warmup */
	uint32_t rx_count;             /* all packets seen (sampling counter) */
	uint32_t dup, reorder, late, auth_fail, bad, verified;
	uint32_t lat_max_ns;
	bool any;
	int64_t last_transit;          /* tsc of the previous packet's transit */
	double jitter_ns;              /* RFC 3550 §6.4.1 estimate */
};

struct gen_rx_totals {
	uint64_t rx_pkts, rx_bytes;
	uint64_t foreign;              /* not ours: not UDP/IPv4, unknown SSRC, short */
	uint64_t misrouted;            /* ours, but wrong addresses / ports */
	uint64_t bad_csum;             /* IPv4 or UDP checksum wrong */
	uint64_t bad_len;              /* length differs from what was sent */
	uint64_t bad_payload;          /* plaintext differs from what was sent */
	uint64_t auth_fail;            /* SRTP authentication failed */
	uint64_t verified;             /* SRTP packets decrypted and checked */
	uint64_t unique, unique_all;   /* distinct packets: measured / all */
	uint64_t dup, reorder, late, warmup;
	uint64_t lat_samples, lat_unknown;
	uint64_t lat_hist[GEN_LAT_BUCKETS];
};

struct gen_tx_totals {
	uint64_t offered, offered_meas;  /* generated (all / after the warmup) */
	uint64_t sent;                   /* handed to the port, incl. test drops */
	uint64_t unsent, unsent_meas;    /* refused by a full TX queue */
	uint64_t dropped_test, corrupted_test;
	uint64_t alloc_fail, srtp_fail;
};

struct gen_results {
	uint64_t lost;                 /* measured: sent - received (unique) */
	uint64_t streams_with_loss, max_stream_loss;
	double loss_frac;              /* (lost + unsent + srtp_fail) / offered */
	double seconds;                /* measured window (first to last TX) */
	double tx_pps, rx_pps, offered_pps;
	double lat_p50_us, lat_p99_us, lat_max_us;
	double jitter_mean_us, jitter_max_us;
	uint64_t dp_processed, dp_busy_cycles, dp_rx_missed, dp_tx_drop;
	uint64_t dp_auth_fail, dp_replay, dp_no_flow, dp_engine_err;
	double dp_cycles_per_pkt;
	bool failed_auth, failed_loss, failed_bad, failed_nothing;
	bool tx_behind;                /* offered < 99% of the asked rate */
};

struct sl_engine;
struct rte_mempool;

struct gen {
	struct gen_opts o;
	uint32_t n;                    /* = o.calls */
	double rate;                   /* aggregate packets per second */
	uint64_t total_pkts;           /* to send: rate * (warmup + duration) */
	uint64_t warmup_pkts;          /* K0: first measured global index */
	uint64_t meas_end_pkts;        /* K1: first global index after the measurement */
	enum sl_srtp_suite suite;
	uint32_t samples_per_pkt;      /* RTP timestamp step (8 kHz clock) */
	uint32_t ssrc_base;
	bool tx_srtp, rx_srtp;         /* what is sent / what comes back */
	uint32_t rtp_len, tx_len, rx_len; /* RTP, sent and expected UDP payload bytes */
	struct gen_addr *tx_addr, *rx_addr;
	struct gen_tx_stream *tx;
	struct gen_rx_stream *rx;
	uint64_t *ring;                /* n * lat_ring TX timestamps */
	uint32_t ring_mask;
	struct sl_engine *tx_engine, *rx_engine;
	struct rte_mempool *pool;
	uint8_t tx_mac[6], rx_mac[6], eth_dst[6];
	uint8_t dp_in_mac[6], dp_out_mac[6];
	bool have_dp_macs;
	bool ports_started;
	uint64_t *flow_ids;            /* one per stream when set up */
	uint32_t nflows;
	/* keys: leg A (towards the dp), leg B (from it); wiped after setup */
	struct sl_srtp_master_key *key_a, *key_b;
	/* timing */
	uint64_t hz, t0, t_end_tx, t_meas0, t_meas1;
	volatile bool tx_done, rx_done, stop;
	struct gen_tx_totals txt;
	struct gen_rx_totals rxt;
	unsigned lcores, tx_lcore, rx_lcore;
	/* dp counters around the measured window */
	bool have_dp_stats;
	struct sl_dp_stats *dp_before, *dp_after;
	/* results */
	struct gen_results r;
	bool passed;
};

/* options.c */
int gen_parse_options(struct gen_opts *o, int argc, char **argv);
void gen_usage(FILE *f);
const char *gen_scenario_name(enum gen_scenario s);

/* streams.c */
int gen_streams_init(struct gen *g);
void gen_streams_free(struct gen *g);
void gen_keys_wipe(struct gen *g);
int gen_flows_write(struct gen *g, const char *path);
void gen_payload_fill(uint8_t *p, uint32_t len, uint32_t ssrc, uint32_t n);
bool gen_payload_check(const uint8_t *p, uint32_t len, uint32_t ssrc, uint32_t n);
void gen_build_templates(struct gen *g);

/* setup.c: programs shieldlock-dp through its control socket */
int gen_setup_connect(struct gen *g);
int gen_setup_flows(struct gen *g);
int gen_setup_stats(struct gen *g, struct sl_dp_stats *out);
void gen_setup_teardown(struct gen *g);

/* tx.c, rx.c */
int gen_tx_burst(struct gen *g, uint64_t now);
void gen_rx_poll(struct gen *g, uint64_t now);

/* report.c */
void gen_progress(struct gen *g, uint64_t now);
void gen_summary(struct gen *g, FILE *f);
int gen_json_write(struct gen *g, const char *path);
void gen_evaluate(struct gen *g);
void gen_lat_add(struct gen_rx_totals *t, uint64_t ns);

static inline uint64_t gen_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t gen_load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The first packet number of stream i with global index >= k: ceil((k - i) / N). */
static inline uint32_t gen_first_at(const struct gen *g, uint64_t k, uint32_t i)
{
	if (k <= i)
		return 0;
	return (uint32_t)((k - i + g->n - 1) / g->n);
}

/* Packets K0 <= k < K1 are measured: warmup before, cooldown after. */
static inline bool gen_measured(const struct gen *g, uint64_t k)
{
	return k >= g->warmup_pkts && k < g->meas_end_pkts;
}

static inline bool gen_measured_n(const struct gen *g, uint32_t i, uint32_t n)
{
	return n >= gen_first_at(g, g->warmup_pkts, i) && n < gen_first_at(g, g->meas_end_pkts, i);
}

#endif
