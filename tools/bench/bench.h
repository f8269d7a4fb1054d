/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-bench: shared types of the SRTP benchmark.
 *
 * A "cell" is one measurement: implementation × suite × payload × streams ×
 * operation. Every implementation (our core on an engine, Debian's libsrtp2,
 * raw IPsec-MB crypto) is timed by the same loop (bench_time_cell): an
 * untimed prep of a round of packets, then the timed processing of that round
 * in bursts, until a packet or time budget is used up.
 */
#ifndef SL_BENCH_H
#define SL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp.h"

#define BENCH_BURST      32
#define BENCH_RTP_HDR    12
#define BENCH_MAX_PAYLOADS 8
#define BENCH_MAX_STREAMS  8
#define BENCH_MAX_ENGINES  4

enum bench_op { BENCH_PROTECT = 0, BENCH_UNPROTECT = 1, BENCH_OP__COUNT };

/* Implementations compared in a run. */
enum bench_impl {
	IMPL_OURS_IPSECMB = 0,
	IMPL_OURS_OPENSSL,
	IMPL_OURS_CRYPTODEV,
	IMPL_LIBSRTP2,
	IMPL_RAW_IPSECMB,
	IMPL__COUNT
};

struct bench_cfg {
	bool suites[SL_SUITE__COUNT];
	unsigned payloads[BENCH_MAX_PAYLOADS];
	unsigned n_payloads;
	unsigned streams[BENCH_MAX_STREAMS];
	unsigned n_streams;
	bool engines[3];                 /* ours on ipsec-mb, openssl, cryptodev */
	bool libsrtp;
	bool raw;
	bool libsrtp_one_session;        /* all streams in one srtp_t (libsrtp's list) */
	uint64_t max_packets;            /* timed packets per cell */
	double seconds;                  /* timed seconds per cell */
	double libsrtp_seconds;          /* timed seconds per libsrtp2 cell */
	double libsrtp_setup_seconds;    /* budget to create libsrtp2 contexts */
	unsigned round;                  /* packets prepared per round */
	int core;                        /* CPU to pin to */
	bool quick;
	bool strict;                     /* exit 3 when a cell is not measured */
	const char *output;              /* markdown file, NULL = none */
	const char *svg_dir;             /* NULL = none */
	const char *svg_rel;             /* path of svg_dir as seen from output */
	const char *json;
	char cmdline[1024];
	char loadavg[64];                /* /proc/loadavg when the run started */
};

/* One measured cell. */
struct bench_result {
	enum bench_impl impl;
	enum sl_srtp_suite suite;
	unsigned payload, streams;
	enum bench_op op;
	bool measured;                   /* false: not run (see note) */
	bool valid;                      /* every timed packet succeeded */
	bool extrapolated;               /* stopped on the time budget early */
	uint64_t packets, failed;
	uint64_t cycles;                 /* TSC cycles over the timed part */
	double mpps, cyc_per_pkt;         /* from the median chunk */
	double cyc_mean;                 /* all timed cycles / all timed packets */
	unsigned passes;                 /* raw bound: passes measured */
	bool paired;                     /* one-stream companion of the largest stream
					  * count's cell, timed in alternation with it;
					  * not in the tables (bench_find skips it) */
	char note[96];
};

/* Stream setup figures per implementation × suite × streams. */
struct bench_setup {
	enum bench_impl impl;
	enum sl_srtp_suite suite;
	unsigned streams;
	bool measured;
	double create_per_s;             /* streams created per second */
	size_t state_bytes;              /* bytes per stream (stream_size or heap delta) */
	size_t heap_bytes;               /* heap growth per stream (mallinfo2) */
	char note[96];
};

struct bench_results {
	struct bench_result *r;
	size_t n, cap;
	struct bench_setup *s;
	size_t ns, caps;
};

/* clock.c */
static inline uint64_t bench_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}
double bench_tsc_calibrate(void);       /* TSC Hz measured against CLOCK_MONOTONIC */
extern double bench_tsc_hz;
double bench_now(void);                 /* CLOCK_MONOTONIC seconds */
int bench_pin(int core);
void bench_machine(char *cpu, size_t cpulen, int *cores, char *huge, size_t hugelen);
size_t bench_heap_used(void);

/* timing loop (plan.c) */
struct bench_runner {
	void *ctx;
	/* untimed: prepare packets [0, n) of a new round; returns 0, 1 when no
	 * packets are left (the sample ends normally) or -1 (abort) */
	int (*prep)(void *ctx, unsigned n);
	/* timed: process packets [first, first+n); returns the number that succeeded */
	unsigned (*run)(void *ctx, unsigned first, unsigned n);
};
struct bench_budget {
	uint64_t max_packets;
	double seconds;                 /* timed seconds */
	double wall_seconds;            /* prep + timed */
	unsigned round;                 /* packets per round (multiple of the burst) */
	unsigned chunk;                 /* packets between budget checks */
};
void bench_time_cell(const struct bench_runner *rn, const struct bench_budget *b,
		     struct bench_result *r);
/* Times two runners in alternating rounds (same budget each). */
void bench_time_pair(const struct bench_runner *ra, struct bench_result *a,
		     const struct bench_runner *rb, struct bench_result *b,
		     const struct bench_budget *bud);

/* Traffic plan shared by our core and libsrtp2: which stream each packet of a
 * round belongs to, and each stream's next sequence number. */
struct bench_plan {
	unsigned nstreams;
	unsigned round;                 /* packets per round */
	uint32_t *perm;                 /* random permutation of the streams */
	uint64_t cursor;                /* position in perm, advances per packet */
	unsigned *stream_of;            /* [round] */
	uint16_t *seq;                  /* [nstreams] next sequence number (caller's) */
	uint32_t *ts;                   /* [nstreams] next RTP timestamp (caller's) */
	uint8_t *buf;                   /* round * stride bytes */
	size_t stride;
	unsigned payload;
	uint64_t rng;
};
/* seq/ts: per-stream counters owned by the caller, so that the cells of one
 * set of streams continue each other's sequence numbers (bench_seq_new). */
int bench_plan_init(struct bench_plan *p, unsigned nstreams, unsigned round,
		    unsigned payload, uint64_t seed, uint16_t *seq, uint32_t *ts);
int bench_seq_new(unsigned nstreams, uint64_t seed, uint16_t **seq, uint32_t **ts);
void bench_plan_free(struct bench_plan *p);
/* Picks the streams of the next round (distinct as long as nstreams >= round). */
void bench_plan_next(struct bench_plan *p);
/* Writes RTP header (next seq of its stream) + payload for packet i; returns its length. */
size_t bench_plan_write(struct bench_plan *p, unsigned i, uint32_t ssrc);
static inline uint8_t *bench_plan_pkt(struct bench_plan *p, unsigned i)
{
	return p->buf + (size_t)i * p->stride;
}
uint64_t bench_rand(uint64_t *state);
void bench_fill_random(uint64_t *state, uint8_t *out, size_t n);

/* results */
struct bench_result *bench_add_result(struct bench_results *rs);
struct bench_setup *bench_add_setup(struct bench_results *rs);
const struct bench_result *bench_find(const struct bench_results *rs, enum bench_impl impl,
				      enum sl_srtp_suite suite, unsigned payload,
				      unsigned streams, enum bench_op op);
/* The paired one-stream companion of (impl, suite, payload, op), or NULL. */
const struct bench_result *bench_find_paired(const struct bench_results *rs, enum bench_impl impl,
					     enum sl_srtp_suite suite, unsigned payload,
					     enum bench_op op);
const struct bench_setup *bench_find_setup(const struct bench_results *rs, enum bench_impl impl,
					   enum sl_srtp_suite suite, unsigned streams);
const char *bench_impl_name(enum bench_impl impl);
const char *bench_op_name(enum bench_op op);
const char *bench_suite_name(enum sl_srtp_suite s);
void bench_progress(const struct bench_result *r);
double bench_elapsed(void);              /* seconds since the first call */

/* implementations */
int bench_ours_run(const struct bench_cfg *cfg, struct bench_results *rs);
int bench_libsrtp_run(const struct bench_cfg *cfg, struct bench_results *rs);
int bench_raw_run(const struct bench_cfg *cfg, struct bench_results *rs, int suite);
/* One raw cell to time next to another (bench_time_pair): NULL on failure;
 * *invalid set when the first packet differs from OpenSSL. */
struct bench_raw;
struct bench_raw *bench_raw_new(const struct bench_cfg *cfg, enum sl_srtp_suite suite,
				unsigned payload, enum bench_op op, struct bench_runner *rn,
				bool *invalid);
void bench_raw_free(struct bench_raw *raw);
int bench_raw_keep(struct bench_results *rs, const struct bench_result *r);
int bench_eal_init(int core);
void bench_eal_fini(void);

/* report.c */
void bench_print_tables(const struct bench_cfg *cfg, const struct bench_results *rs);
int bench_write_markdown(const struct bench_cfg *cfg, const struct bench_results *rs);
int bench_write_json(const struct bench_cfg *cfg, const struct bench_results *rs);
/* Target summary lines; writes to f (stdout or markdown). */
struct bench_target {
	const char *what;
	bool known, pass;
	char figure[128];
};
unsigned bench_targets(const struct bench_results *rs, struct bench_target *t, unsigned max);

/* svg.c */
int bench_write_svgs(const struct bench_cfg *cfg, const struct bench_results *rs);

/* shieldlock-bench dp (bench_dp.c): zero-loss srtp-rekey throughput of
 * shieldlock-dp driven by shieldlock-gen over net_memif. argv[0] = "dp". */
int bench_dp_main(int argc, char **argv);

#endif
