/* SPDX-License-Identifier: BSD-3-Clause */
/* Operator warnings and the list of files a device needs (spec §7.2). */
#include <errno.h>
#include <string.h>

#include "test_cnf.h"

struct got {
	unsigned mask;
	char msg[8][512];
	unsigned n;
};

static void collect(void *arg, enum sl_cnf_warning code, const char *msg)
{
	struct got *g = arg;

	g->mask |= 1u << code;
	if (g->n < 8)
		strncpy(g->msg[g->n++], msg, sizeof(g->msg[0]) - 1);
}

static struct got warnings(const struct sl_cnf_device *d, bool enc, bool rsa)
{
	struct got g;

	memset(&g, 0, sizeof(g));
	ck_assert_uint_eq(sl_cnf_warnings(d, enc, rsa, collect, &g), g.n);
	return g;
}

#define W(c) (1u << (c))

START_TEST(digest_in_clear)
{
	struct sl_cnf_device d;
	struct got g;

	ref_device(&d);	/* line 1 has an authPassword */
	g = warnings(&d, false, true);
	ck_assert_uint_eq(g.mask, W(SL_CNF_WARN_DIGEST_IN_CLEAR));
	ck_assert_msg(strstr(g.msg[0], "digest credentials of SEP001122AABBCC would travel "
		      "in the clear") && strstr(g.msg[0], "enable encrypted configuration in "
		      "its security profile"), "%s", g.msg[0]);
	/* Encrypted: no warning. */
	g = warnings(&d, true, true);
	ck_assert_uint_eq(g.mask, 0);
	/* No password on any line: nothing to leak. */
	d.lines[0].auth_password = NULL;
	g = warnings(&d, false, false);
	ck_assert_uint_eq(g.mask, 0);
	/* An empty password is no credential either. */
	d.lines[1].auth_password = "";
	g = warnings(&d, false, false);
	ck_assert_uint_eq(g.mask, 0);
}
END_TEST

START_TEST(no_rsa_cert)
{
	struct sl_cnf_device d;
	struct got g;

	ref_device(&d);
	g = warnings(&d, true, false);
	ck_assert_uint_eq(g.mask, W(SL_CNF_WARN_NO_RSA_CERT));
	ck_assert_msg(strstr(g.msg[0], "no RSA certificate (LSC or MIC)") &&
		      strstr(g.msg[0], "not offered at all"), "%s", g.msg[0]);
}
END_TEST

START_TEST(other_warnings)
{
	struct sl_cnf_device d;
	struct got g;

	ref_device(&d);
	d.lines[0].auth_password = NULL;
	d.transport = SL_CNF_TRANSPORT_UDP;	/* mode 3 over UDP */
	g = warnings(&d, false, false);
	ck_assert_uint_eq(g.mask, W(SL_CNF_WARN_SECURE_NOT_TLS) | W(SL_CNF_WARN_UDP));
	ck_assert_ptr_nonnull(strstr(g.msg[0], "security mode 3 but transport UDP"));

	ref_device(&d);
	d.lines[0].auth_password = NULL;
	d.capf_auth_mode = SL_CNF_CAPF_AUTH_NULL_STRING;
	d.n_capf = 0;
	g = warnings(&d, false, false);
	ck_assert_uint_eq(g.mask, W(SL_CNF_WARN_CAPF_NULL_STRING) |
			  W(SL_CNF_WARN_CAPF_NO_SERVER));

	/* A non-secure TCP phone without passwords: quiet. */
	ref_device(&d);
	d.lines[0].auth_password = NULL;
	d.mode = SL_CNF_MODE_NONSECURE;
	d.transport = SL_CNF_TRANSPORT_TCP;
	g = warnings(&d, false, false);
	ck_assert_uint_eq(g.mask, 0);
}
END_TEST

static int files(unsigned flags, struct sl_cnf_file *f)
{
	char err[256];

	return sl_cnf_files("SEP001122AABBCC", flags, f, err, sizeof(err));
}

START_TEST(file_names)
{
	struct sl_cnf_file f[SL_CNF_MAX_FILES];
	char err[256];

	/* No trust list: the plain file only. */
	ck_assert_int_eq(files(0, f), 1);
	ck_assert_int_eq(f[0].kind, SL_CNF_FILE_CNF);
	ck_assert_str_eq(f[0].name, "SEP001122AABBCC.cnf.xml");
	ck_assert_str_eq(f[0].header_name, "");

	/* Signed: plain for phones without a trust list, and .sgn. */
	ck_assert_int_eq(files(SL_CNF_F_SIGNED, f), 2);
	ck_assert_int_eq(f[1].kind, SL_CNF_FILE_CNF_SGN);
	ck_assert_str_eq(f[1].name, "SEP001122AABBCC.cnf.xml.sgn");
	ck_assert_str_eq(f[1].header_name, "SEP001122AABBCC.cnf.xml.sgn");

	/* Encrypted with an RSA certificate and per-phone lists: no plain file. */
	ck_assert_int_eq(files(SL_CNF_F_SIGNED | SL_CNF_F_ENCRYPT | SL_CNF_F_RSA_CERT |
			       SL_CNF_F_CTL | SL_CNF_F_ITL, f), 4);
	ck_assert_int_eq(f[0].kind, SL_CNF_FILE_CTL);
	ck_assert_str_eq(f[0].name, "CTLSEP001122AABBCC.tlv");
	ck_assert_str_eq(f[0].header_name, "CTLFile.tlv");
	ck_assert_int_eq(f[1].kind, SL_CNF_FILE_ITL);
	ck_assert_str_eq(f[1].name, "ITLSEP001122AABBCC.tlv");
	ck_assert_str_eq(f[1].header_name, "ITLFile.tlv");
	ck_assert_int_eq(f[2].kind, SL_CNF_FILE_STUB_SGN);
	ck_assert_str_eq(f[2].name, "SEP001122AABBCC.cnf.xml.sgn");
	ck_assert_int_eq(f[3].kind, SL_CNF_FILE_ENC_SGN);
	ck_assert_str_eq(f[3].name, "SEP001122AABBCC.cnf.xml.enc.sgn");
	ck_assert_str_eq(f[3].header_name, "SEP001122AABBCC.cnf.xml.enc.sgn");

	/* Encrypted without an RSA certificate: no configuration at all. */
	ck_assert_int_eq(files(SL_CNF_F_SIGNED | SL_CNF_F_ENCRYPT | SL_CNF_F_ITL, f), 1);
	ck_assert_int_eq(f[0].kind, SL_CNF_FILE_ITL);
	ck_assert_int_eq(files(SL_CNF_F_ENCRYPT, f), 0);

	ck_assert_int_eq(sl_cnf_files("sep001122aabbcc", 0, f, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not SEP followed by 12 hex"));
}
END_TEST

TCase *tcase_warn(void)
{
	TCase *tc = tcase_create("warn");

	tcase_add_test(tc, digest_in_clear);
	tcase_add_test(tc, no_rsa_cert);
	tcase_add_test(tc, other_warnings);
	return tc;
}

TCase *tcase_files(void)
{
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, file_names);
	return tc;
}
