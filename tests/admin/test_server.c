/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket: sl_admin_new on an event_base run by a thread, and raw
 * frames from this thread (the store is touched only by the loop thread
 * while it runs). A pipe tells the loop to stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "test_admin.h"

static struct {
	struct event_base *base;
	struct event *stop_ev;
	struct sl_admin *admin;
	pthread_t thr;
	int stop_pipe[2];
	char path[160];
} srv;

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	event_base_loopbreak(srv.base);
}

static void *loop_main(void *arg)
{
	(void)arg;
	event_base_dispatch(srv.base);
	return NULL;
}

static void srv_setup(void)
{
	char err[256] = "";

	fx_setup();
	memset(&srv, 0, sizeof(srv));
	snprintf(srv.path, sizeof(srv.path), "%s/admin.sock", fx.dir);
	srv.base = event_base_new();
	ck_assert_ptr_nonnull(srv.base);
	srv.admin = sl_admin_new(srv.base, srv.path, &fx.ctx, err, sizeof(err));
	ck_assert_msg(srv.admin != NULL, "sl_admin_new: %s", err);
	ck_assert_int_eq(pipe(srv.stop_pipe), 0);
	srv.stop_ev = event_new(srv.base, srv.stop_pipe[0], EV_READ, stop_cb, NULL);
	event_add(srv.stop_ev, NULL);
	ck_assert_int_eq(pthread_create(&srv.thr, NULL, loop_main, NULL), 0);
}

static void srv_teardown(void)
{
	ck_assert_int_eq(write(srv.stop_pipe[1], "x", 1), 1);
	pthread_join(srv.thr, NULL);
	sl_admin_free(srv.admin);
	/* sl_admin_free unlinks its socket. */
	ck_assert_int_eq(access(srv.path, F_OK), -1);
	event_free(srv.stop_ev);
	event_base_free(srv.base);
	close(srv.stop_pipe[0]);
	close(srv.stop_pipe[1]);
	fx_teardown();
}

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_lt(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path), (int)sizeof(sun.sun_path));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_raw(int fd, const void *p, size_t n)
{
	ck_assert_int_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void send_cmd(int fd, bool json, int argc, char **argv)
{
	uint8_t *f;
	size_t len;
	char err[128];

	ck_assert_int_eq(sl_admin_req_encode(argc, argv, json ? SL_ADMIN_F_JSON : 0, &f, &len, err,
					     sizeof(err)), 0);
	/* In two pieces, to exercise reassembly. */
	send_raw(fd, f, 3);
	usleep(20000);
	send_raw(fd, f + 3, len - 3);
	free(f);
}

static void recv_full(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = recv(fd, (char *)p + got, n - got, 0);

		ck_assert_msg(k > 0, "recv: %zd (%s)", k, strerror(errno));
		got += (size_t)k;
	}
}

/* Reads one reply; returns the status, text in a static buffer. */
static int recv_reply(int fd, char **text)
{
	static char buf[64 * 1024];
	uint8_t hdr[8];
	uint32_t len;

	recv_full(fd, hdr, 8);
	len = sl_admin_get_u32(hdr);
	ck_assert_uint_ge(len, 4);
	ck_assert_uint_lt(len - 4, sizeof(buf));
	recv_full(fd, buf, len - 4);
	buf[len - 4] = '\0';
	*text = buf;
	return (int)sl_admin_get_u32(hdr + 4);
}

START_TEST(socket_mode_and_requests)
{
	char *add[] = { "user", "add", "alice", "--password", "password1" };
	char *list[] = { "user", "list" };
	char *bad[] = { "user", "show", "nobody" };
	struct stat st;
	char *text;
	int fd;

	ck_assert_int_eq(stat(srv.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	fd = connect_to(srv.path);
	/* Several requests on one connection, answered in order. */
	send_cmd(fd, false, 5, add);
	ck_assert_int_eq(recv_reply(fd, &text), 0);
	ck_assert_str_eq(text, "user alice added (realm lab.example)\n");
	send_cmd(fd, true, 2, list);
	ck_assert_int_eq(recv_reply(fd, &text), 0);
	ck_assert(json_valid(text));
	ck_assert_ptr_nonnull(strstr(text, "\"name\":\"alice\""));
	send_cmd(fd, false, 3, bad);
	ck_assert_int_eq(recv_reply(fd, &text), SL_ADMIN_E_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(text, "user show: user 'nobody' does not exist"));
	close(fd);
	ck_assert_int_eq(fx.changed, 1);
}
END_TEST

START_TEST(pipelined_requests)
{
	char *list[] = { "profile", "list" };
	uint8_t *f, *two;
	size_t len;
	char err[128], *text;
	int fd = connect_to(srv.path);

	ck_assert_int_eq(sl_admin_req_encode(2, list, 0, &f, &len, err, sizeof(err)), 0);
	two = malloc(2 * len);
	memcpy(two, f, len);
	memcpy(two + len, f, len);
	send_raw(fd, two, 2 * len);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(recv_reply(fd, &text), 0);
		ck_assert_ptr_nonnull(strstr(text, "encrypted (lock)"));
	}
	free(f);
	free(two);
	close(fd);
}
END_TEST

START_TEST(bad_frames_close)
{
	static const uint8_t too_big[] = { 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 0 };
	static const uint8_t bad_flags[] = { 0, 0, 0, 10, 0, 0, 0, 8, 'u', 's', 'e', 'r', 0, 0 };
	char *text, c;
	int fd;

	fd = connect_to(srv.path);
	send_raw(fd, too_big, sizeof(too_big));
	ck_assert_int_eq(recv_reply(fd, &text), SL_ADMIN_E_USAGE);
	ck_assert_ptr_nonnull(strstr(text, "request frame of 1048577 bytes"));
	ck_assert_int_eq(recv(fd, &c, 1, 0), 0);	/* closed */
	close(fd);

	fd = connect_to(srv.path);
	send_raw(fd, bad_flags, sizeof(bad_flags));
	ck_assert_int_eq(recv_reply(fd, &text), SL_ADMIN_E_USAGE);
	ck_assert_ptr_nonnull(strstr(text, "unknown request flags 0x8"));
	ck_assert_int_eq(recv(fd, &c, 1, 0), 0);
	close(fd);

	/* A client that vanishes mid-frame does not disturb the next one. */
	fd = connect_to(srv.path);
	send_raw(fd, bad_flags, 5);
	close(fd);
	fd = connect_to(srv.path);
	{
		char *list[] = { "user", "list" };

		send_cmd(fd, false, 2, list);
		ck_assert_int_eq(recv_reply(fd, &text), 0);
	}
	close(fd);
}
END_TEST


START_TEST(stale_and_live_sockets)
{
	struct sl_admin *second;
	struct event_base *b2 = event_base_new();
	char err[256] = "", other[192];
	int fd;

	/* A daemon answers at the path: refuse, leave it alone. */
	second = sl_admin_new(b2, srv.path, &fx.ctx, err, sizeof(err));
	ck_assert_ptr_null(second);
	ck_assert_ptr_nonnull(strstr(err, "is listening on"));
	ck_assert_int_eq(access(srv.path, F_OK), 0);
	/* A stale socket file (nobody listening) is replaced. */
	snprintf(other, sizeof(other), "%s/stale.sock", fx.dir);
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		ck_assert_int_lt(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", other),
				 (int)sizeof(sun.sun_path));
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
		close(fd);
	}
	second = sl_admin_new(b2, other, &fx.ctx, err, sizeof(err));
	ck_assert_msg(second != NULL, "stale socket: %s", err);
	sl_admin_free(second);
	ck_assert_int_eq(access(other, F_OK), -1);
	/* A regular file is not ours to delete. */
	fd = open(other, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_ptr_null(sl_admin_new(b2, other, &fx.ctx, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "exists and is not a socket"));
	unlink(other);
	snprintf(other, sizeof(other), "%s/nodir/admin.sock", fx.dir);
	ck_assert_ptr_null(sl_admin_new(b2, other, &fx.ctx, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "create its directory first"));
	event_base_free(b2);
}
END_TEST

TCase *tc_server(void)
{
	TCase *tc = tcase_create("server");

	tcase_add_checked_fixture(tc, srv_setup, srv_teardown);
	tcase_add_test(tc, socket_mode_and_requests);
	tcase_add_test(tc, pipelined_requests);
	tcase_add_test(tc, bad_frames_close);
	tcase_add_test(tc, stale_and_live_sockets);
	return tc;
}
