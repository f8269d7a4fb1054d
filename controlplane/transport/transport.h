/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP transports of shieldlockd's network child (RFC 3261 §18), on libevent:
 * UDP sockets, TCP and TLS listeners (libevent OpenSSL bufferevents), outgoing
 * TCP/TLS connections, stream framing with sl_sip_frame(), CRLF keepalives
 * answered (RFC 5626 §3.5.1), idle timeouts, connection limits.
 *
 * The transport parses nothing above framing: each complete message (or UDP
 * datagram) goes to the on_message callback with its source. Every accepted
 * connection has a 64-bit id that is never reused, so the registrar can send
 * requests back "over the connection it registered on" (RFC 5626 spirit,
 * RFC 3261 §18.2.2) and learns when it closes.
 *
 * TLS: TLS 1.2 and 1.3 only (min version configurable), the configured cipher
 * lists, server certificate + key from files, client certificates requested
 * and verified against a CApath trust store; a connection whose client
 * certificate fails verification is refused in the handshake only when the
 * listener requires one (see sl_tp_tls_cfg.require_client_cert); otherwise
 * the verification result is reported in sl_tp_peer so the SIP layer can
 * apply the device's security mode. Certificates can be replaced at run time
 * (SIGHUP) without dropping connections.
 */
#ifndef SL_SIPD_TRANSPORT_H
#define SL_SIPD_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct sl_tp;

enum sl_tp_proto { SL_TP_UDP = 0, SL_TP_TCP = 1, SL_TP_TLS = 2 };
const char *sl_tp_proto_name(enum sl_tp_proto p);	/* "UDP", "TCP", "TLS" (Via form) */

/* Who sent a message, and how. */
struct sl_tp_peer {
	enum sl_tp_proto proto;
	uint64_t conn_id;		/* 0 for UDP */
	struct sockaddr_storage remote;	/* source address */
	socklen_t remote_len;
	struct sockaddr_storage local;	/* address it arrived on */
	socklen_t local_len;
	/* TLS only: */
	bool cert_present;		/* client presented a certificate */
	bool cert_verified;		/* and it verified against the trust store */
	char cert_subject_cn[128];	/* subject commonName, "" if none */
	char cert_sans[512];		/* DNS/URI SANs, comma-separated, "" if none */
	char cert_sha256[65];		/* lowercase hex fingerprint of the leaf */
	char tls_version[16];		/* "TLSv1.3" */
	char tls_cipher[64];
};

/* Formats "10.77.1.2:5061" / "[fd53::2]:5061". */
void sl_tp_addr_str(const struct sockaddr_storage *a, char *out, size_t len);

struct sl_tp_tls_cfg {
	const char *cert_file;		/* PEM chain, leaf first */
	const char *key_file;
	const char *trust_dir;		/* CApath (c_rehash names); NULL = none */
	/* The same in memory (PEM), for a process that cannot read the files:
	 * when cert_pem is set, the chain, the key and the trust anchors come
	 * from these and the names above only label messages. trust_pem holds
	 * every trust anchor (NULL = none); trust_dir is then not read. */
	const char *cert_pem, *key_pem, *trust_pem;
	size_t cert_pem_len, key_pem_len, trust_pem_len;
	int min_version;		/* TLS1_2_VERSION or TLS1_3_VERSION */
	const char *ciphers;		/* TLS 1.2 list, NULL = default ECDHE+AEAD */
	const char *ciphersuites;	/* TLS 1.3, NULL = OpenSSL default */
	bool require_client_cert;	/* fail the handshake without a verified cert */
	const char *keylog_file;	/* NSS key log for tshark, NULL = off (tests) */
};

struct sl_tp_callbacks {
	void *arg;
	/* One framed SIP message (not NUL-terminated; valid during the call). */
	void (*on_message)(void *arg, const struct sl_tp_peer *peer, const char *buf, size_t len);
	/* A TCP/TLS connection closed (by either side, or error/idle). */
	void (*on_close)(void *arg, uint64_t conn_id, const char *why);
};

struct sl_tp_cfg {
	unsigned max_connections;	/* refuse (close at once) beyond this */
	unsigned idle_timeout_s;	/* close connections silent this long; 0 = never */
	size_t max_message;		/* bytes; larger frames close the connection */
};

/* NULL on error with a message in err. */
struct sl_tp *sl_tp_new(struct event_base *base, const struct sl_tp_cfg *cfg,
			const struct sl_tp_callbacks *cb, char *err, size_t errlen);
void sl_tp_free(struct sl_tp *tp);	/* closes everything */

/* Listeners; host is a numeric literal. TLS needs sl_tp_set_tls() first. */
int sl_tp_listen(struct sl_tp *tp, enum sl_tp_proto proto, const char *host, uint16_t port,
		 char *err, size_t errlen);
/*
 * Port of the idx-th listener (0-based, in sl_tp_listen() order) of proto;
 * useful after listening on port 0. -ENOENT if there is none.
 */
int sl_tp_listen_port(struct sl_tp *tp, enum sl_tp_proto proto, unsigned idx);
/* Installs or replaces the TLS server context (new handshakes use it). */
int sl_tp_set_tls(struct sl_tp *tp, const struct sl_tp_tls_cfg *cfg, char *err, size_t errlen);

/*
 * Sends a message. Over TCP/TLS with conn_id != 0: on that connection
 * (-ENOTCONN if it is gone). With conn_id == 0: UDP datagram from the first
 * UDP socket of the right family, or for TCP/TLS a new (or an existing idle)
 * outgoing connection to dst, whose id is stored in *new_conn_id (may be
 * NULL). Returns 0 or -errno with a message in err.
 */
int sl_tp_send(struct sl_tp *tp, enum sl_tp_proto proto, uint64_t conn_id,
	       const struct sockaddr_storage *dst, socklen_t dstlen,
	       const char *buf, size_t len, uint64_t *new_conn_id, char *err, size_t errlen);

/* Peer info of a live connection (TLS details included); -ENOENT if gone. */
int sl_tp_conn_peer(struct sl_tp *tp, uint64_t conn_id, struct sl_tp_peer *out);
void sl_tp_close(struct sl_tp *tp, uint64_t conn_id);

struct sl_tp_stats {
	uint64_t udp_rx, udp_tx, stream_rx, stream_tx;
	uint64_t conns_open, conns_accepted, conns_refused, tls_handshake_failed;
	uint64_t keepalives, framing_errors, oversized;
};
void sl_tp_stats(const struct sl_tp *tp, struct sl_tp_stats *out);

#endif
