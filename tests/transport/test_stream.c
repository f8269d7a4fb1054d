/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP and TCP: datagrams, stream framing (RFC 3261 §18.3), keepalives
 * (RFC 5626 §3.5.1), limits, connection ids. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tp_test.h"

#define OPTIONS(cl, body) \
	"OPTIONS sip:sbc.test SIP/2.0\r\n" \
	"Via: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-1\r\n" \
	"Max-Forwards: 70\r\nTo: <sip:sbc.test>\r\nFrom: <sip:a@b>;tag=1\r\n" \
	"Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nContent-Length: " cl "\r\n\r\n" body

static const char msg_a[] = OPTIONS("0", "");
static const char msg_b[] = OPTIONS("5", "hello");
static const char ok200[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

#define N(x) ((void *)(uintptr_t)(x))

START_TEST(udp_round_trip)
{
	struct tt t;
	char err[256], buf[2048];
	struct sockaddr_in self;
	socklen_t sl = sizeof(self);
	int port, fd;
	ssize_t n;

	tt_init(&t, 10, 0, 0);
	port = tt_listen(&t, SL_TP_UDP);
	fd = tcp_client(port, SOCK_DGRAM);
	getsockname(fd, (struct sockaddr *)&self, &sl);
	write_all(fd, msg_b, strlen(msg_b));
	ck_assert(tt_run(&t, tt_nmsg_ge, N(1), 2000));
	ck_assert_uint_eq(t.msg[0].len, strlen(msg_b));
	ck_assert_mem_eq(t.msg[0].data, msg_b, strlen(msg_b));
	ck_assert_int_eq(t.msg[0].peer.proto, SL_TP_UDP);
	ck_assert_uint_eq(t.msg[0].peer.conn_id, 0);
	ck_assert_uint_eq(((struct sockaddr_in *)&t.msg[0].peer.remote)->sin_port, self.sin_port);
	/* IP_PKTINFO: local address and port it arrived on */
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&t.msg[0].peer.local)->sin_port), port);
	ck_assert_uint_eq(((struct sockaddr_in *)&t.msg[0].peer.local)->sin_addr.s_addr,
			  htonl(INADDR_LOOPBACK));
	/* reply to the source */
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_UDP, 0, &t.msg[0].peer.remote,
				    t.msg[0].peer.remote_len, "SIP/2.0 200 OK\r\n\r\n", 19, NULL,
				    err, sizeof(err)), 0);
	n = recv(fd, buf, sizeof(buf), 0);
	ck_assert_int_eq(n, 19);
	ck_assert_mem_eq(buf, "SIP/2.0 200 OK\r\n\r\n", 19);
	/* UDP has no connections */
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_UDP, 7, &t.msg[0].peer.remote,
				    t.msg[0].peer.remote_len, "x", 1, NULL, err, sizeof(err)),
			 -EINVAL);
	close(fd);
	tt_fini(&t);
}
END_TEST

START_TEST(udp_oversized_and_keepalive)
{
	struct tt t;
	struct sl_tp_stats st;
	char big[1500];
	int port, fd;

	tt_init(&t, 10, 0, 1000);
	port = tt_listen(&t, SL_TP_UDP);
	fd = tcp_client(port, SOCK_DGRAM);
	memset(big, 'x', sizeof(big));
	write_all(fd, big, sizeof(big));	/* > max_message: dropped */
	write_all(fd, "\r\n\r\n", 4);		/* keepalive: counted */
	write_all(fd, msg_a, strlen(msg_a));
	ck_assert(tt_run(&t, tt_nmsg_ge, N(1), 2000));
	tt_sleep_loop(&t, 50);
	ck_assert_uint_eq(t.nmsg, 1);
	ck_assert_uint_eq(t.msg[0].len, strlen(msg_a));
	sl_tp_stats(t.tp, &st);
	ck_assert_uint_eq(st.oversized, 1);
	ck_assert_uint_eq(st.keepalives, 1);
	ck_assert_uint_eq(st.udp_rx, 1);
	close(fd);
	tt_fini(&t);
}
END_TEST

START_TEST(tcp_split_and_pipelined)
{
	struct tt t;
	char two[1024];
	size_t half = strlen(msg_b) / 2;
	int port, fd;

	tt_init(&t, 10, 0, 0);
	port = tt_listen(&t, SL_TP_TCP);
	fd = tcp_client(port, SOCK_STREAM);
	/* one message in three writes, split inside the header and the body */
	write_all(fd, msg_b, half);
	tt_sleep_loop(&t, 30);
	ck_assert_uint_eq(t.nmsg, 0);
	write_all(fd, msg_b + half, strlen(msg_b) - half - 3);
	tt_sleep_loop(&t, 30);
	ck_assert_uint_eq(t.nmsg, 0);
	write_all(fd, msg_b + strlen(msg_b) - 3, 3);
	ck_assert(tt_run(&t, tt_nmsg_ge, N(1), 2000));
	ck_assert_uint_eq(t.msg[0].len, strlen(msg_b));
	ck_assert_mem_eq(t.msg[0].data, msg_b, strlen(msg_b));
	/* two messages in one write, the first with a body */
	snprintf(two, sizeof(two), "%s%s", msg_b, msg_a);
	write_all(fd, two, strlen(two));
	ck_assert(tt_run(&t, tt_nmsg_ge, N(3), 2000));
	ck_assert_uint_eq(t.msg[1].len, strlen(msg_b));
	ck_assert_mem_eq(t.msg[1].data, msg_b, strlen(msg_b));
	ck_assert_uint_eq(t.msg[2].len, strlen(msg_a));
	ck_assert_mem_eq(t.msg[2].data, msg_a, strlen(msg_a));
	ck_assert_int_eq(t.msg[2].peer.proto, SL_TP_TCP);
	ck_assert_uint_ne(t.msg[2].peer.conn_id, 0);
	ck_assert_uint_eq(t.msg[2].peer.conn_id, t.msg[0].peer.conn_id);
	ck_assert_uint_eq(t.msg[2].peer.cert_present, false);
	close(fd);
	tt_fini(&t);
}
END_TEST

START_TEST(tcp_crlf_ping_pong)
{
	struct tt t;
	struct sl_tp_stats st;
	char buf[16];
	int port, fd;

	tt_init(&t, 10, 0, 0);
	port = tt_listen(&t, SL_TP_TCP);
	fd = tcp_client(port, SOCK_STREAM);
	write_all(fd, "\r\n\r\n", 4);
	ck_assert_uint_eq(tt_read(&t, fd, buf, 2, 2000), 2);
	ck_assert_mem_eq(buf, "\r\n", 2);
	/* a ping split over two writes is still one ping */
	write_all(fd, "\r\n", 2);
	tt_sleep_loop(&t, 30);
	write_all(fd, "\r\n", 2);
	ck_assert_uint_eq(tt_read(&t, fd, buf, 2, 2000), 2);
	/* a lone CRLF (a pong) gets nothing; a message after it is delivered */
	write_all(fd, "\r\n", 2);
	write_all(fd, msg_a, strlen(msg_a));
	ck_assert(tt_run(&t, tt_nmsg_ge, N(1), 2000));
	ck_assert_uint_eq(t.msg[0].len, strlen(msg_a));
	ck_assert_uint_eq(tt_read(&t, fd, buf, 1, 100), 0);
	sl_tp_stats(t.tp, &st);
	ck_assert_uint_eq(st.keepalives, 2);
	close(fd);
	tt_fini(&t);
}
END_TEST

START_TEST(tcp_oversized_closes)
{
	static const char hdr[] = "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK2\r\n"
				  "Content-Length: 2000\r\n\r\n";
	struct tt t;
	struct sl_tp_stats st;
	char body[2000];
	int port, fd;

	tt_init(&t, 10, 0, 1000);
	port = tt_listen(&t, SL_TP_TCP);
	fd = tcp_client(port, SOCK_STREAM);
	memset(body, 'b', sizeof(body));
	write_all(fd, hdr, strlen(hdr));
	write_all(fd, body, sizeof(body));
	ck_assert(tt_eof(&t, fd, 2000));
	ck_assert_uint_eq(t.nmsg, 0);
	ck_assert_uint_eq(t.nclose, 1);
	ck_assert_ptr_nonnull(strstr(t.closed_why[0], "max_message"));
	sl_tp_stats(t.tp, &st);
	ck_assert_uint_eq(st.oversized, 1);
	ck_assert_uint_eq(st.conns_open, 0);
	close(fd);
	tt_fini(&t);
}
END_TEST

START_TEST(tcp_garbage_closes_with_reason)
{
	struct tt t;
	struct sl_tp_stats st;
	int port, fd;

	tt_init(&t, 10, 0, 0);
	port = tt_listen(&t, SL_TP_TCP);
	fd = tcp_client(port, SOCK_STREAM);
	write_all(fd, "GARBAGE\r\nX: y\r\n\r\n", 17);	/* no Content-Length */
	ck_assert(tt_eof(&t, fd, 2000));
	ck_assert_uint_eq(t.nmsg, 0);
	ck_assert_uint_eq(t.nclose, 1);
	ck_assert_msg(strstr(t.closed_why[0], "Content-Length") != NULL, "why: %s",
		      t.closed_why[0]);
	sl_tp_stats(t.tp, &st);
	ck_assert_uint_eq(st.framing_errors, 1);
	close(fd);
	tt_fini(&t);
}
END_TEST

START_TEST(tcp_send_back_and_close)
{
	struct tt t;
	struct sl_tp_peer p;
	char err[256], buf[64];
	uint64_t id;
	int port, fd, fd2;

	tt_init(&t, 10, 0, 0);
	port = tt_listen(&t, SL_TP_TCP);
	fd = tcp_client(port, SOCK_STREAM);
	write_all(fd, msg_a, strlen(msg_a));
	ck_assert(tt_run(&t, tt_nmsg_ge, N(1), 2000));
	id = t.msg[0].peer.conn_id;
	ck_assert_int_eq(sl_tp_conn_peer(t.tp, id, &p), 0);
	ck_assert_uint_eq(p.conn_id, id);
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TCP, id, NULL, 0, "NOTIFY-ish", 10, NULL, err,
				    sizeof(err)), 0);
	ck_assert_uint_eq(tt_read(&t, fd, buf, 10, 2000), 10);
	ck_assert_mem_eq(buf, "NOTIFY-ish", 10);
	/* wrong protocol for the id */
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TLS, id, NULL, 0, "x", 1, NULL, err, sizeof(err)),
			 -EINVAL);
	/* the peer closes: on_close with the id, then the id is dead */
	close(fd);
	ck_assert(tt_run(&t, tt_nclose_ge, N(1), 2000));
	ck_assert_uint_eq(t.closed_id[0], id);
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TCP, id, NULL, 0, "x", 1, NULL, err, sizeof(err)),
			 -ENOTCONN);
	ck_assert_ptr_nonnull(strstr(err, "closed"));
	ck_assert_int_eq(sl_tp_conn_peer(t.tp, id, &p), -ENOENT);
	/* ids are never reused: the next connection gets a larger one */
	fd2 = tcp_client(port, SOCK_STREAM);
	write_all(fd2, msg_a, strlen(msg_a));
	ck_assert(tt_run(&t, tt_nmsg_ge, N(2), 2000));
	ck_assert_uint_gt(t.msg[1].peer.conn_id, id);
	/* closing from our side reports too */
	sl_tp_close(t.tp, t.msg[1].peer.conn_id);
	ck_assert_uint_eq(t.nclose, 2);
	ck_assert(tt_eof(&t, fd2, 2000));
	close(fd2);
	tt_fini(&t);
}
END_TEST

START_TEST(tcp_max_connections_and_idle)
{
	struct tt t;
	struct sl_tp_stats st;
	int port, a, b;

	tt_init(&t, 1, 1, 0);
	port = tt_listen(&t, SL_TP_TCP);
	a = tcp_client(port, SOCK_STREAM);
	tt_sleep_loop(&t, 50);
	b = tcp_client(port, SOCK_STREAM);
	ck_assert(tt_eof(&t, b, 1000));		/* refused: closed at once */
	sl_tp_stats(t.tp, &st);
	ck_assert_uint_eq(st.conns_refused, 1);
	ck_assert_uint_eq(st.conns_accepted, 1);
	ck_assert_uint_eq(st.conns_open, 1);
	/* idle timeout of 1 s closes a */
	ck_assert(tt_eof(&t, a, 3000));
	ck_assert_uint_eq(t.nclose, 1);
	ck_assert_msg(strstr(t.closed_why[0], "idle") != NULL, "why: %s", t.closed_why[0]);
	close(a);
	close(b);
	tt_fini(&t);
}
END_TEST

START_TEST(tcp_outgoing)
{
	struct tt t;
	struct sockaddr_storage dst = { 0 };
	struct sockaddr_in *d = (struct sockaddr_in *)&dst;
	char err[256];
	uint64_t out = 0, out2 = 0;
	int port;

	tt_init(&t, 10, 0, 0);
	port = tt_listen(&t, SL_TP_TCP);
	d->sin_family = AF_INET;
	d->sin_port = htons((uint16_t)port);
	d->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t.echo = ok200;
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TCP, 0, &dst, sizeof(*d), msg_a, strlen(msg_a),
				    &out, err, sizeof(err)), 0);
	ck_assert_uint_ne(out, 0);
	/* a second send reuses the connection (RFC 3261 §18.1.1) */
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TCP, 0, &dst, sizeof(*d), msg_a, strlen(msg_a),
				    &out2, err, sizeof(err)), 0);
	ck_assert_uint_eq(out, out2);
	ck_assert(tt_run(&t, tt_nmsg_ge, N(4), 2000));
	t.echo = NULL;
	/* accepted side got msg_a twice; the outgoing id got the answers */
	unsigned on_out = 0;
	for (unsigned i = 0; i < 4; i++)
		if (t.msg[i].peer.conn_id == out) {
			on_out++;
			ck_assert_str_eq(t.msg[i].data, ok200);
		}
	ck_assert_uint_eq(on_out, 2);
	/* a refused connect is reported through on_close */
	sl_tp_close(t.tp, out);
	d->sin_port = htons(1);
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TCP, 0, &dst, sizeof(*d), msg_a, strlen(msg_a),
				    &out2, err, sizeof(err)), 0);
	ck_assert(tt_run(&t, tt_nclose_ge, N(2), 2000));
	tt_sleep_loop(&t, 50);
	bool seen = false;
	for (unsigned i = 0; i < t.nclose; i++)
		if (t.closed_id[i] == out2) {
			seen = true;
			ck_assert_msg(strstr(t.closed_why[i], "connect") != NULL ||
				      strstr(t.closed_why[i], "refused") != NULL,
				      "why: %s", t.closed_why[i]);
		}
	ck_assert(seen);
	tt_fini(&t);
}
END_TEST

START_TEST(listen_errors)
{
	struct tt t;
	char err[256];

	tt_init(&t, 10, 0, 0);
	ck_assert_int_eq(sl_tp_listen(t.tp, SL_TP_TCP, "not-an-ip", 0, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "numeric"));
	ck_assert_int_eq(sl_tp_listen(t.tp, SL_TP_TLS, "127.0.0.1", 0, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "sl_tp_set_tls"));
	ck_assert_int_eq(sl_tp_listen_port(t.tp, SL_TP_UDP, 0), -ENOENT);
	ck_assert_str_eq(sl_tp_proto_name(SL_TP_TLS), "TLS");
	tt_fini(&t);
}
END_TEST

START_TEST(addr_str)
{
	struct sockaddr_storage s = { 0 };
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&s;
	char b[64];

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(5061);
	inet_pton(AF_INET6, "fd53::2", &s6->sin6_addr);
	sl_tp_addr_str(&s, b, sizeof(b));
	ck_assert_str_eq(b, "[fd53::2]:5061");
	s.ss_family = AF_INET;
	((struct sockaddr_in *)&s)->sin_port = htons(5061);
	inet_pton(AF_INET, "10.77.1.2", &((struct sockaddr_in *)&s)->sin_addr);
	sl_tp_addr_str(&s, b, sizeof(b));
	ck_assert_str_eq(b, "10.77.1.2:5061");
}
END_TEST

/* IPv6: UDP with IPV6_PKTINFO and TCP, address strings in the [v6]:port form. */
START_TEST(ipv6_udp_tcp)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct tt t;
	char err[256], as[64], exp[64];
	int port, fd;

	tt_init(&t, 10, 0, 0);
	if (sl_tp_listen(t.tp, SL_TP_UDP, "::1", 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipv6_udp_tcp: no ::1 on this host, skipped (%s)\n", err);
		tt_fini(&t);
		return;
	}
	ck_assert_int_eq(sl_tp_listen(t.tp, SL_TP_TCP, "::1", 0, err, sizeof(err)), 0);
	port = sl_tp_listen_port(t.tp, SL_TP_UDP, 0);
	sa.sin6_port = htons((uint16_t)port);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	write_all(fd, msg_a, strlen(msg_a));
	ck_assert(tt_run(&t, tt_nmsg_ge, N(1), 2000));
	ck_assert_int_eq(t.msg[0].peer.remote.ss_family, AF_INET6);
	sl_tp_addr_str(&t.msg[0].peer.local, as, sizeof(as));
	snprintf(exp, sizeof(exp), "[::1]:%d", port);
	ck_assert_str_eq(as, exp);
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_UDP, 0, &t.msg[0].peer.remote,
				    t.msg[0].peer.remote_len, ok200, strlen(ok200), NULL, err,
				    sizeof(err)), 0);
	ck_assert_int_eq(recv(fd, as, sizeof(as), 0), (ssize_t)strlen(ok200));
	close(fd);
	port = sl_tp_listen_port(t.tp, SL_TP_TCP, 0);
	sa.sin6_port = htons((uint16_t)port);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	write_all(fd, msg_b, strlen(msg_b));
	ck_assert(tt_run(&t, tt_nmsg_ge, N(2), 2000));
	ck_assert_int_eq(t.msg[1].peer.proto, SL_TP_TCP);
	sl_tp_addr_str(&t.msg[1].peer.local, as, sizeof(as));
	snprintf(exp, sizeof(exp), "[::1]:%d", port);
	ck_assert_str_eq(as, exp);
	close(fd);
	tt_fini(&t);
}
END_TEST

Suite *suite_stream(void)
{
	Suite *s = suite_create("transport-udp-tcp");
	TCase *tc = tcase_create("udp-tcp");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, udp_round_trip);
	tcase_add_test(tc, udp_oversized_and_keepalive);
	tcase_add_test(tc, tcp_split_and_pipelined);
	tcase_add_test(tc, tcp_crlf_ping_pong);
	tcase_add_test(tc, tcp_oversized_closes);
	tcase_add_test(tc, tcp_garbage_closes_with_reason);
	tcase_add_test(tc, tcp_send_back_and_close);
	tcase_add_test(tc, tcp_max_connections_and_idle);
	tcase_add_test(tc, tcp_outgoing);
	tcase_add_test(tc, listen_errors);
	tcase_add_test(tc, addr_str);
	tcase_add_test(tc, ipv6_udp_tcp);
	suite_add_tcase(s, tc);
	return s;
}
