/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for shieldlockd's parent for the shieldlockctl end-to-end
 * test: opens a store, serves the admin socket until SIGTERM, and prints
 * "dir_changed" on stdout each time the directory changes and
 * "prov_changed" each time the provisioning files would be rebuilt.
 *
 * usage: admin_testd SOCKET STORE NODE_CERT
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "admin.h"
#include "conf.h"
#include "log.h"
#include "store.h"

static void changed(void *arg)
{
	(void)arg;
	printf("dir_changed\n");
	fflush(stdout);
}

static void prov(void *arg)
{
	(void)arg;
	printf("prov_changed\n");
	fflush(stdout);
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)sig; (void)what;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	static const uint8_t key[SL_STORE_MASTER_KEY_LEN] = { 1, 2, 3 };
	struct sl_admin_ctx ctx = { .dir_changed = changed, .prov_changed = prov };
	struct event_base *base;
	struct event *term;
	struct sl_admin *a;
	struct sl_store *st;
	struct sl_conf conf;
	char err[512];

	if (argc != 4) {
		fprintf(stderr, "usage: admin_testd SOCKET STORE NODE_CERT\n");
		return 2;
	}
	sl_log_init("admin-testd", SL_LOG_DEBUG);
	if (sl_store_open(argv[2], key, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "admin_testd: %s\n", err);
		return 1;
	}
	sl_conf_defaults(&conf);
	snprintf(conf.realm, sizeof(conf.realm), "lab.example");
	ctx.store = st;
	ctx.conf = &conf;
	ctx.node_cert_path = argv[3];
	base = event_base_new();
	a = base ? sl_admin_new(base, argv[1], &ctx, err, sizeof(err)) : NULL;
	if (!a) {
		fprintf(stderr, "admin_testd: %s\n", base ? err : "event_base_new failed");
		return 1;
	}
	term = evsignal_new(base, SIGTERM, on_term, base);
	event_add(term, NULL);
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	event_free(term);
	sl_admin_free(a);
	event_base_free(base);
	sl_store_close(st);
	return 0;
}
