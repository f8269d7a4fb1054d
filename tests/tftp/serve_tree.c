/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * serve_tree: runs the TFTP and HTTP provisioning servers on one tree until
 * SIGTERM/SIGINT, then prints the counters. Test tool, not installed.
 *
 *   serve_tree --dir D --tftp-port N --http-port M [--max-blksize B]
 *              [--bind ADDR] [--pass-sockets] [--max-transfers N]
 *              [--max-per-client N] [--timeout S] [--retries N]
 *
 * --pass-sockets binds both sockets here and hands them over as fds (the
 * way shieldlockd's privileged parent does). Prints "ready tftp=N http=M"
 * on stdout once both serve.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "prov.h"
#include "prov_http.h"
#include "tftp.h"

static void usage(void)
{
	fprintf(stderr, "usage: serve_tree --dir D --tftp-port N --http-port M "
		"[--max-blksize B] [--bind ADDR] [--pass-sockets] [--max-transfers N] "
		"[--max-per-client N] [--timeout S] [--retries N]\n");
	exit(2);
}

static unsigned num(const char *s, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > max) {
		fprintf(stderr, "serve_tree: \"%s\" is not a number up to %u\n", s, max);
		exit(2);
	}
	return (unsigned)v;
}

static int bound_socket(int type, const char *addr, uint16_t port)
{
	struct sockaddr_in sa;
	int s, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "serve_tree: --pass-sockets needs an IPv4 --bind address\n");
		exit(2);
	}
	s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("serve_tree: bind");
		exit(1);
	}
	return s;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

static void print_counters(struct sl_tftp_server *t, struct sl_prov_http *h)
{
	struct sl_tftp_counters tc;
	struct sl_prov_http_counters hc;
	unsigned i;

	sl_tftp_server_counters(t, &tc);
	sl_prov_http_counters(h, &hc);
	printf("tftp requests=%llu completed=%llu bytes_sent=%llu timeouts=%llu "
	       "retransmits=%llu client_aborts=%llu active=%llu\n",
	       (unsigned long long)tc.requests, (unsigned long long)tc.completed,
	       (unsigned long long)tc.bytes_sent, (unsigned long long)tc.timeouts,
	       (unsigned long long)tc.retransmits, (unsigned long long)tc.client_aborts,
	       (unsigned long long)tc.active);
	printf("tftp errors");
	for (i = 0; i < TFTP_ECODES; i++)
		printf(" %u=%llu", i, (unsigned long long)tc.errors[i]);
	printf("\n");
	printf("http requests=%llu ok=%llu 400=%llu 403=%llu 404=%llu 405=%llu "
	       "500=%llu 503=%llu bytes_sent=%llu connections=%llu active=%llu\n",
	       (unsigned long long)hc.requests, (unsigned long long)hc.ok,
	       (unsigned long long)hc.bad_request, (unsigned long long)hc.forbidden,
	       (unsigned long long)hc.not_found, (unsigned long long)hc.bad_method,
	       (unsigned long long)hc.server_error, (unsigned long long)hc.busy,
	       (unsigned long long)hc.bytes_sent, (unsigned long long)hc.connections,
	       (unsigned long long)hc.active_connections);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "tftp-port", required_argument, NULL, 't' },
		{ "http-port", required_argument, NULL, 'h' },
		{ "max-blksize", required_argument, NULL, 'b' },
		{ "bind", required_argument, NULL, 'a' },
		{ "pass-sockets", no_argument, NULL, 'p' },
		{ "max-transfers", required_argument, NULL, 'm' },
		{ "max-per-client", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "retries", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_tftp_config tcfg;
	struct sl_prov_http_config hcfg;
	struct sl_tftp_server *tftp = NULL;
	struct sl_prov_http *http = NULL;
	struct event_base *base;
	struct event *sterm, *sint;
	const char *dir = NULL, *bind_addr = "127.0.0.1";
	int tport = -1, hport = -1, pass = 0, c, rc, dirfd;

	sl_tftp_config_defaults(&tcfg);
	sl_prov_http_config_defaults(&hcfg);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 't': tport = (int)num(optarg, 65535); break;
		case 'h': hport = (int)num(optarg, 65535); break;
		case 'b': tcfg.max_blksize = num(optarg, 100000); break;
		case 'a': bind_addr = optarg; break;
		case 'p': pass = 1; break;
		case 'm': tcfg.max_transfers = num(optarg, 100000); break;
		case 'c': tcfg.max_per_client = num(optarg, 100000);
			  hcfg.max_per_client = tcfg.max_per_client; break;
		case 'T': tcfg.default_timeout = num(optarg, 255); break;
		case 'r': tcfg.max_retries = num(optarg, 100); break;
		default: usage();
		}
	}
	if (dir == NULL || tport < 0 || hport < 0 || optind != argc)
		usage();
	sl_log_init("prov", SL_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);

	dirfd = sl_prov_open_tree(dir);
	if (dirfd < 0) {
		fprintf(stderr, "serve_tree: cannot open %s: %s\n", dir, strerror(-dirfd));
		return 1;
	}
	base = event_base_new();
	if (base == NULL)
		return 1;
	tcfg.dirfd = hcfg.dirfd = dirfd;
	tcfg.bind_addr = hcfg.bind_addr = bind_addr;
	tcfg.port = (uint16_t)tport;
	hcfg.port = (uint16_t)hport;
	if (pass) {
		tcfg.fd = bound_socket(SOCK_DGRAM, bind_addr, (uint16_t)tport);
		hcfg.fd = bound_socket(SOCK_STREAM, bind_addr, (uint16_t)hport);
	}
	rc = sl_tftp_server_new(base, &tcfg, &tftp);
	if (rc != 0) {
		fprintf(stderr, "serve_tree: TFTP server: %s\n", strerror(-rc));
		return 1;
	}
	rc = sl_prov_http_new(base, &hcfg, &http);
	if (rc != 0) {
		fprintf(stderr, "serve_tree: HTTP server: %s\n", strerror(-rc));
		return 1;
	}
	close(dirfd);	/* the servers hold their own copies */
	sterm = evsignal_new(base, SIGTERM, on_signal, base);
	sint = evsignal_new(base, SIGINT, on_signal, base);
	event_add(sterm, NULL);
	event_add(sint, NULL);
	printf("ready tftp=%u http=%u\n", sl_tftp_server_port(tftp), sl_prov_http_port(http));
	fflush(stdout);

	event_base_dispatch(base);

	print_counters(tftp, http);
	sl_tftp_server_free(tftp);
	sl_prov_http_free(http);
	event_free(sterm);
	event_free(sint);
	event_base_free(base);
	return 0;
}
