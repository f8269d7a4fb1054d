/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol between the control plane (shieldlockd,
 * shieldlockctl, shieldlock-gen) and the data plane (shieldlock-dp).
 *
 * This header is the only definition of the protocol; docs/dp-control.md
 * describes it for people. Transport: a Unix stream socket (mode 0600; the
 * data plane accepts only peers whose SO_PEERCRED uid is its own or 0).
 * Both ends run on one host, so integers are in host byte order; every
 * struct has a fixed size and explicit padding (checked below).
 *
 * Framing: every message is a struct sl_dp_hdr followed by hdr.len bytes of
 * body. hdr.len is exactly the size of the body struct of hdr.type (or, for
 * variable messages, what the body's own count says). A message larger than
 * SL_DP_MSG_MAX, with a bad magic, an unknown type or a wrong length gets an
 * SL_DP_ERROR reply; framing errors then close the connection (the stream
 * cannot be resynchronised), the data plane itself keeps running.
 *
 * Session: the client sends SL_DP_HELLO first with the protocol version and
 * the size it believes every message body has; the server answers with its
 * own HELLO. Any difference in version or in a size is an error
 * (SL_DP_E_VERSION) and the connection is closed. Nothing else is accepted
 * before a successful hello.
 *
 * Requests carry a client-chosen hdr.seq; the reply (one message) repeats it.
 * Replies are SL_DP_OK, SL_DP_ERROR or the type's own reply message.
 *
 * Keys: SL_DP_FLOW_ADD / SL_DP_FLOW_MOD carry SRTP master keys. Both sides
 * wipe the message buffers after use (sl_wipe); replies never carry keys.
 */
#ifndef SL_DP_PROTO_H
#define SL_DP_PROTO_H

#include <assert.h>
#include <stdint.h>

#define SL_DP_MAGIC        0x50444c53u /* "SLDP" little-endian */
#define SL_DP_VERSION      1
#define SL_DP_MSG_MAX      65536       /* body bytes */
#define SL_DP_MAX_PORTS    16
#define SL_DP_MAX_WORKERS  32
#define SL_DP_MAX_KEYS     8           /* = SL_SRTP_MAX_KEYS */
#define SL_DP_LIST_MAX     128         /* flows per SL_DP_FLOW_LIST_REPLY */
#define SL_DP_PUNT_MAX     2048        /* packet bytes per SL_DP_EVENT_PUNT */

enum sl_dp_msg_type {
	SL_DP_HELLO = 1,            /* struct sl_dp_hello, both directions */
	SL_DP_OK,                   /* struct sl_dp_ok */
	SL_DP_ERROR,                /* struct sl_dp_error */
	SL_DP_FLOW_ADD,             /* struct sl_dp_flow_spec -> SL_DP_OK (id) */
	SL_DP_FLOW_MOD,             /* struct sl_dp_flow_spec (id set) -> SL_DP_OK */
	SL_DP_FLOW_DEL,             /* struct sl_dp_flow_ref -> SL_DP_OK */
	SL_DP_FLOW_GET,             /* struct sl_dp_flow_ref -> SL_DP_FLOW_INFO */
	SL_DP_FLOW_INFO,            /* struct sl_dp_flow_info */
	SL_DP_FLOW_LIST,            /* struct sl_dp_flow_list_req -> SL_DP_FLOW_LIST_REPLY */
	SL_DP_FLOW_LIST_REPLY,      /* struct sl_dp_flow_list_reply + count x sl_dp_flow_info */
	SL_DP_FLOW_FLUSH,           /* struct sl_dp_flow_ref (ignored) -> SL_DP_OK (count) */
	SL_DP_STATS_GET,            /* struct sl_dp_stats_req -> SL_DP_STATS */
	SL_DP_STATS,                /* struct sl_dp_stats */
	SL_DP_STATUS_GET,           /* struct sl_dp_stats_req -> SL_DP_STATUS */
	SL_DP_STATUS,               /* struct sl_dp_status: engine, ports, workers */
	SL_DP_SUBSCRIBE,            /* struct sl_dp_subscribe -> SL_DP_OK; then events */
	SL_DP_EVENT_PUNT,           /* struct sl_dp_event_punt + len packet bytes */
	SL_DP_EVENT_LATCH,          /* struct sl_dp_event_latch */
	SL_DP_MSG__COUNT
};

/* SL_DP_ERROR codes. */
enum sl_dp_errcode {
	SL_DP_E_OK = 0,
	SL_DP_E_FRAMING,            /* bad magic / length; connection closed */
	SL_DP_E_VERSION,            /* hello mismatch; connection closed */
	SL_DP_E_TYPE,               /* unknown or unexpected message type */
	SL_DP_E_INVAL,              /* a field is out of range (msg says which) */
	SL_DP_E_EXISTS,             /* flow with the same match already exists */
	SL_DP_E_NOENT,              /* no such flow */
	SL_DP_E_FULL,               /* flow table at capacity */
	SL_DP_E_CRYPTO,             /* key setup failed (suite, key, engine) */
	SL_DP_E_NOMEM,
	SL_DP_E_PORT,               /* port id names no port */
	SL_DP_E_NOTSUP,             /* feature not supported by this data plane */
};

struct sl_dp_hdr {
	uint32_t magic;             /* SL_DP_MAGIC */
	uint16_t version;           /* SL_DP_VERSION */
	uint16_t type;              /* enum sl_dp_msg_type */
	uint32_t len;               /* body bytes after this header */
	uint32_t seq;               /* request id, echoed in the reply */
};

struct sl_dp_hello {
	uint32_t version;           /* SL_DP_VERSION */
	uint32_t nsizes;            /* SL_DP_MSG__COUNT */
	uint32_t sizes[SL_DP_MSG__COUNT]; /* sizes[type] = fixed body size; [0] = sizeof(hdr) */
	char     name[32];          /* "shieldlock-dp 0.1.0", "shieldlockctl", ... */
};

struct sl_dp_ok {
	uint64_t id;                /* flow id for FLOW_ADD, count for FLOW_FLUSH, else 0 */
};

struct sl_dp_error {
	int32_t  code;              /* enum sl_dp_errcode */
	uint32_t pad;
	char     msg[216];          /* NUL-terminated, human readable, names the field */
};

/* ---- flows ------------------------------------------------------------ */

enum sl_dp_action {
	SL_DP_ACT_DROP = 0,
	SL_DP_ACT_FORWARD,          /* relay unchanged (RTP or SRTP) */
	SL_DP_ACT_PROTECT,          /* RTP/RTCP in, SRTP/SRTCP out (spec.out) */
	SL_DP_ACT_UNPROTECT,        /* SRTP/SRTCP in (spec.in), RTP/RTCP out */
	SL_DP_ACT_REKEY,            /* SRTP in (spec.in), SRTP out (spec.out) */
	SL_DP_ACT__COUNT
};

/* sl_dp_flow_match.flags */
enum {
	SL_DP_MATCH_ANY_SRC = 1u << 0, /* source address/port not matched (latching) */
};

/*
 * What a flow matches. Addresses are in network byte order; IPv4 uses the
 * first 4 bytes of src/dst and the rest must be zero. Ports in host order.
 */
struct sl_dp_flow_match {
	uint16_t in_port;           /* DPDK port id */
	uint8_t  ip_version;        /* 4 or 6 */
	uint8_t  flags;             /* SL_DP_MATCH_* */
	uint16_t sport;             /* UDP source port (0 with ANY_SRC) */
	uint16_t dport;             /* UDP destination port */
	uint8_t  src[16];
	uint8_t  dst[16];
};

/* sl_dp_rewrite.flags */
enum {
	SL_DP_RW_IP  = 1u << 0,     /* set IP src/dst and UDP ports (anchoring) */
	SL_DP_RW_ETH = 1u << 1,     /* set Ethernet src/dst */
};

/* Rewrite of the outgoing packet. The IP version does not change. */
struct sl_dp_rewrite {
	uint8_t  flags;             /* SL_DP_RW_* */
	uint8_t  pad[3];
	uint16_t sport, dport;      /* host order */
	uint8_t  src[16], dst[16];  /* network order, IPv4 in the first 4 bytes */
	uint8_t  eth_src[6], eth_dst[6];
};

struct sl_dp_master_key {
	uint8_t  key[32];           /* suite key length bytes */
	uint8_t  salt[14];          /* suite salt length bytes */
	uint8_t  mki[4];            /* mki_len bytes, big-endian */
	uint8_t  pad[6];
	uint64_t lifetime;          /* packets; 0 = RFC 3711 maximum */
};

/* sl_dp_srtp.flags */
enum {
	SL_DP_SRTP_SSRC_SET           = 1u << 0, /* bind to .ssrc, else to the first good packet */
	SL_DP_SRTP_UNENCRYPTED_SRTP   = 1u << 1, /* RFC 4568 §6.3.2 */
	SL_DP_SRTP_UNENCRYPTED_SRTCP  = 1u << 2,
	SL_DP_SRTP_UNAUTHENTICATED    = 1u << 3,
};

/* One direction's SRTP crypto context (RFC 3711 §3.2), for RTP and RTCP. */
struct sl_dp_srtp {
	uint8_t  suite;             /* enum sl_srtp_suite (dataplane/srtp/srtp.h) */
	uint8_t  nkeys;             /* 1..SL_DP_MAX_KEYS */
	uint8_t  mki_len;           /* 0..4 */
	uint8_t  active_key;        /* outbound: key used to protect */
	uint16_t replay_window;     /* 0 = the data plane's --replay-window */
	uint16_t flags;             /* SL_DP_SRTP_* */
	uint32_t ssrc;
	uint32_t roc;               /* initial rollover counter */
	struct sl_dp_master_key keys[SL_DP_MAX_KEYS];
};

/* sl_dp_flow_spec.flags */
enum {
	SL_DP_FLOW_LATCH = 1u << 0, /* learn the remote from the first authenticated packet */
};

/*
 * A flow: one direction of one media leg. FLOW_ADD ignores .id (the data
 * plane assigns one, returned in SL_DP_OK.id). FLOW_MOD replaces everything
 * but .match of flow .id atomically: counters, the latched address and, if
 * the keys are the same, nothing else is lost; new keys start new contexts.
 */
struct sl_dp_flow_spec {
	uint64_t id;
	uint64_t peer_id;           /* reverse flow of the same leg (latching), 0 = none */
	uint64_t cookie;            /* opaque to the data plane (e.g. call id hash) */
	struct sl_dp_flow_match match;
	uint8_t  action;            /* enum sl_dp_action */
	uint8_t  flags;             /* SL_DP_FLOW_* */
	uint16_t out_port;          /* DPDK port id the result leaves on */
	uint16_t worker;            /* worker index; 0xffff = the data plane chooses */
	uint16_t pad;
	struct sl_dp_rewrite rewrite;
	uint8_t  pad2[4];
	struct sl_dp_srtp in;       /* UNPROTECT, REKEY */
	struct sl_dp_srtp out;      /* PROTECT, REKEY */
};

struct sl_dp_flow_ref {
	uint64_t id;
};

struct sl_dp_flow_counters {
	uint64_t pkts_in, bytes_in;         /* received and matched */
	uint64_t pkts_out, bytes_out;       /* sent */
	uint64_t rtcp_in, rtcp_out;         /* of which RTCP/SRTCP */
	uint64_t auth_fail;                 /* SRTP/SRTCP authentication failed */
	uint64_t replay;                    /* replayed or too old */
	uint64_t malformed;                 /* not RTP/RTCP, truncated, ... */
	uint64_t engine_err;                /* engine error: dropped */
	uint64_t other_drop;                /* key expired, MKI unknown, SSRC, TX full */
	uint64_t last_seen_ns;              /* CLOCK_REALTIME of the last packet in, 0 = never */
};

/* A flow as the data plane reports it: never any key bytes. */
struct sl_dp_flow_info {
	uint64_t id, peer_id, cookie;
	struct sl_dp_flow_match match;
	uint8_t  action, flags;
	uint16_t out_port;
	uint16_t worker;                    /* the worker that owns it */
	uint8_t  latched;                   /* 1 once the remote was learned */
	uint8_t  in_suite, out_suite;       /* 0xff = none */
	uint8_t  pad[7];
	uint32_t in_roc, out_roc;
	uint32_t in_ssrc, out_ssrc;         /* 0 until bound */
	struct sl_dp_rewrite rewrite;       /* current (latching updates dst) */
	uint16_t latched_sport;
	uint8_t  pad2[10];
	uint8_t  latched_src[16];
	struct sl_dp_flow_counters c;
};

struct sl_dp_flow_list_req {
	uint64_t cursor;                    /* 0 = from the start */
	uint32_t max;                       /* <= SL_DP_LIST_MAX */
	uint32_t pad;
};

struct sl_dp_flow_list_reply {
	uint64_t next_cursor;               /* 0 = no more */
	uint32_t count;                     /* sl_dp_flow_info entries that follow */
	uint32_t pad;
};

/* ---- counters and status --------------------------------------------- */

struct sl_dp_stats_req {
	uint32_t flags;                     /* reserved, 0 */
	uint32_t pad;
};

struct sl_dp_port_counters {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t rx_missed;                 /* ethdev imissed: NIC/queue overflow */
	uint64_t rx_nombuf;                 /* no mbuf for RX */
	uint64_t tx_drop;                   /* TX queue full: dropped by us */
	uint64_t no_flow;                   /* matched no flow (any policy) */
	uint64_t not_udp;                   /* not IPv4/IPv6 UDP: dropped */
	uint64_t malformed;                 /* bad Ethernet/IP/UDP framing */
};

struct sl_dp_worker_counters {
	uint64_t rx_pkts;                   /* polled from its RX queues */
	uint64_t handoff_out, handoff_in;   /* steered to / from other workers */
	uint64_t handoff_drop;              /* steering ring full */
	uint64_t processed;                 /* packets of its own flows */
	uint64_t busy_cycles, idle_polls;
};

struct sl_dp_stats {
	uint64_t uptime_ns;
	uint64_t flows, flows_capacity;
	uint64_t no_flow_drop;              /* default policy drop */
	uint64_t no_flow_punt;              /* default policy punt: queued for the control thread */
	uint64_t punt_drop;                 /* punts not delivered: ring full or no subscriber */
	uint64_t engine_err;
	uint64_t auth_fail, replay, malformed;
	uint64_t latch_events;
	uint32_t nports, nworkers;
	struct sl_dp_port_counters port[SL_DP_MAX_PORTS];
	struct sl_dp_worker_counters worker[SL_DP_MAX_WORKERS];
};

struct sl_dp_port_status {
	uint16_t port_id;
	uint8_t  link_up;
	uint8_t  pad;
	uint32_t speed_mbps;
	uint16_t nb_rxq, nb_txq;
	uint8_t  mac[6];
	uint8_t  pad2[2];
	char     name[64];                  /* ethdev name, e.g. net_af_packet0 */
	char     driver[32];
};

struct sl_dp_status {
	char     version[32];
	char     engine[32];                /* "ipsec-mb", "cryptodev", "openssl" */
	char     engine_args[64];           /* e.g. the crypto device name */
	uint8_t  default_policy;            /* 0 = drop, 1 = punt */
	uint8_t  pad[3];
	uint16_t replay_window;
	uint16_t nports;
	uint16_t nworkers;
	uint16_t pad2;
	uint32_t worker_lcore[SL_DP_MAX_WORKERS];
	struct sl_dp_port_status port[SL_DP_MAX_PORTS];
};

/* ---- events ------------------------------------------------------------ */

enum {
	SL_DP_SUB_PUNT  = 1u << 0,          /* packets matching no flow (policy punt) */
	SL_DP_SUB_LATCH = 1u << 1,          /* latching happened */
};

struct sl_dp_subscribe {
	uint32_t events;                    /* SL_DP_SUB_* ; 0 unsubscribes */
	uint32_t pad;
};

/* Followed by .len bytes of the packet from its Ethernet header. */
struct sl_dp_event_punt {
	uint16_t in_port;
	uint16_t len;                       /* <= SL_DP_PUNT_MAX */
	uint32_t orig_len;                  /* before truncation */
	uint64_t time_ns;
};

struct sl_dp_event_latch {
	uint64_t flow_id;
	uint8_t  ip_version;
	uint8_t  pad;
	uint16_t sport;
	uint32_t ssrc;
	uint8_t  src[16];
};

/*
 * Fixed body size of each message type (variable messages: their fixed
 * part). Used by the hello exchange and by both ends to check hdr.len.
 */
static inline uint32_t sl_dp_body_size(unsigned type)
{
	switch (type) {
	case 0:                      return sizeof(struct sl_dp_hdr);
	case SL_DP_HELLO:            return sizeof(struct sl_dp_hello);
	case SL_DP_OK:               return sizeof(struct sl_dp_ok);
	case SL_DP_ERROR:            return sizeof(struct sl_dp_error);
	case SL_DP_FLOW_ADD:
	case SL_DP_FLOW_MOD:         return sizeof(struct sl_dp_flow_spec);
	case SL_DP_FLOW_DEL:
	case SL_DP_FLOW_GET:
	case SL_DP_FLOW_FLUSH:       return sizeof(struct sl_dp_flow_ref);
	case SL_DP_FLOW_INFO:        return sizeof(struct sl_dp_flow_info);
	case SL_DP_FLOW_LIST:        return sizeof(struct sl_dp_flow_list_req);
	case SL_DP_FLOW_LIST_REPLY:  return sizeof(struct sl_dp_flow_list_reply);
	case SL_DP_STATS_GET:
	case SL_DP_STATUS_GET:       return sizeof(struct sl_dp_stats_req);
	case SL_DP_STATS:            return sizeof(struct sl_dp_stats);
	case SL_DP_STATUS:           return sizeof(struct sl_dp_status);
	case SL_DP_SUBSCRIBE:        return sizeof(struct sl_dp_subscribe);
	case SL_DP_EVENT_PUNT:       return sizeof(struct sl_dp_event_punt);
	case SL_DP_EVENT_LATCH:      return sizeof(struct sl_dp_event_latch);
	default:                     return 0;
	}
}

/* Variable-length messages: fixed part followed by data. */
static inline int sl_dp_is_variable(unsigned type)
{
	return type == SL_DP_FLOW_LIST_REPLY || type == SL_DP_EVENT_PUNT;
}

static_assert(sizeof(struct sl_dp_hdr) == 16, "hdr");
static_assert(sizeof(struct sl_dp_flow_match) == 40, "match");
static_assert(sizeof(struct sl_dp_rewrite) == 52, "rewrite");
static_assert(sizeof(struct sl_dp_master_key) == 64, "master key");
static_assert(sizeof(struct sl_dp_srtp) == 16 + 64 * SL_DP_MAX_KEYS, "srtp");
static_assert(sizeof(struct sl_dp_stats) <= SL_DP_MSG_MAX, "stats fits");
static_assert(sizeof(struct sl_dp_status) <= SL_DP_MSG_MAX, "status fits");
static_assert(sizeof(struct sl_dp_flow_list_reply) +
	      SL_DP_LIST_MAX * sizeof(struct sl_dp_flow_info) <= SL_DP_MSG_MAX, "list fits");

#endif
