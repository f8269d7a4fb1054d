/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys in files: generated with mode 0600, read back, signatures verified
 * against the public key the OpenSSL command-line tool extracts, raw RSA
 * operations, refusals (group/world-readable file, not a key).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/obj_mac.h>

#include "test_keys.h"

static void gen_and_check(enum sl_key_type type, int param, const char *name, int bits)
{
	char err[512] = "", cmd[2048];
	const char *path = tk_path(name);
	char pub[1024];
	struct stat st;

	snprintf(pub, sizeof(pub), "%s.pub.pem", path);
	ck_assert_msg(sl_key_generate_file(path, type, param, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	snprintf(cmd, sizeof(cmd), "%s pkey -in %s -pubout -out %s", tk_openssl(), path, pub);
	ck_assert_int_eq(tk_run(cmd), 0);

	struct sl_key *k = tk_open(path);
	EVP_PKEY *ex = tk_read_pub(pub);
	ck_assert_int_eq(sl_key_type(k), type);
	ck_assert_int_eq(sl_key_store(k), SL_KEY_FILE);
	ck_assert_int_eq(sl_key_bits(k), bits);
	ck_assert_int_eq(EVP_PKEY_eq(sl_key_public(k), ex), 1);
	tk_sign_verify_all(k, ex);
	if (type == SL_KEY_RSA)
		tk_raw_ops(k);
	EVP_PKEY_free(ex);
	sl_key_free(k);

	/* regenerating replaces the key atomically, still 0600 */
	ck_assert_int_eq(sl_key_generate_file(path, type, param, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	k = tk_open(path);
	ex = tk_read_pub(pub);
	ck_assert_int_ne(EVP_PKEY_eq(sl_key_public(k), ex), 1);
	EVP_PKEY_free(ex);
	sl_key_free(k);
}

START_TEST(t_file_rsa)
{
	gen_and_check(SL_KEY_RSA, 2048, "file-rsa-test.key", 2048);
}
END_TEST

START_TEST(t_file_ec)
{
	gen_and_check(SL_KEY_EC, 0, "file-ec-test.key", 256);
	gen_and_check(SL_KEY_EC, NID_secp384r1, "file-ec384-test.key", 384);
}
END_TEST

/* A key written by the OpenSSL CLI in the traditional "EC PRIVATE KEY"
 * form reads too. */
START_TEST(t_file_cli_key)
{
	char cmd[2048];
	const char *path = tk_path("cli-ec-test.key");
	snprintf(cmd, sizeof(cmd), "umask 077; %s ecparam -name prime256v1 -genkey -noout "
		 "-out %s && %s pkey -in %s -pubout -out %s.pub", tk_openssl(), path,
		 tk_openssl(), path, path);
	ck_assert_int_eq(tk_run(cmd), 0);
	struct sl_key *k = tk_open(path);
	char pub[1100];
	snprintf(pub, sizeof(pub), "%s.pub", path);
	EVP_PKEY *ex = tk_read_pub(pub);
	tk_sign_verify_all(k, ex);
	EVP_PKEY_free(ex);
	sl_key_free(k);
}
END_TEST

START_TEST(t_file_refusals)
{
	char err[512] = "";
	const char *path = tk_path("file-mode-test.key");

	ck_assert_int_eq(sl_key_generate_file(path, SL_KEY_EC, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_ptr_null(sl_key_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "chmod 600") && strstr(err, "0644"), "%s", err);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_ptr_null(sl_key_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "chmod 600") != NULL, "%s", err);
	ck_assert_int_eq(chmod(path, 0400), 0);
	struct sl_key *k = sl_key_open(path, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	sl_key_free(k);

	ck_assert_ptr_null(sl_key_open(tk_path("no-such-test.key"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "cannot open key file") != NULL, "%s", err);
	/* a public key is not a private key */
	ck_assert_ptr_null(sl_key_open(tk_path("pin-ok"), err, sizeof(err)));
	ck_assert_msg(strstr(err, "no unencrypted PEM private key") != NULL, "%s", err);
	/* bad generation parameters */
	ck_assert_int_eq(sl_key_generate_file(path, SL_KEY_RSA, 512, err, sizeof(err)), -1);
	ck_assert_int_eq(sl_key_generate_file(path, SL_KEY_EC, NID_sha256, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(sl_key_generate_file("/nonexistent-dir/x.key", SL_KEY_EC, 0, err,
					      sizeof(err)), -1);
	ck_assert_msg(strstr(err, "directory") != NULL, "%s", err);
}
END_TEST

TCase *tcase_file(void)
{
	TCase *tc = tcase_create("file");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_file_rsa);
	tcase_add_test(tc, t_file_ec);
	tcase_add_test(tc, t_file_cli_key);
	tcase_add_test(tc, t_file_refusals);
	return tc;
}
