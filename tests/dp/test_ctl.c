/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server tests (dataplane/dp/ctl_server.c) over a real Unix
 * socket in a temporary directory. The client side is raw socket code on
 * purpose: these tests pin down the wire behaviour (dp_proto.h) without
 * trusting the client library.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "ctl_server.h"
#include "dp_client.h"
#include "dp_test.h"

static char dir[64], path[128];
static struct dp_ctl *ctl;
static pthread_t server;
static volatile int stop;
static struct rte_mempool *pool;

/* The main lcore's loop, in a thread so the test can be the client. */
static void *serve(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		dp_ctl_poll(ctl, 5);
	return NULL;
}

static void setup(void)
{
	char msg[256];

	snprintf(dir, sizeof(dir), "/tmp/sl-dp-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	dt_dp.ft = dp_flowtab_create(&dt_dp, 1024, dt_dp.nworkers, msg, sizeof(msg));
	ck_assert_msg(dt_dp.ft, "%s", msg);
	if (!dt_dp.latch_ring) {
		dt_dp.latch_ring = rte_ring_create_elem("t_latch", sizeof(struct sl_dp_event_latch),
							64, SOCKET_ID_ANY, RING_F_SC_DEQ);
		dt_dp.punt_ring = rte_ring_create("t_punt", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
		pool = rte_pktmbuf_pool_create("t_pool", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       SOCKET_ID_ANY);
		ck_assert_ptr_nonnull(dt_dp.latch_ring);
		ck_assert_ptr_nonnull(dt_dp.punt_ring);
		ck_assert_ptr_nonnull(pool);
	}
	ctl = dp_ctl_open(&dt_dp, path, msg, sizeof(msg));
	ck_assert_msg(ctl, "%s", msg);
	stop = 0;
	ck_assert_int_eq(pthread_create(&server, NULL, serve, NULL), 0);
}

static void teardown(void)
{
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(server, NULL);
	dp_ctl_close(ctl);
	ctl = NULL;
	dp_flowtab_free(dt_dp.ft);
	dt_dp.ft = NULL;
	rmdir(dir);
}

/* ---- a raw client ------------------------------------------------------- */

static void set_sun(struct sockaddr_un *sa, const char *p)
{
	size_t n = strlen(p);

	ck_assert_uint_lt(n, sizeof(sa->sun_path));
	memcpy(sa->sun_path, p, n + 1);
}

static int cl_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	set_sun(&sa, path);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s",
		      strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void cl_send_raw(int fd, const void *p, size_t n)
{
	ck_assert_int_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void cl_send_hdr(int fd, uint32_t magic, uint16_t version, uint16_t type, uint32_t seq,
			const void *body, uint32_t len, uint32_t claimed)
{
	struct sl_dp_hdr h = { .magic = magic, .version = version, .type = type,
			       .len = claimed, .seq = seq };
	static uint8_t buf[sizeof(h) + SL_DP_MSG_MAX];

	/* One send: the server may close right after a bad header. */
	ck_assert_uint_le(len, SL_DP_MSG_MAX);
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	cl_send_raw(fd, buf, sizeof(h) + len);
}

static void cl_send(int fd, uint16_t type, uint32_t seq, const void *body, uint32_t len)
{
	cl_send_hdr(fd, SL_DP_MAGIC, SL_DP_VERSION, type, seq, body, len, len);
}

static int read_all(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, (uint8_t *)p + got, n - got, 0);

		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

/* One message; body must hold SL_DP_MSG_MAX bytes. 0, or -1 on EOF/timeout. */
static int cl_recv(int fd, struct sl_dp_hdr *h, void *body)
{
	if (read_all(fd, h, sizeof(*h)) != 0)
		return -1;
	ck_assert_uint_eq(h->magic, SL_DP_MAGIC);
	ck_assert_uint_le(h->len, SL_DP_MSG_MAX);
	return read_all(fd, body, h->len);
}

static uint8_t rbuf[SL_DP_MSG_MAX];

/* Expects an SL_DP_ERROR with code and words of the message. */
static void expect_error(int fd, int code, const char *needle)
{
	struct sl_dp_hdr h;
	struct sl_dp_error *e = (struct sl_dp_error *)rbuf;

	ck_assert_int_eq(cl_recv(fd, &h, rbuf), 0);
	ck_assert_uint_eq(h.type, SL_DP_ERROR);
	ck_assert_int_eq(e->code, code);
	ck_assert_msg(strstr(e->msg, needle), "error \"%s\" lacks \"%s\"", e->msg, needle);
}

/* EOF, or ECONNRESET when the server closed with our bytes unread. */
static bool closed_by_server(int fd)
{
	char c;
	ssize_t r = recv(fd, &c, 1, 0);

	return r == 0 || (r < 0 && errno == ECONNRESET);
}

static void fill_hello(struct sl_dp_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->version = SL_DP_VERSION;
	h->nsizes = SL_DP_MSG__COUNT;
	for (unsigned i = 0; i < SL_DP_MSG__COUNT; i++)
		h->sizes[i] = sl_dp_body_size(i);
	snprintf(h->name, sizeof(h->name), "test_ctl");
}

static int cl_hello(void)
{
	struct sl_dp_hello hello;
	struct sl_dp_hdr h;
	int fd = cl_connect();

	fill_hello(&hello);
	cl_send(fd, SL_DP_HELLO, 1, &hello, sizeof(hello));
	ck_assert_int_eq(cl_recv(fd, &h, rbuf), 0);
	ck_assert_uint_eq(h.type, SL_DP_HELLO);
	ck_assert_uint_eq(h.seq, 1);
	return fd;
}

/* Request -> reply of the expected type; returns the body in rbuf. */
static void call(int fd, uint16_t type, const void *body, uint32_t len, uint16_t want)
{
	struct sl_dp_hdr h;
	static uint32_t seq = 100;

	cl_send(fd, type, ++seq, body, len);
	ck_assert_int_eq(cl_recv(fd, &h, rbuf), 0);
	ck_assert_uint_eq(h.seq, seq);
	if (h.type != want && h.type == SL_DP_ERROR)
		ck_abort_msg("got ERROR %d: %s", ((struct sl_dp_error *)rbuf)->code,
			     ((struct sl_dp_error *)rbuf)->msg);
	ck_assert_uint_eq(h.type, want);
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(socket_mode_and_hello)
{
	struct stat st;
	struct sl_dp_hello *mine = (struct sl_dp_hello *)rbuf;
	int fd;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	fd = cl_hello();
	ck_assert_uint_eq(mine->version, SL_DP_VERSION);
	ck_assert_uint_eq(mine->nsizes, SL_DP_MSG__COUNT);
	ck_assert_uint_eq(mine->sizes[SL_DP_FLOW_ADD], sizeof(struct sl_dp_flow_spec));
	ck_assert_msg(strncmp(mine->name, "shieldlock-dp", 13) == 0, "%s", mine->name);
	close(fd);
}
END_TEST

START_TEST(live_and_stale_socket)
{
	char msg[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char stale[160];
	int fd;
	struct dp_ctl *c2;

	/* A second data plane on a live socket is refused. */
	c2 = dp_ctl_open(&dt_dp, path, msg, sizeof(msg));
	ck_assert_ptr_null(c2);
	ck_assert_msg(strstr(msg, "in use"), "%s", msg);
	/* A socket file nobody listens on is replaced. */
	snprintf(stale, sizeof(stale), "%s/stale.sock", dir);
	set_sun(&sa, stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	c2 = dp_ctl_open(&dt_dp, stale, msg, sizeof(msg));
	ck_assert_msg(c2, "%s", msg);
	dp_ctl_close(c2);
	ck_assert_int_ne(access(stale, F_OK), 0);
	/* A regular file is not ours to remove. */
	fd = open(stale, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_ptr_null(dp_ctl_open(&dt_dp, stale, msg, sizeof(msg)));
	ck_assert_msg(strstr(msg, "not a socket"), "%s", msg);
	unlink(stale);
}
END_TEST

START_TEST(hello_size_mismatch)
{
	struct sl_dp_hello hello;
	int fd = cl_connect();

	fill_hello(&hello);
	hello.sizes[SL_DP_FLOW_ADD] += 8;
	cl_send(fd, SL_DP_HELLO, 1, &hello, sizeof(hello));
	expect_error(fd, SL_DP_E_VERSION, "FLOW_ADD");
	ck_assert(closed_by_server(fd));
	close(fd);

	fd = cl_connect();
	fill_hello(&hello);
	hello.version = 2;
	cl_send(fd, SL_DP_HELLO, 1, &hello, sizeof(hello));
	expect_error(fd, SL_DP_E_VERSION, "version 2");
	ck_assert(closed_by_server(fd));
	close(fd);
}
END_TEST

START_TEST(framing_errors_close)
{
	struct sl_dp_flow_ref ref = { 1 };
	uint8_t big[64] = { 0 };
	int fd;

	fd = cl_hello();
	cl_send_hdr(fd, 0x12345678, SL_DP_VERSION, SL_DP_FLOW_GET, 5, &ref, sizeof(ref), sizeof(ref));
	expect_error(fd, SL_DP_E_FRAMING, "bad magic");
	ck_assert(closed_by_server(fd));
	close(fd);

	fd = cl_hello();
	cl_send_hdr(fd, SL_DP_MAGIC, SL_DP_VERSION, SL_DP_FLOW_GET, 5, big, 0, SL_DP_MSG_MAX + 1);
	expect_error(fd, SL_DP_E_FRAMING, "larger than the maximum");
	ck_assert(closed_by_server(fd));
	close(fd);

	fd = cl_hello();
	cl_send(fd, SL_DP_FLOW_GET, 5, big, 12);
	expect_error(fd, SL_DP_E_FRAMING, "FLOW_GET body is 12 bytes, expected 8");
	ck_assert(closed_by_server(fd));
	close(fd);

	fd = cl_hello();
	cl_send_hdr(fd, SL_DP_MAGIC, 7, SL_DP_FLOW_GET, 5, &ref, sizeof(ref), sizeof(ref));
	expect_error(fd, SL_DP_E_VERSION, "header version 7");
	ck_assert(closed_by_server(fd));
	close(fd);
}
END_TEST

START_TEST(type_errors_keep_connection)
{
	struct sl_dp_flow_ref ref = { 1 };
	struct sl_dp_ok ok = { 0 };
	struct sl_dp_hello hello;
	struct sl_dp_hdr h;
	uint8_t junk[40] = { 1, 2, 3 };
	int fd = cl_connect();

	/* Before hello. */
	cl_send(fd, SL_DP_FLOW_GET, 2, &ref, sizeof(ref));
	expect_error(fd, SL_DP_E_TYPE, "before HELLO");
	/* Unknown type: skipped, connection stays. */
	cl_send(fd, 200, 3, junk, sizeof(junk));
	expect_error(fd, SL_DP_E_TYPE, "unknown message type 200");
	/* The hello itself in three pieces. */
	fill_hello(&hello);
	h = (struct sl_dp_hdr){ SL_DP_MAGIC, SL_DP_VERSION, SL_DP_HELLO, sizeof(hello), 4 };
	cl_send_raw(fd, &h, 5);
	usleep(20000);
	cl_send_raw(fd, (uint8_t *)&h + 5, sizeof(h) - 5);
	cl_send_raw(fd, &hello, 100);
	usleep(20000);
	cl_send_raw(fd, (uint8_t *)&hello + 100, sizeof(hello) - 100);
	ck_assert_int_eq(cl_recv(fd, &h, rbuf), 0);
	ck_assert_uint_eq(h.type, SL_DP_HELLO);
	ck_assert_uint_eq(h.seq, 4);
	/* A reply type sent as a request. */
	cl_send(fd, SL_DP_OK, 5, &ok, sizeof(ok));
	expect_error(fd, SL_DP_E_TYPE, "not a request");
	/* Semantic errors keep the connection too. */
	cl_send(fd, SL_DP_FLOW_GET, 6, &ref, sizeof(ref));
	expect_error(fd, SL_DP_E_NOENT, "no flow 1");
	call(fd, SL_DP_FLOW_FLUSH, &ref, sizeof(ref), SL_DP_OK);
	close(fd);
}
END_TEST

static bool has_key_bytes(const uint8_t *p, size_t n)
{
	unsigned run = 0;

	for (size_t i = 0; i < n; i++) {
		run = p[i] == DT_KEY_BYTE ? run + 1 : 0;
		if (run >= 4)
			return true;
	}
	return false;
}

START_TEST(flows_over_the_socket)
{
	struct sl_dp_flow_spec s;
	struct sl_dp_flow_ref ref;
	struct sl_dp_flow_list_req lr = { .cursor = 0, .max = 0 };
	struct sl_dp_flow_list_reply *rep = (struct sl_dp_flow_list_reply *)rbuf;
	struct sl_dp_flow_info *fi = (struct sl_dp_flow_info *)rbuf;
	struct sl_dp_stats_req sr = { 0 };
	uint64_t id;
	int fd = cl_hello();

	dt_spec_action(&s, SL_DP_ACT_REKEY, 2, 4000, 5000);
	call(fd, SL_DP_FLOW_ADD, &s, sizeof(s), SL_DP_OK);
	id = ((struct sl_dp_ok *)rbuf)->id;
	ck_assert_uint_eq(id, 1);
	ck_assert_uint_eq(dp_flowtab_count(dt_dp.ft), 1);
	/* The same again: EXISTS, names the field. */
	cl_send(fd, SL_DP_FLOW_ADD, 9, &s, sizeof(s));
	expect_error(fd, SL_DP_E_EXISTS, "match");
	/* A bad field: INVAL naming it. */
	s.out.nkeys = 0;
	cl_send(fd, SL_DP_FLOW_ADD, 10, &s, sizeof(s));
	expect_error(fd, SL_DP_E_INVAL, "out.nkeys");

	ref.id = id;
	call(fd, SL_DP_FLOW_GET, &ref, sizeof(ref), SL_DP_FLOW_INFO);
	ck_assert_uint_eq(fi->id, id);
	ck_assert_uint_eq(fi->action, SL_DP_ACT_REKEY);
	ck_assert_uint_eq(fi->in_suite, 0);
	ck_assert(!has_key_bytes(rbuf, sizeof(*fi)));

	s.out.nkeys = 1;
	s.id = id;
	s.cookie = 1234;
	call(fd, SL_DP_FLOW_MOD, &s, sizeof(s), SL_DP_OK);
	call(fd, SL_DP_FLOW_GET, &ref, sizeof(ref), SL_DP_FLOW_INFO);
	ck_assert_uint_eq(fi->cookie, 1234);

	for (unsigned i = 0; i < 200; i++) {
		dt_spec_forward(&s, i, 6000 + i, 5000);
		call(fd, SL_DP_FLOW_ADD, &s, sizeof(s), SL_DP_OK);
	}
	call(fd, SL_DP_FLOW_LIST, &lr, sizeof(lr), SL_DP_FLOW_LIST_REPLY);
	ck_assert_uint_eq(rep->count, SL_DP_LIST_MAX);
	ck_assert_uint_ne(rep->next_cursor, 0);
	ck_assert(!has_key_bytes(rbuf, sizeof(*rep) + rep->count * sizeof(*fi)));
	lr.cursor = rep->next_cursor;
	call(fd, SL_DP_FLOW_LIST, &lr, sizeof(lr), SL_DP_FLOW_LIST_REPLY);
	ck_assert_uint_eq(rep->count, 201 - SL_DP_LIST_MAX);
	ck_assert_uint_eq(rep->next_cursor, 0);

	call(fd, SL_DP_STATS_GET, &sr, sizeof(sr), SL_DP_STATS);
	ck_assert_uint_eq(((struct sl_dp_stats *)rbuf)->flows, 201);
	ck_assert_uint_eq(((struct sl_dp_stats *)rbuf)->flows_capacity, 1024);
	call(fd, SL_DP_STATUS_GET, &sr, sizeof(sr), SL_DP_STATUS);
	ck_assert_uint_eq(((struct sl_dp_status *)rbuf)->nports, 2);

	call(fd, SL_DP_FLOW_DEL, &ref, sizeof(ref), SL_DP_OK);
	cl_send(fd, SL_DP_FLOW_GET, 11, &ref, sizeof(ref));
	expect_error(fd, SL_DP_E_NOENT, "no flow");
	call(fd, SL_DP_FLOW_FLUSH, &ref, sizeof(ref), SL_DP_OK);
	ck_assert_uint_eq(((struct sl_dp_ok *)rbuf)->id, 200);
	close(fd);
}
END_TEST

START_TEST(events)
{
	struct sl_dp_subscribe sub = { .events = SL_DP_SUB_PUNT | SL_DP_SUB_LATCH };
	struct sl_dp_event_latch ev = { .flow_id = 77, .ip_version = 4, .sport = 1234,
					.ssrc = 0xabc, .src = { 1, 2, 3, 4 } };
	struct sl_dp_stats_req sr = { 0 };
	struct sl_dp_hdr h;
	struct rte_mbuf *m;
	uint8_t *d;
	uint64_t drops;
	int fd = cl_hello(), other = cl_hello();

	sub.events = 0x10;
	cl_send(fd, SL_DP_SUBSCRIBE, 3, &sub, sizeof(sub));
	expect_error(fd, SL_DP_E_INVAL, "events");
	sub.events = SL_DP_SUB_PUNT | SL_DP_SUB_LATCH;
	call(fd, SL_DP_SUBSCRIBE, &sub, sizeof(sub), SL_DP_OK);

	ck_assert_int_eq(rte_ring_mp_enqueue_elem(dt_dp.latch_ring, &ev, sizeof(ev)), 0);
	ck_assert_int_eq(cl_recv(fd, &h, rbuf), 0);
	ck_assert_uint_eq(h.type, SL_DP_EVENT_LATCH);
	ck_assert_mem_eq(rbuf, &ev, sizeof(ev));

	m = rte_pktmbuf_alloc(pool);
	ck_assert_ptr_nonnull(m);
	m->port = 1;
	d = (uint8_t *)rte_pktmbuf_append(m, 100);
	for (unsigned i = 0; i < 100; i++)
		d[i] = i;
	ck_assert_int_eq(rte_ring_mp_enqueue(dt_dp.punt_ring, m), 0);
	ck_assert_int_eq(cl_recv(fd, &h, rbuf), 0);
	ck_assert_uint_eq(h.type, SL_DP_EVENT_PUNT);
	ck_assert_uint_eq(h.len, sizeof(struct sl_dp_event_punt) + 100);
	ck_assert_uint_eq(((struct sl_dp_event_punt *)rbuf)->in_port, 1);
	ck_assert_uint_eq(((struct sl_dp_event_punt *)rbuf)->len, 100);
	ck_assert_uint_eq(((struct sl_dp_event_punt *)rbuf)->orig_len, 100);
	ck_assert_uint_eq(rbuf[sizeof(struct sl_dp_event_punt) + 99], 99);

	/* Nobody subscribed: counted as punt_drop, mbuf freed. */
	sub.events = 0;
	call(fd, SL_DP_SUBSCRIBE, &sub, sizeof(sub), SL_DP_OK);
	call(other, SL_DP_STATS_GET, &sr, sizeof(sr), SL_DP_STATS);
	drops = ((struct sl_dp_stats *)rbuf)->punt_drop;
	m = rte_pktmbuf_alloc(pool);
	rte_pktmbuf_append(m, 60);
	ck_assert_int_eq(rte_ring_mp_enqueue(dt_dp.punt_ring, m), 0);
	while (rte_ring_count(dt_dp.punt_ring))
		usleep(1000);
	usleep(20000);
	call(other, SL_DP_STATS_GET, &sr, sizeof(sr), SL_DP_STATS);
	ck_assert_uint_eq(((struct sl_dp_stats *)rbuf)->punt_drop, drops + 1);
	ck_assert_uint_eq(rte_mempool_in_use_count(pool), 0);
	close(fd);
	close(other);
}
END_TEST

/* A subscriber that never reads loses events; the server and others go on. */
START_TEST(slow_subscriber)
{
	struct sl_dp_subscribe sub = { .events = SL_DP_SUB_LATCH };
	struct sl_dp_event_latch ev = { .flow_id = 1, .ip_version = 4 };
	struct sl_dp_stats_req sr = { 0 };
	int lazy = cl_hello(), fd = cl_hello();
	uint64_t before = dp_ctl_events_dropped();
	int rcv = 4096;

	setsockopt(lazy, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	call(lazy, SL_DP_SUBSCRIBE, &sub, sizeof(sub), SL_DP_OK);
	for (unsigned i = 0; i < 40000; i++) {
		while (rte_ring_mp_enqueue_elem(dt_dp.latch_ring, &ev, sizeof(ev)) != 0)
			sched_yield();
	}
	while (rte_ring_count(dt_dp.latch_ring))
		usleep(1000);
	call(fd, SL_DP_STATS_GET, &sr, sizeof(sr), SL_DP_STATS);
	ck_assert_uint_gt(dp_ctl_events_dropped(), before);
	close(lazy);
	close(fd);
}
END_TEST

START_TEST(too_many_clients)
{
	int fd[DP_CTL_MAX_CLIENTS + 1];

	for (unsigned i = 0; i < DP_CTL_MAX_CLIENTS; i++)
		fd[i] = cl_hello();
	fd[DP_CTL_MAX_CLIENTS] = cl_connect();
	ck_assert(closed_by_server(fd[DP_CTL_MAX_CLIENTS]));
	for (unsigned i = 0; i <= DP_CTL_MAX_CLIENTS; i++)
		close(fd[i]);
	/* Slots are free again. */
	usleep(50000);
	close(cl_hello());
}
END_TEST

/* Another user's connection is closed (run as root: the child drops to nobody). */
START_TEST(peer_credentials)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		printf("peer_credentials: not root, only the own-uid case is covered\n");
		close(cl_hello());
		return;
	}
	/* Let the other user reach the socket, so SO_PEERCRED is what refuses. */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(chmod(path, 0666), 0);
	pid = fork();
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct timeval tv = { .tv_sec = 5 };
		struct sl_dp_hello hello;
		struct sl_dp_hdr h = { SL_DP_MAGIC, SL_DP_VERSION, SL_DP_HELLO, sizeof(hello), 1 };
		char c;
		ssize_t r;
		int s;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(3);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (strlen(path) >= sizeof(sa.sun_path))
			_exit(5);
		memcpy(sa.sun_path, path, strlen(path) + 1);
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			_exit(4);
		fill_hello(&hello);
		send(s, &h, sizeof(h), MSG_NOSIGNAL);
		send(s, &hello, sizeof(hello), MSG_NOSIGNAL);
		r = recv(s, &c, 1, 0);
		_exit(r == 0 || (r < 0 && errno == ECONNRESET) ? 0 : 1);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	chmod(path, 0600);
	chmod(dir, 0700);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "uid 65534 was not refused (status %d)", status);
	close(cl_hello());
}
END_TEST

/* Random messages never crash the server; a good client still works. */
START_TEST(fuzz_garbage)
{
	static uint8_t body[8192];
	struct sl_dp_stats_req sr = { 0 };
	struct sl_dp_flow_spec s;
	unsigned seed = 4242, sent = 0;
	int log_max = dp_ctl_log_max;

	dp_ctl_log_max = LOG_ERR;   /* thousands of refused messages */

	for (unsigned batch = 0; batch < 5000 && sent < 3000; batch++) {
		int fd = (rand_r(&seed) & 1) ? cl_hello() : cl_connect();

		fcntl(fd, F_SETFL, O_NONBLOCK);
		for (unsigned i = 0; i < 20; i++) {
			struct sl_dp_hdr h;
			unsigned r = rand_r(&seed);
			uint32_t len;

			h.magic = (r % 10) ? SL_DP_MAGIC : (uint32_t)rand_r(&seed);
			h.version = (r % 11) ? SL_DP_VERSION : rand_r(&seed) & 0xffff;
			h.type = (r % 7) ? 1 + rand_r(&seed) % (SL_DP_MSG__COUNT - 1)
					 : rand_r(&seed) & 0xffff;
			switch (rand_r(&seed) % 4) {
			case 0:  len = rand_r(&seed) % sizeof(body); break;
			case 1:  len = rand_r(&seed); break;
			default: len = sl_dp_body_size(h.type < SL_DP_MSG__COUNT ? h.type : 1);
			}
			h.len = len;
			h.seq = i;
			for (unsigned k = 0; k < sizeof(body) && k < len; k++)
				body[k] = rand_r(&seed);
			if (h.type == SL_DP_FLOW_ADD && len == sizeof(s) && (r & 8)) {
				/* Sometimes a spec that is nearly right. */
				dt_spec_forward(&s, rand_r(&seed), rand_r(&seed), 1 + (rand_r(&seed) & 0xff));
				s.action = rand_r(&seed) % 6;
				memcpy(body, &s, sizeof(s));
			}
			if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
				break;
			if (send(fd, body, len < sizeof(body) ? len : sizeof(body), MSG_NOSIGNAL) < 0)
				break;
			sent++;
			/* Drain replies so neither side fills up. */
			while (recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT) > 0)
				;
		}
		close(fd);
	}
	dp_ctl_log_max = log_max;
	printf("fuzz: %u random messages sent\n", sent);
	ck_assert_uint_ge(sent, 3000);
	{
		int fd = cl_hello();

		call(fd, SL_DP_STATS_GET, &sr, sizeof(sr), SL_DP_STATS);
		call(fd, SL_DP_FLOW_FLUSH, &sr, sizeof(struct sl_dp_flow_ref), SL_DP_OK);
		dt_spec_forward(&s, 1, 2, 3);
		call(fd, SL_DP_FLOW_ADD, &s, sizeof(s), SL_DP_OK);
		close(fd);
	}
}
END_TEST

/* The client library (dataplane/ctl/dp_client.c) against this server. */
static int count_flow(const struct sl_dp_flow_info *fi, void *arg)
{
	(void)fi;
	(*(unsigned *)arg)++;
	return 0;
}

START_TEST(client_library)
{
	struct sl_dp_client *c;
	struct sl_dp_flow_spec s;
	struct sl_dp_flow_info fi;
	struct sl_dp_stats st;
	char msg[256];
	uint64_t id, n;
	unsigned listed = 0;

	c = sl_dp_client_connect(path, "test_ctl", msg, sizeof(msg));
	ck_assert_msg(c, "%s", msg);
	for (unsigned i = 0; i < 300; i++) {
		dt_spec_action(&s, i % 2 ? SL_DP_ACT_UNPROTECT : SL_DP_ACT_FORWARD, i, 4000 + i, 5000);
		ck_assert_msg(sl_dp_flow_add(c, &s, &id, msg, sizeof(msg)) == 0, "%s", msg);
	}
	ck_assert_int_eq(sl_dp_flow_add(c, &s, &id, msg, sizeof(msg)), -SL_DP_E_EXISTS);
	ck_assert_msg(strstr(msg, "match"), "%s", msg);
	ck_assert_int_eq(sl_dp_flow_get(c, 2, &fi, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(fi.action, SL_DP_ACT_UNPROTECT);
	ck_assert_int_eq(sl_dp_flow_list(c, count_flow, &listed, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(listed, 300);
	ck_assert_int_eq(sl_dp_stats_get(c, &st, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(st.flows, 300);
	ck_assert_int_eq(sl_dp_flow_del(c, 2, msg, sizeof(msg)), 0);
	ck_assert_int_eq(sl_dp_flow_get(c, 2, &fi, msg, sizeof(msg)), -SL_DP_E_NOENT);
	ck_assert_int_eq(sl_dp_flow_flush(c, &n, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(n, 299);
	sl_dp_client_close(c);
}
END_TEST

Suite *dt_suite_ctl(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("socket");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, socket_mode_and_hello);
	tcase_add_test(tc, live_and_stale_socket);
	tcase_add_test(tc, hello_size_mismatch);
	tcase_add_test(tc, framing_errors_close);
	tcase_add_test(tc, type_errors_keep_connection);
	tcase_add_test(tc, flows_over_the_socket);
	tcase_add_test(tc, events);
	tcase_add_test(tc, slow_subscriber);
	tcase_add_test(tc, too_many_clients);
	tcase_add_test(tc, peer_credentials);
	tcase_add_test(tc, fuzz_garbage);
	tcase_add_test(tc, client_library);
	suite_add_tcase(s, tc);
	return s;
}
