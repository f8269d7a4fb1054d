/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * user add / passwd / del / enable / disable / list / show.
 */
#include <stdio.h>
#include <string.h>

#include "test_admin.h"

struct ha1_find {
	const char *user;
	char md5[33];
	char sha256[65];
};

static int ha1_cb(const struct sl_cred *c, void *arg)
{
	struct ha1_find *f = arg;
	char *dst = c->alg == 0 ? f->md5 : f->sha256;

	if (strcmp(c->user, f->user))
		return 0;
	for (unsigned i = 0; i < c->ha1_len; i++)
		sprintf(dst + 2 * i, "%02x", c->ha1[i]);
	return 0;
}

/* RFC 2617 §3.5: HA1 = MD5("Mufasa:testrealm@host.com:Circle Of Life") =
 * 939e7578ed9e3c518a452acee763bce9. The command must hand the store the
 * user, the configured realm and the password unchanged. */
START_TEST(add_uses_realm_and_password)
{
	struct ha1_find f = { .user = "Mufasa" };
	char err[256];

	snprintf(fx.conf.realm, sizeof(fx.conf.realm), "testrealm@host.com");
	ck_assert_ptr_nonnull(strstr(OK("user add Mufasa --password 'Circle Of Life'"),
				     "user Mufasa added (realm testrealm@host.com)"));
	ck_assert_int_eq(fx.changed, 1);
	ck_assert_int_eq(sl_store_cred_walk(fx.st, ha1_cb, &f, err, sizeof(err)), 0);
	ck_assert_str_eq(f.md5, "939e7578ed9e3c518a452acee763bce9");
	ck_assert_uint_eq(strlen(f.sha256), 64);
	/* A new password replaces the credentials. */
	OK("user passwd Mufasa --password=another-secret");
	ck_assert_int_eq(fx.changed, 2);
	memset(f.md5, 0, sizeof(f.md5));
	sl_store_cred_walk(fx.st, ha1_cb, &f, err, sizeof(err));
	ck_assert_str_ne(f.md5, "939e7578ed9e3c518a452acee763bce9");
	ck_assert_uint_eq(strlen(f.md5), 32);
}
END_TEST

START_TEST(add_errors)
{
	FAILS("user add alice", SL_ADMIN_E_USAGE, "user add: a password is required");
	FAILS("user add alice --password short", SL_ADMIN_E_USAGE, "too short (5 characters; at least 8)");
	FAILS("user add al/ice --password password1", SL_ADMIN_E_USAGE, "has '/' at position 3");
	FAILS("user add -alice --password password1", SL_ADMIN_E_USAGE, "user name '-alice' must not start with '-'");
	FAILS("user add alice --frob --password password1", SL_ADMIN_E_USAGE,
	      "unknown option '--frob' (options: --display, --disabled, --password)");
	FAILS("user add --password password1", SL_ADMIN_E_USAGE, "NAME is missing (usage: user add NAME");
	FAILS("user add alice bob --password password1", SL_ADMIN_E_USAGE, "unexpected argument 'bob'");
	FAILS("user add alice --display", SL_ADMIN_E_USAGE, "--display needs a value");
	FAILS("user add alice --disabled --disabled --password password1", SL_ADMIN_E_USAGE,
	      "--disabled is given twice");
	FAILS("user add aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --password password1",
	      SL_ADMIN_E_USAGE, "the limit is 63");
	ck_assert_int_eq(fx.changed, 0);
	OK("user add alice --password password1");
	FAILS("user add alice --password password2", SL_ADMIN_E_EXISTS, "user 'alice' exists already");
	ck_assert_int_eq(fx.changed, 1);
	/* No realm configured: refuse rather than store credentials nobody can use. */
	fx.ctx.conf = NULL;
	FAILS("user add bob --password password1", SL_ADMIN_E_INTERNAL, "no digest realm is configured");
	FAILS("user passwd alice --password password9", SL_ADMIN_E_INTERNAL, "no digest realm");
}
END_TEST

START_TEST(password_is_wiped)
{
	char a0[] = "user", a1[] = "add", a2[] = "carol", a3[] = "--password", a4[] = "sekrit-pass";
	char b0[] = "user", b1[] = "passwd", b2[] = "carol", b3[] = "--password=other-pass";
	char *argv[] = { a0, a1, a2, a3, a4, NULL };
	char *argv2[] = { b0, b1, b2, b3, NULL };

	sl_admin_out_reset(&fx.out);
	ck_assert_int_eq(sl_admin_exec(&fx.ctx, 5, argv, false, &fx.out), 0);
	for (size_t i = 0; i < sizeof(a4) - 1; i++)
		ck_assert_int_eq(a4[i], 0);
	ck_assert_ptr_null(strstr(fx.out.buf, "sekrit"));
	ck_assert_int_eq(sl_admin_exec(&fx.ctx, 4, argv2, true, &fx.out), 0);
	ck_assert_ptr_null(strstr(b3 + 11, "other"));
	/* Also on failure (user exists). */
	strcpy(a4, "sekrit-pass");
	ck_assert_int_eq(sl_admin_exec(&fx.ctx, 5, argv, false, &fx.out), SL_ADMIN_E_EXISTS);
	ck_assert_int_eq(a4[0], 0);
}
END_TEST

START_TEST(enable_disable_list_show)
{
	const char *o;

	OK("user add alice --display 'Alice Zoë' --password password1");
	OK("user add bob --disabled --password password2");
	o = OK("user list");
	/* Header and two rows, aligned: "alice" padded to the width of "USER " column. */
	ck_assert_ptr_nonnull(strstr(o, "USER   STATE     DEVICES  REGISTERED  CREATED"));
	ck_assert_ptr_nonnull(strstr(o, "\nalice  enabled   -        0  "));
	ck_assert_ptr_nonnull(strstr(o, "\nbob    disabled  -        0  "));
	ck_assert_ptr_nonnull(strstr(o, "Alice Zoë\n"));
	o = OKJ("user list");
	ck_assert_ptr_nonnull(strstr(o, "\"count\":2"));
	ck_assert_ptr_nonnull(strstr(o, "{\"name\":\"alice\",\"display\":\"Alice Zoë\",\"enabled\":true"));
	ck_assert_ptr_nonnull(strstr(o, "{\"name\":\"bob\",\"display\":\"\",\"enabled\":false"));
	OK("user enable bob");
	ck_assert_ptr_nonnull(strstr(OK("user disable alice"), "user alice disabled"));
	ck_assert_ptr_nonnull(strstr(OK("user disable alice"), "(it was already)"));
	ck_assert_ptr_nonnull(strstr(OKJ("user list"), "{\"name\":\"alice\",\"display\":\"Alice Zoë\",\"enabled\":false"));
	o = OK("user show bob");
	ck_assert_ptr_nonnull(strstr(o, "state:          enabled"));
	ck_assert_ptr_nonnull(strstr(o, "credentials:    realm lab.example (MD5, SHA-256)"));
	o = OKJ("user show bob");
	ck_assert_ptr_nonnull(strstr(o, "\"credentials\":[{\"realm\":\"lab.example\",\"algorithms\":[\"MD5\",\"SHA-256\"]}]"));
	ck_assert_ptr_nonnull(strstr(o, "\"credentials_for_realm\":true"));
	/* After a realm change the user has no usable credentials: say so. */
	snprintf(fx.conf.realm, sizeof(fx.conf.realm), "new.example");
	ck_assert_ptr_nonnull(strstr(OK("user show bob"), "none for the configured realm new.example"));
	FAILS("user show nobody", SL_ADMIN_E_NOTFOUND, "user 'nobody' does not exist (users: alice, bob;");
	FAILS("user enable nobody", SL_ADMIN_E_NOTFOUND, "does not exist");
	FAILS("user passwd nobody --password password1", SL_ADMIN_E_NOTFOUND, "does not exist");
	FAILS("user list extra", SL_ADMIN_E_USAGE, "unexpected argument 'extra'");
}
END_TEST

START_TEST(del_refuses_while_device_uses_it)
{
	OK("user add alice --password password1");
	OK("device add alice-desk --user alice --profile encrypted");
	FAILS("user del alice", SL_ADMIN_E_BUSY, "user 'alice' owns 1 device(s): alice-desk; delete them");
	OK("device del alice-desk");
	ck_assert_ptr_nonnull(strstr(OK("user del alice"), "user alice deleted"));
	FAILS("user del alice", SL_ADMIN_E_NOTFOUND, "user 'alice' does not exist");
	ck_assert_ptr_nonnull(strstr(OK("user list"), "no users"));
	ck_assert_ptr_nonnull(strstr(OKJ("user list"), "{\"count\":0,\"users\":[]}"));
}
END_TEST

START_TEST(dispatch_errors)
{
	FAILS("user", SL_ADMIN_E_USAGE, "user: missing subcommand (user add, passwd, del, enable");
	FAILS("user frob", SL_ADMIN_E_USAGE, "user: unknown subcommand 'frob' (user subcommands: add,");
	FAILS("frob", SL_ADMIN_E_USAGE, "unknown command 'frob' (commands: user, device,");
	FAILS("user list --password password1", SL_ADMIN_E_USAGE, "this command takes no password");
	/* Errors are one line: no stray newline, no partial output left. */
	cmd(false, "user show nobody");
	ck_assert_ptr_null(strchr(fx.out.buf, '\n'));
}
END_TEST

TCase *tc_user(void)
{
	TCase *tc = tcase_create("user");

	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, add_uses_realm_and_password);
	tcase_add_test(tc, add_errors);
	tcase_add_test(tc, password_is_wiped);
	tcase_add_test(tc, enable_disable_list_show);
	tcase_add_test(tc, del_refuses_while_device_uses_it);
	tcase_add_test(tc, dispatch_errors);
	return tc;
}
