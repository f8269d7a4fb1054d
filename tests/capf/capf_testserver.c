/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capf_testserver: the CAPF server library with an in-process backend, for
 * tests and for independent clients (built, not installed).
 *
 *   capf_testserver --port N --cert capf.pem --key capf.key --issuer ca.pem
 *       --issuer-key ca.key [--mic-ca mfg.pem]... --devices FILE [--tls10]
 *       [--addr 127.0.0.1] [--certdir DIR] [--days N] [--exit-after N]
 *       [--keygen-timeout MS] [--step-timeout MS] [--max-sessions N]
 *       [--no-auth-type] [--rfc5480-ku]
 *
 * FILE: one device a line, "NAME OPERATION AUTH [PASSWORD] [KEY]":
 *   OPERATION install|fetch|delete|none
 *   AUTH      none (or null, no-password)|password|certificate|lsc|mic
 *             (PASSWORD only with password)
 *   KEY       rsa:BITS|ec:P-256|ec:P-384|ec:P-521 (default rsa:2048); the
 *             curves may also be written secp256r1, secp384r1, secp521r1
 * --rfc5480-ku: EC LSCs get keyAgreement (RFC 5480) instead of the reference
 * profile's keyEncipherment (spec §1.9).
 * '#' starts a comment. Output on stdout, one line each:
 *   listening port=N
 *   session=ID device=NAME operation=OP outcome=OK|... end_reason=R detail="..."
 * Issued (install) and fetched certificates go to DIR/NAME.pem; a
 * successful delete removes it; a successful operation sets it to none.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "capf_server.h"
#include "log.h"

#define MAX_DEVICES 256
#define MAX_MIC 8

struct device {
	char name[64];
	enum capf_op op;
	enum capf_auth_mode mode;
	char password[64];
	struct capf_keyparams key;
};

struct backend {
	struct device dev[MAX_DEVICES];
	size_t n;
	X509 *issuer;
	EVP_PKEY *issuer_key;
	unsigned days;
	bool rfc5480_ku;
	const char *certdir;
	long exit_after;
	long finished;
	struct event_base *base;
};

static void die(const char *fmt, const char *arg) __attribute__((noreturn));

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "capf_testserver: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static struct device *find(struct backend *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->dev[i].name, name) == 0)
			return &b->dev[i];
	return NULL;
}

/* Constant-time over a fixed width: length and contents leak nothing. */
static bool password_ok(const char *want, const char *got)
{
	char a[64] = { 0 }, g[64] = { 0 };
	size_t wl = strlen(want), gl = got ? strlen(got) : (size_t)-1;
	bool ok;

	if (got == NULL || gl >= sizeof(g))
		return false;
	memcpy(a, want, wl);
	memcpy(g, got, gl);
	ok = CRYPTO_memcmp(a, g, sizeof(a)) == 0 && wl == gl;
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(g, sizeof(g));
	return ok;
}

static void b_lookup(void *ctx, struct capf_session *s, const struct capf_lookup_req *r)
{
	struct backend *b = ctx;
	struct device *d = find(b, r->device);
	struct capf_lookup_answer a = { 0 };

	if (d == NULL) {
		a.status = CAPF_LOOKUP_UNKNOWN_DEVICE;
	} else if (d->mode == CAPF_AUTH_PASSWORD && !password_ok(d->password, r->password)) {
		a.status = CAPF_LOOKUP_AUTH_FAILED;
	} else {
		a.status = CAPF_LOOKUP_FOUND;
		a.mode = d->mode;
		a.op = d->op;
		a.key = d->key;
	}
	capf_session_lookup_done(s, &a);	/* synchronously, through the async API */
}

static void b_issue(void *ctx, struct capf_session *s, const char *device, const uint8_t *spki,
		    size_t len, const struct capf_keyparams *kp)
{
	struct backend *b = ctx;
	struct capf_lsc_req r = {
		.device = device, .spki = spki, .spki_len = len, .want = kp, .days = b->days,
		.issuer = b->issuer, .issuer_key = b->issuer_key, .rfc5480_ku = b->rfc5480_ku,
	};
	uint8_t *der = NULL;
	size_t der_len = 0;
	char err[200];

	if (capf_lsc_issue(&r, &der, &der_len, err, sizeof(err)) != 0) {
		fprintf(stderr, "capf_testserver: issuing for %s: %s\n", device, err);
		capf_session_issue_done(s, -1, NULL, 0);
		return;
	}
	capf_session_issue_done(s, 0, der, der_len);
	OPENSSL_free(der);
}

static void cert_path(const struct backend *b, const char *dev, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s.pem", b->certdir, dev);
}

static void b_result(void *ctx, const struct capf_result *r)
{
	struct backend *b = ctx;
	struct device *d = find(b, r->device);
	char path[4096];
	const unsigned char *p;
	X509 *x;
	FILE *f;

	if (d == NULL || r->outcome != CAPF_F_OK)
		return;		/* stored state changes only on success */
	cert_path(b, r->device, path, sizeof(path));
	if (r->op == CAPF_OP_DELETE) {
		unlink(path);
	} else if (r->der != NULL) {
		p = r->der;
		x = d2i_X509(NULL, &p, (long)r->der_len);
		f = fopen(path, "w");
		if (x == NULL || f == NULL || !PEM_write_X509(f, x))
			fprintf(stderr, "capf_testserver: cannot write %s\n", path);
		if (f != NULL)
			fclose(f);
		X509_free(x);
	}
	d->op = CAPF_OP_NONE;
}

static void b_cancel(void *ctx, struct capf_session *s)
{
	(void)ctx;
	(void)s;	/* answers are synchronous: nothing is ever pending */
}

static const struct capf_backend_ops ops = { b_lookup, b_issue, b_result, b_cancel };

static void on_outcome(void *arg, const struct capf_outcome *o)
{
	struct backend *b = arg;
	const char *f = o->fail == CAPF_F_OK ? "OK" : capf_fail_str(o->fail);
	char word[64];
	size_t i;

	/* one token: "unknown device" -> "unknown_device" */
	snprintf(word, sizeof(word), "%s", f);
	for (i = 0; word[i]; i++)
		if (word[i] == ' ')
			word[i] = '_';
	printf("session=%u device=%s operation=%s outcome=%s end_reason=%d detail=\"%s\"\n",
	       o->session_id, o->device[0] ? o->device : "-", capf_op_str(o->op), word,
	       o->reason_sent, o->detail);
	fflush(stdout);
	if (b->exit_after > 0 && ++b->finished >= b->exit_after) {
		struct timeval tv = { 0, 300000 };	/* let END_SESSION go out */

		event_base_loopexit(b->base, &tv);
	}
}

static int parse_op(const char *s, enum capf_op *op)
{
	static const char *const n[] = { "none", "install", "fetch", "delete" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, n[i]) == 0) {
			*op = (enum capf_op)i;
			return 0;
		}
	return -1;
}

static int parse_auth(const char *s, enum capf_auth_mode *m)
{
	static const char *const n[] = { "none", "password", "certificate", "lsc", "mic" };
	int i;

	if (strcmp(s, "no-password") == 0 || strcmp(s, "null") == 0) {
		*m = CAPF_AUTH_NONE;
		return 0;
	}
	for (i = 0; i < 5; i++)
		if (strcmp(s, n[i]) == 0) {
			*m = (enum capf_auth_mode)i;
			return 0;
		}
	return -1;
}

static void load_devices(struct backend *b, const char *file)
{
	char line[512], *tok[8], *save, *p;
	FILE *f = fopen(file, "r");
	int n, i;

	if (f == NULL)
		die("cannot open the devices file %s", file);
	while (fgets(line, sizeof(line), f) != NULL) {
		struct device *d;

		if ((p = strchr(line, '#')) != NULL)
			*p = 0;
		n = 0;
		for (p = strtok_r(line, " \t\r\n", &save); p != NULL && n < 8;
		     p = strtok_r(NULL, " \t\r\n", &save))
			tok[n++] = p;
		if (n == 0)
			continue;
		if (n < 3 || b->n == MAX_DEVICES)
			die("devices file: need NAME OPERATION AUTH on line for %s", tok[0]);
		d = &b->dev[b->n++];
		snprintf(d->name, sizeof(d->name), "%s", tok[0]);
		if (parse_op(tok[1], &d->op) != 0)
			die("devices file: bad OPERATION %s (install, fetch, delete, none)", tok[1]);
		if (parse_auth(tok[2], &d->mode) != 0)
			die("devices file: bad AUTH %s (none, password, certificate, lsc, mic)",
			    tok[2]);
		i = 3;
		if (d->mode == CAPF_AUTH_PASSWORD) {
			if (n < 4)
				die("devices file: %s needs a PASSWORD", d->name);
			snprintf(d->password, sizeof(d->password), "%s", tok[i++]);
		}
		capf_keyparams_parse("rsa:2048", &d->key);
		if (i < n && capf_keyparams_parse(tok[i], &d->key) != 0)
			die("devices file: bad key %s (rsa:BITS, ec:P-256, ec:P-384, ec:P-521)",
			    tok[i]);
	}
	fclose(f);
}

static X509 *load_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f != NULL)
		fclose(f);
	if (x == NULL)
		die("cannot read the PEM certificate %s", path);
	return x;
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f != NULL)
		fclose(f);
	if (k == NULL)
		die("cannot read the PEM private key %s", path);
	return k;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", 1, NULL, 'p' }, { "cert", 1, NULL, 'c' }, { "key", 1, NULL, 'k' },
		{ "issuer", 1, NULL, 'i' }, { "issuer-key", 1, NULL, 'I' },
		{ "mic-ca", 1, NULL, 'm' }, { "devices", 1, NULL, 'd' },
		{ "tls10", 0, NULL, 't' }, { "addr", 1, NULL, 'a' },
		{ "certdir", 1, NULL, 'o' }, { "days", 1, NULL, 'D' },
		{ "exit-after", 1, NULL, 'x' }, { "keygen-timeout", 1, NULL, 'K' },
		{ "step-timeout", 1, NULL, 'S' }, { "max-sessions", 1, NULL, 'M' },
		{ "no-auth-type", 0, NULL, 'n' }, { "rfc5480-ku", 0, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cert = NULL, *key = NULL, *issuer = NULL, *issuer_key = NULL;
	const char *devices = NULL, *addr = "127.0.0.1";
	static struct backend b;
	X509 *mic[MAX_MIC];
	struct capf_server_cfg cfg = { 0 };
	struct capf_server *srv;
	struct event *sig_int, *sig_term;
	bool tls10 = false;
	char err[512];
	size_t n_mic = 0, i;
	int c;
	long port = -1;

	b.certdir = ".";
	cfg.listen_fd = -1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'i': issuer = optarg; break;
		case 'I': issuer_key = optarg; break;
		case 'm':
			if (n_mic == MAX_MIC)
				die("at most 8 --mic-ca%s", "");
			mic[n_mic++] = load_cert(optarg);
			break;
		case 'd': devices = optarg; break;
		case 't': tls10 = true; break;
		case 'a': addr = optarg; break;
		case 'o': b.certdir = optarg; break;
		case 'D': b.days = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'x': b.exit_after = strtol(optarg, NULL, 10); break;
		case 'K': cfg.session.keygen_timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'S': cfg.session.step_timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'M': cfg.max_sessions = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': cfg.session.omit_auth_type = true; break;
		case 'R': b.rfc5480_ku = true; break;
		default: die("unknown option; see the comment at the top of %s", __FILE__);
		}
	}
	if (port < 0 || port > 65535 || !cert || !key || !issuer || !issuer_key || !devices)
		die("usage: --port N --cert F --key F --issuer F --issuer-key F --devices F%s", "");
	sl_log_init("capf_testserver", SL_LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	load_devices(&b, devices);
	b.issuer = load_cert(issuer);
	b.issuer_key = load_key(issuer_key);
	b.base = event_base_new();
	cfg.base = b.base;
	cfg.ssl_ctx = capf_tls_ctx_new(cert, key, tls10, err, sizeof(err));
	if (cfg.ssl_ctx == NULL)
		die("%s", err);
	cfg.addr = addr;
	cfg.port = (uint16_t)port;
	cfg.session.auth.lsc_issuer = b.issuer;
	cfg.session.auth.mfg_ca = mic;
	cfg.session.auth.n_mfg_ca = n_mic;
	cfg.ops = &ops;
	cfg.backend_ctx = &b;
	cfg.on_outcome = on_outcome;
	cfg.outcome_arg = &b;
	srv = capf_server_new(&cfg, err, sizeof(err));
	SSL_CTX_free(cfg.ssl_ctx);	/* the server holds its own reference */
	if (srv == NULL)
		die("%s", err);
	printf("listening port=%u\n", capf_server_port(srv));
	fflush(stdout);
	sig_int = evsignal_new(b.base, SIGINT, on_signal, b.base);
	sig_term = evsignal_new(b.base, SIGTERM, on_signal, b.base);
	evsignal_add(sig_int, NULL);
	evsignal_add(sig_term, NULL);
	event_base_dispatch(b.base);
	capf_server_free(srv);
	event_free(sig_int);
	event_free(sig_term);
	event_base_free(b.base);
	for (i = 0; i < n_mic; i++)
		X509_free(mic[i]);
	X509_free(b.issuer);
	EVP_PKEY_free(b.issuer_key);
	OPENSSL_cleanse(&b, sizeof(b));
	return 0;
}
