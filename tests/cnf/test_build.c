/* SPDX-License-Identifier: BSD-3-Clause */
/* SEP<MAC>.cnf.xml: golden bytes, determinism, escaping, optional elements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_cnf.h"

static char *golden_path(const char *name)
{
	const char *dir = getenv("CNF_GOLDEN_DIR");
	char *p;

	ck_assert_msg(dir != NULL, "CNF_GOLDEN_DIR is not set (run through meson test)");
	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	return p;
}

START_TEST(golden_reference_device)
{
	struct sl_cnf_device d;
	struct sl_cnf_buf out = { 0 };
	char err[256] = "", *path = golden_path("SEP001122AABBCC.cnf.xml");
	uint8_t *want;
	size_t wlen = 0;

	want = read_file(path, &wlen);
	ck_assert_msg(want != NULL, "cannot read %s", path);
	ref_device(&d);
	ck_assert_msg(sl_cnf_build(&d, &out, err, sizeof(err)) == 0, "%s", err);
	if (out.len != wlen || memcmp(out.data, want, wlen) != 0) {
		size_t i = 0;

		while (i < out.len && i < wlen && out.data[i] == want[i])
			i++;
		ck_abort_msg("output differs from %s at byte %zu:\n%.60s\nwant:\n%.60s", path,
			     i, (const char *)out.data + i, (const char *)want + i);
	}
	free(want);
	free(path);
	sl_cnf_buf_free(&out);
	ck_assert_ptr_null(out.data);
}
END_TEST

START_TEST(deterministic)
{
	struct sl_cnf_device d;
	struct sl_cnf_buf a = { 0 }, b = { 0 };
	char err[256];

	ref_device(&d);
	ck_assert_int_eq(sl_cnf_build(&d, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(sl_cnf_build(&d, &b, err, sizeof(err)), 0);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_mem_eq(a.data, b.data, a.len);
	/* Building again into the same buffer gives the same bytes again. */
	ck_assert_int_eq(sl_cnf_build(&d, &a, err, sizeof(err)), 0);
	ck_assert_mem_eq(a.data, b.data, b.len);
	sl_cnf_buf_free(&a);
	sl_cnf_buf_free(&b);
}
END_TEST

START_TEST(escaping)
{
	struct sl_cnf_device d;
	struct sl_cnf_buf out = { 0 };
	char err[256];

	ref_device(&d);
	d.lines[0].label = "R&D <lab>";
	d.lines[0].display_name = "O'Neil \"Bob\"";
	d.lines[0].auth_password = "p&<>\"'w";
	d.lines[1].display_name = "Zo\xc3\xab \xe2\x82\xac";	/* UTF-8 passes through */
	ck_assert_int_eq(sl_cnf_build(&d, &out, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr((char *)out.data,
		"<featureLabel>R&amp;D &lt;lab&gt;</featureLabel>"));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
		"<displayName>O&apos;Neil &quot;Bob&quot;</displayName>"));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
		"<authPassword>p&amp;&lt;&gt;&quot;&apos;w</authPassword>"));
	ck_assert_ptr_nonnull(strstr((char *)out.data,
		"<displayName>Zo\xc3\xab \xe2\x82\xac</displayName>"));
	ck_assert_ptr_null(strstr((char *)out.data, "R&D"));
	sl_cnf_buf_free(&out);
}
END_TEST

START_TEST(optional_elements)
{
	struct sl_cnf_device d;
	struct sl_cnf_buf out = { 0 };
	char err[256];
	const char *x;

	ref_device(&d);
	d.n_tvs = 0;
	d.n_capf = 0;
	d.capf_auth_mode = SL_CNF_CAPF_AUTH_NONE;
	d.lines[0].auth_password = NULL;
	d.user_locale = NULL;
	d.network_locale = NULL;
	d.load_information = NULL;
	d.mode = SL_CNF_MODE_NONSECURE;
	d.transport = SL_CNF_TRANSPORT_TCP;
	d.cert_hash = "";
	ck_assert_int_eq(sl_cnf_build(&d, &out, err, sizeof(err)), 0);
	x = (const char *)out.data;
	ck_assert_ptr_null(strstr(x, "<TVS>"));
	ck_assert_ptr_null(strstr(x, "capfList"));
	ck_assert_ptr_null(strstr(x, "capfAuthMode"));
	ck_assert_ptr_null(strstr(x, "authPassword"));
	ck_assert_ptr_null(strstr(x, "Locale"));
	ck_assert_ptr_nonnull(strstr(x, "  <loadInformation></loadInformation>\n"));
	ck_assert_ptr_nonnull(strstr(x, "  <deviceSecurityMode>1</deviceSecurityMode>\n"
		"  <transportLayerProtocol>1</transportLayerProtocol>\n"));
	ck_assert_ptr_nonnull(strstr(x, "  <certHash></certHash>\n"));
	/* The description is for the operator, never in the file. */
	ck_assert_ptr_null(strstr(x, "Reception"));
	/* Five CAPF and five TVS servers, ports given explicitly. */
	for (unsigned i = 0; i < 5; i++) {
		d.capf[i] = (struct sl_cnf_server){ "capf.example.net", (uint16_t)(3900 + i) };
		d.tvs[i] = (struct sl_cnf_server){ "tvs.example.net", (uint16_t)(2500 + i) };
	}
	d.n_capf = d.n_tvs = 5;
	d.capf_auth_mode = SL_CNF_CAPF_AUTH_MIC;
	ck_assert_int_eq(sl_cnf_build(&d, &out, err, sizeof(err)), 0);
	x = (const char *)out.data;
	ck_assert_ptr_nonnull(strstr(x, "<member priority=\"4\">\n        <port>2504</port>"));
	ck_assert_ptr_nonnull(strstr(x, "<phonePort>3904</phonePort>"));
	ck_assert_ptr_nonnull(strstr(x, "<capfAuthMode>4</capfAuthMode>"));
	sl_cnf_buf_free(&out);
}
END_TEST

TCase *tcase_build(void)
{
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, golden_reference_device);
	tcase_add_test(tc, deterministic);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, optional_elements);
	return tc;
}
