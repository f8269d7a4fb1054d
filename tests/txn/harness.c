/* SPDX-License-Identifier: BSD-3-Clause */
/* Fake transport, fake clock and recording callbacks (see harness.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct h_state H;

static struct sockaddr_storage addr4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return ss;
}

const struct sl_tp_peer PEER_UDP = { .proto = SL_TP_UDP, .conn_id = 0,
	.remote_len = sizeof(struct sockaddr_in) };
const struct sl_tp_peer PEER_TCP = { .proto = SL_TP_TCP, .conn_id = 42,
	.remote_len = sizeof(struct sockaddr_in) };
const struct sl_txn_dest DEST_UDP = { .proto = SL_TP_UDP, .conn_id = 0,
	.addrlen = sizeof(struct sockaddr_in) };
const struct sl_txn_dest DEST_TCP = { .proto = SL_TP_TCP, .conn_id = 7,
	.addrlen = sizeof(struct sockaddr_in) };

static struct sl_tp_peer peer_fix(const struct sl_tp_peer *p)
{
	struct sl_tp_peer q = *p;

	q.remote = addr4("192.0.2.10", 5060);
	return q;
}

void h_track(struct sl_txn *t)
{
	for (unsigned i = 0; i < H.nlive; i++)
		if (H.live[i] == t)
			return;
	ck_assert_uint_lt(H.nlive, H_MAX_LIVE);
	H.live[H.nlive++] = t;
}

static int f_send(void *arg, const struct sl_txn_dest *d, const char *buf, size_t len)
{
	struct h_sent *s;

	ck_assert_ptr_eq(arg, &H);
	if (H.fail_send > 0) {
		H.fail_send--;
		return -ECONNRESET;
	}
	ck_assert_uint_lt(H.nsent, H_MAX_SENT);
	ck_assert_uint_lt(len, H_BUF);
	s = &H.sent[H.nsent++];
	memcpy(s->buf, buf, len);
	s->buf[len] = '\0';
	s->len = len;
	s->d = *d;
	s->at = H.now;
	return 0;
}

static void f_request(void *arg, struct sl_txn *st, const struct sl_sip_msg *req,
		      const struct sl_tp_peer *peer)
{
	(void)arg;
	ck_assert_ptr_eq(req, sl_txn_request(st));
	ck_assert_ptr_eq(peer, sl_txn_peer(st));
	h_track(st);
	ck_assert_uint_lt(H.nreq, H_MAX_EV);
	H.req_txn[H.nreq++] = st;
	if (H.auto_status != 0)
		h_respond(st, H.auto_status, "autotag", 0);
}

static void f_ack(void *arg, const struct sl_sip_msg *ack, const struct sl_tp_peer *peer)
{
	(void)arg;
	(void)peer;
	ck_assert(sl_sip_str_ieq(ack->method, "ACK"));
	H.nack++;
}

static void f_response(void *arg, struct sl_txn *ct, const struct sl_sip_msg *resp,
		       const struct sl_tp_peer *peer)
{
	(void)arg;
	(void)peer;
	h_track(ct);
	ck_assert_uint_lt(H.nresp, H_MAX_EV);
	H.resp_at[H.nresp] = H.now;
	H.resp_status[H.nresp++] = resp->status;
}

static void f_stray(void *arg, const struct sl_sip_msg *resp, const struct sl_tp_peer *peer)
{
	(void)arg;
	(void)resp;
	(void)peer;
	H.nstray++;
}

static void f_client_error(void *arg, struct sl_txn *ct, int code)
{
	(void)arg;
	h_track(ct);
	ck_assert_uint_lt(H.nclient_err, H_MAX_EV);
	H.client_err_at[H.nclient_err] = H.now;
	H.client_err[H.nclient_err++] = code;
}

static void f_server_error(void *arg, struct sl_txn *st, const char *why)
{
	(void)arg;
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_gt(strlen(why), 10);
	h_track(st);
	H.nserver_err++;
	H.server_err_at = H.now;
}

static void f_free(void *arg, struct sl_txn *t)
{
	(void)arg;
	for (unsigned i = 0; i < H.nlive; i++) {
		if (H.live[i] == t) {
			H.live[i] = H.live[--H.nlive];
			H.nfree++;
			return;
		}
	}
	ck_abort_msg("on_free for a transaction freed twice or never seen");
}

void h_setup_max(unsigned max_txns)
{
	struct sl_txl_cfg cfg = { 500, 4000, 5000, max_txns };
	struct sl_txl_ops ops = {
		.arg = &H, .send = f_send, .on_request = f_request, .on_ack = f_ack,
		.on_response = f_response, .on_stray_response = f_stray,
		.on_client_error = f_client_error, .on_server_error = f_server_error,
		.on_free = f_free,
	};

	memset(&H, 0, sizeof(H));
	H.l = sl_txl_new(&cfg, &ops);
	ck_assert_ptr_nonnull(H.l);
}

void h_setup(void)
{
	h_setup_max(0);
}

void h_teardown(void)
{
	unsigned live = H.nlive, freed = H.nfree;

	sl_txl_free(H.l);
	H.l = NULL;
	ck_assert_uint_eq(H.nlive, 0);
	ck_assert_uint_eq(H.nfree, freed + live);
}

void h_run_to(uint64_t t)
{
	while (H.now < t) {
		H.now++;
		sl_txl_tick(H.l, H.now);
	}
}

static struct sl_sip_msg pmsg;

const struct sl_sip_msg *h_parse(const char *text, size_t len)
{
	struct sl_sip_result r;

	ck_assert_msg(sl_sip_parse(text, len, &pmsg, &r) == SL_SIP_OK,
		      "does not parse (%d %s):\n%s", r.code, r.reason ? r.reason : "", text);
	return &pmsg;
}

void h_feed(const char *text, const struct sl_tp_peer *peer)
{
	struct sl_tp_peer p = peer_fix(peer);
	const struct sl_sip_msg *m = h_parse(text, strlen(text));

	sl_txl_input(H.l, m, text, strlen(text), &p, H.now);
}

static char *ring(void)
{
	static char bufs[8][H_BUF];
	static unsigned i;

	return bufs[i++ % 8];
}

const char *h_req(const char *method, const char *branch, const char *cseq_method,
		  int port, const char *to_tag)
{
	char *b = ring();
	char tt[64] = "";

	if (to_tag != NULL)
		snprintf(tt, sizeof(tt), ";tag=%s", to_tag);
	snprintf(b, H_BUF,
		 "%s sip:bob@example.com SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.10:%d;branch=%s\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:alice@example.com>;tag=fromtag1\r\n"
		 "To: <sip:bob@example.com>%s\r\n"
		 "Call-ID: call-1@192.0.2.10\r\n"
		 "CSeq: 1 %s\r\n"
		 "Content-Length: 0\r\n\r\n",
		 method, port, branch, tt, cseq_method);
	return b;
}

const char *h_resp(const char *req, int code, const char *to_tag)
{
	static struct sl_sip_msg rq;
	struct sl_sip_result r;
	char *b = ring();
	int n;

	ck_assert(sl_sip_parse(req, strlen(req), &rq, &r) == SL_SIP_OK);
	n = sl_sip_build_response(b, H_BUF, &rq, code, NULL, to_tag, NULL, NULL, NULL, 0);
	ck_assert_int_gt(n, 0);
	return b;
}

void h_respond(struct sl_txn *st, int code, const char *to_tag, int want_rc)
{
	static char b[H_BUF];
	if (sl_txn_request(st) == NULL) {
		/* the parsed request is dropped at the final response: any
		 * further response is refused */
		ck_assert_int_gt(sl_txn_status(st), 0);
		ck_assert_int_eq(want_rc, -EINVAL);
		ck_assert_int_eq(sl_txn_respond(st, "SIP/2.0 200 OK\r\n\r\n", 19, H.now),
				 -EINVAL);
		return;
	}
	int n = sl_sip_build_response(b, sizeof(b), sl_txn_request(st), code, NULL, to_tag,
				      NULL, NULL, NULL, 0);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(sl_txn_respond(st, b, (size_t)n, H.now), want_rc);
}

unsigned h_sends_between(uint64_t from, uint64_t to)
{
	unsigned n = 0;

	for (unsigned i = 0; i < H.nsent; i++)
		if (H.sent[i].at >= from && H.sent[i].at <= to)
			n++;
	return n;
}

int h_sent_status(unsigned i)
{
	struct sl_sip_result r;

	ck_assert_uint_lt(i, H.nsent);
	ck_assert(sl_sip_parse(H.sent[i].buf, H.sent[i].len, &pmsg, &r) == SL_SIP_OK);
	return pmsg.is_request ? 0 : pmsg.status;
}

bool h_sent_method(unsigned i, const char *method)
{
	struct sl_sip_result r;

	ck_assert_uint_lt(i, H.nsent);
	ck_assert(sl_sip_parse(H.sent[i].buf, H.sent[i].len, &pmsg, &r) == SL_SIP_OK);
	return pmsg.is_request && sl_sip_str_ieq(pmsg.method, method);
}
