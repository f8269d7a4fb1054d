/* SPDX-License-Identifier: BSD-3-Clause */
/* Profiles, users, devices and trunks: CRUD, duplicates, missing rows,
 * rows in use and validation messages. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_store.h"

#define E T.err, sizeof(T.err)

/* ---- profiles ---- */

START_TEST(test_profile_crud)
{
	struct sl_profile p = { .name = "lab", .mode = SL_SEC_ENCRYPTED, .description = "lab phones" };
	struct sl_profile got;

	ck_assert_int_eq(sl_store_profile_put(T.st, &p, true, E), 0);
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, true, E), -EEXIST);
	ck_assert_ptr_nonnull(strstr(T.err, "\"lab\""));
	ck_assert_int_eq(sl_store_profile_get(T.st, "lab", &got, E), 0);
	ck_assert_int_eq(got.mode, SL_SEC_ENCRYPTED);
	ck_assert_str_eq(got.description, "lab phones");

	p.mode = SL_SEC_AUTHENTICATED;
	snprintf(p.description, sizeof(p.description), "changed");
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, false, E), 0);
	ck_assert_int_eq(sl_store_profile_get(T.st, "lab", &got, E), 0);
	ck_assert_int_eq(got.mode, SL_SEC_AUTHENTICATED);
	ck_assert_str_eq(got.description, "changed");

	ck_assert_int_eq(sl_store_profile_del(T.st, "lab", E), 0);
	ck_assert_int_eq(sl_store_profile_get(T.st, "lab", &got, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "\"lab\""));
	ck_assert_int_eq(sl_store_profile_del(T.st, "lab", E), -ENOENT);
}
END_TEST

START_TEST(test_profile_builtin)
{
	struct sl_profile p;

	ck_assert_int_eq(sl_store_profile_del(T.st, "encrypted", E), -EPERM);
	ck_assert_int_eq(sl_store_profile_get(T.st, "encrypted", &p, E), 0);
	p.mode = SL_SEC_NONSECURE;
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, false, E), -EPERM);
	ck_assert_ptr_nonnull(strstr(T.err, "encrypted"));
	p.mode = SL_SEC_ENCRYPTED;
	snprintf(p.description, sizeof(p.description), "site policy: SRTP only");
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, false, E), 0);
	ck_assert_int_eq(sl_store_profile_get(T.st, "encrypted", &p, E), 0);
	ck_assert_str_eq(p.description, "site policy: SRTP only");
	ck_assert_int_eq(p.mode, SL_SEC_ENCRYPTED);
}
END_TEST

START_TEST(test_profile_invalid)
{
	struct sl_profile p = { .name = "a b", .mode = SL_SEC_NONSECURE };
	struct sl_profile got;

	ck_assert_int_eq(sl_store_profile_put(T.st, &p, true, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "profile name"));
	ck_assert_ptr_nonnull(strstr(T.err, "a b"));
	snprintf(p.name, sizeof(p.name), "ok");
	p.mode = (enum sl_sec_mode)7;
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, true, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "mode 7"));
	p.mode = SL_SEC_NONSECURE;
	snprintf(p.description, sizeof(p.description), "bad\x01");
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, true, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "description"));
	memset(p.name, 'x', sizeof(p.name));	/* not terminated */
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, true, E), -EINVAL);
	ck_assert_int_eq(sl_store_profile_get(T.st, "", &got, E), -EINVAL);
	ck_assert_int_eq(sl_store_profile_get(T.st, "x'; DROP TABLE profiles; --", &got, E), -EINVAL);
	ck_assert_int_eq(sl_store_profile_get(T.st, "encrypted", &got, E), 0);
}
END_TEST

START_TEST(test_profile_busy)
{
	struct sl_profile p = { .name = "lab", .mode = SL_SEC_ENCRYPTED };
	struct sl_device d = { .name = "dev1", .user = "alice", .profile = "lab" };
	struct sl_trunk t = { .name = "carrier", .host = "192.0.2.1", .transport = "tls",
			      .profile = "lab" };

	ts_add_user("alice", "pw");
	ck_assert_int_eq(sl_store_profile_put(T.st, &p, true, E), 0);
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, E), 0);
	ck_assert_int_eq(sl_store_profile_del(T.st, "lab", E), -EBUSY);
	ck_assert_ptr_nonnull(strstr(T.err, "device \"dev1\""));
	ck_assert_int_eq(sl_store_device_del(T.st, "dev1", E), 0);
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), 0);
	ck_assert_int_eq(sl_store_profile_del(T.st, "lab", E), -EBUSY);
	ck_assert_ptr_nonnull(strstr(T.err, "trunk \"carrier\""));
	ck_assert_int_eq(sl_store_trunk_del(T.st, "carrier", E), 0);
	ck_assert_int_eq(sl_store_profile_del(T.st, "lab", E), 0);
}
END_TEST

/* ---- users ---- */

struct names {
	int n;
	char name[8][SL_STORE_NAME_MAX];
	bool enabled[8];
};

static int collect_user(const struct sl_user *u, void *arg)
{
	struct names *l = arg;

	if (l->n < 8) {
		snprintf(l->name[l->n], SL_STORE_NAME_MAX, "%s", u->name);
		l->enabled[l->n++] = u->enabled;
	}
	return 0;
}

static int stop_at_first(const struct sl_user *u, void *arg)
{
	(void)u;
	(*(int *)arg)++;
	return 42;
}

START_TEST(test_user_crud)
{
	struct sl_user u = { .name = "bob", .display = "Bob B.", .enabled = true, .created = 1234 };
	struct sl_user got;
	struct names l = { 0 };
	int calls = 0;

	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", "pw-bob", E), 0);
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", "pw-bob", E), -EEXIST);
	ck_assert_ptr_nonnull(strstr(T.err, "\"bob\""));
	ts_add_user("alice", "pw-alice");
	ck_assert_int_eq(sl_store_user_get(T.st, "bob", &got, E), 0);
	ck_assert_str_eq(got.display, "Bob B.");
	ck_assert_int_eq(got.created, 1234);
	ck_assert(got.enabled);
	ck_assert_int_eq(sl_store_user_get(T.st, "carol", &got, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "\"carol\""));

	ck_assert_int_eq(sl_store_user_set_enabled(T.st, "bob", false, E), 0);
	ck_assert_int_eq(sl_store_user_set_enabled(T.st, "carol", false, E), -ENOENT);
	ck_assert_int_eq(sl_store_user_list(T.st, collect_user, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.name[0], "alice");
	ck_assert(l.enabled[0]);
	ck_assert_str_eq(l.name[1], "bob");
	ck_assert(!l.enabled[1]);
	ck_assert_int_eq(sl_store_user_list(T.st, stop_at_first, &calls, E), 42);
	ck_assert_int_eq(calls, 1);

	ck_assert_int_eq(sl_store_user_passwd(T.st, "bob", "sl.test", "new", E), 0);
	ck_assert_int_eq(sl_store_user_passwd(T.st, "carol", "sl.test", "new", E), -ENOENT);
	ck_assert_int_eq(sl_store_user_del(T.st, "bob", E), 0);
	ck_assert_int_eq(sl_store_user_del(T.st, "bob", E), -ENOENT);
	ck_assert_int_eq(sl_store_user_get(T.st, "bob", &got, E), -ENOENT);
}
END_TEST

START_TEST(test_user_invalid)
{
	struct sl_user u = { .name = "al ice", .enabled = true };
	static const char pw[] = "Sup3rSecret!";

	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", pw, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "user name"));
	ck_assert_ptr_nonnull(strstr(T.err, "al ice"));
	ck_assert_ptr_null(strstr(T.err, pw));
	/* A control character is not echoed into the message (log injection). */
	snprintf(u.name, sizeof(u.name), "a\nb");
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", pw, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "\"a?b\""));
	ck_assert_ptr_null(strchr(T.err, '\n'));
	snprintf(u.name, sizeof(u.name), "alice");
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "bad\"realm", pw, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "realm"));
	ck_assert_ptr_null(strstr(T.err, pw));
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "", pw, E), -EINVAL);
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", "", E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "password"));
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", NULL, E), -EINVAL);
	snprintf(u.display, sizeof(u.display), "tab\there");
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", pw, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "display name"));
	ck_assert_ptr_null(strstr(T.err, pw));
	/* 63 characters is the longest name, 64 too long. */
	memset(u.name, 'a', 63);
	u.name[63] = '\0';
	u.display[0] = '\0';
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", pw, E), 0);
	{
		char longname[80];

		memset(longname, 'a', 64);
		longname[64] = '\0';
		ck_assert_int_eq(sl_store_user_del(T.st, longname, E), -EINVAL);
		ck_assert_ptr_nonnull(strstr(T.err, "longer than 63"));
	}
	/* Every allowed character class. */
	snprintf(u.name, sizeof(u.name), "A-z_0.9+x");
	ck_assert_int_eq(sl_store_user_add(T.st, &u, "sl.test", pw, E), 0);
	/* Nothing was stored by the refused calls. */
	ck_assert_int_eq(sl_store_user_get(T.st, "al ice", &u, E), -EINVAL);
}
END_TEST

START_TEST(test_user_busy_and_cascade)
{
	struct sl_device d = { .name = "SEP001122334455", .user = "alice", .profile = "encrypted" };
	struct sl_registration r = { .user = "alice", .contact = "sip:alice@10.0.0.2:5061;transport=tls",
				     .transport = "tls", .source = "10.0.0.2:5061",
				     .registered = 100, .expires = 3700 };

	ts_add_user("alice", "pw");
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, E), 0);
	ck_assert_int_eq(sl_store_reg_put(T.st, &r, E), 0);
	ck_assert_int_eq(sl_store_user_del(T.st, "alice", E), -EBUSY);
	ck_assert_ptr_nonnull(strstr(T.err, "SEP001122334455"));
	ck_assert_int_eq(sl_store_device_del(T.st, d.name, E), 0);
	ck_assert_int_eq(sl_store_user_del(T.st, "alice", E), 0);
	/* Registrations and credentials went with the user. */
	{
		sqlite3 *db = ts_raw_open(T.path);
		sqlite3_stmt *s;

		ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM credentials) + "
						    "(SELECT count(*) FROM registrations)", -1, &s,
						    NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(s, 0), 0);
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
}
END_TEST

/* ---- devices ---- */

static int collect_device(const struct sl_device *d, void *arg)
{
	struct names *l = arg;

	if (l->n < 8)
		snprintf(l->name[l->n++], SL_STORE_NAME_MAX, "%s", d->name);
	return 0;
}

START_TEST(test_device_crud)
{
	struct sl_device d = { .name = "SEP001122334455", .user = "alice", .profile = "encrypted",
			       .cert_identity = "CN=SEP001122334455", .description = "desk" };
	struct sl_device got;
	struct names l = { 0 };

	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "user \"alice\""));
	ts_add_user("alice", "pw");
	ts_add_user("bob", "pw");
	snprintf(d.profile, sizeof(d.profile), "nosuch");
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "profile \"nosuch\""));
	snprintf(d.profile, sizeof(d.profile), "encrypted");
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, E), 0);
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, E), -EEXIST);
	ck_assert_ptr_nonnull(strstr(T.err, "SEP001122334455"));

	ck_assert_int_eq(sl_store_device_get(T.st, d.name, &got, E), 0);
	ck_assert_str_eq(got.user, "alice");
	ck_assert_str_eq(got.profile, "encrypted");
	ck_assert_str_eq(got.cert_identity, "CN=SEP001122334455");
	ck_assert_str_eq(got.description, "desk");

	snprintf(d.user, sizeof(d.user), "bob");
	snprintf(d.profile, sizeof(d.profile), "authenticated");
	ck_assert_int_eq(sl_store_device_put(T.st, &d, false, E), 0);
	ck_assert_int_eq(sl_store_device_get(T.st, d.name, &got, E), 0);
	ck_assert_str_eq(got.user, "bob");
	ck_assert_str_eq(got.profile, "authenticated");

	snprintf(d.name, sizeof(d.name), "alice-desk");
	ck_assert_int_eq(sl_store_device_put(T.st, &d, false, E), 0);
	ck_assert_int_eq(sl_store_device_list(T.st, collect_device, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.name[0], "SEP001122334455");
	ck_assert_str_eq(l.name[1], "alice-desk");

	ck_assert_int_eq(sl_store_device_del(T.st, "alice-desk", E), 0);
	ck_assert_int_eq(sl_store_device_del(T.st, "alice-desk", E), -ENOENT);
	ck_assert_int_eq(sl_store_device_get(T.st, "alice-desk", &got, E), -ENOENT);
	snprintf(d.name, sizeof(d.name), "bad/name");
	ck_assert_int_eq(sl_store_device_put(T.st, &d, false, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "device name"));
}
END_TEST

/* ---- trunks ---- */

static int collect_trunk(const struct sl_trunk *t, void *arg)
{
	struct names *l = arg;

	if (l->n < 8)
		snprintf(l->name[l->n++], SL_STORE_NAME_MAX, "%s", t->name);
	return 0;
}

START_TEST(test_trunk_crud)
{
	struct sl_trunk t = { .name = "carrier", .host = "sip.example.net", .port = 5061,
			      .transport = "tls", .prefix = "+49", .profile = "encrypted" };
	struct sl_trunk got;
	struct names l = { 0 };

	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), 0);
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), -EEXIST);
	ck_assert_int_eq(sl_store_trunk_get(T.st, "carrier", &got, E), 0);
	ck_assert_str_eq(got.host, "sip.example.net");
	ck_assert_uint_eq(got.port, 5061);
	ck_assert_str_eq(got.transport, "tls");
	ck_assert_str_eq(got.prefix, "+49");
	ck_assert_str_eq(got.profile, "encrypted");

	snprintf(t.host, sizeof(t.host), "[2001:db8::1]");
	t.port = 0;
	snprintf(t.transport, sizeof(t.transport), "udp");
	t.prefix[0] = '\0';
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, false, E), 0);
	ck_assert_int_eq(sl_store_trunk_get(T.st, "carrier", &got, E), 0);
	ck_assert_str_eq(got.host, "[2001:db8::1]");
	ck_assert_uint_eq(got.port, 0);
	ck_assert_str_eq(got.transport, "udp");
	ck_assert_str_eq(got.prefix, "");

	snprintf(t.name, sizeof(t.name), "backup");
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), 0);
	ck_assert_int_eq(sl_store_trunk_list(T.st, collect_trunk, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.name[0], "backup");
	ck_assert_str_eq(l.name[1], "carrier");
	ck_assert_int_eq(sl_store_trunk_del(T.st, "backup", E), 0);
	ck_assert_int_eq(sl_store_trunk_del(T.st, "backup", E), -ENOENT);
	ck_assert_int_eq(sl_store_trunk_get(T.st, "backup", &got, E), -ENOENT);
}
END_TEST

START_TEST(test_trunk_invalid)
{
	struct sl_trunk t = { .name = "carrier", .host = "sip.example.net", .transport = "sctp",
			      .profile = "encrypted" };

	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "transport"));
	ck_assert_ptr_nonnull(strstr(T.err, "sctp"));
	snprintf(t.transport, sizeof(t.transport), "TLS");
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), -EINVAL);
	snprintf(t.transport, sizeof(t.transport), "tls");
	snprintf(t.host, sizeof(t.host), "evil host");
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "host"));
	t.host[0] = '\0';
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), -EINVAL);
	snprintf(t.host, sizeof(t.host), "192.0.2.7");
	snprintf(t.prefix, sizeof(t.prefix), "0 1");
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "prefix"));
	t.prefix[0] = '\0';
	snprintf(t.profile, sizeof(t.profile), "nosuch");
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "profile \"nosuch\""));
	snprintf(t.profile, sizeof(t.profile), "encrypted");
	ck_assert_int_eq(sl_store_trunk_put(T.st, &t, true, E), 0);
}
END_TEST

TCase *tcase_profiles(void)
{
	TCase *tc = tcase_create("profiles");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_profile_crud);
	tcase_add_test(tc, test_profile_builtin);
	tcase_add_test(tc, test_profile_invalid);
	tcase_add_test(tc, test_profile_busy);
	return tc;
}

TCase *tcase_users(void)
{
	TCase *tc = tcase_create("users");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_user_crud);
	tcase_add_test(tc, test_user_invalid);
	tcase_add_test(tc, test_user_busy_and_cascade);
	return tc;
}

TCase *tcase_devices(void)
{
	TCase *tc = tcase_create("devices");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_device_crud);
	return tc;
}

TCase *tcase_trunks(void)
{
	TCase *tc = tcase_create("trunks");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_trunk_crud);
	tcase_add_test(tc, test_trunk_invalid);
	return tc;
}
