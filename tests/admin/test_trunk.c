/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trunk add / set / del / list / show / cred set / cred del.
 */
#include <stdio.h>
#include <string.h>

#include "test_admin.h"

struct tc_find {
	char realm[128], username[128];
	unsigned n;
	char md5[33];
};

static int tcred_cb(const struct sl_trunk_cred *c, void *arg)
{
	struct tc_find *f = arg;

	f->n++;
	snprintf(f->realm, sizeof(f->realm), "%s", c->realm);
	snprintf(f->username, sizeof(f->username), "%s", c->username);
	if (c->alg == 0)
		for (unsigned i = 0; i < c->ha1_len && i < 16; i++)
			sprintf(f->md5 + 2 * i, "%02x", c->ha1[i]);
	return 0;
}

START_TEST(add_defaults_and_checks)
{
	const char *o;

	o = OK("trunk add carrier --host sip.carrier.example --prefix 0");
	ck_assert_ptr_nonnull(strstr(o, "trunk carrier added (tls sip.carrier.example, profile encrypted)"));
	ck_assert_int_eq(fx.changed, 1);
	o = OKJ("trunk show carrier");
	ck_assert_ptr_nonnull(strstr(o, "\"host\":\"sip.carrier.example\",\"port\":0,\"transport\":\"tls\","
				     "\"prefix\":\"0\",\"profile\":\"encrypted\",\"credentials\":[]"));
	o = OK("trunk add pbx --host 2001:db8::5 --port 5080 --transport udp");
	ck_assert_ptr_nonnull(strstr(o, "profile non-secure"));
	/* RFC 4568 §8.3: no SDES keys over a non-TLS trunk. */
	FAILS("trunk add gw --host 192.0.2.1 --transport tcp --profile encrypted", SL_ADMIN_E_USAGE,
	      "profile 'encrypted' is encrypted, which needs --transport tls");
	FAILS("trunk add gw --host 192.0.2.1 --transport sctp", SL_ADMIN_E_USAGE,
	      "--transport 'sctp' is not one of tls, tcp, udp");
	FAILS("trunk add gw --host 192.0.2.1 --port 70000", SL_ADMIN_E_USAGE, "--port '70000' is not a number in 0..65535");
	FAILS("trunk add gw --host 192.0.2.1 --port 50x", SL_ADMIN_E_USAGE, "--port '50x' is not a number");
	FAILS("trunk add gw --host bad_host.example", SL_ADMIN_E_USAGE,
	      "--host 'bad_host.example' is neither an IP address nor a host name ('_' at position 4)");
	FAILS("trunk add gw --host [2001:db8::1]", SL_ADMIN_E_USAGE, "without brackets");
	FAILS("trunk add gw --host a..b", SL_ADMIN_E_USAGE, "empty label");
	FAILS("trunk add gw --host 192.0.2.1 --prefix 0;1", SL_ADMIN_E_USAGE, "--prefix '0;1' has ';' at position 2");
	FAILS("trunk add gw --host 192.0.2.1 --profile lock", SL_ADMIN_E_NOTFOUND, "profile 'lock' does not exist");
	FAILS("trunk add gw", SL_ADMIN_E_USAGE, "--host is missing");
	FAILS("trunk add carrier --host 192.0.2.1", SL_ADMIN_E_EXISTS, "trunk 'carrier' exists already");
	ck_assert_int_eq(fx.changed, 2);
}
END_TEST

START_TEST(set_list_del)
{
	const char *o;

	OK("trunk add carrier --host 198.51.100.7");
	FAILS("trunk set carrier", SL_ADMIN_E_USAGE, "nothing to change");
	FAILS("trunk set nope --port 1", SL_ADMIN_E_NOTFOUND, "trunk 'nope' does not exist");
	/* Switching to UDP keeps the encrypted profile: refused with the reason. */
	FAILS("trunk set carrier --transport udp", SL_ADMIN_E_USAGE, "needs --transport tls");
	OK("trunk set carrier --transport udp --profile non-secure --port 5070 --prefix 9");
	o = OK("trunk list");
	ck_assert_ptr_nonnull(strstr(o, "TRUNK    HOST          PORT  TRANSPORT  PREFIX  PROFILE     REALMS\n"));
	ck_assert_ptr_nonnull(strstr(o, "carrier  198.51.100.7  5070  udp        9       non-secure  -\n"));
	o = OKJ("trunk list");
	ck_assert_ptr_nonnull(strstr(o, "\"count\":1"));
	ck_assert_ptr_nonnull(strstr(OK("trunk del carrier"), "trunk carrier deleted"));
	FAILS("trunk del carrier", SL_ADMIN_E_NOTFOUND, "trunk 'carrier' does not exist");
	ck_assert_ptr_nonnull(strstr(OK("trunk list"), "no trunks"));
}
END_TEST

/* HA1 = MD5(username:realm:password), RFC 2617 §3.2.2.2; the §3.5 example
 * values again, now on the trunk side. */
START_TEST(credentials)
{
	struct tc_find f = { .n = 0 };
	char err[256];
	const char *o;

	OK("trunk add carrier --host 198.51.100.7");
	FAILS("trunk cred set carrier --realm testrealm@host.com --username Mufasa", SL_ADMIN_E_USAGE,
	      "a password is required");
	FAILS("trunk cred set carrier --username Mufasa --password x", SL_ADMIN_E_USAGE, "--realm is missing");
	FAILS("trunk cred set carrier --realm 'a\"b' --username Mufasa --password x", SL_ADMIN_E_USAGE,
	      "--realm must not contain");
	FAILS("trunk cred set nope --realm r --username u --password x", SL_ADMIN_E_NOTFOUND,
	      "trunk 'nope' does not exist");
	FAILS("trunk cred frob carrier", SL_ADMIN_E_USAGE, "trunk cred: unknown subcommand 'frob'");
	o = OK("trunk cred set carrier --realm testrealm@host.com --username Mufasa --password 'Circle Of Life'");
	ck_assert_ptr_nonnull(strstr(o, "credentials for realm testrealm@host.com set (username Mufasa)"));
	ck_assert_ptr_null(strstr(o, "Circle"));
	ck_assert_int_eq(sl_store_trunk_cred_walk(fx.st, tcred_cb, &f, err, sizeof(err)), 0);
	ck_assert_str_eq(f.realm, "testrealm@host.com");
	ck_assert_str_eq(f.username, "Mufasa");
	ck_assert_str_eq(f.md5, "939e7578ed9e3c518a452acee763bce9");
	o = OK("trunk show carrier");
	ck_assert_ptr_nonnull(strstr(o, "credentials:    realm testrealm@host.com, username Mufasa"));
	ck_assert_ptr_nonnull(strstr(OK("trunk list"), "testrealm@host.com\n"));
	ck_assert_ptr_nonnull(strstr(OKJ("trunk show carrier"),
				     "\"credentials\":[{\"realm\":\"testrealm@host.com\",\"username\":\"Mufasa\"}]"));
	FAILS("trunk cred del carrier --realm other", SL_ADMIN_E_NOTFOUND,
	      "trunk 'carrier' has no credentials for realm 'other'");
	OK("trunk cred del carrier --realm testrealm@host.com");
	ck_assert_ptr_nonnull(strstr(OK("trunk show carrier"), "credentials:    none"));
	ck_assert_int_eq(fx.changed, 3);
}
END_TEST

TCase *tc_trunk(void)
{
	TCase *tc = tcase_create("trunk");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, add_defaults_and_checks);
	tcase_add_test(tc, set_list_del);
	tcase_add_test(tc, credentials);
	return tc;
}
