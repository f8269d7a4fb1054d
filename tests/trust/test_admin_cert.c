/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cert commands through sl_admin_exec with a context like shieldlockd's:
 * own certificates (ca, node, tftp not yet created, sast1 not regenerable),
 * a trust store, prov_changed counted and a cert_regenerate stand-in that
 * writes a new self-signed certificate. Outputs are compared with the
 * OpenSSL command line; JSON is parsed by Python's json module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "admin.h"
#include "store.h"
#include "test_trust.h"
#include "trust.h"

static struct {
	struct sl_store *st;
	struct sl_admin_ctx ctx;
	struct sl_admin_cert_ref refs[4];
	struct sl_admin_out out;
	int prov;			/* prov_changed calls */
	int regen;			/* cert_regenerate calls */
	bool regen_fail;
	char trust[256];
} fx;

static void prov_changed(void *arg)
{
	(void)arg;
	fx.prov++;
}

static void write_self_signed(const char *path, const char *cn)
{
	EVP_PKEY *k = tt_key_ec();
	X509 *x = tt_cert(cn, k, true, NULL, NULL);

	tt_write_pem(path, x, false);
	X509_free(x);
	EVP_PKEY_free(k);
}

static int regenerate(void *arg, const char *name, char *err, size_t errlen)
{
	(void)arg;
	fx.regen++;
	if (fx.regen_fail) {
		snprintf(err, errlen, "the ca process refused: test failure");
		return -1;
	}
	for (size_t i = 0; i < fx.ctx.ncerts; i++)
		if (!strcmp(fx.refs[i].name, name))
			write_self_signed(fx.refs[i].path, "Test Regenerated");
	return 0;
}

static void setup(void)
{
	static const uint8_t key[SL_STORE_MASTER_KEY_LEN] = { 7 };
	static char paths[4][256];
	char err[512];

	tt_setup();
	memset(&fx, 0, sizeof(fx));
	ck_assert_msg(sl_store_open(tt_path("store.db"), key, &fx.st, err, sizeof(err)) == 0, "%s", err);
	snprintf(paths[0], sizeof(paths[0]), "%s", tt_path("ca.pem"));
	snprintf(paths[1], sizeof(paths[1]), "%s", tt_path("node.pem"));
	snprintf(paths[2], sizeof(paths[2]), "%s", tt_path("tftp.pem"));
	snprintf(paths[3], sizeof(paths[3]), "%s", tt_path("sast1.pem"));
	fx.refs[0] = (struct sl_admin_cert_ref){ "ca", paths[0], "CA", true };
	fx.refs[1] = (struct sl_admin_cert_ref){ "node", paths[1], "CCM", true };
	fx.refs[2] = (struct sl_admin_cert_ref){ "tftp", paths[2], "TFTP", true };
	fx.refs[3] = (struct sl_admin_cert_ref){ "sast1", paths[3], "SAST", false };
	write_self_signed(paths[0], "Shieldlock CA test");
	write_self_signed(paths[1], "node1.test.example");
	write_self_signed(paths[3], "SAST 1 test");
	snprintf(fx.trust, sizeof(fx.trust), "%s", tt_path("trust"));
	fx.ctx.store = fx.st;
	fx.ctx.node_cert_path = paths[1];
	fx.ctx.certs = fx.refs;
	fx.ctx.ncerts = 4;
	fx.ctx.trust_store = fx.trust;
	fx.ctx.prov_changed = prov_changed;
	fx.ctx.cert_regenerate = regenerate;
	sl_admin_out_init(&fx.out);
}

static void teardown(void)
{
	sl_admin_out_free(&fx.out);
	sl_store_close(fx.st);
	tt_teardown();
}

static char line_buf[256 * 1024];
static char *last_argv[SL_ADMIN_ARGC_MAX + 1];

/* Words split on spaces. */
static int cmd(bool json, const char *line)
{
	int argc = 0;
	char *p = line_buf;

	ck_assert_uint_lt(strlen(line), sizeof(line_buf));
	memcpy(line_buf, line, strlen(line) + 1);
	while (*p && argc < SL_ADMIN_ARGC_MAX) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		last_argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	last_argv[argc] = NULL;
	sl_admin_out_reset(&fx.out);
	return sl_admin_exec(&fx.ctx, argc, last_argv, json, &fx.out);
}

static bool json_ok(const char *s)
{
	char out[256];

	tt_write(tt_path("out.json"), s, strlen(s));
	return tt_run(out, sizeof(out), "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s",
		      tt_path("out.json")) == 0;
}

#define OK(line) ({ int st_ = cmd(false, line); \
	ck_assert_msg(st_ == 0, "'%s': status %d: %s", line, st_, fx.out.buf); fx.out.buf; })
#define OKJ(line) ({ int st_ = cmd(true, line); \
	ck_assert_msg(st_ == 0, "'%s': status %d: %s", line, st_, fx.out.buf); \
	ck_assert_msg(json_ok(fx.out.buf), "'%s': invalid JSON: %s", line, fx.out.buf); fx.out.buf; })
#define FAILS(line, status, text) do { int st_ = cmd(false, line); \
	ck_assert_msg(st_ == (status), "'%s': status %d, want %d: %s", line, st_, status, fx.out.buf); \
	ck_assert_msg(strstr(fx.out.buf, text), "'%s': message '%s' lacks '%s'", line, fx.out.buf, text); \
	} while (0)

static void openssl_fp(const char *pem, const char *alg, char *out, size_t n)
{
	char buf[256];

	ck_assert_int_eq(tt_run(buf, sizeof(buf), "%s x509 -noout -fingerprint -%s -in %s", tt_openssl(),
				alg, pem), 0);
	snprintf(out, n, "%s", strchr(buf, '=') + 1);
}

/* "cert import --data B64 [rest]" for a file. */
static int import(const char *file, const char *rest)
{
	static char line[256 * 1024];
	uint8_t *d;
	char *b64;
	size_t len, blen;
	int st;

	d = tt_read(file, &len);
	ck_assert_int_eq(sl_trust_b64_encode(d, len, &b64, &blen), 0);
	snprintf(line, sizeof(line), "cert import --data %s%s%s", b64, rest ? " " : "", rest ? rest : "");
	st = cmd(false, line);
	free(b64);
	free(d);
	return st;
}

START_TEST(show_node_by_default)
{
	char fp[128], *pem;
	const char *o;
	size_t len;

	openssl_fp(tt_path("node.pem"), "sha256", fp, sizeof(fp));
	o = OK("cert show");
	ck_assert_ptr_nonnull(strstr(o, "subject:        CN=node1.test.example,O=Shieldlock Test\n"));
	ck_assert_ptr_nonnull(strstr(o, "(self-signed)\n"));
	ck_assert_ptr_nonnull(strstr(o, "key:            EC 256 bits\n"));
	ck_assert_ptr_nonnull(strstr(o, fp));
	ck_assert_ptr_null(strstr(o, "BEGIN CERTIFICATE"));
	o = OK("cert show --pem");
	pem = (char *)tt_read(tt_path("node.pem"), &len);
	ck_assert_msg(strstr(o, pem), "PEM of node.pem not in %s", o);
	free(pem);
	o = OKJ("cert show node --pem");
	ck_assert_ptr_nonnull(strstr(o, "\"pem\":\"-----BEGIN CERTIFICATE-----\\n"));
	ck_assert_ptr_nonnull(strstr(o, "\"store\":\"own\""));
	ck_assert_ptr_nonnull(strstr(o, fp));
	/* The historical messages without a node certificate. */
	fx.ctx.ncerts = 0;
	fx.ctx.node_cert_path = NULL;
	FAILS("cert show", SL_ADMIN_E_INTERNAL, "cert show: no node certificate is configured");
	fx.ctx.node_cert_path = tt_path("missing.pem");
	FAILS("cert show", SL_ADMIN_E_NOTFOUND, "cannot open the node certificate");
	FAILS("cert show a b", SL_ADMIN_E_USAGE, "unexpected argument 'b'");
}
END_TEST

START_TEST(list_own_and_trust)
{
	const char *o;

	o = OK("cert list");
	ck_assert_msg(strstr(o, "NAME   ROLES  SUBJECT") && strstr(o, "\nca     CA     CN=Shieldlock CA test") &&
		      strstr(o, "\ntftp   TFTP   (not created)") && strstr(o, "trust store ") &&
		      strstr(o, ": 0 certificates\n"), "%s", o);
	ck_assert_int_eq(import(tt_path("ca.pem"), "--name Appliance-CA"), 0);
	o = OK("cert list");
	ck_assert_msg(strstr(o, ": 1 certificate\n") && strstr(o, "Appliance-CA") && strstr(o, " yes "), "%s", o);
	o = OKJ("cert list");
	ck_assert_msg(strstr(o, "\"own\":[{\"name\":\"ca\"") && strstr(o, "\"exists\":false") &&
		      strstr(o, "\"trust_store\":{\"dir\":") && strstr(o, "\"count\":1"), "%s", o);
	fx.ctx.trust_store = NULL;
	ck_assert_ptr_nonnull(strstr(OK("cert list"), "no trust store is configured"));
	FAILS("cert list x", SL_ADMIN_E_USAGE, "unexpected argument 'x'");
}
END_TEST

START_TEST(fingerprint_for_scripts)
{
	char sha1[80], sha256[128], line[160], pfx[16];

	openssl_fp(tt_path("ca.pem"), "sha1", sha1, sizeof(sha1));
	openssl_fp(tt_path("ca.pem"), "sha256", sha256, sizeof(sha256));
	snprintf(line, sizeof(line), "%s\n", sha256);
	ck_assert_str_eq(OK("cert fingerprint ca"), line);
	ck_assert_str_eq(OK("cert fingerprint ca --sha256"), line);
	snprintf(line, sizeof(line), "%s\n", sha1);
	ck_assert_str_eq(OK("cert fingerprint ca --sha1"), line);
	/* By an SHA-1 prefix without colons. */
	snprintf(pfx, sizeof(pfx), "%.2s%.2s%.2s%.2s", sha1, sha1 + 3, sha1 + 6, sha1 + 9);
	snprintf(line, sizeof(line), "cert fingerprint %s --sha1", pfx);
	ck_assert_ptr_nonnull(strstr(OK(line), sha1));
	ck_assert_ptr_nonnull(strstr(OKJ("cert fingerprint ca"), "\"algorithm\":\"sha256\""));
	FAILS("cert fingerprint ca --sha1 --sha256", SL_ADMIN_E_USAGE, "not both");
	FAILS("cert fingerprint", SL_ADMIN_E_USAGE, "is missing");
	FAILS("cert fingerprint nosuch", SL_ADMIN_E_NOTFOUND, "'nosuch' is not a certificate name (ca, node, tftp, sast1)");
	FAILS("cert fingerprint 00000000", SL_ADMIN_E_NOTFOUND, "no certificate has a fingerprint starting with");
	FAILS("cert fingerprint tftp", SL_ADMIN_E_NOTFOUND, "cert regenerate tftp' makes a new one");
}
END_TEST

START_TEST(export_pem_and_der)
{
	uint8_t *der, *want;
	size_t len, wlen, olen;
	char *pem, *o;
	X509 *x;
	FILE *f;

	o = OK("cert export ca");
	ck_assert_int_eq(tt_run(NULL, 0, "%s x509 -in %s -out %s", tt_openssl(), tt_path("ca.pem"),
				tt_path("cli.pem")), 0);
	pem = (char *)tt_read(tt_path("cli.pem"), &len);
	ck_assert_str_eq(o, pem);
	free(pem);
	o = OK("cert export ca --der");
	olen = strlen(o);
	ck_assert(olen > 1 && o[olen - 1] == '\n');
	ck_assert_int_eq(sl_trust_b64_decode(o, olen - 1, &der, &len), 0);
	f = fopen(tt_path("ca.pem"), "r");
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	want = tt_der(x, &wlen);
	ck_assert_uint_eq(len, wlen);
	ck_assert(!memcmp(der, want, len));
	ck_assert_ptr_nonnull(strstr(OKJ("cert export ca --der"), "\"format\":\"der\""));
	free(der);
	free(want);
	X509_free(x);
}
END_TEST

START_TEST(import_skip_and_refuse_keys)
{
	EVP_PKEY *k = tt_key_ec();
	X509 *c = tt_cert("Test Vendor Root", k, true, NULL, NULL);
	const char *o;
	char *data;

	tt_write_pem(tt_path("bundle.pem"), c, false);
	tt_write_pem(tt_path("bundle.pem"), c, true);
	ck_assert_int_eq(import(tt_path("bundle.pem"), NULL), 0);
	o = fx.out.buf;
	ck_assert_msg(strstr(o, "added ") && strstr(o, "skipped CN=Test Vendor Root,O=Shieldlock Test: already "
		      "trusted as ") && strstr(o, "1 added, 1 already trusted"), "%s", o);
	ck_assert_int_eq(fx.prov, 1);
	ck_assert_int_eq(import(tt_path("bundle.pem"), NULL), 0);
	ck_assert_ptr_nonnull(strstr(fx.out.buf, "0 added, 2 already trusted\n"));
	ck_assert_int_eq(fx.prov, 1);		/* nothing changed */
	/* A key in the input: refused, and the request's copy wiped. */
	tt_write_key(tt_path("bundle.pem"), k, true);
	ck_assert_int_eq(import(tt_path("bundle.pem"), NULL), SL_ADMIN_E_USAGE);
	ck_assert_ptr_nonnull(strstr(fx.out.buf, "cert import: the input holds a private key (PEM block 3"));
	data = last_argv[3];
	for (size_t i = 0; i < 64; i++)
		ck_assert_int_eq(data[i], 0);
	ck_assert_int_eq(fx.prov, 1);
	FAILS("cert import", SL_ADMIN_E_USAGE, "--data is missing");
	FAILS("cert import --data abc", SL_ADMIN_E_USAGE, "--data is not valid base64");
	FAILS("cert import --data aGVsbG8=", SL_ADMIN_E_USAGE, "neither a PEM certificate bundle");
	fx.ctx.trust_store = NULL;
	FAILS("cert import --data aGVsbG8=", SL_ADMIN_E_INTERNAL, "no trust store configured");
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(delete_trusted_not_own)
{
	EVP_PKEY *k = tt_key_ec();
	X509 *c = tt_cert("Test Retired Root", k, true, NULL, NULL);
	struct sl_trust_info ci;
	char line[200], sha[128];
	const char *o;

	tt_write_pem(tt_path("r.pem"), c, false);
	ck_assert_int_eq(sl_trust_info(c, &ci), 0);
	ck_assert_int_eq(import(tt_path("r.pem"), NULL), 0);
	ck_assert_int_eq(import(tt_path("ca.pem"), NULL), 0);	/* as the first start does */
	fx.prov = 0;
	FAILS("cert delete ca", SL_ADMIN_E_BUSY, "replace it with 'shieldlockctl cert regenerate ca'");
	FAILS("cert delete sast1", SL_ADMIN_E_BUSY, "cannot be regenerated");
	openssl_fp(tt_path("ca.pem"), "sha256", sha, sizeof(sha));
	snprintf(line, sizeof(line), "cert delete %.23s", sha);
	FAILS(line, SL_ADMIN_E_BUSY, "is the appliance's own 'ca' certificate");
	openssl_fp(tt_path("node.pem"), "sha256", sha, sizeof(sha));
	snprintf(line, sizeof(line), "cert delete %.11s", sha);	/* own, not in the store */
	FAILS(line, SL_ADMIN_E_BUSY, "own 'node' certificate");
	FAILS("cert delete 0badc0de.0", SL_ADMIN_E_NOTFOUND, "has no file 0badc0de.0");
	ck_assert_int_eq(fx.prov, 0);
	snprintf(line, sizeof(line), "cert delete %.11s", ci.sha256);
	o = OK(line);
	ck_assert_msg(!strncmp(o, "deleted ", 8) && strstr(o, ci.sha256), "%s", o);
	ck_assert_int_eq(fx.prov, 1);
	snprintf(line, sizeof(line), "cert show %.11s", ci.sha256);
	FAILS(line, SL_ADMIN_E_NOTFOUND, "no certificate has a fingerprint");
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(regenerate_own)
{
	char before[128], after[128];
	const char *o;

	openssl_fp(tt_path("ca.pem"), "sha256", before, sizeof(before));
	o = OK("cert regenerate ca");
	openssl_fp(tt_path("ca.pem"), "sha256", after, sizeof(after));
	ck_assert_str_ne(before, after);
	ck_assert_msg(strstr(o, after) && strstr(o, before) && !strncmp(o, "regenerated ca: SHA-256 ", 24), "%s", o);
	ck_assert_int_eq(fx.prov, 1);
	ck_assert_int_eq(fx.regen, 1);
	o = OKJ("cert regenerate tftp");	/* not created before */
	ck_assert_ptr_nonnull(strstr(o, "\"previous_sha256\":null"));
	FAILS("cert regenerate sast1", SL_ADMIN_E_USAGE, "cannot be regenerated (regenerable: ca, node, tftp)");
	FAILS("cert regenerate 1a2b3c4d.0", SL_ADMIN_E_NOTFOUND, "trust store entries are replaced");
	fx.regen_fail = true;
	FAILS("cert regenerate ca", SL_ADMIN_E_INTERNAL, "cert regenerate: the ca process refused: test failure");
	fx.ctx.cert_regenerate = NULL;
	FAILS("cert regenerate ca", SL_ADMIN_E_INTERNAL, "cannot regenerate certificates");
	ck_assert_int_eq(fx.prov, 2);
}
END_TEST

START_TEST(check_command)
{
	char path[300];
	const char *o;

	ck_assert_int_eq(import(tt_path("ca.pem"), NULL), 0);
	ck_assert_ptr_nonnull(strstr(OK("cert check"), "is in order"));
	snprintf(path, sizeof(path), "%s/00000000.0", fx.trust);
	write_self_signed(path, "Test Misplaced");
	fx.prov = 0;
	o = OK("cert check");
	ck_assert_msg(strstr(o, "00000000.0: is named for hash 00000000") && strstr(o, "1 problem, 0 fixed"), "%s", o);
	ck_assert_int_eq(fx.prov, 0);
	o = OKJ("cert check --fix");
	ck_assert_msg(strstr(o, "\"fixed\":1"), "%s", o);
	ck_assert_int_eq(fx.prov, 1);
	ck_assert_ptr_nonnull(strstr(OK("cert check"), "is in order"));
	/* Entries can be shown by file name. */
	ck_assert_ptr_nonnull(strstr(OK("cert list"), "Test Misplaced"));
}
END_TEST

START_TEST(usage)
{
	FAILS("cert", SL_ADMIN_E_USAGE, "cert: missing subcommand (cert list, show, fingerprint, export, import, "
	      "delete, regenerate, check)");
	FAILS("cert frob", SL_ADMIN_E_USAGE, "unknown subcommand 'frob'");
	FAILS("cert export", SL_ADMIN_E_USAGE, "NAME, FILE or FINGERPRINT is missing");
	FAILS("cert show ca --der", SL_ADMIN_E_USAGE, "unknown option '--der' (options: --pem)");
}
END_TEST

TCase *tc_admin(void)
{
	TCase *tc = tcase_create("admin");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, show_node_by_default);
	tcase_add_test(tc, list_own_and_trust);
	tcase_add_test(tc, fingerprint_for_scripts);
	tcase_add_test(tc, export_pem_and_der);
	tcase_add_test(tc, import_skip_and_refuse_keys);
	tcase_add_test(tc, delete_trusted_not_own);
	tcase_add_test(tc, regenerate_own);
	tcase_add_test(tc, check_command);
	tcase_add_test(tc, usage);
	return tc;
}
