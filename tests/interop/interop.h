/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential tests of the Shieldlock SRTP core against Debian's libsrtp2
 * (the "peer"). Shared definitions of the interop_srtp program.
 */
#ifndef SL_TESTS_INTEROP_H
#define SL_TESTS_INTEROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#include "srtp.h"

/* ---- deterministic PRNG (rng.c) ---------------------------------------- */
struct rng {
	uint64_t s;
};
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_u64(struct rng *r);
uint32_t rng_below(struct rng *r, uint32_t n);   /* 0..n-1 */
bool rng_chance(struct rng *r, uint32_t one_in);  /* true with p = 1/one_in */
void rng_bytes(struct rng *r, uint8_t *b, size_t n);

/* ---- suites (suites.c) -------------------------------------------------- */
struct suite {
	enum sl_srtp_suite id;
	const char *name;
	/* expected parameters, written down here independently of the core */
	uint8_t key_len, salt_len, rtp_tag, rtcp_tag;
	bool aead;   /* tag inside the cipher text; MKI after the tag */
	bool null_cipher;
	void (*peer_rtp)(srtp_crypto_policy_t *p);
	void (*peer_rtcp)(srtp_crypto_policy_t *p);
};
extern const struct suite suites[];
extern const size_t n_suites;

/* ---- one SSRC in one direction, on both implementations (flow.c) ------- */
#define MAX_KEYS 4

struct flow {
	const struct suite *su;
	char label[48];
	uint32_t ssrc;
	uint16_t seq;            /* next RTP sequence number */
	uint32_t ts;
	uint32_t roc;            /* initial ROC given to both sides */
	unsigned nkeys, mki_len, active;
	bool unenc_rtp, unenc_rtcp;
	bool fresh_wrap;         /* see flow.c */
	uint8_t key[MAX_KEYS][32], salt[MAX_KEYS][14], mki[MAX_KEYS][4];
	/* peer key buffers: key || salt, and the MKI table */
	uint8_t peer_key[MAX_KEYS][46];
	srtp_master_key_t peer_mk[MAX_KEYS];
	srtp_master_key_t *peer_mkp[MAX_KEYS];
	struct sl_srtp_stream *tx, *rx;  /* ours */
	srtp_t ptx, prx;                 /* peer */
	/* libsrtp2 cannot unprotect its own SRTCP for this flow (see flow.c) */
	bool peer_rtcp_rx_broken;
	bool rtcp_aligned;
	uint32_t rtcp_first_ours, rtcp_first_peer;
};

int flow_open(struct flow *f, struct sl_engine *e, struct rng *r, const struct suite *su,
	      unsigned variant, char *err, size_t errlen);
void flow_close(struct flow *f, struct sl_engine *e);
unsigned flow_variants(void);
void flow_set_active(struct flow *f, unsigned idx);

/* ---- packet generation (gen.c) ------------------------------------------ */
#define PKT_CAP 2048

struct pkt {
	uint8_t b[PKT_CAP];
	size_t len;
	size_t hdr_len;   /* RTP: fixed header + CSRCs + extension; RTCP: 8 */
};
void gen_rtp(struct rng *r, struct flow *f, struct pkt *p);
void gen_rtcp(struct rng *r, struct flow *f, struct pkt *p);

/* ---- results ----------------------------------------------------------- */
struct stats {
	unsigned long rtp, rtcp;          /* plaintext packets generated */
	unsigned long compared, mismatch; /* ours vs peer protected output */
	unsigned long ours_to_peer_fail, peer_to_ours_fail;
	unsigned long protect_fail_ours, protect_fail_peer;
	unsigned long tamper, tamper_accepted, tamper_wrong_code;
	unsigned long replay, replay_accepted;
	unsigned long other;
	unsigned long roc_wrapped, roc_mismatch;  /* flows whose ROC moved; ROC disagreements */
	unsigned reported;                /* detailed messages printed */
};
void report(struct stats *st, const struct flow *f, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void report_pkt(struct stats *st, const char *label, const uint8_t *b, size_t n);

/* ---- one batch of traffic through both implementations (run.c) -------- */
struct run {
	struct sl_engine *e;
	struct rng *r;
	struct stats *st;
	bool burst;       /* our side uses the burst API for this batch */
	bool rtcp;        /* SRTCP instead of SRTP */
};
#define MAX_BATCH 16
void run_batch(struct run *run, struct flow **flows, unsigned n);

/* Tamper helpers shared by both runs (tamper.c). */
enum region { REG_HEADER, REG_PAYLOAD, REG_MKI, REG_TAG, REG_INDEX, REG__COUNT };
extern const char *const region_names[REG__COUNT];
struct layout {
	size_t start[REG__COUNT], len[REG__COUNT];
};
void layout_rtp(const struct flow *f, const struct pkt *plain, struct layout *l);
void layout_rtcp(const struct flow *f, const struct pkt *plain, struct layout *l);
/* Flips one random bit in a random non-empty region; returns the region. */
enum region tamper(struct rng *r, const struct layout *l, uint8_t *b, size_t *bit_out);
/* True if the MKI at b (after a flip) names one of the flow's keys. */
bool mki_known(const struct flow *f, const uint8_t *b);

#endif
