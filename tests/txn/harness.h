/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness of the transaction layer: a fake transport that records what
 * is sent (and can be told to fail), a fake clock driven 1 ms at a time,
 * callbacks that record events and check that on_free comes once for every
 * transaction the TU ever saw.
 */
#ifndef TXN_HARNESS_H
#define TXN_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "txn.h"

enum { H_MAX_SENT = 128, H_MAX_EV = 64, H_MAX_LIVE = 64, H_BUF = 4096 };

struct h_sent {
	char buf[H_BUF];
	size_t len;
	struct sl_txn_dest d;
	uint64_t at;
};

struct h_state {
	struct sl_txl *l;
	uint64_t now;
	int fail_send;			/* > 0: that many next sends fail */
	struct h_sent sent[H_MAX_SENT];
	unsigned nsent;
	/* events */
	struct sl_txn *req_txn[H_MAX_EV];
	unsigned nreq;
	unsigned nack;
	int resp_status[H_MAX_EV];
	uint64_t resp_at[H_MAX_EV];
	unsigned nresp;
	unsigned nstray;
	int client_err[H_MAX_EV];
	uint64_t client_err_at[H_MAX_EV];
	unsigned nclient_err;
	unsigned nserver_err;
	uint64_t server_err_at;
	unsigned nfree;
	/* transactions seen and not yet freed */
	struct sl_txn *live[H_MAX_LIVE];
	unsigned nlive;
	/* on_request: answer at once with this status (0 = do not) */
	int auto_status;
};

extern struct h_state H;
extern const struct sl_tp_peer PEER_UDP, PEER_TCP;
extern const struct sl_txn_dest DEST_UDP, DEST_TCP;

void h_setup(void);		/* T1 500, T2 4000, T4 5000 */
void h_setup_max(unsigned max_txns);
void h_teardown(void);		/* frees the layer: every live txn freed once */
void h_track(struct sl_txn *t);
void h_run_to(uint64_t t);	/* ticks every ms up to t */

/* Parses text (must parse) into a static message, returns it. */
const struct sl_sip_msg *h_parse(const char *text, size_t len);
void h_feed(const char *text, const struct sl_tp_peer *peer);

/* A request: method, branch, CSeq method, sent-by port, To tag (NULL). */
const char *h_req(const char *method, const char *branch, const char *cseq_method,
		  int port, const char *to_tag);
/* A response with code to request text req (To tag added for code > 100). */
const char *h_resp(const char *req, int code, const char *to_tag);
void h_respond(struct sl_txn *st, int code, const char *to_tag, int want_rc);

/* The sends at times [from, to] (count). */
unsigned h_sends_between(uint64_t from, uint64_t to);
/* Status code of sent message i (0 for a request), method for requests. */
int h_sent_status(unsigned i);
bool h_sent_method(unsigned i, const char *method);

Suite *build_suite(void);
Suite *server_suite(void);
Suite *client_suite(void);

#endif
