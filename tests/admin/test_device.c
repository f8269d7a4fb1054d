/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device add / set / del / list / show and profile add / set / del / list.
 */
#include <stdio.h>
#include <string.h>

#include "test_admin.h"

static void two_users(void)
{
	OK("user add alice --password password1");
	OK("user add bob --password password2");
	fx.changed = 0;
}

START_TEST(device_add_checks_references)
{
	const char *o;

	two_users();
	FAILS("device add SEP001122334455 --user alice --profile encryptd", SL_ADMIN_E_NOTFOUND,
	      "device add: profile 'encryptd' does not exist (profiles: non-secure, authenticated, encrypted)");
	FAILS("device add SEP001122334455 --user carol --profile encrypted", SL_ADMIN_E_NOTFOUND,
	      "device add: user 'carol' does not exist (users: alice, bob;");
	FAILS("device add SEP001122334455 --profile encrypted", SL_ADMIN_E_USAGE, "--user is missing");
	FAILS("device add SEP001122334455 --user alice", SL_ADMIN_E_USAGE, "--profile is missing");
	FAILS("device add SEP00112233445% --user alice --profile encrypted", SL_ADMIN_E_USAGE,
	      "device name 'SEP00112233445%' has '%' at position 15");
	ck_assert_int_eq(fx.changed, 0);
	o = OK("device add SEP001122334455 --user alice --profile encrypted --description 'Desk 4.12'");
	ck_assert_ptr_nonnull(strstr(o, "device SEP001122334455 added (user alice, profile encrypted: encrypted)"));
	ck_assert_int_eq(fx.changed, 1);
	FAILS("device add SEP001122334455 --user bob --profile encrypted", SL_ADMIN_E_EXISTS,
	      "device 'SEP001122334455' exists already");
	o = OKJ("device show SEP001122334455");
	ck_assert_ptr_nonnull(strstr(o, "\"user\":\"alice\",\"profile\":\"encrypted\",\"mode\":\"encrypted\","
				     "\"cert_identity\":\"SEP001122334455\",\"description\":\"Desk 4.12\""));
}
END_TEST

START_TEST(device_set_del_list)
{
	const char *o;

	two_users();
	OK("device add d1 --user alice --profile encrypted");
	OK("device add d2 --user bob --profile non-secure --cert-identity 'CN=phone two'");
	FAILS("device set d1", SL_ADMIN_E_USAGE, "nothing to change");
	FAILS("device set d9 --user bob", SL_ADMIN_E_NOTFOUND, "device 'd9' does not exist");
	FAILS("device set d1 --profile nope", SL_ADMIN_E_NOTFOUND, "profile 'nope' does not exist");
	o = OK("device set d1 --user bob --profile authenticated");
	ck_assert_ptr_nonnull(strstr(o, "device d1 changed (user bob, profile authenticated: authenticated)"));
	o = OK("device list");
	ck_assert_ptr_nonnull(strstr(o, "DEVICE  USER  PROFILE        MODE           CERT-IDENTITY  DESCRIPTION\n"));
	ck_assert_ptr_nonnull(strstr(o, "d1      bob   authenticated  authenticated  d1\n"));
	ck_assert_ptr_nonnull(strstr(o, "d2      bob   non-secure     non-secure     CN=phone two\n"));
	o = OKJ("device list");
	ck_assert_ptr_nonnull(strstr(o, "\"count\":2"));
	o = OK("device show d2");
	ck_assert_ptr_nonnull(strstr(o, "profile:        non-secure, mode non-secure\n"));
	ck_assert_ptr_nonnull(strstr(o, "cert identity:  CN=phone two"));
	ck_assert_ptr_nonnull(strstr(o, "registration:   none"));
	ck_assert_ptr_nonnull(strstr(OK("device del d2"), "device d2 deleted"));
	FAILS("device del d2", SL_ADMIN_E_NOTFOUND, "device 'd2' does not exist");
	FAILS("device show d2", SL_ADMIN_E_NOTFOUND, "device 'd2' does not exist");
	ck_assert_int_eq(fx.changed, 4);
	OK("device del d1");
	ck_assert_ptr_nonnull(strstr(OK("device list"), "no devices"));
}
END_TEST

START_TEST(nonsecure_cluster_note)
{
	two_users();
	fx.conf.cluster_mode = SL_CLUSTER_NONSECURE;
	ck_assert_ptr_nonnull(strstr(OK("device add d1 --user alice --profile encrypted"),
				     "note: [general] cluster_mode is non-secure"));
	ck_assert_ptr_null(strstr(OK("device add d2 --user alice --profile non-secure"), "note:"));
	/* JSON output stays one document. */
	OKJ("device add d3 --user alice --profile encrypted");
}
END_TEST

START_TEST(profiles)
{
	const char *o;

	o = OK("profile list");
	/* Built-ins in mode order. */
	ck_assert_ptr_nonnull(strstr(o, "PROFILE        MODE                    DEVICES"));
	ck_assert_ptr_nonnull(strstr(o, "\nnon-secure     non-secure              0"));
	ck_assert_ptr_nonnull(strstr(o, "\nauthenticated  authenticated (shield)  0"));
	ck_assert_ptr_nonnull(strstr(o, "\nencrypted      encrypted (lock)        0"));
	ck_assert(strstr(o, "non-secure     non") < strstr(o, "authenticated  auth") &&
		  strstr(o, "authenticated  auth") < strstr(o, "encrypted      enc"));
	FAILS("profile add lobby", SL_ADMIN_E_USAGE, "--mode is missing");
	FAILS("profile add lobby --mode secure", SL_ADMIN_E_USAGE,
	      "--mode 'secure' is not a security mode (modes: non-secure, authenticated, encrypted)");
	OK("profile add lobby --mode authenticated --description 'Lobby phones'");
	FAILS("profile add lobby --mode encrypted", SL_ADMIN_E_EXISTS, "profile 'lobby' exists already");
	ck_assert_ptr_nonnull(strstr(OK("profile set lobby --mode encrypted"), "profile lobby changed (encrypted (lock))"));
	FAILS("profile set nope --mode encrypted", SL_ADMIN_E_NOTFOUND, "profile 'nope' does not exist");
	FAILS("profile set lobby", SL_ADMIN_E_USAGE, "nothing to change");
	/* The store keeps built-in modes fixed; the store's reason comes through. */
	FAILS("profile set encrypted --mode non-secure", SL_ADMIN_E_USAGE, "profile set: ");
	o = OKJ("profile list");
	ck_assert_ptr_nonnull(strstr(o, "{\"name\":\"lobby\",\"mode\":\"encrypted\",\"security\":\"encrypted (lock)\","
				     "\"devices\":0,\"description\":\"Lobby phones\",\"encrypt_config\":false}"));
	OK("user add alice --password password1");
	OK("device add d1 --user alice --profile lobby");
	FAILS("profile del lobby", SL_ADMIN_E_BUSY, "profile 'lobby' is used by 1 device(s): d1;");
	OK("device set d1 --profile encrypted");
	OK("trunk add carrier --host 192.0.2.10 --profile lobby");
	FAILS("profile del lobby", SL_ADMIN_E_BUSY, "profile 'lobby' is used by 1 trunk(s): carrier;");
	OK("trunk del carrier");
	ck_assert_ptr_nonnull(strstr(OK("profile del lobby"), "profile lobby deleted"));
	FAILS("profile del lobby", SL_ADMIN_E_NOTFOUND, "profile 'lobby' does not exist");
}
END_TEST

TCase *tc_device(void)
{
	TCase *tc = tcase_create("device");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, device_add_checks_references);
	tcase_add_test(tc, device_set_del_list);
	tcase_add_test(tc, nonsecure_cluster_note);
	tcase_add_test(tc, profiles);
	return tc;
}
