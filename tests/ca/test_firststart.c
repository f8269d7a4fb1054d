/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_firststart: what a fresh appliance gets, what a restart reuses, what is
 * refused. Certificates are checked with the OpenSSL command-line tool, an
 * independent reader of what we wrote.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca.h"
#include "test_ca.h"

static const char *openssl_bin(void)
{
	const char *o = getenv("OPENSSL");

	return o && *o ? o : "openssl";
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static unsigned count_entries(const char *dir)
{
	struct dirent *e;
	unsigned n = 0;
	DIR *d = opendir(dir);

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void first(struct sl_conf *c, char *dir, size_t cap, uint8_t key[32],
		  char *fp)
{
	char err[1024];

	test_tmpdir(dir, cap);
	test_conf(c, dir);
	ck_assert_msg(test_start(c, key, fp, err, sizeof(err)) == 0, "%s", err);
}

static X509 *load_x509(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	ck_assert_ptr_nonnull(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(x);
	return x;
}

static void check_days(const char *path, int want)
{
	X509 *x = load_x509(path);
	int days = -1, secs = -1;

	ck_assert_int_eq(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
					X509_get0_notAfter(x)), 1);
	/* want days, plus the 5-minute back-dating of notBefore */
	ck_assert_int_eq(days, want);
	ck_assert_int_eq(secs, 300);
	X509_free(x);
}

START_TEST(first_start_creates_everything)
{
	char dir[256], p[512], out[4096], hashname[64];
	uint8_t key[32], zero[32] = { 0 };
	char fp[SL_CA_FP_LEN];
	struct sl_conf c;
	size_t len;
	char *mk;

	/* A restrictive umask must not change the modes we promise. */
	umask(077);
	first(&c, dir, sizeof(dir), key, fp);
	ck_assert_uint_eq(strlen(fp), 95);
	ck_assert(memcmp(key, zero, 32) != 0);

	test_path(p, sizeof(p), c.state_dir, "private");
	ck_assert_uint_eq(test_mode(p), 0700);
	test_path(p, sizeof(p), c.state_dir, "private/master.key");
	ck_assert_uint_eq(test_mode(p), 0600);
	mk = slurp(p, &len);
	ck_assert_uint_eq(len, 32);
	ck_assert(memcmp(mk, key, 32) == 0);
	free(mk);
	test_path(p, sizeof(p), c.state_dir, "ca");
	ck_assert_uint_eq(test_mode(p), 0700);
	test_path(p, sizeof(p), c.state_dir, "ca/ca.key");
	ck_assert_uint_eq(test_mode(p), 0600);
	test_path(p, sizeof(p), c.state_dir, "ca/ca.pem");
	ck_assert_uint_eq(test_mode(p), 0644);
	ck_assert_uint_eq(test_mode(c.tls_key), 0600);
	ck_assert_uint_eq(test_mode(c.tls_cert), 0644);
	ck_assert_uint_eq(test_mode(c.trust_store), 0755);
	ck_assert_uint_eq(count_entries(c.trust_store), 1);

	/* The trust entry is named as `openssl x509 -hash` names the CA. */
	test_path(p, sizeof(p), c.state_dir, "ca/ca.pem");
	ck_assert_int_eq(test_run(out, sizeof(out), "%s x509 -noout -hash -in %s",
				  openssl_bin(), p), 0);
	out[strcspn(out, "\n")] = '\0';
	ck_assert_uint_eq(strlen(out), 8);
	snprintf(hashname, sizeof(hashname), "%.8s.0", out);
	test_path(p, sizeof(p), c.trust_store, hashname);
	ck_assert_uint_eq(test_mode(p), 0644);

	/* Key types, read back by the OpenSSL tool. */
	test_path(p, sizeof(p), c.state_dir, "ca/ca.key");
	ck_assert_int_eq(test_run(out, sizeof(out), "%s pkey -noout -text -in %s",
				  openssl_bin(), p), 0);
	ck_assert_ptr_nonnull(strstr(out, "NIST CURVE: P-384"));
	ck_assert_int_eq(test_run(out, sizeof(out), "%s pkey -noout -text -in %s",
				  openssl_bin(), c.tls_key), 0);
	ck_assert_ptr_nonnull(strstr(out, "NIST CURVE: P-256"));

	test_path(p, sizeof(p), c.state_dir, "ca/ca.pem");
	check_days(p, 3650);
	check_days(c.tls_cert, 730);
	umask(022);
	test_rmrf(dir);
}
END_TEST

START_TEST(openssl_cli_agrees)
{
	char dir[256], p[512], out[8192];
	char fp[SL_CA_FP_LEN], *eq;
	struct sl_conf c;
	uint8_t key[32];

	first(&c, dir, sizeof(dir), key, fp);
	/* The node certificate chains to the CA found through the trust dir,
	 * for both TLS roles (mutual TLS between nodes and with phones). */
	ck_assert_int_eq(test_run(out, sizeof(out), "%s verify -CApath %s %s 2>&1",
				  openssl_bin(), c.trust_store, c.tls_cert), 0);
	ck_assert_ptr_nonnull(strstr(out, ": OK"));
	ck_assert_int_eq(test_run(out, sizeof(out), "%s verify -purpose sslserver "
				  "-CApath %s %s 2>&1", openssl_bin(),
				  c.trust_store, c.tls_cert), 0);
	ck_assert_int_eq(test_run(out, sizeof(out), "%s verify -purpose sslclient "
				  "-CApath %s %s 2>&1", openssl_bin(),
				  c.trust_store, c.tls_cert), 0);
	/* An empty trust dir does not verify it (the test can fail). */
	test_path(p, sizeof(p), dir, "empty");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_ne(test_run(out, sizeof(out), "%s verify -CApath %s %s 2>&1",
				  openssl_bin(), p, c.tls_cert), 0);

	/* Same fingerprint as the tool computes. */
	ck_assert_int_eq(test_run(out, sizeof(out), "%s x509 -noout -fingerprint "
				  "-sha256 -in %s", openssl_bin(), c.tls_cert), 0);
	out[strcspn(out, "\n")] = '\0';
	eq = strchr(out, '=');
	ck_assert_ptr_nonnull(eq);
	ck_assert_str_eq(eq + 1, fp);

	ck_assert_int_eq(test_run(out, sizeof(out), "%s x509 -noout -subject "
				  "-nameopt RFC2253 -ext subjectAltName,extendedKeyUsage,"
				  "basicConstraints,keyUsage -in %s", openssl_bin(),
				  c.tls_cert), 0);
	ck_assert_ptr_nonnull(strstr(out, "subject=CN=" TEST_NODE "\n"));
	ck_assert_ptr_nonnull(strstr(out, "DNS:" TEST_NODE));
	ck_assert_ptr_nonnull(strstr(out, "IP Address:" TEST_ADDR));
	ck_assert_ptr_nonnull(strstr(out, "TLS Web Server Authentication, "
				     "TLS Web Client Authentication"));
	ck_assert_ptr_nonnull(strstr(out, "CA:FALSE"));
	ck_assert_ptr_nonnull(strstr(out, "Digital Signature"));

	test_path(p, sizeof(p), c.state_dir, "ca/ca.pem");
	ck_assert_int_eq(test_run(out, sizeof(out), "%s x509 -noout -subject "
				  "-nameopt RFC2253 -ext basicConstraints,keyUsage "
				  "-in %s", openssl_bin(), p), 0);
	ck_assert_ptr_nonnull(strstr(out, "subject=CN=Shieldlock CA " TEST_NODE "\n"));
	ck_assert_ptr_nonnull(strstr(out, "critical"));
	ck_assert_ptr_nonnull(strstr(out, "CA:TRUE"));
	ck_assert_ptr_nonnull(strstr(out, "Certificate Sign, CRL Sign"));

	/* The chain file is leaf then CA. */
	ck_assert_int_eq(test_run(out, sizeof(out), "grep -c 'BEGIN CERTIFICATE' %s",
				  c.tls_cert), 0);
	ck_assert_str_eq(out, "2\n");
	/* 128-bit random serial: about 32 hex digits. */
	ck_assert_int_eq(test_run(out, sizeof(out), "%s x509 -noout -serial -in %s",
				  openssl_bin(), c.tls_cert), 0);
	ck_assert_uint_ge(strlen(out), strlen("serial=\n") + 28);
	test_rmrf(dir);
}
END_TEST

START_TEST(second_start_reuses)
{
	char dir[256], p[512], err[1024];
	char fp1[SL_CA_FP_LEN], fp2[SL_CA_FP_LEN];
	char *ca1, *ca2, *node1, *node2, *nk1, *nk2;
	uint8_t key1[32], key2[32];
	struct sl_conf c;

	first(&c, dir, sizeof(dir), key1, fp1);
	test_path(p, sizeof(p), c.state_dir, "ca/ca.pem");
	ca1 = slurp(p, NULL);
	node1 = slurp(c.tls_cert, NULL);
	nk1 = slurp(c.tls_key, NULL);

	ck_assert_msg(test_start(&c, key2, fp2, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(fp1, fp2);
	ck_assert(memcmp(key1, key2, 32) == 0);
	ca2 = slurp(p, NULL);
	node2 = slurp(c.tls_cert, NULL);
	nk2 = slurp(c.tls_key, NULL);
	ck_assert_str_eq(ca1, ca2);
	ck_assert_str_eq(node1, node2);
	ck_assert_str_eq(nk1, nk2);
	ck_assert_uint_eq(count_entries(c.trust_store), 1);
	free(ca1);
	free(ca2);
	free(node1);
	free(node2);
	free(nk1);
	free(nk2);
	test_rmrf(dir);
}
END_TEST

static void expect_refused(const struct sl_conf *c, const char *what)
{
	char err[1024], fp[SL_CA_FP_LEN];
	uint8_t key[32];

	ck_assert_int_eq(test_start(c, key, fp, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, what) != NULL, "\"%s\" not in \"%s\"", what, err);
}

START_TEST(too_open_is_refused)
{
	char dir[256], p[512], priv[512], want[1200];
	char fp[SL_CA_FP_LEN];
	struct sl_conf c;
	uint8_t key[32];

	first(&c, dir, sizeof(dir), key, fp);
	test_path(priv, sizeof(priv), c.state_dir, "private");
	test_path(p, sizeof(p), c.state_dir, "private/master.key");

	ck_assert_int_eq(chmod(p, 0644), 0);
	snprintf(want, sizeof(want), "%s is accessible by group or others "
		 "(mode 0644); run: chmod 0600 %s", p, p);
	expect_refused(&c, want);
	ck_assert_int_eq(chmod(p, 0640), 0);
	expect_refused(&c, "chmod 0600");
	ck_assert_int_eq(chmod(p, 0600), 0);

	ck_assert_int_eq(chmod(priv, 0755), 0);
	snprintf(want, sizeof(want), "run: chmod 0700 %s", priv);
	expect_refused(&c, want);
	ck_assert_int_eq(chmod(priv, 0700), 0);

	ck_assert_int_eq(chmod(c.tls_key, 0604), 0);
	snprintf(want, sizeof(want), "run: chmod 0600 %s", c.tls_key);
	expect_refused(&c, want);
	ck_assert_int_eq(chmod(c.tls_key, 0600), 0);

	/* The ca child refuses its own directory and key the same way. */
	test_path(p, sizeof(p), c.state_dir, "ca");
	ck_assert_int_eq(chmod(p, 0750), 0);
	snprintf(want, sizeof(want), "run: chmod 0700 %s", p);
	expect_refused(&c, want);
	ck_assert_int_eq(chmod(p, 0700), 0);
	test_path(p, sizeof(p), c.state_dir, "ca/ca.key");
	ck_assert_int_eq(chmod(p, 0644), 0);
	snprintf(want, sizeof(want), "run: chmod 0600 %s", p);
	expect_refused(&c, want);
	ck_assert_int_eq(chmod(p, 0600), 0);

	/* A master key of the wrong length is not silently replaced. */
	test_path(p, sizeof(p), c.state_dir, "private/master.key");
	ck_assert_int_eq(truncate(p, 16), 0);
	expect_refused(&c, "has 16 bytes, not 32");
	test_rmrf(dir);
}
END_TEST

START_TEST(rotate_node_certificate)
{
	char dir[256], err[1024], out1[1024], out2[1024];
	char fp1[SL_CA_FP_LEN], fp2[SL_CA_FP_LEN], fp3[SL_CA_FP_LEN];
	struct sl_conf c;
	uint8_t key[32];

	first(&c, dir, sizeof(dir), key, fp1);
	/* New key and certificate: delete both, restart. */
	ck_assert_int_eq(unlink(c.tls_cert), 0);
	ck_assert_int_eq(unlink(c.tls_key), 0);
	ck_assert_msg(test_start(&c, key, fp2, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_ne(fp1, fp2);
	ck_assert_int_eq(test_run(out1, sizeof(out1), "%s verify -CApath %s %s",
				  openssl_bin(), c.trust_store, c.tls_cert), 0);
	/* New certificate for the same key: delete the certificate only. */
	ck_assert_int_eq(test_run(out1, sizeof(out1), "%s x509 -noout -pubkey "
				  "-in %s", openssl_bin(), c.tls_cert), 0);
	ck_assert_int_eq(unlink(c.tls_cert), 0);
	ck_assert_msg(test_start(&c, key, fp3, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_ne(fp2, fp3);
	ck_assert_int_eq(test_run(out2, sizeof(out2), "%s x509 -noout -pubkey "
				  "-in %s", openssl_bin(), c.tls_cert), 0);
	ck_assert_str_eq(out1, out2);
	ck_assert_uint_eq(count_entries(c.trust_store), 1);
	test_rmrf(dir);
}
END_TEST

START_TEST(inconsistent_files_are_refused)
{
	char dir[256], p[512], out[1024];
	char fp[SL_CA_FP_LEN];
	struct sl_conf c;
	uint8_t key[32];

	first(&c, dir, sizeof(dir), key, fp);
	/* A key that is not the certificate's. */
	ck_assert_int_eq(test_run(out, sizeof(out), "umask 077; %s genpkey "
				  "-algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
				  "-out %s.new && mv %s.new %s", openssl_bin(), c.tls_key, c.tls_key,
				  c.tls_key), 0);
	expect_refused(&c, "does not match the key");
	/* A certificate without its key. */
	ck_assert_int_eq(unlink(c.tls_key), 0);
	expect_refused(&c, "is missing; restore the key");
	/* The CA key without its certificate. */
	test_path(p, sizeof(p), c.state_dir, "ca/ca.pem");
	ck_assert_int_eq(unlink(p), 0);
	expect_refused(&c, "ca.pem is missing");
	test_rmrf(dir);
}
END_TEST

START_TEST(san_variants)
{
	char dir[256], err[1024], out[4096];
	char fp[SL_CA_FP_LEN];
	struct sl_conf c;
	uint8_t key[32];

	test_tmpdir(dir, sizeof(dir));
	test_conf(&c, dir);
	snprintf(c.advertised_host, sizeof(c.advertised_host), "[2001:db8::5]");
	ck_assert_msg(test_start(&c, key, fp, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(test_run(out, sizeof(out), "%s x509 -noout -ext "
				  "subjectAltName -in %s", openssl_bin(), c.tls_cert), 0);
	ck_assert_ptr_nonnull(strstr(out, "IP Address:2001:DB8:0:0:0:0:0:5"));
	/* A host name (not numeric) adds no IP entry. */
	ck_assert_int_eq(unlink(c.tls_cert), 0);
	snprintf(c.advertised_host, sizeof(c.advertised_host), "sip.example.test");
	ck_assert_msg(test_start(&c, key, fp, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(test_run(out, sizeof(out), "%s x509 -noout -ext "
				  "subjectAltName -in %s", openssl_bin(), c.tls_cert), 0);
	ck_assert_ptr_nonnull(strstr(out, "DNS:" TEST_NODE));
	ck_assert_ptr_null(strstr(out, "IP Address"));
	test_rmrf(dir);
}
END_TEST

TCase *tcase_firststart(void)
{
	TCase *tc = tcase_create("firststart");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, first_start_creates_everything);
	tcase_add_test(tc, openssl_cli_agrees);
	tcase_add_test(tc, second_start_reuses);
	tcase_add_test(tc, too_open_is_refused);
	tcase_add_test(tc, rotate_node_certificate);
	tcase_add_test(tc, inconsistent_files_are_refused);
	tcase_add_test(tc, san_variants);
	return tc;
}
