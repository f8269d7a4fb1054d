/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The encrypted-configuration stub (spec §5.2). The phone certificates are
 * made at test time with the openssl command line, and certHash is checked
 * against `openssl dgst -md5` of the DER, an implementation independent of
 * the one under test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_cnf.h"

static const char *openssl(void)
{
	const char *p = getenv("OPENSSL");

	return p ? p : "openssl";
}

/* Makes dir/name.der: a self-signed test certificate with the given
 * -newkey argument. */
static uint8_t *make_cert(const char *dir, const char *newkey, size_t *len)
{
	char *cmd, *path;
	uint8_t *der;

	ck_assert_int_ge(asprintf(&cmd, "'%s' req -x509 %s -nodes -keyout '%s/key.pem' "
		"-subj /CN=SEP001122AABBCC -days 2 -outform DER -out '%s/cert.der' "
		">/dev/null 2>&1", openssl(), newkey, dir, dir), 0);
	ck_assert_msg(run(cmd) == 0, "openssl failed: %s", cmd);
	free(cmd);
	ck_assert_int_ge(asprintf(&path, "%s/cert.der", dir), 0);
	der = read_file(path, len);
	ck_assert_ptr_nonnull(der);
	free(path);
	return der;
}

static void cli_md5(const char *dir, char hex[33])
{
	char *cmd, *path;
	size_t len = 0;
	uint8_t *out;

	ck_assert_int_ge(asprintf(&cmd, "'%s' dgst -md5 -r '%s/cert.der' > '%s/md5.txt'",
				  openssl(), dir, dir), 0);
	ck_assert_int_eq(run(cmd), 0);
	ck_assert_int_ge(asprintf(&path, "%s/md5.txt", dir), 0);
	out = read_file(path, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_ge(len, 32);
	memcpy(hex, out, 32);
	hex[32] = 0;
	free(out);
	free(path);
	free(cmd);
}

START_TEST(stub_rsa)
{
	char *dir = make_tmpdir(), md5[33], hash[33], err[256] = "", *want;
	struct sl_cnf_buf out = { 0 };
	struct sl_cnf_device d;
	size_t len = 0;
	uint8_t *der;

	ck_assert_ptr_nonnull(dir);
	der = make_cert(dir, "-newkey rsa:2048", &len);
	cli_md5(dir, md5);
	ck_assert_int_eq(sl_cnf_cert_hash(der, len, hash), 0);
	ck_assert_str_eq(hash, md5);

	ref_device(&d);
	ck_assert_msg(sl_cnf_build_stub(&d, der, len, &out, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_ge(asprintf(&want,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<device>\n"
		"  <fullConfig>false</fullConfig>\n"
		"  <ipAddressMode>0</ipAddressMode>\n"
		"  <loadInformation>SIP75.9-4-2SR3-1S</loadInformation>\n"
		"  <capfAuthMode>1</capfAuthMode>\n"
		"  <capfList>\n"
		"    <capf>\n"
		"      <phonePort>3804</phonePort>\n"
		"      <processNodeName>capf.example.net</processNodeName>\n"
		"    </capf>\n"
		"  </capfList>\n"
		"  <certHash>%s</certHash>\n"
		"  <encrConfig>true</encrConfig>\n"
		"</device>\n", md5), 0);
	ck_assert_str_eq((const char *)out.data, want);
	ck_assert_uint_eq(out.len, strlen(want));
	free(want);

	/* Without CAPF: no capfAuthMode, no capfList; IPv6 mode copied. */
	d.n_capf = 0;
	d.capf_auth_mode = SL_CNF_CAPF_AUTH_NONE;
	d.ip_address_mode = 2;
	ck_assert_int_eq(sl_cnf_build_stub(&d, der, len, &out, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr((char *)out.data, "capf"));
	ck_assert_ptr_nonnull(strstr((char *)out.data, "<ipAddressMode>2</ipAddressMode>"));
	ck_assert_ptr_null(strstr((char *)out.data, "s3cret"));

	/* Trailing bytes after the certificate: refused. */
	{
		uint8_t *longer = malloc(len + 1);

		memcpy(longer, der, len);
		longer[len] = 0;
		ck_assert_int_eq(sl_cnf_build_stub(&d, longer, len + 1, &out, err,
						   sizeof(err)), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "not one DER X.509 certificate"));
		ck_assert_uint_eq(out.len, 0);
		free(longer);
	}
	sl_cnf_buf_free(&out);
	free(der);
	remove_tree(dir);
	free(dir);
}
END_TEST

START_TEST(stub_refuses_ec_and_garbage)
{
	char *dir = make_tmpdir(), err[256] = "";
	struct sl_cnf_buf out = { 0 };
	struct sl_cnf_device d;
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	size_t len = 0;
	uint8_t *der;

	ref_device(&d);
	der = make_cert(dir, "-newkey ec -pkeyopt ec_paramgen_curve:P-256", &len);
	ck_assert_int_eq(sl_cnf_build_stub(&d, der, len, &out, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "has no RSA key") != NULL, "%s", err);
	ck_assert_int_eq(sl_cnf_build_stub(&d, junk, sizeof(junk), &out, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not one DER X.509 certificate"));
	ck_assert_int_eq(sl_cnf_build_stub(&d, NULL, 0, &out, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "enroll an LSC"));
	/* A bad device record is refused before the certificate is looked at. */
	d.name = "SEP123";
	ck_assert_int_eq(sl_cnf_build_stub(&d, der, len, &out, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "SEP123"));
	sl_cnf_buf_free(&out);
	free(der);
	remove_tree(dir);
	free(dir);
}
END_TEST

START_TEST(md5_known_answer)
{
	/* RFC 1321 §A.5 test suite: MD5("abc"). */
	char hex[33];

	ck_assert_int_eq(sl_cnf_cert_hash((const uint8_t *)"abc", 3, hex), 0);
	ck_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
}
END_TEST

TCase *tcase_stub(void)
{
	TCase *tc = tcase_create("stub");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, stub_rsa);
	tcase_add_test(tc, stub_refuses_ec_and_garbage);
	tcase_add_test(tc, md5_known_answer);
	return tc;
}
