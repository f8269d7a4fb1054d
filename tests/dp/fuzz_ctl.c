/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the control socket server (dataplane/dp/ctl_server.c)
 * fed arbitrary bytes over a real connection, with a real flow table behind
 * it, so framing, hello, dispatch and every flow field check are reached.
 *
 * Input: byte 0 selects options (bit 0: send a valid HELLO first; bits 1..3:
 * chunk size for sending the rest, to exercise partial messages); the rest
 * is sent as is. Seeds: tests/dp/corpus_ctl/ (gen_corpus_ctl.py).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>

#include "ctl_server.h"
#include "dpdk_eal.h"
#include "flowtab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dp dp;
static struct dp_ctl *ctl;
static char path[108];

static void cleanup(void)
{
	unlink(path);
	rmdir(rte_eal_get_runtime_dir());   /* empty with --no-shconf */
}

static void init_once(void)
{
	char prefix[64], msg[256];
	char *argv[16];
	int argc = 0, err;

	snprintf(prefix, sizeof(prefix), "sl-fuzzctl-%d", (int)getpid());
	argv[argc++] = "fuzz_ctl";
	argv[argc++] = "--no-huge";
	argv[argc++] = "-m";
	argv[argc++] = "256";
	argv[argc++] = "--no-pci";
	argv[argc++] = "-l";
	argv[argc++] = "0";
	argv[argc++] = "--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = "--no-shconf";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = "--log-level=*:critical";
	argv[argc] = NULL;
	if (sl_dpdk_eal_init(argc, argv) < 0)
		abort();
	dp.nports = 2;
	dp.port[0].id = 0;
	dp.port[1].id = 1;
	dp.nworkers = 2;
	dp.cfg.replay_window = 128;
	dp.ctl_engine = sl_engine_open("openssl", NULL, &err);
	if (!dp.ctl_engine)
		abort();
	dp.ft = dp_flowtab_create(&dp, 64, dp.nworkers, msg, sizeof(msg));
	if (!dp.ft)
		abort();
	snprintf(path, sizeof(path), "/tmp/sl-fuzzctl-%d.sock", (int)getpid());
	unlink(path);
	ctl = dp_ctl_open(&dp, path, msg, sizeof(msg));
	if (!ctl) {
		fprintf(stderr, "%s\n", msg);
		abort();
	}
	atexit(cleanup);
	dp_ctl_log_max = -1;   /* silent: thousands of refused messages */
}

static void send_hello(int fd)
{
	struct {
		struct sl_dp_hdr h;
		struct sl_dp_hello b;
	} m;

	memset(&m, 0, sizeof(m));
	m.h = (struct sl_dp_hdr){ SL_DP_MAGIC, SL_DP_VERSION, SL_DP_HELLO, sizeof(m.b), 1 };
	m.b.version = SL_DP_VERSION;
	m.b.nsizes = SL_DP_MSG__COUNT;
	for (unsigned i = 0; i < SL_DP_MSG__COUNT; i++)
		m.b.sizes[i] = sl_dp_body_size(i);
	(void)!send(fd, &m, sizeof(m), MSG_NOSIGNAL);
}

/* Lets the server work and throws its replies away. */
static void pump(int fd, unsigned rounds)
{
	static uint8_t sink[65536];

	for (unsigned i = 0; i < rounds; i++) {
		dp_ctl_poll(ctl, 0);
		while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static unsigned runs;
	size_t chunk, off;
	int fd;

	if (!ctl)
		init_once();
	if (size < 1)
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		abort();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	pump(fd, 1);
	if (data[0] & 1)
		send_hello(fd);
	chunk = (data[0] >> 1) & 7 ? ((data[0] >> 1) & 7) * 7 : size;
	for (off = 1; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (send(fd, data + off, n, MSG_NOSIGNAL) < 0)
			break;
		pump(fd, 1);
	}
	pump(fd, 3);
	close(fd);
	pump(fd, 1);
	/* Keep the table from staying full for every later input. */
	if (++runs % 256 == 0)
		dp_flowtab_flush(dp.ft);
	return 0;
}
