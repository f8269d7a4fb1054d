/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol client (dataplane/ctl/dp_client.c) against a fake
 * data plane: a thread listening on a Unix socket that speaks dp_proto.h
 * and misbehaves on purpose (hello mismatch, error replies, events before
 * the reply, no answer, wrong seq, bad magic, EOF). This tests the client
 * side of the contract without shieldlock-dp (CONVENTIONS.md: each side
 * testable without the other).
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dp_client.h"

enum scenario {
	S_GOOD,            /* answers every request correctly */
	S_SIZE_MISMATCH,   /* its hello has a different FLOW_INFO size */
	S_VERSION,         /* its hello has version 99 */
	S_REFUSE_HELLO,    /* replies ERROR(VERSION) to the hello */
	S_ERROR_REPLY,     /* every request gets ERROR(NOENT) */
	S_EVENTS,          /* two LATCH events, then the reply */
	S_SILENT,          /* never answers a request */
	S_WRONG_SEQ,       /* reply seq + 1 */
	S_BAD_MAGIC,       /* reply with bad magic */
	S_CLOSE,           /* closes after the hello */
	S_WRONG_LEN,       /* OK reply with 4 bytes */
	S_FLOOD,           /* 40 LATCH events, then the reply */
	S_PARTIAL,         /* the reply, then half a header and silence */
};

struct fake {
	enum scenario sc;
	int lfd;
	char path[108];
	pthread_t thr;
	/* what the server saw */
	struct sl_dp_hello hello;
	struct sl_dp_flow_spec spec;
	uint16_t last_type;
	unsigned requests;
	unsigned list_flows;   /* S_GOOD: flows FLOW_LIST returns */
};

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_msg(int fd, uint32_t magic, uint16_t type, uint32_t seq, const void *body,
		     uint32_t len)
{
	struct sl_dp_hdr h = { .magic = magic, .version = SL_DP_VERSION, .type = type,
			       .len = len, .seq = seq };
	uint8_t *buf = malloc(sizeof(h) + len);

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	ck_assert_int_eq(write(fd, buf, sizeof(h) + len), (ssize_t)(sizeof(h) + len));
	free(buf);
}

static void reply(int fd, uint16_t type, uint32_t seq, const void *body, uint32_t len)
{
	send_msg(fd, SL_DP_MAGIC, type, seq, body, len);
}

static void send_error(int fd, uint32_t seq, int code, const char *text)
{
	struct sl_dp_error e = { .code = code };

	snprintf(e.msg, sizeof(e.msg), "%s", text);
	reply(fd, SL_DP_ERROR, seq, &e, sizeof(e));
}

static void server_hello(struct fake *f, int fd, uint32_t seq)
{
	struct sl_dp_hello h = { .version = SL_DP_VERSION, .nsizes = SL_DP_MSG__COUNT };

	for (unsigned t = 0; t < SL_DP_MSG__COUNT; t++)
		h.sizes[t] = sl_dp_body_size(t);
	snprintf(h.name, sizeof(h.name), "fake-dp 1.0");
	if (f->sc == S_SIZE_MISMATCH)
		h.sizes[SL_DP_FLOW_INFO] += 8;
	if (f->sc == S_VERSION)
		h.version = 99;
	if (f->sc == S_REFUSE_HELLO) {
		send_error(fd, seq, SL_DP_E_VERSION, "hello: FLOW_ADD is 1 bytes for the client, 2 here");
		return;
	}
	reply(fd, SL_DP_HELLO, seq, &h, sizeof(h));
}

static void send_list(struct fake *f, int fd, uint32_t seq, const struct sl_dp_flow_list_req *req)
{
	uint32_t start = (uint32_t)req->cursor, n = f->list_flows - start;
	size_t len;
	uint8_t *buf;
	struct sl_dp_flow_list_reply rep = { 0 };

	if (n > req->max)
		n = req->max;
	len = sizeof(rep) + n * sizeof(struct sl_dp_flow_info);
	buf = calloc(1, len);
	rep.count = n;
	rep.next_cursor = start + n < f->list_flows ? start + n : 0;
	memcpy(buf, &rep, sizeof(rep));
	for (uint32_t i = 0; i < n; i++) {
		struct sl_dp_flow_info fi = { .id = start + i + 1 };

		memcpy(buf + sizeof(rep) + i * sizeof(fi), &fi, sizeof(fi));
	}
	reply(fd, SL_DP_FLOW_LIST_REPLY, seq, buf, (uint32_t)len);
	free(buf);
}

static void latch_event(int fd, uint64_t id)
{
	struct sl_dp_event_latch ev = { .flow_id = id, .ip_version = 4, .sport = 5004 };

	reply(fd, SL_DP_EVENT_LATCH, 0, &ev, sizeof(ev));
}

/* Answers one request of a well-behaved session. */
static void answer(struct fake *f, int fd, const struct sl_dp_hdr *h, const uint8_t *body)
{
	struct sl_dp_ok ok = { 0 };
	struct sl_dp_flow_info fi = { 0 };
	struct sl_dp_stats st = { 0 };

	switch (h->type) {
	case SL_DP_FLOW_ADD:
		memcpy(&f->spec, body, sizeof(f->spec));
		ok.id = 42;
		reply(fd, SL_DP_OK, h->seq, &ok, sizeof(ok));
		break;
	case SL_DP_FLOW_GET:
		memcpy(&fi.id, body, sizeof(fi.id));
		reply(fd, SL_DP_FLOW_INFO, h->seq, &fi, sizeof(fi));
		break;
	case SL_DP_FLOW_LIST:
		send_list(f, fd, h->seq, (const void *)body);
		break;
	case SL_DP_STATS_GET:
		st.flows = 3;
		reply(fd, SL_DP_STATS, h->seq, &st, sizeof(st));
		break;
	case SL_DP_FLOW_FLUSH:
		ok.id = 7;
		reply(fd, SL_DP_OK, h->seq, &ok, sizeof(ok));
		break;
	default:
		reply(fd, SL_DP_OK, h->seq, &ok, sizeof(ok));
	}
}

static void serve(struct fake *f, int fd)
{
	struct sl_dp_hdr h;
	static uint8_t body[SL_DP_MSG_MAX];
	struct sl_dp_ok ok = { 0 };

	while (read_all(fd, &h, sizeof(h)) == 0 && h.len <= sizeof(body) &&
	       read_all(fd, body, h.len) == 0) {
		f->last_type = h.type;
		if (h.type == SL_DP_HELLO) {
			memcpy(&f->hello, body, sizeof(f->hello));
			server_hello(f, fd, h.seq);
			if (f->sc == S_CLOSE)
				return;
			continue;
		}
		f->requests++;
		switch (f->sc) {
		case S_ERROR_REPLY:
			send_error(fd, h.seq, SL_DP_E_NOENT, "flow 7: no such flow");
			break;
		case S_EVENTS:
			latch_event(fd, 1);
			latch_event(fd, 2);
			answer(f, fd, &h, body);
			latch_event(fd, 3);
			break;
		case S_SILENT:
			break;
		case S_WRONG_SEQ:
			reply(fd, SL_DP_OK, h.seq + 1, &ok, sizeof(ok));
			break;
		case S_BAD_MAGIC:
			send_msg(fd, 0x12345678, SL_DP_OK, h.seq, &ok, sizeof(ok));
			break;
		case S_WRONG_LEN:
			reply(fd, SL_DP_OK, h.seq, &ok, 4);
			break;
		case S_FLOOD:
			for (uint64_t id = 1; id <= 40; id++)
				latch_event(fd, id);
			answer(f, fd, &h, body);
			break;
		case S_PARTIAL:
			answer(f, fd, &h, body);
			ck_assert_int_eq(write(fd, "SLDP\1\0\22\0", 8), 8);
			break;
		default:
			answer(f, fd, &h, body);
		}
	}
}

static void *server_thread(void *arg)
{
	struct fake *f = arg;
	int fd = accept(f->lfd, NULL, NULL);

	if (fd >= 0) {
		serve(f, fd);
		close(fd);
	}
	return NULL;
}

static void fake_start(struct fake *f, enum scenario sc)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->sc = sc;
	snprintf(f->path, sizeof(f->path), "/tmp/test-dpc-%d-%d.sock", (int)getpid(), (int)sc);
	unlink(f->path);
	memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(f->lfd, 0);
	ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(f->lfd, 1), 0);
	ck_assert_int_eq(pthread_create(&f->thr, NULL, server_thread, f), 0);
}

static void fake_stop(struct fake *f, struct sl_dp_client *c)
{
	sl_dp_client_close(c);    /* EOF ends the server loop */
	pthread_join(f->thr, NULL);
	close(f->lfd);
	unlink(f->path);
}

static char msg[512];

static struct sl_dp_client *connect_fake(struct fake *f)
{
	msg[0] = '\0';
	return sl_dp_client_connect(f->path, "test", msg, sizeof(msg));
}

START_TEST(hello_and_add)
{
	struct fake f;
	struct sl_dp_client *c;
	struct sl_dp_flow_spec spec = { 0 };
	struct sl_dp_flow_info fi;
	struct sl_dp_stats st;
	uint64_t id = 0, n = 0;

	printf("dp_client: hello sizes, FLOW_ADD body arrives intact, typed replies\n");
	fake_start(&f, S_GOOD);
	c = connect_fake(&f);
	ck_assert_msg(c != NULL, "%s", msg);
	ck_assert_str_eq(sl_dp_client_peer_name(c), "fake-dp 1.0");
	ck_assert_uint_eq(f.hello.version, SL_DP_VERSION);
	ck_assert_uint_eq(f.hello.nsizes, SL_DP_MSG__COUNT);
	for (unsigned t = 0; t < SL_DP_MSG__COUNT; t++)
		ck_assert_uint_eq(f.hello.sizes[t], sl_dp_body_size(t));
	ck_assert_str_eq(f.hello.name, "test");
	spec.match.dport = 5004;
	spec.out.keys[0].key[0] = 0xab;
	ck_assert_int_eq(sl_dp_flow_add(c, &spec, &id, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(id, 42);
	ck_assert_mem_eq(&f.spec, &spec, sizeof(spec));
	ck_assert_int_eq(sl_dp_flow_get(c, 9, &fi, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(fi.id, 9);
	ck_assert_int_eq(sl_dp_stats_get(c, &st, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(st.flows, 3);
	ck_assert_int_eq(sl_dp_flow_flush(c, &n, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(n, 7);
	/* A typed call that gets another reply type is an error, not a silent copy. */
	ck_assert_int_eq(sl_dp_status_get(c, &(struct sl_dp_status){ 0 }, msg, sizeof(msg)), -SL_DP_E_TYPE);
	ck_assert_str_eq(msg, "data plane answered STATUS_GET with OK, expected STATUS");
	fake_stop(&f, c);
}
END_TEST

static int count_flow(const struct sl_dp_flow_info *fi, void *arg)
{
	uint64_t *n = arg;

	ck_assert_uint_eq(fi->id, *n + 1);
	(*n)++;
	return 0;
}

START_TEST(list_pages)
{
	struct fake f;
	struct sl_dp_client *c;
	uint64_t n = 0;

	printf("dp_client: FLOW_LIST pages through %u + 3 flows\n", SL_DP_LIST_MAX * 2);
	fake_start(&f, S_GOOD);
	f.list_flows = SL_DP_LIST_MAX * 2 + 3;
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sl_dp_flow_list(c, count_flow, &n, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(n, SL_DP_LIST_MAX * 2 + 3);
	ck_assert_uint_eq(f.requests, 3);
	fake_stop(&f, c);
}
END_TEST

START_TEST(size_mismatch)
{
	struct fake f;
	char want[200];

	printf("dp_client: hello with another FLOW_INFO size is refused, naming the type\n");
	fake_start(&f, S_SIZE_MISMATCH);
	ck_assert_ptr_null(connect_fake(&f));
	snprintf(want, sizeof(want), "message size mismatch for FLOW_INFO: data plane %zu bytes, client %zu bytes",
		 sizeof(struct sl_dp_flow_info) + 8, sizeof(struct sl_dp_flow_info));
	printf("  %s\n", msg);
	ck_assert_ptr_nonnull(strstr(msg, want));
	fake_stop(&f, NULL);
}
END_TEST

START_TEST(version_mismatch)
{
	struct fake f;

	printf("dp_client: hello with another protocol version is refused\n");
	fake_start(&f, S_VERSION);
	ck_assert_ptr_null(connect_fake(&f));
	ck_assert_ptr_nonnull(strstr(msg, "data plane speaks control protocol version 99, this client version 1"));
	fake_stop(&f, NULL);
}
END_TEST

START_TEST(hello_refused)
{
	struct fake f;

	printf("dp_client: the server's hello refusal is reported with its text\n");
	fake_start(&f, S_REFUSE_HELLO);
	ck_assert_ptr_null(connect_fake(&f));
	ck_assert_str_eq(msg, "data plane refused the hello: hello: FLOW_ADD is 1 bytes for the client, 2 here");
	fake_stop(&f, NULL);
}
END_TEST

START_TEST(error_reply)
{
	struct fake f;
	struct sl_dp_client *c;

	printf("dp_client: ERROR replies map to -code with the server's text\n");
	fake_start(&f, S_ERROR_REPLY);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sl_dp_flow_del(c, 7, msg, sizeof(msg)), -SL_DP_E_NOENT);
	ck_assert_str_eq(msg, "flow 7: no such flow");
	/* The connection stays usable after an error reply. */
	ck_assert_int_eq(sl_dp_flow_del(c, 7, msg, sizeof(msg)), -SL_DP_E_NOENT);
	ck_assert_uint_eq(f.requests, 2);
	ck_assert_str_eq(sl_dp_strerror(-SL_DP_E_NOENT), "no such flow");
	ck_assert_str_eq(sl_dp_strerror(SL_DP_E_FULL), "flow table full");
	fake_stop(&f, c);
}
END_TEST

START_TEST(events_queued)
{
	struct fake f;
	struct sl_dp_client *c;
	struct sl_dp_event_latch ev;
	uint16_t type = 0;
	uint32_t len = 0;

	printf("dp_client: events that arrive before a reply are queued in order\n");
	fake_start(&f, S_EVENTS);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sl_dp_subscribe(c, SL_DP_SUB_LATCH, msg, sizeof(msg)), 0);
	for (uint64_t id = 1; id <= 3; id++) {
		ck_assert_int_eq(sl_dp_next_event(c, 2000, &type, &ev, sizeof(ev), &len, msg, sizeof(msg)), 1);
		ck_assert_uint_eq(type, SL_DP_EVENT_LATCH);
		ck_assert_uint_eq(len, sizeof(ev));
		ck_assert_uint_eq(ev.flow_id, id);
		ck_assert_uint_eq(ev.sport, 5004);
	}
	ck_assert_int_eq(sl_dp_next_event(c, 50, &type, &ev, sizeof(ev), &len, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(sl_dp_client_events_dropped(c), 0);
	fake_stop(&f, c);
}
END_TEST

START_TEST(events_overflow)
{
	struct fake f;
	struct sl_dp_client *c;
	struct sl_dp_event_latch ev;
	uint16_t type = 0;
	uint32_t len = 0;

	printf("dp_client: more events than the queue holds: the oldest are dropped and counted\n");
	fake_start(&f, S_FLOOD);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sl_dp_subscribe(c, SL_DP_SUB_LATCH, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(sl_dp_client_events_dropped(c), 8);
	for (uint64_t id = 9; id <= 40; id++) {
		ck_assert_int_eq(sl_dp_next_event(c, 0, &type, &ev, sizeof(ev), &len, msg, sizeof(msg)), 1);
		ck_assert_uint_eq(ev.flow_id, id);
	}
	ck_assert_int_eq(sl_dp_next_event(c, 0, &type, &ev, sizeof(ev), &len, msg, sizeof(msg)), 0);
	fake_stop(&f, c);
}
END_TEST

START_TEST(partial_event)
{
	struct fake f;
	struct sl_dp_client *c;
	uint8_t buf[64];
	uint16_t type;
	uint32_t len;

	printf("dp_client: an event that starts but never completes is an error, not a quiet timeout\n");
	fake_start(&f, S_PARTIAL);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	sl_dp_client_set_timeout(c, 200);
	ck_assert_int_eq(sl_dp_subscribe(c, SL_DP_SUB_PUNT, msg, sizeof(msg)), 0);
	ck_assert_int_eq(sl_dp_next_event(c, 100, &type, buf, sizeof(buf), &len, msg, sizeof(msg)),
			 -SL_DP_E_FRAMING);
	ck_assert_ptr_nonnull(strstr(msg, "did not answer within 0.2 s"));
	fake_stop(&f, c);
}
END_TEST

START_TEST(silent_server)
{
	struct fake f;
	struct sl_dp_client *c;

	printf("dp_client: a data plane that never answers gives a timeout error\n");
	fake_start(&f, S_SILENT);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	sl_dp_client_set_timeout(c, 200);
	ck_assert_int_eq(sl_dp_flow_del(c, 1, msg, sizeof(msg)), -SL_DP_E_FRAMING);
	printf("  %s\n", msg);
	ck_assert_ptr_nonnull(strstr(msg, "data plane did not answer within 0.2 s"));
	/* The stream is out of step now: later calls fail the same way at once. */
	msg[0] = '\0';
	ck_assert_int_eq(sl_dp_flow_del(c, 1, msg, sizeof(msg)), -SL_DP_E_FRAMING);
	ck_assert_ptr_nonnull(strstr(msg, "did not answer within 0.2 s"));
	ck_assert_uint_eq(f.requests, 1);
	fake_stop(&f, c);
}
END_TEST

START_TEST(silent_hello_env)
{
	struct fake f;

	printf("dp_client: SHIELDLOCK_DP_TIMEOUT_MS bounds the hello\n");
	fake_start(&f, S_SILENT);
	setenv("SHIELDLOCK_DP_TIMEOUT_MS", "1500", 1);
	/* the fake answers the hello; with S_SILENT only requests go unanswered */
	{
		struct sl_dp_client *c = connect_fake(&f);

		ck_assert_ptr_nonnull(c);
		ck_assert_int_eq(sl_dp_flow_del(c, 1, msg, sizeof(msg)), -SL_DP_E_FRAMING);
		ck_assert_ptr_nonnull(strstr(msg, "within 1.5 s"));
		fake_stop(&f, c);
	}
	unsetenv("SHIELDLOCK_DP_TIMEOUT_MS");
}
END_TEST

START_TEST(wrong_seq)
{
	struct fake f;
	struct sl_dp_client *c;

	printf("dp_client: a reply with the wrong seq is a protocol error\n");
	fake_start(&f, S_WRONG_SEQ);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sl_dp_flow_del(c, 1, msg, sizeof(msg)), -SL_DP_E_FRAMING);
	printf("  %s\n", msg);
	ck_assert_ptr_nonnull(strstr(msg, "data plane answered FLOW_DEL request 2 with OK for request 3"));
	fake_stop(&f, c);
}
END_TEST

START_TEST(bad_magic)
{
	struct fake f;
	struct sl_dp_client *c;

	printf("dp_client: bad magic and wrong length are protocol errors\n");
	fake_start(&f, S_BAD_MAGIC);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sl_dp_flow_del(c, 1, msg, sizeof(msg)), -SL_DP_E_FRAMING);
	ck_assert_ptr_nonnull(strstr(msg, "bad magic 0x12345678"));
	fake_stop(&f, c);

	fake_start(&f, S_WRONG_LEN);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sl_dp_flow_del(c, 1, msg, sizeof(msg)), -SL_DP_E_FRAMING);
	ck_assert_ptr_nonnull(strstr(msg, "data plane sent a OK message of 4 bytes, expected 8"));
	fake_stop(&f, c);
}
END_TEST

START_TEST(server_closes)
{
	struct fake f;
	struct sl_dp_client *c;

	printf("dp_client: the data plane closing the connection is reported\n");
	fake_start(&f, S_CLOSE);
	c = connect_fake(&f);
	ck_assert_ptr_nonnull(c);
	pthread_join(f.thr, NULL);
	ck_assert_int_eq(sl_dp_flow_del(c, 1, msg, sizeof(msg)), -SL_DP_E_FRAMING);
	printf("  %s\n", msg);
	ck_assert_ptr_nonnull(strstr(msg, "the data plane closed the control connection"));
	sl_dp_client_close(c);
	close(f.lfd);
	unlink(f.path);
}
END_TEST

START_TEST(no_socket)
{
	printf("dp_client: connecting to a missing socket says what to do\n");
	ck_assert_ptr_null(sl_dp_client_connect("/tmp/no-such-dp.sock", "test", msg, sizeof(msg)));
	ck_assert_str_eq(msg, "cannot connect to the data plane at /tmp/no-such-dp.sock: No such file or directory "
			      "(is shieldlock-dp running? --ctl-socket)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dp_client");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, hello_and_add);
	tcase_add_test(tc, list_pages);
	tcase_add_test(tc, size_mismatch);
	tcase_add_test(tc, version_mismatch);
	tcase_add_test(tc, hello_refused);
	tcase_add_test(tc, error_reply);
	tcase_add_test(tc, events_queued);
	tcase_add_test(tc, events_overflow);
	tcase_add_test(tc, partial_event);
	tcase_add_test(tc, silent_server);
	tcase_add_test(tc, silent_hello_env);
	tcase_add_test(tc, wrong_seq);
	tcase_add_test(tc, bad_magic);
	tcase_add_test(tc, server_closes);
	tcase_add_test(tc, no_socket);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
