/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client transactions (RFC 3261 §17.1, RFC 6026 §7.2) over UDP and TCP,
 * with a fake transport and a fake clock (T1 = 500, T2 = 4000, T4 = 5000).
 */
#include <string.h>

#include "harness.h"

#define CB1 "z9hG4bKcli1"

static const char *invite(void)
{
	return h_req("INVITE", CB1, "INVITE", 5060, NULL);
}

static struct sl_txn *send_req(const char *text, const struct sl_txn_dest *d)
{
	struct sl_txn *ct = sl_txl_request(H.l, d, text, strlen(text), H.now);

	ck_assert_ptr_nonnull(ct);
	h_track(ct);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);
	ck_assert_str_eq(H.sent[H.nsent - 1].buf, text);
	ck_assert_int_eq(sl_txn_dest(ct)->proto, d->proto);
	return ct;
}

START_TEST(inv_udp_timer_a_b)
{
	/* timer A: T1, doubling without cap (§17.1.1.2) */
	const uint64_t a[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
	struct sl_txn *ct;

	h_setup();
	ct = send_req(invite(), &DEST_UDP);
	ck_assert_int_eq(sl_txn_kind(ct), SL_TXN_CLIENT_INVITE);
	h_run_to(31999);
	ck_assert_uint_eq(H.nsent, 7);
	for (unsigned i = 0; i < 7; i++) {
		ck_assert_uint_eq(H.sent[i].at, a[i]);
		ck_assert_str_eq(H.sent[i].buf, invite());
	}
	ck_assert_uint_eq(H.nclient_err, 0);
	h_run_to(32000);		/* timer B = 64*T1 */
	ck_assert_uint_eq(H.nclient_err, 1);
	ck_assert_int_eq(H.client_err[0], 408);
	ck_assert_uint_eq(H.nfree, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	h_teardown();
}
END_TEST

START_TEST(inv_udp_non2xx)
{
	const char *inv = invite();
	const char *r486 = h_resp(inv, 486, "uas1");
	const struct sl_sip_msg *ack;

	h_setup();
	send_req(inv, &DEST_UDP);
	h_run_to(200);
	h_feed(h_resp(inv, 100, NULL), &PEER_UDP);	/* Proceeding: no A, no B */
	ck_assert_uint_eq(H.nresp, 1);
	h_run_to(40000);
	ck_assert_uint_eq(H.nsent, 1);
	ck_assert_uint_eq(H.nclient_err, 0);
	h_feed(r486, &PEER_UDP);
	ck_assert_uint_eq(H.nresp, 2);
	ck_assert_int_eq(H.resp_status[1], 486);
	/* the ACK, sent by the transaction (§17.1.1.3) */
	ck_assert_uint_eq(H.nsent, 2);
	ack = h_parse(H.sent[1].buf, H.sent[1].len);
	ck_assert(sl_sip_str_ieq(ack->method, "ACK"));
	ck_assert(sl_sip_str_ieq(ack->cseq_method, "ACK"));
	ck_assert_uint_eq(ack->cseq, 1);
	ck_assert_uint_eq(ack->nvia, 1);
	ck_assert(ack->via[0].branch.n == strlen(CB1) &&
		  memcmp(ack->via[0].branch.p, CB1, strlen(CB1)) == 0);
	ck_assert(ack->to.has_tag && ack->to.tag.n == 4 && memcmp(ack->to.tag.p, "uas1", 4) == 0);
	/* a retransmitted 486: absorbed, ACKed again */
	h_run_to(41000);
	h_feed(r486, &PEER_UDP);
	ck_assert_uint_eq(H.nresp, 2);
	ck_assert_uint_eq(H.nsent, 3);
	ck_assert_str_eq(H.sent[2].buf, H.sent[1].buf);
	h_run_to(40000 + 31999);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);
	h_run_to(40000 + 32000);	/* timer D */
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(inv_udp_timer_c)
{
	const char *inv = invite();

	h_setup();
	send_req(inv, &DEST_UDP);
	h_feed(h_resp(inv, 180, "r"), &PEER_UDP);
	h_run_to(100000);
	h_feed(h_resp(inv, 180, "r"), &PEER_UDP);	/* restarts the bound */
	h_run_to(100000 + 179999);
	ck_assert_uint_eq(H.nclient_err, 0);
	ck_assert_uint_eq(H.nsent, 1);
	h_run_to(100000 + 180000);
	ck_assert_uint_eq(H.nclient_err, 1);
	ck_assert_int_eq(H.client_err[0], 408);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(inv_udp_2xx_accepted)
{
	const char *inv = invite();
	const char *r200 = h_resp(inv, 200, "uas2");

	h_setup();
	send_req(inv, &DEST_UDP);
	h_run_to(700);
	h_feed(r200, &PEER_UDP);
	ck_assert_uint_eq(H.nresp, 1);
	ck_assert_uint_eq(H.nsent, 2);		/* the INVITE and one A; no ACK */
	h_run_to(10000);
	ck_assert_uint_eq(H.nsent, 2);		/* A stopped */
	h_feed(r200, &PEER_UDP);		/* each 2xx to the TU (§13.2.2.4) */
	ck_assert_uint_eq(H.nresp, 2);
	ck_assert_int_eq(H.resp_status[1], 200);
	ck_assert_uint_eq(H.nsent, 2);
	h_feed(h_resp(inv, 486, "x"), &PEER_UDP);	/* absorbed */
	ck_assert_uint_eq(H.nresp, 2);
	h_run_to(700 + 31999);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);
	h_run_to(700 + 32000);			/* timer M */
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	h_feed(r200, &PEER_UDP);		/* now a stray */
	ck_assert_uint_eq(H.nstray, 1);
	ck_assert_uint_eq(H.nresp, 2);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(inv_tcp)
{
	const char *inv = invite();

	/* no A; B still 64*T1 */
	h_setup();
	send_req(inv, &DEST_TCP);
	h_run_to(31999);
	ck_assert_uint_eq(H.nsent, 1);
	h_run_to(32000);
	ck_assert_uint_eq(H.nclient_err, 1);
	ck_assert_int_eq(H.client_err[0], 408);
	h_teardown();

	/* non-2xx: ACK on the same connection, timer D = 0 */
	h_setup();
	send_req(inv, &DEST_TCP);
	h_feed(h_resp(inv, 503, "uas3"), &PEER_TCP);
	ck_assert_uint_eq(H.nsent, 2);
	ck_assert(h_sent_method(1, "ACK"));
	ck_assert_uint_eq(H.sent[1].d.conn_id, 7);
	ck_assert_uint_eq(H.nresp, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(noninv_udp_timer_e_f)
{
	/* timer E: T1 doubling, capped at T2 (§17.1.2.2) */
	const uint64_t e[] = { 0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500 };
	const char *reg = h_req("REGISTER", "z9hG4bKcli2", "REGISTER", 5060, NULL);
	struct sl_txn *ct;

	h_setup();
	ct = send_req(reg, &DEST_UDP);
	ck_assert_int_eq(sl_txn_kind(ct), SL_TXN_CLIENT_NONINVITE);
	h_run_to(31999);
	ck_assert_uint_eq(H.nsent, 11);
	for (unsigned i = 0; i < 11; i++)
		ck_assert_uint_eq(H.sent[i].at, e[i]);
	h_run_to(32000);		/* timer F */
	ck_assert_uint_eq(H.nclient_err, 1);
	ck_assert_int_eq(H.client_err[0], 408);
	ck_assert_uint_eq(H.client_err_at[0], 32000);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(noninv_udp_proceeding_completed)
{
	const char *reg = h_req("REGISTER", "z9hG4bKcli2", "REGISTER", 5060, NULL);
	const char *r200 = h_resp(reg, 200, "t");

	h_setup();
	send_req(reg, &DEST_UDP);
	h_run_to(600);
	h_feed(h_resp(reg, 100, NULL), &PEER_UDP);
	ck_assert_uint_eq(H.nresp, 1);
	/* E at 1500 still (interval 1000), then every T2 in Proceeding */
	h_run_to(9500);
	ck_assert_uint_eq(H.nsent, 5);	/* 0, 500, 1500, 5500, 9500 */
	ck_assert_uint_eq(H.sent[3].at, 5500);
	ck_assert_uint_eq(H.sent[4].at, 9500);
	h_feed(r200, &PEER_UDP);
	ck_assert_uint_eq(H.nresp, 2);
	ck_assert_int_eq(H.resp_status[1], 200);
	h_feed(r200, &PEER_UDP);	/* absorbed */
	ck_assert_uint_eq(H.nresp, 2);
	h_run_to(9500 + 4999);
	ck_assert_uint_eq(H.nsent, 5);
	ck_assert_uint_eq(sl_txl_count(H.l), 1);
	h_run_to(9500 + 5000);		/* timer K = T4 */
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nclient_err, 0);
	h_teardown();
}
END_TEST

START_TEST(noninv_tcp)
{
	const char *reg = h_req("REGISTER", "z9hG4bKcli2", "REGISTER", 5060, NULL);

	h_setup();
	send_req(reg, &DEST_TCP);
	h_run_to(10000);
	ck_assert_uint_eq(H.nsent, 1);		/* no E */
	h_feed(h_resp(reg, 200, "t"), &PEER_TCP);
	ck_assert_uint_eq(H.nresp, 1);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);	/* K = 0 */
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(client_transport_errors)
{
	const char *inv = invite();

	/* the first send fails: no transaction, nothing to free */
	h_setup();
	H.fail_send = 1;
	ck_assert_ptr_null(sl_txl_request(H.l, &DEST_UDP, inv, strlen(inv), 0));
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	ck_assert_uint_eq(H.nfree, 0);
	/* a retransmission fails: 503 to the TU (§8.1.3.1) */
	send_req(inv, &DEST_UDP);
	H.fail_send = 1;
	h_run_to(500);
	ck_assert_uint_eq(H.nclient_err, 1);
	ck_assert_int_eq(H.client_err[0], 503);
	ck_assert_uint_eq(sl_txl_count(H.l), 0);
	h_run_to(40000);
	ck_assert_uint_eq(H.nclient_err, 1);
	ck_assert_uint_eq(H.nfree, 1);
	h_teardown();
}
END_TEST

START_TEST(response_matching)
{
	const char *inv = invite();
	const char *can = h_req("CANCEL", CB1, "CANCEL", 5060, NULL);
	struct sl_txn *ci, *cc;

	h_setup();
	ci = sl_txl_request(H.l, &DEST_UDP, inv, strlen(inv), 0);
	cc = sl_txl_request(H.l, &DEST_UDP, can, strlen(can), 0);
	ck_assert_ptr_nonnull(ci);
	ck_assert_ptr_nonnull(cc);
	h_track(ci);
	h_track(cc);
	ck_assert_uint_eq(sl_txl_count(H.l), 2);
	/* same branch, CSeq method CANCEL: the CANCEL's (§17.1.3) */
	h_feed(h_resp(can, 200, "t"), &PEER_UDP);
	ck_assert_uint_eq(H.nresp, 1);
	ck_assert_int_eq(sl_txn_status(cc), 200);
	ck_assert_int_eq(sl_txn_status(ci), 0);
	/* other branch: stray */
	h_feed(h_resp(h_req("INVITE", "z9hG4bKzzzz", "INVITE", 5060, NULL), 180, "t"), &PEER_UDP);
	ck_assert_uint_eq(H.nstray, 1);
	h_feed(h_resp(inv, 487, "t"), &PEER_UDP);
	ck_assert_int_eq(sl_txn_status(ci), 487);
	/* an ACK is no transaction */
	ck_assert_ptr_null(sl_txl_request(H.l, &DEST_UDP, h_req("ACK", CB1, "ACK", 5060, "t"),
					  strlen(h_req("ACK", CB1, "ACK", 5060, "t")), 0));
	h_teardown();		/* both still waiting (D, K): freed once each */
	ck_assert_uint_eq(H.nfree, 2);
}
END_TEST

Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("client");

	tcase_add_test(tc, inv_udp_timer_a_b);
	tcase_add_test(tc, inv_udp_non2xx);
	tcase_add_test(tc, inv_udp_timer_c);
	tcase_add_test(tc, inv_udp_2xx_accepted);
	tcase_add_test(tc, inv_tcp);
	tcase_add_test(tc, noninv_udp_timer_e_f);
	tcase_add_test(tc, noninv_udp_proceeding_completed);
	tcase_add_test(tc, noninv_tcp);
	tcase_add_test(tc, client_transport_errors);
	tcase_add_test(tc, response_matching);
	suite_add_tcase(s, tc);
	return s;
}
