/* SPDX-License-Identifier: BSD-3-Clause */
/* Registrations and calls. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test_store.h"

#define E T.err, sizeof(T.err)

struct regs {
	int n;
	struct sl_registration r[4];
};

static int collect_reg(const struct sl_registration *r, void *arg)
{
	struct regs *l = arg;

	if (l->n < 4)
		l->r[l->n++] = *r;
	return 0;
}

START_TEST(test_reg_crud)
{
	struct sl_registration r = { .user = "alice", .contact = "sip:alice@10.0.0.2:5061;transport=tls",
				     .device = "SEP001122334455", .transport = "tls",
				     .source = "10.0.0.2:5061", .user_agent = "Cisco-CP8845/14.2",
				     .registered = 1000, .expires = 4600 };
	struct sl_device d = { .name = "SEP001122334455", .user = "alice", .profile = "encrypted" };
	struct regs l = { 0 };

	ck_assert_int_eq(sl_store_reg_put(T.st, &r, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "user \"alice\""));
	ts_add_user("alice", "pw");
	ts_add_user("bob", "pw");
	ck_assert_int_eq(sl_store_reg_put(T.st, &r, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "device \"SEP001122334455\""));
	ck_assert_int_eq(sl_store_device_put(T.st, &d, true, E), 0);
	ck_assert_int_eq(sl_store_reg_put(T.st, &r, E), 0);

	/* Same (user, contact) refreshes the binding. */
	r.expires = 8200;
	r.registered = 4600;
	ck_assert_int_eq(sl_store_reg_put(T.st, &r, E), 0);
	struct sl_registration b = { .user = "bob", .contact = "sip:bob@10.0.0.3:5060",
				     .transport = "udp", .source = "10.0.0.3:5060",
				     .registered = 1, .expires = 2 };
	ck_assert_int_eq(sl_store_reg_put(T.st, &b, E), 0);
	ck_assert_int_eq(sl_store_reg_list(T.st, collect_reg, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.r[0].user, "alice");
	ck_assert_str_eq(l.r[0].contact, r.contact);
	ck_assert_str_eq(l.r[0].device, "SEP001122334455");
	ck_assert_str_eq(l.r[0].user_agent, "Cisco-CP8845/14.2");
	ck_assert_str_eq(l.r[0].source, "10.0.0.2:5061");
	ck_assert_int_eq(l.r[0].registered, 4600);
	ck_assert_int_eq(l.r[0].expires, 8200);
	ck_assert_str_eq(l.r[1].user, "bob");
	ck_assert_str_eq(l.r[1].device, "");
	ck_assert_str_eq(l.r[1].transport, "udp");

	/* Deleting the device keeps the binding, untied. */
	ck_assert_int_eq(sl_store_device_del(T.st, d.name, E), 0);
	l.n = 0;
	ck_assert_int_eq(sl_store_reg_list(T.st, collect_reg, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.r[0].device, "");

	ck_assert_int_eq(sl_store_reg_del(T.st, "bob", b.contact, E), 0);
	ck_assert_int_eq(sl_store_reg_del(T.st, "bob", b.contact, E), -ENOENT);
	l.n = 0;
	ck_assert_int_eq(sl_store_reg_list(T.st, collect_reg, &l, E), 0);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(sl_store_reg_clear(T.st, E), 0);
	l.n = 0;
	ck_assert_int_eq(sl_store_reg_list(T.st, collect_reg, &l, E), 0);
	ck_assert_int_eq(l.n, 0);
}
END_TEST

START_TEST(test_reg_invalid)
{
	struct sl_registration r = { .user = "alice", .contact = "", .transport = "tls",
				     .registered = 1, .expires = 2 };

	ts_add_user("alice", "pw");
	ck_assert_int_eq(sl_store_reg_put(T.st, &r, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "contact"));
	snprintf(r.contact, sizeof(r.contact), "sip:alice@10.0.0.2");
	snprintf(r.transport, sizeof(r.transport), "ws");
	ck_assert_int_eq(sl_store_reg_put(T.st, &r, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "transport"));
	snprintf(r.transport, sizeof(r.transport), "tcp");
	snprintf(r.user_agent, sizeof(r.user_agent), "evil\r\nX-Injected: 1");
	ck_assert_int_eq(sl_store_reg_put(T.st, &r, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "user_agent"));
}
END_TEST

/* ---- calls ---- */

static void make_call(struct sl_call *c, const char *id, const char *state, int64_t started)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->state, sizeof(c->state), "%s", state);
	c->security = SL_SEC_ENCRYPTED;
	c->started = started;
	snprintf(c->leg[0].peer, sizeof(c->leg[0].peer), "alice");
	snprintf(c->leg[0].suite, sizeof(c->leg[0].suite), "AES_CM_128_HMAC_SHA1_80");
	c->leg[0].security = SL_SEC_ENCRYPTED;
	snprintf(c->leg[1].peer, sizeof(c->leg[1].peer), "carrier");
	snprintf(c->leg[1].suite, sizeof(c->leg[1].suite), "RTP");
	c->leg[1].security = SL_SEC_NONSECURE;
}

struct ids {
	int n;
	char id[8][64];
};

static int collect_call(const struct sl_call *c, void *arg)
{
	struct ids *l = arg;

	if (l->n < 8)
		snprintf(l->id[l->n++], sizeof(l->id[0]), "%s", c->id);
	return 0;
}

START_TEST(test_call_roundtrip)
{
	struct sl_call c, got;

	make_call(&c, "call-1", "active", 100);
	c.answered = 105;
	snprintf(c.leg[0].media_remote, sizeof(c.leg[0].media_remote), "10.0.0.2:4000");
	snprintf(c.leg[0].media_local, sizeof(c.leg[0].media_local), "10.0.0.1:20000");
	c.leg[0].pkts_in = 12345;
	c.leg[0].pkts_out = UINT64_MAX;		/* survives SQLite's signed integers */
	c.leg[1].auth_fail = 7;
	c.leg[1].replay_drop = (uint64_t)1 << 63;
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	ck_assert_int_eq(sl_store_call_get(T.st, "call-1", &got, E), 0);
	ck_assert_str_eq(got.state, "active");
	ck_assert_int_eq(got.security, SL_SEC_ENCRYPTED);
	ck_assert_int_eq(got.started, 100);
	ck_assert_int_eq(got.answered, 105);
	ck_assert_int_eq(got.ended, 0);
	ck_assert_str_eq(got.leg[0].peer, "alice");
	ck_assert_str_eq(got.leg[0].suite, "AES_CM_128_HMAC_SHA1_80");
	ck_assert_str_eq(got.leg[0].media_remote, "10.0.0.2:4000");
	ck_assert_str_eq(got.leg[0].media_local, "10.0.0.1:20000");
	ck_assert_uint_eq(got.leg[0].pkts_in, 12345);
	ck_assert(got.leg[0].pkts_out == UINT64_MAX);
	ck_assert_str_eq(got.leg[1].peer, "carrier");
	ck_assert_int_eq(got.leg[1].security, SL_SEC_NONSECURE);
	ck_assert_uint_eq(got.leg[1].auth_fail, 7);
	ck_assert(got.leg[1].replay_drop == (uint64_t)1 << 63);

	/* The same id updates the call (state change and end). */
	snprintf(c.state, sizeof(c.state), "ended");
	c.ended = 200;
	snprintf(c.end_reason, sizeof(c.end_reason), "BYE from caller");
	c.leg[0].pkts_in = 99999;
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	ck_assert_int_eq(sl_store_call_get(T.st, "call-1", &got, E), 0);
	ck_assert_str_eq(got.state, "ended");
	ck_assert_int_eq(got.ended, 200);
	ck_assert_str_eq(got.end_reason, "BYE from caller");
	ck_assert_uint_eq(got.leg[0].pkts_in, 99999);

	ck_assert_int_eq(sl_store_call_get(T.st, "call-2", &got, E), -ENOENT);
	ck_assert_ptr_nonnull(strstr(T.err, "call-2"));
}
END_TEST

START_TEST(test_call_list_order)
{
	struct sl_call c;
	struct ids l = { 0 };

	make_call(&c, "a", "ended", 100);
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	make_call(&c, "b", "active", 300);
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	make_call(&c, "c", "ringing", 200);
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	make_call(&c, "d", "ended", 400);
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	make_call(&c, "e", "active", 300);	/* same start as b: id breaks the tie */
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);

	ck_assert_int_eq(sl_store_call_list(T.st, false, 0, collect_call, &l, E), 0);
	ck_assert_int_eq(l.n, 5);
	ck_assert_str_eq(l.id[0], "d");
	ck_assert_str_eq(l.id[1], "e");
	ck_assert_str_eq(l.id[2], "b");
	ck_assert_str_eq(l.id[3], "c");
	ck_assert_str_eq(l.id[4], "a");

	l.n = 0;
	ck_assert_int_eq(sl_store_call_list(T.st, false, 2, collect_call, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.id[0], "d");
	ck_assert_str_eq(l.id[1], "e");

	l.n = 0;
	ck_assert_int_eq(sl_store_call_list(T.st, true, 0, collect_call, &l, E), 0);
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.id[0], "e");
	ck_assert_str_eq(l.id[1], "b");
	ck_assert_str_eq(l.id[2], "c");

	l.n = 0;
	ck_assert_int_eq(sl_store_call_list(T.st, true, 1, collect_call, &l, E), 0);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.id[0], "e");
}
END_TEST

START_TEST(test_call_invalid_and_prune)
{
	struct sl_call c, got;
	struct ids l = { 0 };

	make_call(&c, "x", "talking", 1);
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "state"));
	make_call(&c, "x", "active", 1);
	c.leg[1].security = 3;
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "leg 1 security"));
	make_call(&c, "", "active", 1);
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), -EINVAL);
	ck_assert_ptr_nonnull(strstr(T.err, "call id"));
	ck_assert_int_eq(sl_store_call_get(T.st, "x", &got, E), -ENOENT);

	make_call(&c, "old", "ended", 10);
	c.ended = 20;
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	make_call(&c, "recent", "ended", 500);
	c.ended = 600;
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	make_call(&c, "live", "active", 5);
	ck_assert_int_eq(sl_store_call_put(T.st, &c, E), 0);
	ck_assert_int_eq(sl_store_call_prune(T.st, 100, E), 1);
	ck_assert_int_eq(sl_store_call_list(T.st, false, 0, collect_call, &l, E), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.id[0], "recent");
	ck_assert_str_eq(l.id[1], "live");
}
END_TEST

TCase *tcase_regs(void)
{
	TCase *tc = tcase_create("registrations");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_reg_crud);
	tcase_add_test(tc, test_reg_invalid);
	return tc;
}

TCase *tcase_calls(void)
{
	TCase *tc = tcase_create("calls");

	tcase_add_checked_fixture(tc, ts_setup, ts_teardown);
	tcase_add_test(tc, test_call_roundtrip);
	tcase_add_test(tc, test_call_list_order);
	tcase_add_test(tc, test_call_invalid_and_prune);
	return tc;
}
