/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capf set / status / clear, the CAPF line of device show, profile
 * --encrypt-config and the provisioning secret written by user add/passwd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "test_admin.h"

#define DEV "SEP001122334455"

static int prov;			/* prov_changed calls */

static void count_prov(void *arg)
{
	(void)arg;
	prov++;
}

static void setup(void)
{
	fx.ctx.prov_changed = count_prov;
	OK("user add alice --password password1");
	OK("device add " DEV " --user alice --profile encrypted");
	OK("device add desk1 --user alice --profile non-secure");
	prov = 0;
	fx.changed = 0;
}

static bool pw_matches(const char *dev, const char *pw)
{
	char err[256] = "";
	bool match = false;

	ck_assert_msg(sl_store_capf_check_password(fx.st, dev, pw, strlen(pw), &match, err,
						   sizeof(err)) == 0, "%s", err);
	return match;
}

/* A TEST-ONLY self-signed P-256 certificate with serial 0x42. */
static char *test_cert(int64_t nb, int64_t na)
{
	static const unsigned char serial[] = { 0x42 };
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	BIGNUM *bn = BN_bin2bn(serial, 1, NULL);
	BIO *b = BIO_new(BIO_s_mem());
	BUF_MEM *bm;
	char *pem;

	ck_assert(k && x && bn && b);
	ck_assert(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL);
	ck_assert(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					     (const unsigned char *)DEV, -1, -1, 0) == 1);
	ck_assert(X509_set_issuer_name(x, X509_get_subject_name(x)) == 1);
	ck_assert(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL);
	ck_assert(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL);
	ck_assert(X509_set_pubkey(x, k) == 1 && X509_sign(x, k, EVP_sha256()) > 0);
	ck_assert(PEM_write_bio_X509(b, x) == 1);
	BIO_get_mem_ptr(b, &bm);
	pem = calloc(1, bm->length + 1);
	ck_assert_ptr_nonnull(pem);
	memcpy(pem, bm->data, bm->length);
	BIO_free(b);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(k);
	return pem;
}

START_TEST(capf_set_errors)
{
	setup();
	FAILS("capf", SL_ADMIN_E_USAGE, "capf: missing subcommand (capf set, status, clear)");
	FAILS("capf frob", SL_ADMIN_E_USAGE, "unknown subcommand 'frob' (capf subcommands: set, status, clear)");
	FAILS("capf set " DEV, SL_ADMIN_E_USAGE,
	      "capf set: give the operation: --install, --fetch, --delete or --none (usage: capf set DEVICE");
	FAILS("capf set " DEV " --install --fetch", SL_ADMIN_E_USAGE, "give one operation, not 2");
	FAILS("capf set --install", SL_ADMIN_E_USAGE, "DEVICE is missing");
	FAILS("capf set SEP000000000000 --install", SL_ADMIN_E_NOTFOUND,
	      "capf set: device 'SEP000000000000' does not exist (see shieldlockctl device list)");
	FAILS("capf set desk1 --install", SL_ADMIN_E_USAGE,
	      "capf set: device 'desk1' is not a phone name (SEP and the 12 uppercase hex digits");
	FAILS("capf set desk/1 --install", SL_ADMIN_E_USAGE, "has '/' at position 5");
	FAILS("capf set " DEV " --install --auth pin", SL_ADMIN_E_USAGE,
	      "--auth 'pin' is not an authentication mode (password, null, lsc, mic, lsc-or-mic)");
	FAILS("capf set " DEV " --install --key rsa:512", SL_ADMIN_E_USAGE,
	      "--key 'rsa:512' is not a key type (rsa:1024, rsa:2048, rsa:3072, rsa:4096, ec:P-256");
	FAILS("capf set " DEV " --install --deadline 400", SL_ADMIN_E_USAGE,
	      "--deadline '400' is not a number in 0..365");
	FAILS("capf set " DEV " --install --deadline -1", SL_ADMIN_E_USAGE, "is not a number");
	FAILS("capf set " DEV " --none --deadline 3", SL_ADMIN_E_USAGE,
	      "--deadline belongs to --install, --fetch or --delete");
	FAILS("capf set " DEV " --install --auth password", SL_ADMIN_E_USAGE,
	      "--auth password needs the CAPF password (4 to 15 characters; shieldlockctl prompts");
	FAILS("capf set " DEV " --install --auth password --password 123", SL_ADMIN_E_USAGE,
	      "the password is too short (3 characters; at least 4)");
	FAILS("capf set " DEV " --install --auth password --password 0123456789abcdef", SL_ADMIN_E_USAGE,
	      "the CAPF password is too long (16 characters; at most 15");
	FAILS("capf set " DEV " --install --auth null --password 123456", SL_ADMIN_E_USAGE,
	      "a password belongs to --auth password (the authentication is null)");
	FAILS("capf set " DEV " --install --frob", SL_ADMIN_E_USAGE, "unknown option '--frob' (options: --install");
	FAILS("capf set " DEV " --install --install", SL_ADMIN_E_USAGE, "--install is given twice");
	/* Nothing was written or announced. */
	ck_assert_int_eq(prov, 0);
	ck_assert_int_eq(fx.changed, 0);
	{
		struct sl_capf c;
		char err[256];

		ck_assert_int_eq(sl_store_capf_get(fx.st, DEV, &c, err, sizeof(err)), 0);
		ck_assert(!c.configured);
	}
}
END_TEST

START_TEST(capf_set_ok)
{
	const char *o;

	setup();
	o = OK("capf set " DEV " --install --auth password --password 123456 --key rsa:1024 --deadline 7");
	ck_assert_msg(strstr(o, "device " DEV ": CAPF install scheduled (authentication password, "
			     "key rsa:1024, until ") != NULL, "%s", o);
	ck_assert_ptr_nonnull(strstr(o, " UTC)\n"));
	ck_assert_ptr_null(strstr(o, "123456"));
	ck_assert_int_eq(prov, 1);
	ck_assert_int_eq(fx.changed, 0);	/* the SIP directory does not change */
	ck_assert(pw_matches(DEV, "123456"));
	ck_assert(!pw_matches(DEV, "123457"));
	/* Another operation keeps auth, password and key; no deadline unless given. */
	o = OK("capf set " DEV " --fetch");
	ck_assert_ptr_nonnull(strstr(o, "CAPF fetch scheduled (authentication password, key rsa:1024, "
				     "no deadline)"));
	ck_assert(pw_matches(DEV, "123456"));
	/* A new password replaces the old one. */
	OK("capf set " DEV " --install --auth=password --password=abcdefghijklmno");
	ck_assert(pw_matches(DEV, "abcdefghijklmno"));
	o = OKJ("capf set " DEV " --delete --auth lsc-or-mic --key ec:P-256");
	ck_assert_ptr_nonnull(strstr(o, "\"device\":\"" DEV "\",\"configured\":true,\"operation\":\"delete\","
				     "\"auth\":\"lsc-or-mic\",\"capf_auth_mode\":3,\"password_set\":false,"
				     "\"key\":\"ec:P-256\",\"deadline\":0,\"expired\":false,"
				     "\"last_result\":null,\"last_time\":0,\"certificate\":null}"));
	o = OK("capf set " DEV " --install --auth null --key ec:P-384");
	ck_assert_ptr_nonnull(strstr(o, "note: authentication null lets any phone"));
	ck_assert_ptr_nonnull(strstr(o, "note: EC keys need a phone with ITL signer version 1.1"));
	o = OK("capf set " DEV " --none");
	ck_assert_str_eq(o, "device " DEV ": no CAPF operation pending (authentication null)\n");
	/* fetch and delete also work for devices without a phone name. */
	OK("capf set desk1 --fetch --auth mic");
	ck_assert_int_eq(prov, 7);
}
END_TEST

START_TEST(capf_status_and_clear)
{
	struct sl_capf_outcome out = { .op = SL_CAPF_OP_INSTALL, .success = true,
				       .result = SL_CAPF_R_INSTALLED, .time = 1767225600 };
	struct sl_capf_settings s = { .op = SL_CAPF_OP_FETCH, .auth = SL_CAPF_AUTH_MIC,
				      .key = { .type = SL_CAPF_KEY_RSA, .size = 2048 },
				      .deadline = 1000 };
	char err[256], *pem;
	const char *o;

	setup();
	o = OK("capf status");
	ck_assert_ptr_nonnull(strstr(o, "DEVICE           OPERATION  AUTH  KEY       DEADLINE  LAST-RESULT  "
				     "LAST-TIME  CERT  SERIAL  NOT-AFTER\n"));
	ck_assert_ptr_nonnull(strstr(o, "\n" DEV "  none       null  rsa:2048  -         -            -"));
	ck_assert_ptr_nonnull(strstr(o, "\ndesk1            none"));
	OK("capf set " DEV " --install --auth password --password 123456");
	pem = test_cert(1767225600, 1798761600);	/* 2026-01-01 .. 2027-01-01 */
	out.cert_pem = pem;
	ck_assert_msg(sl_store_capf_record(fx.st, DEV, &out, err, sizeof(err)) == 0, "%s", err);
	free(pem);
	o = OK("capf status " DEV);
	ck_assert_msg(strstr(o, "device:         " DEV "\n"
			     "operation:      none\n"
			     "authentication: password (capfAuthMode 1, password set)\n"
			     "key:            rsa:2048\n"
			     "last result:    installed at 2026-01-01 00:00:00 UTC\n"
			     "certificate:    LSC, serial 42, valid 2026-01-01 00:00:00 to "
			     "2027-01-01 00:00:00 UTC\n") != NULL, "%s", o);
	o = OK("capf status");
	ck_assert_ptr_nonnull(strstr(o, "installed    2026-01-01 00:00:00  lsc   42      2027-01-01 00:00:00\n"));
	o = OKJ("capf status");
	ck_assert_ptr_nonnull(strstr(o, "{\"count\":2,\"devices\":[{\"device\":\"" DEV "\""));
	ck_assert_ptr_nonnull(strstr(o, "\"certificate\":{\"kind\":\"lsc\",\"serial\":\"42\","
				     "\"not_before\":1767225600,\"not_after\":1798761600}"));
	o = OKJ("capf status desk1");
	ck_assert_ptr_nonnull(strstr(o, "\"device\":\"desk1\",\"configured\":false,\"operation\":\"none\","
				     "\"auth\":\"null\",\"capf_auth_mode\":2"));
	FAILS("capf status nosuch", SL_ADMIN_E_NOTFOUND, "capf status: device 'nosuch' does not exist");
	FAILS("capf status a b", SL_ADMIN_E_USAGE, "unexpected argument 'b'");
	FAILS("capf status --all", SL_ADMIN_E_USAGE, "unknown option '--all' (this command has no options)");

	/* A passed deadline shows as expired. */
	ck_assert(sl_store_capf_put(fx.st, "desk1", &s, NULL, err, sizeof(err)) == 0);
	ck_assert_ptr_nonnull(strstr(OK("capf status desk1"), "operation:      fetch (pending until "
				     "1970-01-01 00:16:40 UTC; expired, the phone will be told no action)"));
	ck_assert_ptr_nonnull(strstr(OK("capf status"), "1970-01-01 00:16:40 (expired)"));
	ck_assert_ptr_nonnull(strstr(OKJ("capf status desk1"), "\"deadline\":1000,\"expired\":true"));

	prov = 0;
	ck_assert_str_eq(OK("capf clear desk1"), "device desk1: CAPF fetch cancelled (the certificate is kept)\n");
	ck_assert_str_eq(OK("capf clear desk1"), "device desk1: no CAPF operation was pending\n");
	ck_assert_ptr_nonnull(strstr(OKJ("capf clear " DEV), "\"operation\":\"none\""));
	ck_assert_int_eq(prov, 3);
	FAILS("capf clear", SL_ADMIN_E_USAGE, "DEVICE is missing (usage: capf clear DEVICE)");
	FAILS("capf clear nosuch", SL_ADMIN_E_NOTFOUND, "device 'nosuch' does not exist");
	/* The certificate survived the clear. */
	ck_assert_ptr_nonnull(strstr(OK("capf status " DEV), "certificate:    LSC, serial 42"));

	/* device show has the summary; deleting the device drops its CAPF row. */
	o = OK("device show " DEV);
	ck_assert_msg(strstr(o, "capf:           LSC serial 42, valid until 2027-01-01 00:00:00 UTC; "
			     "nothing pending (authentication password)\n") != NULL, "%s", o);
	o = OKJ("device show " DEV);
	ck_assert_ptr_nonnull(strstr(o, "\"capf\":{\"operation\":\"none\",\"auth\":\"password\","
				     "\"certificate\":\"lsc\",\"serial\":\"42\",\"not_after\":1798761600}"));
	o = OK("device show desk1");
	ck_assert_ptr_nonnull(strstr(o, "capf:           no certificate; nothing pending (authentication mic)"));
	prov = 0;
	OK("device del " DEV);
	ck_assert_int_eq(prov, 1);
	OK("device add " DEV " --user alice --profile encrypted");
	ck_assert_ptr_nonnull(strstr(OK("capf status " DEV), "certificate:    none"));
}
END_TEST

START_TEST(profile_encrypt_config)
{
	const char *o;

	setup();
	o = OK("profile add lobby --mode encrypted --encrypt-config yes");
	ck_assert_str_eq(o, "profile lobby added (encrypted (lock), encrypted configuration)\n");
	ck_assert_int_eq(prov, 1);
	FAILS("profile set lobby --encrypt-config maybe", SL_ADMIN_E_USAGE,
	      "profile set: --encrypt-config 'maybe' is neither yes nor no");
	o = OK("profile list");
	ck_assert_ptr_nonnull(strstr(o, "PROFILE        MODE                    DEVICES  ENCRYPT-CONFIG  DESCRIPTION\n"));
	ck_assert_ptr_nonnull(strstr(o, "\nlobby          encrypted (lock)        0        yes"));
	ck_assert_ptr_nonnull(strstr(o, "\nencrypted      encrypted (lock)        1        no"));
	o = OKJ("profile list");
	ck_assert_ptr_nonnull(strstr(o, "\"name\":\"lobby\",\"mode\":\"encrypted\",\"security\":\"encrypted (lock)\","
				     "\"devices\":0,\"description\":\"\",\"encrypt_config\":true}"));
	o = OK("profile set lobby --encrypt-config no");
	ck_assert_ptr_nonnull(strstr(o, "profile lobby changed (encrypted (lock))\n"
				     "note: configuration files of this profile's phones carry their "
				     "line's digest password in clear"));
	/* Changing only the description keeps the switch. */
	OK("profile set encrypted --encrypt-config yes");
	OK("profile set encrypted --description 'all secure phones'");
	ck_assert_ptr_nonnull(strstr(OKJ("profile set encrypted --description x"),
				     "\"encrypt_config\":true"));
	ck_assert_int_eq(prov, 5);
}
END_TEST

START_TEST(user_provisioning_secret)
{
	char buf[SL_STORE_SECRET_MAX + 1], err[256];
	size_t len;

	setup();
	OK("user add bob --password 'bob line secret'");
	ck_assert_int_eq(prov, 0);		/* no device yet */
	ck_assert_int_eq(sl_store_user_secret_get(fx.st, "bob", buf, sizeof(buf), &len, err,
						  sizeof(err)), 0);
	ck_assert_str_eq(buf, "bob line secret");
	OK("user passwd alice --password another-secret");
	ck_assert_int_eq(prov, 1);		/* alice's phone's configuration changes */
	ck_assert_int_eq(sl_store_user_secret_get(fx.st, "alice", buf, sizeof(buf), &len, err,
						  sizeof(err)), 0);
	ck_assert_str_eq(buf, "another-secret");
	ck_assert_uint_eq(len, 14);
}
END_TEST

TCase *tc_capf(void)
{
	TCase *tc = tcase_create("capf");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, capf_set_errors);
	tcase_add_test(tc, capf_set_ok);
	tcase_add_test(tc, capf_status_and_clear);
	tcase_add_test(tc, profile_encrypt_config);
	tcase_add_test(tc, user_provisioning_secret);
	return tc;
}
