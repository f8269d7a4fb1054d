/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP transactions (RFC 3261 §17, with RFC 6026's Accepted state) and the
 * message building the layers above need. No I/O and no clock of its own:
 * the owner passes messages in, gets sends out through ops->send, and calls
 * sl_txl_tick() with the current time (ms) every few tens of milliseconds;
 * timers A..M run off those ticks. Reliable transports (TCP/TLS) get no
 * retransmissions and zero T/D/I/J/K waits, as §17 says.
 *
 * Server transactions are matched per §17.2.3 (branch + sent-by + method,
 * ACK to the INVITE transaction), client transactions per §17.1.3 (branch +
 * CSeq method). Requests without an RFC 3261 branch (RFC 2543 peers) are
 * refused with 400 by the owner before they get here (documented).
 */
#ifndef SL_TXN_H
#define SL_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sip.h"
#include "transport.h"	/* controlplane/transport: struct sl_tp_peer, enum sl_tp_proto */

struct sl_txl;
struct sl_txn;

/* Where a message goes: a connection, or an address (UDP, or new TCP/TLS). */
struct sl_txn_dest {
	enum sl_tp_proto proto;
	uint64_t conn_id;			/* 0 = by address */
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

enum sl_txn_kind {
	SL_TXN_SERVER_INVITE, SL_TXN_SERVER_NONINVITE,
	SL_TXN_CLIENT_INVITE, SL_TXN_CLIENT_NONINVITE,
};

struct sl_txl_ops {
	void *arg;
	/* Sends bytes; returns 0 or -errno (a failure is a transport error, §17.1.4/§17.2.4). */
	int (*send)(void *arg, const struct sl_txn_dest *d, const char *buf, size_t len);
	/* A new request created server transaction st; the TU answers with
	 * sl_txn_respond(). Not called for retransmissions or ACKs. */
	void (*on_request)(void *arg, struct sl_txn *st, const struct sl_sip_msg *req,
			   const struct sl_tp_peer *peer);
	/* An ACK that matched no server transaction (the ACK of a 2xx, §13.3.1.4). */
	void (*on_ack)(void *arg, const struct sl_sip_msg *ack, const struct sl_tp_peer *peer);
	/* A response for client transaction ct (1xx and final; retransmitted
	 * finals are absorbed, except 2xx to INVITE, which reach the TU again). */
	void (*on_response)(void *arg, struct sl_txn *ct, const struct sl_sip_msg *resp,
			    const struct sl_tp_peer *peer);
	/* A response matching no client transaction (stray 2xx retransmission). */
	void (*on_stray_response)(void *arg, const struct sl_sip_msg *resp,
				  const struct sl_tp_peer *peer);
	/* Client transaction failed without a final response: timer B/F (408)
	 * or transport error (503), as §8.1.3.1 says to treat them. */
	void (*on_client_error)(void *arg, struct sl_txn *ct, int code);
	/* Server INVITE transaction: no ACK for a non-2xx final (timer H), or
	 * no ACK for a 2xx before timer L (RFC 6026), or transport error. */
	void (*on_server_error)(void *arg, struct sl_txn *st, const char *why);
	/* The transaction is about to be freed (drop TU pointers to it). */
	void (*on_free)(void *arg, struct sl_txn *t);
};

struct sl_txl_cfg {
	unsigned t1_ms;		/* default 500 */
	unsigned t2_ms;		/* default 4000 */
	unsigned t4_ms;		/* default 5000 */
	unsigned max_txns;	/* refuse new server txns beyond this (503); default 65536 */
};

struct sl_txl *sl_txl_new(const struct sl_txl_cfg *cfg, const struct sl_txl_ops *ops);
void sl_txl_free(struct sl_txl *l);	/* frees all transactions (on_free called) */

/*
 * Feeds one parsed message (raw bytes too: server transactions keep a copy
 * of the request, client ones match responses). now_ms drives timers.
 */
void sl_txl_input(struct sl_txl *l, const struct sl_sip_msg *m, const char *raw, size_t rawlen,
		  const struct sl_tp_peer *peer, uint64_t now_ms);
/* Runs due timers. */
void sl_txl_tick(struct sl_txl *l, uint64_t now_ms);
unsigned sl_txl_count(const struct sl_txl *l);

/* Server transactions. */
/* Sends a response (built with sl_sip_build_response). 1xx keeps the
 * transaction proceeding; a final one completes it. -EINVAL after a final. */
int sl_txn_respond(struct sl_txn *st, const char *buf, size_t len, uint64_t now_ms);
/* The request that created st (parsed) and its source. The parsed request
 * is kept only until the transaction has its final response (it is 44 KB and
 * the transaction may linger for 64*T1): NULL after that. */
const struct sl_sip_msg *sl_txn_request(const struct sl_txn *t);
const struct sl_tp_peer *sl_txn_peer(const struct sl_txn *st);
/* The INVITE server transaction a CANCEL refers to (§9.2), or NULL. */
struct sl_txn *sl_txl_match_cancel(struct sl_txl *l, const struct sl_sip_msg *cancel,
				   const struct sl_tp_peer *peer);
/* (Added by the txn task.) The server transaction req belongs to (§17.2.3;
 * an ACK: its INVITE transaction), or NULL when req would start a new one.
 * With sl_txl_count() >= max_txns the TU answers a request that matches
 * nothing with a stateless 503 + Retry-After before sl_txl_input(), which
 * creates no transaction then and answers nothing itself. */
struct sl_txn *sl_txl_find_server(struct sl_txl *l, const struct sl_sip_msg *req);
/* The transaction a response was last sent on, final status or 0. */
int sl_txn_status(const struct sl_txn *t);

/* Client transactions: buf is a complete request whose top Via carries
 * branch; method is its method. The transaction owns a copy. NULL on error
 * (the send failed or out of memory). */
struct sl_txn *sl_txl_request(struct sl_txl *l, const struct sl_txn_dest *d,
			      const char *buf, size_t len, uint64_t now_ms);
/* The request a client transaction sent (parsed) and where it went. */
const struct sl_txn_dest *sl_txn_dest(const struct sl_txn *t);

enum sl_txn_kind sl_txn_kind(const struct sl_txn *t);
void sl_txn_set_user(struct sl_txn *t, void *user);
void *sl_txn_user(const struct sl_txn *t);

/* ---- building messages ---- */

/* Random tokens: branch "z9hG4bK" + 22 chars; tags and Call-IDs 16+ chars. */
void sl_sip_new_branch(char out[32]);
void sl_sip_new_tag(char out[24]);
void sl_sip_new_callid(char out[48], const char *host);

/*
 * A response to req (RFC 3261 §8.2.6): status line, every Via, From, To
 * (with to_tag added if To has none and to_tag != NULL), Call-ID, CSeq, then
 * extra (zero or more complete "Name: value\r\n" lines, may be NULL), then
 * Content-Type (if body), Content-Length and the body. reason NULL = the
 * standard phrase. Returns the length, or -ENOSPC.
 */
int sl_sip_build_response(char *out, size_t cap, const struct sl_sip_msg *req, int code,
			  const char *reason, const char *to_tag, const char *extra,
			  const char *body_type, const char *body, size_t body_len);

/* Standard reason phrase for a code ("Unauthorized"), "Unknown" otherwise. */
const char *sl_sip_reason(int code);

/*
 * ACK for a non-2xx final response to invite (§17.1.1.3): same Request-URI,
 * top Via, From, Call-ID, CSeq number, Route; To from resp. Returns length
 * or -ENOSPC. The client INVITE transaction sends it itself; exposed for tests.
 */
int sl_sip_build_ack_non2xx(char *out, size_t cap, const struct sl_sip_msg *invite,
			    const struct sl_sip_msg *resp);

/* CANCEL for a pending INVITE (§9.1): same Request-URI, top Via, From, To,
 * Call-ID, CSeq number with method CANCEL, Route. */
int sl_sip_build_cancel(char *out, size_t cap, const struct sl_sip_msg *invite);

#endif
