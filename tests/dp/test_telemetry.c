/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands (dataplane/dp/telemetry.c) through DPDK's telemetry
 * socket (<runtime dir>/dpdk_telemetry.v2, SOCK_SEQPACKET, JSON), the way
 * dpdk-telemetry.py reads them; and through dpdk-telemetry.py itself when
 * it is installed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dp_test.h"
#include "telemetry.h"

static char reply[16384];

static int tel_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	char p[sizeof(sa.sun_path) + 32];
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ssize_t r;

	snprintf(p, sizeof(p), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	ck_assert_uint_lt(strlen(p), sizeof(sa.sun_path));
	memcpy(sa.sun_path, p, strlen(p) + 1);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect %s: %s",
		      p, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* The server greets with its version, pid and max output length. */
	r = recv(fd, reply, sizeof(reply) - 1, 0);
	ck_assert_int_gt(r, 0);
	reply[r] = 0;
	ck_assert_ptr_nonnull(strstr(reply, "max_output_len"));
	return fd;
}

static const char *query(int fd, const char *cmd)
{
	ssize_t r;

	ck_assert_int_eq(send(fd, cmd, strlen(cmd), 0), (ssize_t)strlen(cmd));
	r = recv(fd, reply, sizeof(reply) - 1, 0);
	ck_assert_int_gt(r, 0);
	reply[r] = 0;
	return reply;
}

#define HAS(s, needle) ck_assert_msg(strstr((s), (needle)), "\"%s\" lacks %s", (s), (needle))

static void setup(void)
{
	char msg[256];

	dt_dp.ft = dp_flowtab_create(&dt_dp, 1024, dt_dp.nworkers, msg, sizeof(msg));
	ck_assert_msg(dt_dp.ft, "%s", msg);
}

static void teardown(void)
{
	dp_flowtab_free(dt_dp.ft);
	dt_dp.ft = NULL;
}

START_TEST(commands)
{
	struct sl_dp_flow_spec s;
	const char *r;
	uint64_t id;
	char cmd[64];
	int fd;

	dt_spec_action(&s, SL_DP_ACT_PROTECT, 2, 4000, 5000);
	s.cookie = 4242;
	ck_assert_int_eq(dp_flowtab_add(dt_dp.ft, &s, &id, NULL, 0), 0);
	fd = tel_connect();
	r = query(fd, "/");
	HAS(r, "/shieldlock/stats");
	HAS(r, "/shieldlock/flow\"");
	r = query(fd, "/shieldlock/flows");
	HAS(r, "{\"/shieldlock/flows\":{\"count\":1,\"capacity\":1024}}");
	snprintf(cmd, sizeof(cmd), "/shieldlock/flow,%llu", (unsigned long long)id);
	r = query(fd, cmd);
	HAS(r, "\"id\":1,");
	HAS(r, "\"cookie\":4242");
	HAS(r, "\"action\":\"srtp-protect\"");
	HAS(r, "\"pkts_in\":0");
	r = query(fd, "/shieldlock/flow,99");
	HAS(r, "null");
	r = query(fd, "/shieldlock/flow,abc");
	HAS(r, "null");
	r = query(fd, "/shieldlock/stats");
	HAS(r, "\"flows\":1,");
	HAS(r, "\"flows_capacity\":1024");
	HAS(r, "\"port_id\":[0,1]");
	HAS(r, "\"port_rx_pkts\":[0,0]");
	HAS(r, "\"worker_rx_pkts\":[0,0]");
	r = query(fd, "/shieldlock/ports");
	HAS(r, "\"name\":[\"fake0\",\"fake1\"]");
	HAS(r, "\"port_id\":[0,1]");
	close(fd);
}
END_TEST

/* The telemetry thread reads flows while the control thread deletes them. */
struct hammer {
	volatile int stop;
	unsigned queries;
};

static void *hammer_flows(void *arg)
{
	struct hammer *h = arg;
	int fd = tel_connect();
	char cmd[64], buf[4096];

	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE)) {
		ssize_t r;

		snprintf(cmd, sizeof(cmd), "/shieldlock/flow,%u", 1 + h->queries % 200);
		if (send(fd, cmd, strlen(cmd), 0) < 0)
			break;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r <= 0)
			break;
		__atomic_fetch_add(&h->queries, 1, __ATOMIC_RELAXED);
	}
	close(fd);
	return NULL;
}

START_TEST(reads_race_deletes)
{
	struct sl_dp_flow_spec s;
	struct hammer h = { 0 };
	pthread_t th;
	uint64_t id;

	ck_assert_int_eq(pthread_create(&th, NULL, hammer_flows, &h), 0);
	for (unsigned ms = 0; ms < 5000 && !__atomic_load_n(&h.queries, __ATOMIC_RELAXED); ms++)
		usleep(1000);
	for (unsigned round = 0; round < 50; round++) {
		for (unsigned i = 0; i < 10; i++) {
			dt_spec_action(&s, SL_DP_ACT_PROTECT, i, 4000, 5000);
			ck_assert_int_eq(dp_flowtab_add(dt_dp.ft, &s, &id, NULL, 0), 0);
		}
		dp_flowtab_flush(dt_dp.ft);
	}
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	printf("telemetry: %u flow queries during 500 adds and 50 flushes\n", h.queries);
	ck_assert_uint_gt(h.queries, 0);
}
END_TEST

/* The operator's tool, if installed: dpdk-telemetry.py -f <file-prefix>. */
START_TEST(dpdk_telemetry_py)
{
	char cmd[512], out[8192];
	const char *prefix = strrchr(rte_eal_get_runtime_dir(), '/');
	size_t n;
	FILE *p;

	if (access("/usr/bin/dpdk-telemetry.py", X_OK) != 0) {
		printf("dpdk-telemetry.py not installed: skipped\n");
		return;
	}
	ck_assert_ptr_nonnull(prefix);
	snprintf(cmd, sizeof(cmd),
		 "printf '/shieldlock/flows\\n' | /usr/bin/dpdk-telemetry.py -f %s 2>&1", prefix + 1);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	HAS(out, "\"capacity\": 1024");
}
END_TEST

Suite *dt_suite_telemetry(void)
{
	Suite *s = suite_create("telemetry");
	TCase *tc = tcase_create("commands");

	int rc = dp_telemetry_register(&dt_dp);

	if (rc != 0) {
		fprintf(stderr, "FAIL: dp_telemetry_register: %d\n", rc);
		exit(1);
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, commands);
	tcase_add_test(tc, reads_race_deletes);
	tcase_add_test(tc, dpdk_telemetry_py);
	suite_add_tcase(s, tc);
	return s;
}
