/* SPDX-License-Identifier: BSD-3-Clause */
/* TLS (RFC 3261 §26.2, RFC 5630): client certificates, versions, peer
 * details against the OpenSSL CLI, certificate replacement, key log, the
 * OpenSSL s_client as an independent peer. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tp_test.h"

#define N(x) ((void *)(uintptr_t)(x))

static const char options[] =
	"OPTIONS sip:sbc.test SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls1\r\n"
	"Max-Forwards: 70\r\nTo: <sip:sbc.test>\r\nFrom: <sip:1001@shieldlock.test>;tag=9\r\n"
	"Call-ID: tls-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
static const char ok200[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

/* Client connects, sends OPTIONS; returns once the server got it. */
static void client_options(struct tt *t, struct tcli *c, SSL_CTX *ctx, int port)
{
	unsigned before = t->nmsg;

	tcli_start(c, ctx, port);
	ck_assert(tt_run(t, tcli_hs_done, c, 3000));
	ck_assert_int_eq(atomic_load(&c->hs), 1);
	tcli_send(c, options);
	ck_assert(tt_run(t, tt_nmsg_ge, N(before + 1), 3000));
	ck_assert_str_eq(t->msg[before].data, options);
}

START_TEST(tls_client_cert_verified)
{
	struct tt t;
	struct tcli c;
	struct sl_tp_peer p;
	char fp[65], err[256];
	int port;

	tt_init(&t, 10, 0, 0);
	tt_tls(&t, "server", false, NULL);
	port = tt_listen(&t, SL_TP_TLS);
	client_options(&t, &c, tcli_ctx("client", 0), port);
	p = t.msg[0].peer;
	ck_assert_int_eq(p.proto, SL_TP_TLS);
	ck_assert(p.cert_present);
	ck_assert(p.cert_verified);
	ck_assert_str_eq(p.cert_subject_cn, "phone-1001");
	ck_assert_str_eq(p.cert_sans, "phone1001.test,sip:1001@shieldlock.test");
	cli_fingerprint(tt_path("client.pem"), fp);
	ck_assert_str_eq(p.cert_sha256, fp);
	ck_assert_str_eq(p.tls_version, "TLSv1.3");
	ck_assert_str_eq(p.tls_version, c.version);
	ck_assert_str_ne(p.tls_cipher, "");
	/* the server presented its certificate (the client verified it) */
	cli_fingerprint(tt_path("server.pem"), fp);
	ck_assert_str_eq(c.server_fp, fp);
	/* send back over the connection id */
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TLS, p.conn_id, NULL, 0, ok200, strlen(ok200),
				    NULL, err, sizeof(err)), 0);
	for (int i = 0; i < 400 && tcli_nrecv(&c) < strlen(ok200); i++)
		tt_sleep_loop(&t, 5);
	ck_assert_uint_eq(tcli_nrecv(&c), strlen(ok200));
	ck_assert_mem_eq(c.recv, ok200, strlen(ok200));
	ck_assert_int_eq(sl_tp_conn_peer(t.tp, p.conn_id, &p), 0);
	ck_assert_str_eq(p.cert_subject_cn, "phone-1001");
	/* client goes away: on_close */
	tcli_stop(&c);
	ck_assert(tt_run(&t, tt_nclose_ge, N(1), 3000));
	ck_assert_uint_eq(t.closed_id[0], t.msg[0].peer.conn_id);
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TLS, p.conn_id, NULL, 0, ok200, strlen(ok200),
				    NULL, err, sizeof(err)), -ENOTCONN);
	tt_fini(&t);
}
END_TEST

START_TEST(tls_optional_cert_absent_or_untrusted)
{
	struct tt t;
	struct tcli c;
	int port;

	tt_init(&t, 10, 0, 0);
	tt_tls(&t, "server", false, NULL);
	port = tt_listen(&t, SL_TP_TLS);
	client_options(&t, &c, tcli_ctx(NULL, 0), port);
	ck_assert(!t.msg[0].peer.cert_present);
	ck_assert(!t.msg[0].peer.cert_verified);
	ck_assert_str_eq(t.msg[0].peer.cert_subject_cn, "");
	ck_assert_str_eq(t.msg[0].peer.cert_sha256, "");
	tcli_stop(&c);
	/* an untrusted certificate is reported, not refused, when optional */
	client_options(&t, &c, tcli_ctx("rogue", 0), port);
	ck_assert(t.msg[1].peer.cert_present);
	ck_assert(!t.msg[1].peer.cert_verified);
	ck_assert_str_eq(t.msg[1].peer.cert_subject_cn, "rogue");
	tcli_stop(&c);
	tt_fini(&t);
}
END_TEST

START_TEST(tls_required_cert)
{
	struct tt t;
	struct tcli c;
	struct sl_tp_stats st;
	int port;

	tt_init(&t, 10, 0, 0);
	tt_tls(&t, "server", true, NULL);
	port = tt_listen(&t, SL_TP_TLS);
	/* no certificate: handshake refused (TLS 1.3: seen after the client's Finished) */
	tcli_start(&c, tcli_ctx(NULL, 0), port);
	tcli_send(&c, options);
	ck_assert(tt_run(&t, tt_nclose_ge, N(1), 3000));
	ck_assert_msg(strstr(t.closed_why[0], "TLS handshake failed") != NULL, "why: %s",
		      t.closed_why[0]);
	ck_assert(tt_run(&t, tcli_closed, &c, 3000));
	tcli_stop(&c);
	/* untrusted certificate: refused too, the reason names verification */
	tcli_start(&c, tcli_ctx("rogue", 0), port);
	tcli_send(&c, options);
	ck_assert(tt_run(&t, tt_nclose_ge, N(2), 3000));
	ck_assert_msg(strstr(t.closed_why[1], "certificate verification") != NULL, "why: %s",
		      t.closed_why[1]);
	ck_assert(tt_run(&t, tcli_closed, &c, 3000));
	tcli_stop(&c);
	ck_assert_uint_eq(t.nmsg, 0);
	sl_tp_stats(t.tp, &st);
	ck_assert_uint_eq(st.tls_handshake_failed, 2);
	/* a trusted one works */
	client_options(&t, &c, tcli_ctx("client", 0), port);
	ck_assert(t.msg[0].peer.cert_verified);
	tcli_stop(&c);
	tt_fini(&t);
}
END_TEST

START_TEST(tls11_refused)
{
	struct tt t;
	struct tcli c;
	struct sl_tp_stats st;
	int port;

	tt_init(&t, 10, 0, 0);
	tt_tls(&t, "server", false, NULL);
	port = tt_listen(&t, SL_TP_TLS);
	tcli_start(&c, tcli_ctx("client", TLS1_1_VERSION), port);
	ck_assert(tt_run(&t, tcli_hs_done, &c, 3000));
	ck_assert_int_eq(atomic_load(&c.hs), -1);
	ck_assert(tt_run(&t, tt_nclose_ge, N(1), 3000));
	sl_tp_stats(t.tp, &st);
	ck_assert_uint_eq(st.tls_handshake_failed, 1);
	ck_assert_msg(strstr(t.closed_why[0], "TLS handshake failed") != NULL, "why: %s",
		      t.closed_why[0]);
	tcli_stop(&c);
	/* TLS 1.2 is still fine */
	client_options(&t, &c, tcli_ctx("client", TLS1_2_VERSION), port);
	ck_assert_str_eq(t.msg[0].peer.tls_version, "TLSv1.2");
	tcli_stop(&c);
	tt_fini(&t);
}
END_TEST

START_TEST(tls_cert_replacement)
{
	struct tt t;
	struct tcli c1, c2;
	char fp1[65], fp2[65], err[256];
	int port;

	cli_fingerprint(tt_path("server.pem"), fp1);
	cli_fingerprint(tt_path("server2.pem"), fp2);
	tt_init(&t, 10, 0, 0);
	tt_tls(&t, "server", false, NULL);
	port = tt_listen(&t, SL_TP_TLS);
	client_options(&t, &c1, tcli_ctx("client", 0), port);
	ck_assert_str_eq(c1.server_fp, fp1);
	tt_tls(&t, "server2", false, NULL);
	/* the open connection keeps working, both ways */
	tcli_send(&c1, options);
	ck_assert(tt_run(&t, tt_nmsg_ge, N(2), 3000));
	ck_assert_uint_eq(t.msg[1].peer.conn_id, t.msg[0].peer.conn_id);
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TLS, t.msg[0].peer.conn_id, NULL, 0, ok200,
				    strlen(ok200), NULL, err, sizeof(err)), 0);
	for (int i = 0; i < 400 && tcli_nrecv(&c1) < strlen(ok200); i++)
		tt_sleep_loop(&t, 5);
	ck_assert_uint_eq(tcli_nrecv(&c1), strlen(ok200));
	/* a new one sees the new certificate */
	client_options(&t, &c2, tcli_ctx("client", 0), port);
	ck_assert_str_eq(c2.server_fp, fp2);
	ck_assert_uint_eq(t.nclose, 0);
	tcli_stop(&c1);
	tcli_stop(&c2);
	tt_fini(&t);
}
END_TEST

static char *slurp(const char *path)
{
	static char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(tls_keylog)
{
	struct tt t;
	struct tcli c;
	struct stat st;
	char kl[512], *s;
	int port;

	snprintf(kl, sizeof(kl), "%s/keylog-%d.txt", tt_dir, (int)getpid());
	unlink(kl);
	tt_init(&t, 10, 0, 0);
	tt_tls(&t, "server", false, kl);
	port = tt_listen(&t, SL_TP_TLS);
	client_options(&t, &c, tcli_ctx("client", TLS1_2_VERSION), port);
	tcli_stop(&c);
	client_options(&t, &c, tcli_ctx("client", 0), port);
	tcli_stop(&c);
	ck_assert_int_eq(stat(kl, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	s = slurp(kl);
	/* NSS key log format: "LABEL <client random hex> <secret hex>" */
	ck_assert_ptr_nonnull(strstr(s, "CLIENT_RANDOM "));
	ck_assert_ptr_nonnull(strstr(s, "CLIENT_HANDSHAKE_TRAFFIC_SECRET "));
	ck_assert_ptr_nonnull(strstr(s, "SERVER_HANDSHAKE_TRAFFIC_SECRET "));
	ck_assert_ptr_nonnull(strstr(s, "CLIENT_TRAFFIC_SECRET_0 "));
	ck_assert_ptr_nonnull(strstr(s, "SERVER_TRAFFIC_SECRET_0 "));
	tt_fini(&t);
	unlink(kl);
}
END_TEST

START_TEST(tls_outgoing)
{
	struct tt t, r;
	struct sockaddr_storage dst = { 0 };
	struct sockaddr_in *d = (struct sockaddr_in *)&dst;
	char err[256];
	uint64_t out = 0;
	int port;

	tt_init(&t, 10, 0, 0);
	tt_tls(&t, "server", false, NULL);
	port = tt_listen(&t, SL_TP_TLS);
	d->sin_family = AF_INET;
	d->sin_port = htons((uint16_t)port);
	d->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t.echo = ok200;
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TLS, 0, &dst, sizeof(*d), options,
				    strlen(options), &out, err, sizeof(err)), 0);
	ck_assert(tt_run(&t, tt_nmsg_ge, N(2), 3000));
	/* [0]: OPTIONS on the accepted side, from our own (client) certificate */
	ck_assert_uint_ne(t.msg[0].peer.conn_id, out);
	ck_assert_str_eq(t.msg[0].data, options);
	ck_assert(t.msg[0].peer.cert_verified);
	ck_assert_str_eq(t.msg[0].peer.cert_subject_cn, "sbc.test");
	/* [1]: the 200 on the outgoing connection, server verified */
	ck_assert_uint_eq(t.msg[1].peer.conn_id, out);
	ck_assert_str_eq(t.msg[1].data, ok200);
	ck_assert(t.msg[1].peer.cert_verified);
	ck_assert_str_eq(t.msg[1].peer.cert_sans, "sbc.test");
	ck_assert_uint_gt(t.msg[1].peer.local_len, 0);

	/* a server with an untrusted certificate: the handshake fails */
	tt_init_base(&r, t.base, 10, 0, 0);
	tt_tls(&r, "rogue", false, NULL);
	port = tt_listen(&r, SL_TP_TLS);
	d->sin_port = htons((uint16_t)port);
	ck_assert_int_eq(sl_tp_send(t.tp, SL_TP_TLS, 0, &dst, sizeof(*d), options,
				    strlen(options), &out, err, sizeof(err)), 0);
	ck_assert(tt_run(&t, tt_nclose_ge, N(1), 3000));
	ck_assert_uint_eq(t.closed_id[0], out);
	ck_assert_msg(strstr(t.closed_why[0], "certificate verification") != NULL, "why: %s",
		      t.closed_why[0]);
	ck_assert_uint_eq(r.nmsg, 0);
	tt_fini(&r);
	tt_fini(&t);
}
END_TEST

START_TEST(tls_interop_s_client)
{
	struct tt t;
	char port_s[32], conn[64], req[512];
	int port, in, status = 0;
	pid_t pid;

	tt_init(&t, 10, 0, 0);
	tt_tls(&t, "server", true, NULL);
	port = tt_listen(&t, SL_TP_TLS);
	snprintf(req, sizeof(req), "%s/options-%d.txt", tt_dir, (int)getpid());
	in = open(req, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	write_all(in, options, strlen(options));
	close(in);
	snprintf(port_s, sizeof(port_s), "%d", port);
	snprintf(conn, sizeof(conn), "127.0.0.1:%d", port);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);

		in = open(req, O_RDONLY);
		dup2(in, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execlp("openssl", "openssl", "s_client", "-connect", conn,
		       "-cert", tt_path("client.pem"), "-key", tt_path("client.key"),
		       "-CApath", tt_path("trust"), "-verify_return_error", "-quiet",
		       "-ign_eof", (char *)NULL);
		_exit(127);
	}
	bool got = tt_run(&t, tt_nmsg_ge, N(1), 5000);
	if (got)
		sl_tp_close(t.tp, t.msg[0].peer.conn_id);	/* s_client then exits */
	for (int i = 0; i < 600 && waitpid(pid, &status, WNOHANG) == 0; i++)
		tt_sleep_loop(&t, 5);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	unlink(req);
	ck_assert_msg(got, "no message from openssl s_client");
	ck_assert_str_eq(t.msg[0].data, options);
	ck_assert(t.msg[0].peer.cert_verified);
	ck_assert_str_eq(t.msg[0].peer.cert_subject_cn, "phone-1001");
	tt_fini(&t);
}
END_TEST

START_TEST(tls_config_errors)
{
	struct tt t;
	char err[512];
	struct sl_tp_tls_cfg cfg = {
		.cert_file = tt_path("server.pem"), .key_file = tt_path("client.key"),
		.trust_dir = tt_path("trust"),
	};

	tt_init(&t, 10, 0, 0);
	/* key does not match the certificate */
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "private key"));
	cfg.key_file = tt_path("server.key");
	cfg.min_version = TLS1_1_VERSION;
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "TLS 1.2"));
	cfg.min_version = TLS1_3_VERSION;
	cfg.trust_dir = tt_path("nonexistent");
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), -ENOENT);
	cfg.trust_dir = NULL;
	cfg.require_client_cert = true;
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), -EINVAL);
	cfg.require_client_cert = false;
	cfg.ciphers = "NO-SUCH-CIPHER";
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "cipher"));
	cfg.ciphers = NULL;
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), 0);
	tt_fini(&t);
}
END_TEST

/* A whole file in memory (the test's own copy). */
static char *file_text(const char *name, size_t *len)
{
	FILE *f = fopen(tt_path(name), "rb");
	char *b = malloc(65536);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(b);
	*len = fread(b, 1, 65536, f);
	fclose(f);
	return b;
}

/* The material from memory, as the sip process gets it from its parent:
 * the file names only label messages (none of them exists), the trust
 * bundle decides what verifies, a damaged bundle or key is refused. */
START_TEST(tls_from_memory)
{
	struct tt t;
	struct tcli c;
	char err[512];
	size_t cl, kl, tl, rl;
	char *cert = file_text("server.pem", &cl), *key = file_text("server.key", &kl);
	char *ca = file_text("ca.pem", &tl), *rogue = file_text("rogue.pem", &rl);
	struct sl_tp_tls_cfg cfg = {
		.cert_file = "/nonexistent/node.pem", .key_file = "/nonexistent/node.key",
		.trust_dir = "/nonexistent/trust", .min_version = TLS1_2_VERSION,
		.cert_pem = cert, .cert_pem_len = cl, .key_pem = key, .key_pem_len = kl,
		.trust_pem = ca, .trust_pem_len = tl, .require_client_cert = true,
	};
	int port;

	tt_init(&t, 10, 0, 0);
	ck_assert_msg(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)) == 0, "set_tls: %s", err);
	port = tt_listen(&t, SL_TP_TLS);
	client_options(&t, &c, tcli_ctx("client", 0), port);
	ck_assert(t.msg[0].peer.cert_verified);
	ck_assert_str_eq(t.msg[0].peer.cert_subject_cn, "phone-1001");
	tcli_stop(&c);
	/* an empty bundle: nothing verifies, a required certificate fails */
	cfg.trust_pem_len = 0;
	ck_assert_msg(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)) == 0, "set_tls: %s", err);
	ck_assert(tt_run(&t, tt_nclose_ge, N(1), 3000));	/* the first client's */
	tcli_start(&c, tcli_ctx("client", 0), port);
	tcli_send(&c, options);
	ck_assert(tt_run(&t, tt_nclose_ge, N(2), 3000));
	ck_assert_msg(strstr(t.closed_why[1], "certificate verification") != NULL, "why: %s",
		      t.closed_why[1]);
	ck_assert(tt_run(&t, tcli_closed, &c, 3000));
	tcli_stop(&c);
	ck_assert_uint_eq(t.nmsg, 1);
	/* the rogue's own certificate as the bundle: it verifies, the phone does not */
	cfg.trust_pem = rogue;
	cfg.trust_pem_len = rl;
	cfg.require_client_cert = false;
	ck_assert_msg(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)) == 0, "set_tls: %s", err);
	client_options(&t, &c, tcli_ctx("client", 0), port);
	ck_assert(!t.msg[1].peer.cert_verified);
	tcli_stop(&c);
	client_options(&t, &c, tcli_ctx("rogue", 0), port);
	ck_assert(t.msg[2].peer.cert_verified);
	tcli_stop(&c);
	/* a damaged bundle, chain or key is refused and names the file */
	cfg.trust_pem_len = rl - 40;
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/trust"));
	cfg.trust_pem_len = rl;
	cfg.cert_pem_len = 30;
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/node.pem"));
	cfg.cert_pem_len = cl;
	cfg.key_pem = ca;
	cfg.key_pem_len = tl;
	ck_assert_int_eq(sl_tp_set_tls(t.tp, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/node.key"));
	tt_fini(&t);
	free(cert);
	free(key);
	free(ca);
	free(rogue);
}
END_TEST

Suite *suite_tls(void)
{
	Suite *s = suite_create("transport-tls");
	TCase *tc = tcase_create("tls");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tls_client_cert_verified);
	tcase_add_test(tc, tls_optional_cert_absent_or_untrusted);
	tcase_add_test(tc, tls_required_cert);
	tcase_add_test(tc, tls11_refused);
	tcase_add_test(tc, tls_cert_replacement);
	tcase_add_test(tc, tls_keylog);
	tcase_add_test(tc, tls_outgoing);
	tcase_add_test(tc, tls_interop_s_client);
	tcase_add_test(tc, tls_config_errors);
	tcase_add_test(tc, tls_from_memory);
	suite_add_tcase(s, tc);
	return s;
}
