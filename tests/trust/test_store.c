/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Import, lookup, export and deletion in the trust store, checked against
 * the OpenSSL command line: file names equal `openssl x509 -subject_hash`,
 * fingerprints equal `openssl x509 -fingerprint`, `openssl verify -CApath`
 * accepts a leaf after its CA is imported and refuses it after the CA is
 * deleted, and the <hash>.N suffixes stay without gaps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "test_trust.h"
#include "trust.h"

static struct sl_trust_imported *import_file(const char *file, const char *label, size_t *n, int want)
{
	struct sl_trust_imported *res = NULL;
	char err[512] = "";
	size_t len;
	uint8_t *d = tt_read(file, &len);
	int rc = sl_trust_import(tt_path("store"), d, len, label, &res, n, err, sizeof(err));

	ck_assert_msg(rc == want, "import %s: %d (want %d): %s", file, rc, want, err);
	free(d);
	return res;
}

static void subject_hash(const char *pem, char *out, size_t n)
{
	ck_assert_int_eq(tt_run(out, n, "%s x509 -noout -subject_hash -in %s", tt_openssl(), pem), 0);
	ck_assert_uint_eq(strlen(out), 8);
}

static int verify(const char *leaf)
{
	char out[1024];

	return tt_run(out, sizeof(out), "%s verify -CApath %s %s", tt_openssl(), tt_path("store"), leaf);
}

START_TEST(import_pem_bundle)
{
	EVP_PKEY *k1 = tt_key_ec(), *k2 = tt_key_ec();
	X509 *c1 = tt_cert("Test Root A", k1, true, NULL, NULL), *c2 = tt_cert("Test Root B", k2, true, NULL, NULL);
	struct sl_trust_imported *res;
	struct sl_trust_entry *v;
	char h[32], name[64], err[256], *txt;
	size_t n = 0, len;
	struct stat st;
	FILE *f;

	tt_write_pem(tt_path("c1.pem"), c1, false);
	tt_write_pem(tt_path("c2.pem"), c2, false);
	f = fopen(tt_path("bundle.pem"), "w");
	fputs("Two test roots\nsubject=whatever text sits between blocks\n", f);
	PEM_write_X509(f, c1);
	fputs("\n# comment\n", f);
	PEM_write_X509(f, c2);
	fclose(f);
	res = import_file(tt_path("bundle.pem"), "Lab roots", &n, 0);
	ck_assert_uint_eq(n, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert(!res[i].duplicate);
		subject_hash(tt_path(i ? "c2.pem" : "c1.pem"), h, sizeof(h));
		snprintf(name, sizeof(name), "%s.0", h);
		ck_assert_str_eq(res[i].file, name);
		snprintf(name, sizeof(name), "store/%s.0", h);
		ck_assert_int_eq(stat(tt_path(name), &st), 0);
		ck_assert_msg((st.st_mode & 07777) == 0644, "mode %o", st.st_mode & 07777);
		txt = (char *)tt_read(tt_path(name), &len);
		ck_assert_msg(!strncmp(txt, "Label: Lab roots\n-----BEGIN CERTIFICATE-----\n", 45), "%s", txt);
		free(txt);
		/* The label line does not disturb OpenSSL reading the file. */
		subject_hash(tt_path(name), name, sizeof(name));
		ck_assert_str_eq(name, h);
	}
	ck_assert_int_eq(sl_trust_list(tt_path("store"), &v, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(v[i].label, "Lab roots");
		ck_assert_str_eq(v[i].problem, "");
		ck_assert(v[i].info.is_ca && v[i].info.self_signed);
		ck_assert_str_eq(v[i].info.key_type, "EC");
		ck_assert_int_eq(v[i].info.key_bits, 256);
	}
	free(v);
	free(res);
	X509_free(c1);
	X509_free(c2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}
END_TEST

START_TEST(import_der_export_round_trip)
{
	EVP_PKEY *k = tt_key_rsa(2048);
	X509 *c = tt_cert("Test RSA Root", k, true, NULL, NULL);
	struct sl_trust_imported *res;
	uint8_t *der, *mine, *cli;
	size_t n, len, mlen, clen, plen;
	char err[256], out[64], *pem, *want;

	tt_write_der(tt_path("c.der"), c);
	der = tt_der(c, &len);
	res = import_file(tt_path("c.der"), NULL, &n, 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(res[0].info.key_type, "RSA");
	ck_assert_int_eq(res[0].info.key_bits, 2048);
	/* DER out is byte-identical to DER in, by our reader and by openssl's. */
	ck_assert_int_eq(sl_trust_read_der(tt_path("store"), res[0].file, &mine, &mlen, err, sizeof(err)), 0);
	ck_assert_uint_eq(mlen, len);
	ck_assert(!memcmp(mine, der, len));
	ck_assert_int_eq(tt_run(out, sizeof(out), "%s x509 -in %s/%s -outform DER -out %s", tt_openssl(),
				tt_path("store"), res[0].file, tt_path("cli.der")), 0);
	cli = tt_read(tt_path("cli.der"), &clen);
	ck_assert_uint_eq(clen, len);
	ck_assert(!memcmp(cli, der, len));
	/* PEM out is what openssl x509 writes for it. */
	ck_assert_int_eq(sl_trust_der_to_pem(der, len, &pem, &plen), 0);
	ck_assert_int_eq(tt_run(NULL, 0, "%s x509 -inform DER -in %s -out %s", tt_openssl(), tt_path("c.der"),
				tt_path("cli.pem")), 0);
	want = (char *)tt_read(tt_path("cli.pem"), &clen);
	ck_assert_str_eq(pem, want);
	free(want);
	free(pem);
	free(cli);
	free(mine);
	free(der);
	free(res);
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(duplicates_skipped)
{
	EVP_PKEY *k1 = tt_key_ec(), *k2 = tt_key_ec();
	X509 *c1 = tt_cert("Test Dup A", k1, true, NULL, NULL), *c2 = tt_cert("Test Dup B", k2, true, NULL, NULL);
	struct sl_trust_imported *res, *res2;
	size_t n;

	tt_write_pem(tt_path("c1.pem"), c1, false);
	res = import_file(tt_path("c1.pem"), NULL, &n, 0);
	tt_write_pem(tt_path("b.pem"), c1, false);
	tt_write_pem(tt_path("b.pem"), c2, true);
	tt_write_pem(tt_path("b.pem"), c2, true);
	res2 = import_file(tt_path("b.pem"), NULL, &n, 0);
	ck_assert_uint_eq(n, 3);
	ck_assert(res2[0].duplicate);
	ck_assert_str_eq(res2[0].file, res[0].file);
	ck_assert(!res2[1].duplicate);
	ck_assert(res2[2].duplicate);
	ck_assert_str_eq(res2[2].file, res2[1].file);
	ck_assert_int_eq(tt_count("store"), 2);
	free(res);
	free(res2);
	X509_free(c1);
	X509_free(c2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}
END_TEST

static void refused(const void *data, size_t len, int want, const char *text)
{
	struct sl_trust_imported *res = NULL;
	char err[512] = "";
	size_t n = 9;
	int rc = sl_trust_import(tt_path("store"), data, len, NULL, &res, &n, err, sizeof(err));

	ck_assert_msg(rc == want, "rc %d (want %d): %s", rc, want, err);
	ck_assert_msg(strstr(err, text), "'%s' lacks '%s'", err, text);
	ck_assert_ptr_null(res);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_le(tt_count("store"), 0);	/* nothing written */
}

START_TEST(garbage_and_keys_refused)
{
	EVP_PKEY *k = tt_key_ec();
	X509 *c = tt_cert("Test Key Holder", k, true, NULL, NULL);
	static const char csr[] = "-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n";
	unsigned char *kd = NULL;
	uint8_t *d;
	size_t len;
	int kl;

	/* A certificate followed by its key: the whole input is refused. */
	tt_write_pem(tt_path("ck.pem"), c, false);
	tt_write_key(tt_path("ck.pem"), k, true);
	d = tt_read(tt_path("ck.pem"), &len);
	refused(d, len, -EPERM, "holds a private key (PEM block 2, '-----BEGIN PRIVATE KEY-----')");
	free(d);
	kl = i2d_PrivateKey(k, &kd);
	ck_assert_int_gt(kl, 0);
	refused(kd, (size_t)kl, -EPERM, "is a DER private key");
	OPENSSL_clear_free(kd, (size_t)kl);
	refused("", 0, -EINVAL, "the input is empty");
	refused("hello, world\n", 13, -EINVAL, "neither a PEM certificate bundle");
	refused("\x30\x03\x02\x01\x01", 5, -EINVAL, "neither a PEM certificate bundle");
	refused(csr, strlen(csr), -EINVAL, "PEM block 1 is a 'CERTIFICATE REQUEST', not a certificate");
	/* A PEM certificate cut short. */
	tt_write_pem(tt_path("c.pem"), c, false);
	d = tt_read(tt_path("c.pem"), &len);
	refused(d, len / 2, -EINVAL, "PEM block 1 is malformed");
	free(d);
	/* DER with a trailing byte. */
	d = tt_der(c, &len);
	d = realloc(d, len + 1);
	d[len] = 0;
	refused(d, len + 1, -EINVAL, "has 1 bytes after its end");
	free(d);
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(verify_after_import_fails_after_delete)
{
	EVP_PKEY *ck = tt_key_ec(), *lk = tt_key_ec();
	X509 *ca = tt_cert("Test Issuing CA", ck, true, NULL, NULL);
	X509 *leaf = tt_cert("phone-1", lk, false, ca, ck);
	struct sl_trust_imported *res;
	struct sl_trust_entry e;
	struct sl_trust_rename ren[4];
	char err[512], prefix[16];
	size_t n, nren = 9;

	tt_write_pem(tt_path("ca.pem"), ca, false);
	tt_write_pem(tt_path("leaf.pem"), leaf, false);
	ck_assert_int_ne(verify(tt_path("leaf.pem")), 0);
	res = import_file(tt_path("ca.pem"), NULL, &n, 0);
	ck_assert_int_eq(verify(tt_path("leaf.pem")), 0);
	/* Delete by an 8-digit SHA-256 prefix, lower case, with colons. */
	snprintf(prefix, sizeof(prefix), "%.11s", res[0].info.sha256);
	for (char *p = prefix; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), prefix, &e, err, sizeof(err)), 0);
	ck_assert_str_eq(e.file, res[0].file);
	ck_assert_int_eq(sl_trust_delete(tt_path("store"), e.file, ren, 4, &nren, err, sizeof(err)), 0);
	ck_assert_uint_eq(nren, 0);
	ck_assert_int_ne(verify(tt_path("leaf.pem")), 0);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), prefix, &e, err, sizeof(err)), -ENOENT);
	ck_assert_int_eq(sl_trust_delete(tt_path("store"), res[0].file, ren, 4, &nren, err, sizeof(err)), -ENOENT);
	free(res);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(lk);
}
END_TEST

/* tt_dir/store/file */
static const char *sp(const char *file)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "store/%s", file);
	return tt_path(rel);
}

/*
 * Three CAs with the same subject (so the same subject hash) and different
 * keys: H.0, H.1, H.2. This also shows the fact the renumbering exists for:
 * with H.0 gone, openssl verify no longer finds H.1 (by_dir.c stops at the
 * first missing suffix).
 */
START_TEST(renumber_after_delete)
{
	EVP_PKEY *ck[3], *lk[3];
	X509 *ca[3], *leaf[3];
	struct sl_trust_imported *res;
	struct sl_trust_rename ren[4];
	char err[512], h[16], f0[32], f1[32], f2[32], leafn[3][16];
	size_t n, nren;

	for (int i = 0; i < 3; i++) {
		ck[i] = tt_key_ec();
		lk[i] = tt_key_ec();
		ca[i] = tt_cert("Test Same Subject CA", ck[i], true, NULL, NULL);
		leaf[i] = tt_cert("phone", lk[i], false, ca[i], ck[i]);
		tt_write_pem(tt_path("cas.pem"), ca[i], i > 0);
		snprintf(leafn[i], sizeof(leafn[i]), "leaf%d.pem", i);
		tt_write_pem(tt_path(leafn[i]), leaf[i], false);
	}
	res = import_file(tt_path("cas.pem"), NULL, &n, 0);
	ck_assert_uint_eq(n, 3);
	snprintf(h, sizeof(h), "%08lx", res[0].info.hash);
	snprintf(f0, sizeof(f0), "%s.0", h);
	snprintf(f1, sizeof(f1), "%s.1", h);
	snprintf(f2, sizeof(f2), "%s.2", h);
	ck_assert_str_eq(res[0].file, f0);
	ck_assert_str_eq(res[1].file, f1);
	ck_assert_str_eq(res[2].file, f2);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(verify(tt_path(leafn[i])), 0);
	/* The fact: a gap at .0 hides .1 and .2 from OpenSSL. */
	ck_assert_int_eq(rename(sp(f0), tt_path("aside")), 0);
	ck_assert_int_ne(verify(tt_path(leafn[1])), 0);
	ck_assert_int_eq(rename(tt_path("aside"), sp(f0)), 0);
	/* Delete the middle one: the last takes its place. */
	ck_assert_int_eq(sl_trust_delete(tt_path("store"), f1, ren, 4, &nren, err, sizeof(err)), 0);
	ck_assert_uint_eq(nren, 1);
	ck_assert_str_eq(ren[0].from, f2);
	ck_assert_str_eq(ren[0].to, f1);
	ck_assert_int_eq(access(sp(f2), F_OK), -1);
	ck_assert_int_eq(verify(tt_path(leafn[0])), 0);
	ck_assert_int_ne(verify(tt_path(leafn[1])), 0);
	ck_assert_int_eq(verify(tt_path(leafn[2])), 0);
	/* Delete .0: .1 becomes .0 and is still found. */
	ck_assert_int_eq(sl_trust_delete(tt_path("store"), f0, ren, 4, &nren, err, sizeof(err)), 0);
	ck_assert_uint_eq(nren, 1);
	ck_assert_str_eq(ren[0].from, f1);
	ck_assert_str_eq(ren[0].to, f0);
	ck_assert_int_eq(tt_count("store"), 1);
	ck_assert_int_ne(verify(tt_path(leafn[0])), 0);
	ck_assert_int_eq(verify(tt_path(leafn[2])), 0);
	free(res);
	for (int i = 0; i < 3; i++) {
		X509_free(ca[i]);
		X509_free(leaf[i]);
		EVP_PKEY_free(ck[i]);
		EVP_PKEY_free(lk[i]);
	}
}
END_TEST

START_TEST(fingerprints_match_openssl)
{
	EVP_PKEY *ck = tt_key_ec(), *lk = tt_key_rsa(1024);
	X509 *ca = tt_cert("Test FP CA", ck, true, NULL, NULL);
	X509 *leaf = tt_cert("phone-fp", lk, false, ca, ck);
	struct sl_trust_info ci;
	char out[512];

	tt_write_pem(tt_path("leaf.pem"), leaf, false);
	ck_assert_int_eq(sl_trust_info(leaf, &ci), 0);
	ck_assert_int_eq(tt_run(out, sizeof(out), "%s x509 -noout -fingerprint -sha1 -in %s", tt_openssl(),
				tt_path("leaf.pem")), 0);
	ck_assert_str_eq(strchr(out, '=') + 1, ci.sha1);
	ck_assert_int_eq(tt_run(out, sizeof(out), "%s x509 -noout -fingerprint -sha256 -in %s", tt_openssl(),
				tt_path("leaf.pem")), 0);
	ck_assert_str_eq(strchr(out, '=') + 1, ci.sha256);
	ck_assert_int_eq(tt_run(out, sizeof(out), "%s x509 -noout -subject -nameopt RFC2253 -in %s",
				tt_openssl(), tt_path("leaf.pem")), 0);
	ck_assert_str_eq(out + strlen("subject="), ci.subject);
	ck_assert_int_eq(tt_run(out, sizeof(out), "%s x509 -noout -subject_hash -in %s", tt_openssl(),
				tt_path("leaf.pem")), 0);
	ck_assert_uint_eq(strtoul(out, NULL, 16), ci.hash);
	ck_assert_str_eq(ci.san, "DNS:phone.test.example, IP:192.0.2.7");
	ck_assert(!ci.is_ca);
	ck_assert(!ci.self_signed);
	ck_assert_str_eq(ci.issuer, "CN=Test FP CA,O=Shieldlock Test");
	ck_assert_str_eq(ci.key_type, "RSA");
	ck_assert_int_eq(ci.key_bits, 1024);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(lk);
}
END_TEST

START_TEST(find_by_name_and_prefix)
{
	EVP_PKEY *k = tt_key_ec();
	X509 *c = tt_cert("Test Find", k, true, NULL, NULL);
	struct sl_trust_imported *res;
	struct sl_trust_entry e;
	char err[1024], sha1[16], copy[32];
	uint8_t *d;
	size_t n, len;

	tt_write_pem(tt_path("c.pem"), c, false);
	res = import_file(tt_path("c.pem"), NULL, &n, 0);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), res[0].file, &e, err, sizeof(err)), 0);
	ck_assert_str_eq(e.info.sha256, res[0].info.sha256);
	snprintf(sha1, sizeof(sha1), "%.2s%.2s%.2s%.2s", res[0].info.sha1, res[0].info.sha1 + 3,
		 res[0].info.sha1 + 6, res[0].info.sha1 + 9);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), sha1, &e, err, sizeof(err)), 0);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), "ABCDEF1", &e, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), "ca", &e, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), "0badc0de.7", &e, err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "has no file 0badc0de.7"));
	tt_write(tt_path("store/0badc0de.0"), "junk\n", 5);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), "0badc0de.0", &e, err, sizeof(err)), -EIO);
	ck_assert_msg(strstr(err, "holds no PEM certificate") && strstr(err, "cert check"), "%s", err);
	unlink(tt_path("store/0badc0de.0"));
	/* The same certificate under a second name (a hand-made copy): a
	 * prefix is ambiguous and both files are named. */
	snprintf(copy, sizeof(copy), "store/%08lx.1", res[0].info.hash);
	d = tt_read(tt_path("c.pem"), &len);
	tt_write(tt_path(copy), d, len);
	free(d);
	ck_assert_int_eq(sl_trust_find(tt_path("store"), sha1, &e, err, sizeof(err)), -ENOTUNIQ);
	ck_assert_msg(strstr(err, "matches 2 certificates") && strstr(err, res[0].file) && strstr(err, copy + 6),
		      "%s", err);
	free(res);
	X509_free(c);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(base64_rfc4648_vectors)
{
	/* RFC 4648 §10. */
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const bad[] = { "Zm9", "Zm=v", "Zm9v!A==", "====", "Z===", "Zm9vY g=", "Zh==", "Zm9=" };

	for (size_t i = 0; i < 7; i++) {
		char *e;
		uint8_t *d;
		size_t el, dl;

		ck_assert_int_eq(sl_trust_b64_encode((const uint8_t *)in[i], strlen(in[i]), &e, &el), 0);
		ck_assert_str_eq(e, out[i]);
		ck_assert_int_eq(sl_trust_b64_decode(out[i], strlen(out[i]), &d, &dl), 0);
		ck_assert_uint_eq(dl, strlen(in[i]));
		ck_assert(!memcmp(d, in[i], dl));
		free(e);
		free(d);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *d;
		size_t dl;

		ck_assert_msg(sl_trust_b64_decode(bad[i], strlen(bad[i]), &d, &dl) == -EINVAL, "%s", bad[i]);
	}
}
END_TEST

START_TEST(fingerprint_parsing)
{
	char hex[65];

	ck_assert_int_eq(sl_trust_fp_parse("ab:cd:ef:01", hex), 8);
	ck_assert_str_eq(hex, "ABCDEF01");
	ck_assert_int_eq(sl_trust_fp_parse("abcdef0", hex), -EINVAL);
	ck_assert_int_eq(sl_trust_fp_parse("abcdefgh", hex), -EINVAL);
	ck_assert_int_eq(sl_trust_fp_parse("1a2b3c4d.0", hex), -EINVAL);
	ck_assert_int_eq(sl_trust_fp_parse("0000000000000000000000000000000000000000000000000000000000000000",
					   hex), 64);
	ck_assert_int_eq(sl_trust_fp_parse("00000000000000000000000000000000000000000000000000000000000000000",
					   hex), -EINVAL);
}
END_TEST

TCase *tc_store(void)
{
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, import_pem_bundle);
	tcase_add_test(tc, import_der_export_round_trip);
	tcase_add_test(tc, duplicates_skipped);
	tcase_add_test(tc, garbage_and_keys_refused);
	tcase_add_test(tc, verify_after_import_fails_after_delete);
	tcase_add_test(tc, renumber_after_delete);
	tcase_add_test(tc, fingerprints_match_openssl);
	tcase_add_test(tc, find_by_name_and_prefix);
	tcase_add_test(tc, base64_rfc4648_vectors);
	tcase_add_test(tc, fingerprint_parsing);
	return tc;
}
