/* SPDX-License-Identifier: BSD-3-Clause */
/* Device records refused with a message, and nothing built from them. */
#include <errno.h>
#include <string.h>

#include "test_cnf.h"

/* Builds d; expects -EINVAL, an empty output and want in the message. */
static void refused(const struct sl_cnf_device *d, const char *want)
{
	struct sl_cnf_buf out = { 0 };
	char err[512] = "";

	/* A previous good build must not survive in the buffer. */
	struct sl_cnf_device good;

	ref_device(&good);
	ck_assert_int_eq(sl_cnf_build(&good, &out, err, sizeof(err)), 0);
	ck_assert_int_eq(sl_cnf_build(d, &out, err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_msg(strstr(err, want) != NULL, "message \"%s\" lacks \"%s\"", err, want);
	sl_cnf_buf_free(&out);
}

START_TEST(device_names)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{ "", "empty" },
		{ "SEP001122AABBC", "not SEP followed by 12 hex" },
		{ "SEP001122AABBCCD", "not SEP followed by 12 hex" },
		{ "ATA001122AABBCC", "not SEP followed by 12 hex" },
		{ "SEP001122aabbcc", "lowercase hex digit 'a'" },
		{ "SEP001122AABBCG", "character 15 is not a hex digit" },
		{ "SEP00112../BBCC", "not a hex digit" },
	};
	struct sl_cnf_device d;
	char mac[13], err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ref_device(&d);
		d.name = cases[i].name;
		refused(&d, cases[i].want);
	}
	ck_assert_int_eq(sl_cnf_device_mac(NULL, mac, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sl_cnf_device_mac("SEP0A1B2C3D4E5F", mac, err, sizeof(err)), 0);
	ck_assert_str_eq(mac, "0A1B2C3D4E5F");
}
END_TEST

START_TEST(modes)
{
	struct sl_cnf_device d;

	ref_device(&d);
	d.mode = 0;
	refused(&d, "security mode 0 is not 1 (non-secure)");
	ref_device(&d);
	d.mode = 4;
	refused(&d, "security mode 4");
	ref_device(&d);
	d.transport = 4;
	refused(&d, "transport 4 is not");
	ref_device(&d);
	d.mode = SL_CNF_MODE_NONSECURE;	/* transport stays TLS */
	refused(&d, "transport TLS needs device security mode 2");
	ref_device(&d);
	d.capf_auth_mode = 5;
	refused(&d, "capfAuthMode 5");
	ref_device(&d);
	d.ip_address_mode = 3;
	refused(&d, "ipAddressMode 3");
}
END_TEST

START_TEST(text_values)
{
	struct sl_cnf_device d;
	char big[SL_CNF_TEXT_MAX + 2];

	ref_device(&d);
	d.lines[0].display_name = "a\nb";
	refused(&d, "SEP001122AABBCC: line 1 displayName: control character U+000A at byte 1");
	ref_device(&d);
	d.lines[1].auth_password = "x\x01";
	refused(&d, "line 2 authPassword: control character U+0001");
	ref_device(&d);
	d.lines[0].label = "\xc2\x85";	/* NEL, a C1 control */
	refused(&d, "control character U+0085");
	ref_device(&d);
	d.lines[0].label = "bad \xff utf8";
	refused(&d, "byte 4 is not valid UTF-8");
	ref_device(&d);
	d.lines[0].label = "\xc0\xbc";	/* overlong '<' */
	refused(&d, "not valid UTF-8");
	ref_device(&d);
	d.lines[0].label = "\xed\xa0\x80";	/* a surrogate */
	refused(&d, "not valid UTF-8");
	ref_device(&d);
	d.lines[0].label = "\xef\xbf\xbe";	/* U+FFFE */
	refused(&d, "U+FFFE");
	ref_device(&d);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	d.load_information = big;
	refused(&d, "loadInformation is 256 bytes long");
	ref_device(&d);
	d.lines[0].name = "";
	refused(&d, "line 1 name is empty");
	ref_device(&d);
	d.cm[1].host = "evil<host>";
	refused(&d, "call server 2 \"evil<host>\" is not a host name");
	ref_device(&d);
	d.capf[0].host = NULL;
	refused(&d, "CAPF server 1: the host is empty");
	ref_device(&d);
	d.cm[0].secured_sip_port = 0;
	refused(&d, "call server 1 has port 0");
}
END_TEST

START_TEST(counts)
{
	struct sl_cnf_device d;

	ref_device(&d);
	d.n_cm = 0;
	refused(&d, "0 call servers given; give 1 to 3");
	ref_device(&d);
	d.n_cm = 4;
	refused(&d, "4 call servers");
	ref_device(&d);
	d.n_lines = 0;
	refused(&d, "0 lines given");
	ref_device(&d);
	d.n_tvs = 6;
	refused(&d, "6 TVS servers given");
	ref_device(&d);
	d.n_capf = 6;
	refused(&d, "6 CAPF");
}
END_TEST

TCase *tcase_refuse(void)
{
	TCase *tc = tcase_create("refuse");

	tcase_add_test(tc, device_names);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, text_values);
	tcase_add_test(tc, counts);
	return tc;
}
