/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the transaction layer (RFC 3261 §17, RFC 6026) driven
 * by a script of records, each an op byte and a payload up to the next NUL:
 *
 *   U<msg>  a message arrives over UDP     T<msg>  over TCP (connection 42)
 *   C<req>  the TU sends a request (client transaction) over UDP
 *   c<req>  the same over TCP
 *   R<i><k> the TU answers live server transaction i with status table[k]
 *   X<msg>  CANCEL and server lookups for a parsed message
 *   t<n>    the clock moves n * 100 ms and due timers run
 *   F<n>    the next n % 4 sends fail (transport errors, §17.1.4/§17.2.4)
 *
 * Every message the layer sends must parse again (responses we built from
 * what the peer sent; requests and ACKs from the TU's request), and on_free
 * comes exactly once for every transaction the TU saw. Afterwards the clock
 * runs 10 minutes ahead and the layer is freed. Seeds: corpus/ (make_seeds.sh).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "txn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_TXNS = 32, MAX_LIVE = 128 };

static const int codes[] = { 100, 180, 183, 200, 202, 301, 401, 407, 481, 486, 487, 500, 503,
			     603 };

static struct {
	struct sl_txl *l;
	uint64_t now;
	unsigned fail;
	struct sl_txn *live[MAX_LIVE];	/* every transaction the TU saw, not yet freed */
	unsigned nlive;
	struct sl_txn *server[MAX_LIVE];	/* the server ones among them */
	unsigned nserver;
	struct sl_sip_msg msg;		/* what the harness parses */
	struct sl_sip_msg check;	/* what the layer sent, parsed again */
	struct sl_tp_peer udp, tcp;
	struct sl_txn_dest dudp, dtcp;
} F;

static void track(struct sl_txn *t)
{
	for (unsigned i = 0; i < F.nlive; i++)
		if (F.live[i] == t)
			return;
	if (F.nlive == MAX_LIVE)
		abort();	/* more than max_txns alive: the bound failed */
	F.live[F.nlive++] = t;
}

static void drop(struct sl_txn **v, unsigned *n, struct sl_txn *t, int must)
{
	for (unsigned i = 0; i < *n; i++)
		if (v[i] == t) {
			v[i] = v[--*n];
			return;
		}
	if (must)
		abort();	/* on_free for a transaction never seen, or twice */
}

static unsigned touch(struct sl_sip_str s)
{
	unsigned x = 0;

	for (size_t i = 0; i < s.n; i++)
		x += (unsigned char)s.p[i];
	return x;
}

static int f_send(void *arg, const struct sl_txn_dest *d, const char *buf, size_t len)
{
	struct sl_sip_result r;

	(void)arg;
	(void)d;
	if (F.fail > 0) {
		F.fail--;
		return -104;	/* ECONNRESET */
	}
	if (sl_sip_parse(buf, len, &F.check, &r) != SL_SIP_OK)
		abort();	/* we sent something our own parser refuses */
	return 0;
}

static void f_request(void *arg, struct sl_txn *st, const struct sl_sip_msg *req,
		      const struct sl_tp_peer *peer)
{
	volatile unsigned sink;

	(void)arg;
	if (req != sl_txn_request(st) || peer != sl_txn_peer(st))
		abort();
	track(st);
	F.server[F.nserver++] = st;
	sink = touch(req->method) + touch(req->call_id) + touch(req->body);
	(void)sink;
}

static void f_ack(void *arg, const struct sl_sip_msg *ack, const struct sl_tp_peer *peer)
{
	volatile unsigned sink = touch(ack->call_id);

	(void)arg;
	(void)peer;
	(void)sink;
}

static void f_response(void *arg, struct sl_txn *ct, const struct sl_sip_msg *resp,
		       const struct sl_tp_peer *peer)
{
	volatile unsigned sink = touch(resp->reason) + (unsigned)resp->status;

	(void)arg;
	(void)peer;
	track(ct);
	(void)sink;
}

static void f_stray(void *arg, const struct sl_sip_msg *resp, const struct sl_tp_peer *peer)
{
	(void)arg;
	(void)resp;
	(void)peer;
}

static void f_client_error(void *arg, struct sl_txn *ct, int code)
{
	(void)arg;
	if (code != 408 && code != 503)
		abort();
	track(ct);
}

static void f_server_error(void *arg, struct sl_txn *st, const char *why)
{
	(void)arg;
	if (why == NULL)
		abort();
	track(st);
}

static void f_free(void *arg, struct sl_txn *t)
{
	(void)arg;
	drop(F.server, &F.nserver, t, 0);
	drop(F.live, &F.nlive, t, 0);
}

static void peers(void)
{
	struct sockaddr_in *a;

	memset(&F.udp, 0, sizeof(F.udp));
	F.udp.proto = SL_TP_UDP;
	a = (struct sockaddr_in *)&F.udp.remote;
	a->sin_family = AF_INET;
	a->sin_port = htons(5060);
	a->sin_addr.s_addr = htonl(0xc000020a);	/* 192.0.2.10 */
	F.udp.remote_len = sizeof(*a);
	F.tcp = F.udp;
	F.tcp.proto = SL_TP_TCP;
	F.tcp.conn_id = 42;

	memset(&F.dudp, 0, sizeof(F.dudp));
	F.dudp.proto = SL_TP_UDP;
	memcpy(&F.dudp.addr, &F.udp.remote, sizeof(F.dudp.addr));
	F.dudp.addrlen = F.udp.remote_len;
	F.dtcp = F.dudp;
	F.dtcp.proto = SL_TP_TCP;
	F.dtcp.conn_id = 7;
}

static void feed(const char *p, size_t n, const struct sl_tp_peer *peer)
{
	struct sl_sip_result r;

	if (sl_sip_parse(p, n, &F.msg, &r) == SL_SIP_OK)
		sl_txl_input(F.l, &F.msg, p, n, peer, F.now);
}

static void respond(const uint8_t *p, size_t n)
{
	static char out[8192];
	const struct sl_sip_msg *req;
	struct sl_txn *st;
	int len;

	if (n < 2 || F.nserver == 0)
		return;
	st = F.server[p[0] % F.nserver];
	req = sl_txn_request(st);
	if (req == NULL) {
		/* the final was sent: any further answer is refused */
		if (sl_txn_respond(st, "SIP/2.0 200 OK\r\n\r\n", 19, F.now) == 0)
			abort();
		return;
	}
	len = sl_sip_build_response(out, sizeof(out), req, codes[p[1] % (sizeof(codes) /
				    sizeof(codes[0]))], NULL, "fztag", NULL, NULL, NULL, 0);
	if (len > 0)
		(void)sl_txn_respond(st, out, (size_t)len, F.now);
}

static void lookups(const char *p, size_t n)
{
	struct sl_sip_result r;
	volatile void *sink;

	if (sl_sip_parse(p, n, &F.msg, &r) != SL_SIP_OK || !F.msg.is_request)
		return;
	sink = sl_txl_match_cancel(F.l, &F.msg, &F.udp);
	sink = sl_txl_find_server(F.l, &F.msg);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sl_txl_cfg cfg = { 500, 4000, 5000, MAX_TXNS };
	static const struct sl_txl_ops ops = {
		.arg = &F, .send = f_send, .on_request = f_request, .on_ack = f_ack,
		.on_response = f_response, .on_stray_response = f_stray,
		.on_client_error = f_client_error, .on_server_error = f_server_error,
		.on_free = f_free,
	};
	size_t off = 0;

	peers();
	F.now = 1000;
	F.fail = 0;
	F.nlive = F.nserver = 0;
	F.l = sl_txl_new(&cfg, &ops);
	if (F.l == NULL)
		return 0;
	while (off < size) {
		const uint8_t *rec = data + off + 1;
		const uint8_t *end = memchr(rec, 0, size - off - 1);
		size_t n = end ? (size_t)(end - rec) : size - off - 1;
		/* an exact-size heap copy so reads past the end are caught */
		char *p = malloc(n ? n : 1);
		struct sl_txn *ct;

		if (p == NULL)
			break;
		memcpy(p, rec, n);
		switch (data[off]) {
		case 'U': feed(p, n, &F.udp); break;
		case 'T': feed(p, n, &F.tcp); break;
		case 'C':
		case 'c':
			ct = sl_txl_request(F.l, data[off] == 'C' ? &F.dudp : &F.dtcp, p, n, F.now);
			if (ct != NULL)
				track(ct);
			break;
		case 'R': respond(rec, n); break;
		case 'X': lookups(p, n); break;
		case 't':
			F.now += 100u * (n ? rec[0] : 1u);
			sl_txl_tick(F.l, F.now);
			break;
		case 'F': F.fail = n ? rec[0] % 4u : 1u; break;
		default: break;
		}
		free(p);
		off += 1 + n + (end != NULL);
	}
	F.fail = 0;
	for (int i = 0; i < 60; i++) {	/* ten minutes: every timer that will fire has */
		F.now += 10000;
		sl_txl_tick(F.l, F.now);
	}
	sl_txl_free(F.l);
	if (F.nlive != 0)
		abort();	/* a transaction the TU saw was never freed */
	return 0;
}
