/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shieldlock SRTP/SRTCP core (RFC 3711, RFC 6188, RFC 7714).
 *
 * A stream (struct sl_srtp_stream) is one direction of one SSRC: the RTP and
 * RTCP crypto contexts of RFC 3711 §3.2 for it, with all master keys (MKI),
 * the ROC and highest sequence number, the SRTCP index and both replay
 * windows. It is one allocation whose size depends on the suite, the number
 * of master keys and the replay window; the engine sessions live inline.
 *
 * The protocol code builds crypto jobs and hands them to an engine
 * (hw/engine.h); it never calls a crypto library itself.
 *
 * Buffers: protect appends MKI and tag, so cap must be at least
 * len + mki_len + tag_len (SRTCP: + 4 for E||index). Unprotect works in place
 * and shortens len.
 */
#ifndef SL_SRTP_H
#define SL_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sl_srtp_suite {
	SL_SUITE_AES_CM_128_HMAC_SHA1_80 = 0, /* RFC 3711 / RFC 4568 §6.2 */
	SL_SUITE_AES_CM_128_HMAC_SHA1_32,     /* RFC 4568 §6.2; SRTCP tag stays 80 bits */
	SL_SUITE_AES_256_CM_HMAC_SHA1_80,     /* RFC 6188 */
	SL_SUITE_AES_256_CM_HMAC_SHA1_32,     /* RFC 6188; SRTCP tag 80 bits */
	SL_SUITE_AEAD_AES_128_GCM,            /* RFC 7714, 16-byte tag */
	SL_SUITE_AEAD_AES_256_GCM,            /* RFC 7714, 16-byte tag */
	SL_SUITE_NULL_HMAC_SHA1_80,           /* RFC 3711 NULL cipher, auth only */
	SL_SUITE__COUNT
};

struct sl_srtp_suite_info {
	const char *name;          /* SDES name, e.g. "AES_CM_128_HMAC_SHA1_80" */
	enum sl_cipher_algo cipher;
	uint8_t key_len;           /* master (= session) encryption key bytes */
	uint8_t salt_len;          /* master salt bytes: 14 (CM), 12 (GCM) */
	enum sl_auth_algo auth;
	uint8_t auth_key_len;      /* 20 for HMAC-SHA1, 0 for AEAD */
	uint8_t rtp_tag_len;       /* SRTP tag bytes */
	uint8_t rtcp_tag_len;      /* SRTCP tag bytes */
};

const struct sl_srtp_suite_info *sl_srtp_suite_info(enum sl_srtp_suite s);
/* Returns -1 if the name is unknown. Case-sensitive per RFC 4568. */
int sl_srtp_suite_from_name(const char *name, size_t len);

/* Error codes: every function returns 0 or one of these, negated. */
enum sl_srtp_err {
	SL_SRTP_OK = 0,
	SL_SRTP_ERR_TRUNCATED = 1,   /* shorter than a header (+ tag, MKI, index) */
	SL_SRTP_ERR_VERSION,         /* RTP/RTCP version != 2 */
	SL_SRTP_ERR_CSRC,            /* CSRC list runs past the end */
	SL_SRTP_ERR_EXTENSION,       /* header extension runs past the end */
	SL_SRTP_ERR_PADDING,         /* padding count 0 or larger than the payload */
	SL_SRTP_ERR_EMPTY,           /* zero-length packet */
	SL_SRTP_ERR_AUTH,            /* authentication tag mismatch */
	SL_SRTP_ERR_REPLAY,          /* index already received */
	SL_SRTP_ERR_REPLAY_OLD,      /* index older than the replay window */
	SL_SRTP_ERR_MKI,             /* MKI names no master key of this stream */
	SL_SRTP_ERR_KEY_EXPIRED,     /* master key lifetime reached (RFC 3711 §9.2) */
	SL_SRTP_ERR_NO_SPACE,        /* buffer too small for MKI + tag */
	SL_SRTP_ERR_POLICY,          /* SRTCP E flag contradicts the policy */
	SL_SRTP_ERR_SSRC,            /* SSRC differs from the stream's */
	SL_SRTP_ERR_ENGINE,          /* engine error: packet dropped */
	SL_SRTP_ERR_PARAM,           /* bad policy / argument */
	SL_SRTP_ERR_UNSUPPORTED,     /* e.g. non-zero KDR (see docs/srtp.md) */
	SL_SRTP_ERR_NOMEM,
	SL_SRTP_ERR__COUNT
};
const char *sl_srtp_strerror(int err); /* accepts err or -err */

#define SL_SRTP_MAX_KEYS      8
#define SL_SRTP_MAX_MKI_LEN   4
#define SL_SRTP_MAX_KEY_LEN   32
#define SL_SRTP_MAX_SALT_LEN  14
#define SL_SRTP_DEFAULT_WINDOW 128
#define SL_SRTP_MAX_WINDOW    32768
#define SL_SRTP_MAX_TRAILER   (4 + SL_SRTP_MAX_MKI_LEN + SL_MAX_TAG_LEN)

/* RFC 3711 §9.2 maximum master key lifetimes. */
#define SL_SRTP_MAX_LIFETIME_RTP  (1ull << 48)
#define SL_SRTP_MAX_LIFETIME_RTCP (1ull << 31)

struct sl_srtp_master_key {
	uint8_t key[SL_SRTP_MAX_KEY_LEN];   /* suite key_len bytes */
	uint8_t salt[SL_SRTP_MAX_SALT_LEN]; /* suite salt_len bytes */
	uint8_t mki[SL_SRTP_MAX_MKI_LEN];   /* policy mki_len bytes, big-endian */
	uint64_t lifetime;                  /* packets; 0 = RFC 3711 maximum */
};

enum sl_srtp_dir { SL_SRTP_OUTBOUND = 0, SL_SRTP_INBOUND = 1 };

struct sl_srtp_policy {
	enum sl_srtp_suite suite;
	enum sl_srtp_dir dir;
	uint8_t nkeys;                      /* 1..SL_SRTP_MAX_KEYS */
	uint8_t mki_len;                    /* 0 (no MKI) or 1..4 */
	struct sl_srtp_master_key keys[SL_SRTP_MAX_KEYS];
	uint32_t ssrc;                      /* used when ssrc_set */
	bool ssrc_set;                      /* else bound by the first good packet */
	uint32_t roc;                       /* initial ROC (RFC 3711 §3.3.1) */
	uint16_t replay_window;             /* 0 = default 128; 64..32768, power of 2 */
	uint64_t kdr;                       /* key derivation rate; only 0 is supported */
	bool unencrypted_srtp;              /* RFC 4568 §6.3.2 UNENCRYPTED_SRTP */
	bool unencrypted_srtcp;             /* UNENCRYPTED_SRTCP */
	bool unauthenticated_srtp;          /* UNAUTHENTICATED_SRTP */
};

struct sl_srtp_stream;

/* Per-stream counters, readable at any time by the owner. */
struct sl_srtp_stats {
	uint64_t packets, bytes;            /* successfully processed */
	uint64_t auth_fail, replay, malformed, key_expired, engine_err, other;
};

/*
 * Creates a stream: validates the policy, derives the session keys of every
 * master key (RFC 3711 §4.3 AES-CM PRF; RFC 6188 §3 for AES-256; RFC 7714 §11
 * for GCM) through the engine, and wipes everything but the session keys held
 * by the engine sessions. On error returns NULL with *err = -SL_SRTP_ERR_x and,
 * if msg is not NULL, a human-readable reason in msg.
 */
struct sl_srtp_stream *sl_srtp_stream_create(struct sl_engine *e,
					     const struct sl_srtp_policy *p,
					     int *err, char *msg, size_t msglen);
/* Wipes all key material and frees. */
void sl_srtp_stream_free(struct sl_engine *e, struct sl_srtp_stream *s);
/* Bytes allocated for this stream (for the benchmark's state-per-stream). */
size_t sl_srtp_stream_size(const struct sl_srtp_stream *s);

/* ROC handover (RFC 3711 §3.3.1, e.g. signalled by RFC 4771 or SDP). */
uint32_t sl_srtp_stream_get_roc(const struct sl_srtp_stream *s);
/* Sets ROC and, if seq_valid, the highest sequence number s_l. */
void sl_srtp_stream_set_roc(struct sl_srtp_stream *s, uint32_t roc, bool seq_valid, uint16_t seq);
/* Outbound: chooses the master key used to protect (index into policy keys). */
int sl_srtp_stream_set_active_key(struct sl_srtp_stream *s, unsigned idx);
const struct sl_srtp_stats *sl_srtp_stream_stats(const struct sl_srtp_stream *s, bool rtcp);
uint32_t sl_srtp_stream_ssrc(const struct sl_srtp_stream *s, bool *bound);

/* One packet of a burst. status is 0 or -SL_SRTP_ERR_x after the call. */
struct sl_srtp_pkt {
	struct sl_srtp_stream *stream;
	uint8_t *data;
	uint32_t len;   /* in: input length; out: output length */
	uint32_t cap;   /* bytes writable at data */
	int status;
};

/*
 * Burst API: process n packets of any streams in one call; the jobs go to the
 * engine in bursts. Returns the number of packets with status 0. Packets that
 * fail are left unchanged where possible and must be dropped by the caller.
 */
uint16_t sl_srtp_protect_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n);
uint16_t sl_srtp_unprotect_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n);
uint16_t sl_srtcp_protect_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n);
uint16_t sl_srtcp_unprotect_burst(struct sl_engine *e, struct sl_srtp_pkt *p, uint16_t n);

/*
 * Starts the memory loads of the streams of a burst that will be processed
 * next. A poll loop calls it for burst k+1 before processing burst k, so
 * with many streams (all cold in cache) the misses overlap the current
 * burst's crypto instead of stalling it. Reads nothing it has to wait for;
 * harmless if the streams are already cached. Serves SRTP and SRTCP alike.
 */
void sl_srtp_prefetch_burst(const struct sl_srtp_pkt *p, uint16_t n);

/* One-packet convenience API: returns 0 or -SL_SRTP_ERR_x. */
int sl_srtp_protect(struct sl_engine *e, struct sl_srtp_stream *s, uint8_t *pkt, size_t *len, size_t cap);
int sl_srtp_unprotect(struct sl_engine *e, struct sl_srtp_stream *s, uint8_t *pkt, size_t *len);
int sl_srtcp_protect(struct sl_engine *e, struct sl_srtp_stream *s, uint8_t *pkt, size_t *len, size_t cap);
int sl_srtcp_unprotect(struct sl_engine *e, struct sl_srtp_stream *s, uint8_t *pkt, size_t *len);

/* RFC 5761 §4: RTP/RTCP demultiplexing on one port by payload type byte. */
bool sl_srtp_is_rtcp(const uint8_t *pkt, size_t len);

/*
 * RTP header length including CSRCs and the header extension (RFC 3550 §5.1,
 * RFC 8285 one- and two-byte forms). Returns the length or -SL_SRTP_ERR_x.
 */
int sl_rtp_header_len(const uint8_t *pkt, size_t len);

/* Wipes and zeroes a policy's key material. */
void sl_srtp_policy_wipe(struct sl_srtp_policy *p);

#ifdef __cplusplus
}
#endif
#endif
