/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_trust_check on damaged trust stores: each problem is reported with
 * its fix, --fix repairs it, and `openssl verify -CApath` agrees afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_trust.h"
#include "trust.h"

struct pki {
	EVP_PKEY *ck, *lk;
	X509 *ca, *leaf;
	char h[16];			/* the CA's subject hash */
};

static void pki_make(struct pki *p, const char *cn, const char *leafname)
{
	p->ck = tt_key_ec();
	p->lk = tt_key_ec();
	p->ca = tt_cert(cn, p->ck, true, NULL, NULL);
	p->leaf = tt_cert("phone", p->lk, false, p->ca, p->ck);
	snprintf(p->h, sizeof(p->h), "%08lx", X509_subject_name_hash(p->ca));
	tt_write_pem(tt_path(leafname), p->leaf, false);
}

static void pki_free(struct pki *p)
{
	X509_free(p->ca);
	X509_free(p->leaf);
	EVP_PKEY_free(p->ck);
	EVP_PKEY_free(p->lk);
}

static int verify(const char *leaf)
{
	char out[1024];

	return tt_run(out, sizeof(out), "%s verify -CApath %s %s", tt_openssl(), tt_path("store"), leaf);
}

/* Runs the check; returns the number of issues, each also in buf. */
static size_t check(bool fix, char *buf, size_t n, size_t *fixed)
{
	struct sl_trust_issue *v;
	size_t cnt, used = 0;
	char err[256];

	ck_assert_msg(sl_trust_check(tt_path("store"), fix, &v, &cnt, err, sizeof(err)) == 0, "%s", err);
	buf[0] = '\0';
	*fixed = 0;
	for (size_t i = 0; i < cnt; i++) {
		used += (size_t)snprintf(buf + used, n - used, "%s: %s%s\n", v[i].file, v[i].text,
					 v[i].fixed ? " [fixed]" : "");
		*fixed += v[i].fixed;
		if (used >= n)
			used = n - 1;
	}
	free(v);
	return cnt;
}

static char *f(const char *h, int n)
{
	static char buf[4][40];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "store/%s.%d", h, n);
	return buf[k];
}

START_TEST(clean_store)
{
	struct pki p;
	char out[2048];
	size_t fixed;

	pki_make(&p, "Test Clean CA", "leaf.pem");
	mkdir(tt_path("store"), 0755);
	tt_write_pem(tt_path(f(p.h, 0)), p.ca, false);
	chmod(tt_path(f(p.h, 0)), 0644);
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 0);
	ck_assert_int_eq(verify(tt_path("leaf.pem")), 0);
	pki_free(&p);
}
END_TEST

START_TEST(misnamed_moved)
{
	struct pki p;
	struct sl_trust_entry *v;
	char out[2048], err[256];
	size_t fixed, n;

	pki_make(&p, "Test Misnamed CA", "leaf.pem");
	mkdir(tt_path("store"), 0755);
	tt_write_pem(tt_path("store/00000000.0"), p.ca, false);
	chmod(tt_path("store/00000000.0"), 0644);
	ck_assert_int_ne(verify(tt_path("leaf.pem")), 0);
	ck_assert_int_eq(sl_trust_list(tt_path("store"), &v, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_nonnull(strstr(v[0].problem, "misnamed"));
	free(v);
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 1);
	ck_assert_msg(strstr(out, "00000000.0: is named for hash 00000000 but its subject hash is") &&
		      strstr(out, "check --fix"), "%s", out);
	ck_assert_uint_eq(check(true, out, sizeof(out), &fixed), 1);
	ck_assert_uint_eq(fixed, 1);
	ck_assert_msg(strstr(out, "moved to") && strstr(out, p.h), "%s", out);
	ck_assert_int_eq(access(tt_path("store/00000000.0"), F_OK), -1);
	ck_assert_int_eq(access(tt_path(f(p.h, 0)), F_OK), 0);
	ck_assert_int_eq(verify(tt_path("leaf.pem")), 0);
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 0);
	pki_free(&p);
}
END_TEST

START_TEST(der_rewritten_as_pem)
{
	struct pki p;
	char out[2048];
	size_t fixed;

	pki_make(&p, "Test DER CA", "leaf.pem");
	mkdir(tt_path("store"), 0755);
	tt_write_der(tt_path(f(p.h, 0)), p.ca);
	chmod(tt_path(f(p.h, 0)), 0644);
	ck_assert_int_ne(verify(tt_path("leaf.pem")), 0);	/* -CApath reads PEM only */
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 1);
	ck_assert_msg(strstr(out, "holds a DER certificate"), "%s", out);
	ck_assert_uint_eq(check(true, out, sizeof(out), &fixed), 1);
	ck_assert_uint_eq(fixed, 1);
	ck_assert_int_eq(verify(tt_path("leaf.pem")), 0);
	pki_free(&p);
}
END_TEST

START_TEST(unreadable_moved_aside_and_gap_closed)
{
	struct pki p;
	char out[4096];
	size_t fixed;

	pki_make(&p, "Test Blocked CA", "leaf.pem");
	mkdir(tt_path("store"), 0755);
	tt_write(tt_path(f(p.h, 0)), "not a certificate\n", 18);
	tt_write_pem(tt_path(f(p.h, 1)), p.ca, false);
	chmod(tt_path(f(p.h, 0)), 0644);
	chmod(tt_path(f(p.h, 1)), 0644);
	ck_assert_int_ne(verify(tt_path("leaf.pem")), 0);	/* the lookup stops at .0 */
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 1);
	ck_assert_msg(strstr(out, "holds no PEM certificate; OpenSSL's lookup stops at this file"), "%s", out);
	ck_assert_uint_eq(check(true, out, sizeof(out), &fixed), 2);
	ck_assert_uint_eq(fixed, 2);
	ck_assert_msg(strstr(out, "renamed to") && strstr(out, ".invalid"), "%s", out);
	ck_assert_int_eq(access(tt_path("store/"), F_OK), 0);
	ck_assert_int_eq(verify(tt_path("leaf.pem")), 0);
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 0);
	pki_free(&p);
}
END_TEST

START_TEST(gap_reported_and_closed)
{
	struct pki p;
	char out[2048], want[64];
	size_t fixed;

	pki_make(&p, "Test Gap CA", "leaf.pem");
	mkdir(tt_path("store"), 0755);
	tt_write_pem(tt_path(f(p.h, 1)), p.ca, false);
	chmod(tt_path(f(p.h, 1)), 0644);
	ck_assert_int_ne(verify(tt_path("leaf.pem")), 0);
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 1);
	snprintf(want, sizeof(want), "%s.0: is missing, so OpenSSL stops there", p.h);
	ck_assert_msg(strstr(out, want), "%s", out);
	ck_assert_uint_eq(check(true, out, sizeof(out), &fixed), 1);
	ck_assert_int_eq(verify(tt_path("leaf.pem")), 0);
	pki_free(&p);
}
END_TEST

START_TEST(mode_duplicates_temp_and_foreign)
{
	struct pki p;
	char out[4096];
	size_t fixed;
	struct stat st;

	pki_make(&p, "Test Misc CA", "leaf.pem");
	mkdir(tt_path("store"), 0755);
	tt_write_pem(tt_path(f(p.h, 0)), p.ca, false);
	tt_write_pem(tt_path(f(p.h, 1)), p.ca, false);
	chmod(tt_path(f(p.h, 0)), 0666);
	chmod(tt_path(f(p.h, 1)), 0644);
	tt_write(tt_path("store/.tmp-trust-abc123"), "x", 1);
	tt_write_pem(tt_path("store/vendor-root.pem"), p.ca, false);
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 4);
	ck_assert_msg(strstr(out, "has mode 0666") && strstr(out, "holds the same certificate as") &&
		      strstr(out, ".tmp-trust-abc123: is left over") &&
		      strstr(out, "vendor-root.pem: is not named <subject-hash>.N"), "%s", out);
	ck_assert_uint_eq(check(true, out, sizeof(out), &fixed), 4);
	ck_assert_uint_eq(fixed, 3);		/* the foreign file is the operator's */
	ck_assert_int_eq(stat(tt_path(f(p.h, 0)), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(access(tt_path(f(p.h, 1)), F_OK), -1);
	ck_assert_int_eq(access(tt_path("store/.tmp-trust-abc123"), F_OK), -1);
	ck_assert_int_eq(access(tt_path("store/vendor-root.pem"), F_OK), 0);
	ck_assert_uint_eq(check(false, out, sizeof(out), &fixed), 1);
	ck_assert_int_eq(verify(tt_path("leaf.pem")), 0);
	pki_free(&p);
}
END_TEST

START_TEST(missing_dir)
{
	struct sl_trust_issue *v;
	size_t n;
	char err[256];

	ck_assert_int_eq(sl_trust_check(tt_path("nope"), false, &v, &n, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "cannot read the trust store"));
}
END_TEST

TCase *tc_check(void)
{
	TCase *tc = tcase_create("check");

	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, clean_store);
	tcase_add_test(tc, misnamed_moved);
	tcase_add_test(tc, der_rewritten_as_pem);
	tcase_add_test(tc, unreadable_moved_aside_and_gap_closed);
	tcase_add_test(tc, gap_reported_and_closed);
	tcase_add_test(tc, mode_duplicates_temp_and_foreign);
	tcase_add_test(tc, missing_dir);
	return tc;
}
