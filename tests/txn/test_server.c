/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server transactions (RFC 3261 §17.2, RFC 6026) over UDP and TCP, with a
 * fake transport and a fake clock (T1 = 500, T2 = 4000, T4 = 5000 ms).
 */
#include <netinet/in.h>
#include <string.h>

#include "harness.h"

#define BR1 "z9hG4bKsrv1"
#define BR2 "z9hG4bKsrv2"

static struct sl_txn *invite_in(const struct sl_tp_peer *peer)
{
	h_feed(h_req("INVITE", BR1, "INVITE", 5060, NULL), peer);
	ck_assert_uint_eq(H.nreq, 1);
	ck_assert_int_eq(sl_txn_kind(H.req_txn[0]), SL_TXN_SERVER_INVITE);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);
	ck_assert_uint_eq(H.nsent, 0);	/* no automatic 100 Trying (the TU's call) */
	return H.req_txn[0];
}

/* The ACK of the 2xx: a new branch, the To tag of the 2xx (§13.2.2.4). */
static const char *ack2xx(const char *to_tag)
{
	return h_req("ACK", "z9hG4bKack2xx", "ACK", 5060, to_tag);
}

START_TEST(inv_udp_non2xx_ack)
{
	struct sl_txn *st;
	/* timer G from t = 100: T1 doubling, capped at T2 (§17.2.1) */
	const uint64_t g[] = { 600, 1600, 3600, 7600, 11600, 15600 };

	h_setup();
	st = invite_in(&PEER_UDP);
	h_respond(st, 180, "tt", 0);
	ck_assert_uint_eq(H.nsent, 1);
	ck_assert_int_eq(h_sent_status(0), 180);
	ck_assert_int_eq(H.sent[0].d.proto, SL_TP_UDP);
	ck_assert_int_eq(memcmp(&H.sent[0].d.addr, &sl_txn_peer(st)->remote,
				sizeof(struct sockaddr_in)), 0);
	/* INVITE retransmission: the last provisional again, no new request */
	h_run_to(100);
	h_feed(h_req("INVITE", BR1, "INVITE", 5060, NULL), &PEER_UDP);
	ck_assert_uint_eq(H.nreq, 1);
	ck_assert_uint_eq(H.nsent, 2);
	ck_assert_int_eq(h_sent_status(1), 180);

	h_respond(st, 486, "tt", 0);
	ck_assert_int_eq(sl_txn_status(st), 486);
	h_respond(st, 200, "tt", -22);	/* after a final: -EINVAL */
	h_run_to(16100);
	ck_assert_uint_eq(H.nsent, 3 + 6);
	for (unsigned i = 0; i < 6; i++) {
		ck_assert_uint_eq(H.sent[3 + i].at, g[i]);
		ck_assert_int_eq(h_sent_status(3 + i), 486);
	}
	/* the request again: the final again */
	h_feed(h_req("INVITE", BR1, "INVITE", 5060, NULL), &PEER_UDP);
	ck_assert_uint_eq(H.nsent, 10);
	ck_assert_int_eq(h_sent_status(9), 486);
	/* ACK (same branch): Confirmed, no more retransmissions, not to the TU */
	h_feed(h_req("ACK", BR1, "ACK", 5060, "tt"), &PEER_UDP);
	ck_assert_uint_eq(H.nack, 0);
	h_feed(h_req("ACK", BR1, "ACK", 5060, "tt"), &PEER_UDP);	/* absorbed */
	h_feed(h_req("INVITE", BR1, "INVITE", 5060, NULL), &PEER_UDP);	/* absorbed */
	ck_assert_uint_eq(H.nack, 0);
	h_run_to(16100 + 4999);
	ck_assert_uint_eq(H.nsent, 10);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);
	h_run_to(16100 + 5000);		/* timer I = T4 */
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nfree, 1);
	ck_assert_uint_eq(H.nserver_err, 0);
	h_teardown();
}
END_TEST

START_TEST(inv_udp_timer_h)
{
	struct sl_txn *st;

	h_setup();
	st = invite_in(&PEER_UDP);
	h_respond(st, 603, "tt", 0);
	h_run_to(31999);
	ck_assert_uint_eq(H.nserver_err, 0);
	/* 500, 1500, 3500, 7500, then every T2: 11500 ... 31500 */
	ck_assert_uint_eq(H.nsent, 1 + 10);
	h_run_to(32000);
	ck_assert_uint_eq(H.nserver_err, 1);	/* timer H = 64*T1 */
	ck_assert_uint_eq(H.server_err_at, 32000);
	ck_assert_uint_eq(H.nfree, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	h_teardown();
}
END_TEST

START_TEST(inv_udp_2xx_accepted)
{
	struct sl_txn *st;
	const uint64_t r[] = { 500, 1500, 3500, 7500, 11500 };

	h_setup();
	st = invite_in(&PEER_UDP);
	h_respond(st, 200, "tt2", 0);
	ck_assert_int_eq(sl_txn_status(st), 200);
	h_run_to(12000);
	ck_assert_uint_eq(H.nsent, 6);
	for (unsigned i = 0; i < 5; i++) {
		ck_assert_uint_eq(H.sent[1 + i].at, r[i]);
		ck_assert_int_eq(h_sent_status(1 + i), 200);
	}
	/* INVITE retransmission in Accepted: absorbed (RFC 6026 §8.7) */
	h_feed(h_req("INVITE", BR1, "INVITE", 5060, NULL), &PEER_UDP);
	ck_assert_uint_eq(H.nsent, 6);
	ck_assert_uint_eq(H.nreq, 1);
	/* an ACK for another dialog (wrong To tag) does not stop it */
	h_feed(ack2xx("other"), &PEER_UDP);
	ck_assert_uint_eq(H.nack, 1);
	h_run_to(15500);
	ck_assert_uint_eq(H.nsent, 7);
	/* the ACK of this dialog: to the TU, retransmissions stop */
	h_feed(ack2xx("tt2"), &PEER_UDP);
	ck_assert_uint_eq(H.nack, 2);
	h_run_to(31999);
	ck_assert_uint_eq(H.nsent, 7);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);	/* kept until L */
	h_run_to(32000);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nserver_err, 0);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(inv_udp_2xx_timer_l)
{
	struct sl_txn *st;

	h_setup();
	st = invite_in(&PEER_UDP);
	h_respond(st, 200, "tt2", 0);
	h_run_to(31999);
	ck_assert_uint_eq(H.nserver_err, 0);
	ck_assert_uint_eq(H.nsent, 1 + 10);	/* 500 .. 31500, T2 cap */
	h_run_to(32000);
	ck_assert_uint_eq(H.nserver_err, 1);	/* no ACK before timer L */
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(inv_tcp)
{
	struct sl_txn *st;

	/* non-2xx over TCP: no G, timer I = 0 on the ACK */
	h_setup();
	st = invite_in(&PEER_TCP);
	h_respond(st, 486, "tt", 0);
	ck_assert_int_eq(H.sent[0].d.proto, SL_TP_TCP);
	ck_assert_uint_eq(H.sent[0].d.conn_id, 42);
	h_run_to(20000);
	ck_assert_uint_eq(H.nsent, 1);
	h_feed(h_req("ACK", BR1, "ACK", 5060, "tt"), &PEER_TCP);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();

	/* 2xx over TCP: no retransmission, ends on the ACK */
	h_setup();
	st = invite_in(&PEER_TCP);
	h_respond(st, 200, "tt2", 0);
	h_run_to(20000);
	ck_assert_uint_eq(H.nsent, 1);
	h_feed(ack2xx("tt2"), &PEER_TCP);
	ck_assert_uint_eq(H.nack, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nserver_err, 0);
	h_teardown();

	/* 2xx over TCP and no ACK: timer L still applies */
	h_setup();
	st = invite_in(&PEER_TCP);
	h_respond(st, 200, "tt2", 0);
	h_run_to(32000);
	ck_assert_uint_eq(H.nsent, 1);
	ck_assert_uint_eq(H.nserver_err, 1);
	h_teardown();
}
END_TEST

START_TEST(noninv_udp)
{
	struct sl_txn *st;
	const char *reg = h_req("REGISTER", BR2, "REGISTER", 5060, NULL);

	h_setup();
	h_feed(reg, &PEER_UDP);
	ck_assert_uint_eq(H.nreq, 1);
	st = H.req_txn[0];
	ck_assert_int_eq(sl_txn_kind(st), SL_TXN_SERVER_NONINVITE);
	h_feed(reg, &PEER_UDP);		/* Trying: absorbed */
	ck_assert_uint_eq(H.nsent, 0);
	ck_assert_uint_eq(H.nreq, 1);
	h_respond(st, 100, NULL, 0);
	h_feed(reg, &PEER_UDP);		/* Proceeding: the provisional again */
	ck_assert_uint_eq(H.nsent, 2);
	ck_assert_int_eq(h_sent_status(1), 100);
	h_respond(st, 401, "t", 0);
	h_run_to(1000);
	ck_assert_uint_eq(H.nsent, 3);	/* no retransmission timer */
	h_feed(reg, &PEER_UDP);		/* Completed: the final again */
	ck_assert_uint_eq(H.nsent, 4);
	ck_assert_int_eq(h_sent_status(3), 401);
	h_respond(st, 200, "t", -22);
	h_run_to(31999);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);
	h_run_to(32000);		/* timer J = 64*T1 */
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(noninv_tcp)
{
	h_setup();
	h_feed(h_req("OPTIONS", BR2, "OPTIONS", 5060, NULL), &PEER_TCP);
	ck_assert_uint_eq(H.nreq, 1);
	h_respond(H.req_txn[0], 200, "t", 0);	/* timer J = 0: gone at once */
	ck_assert_uint_eq(H.nfree, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	/* responding from inside on_request works too */
	H.auto_status = 200;
	h_feed(h_req("OPTIONS", "z9hG4bKsrv3", "OPTIONS", 5060, NULL), &PEER_TCP);
	ck_assert_uint_eq(H.nreq, 2);
	ck_assert_uint_eq(H.nfree, 2);
	ck_assert_uint_eq(H.nsent, 2);
	h_teardown();
}
END_TEST

START_TEST(cancel_matching)
{
	struct sl_txn *inv, *can;
	const char *cancel = h_req("CANCEL", BR1, "CANCEL", 5060, NULL);
	const struct sl_sip_msg *m;

	h_setup();
	inv = invite_in(&PEER_UDP);
	h_respond(inv, 180, "tt", 0);
	h_feed(cancel, &PEER_UDP);	/* its own transaction (§9.2) */
	ck_assert_uint_eq(H.nreq, 2);
	can = H.req_txn[1];
	ck_assert_ptr_ne(can, inv);
	ck_assert_int_eq(sl_txn_kind(can), SL_TXN_SERVER_NONINVITE);
	ck_assert_ptr_eq(sl_txl_match_cancel(H.l, sl_txn_request(can), sl_txn_peer(can)), inv);
	m = h_parse(h_req("CANCEL", "z9hG4bKnone", "CANCEL", 5060, NULL), strlen(cancel));
	ck_assert_ptr_null(sl_txl_match_cancel(H.l, m, &PEER_UDP));
	m = h_parse(h_req("CANCEL", BR1, "CANCEL", 5070, NULL), strlen(cancel));
	ck_assert_ptr_null(sl_txl_match_cancel(H.l, m, &PEER_UDP));	/* other sent-by */
	h_respond(can, 200, "tt", 0);
	h_respond(inv, 487, "tt", 0);
	/* the CANCEL again: its own 200, not the INVITE's 487 */
	h_feed(cancel, &PEER_UDP);
	ck_assert_int_eq(h_sent_status(H.nsent - 1), 200);
	ck_assert_uint_eq(H.nreq, 2);
	h_teardown();
}
END_TEST

START_TEST(matching_rules)
{
	h_setup();
	h_feed(h_req("INVITE", BR1, "INVITE", 5060, NULL), &PEER_UDP);
	/* same branch, other sent-by port: another transaction (§17.2.3) */
	h_feed(h_req("INVITE", BR1, "INVITE", 5070, NULL), &PEER_UDP);
	ck_assert_uint_eq(H.nreq, 2);
	/* same branch and sent-by, other method: another transaction */
	h_feed(h_req("OPTIONS", BR1, "OPTIONS", 5060, NULL), &PEER_UDP);
	ck_assert_uint_eq(H.nreq, 3);
	ck_assert_ptr_eq(sl_txl_find_server(H.l, h_parse(h_req("ACK", BR1, "ACK", 5060, NULL),
			 strlen(h_req("ACK", BR1, "ACK", 5060, NULL)))), H.req_txn[0]);
	/* no magic cookie (RFC 2543): no transaction (the owner answers 400) */
	h_feed(h_req("OPTIONS", "old1", "OPTIONS", 5060, NULL), &PEER_UDP);
	ck_assert_uint_eq(H.nreq, 3);
	ck_assert_uint_eq(sl_txl_count(H.l), 3);
	h_teardown();
}
END_TEST

/* A request whose From has no tag (RFC 2543 peers, §8.1.1.3 makes it a MUST
 * only for us) still makes a transaction: its key has an empty From tag part,
 * copied without handing memcpy the parser's NULL slice (UBSan caught that). */
START_TEST(request_without_from_tag)
{
	static const char req[] =
		"OPTIONS sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnotag\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:alice@example.com>\r\n"
		"To: <sip:bob@example.com>\r\n"
		"Call-ID: notag@192.0.2.10\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n";

	h_setup();
	h_feed(req, &PEER_UDP);
	ck_assert_uint_eq(H.nreq, 1);
	h_feed(req, &PEER_UDP);		/* the retransmission matches it */
	ck_assert_uint_eq(H.nreq, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);
	h_respond(H.req_txn[0], 400, "t", 0);
	ck_assert_int_eq(h_sent_status(0), 400);
	h_teardown();
}
END_TEST

START_TEST(server_transport_errors)
{
	struct sl_txn *st;

	/* the response cannot be sent */
	h_setup();
	st = invite_in(&PEER_TCP);
	H.fail_send = 1;
	h_respond(st, 486, "tt", -104);
	ck_assert_uint_eq(H.nserver_err, 1);
	ck_assert_uint_eq(H.nfree, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	h_teardown();

	/* a retransmission (timer G) cannot be sent */
	h_setup();
	st = invite_in(&PEER_UDP);
	h_respond(st, 486, "tt", 0);
	H.fail_send = 1;
	h_run_to(500);
	ck_assert_uint_eq(H.nserver_err, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	h_run_to(40000);
	ck_assert_uint_eq(H.nserver_err, 1);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(bounded)
{
	const char *r1 = h_req("OPTIONS", "z9hG4bKb1", "OPTIONS", 5060, NULL);
	const char *r3 = h_req("OPTIONS", "z9hG4bKb3", "OPTIONS", 5060, NULL);

	h_setup_max(2);
	h_feed(r1, &PEER_UDP);
	h_feed(h_req("OPTIONS", "z9hG4bKb2", "OPTIONS", 5060, NULL), &PEER_UDP);
	h_feed(r3, &PEER_UDP);
	ck_assert_uint_eq(H.nreq, 2);		/* full: no third transaction */
	ck_assert_uint_eq(sl_txl_count(H.l), 2);
	ck_assert_uint_eq(H.nsent, 0);		/* and no answer from the layer */
	ck_assert_ptr_null(sl_txl_find_server(H.l, h_parse(r3, strlen(r3))));
	h_respond(H.req_txn[0], 200, "t", 0);
	h_feed(r1, &PEER_UDP);			/* existing ones still work */
	ck_assert_uint_eq(H.nsent, 2);
	h_teardown();
}
END_TEST

START_TEST(respond_bad_input)
{
	struct sl_txn *st;

	h_setup();
	st = invite_in(&PEER_UDP);
	ck_assert_int_eq(sl_txn_respond(st, "garbage", 7, 0), -22);
	ck_assert_int_eq(sl_txn_respond(st, h_req("BYE", BR1, "BYE", 5060, NULL),
					strlen(h_req("BYE", BR1, "BYE", 5060, NULL)), 0), -22);
	/* a response to another request (CSeq method) */
	ck_assert_int_eq(sl_txn_respond(st, h_resp(h_req("BYE", BR1, "BYE", 5060, NULL), 200, "t"),
					strlen(h_resp(h_req("BYE", BR1, "BYE", 5060, NULL), 200, "t")),
					0), -22);
	ck_assert_uint_eq(H.nsent, 0);
	sl_txn_set_user(st, &H);
	ck_assert_ptr_eq(sl_txn_user(st), &H);
	h_teardown();		/* a live transaction is freed with the layer */
}
END_TEST

Suite *server_suite(void)
{
	Suite *s = suite_create("server");
	TCase *tc = tcase_create("server");

	tcase_add_test(tc, inv_udp_non2xx_ack);
	tcase_add_test(tc, inv_udp_timer_h);
	tcase_add_test(tc, inv_udp_2xx_accepted);
	tcase_add_test(tc, inv_udp_2xx_timer_l);
	tcase_add_test(tc, inv_tcp);
	tcase_add_test(tc, noninv_udp);
	tcase_add_test(tc, noninv_tcp);
	tcase_add_test(tc, cancel_matching);
	tcase_add_test(tc, matching_rules);
	tcase_add_test(tc, request_without_from_tag);
	tcase_add_test(tc, server_transport_errors);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, respond_bad_input);
	suite_add_tcase(s, tc);
	return s;
}
