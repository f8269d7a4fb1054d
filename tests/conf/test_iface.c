/* SPDX-License-Identifier: BSD-3-Clause */
/* sl_conf_iface_for: the interface whose subnet holds a peer address. */
#include <arpa/inet.h>
#include <string.h>

#include "test_conf.h"

static const char ifaces[] =
	"[media]\n"
	"interface = wide port=0 address=10.0.0.1 subnet=10.0.0.0/8 mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:01:01 rtp_ports=20000-20999\n"
	"interface = narrow port=1 address=10.1.0.1 subnet=10.1.0.0/16 mac=02:00:00:00:00:02 next_hop_mac=02:00:00:00:01:02 rtp_ports=21000-21999\n"
	"interface = odd port=2 address=172.16.0.1 subnet=172.16.16.0/20 mac=02:00:00:00:00:03 next_hop_mac=02:00:00:00:01:03 rtp_ports=22000-22999\n"
	"interface = v6 port=3 address=2001:db8:1::1 subnet=2001:db8:1::/48 mac=02:00:00:00:00:04 next_hop_mac=02:00:00:00:01:04 rtp_ports=23000-23999\n"
	"interface = v6odd port=4 address=2001:db8:ff00::1 subnet=2001:db8:ff00::/41 mac=02:00:00:00:00:05 next_hop_mac=02:00:00:00:01:05 rtp_ports=24000-24999\n"
	"interface = v6all port=5 address=fd00::1 subnet=::/0 mac=02:00:00:00:00:06 next_hop_mac=02:00:00:00:01:06 rtp_ports=25000-25999\n";

static const char *match(const struct sl_conf *c, const char *addr)
{
	uint8_t a[16];
	const struct sl_conf_iface *f;
	int ver = strchr(addr, ':') ? 6 : 4;

	ck_assert_int_eq(inet_pton(ver == 4 ? AF_INET : AF_INET6, addr, a), 1);
	f = sl_conf_iface_for(c, ver, a);
	return f ? f->name : "none";
}

START_TEST(v4)
{
	struct sl_conf c;
	char err[512];

	ck_assert_msg(load(ifaces, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(match(&c, "10.2.3.4"), "wide");
	ck_assert_str_eq(match(&c, "10.1.2.3"), "narrow");	/* longest prefix wins */
	ck_assert_str_eq(match(&c, "10.255.255.255"), "wide");
	ck_assert_str_eq(match(&c, "11.0.0.1"), "none");
	ck_assert_str_eq(match(&c, "9.255.255.255"), "none");
	/* /20: 172.16.16.0 - 172.16.31.255 */
	ck_assert_str_eq(match(&c, "172.16.16.0"), "odd");
	ck_assert_str_eq(match(&c, "172.16.31.255"), "odd");
	ck_assert_str_eq(match(&c, "172.16.32.0"), "none");
	ck_assert_str_eq(match(&c, "172.16.15.255"), "none");
}
END_TEST

START_TEST(v6)
{
	struct sl_conf c;
	char err[512];

	ck_assert_msg(load(ifaces, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(match(&c, "2001:db8:1:ffff::9"), "v6");
	ck_assert_str_eq(match(&c, "2001:db8:2::1"), "v6all");
	/* /41: 2001:db8:ff00:: - 2001:db8:ff7f:ffff:... */
	ck_assert_str_eq(match(&c, "2001:db8:ff7f:ffff::1"), "v6odd");
	ck_assert_str_eq(match(&c, "2001:db8:ff80::1"), "v6all");
	ck_assert_str_eq(match(&c, "::1"), "v6all");
	/* A v6 address never matches a v4 subnet, and v4-mapped is still v6. */
	ck_assert_str_eq(match(&c, "::ffff:10.1.2.3"), "v6all");
}
END_TEST

START_TEST(no_match)
{
	struct sl_conf c;
	char err[512];
	uint8_t a[16] = { 10, 1, 2, 3 };

	ck_assert_msg(load(ifaces, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_null(sl_conf_iface_for(&c, 5, a));
	ck_assert_ptr_null(sl_conf_iface_for(&c, 4, NULL));
	ck_assert_ptr_null(sl_conf_iface_for(NULL, 4, a));
	ck_assert_ptr_nonnull(sl_conf_iface_for(&c, 4, a));
	/* Without a v6 default route, v6 peers outside the subnets have none. */
	ck_assert_msg(load("[media]\ninterface = only4 port=0 address=10.0.0.1 subnet=0.0.0.0/0 "
			   "mac=02:00:00:00:00:01 next_hop_mac=02:00:00:00:01:01 rtp_ports=20000-20999\n",
			   &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(match(&c, "192.0.2.1"), "only4");
	ck_assert_str_eq(match(&c, "2001:db8::1"), "none");
}
END_TEST

TCase *tcase_iface(void)
{
	TCase *tc = tcase_create("iface");

	tcase_add_test(tc, v4);
	tcase_add_test(tc, v6);
	tcase_add_test(tc, no_match);
	return tc;
}
