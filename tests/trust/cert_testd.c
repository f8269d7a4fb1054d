/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for shieldlockd's parent for the shieldlockctl cert end-to-end
 * test: serves the admin socket with own certificates DIR/ca.pem (CA,
 * regenerable) and DIR/node.pem (CCM) and the trust store DIR/trust, prints
 * "prov_changed" on stdout at each change, and regenerates a certificate
 * with the OpenSSL command line ($OPENSSL) as the ca process would.
 *
 * usage: cert_testd SOCKET STORE DIR
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "admin.h"
#include "log.h"
#include "store.h"

static char ca_path[512], node_path[512], trust_path[512];

static void changed(void *arg)
{
	(void)arg;
	printf("prov_changed\n");
	fflush(stdout);
}

static int regenerate(void *arg, const char *name, char *err, size_t errlen)
{
	const char *openssl = getenv("OPENSSL") ? getenv("OPENSSL") : "openssl";
	char keyf[600];
	pid_t pid;
	int st;

	(void)arg;
	if (strcmp(name, "ca")) {
		snprintf(err, errlen, "cert_testd regenerates only ca");
		return -1;
	}
	snprintf(keyf, sizeof(keyf), "%s.key", ca_path);
	pid = fork();
	if (pid == 0) {
		execlp(openssl, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
		       "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyf, "-out", ca_path, "-days",
		       "10", "-subj", "/O=Shieldlock Test/CN=Regenerated CA", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(err, errlen, "openssl req failed");
		return -1;
	}
	return 0;
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)sig; (void)what;
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	static const uint8_t key[SL_STORE_MASTER_KEY_LEN] = { 9 };
	struct sl_admin_cert_ref refs[2];
	struct sl_admin_ctx ctx = { .prov_changed = changed, .cert_regenerate = regenerate };
	struct event_base *base;
	struct event *term;
	struct sl_admin *a;
	struct sl_store *st;
	char err[512];

	if (argc != 4) {
		fprintf(stderr, "usage: cert_testd SOCKET STORE DIR\n");
		return 2;
	}
	sl_log_init("cert-testd", SL_LOG_DEBUG);
	if (sl_store_open(argv[2], key, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "cert_testd: %s\n", err);
		return 1;
	}
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", argv[3]);
	snprintf(node_path, sizeof(node_path), "%s/node.pem", argv[3]);
	snprintf(trust_path, sizeof(trust_path), "%s/trust", argv[3]);
	refs[0] = (struct sl_admin_cert_ref){ "ca", ca_path, "CA", true };
	refs[1] = (struct sl_admin_cert_ref){ "node", node_path, "CCM", false };
	ctx.store = st;
	ctx.node_cert_path = node_path;
	ctx.certs = refs;
	ctx.ncerts = 2;
	ctx.trust_store = trust_path;
	base = event_base_new();
	a = base ? sl_admin_new(base, argv[1], &ctx, err, sizeof(err)) : NULL;
	if (!a) {
		fprintf(stderr, "cert_testd: %s\n", base ? err : "event_base_new failed");
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
