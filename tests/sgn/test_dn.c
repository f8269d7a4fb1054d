/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DN strings and serials (spec §0). The expected strings are what
 * python3-cryptography's rfc4514_string() gives attribute by attribute,
 * joined with ',' (checked with python3-cryptography when written).
 */
#include <string.h>

#include <openssl/objects.h>

#include "test_sgn.h"

struct attr {
	const char *type;		/* short name or dotted OID */
	const char *value;
	int len;			/* -1: strlen */
};

static void check_dn(const struct attr *a, size_t n, const char *want)
{
	X509_NAME *name = X509_NAME_new();
	char out[512], err[256] = "";
	int rc;

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, a[i].type, MBSTRING_UTF8,
				 (const unsigned char *)a[i].value, a[i].len, -1, 0), 1);
	rc = sl_sgn_dn_string(name, out, sizeof(out), err, sizeof(err));
	ck_assert_msg(rc >= 0, "%s", err);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(rc, (int)strlen(want));
	X509_NAME_free(name);
}

#define DN(want, ...)								\
	do {									\
		const struct attr a_[] = { __VA_ARGS__ };			\
		check_dn(a_, sizeof(a_) / sizeof(a_[0]), want);			\
	} while (0)

START_TEST(dn_vectors)
{
	DN("CN=Asterisk,O=Asterisk,OU=Asterisk,C=NZ", { "CN", "Asterisk", -1 },
	   { "O", "Asterisk", -1 }, { "OU", "Asterisk", -1 }, { "C", "NZ", -1 });
	/* Encoded order, not RFC 4514's reversed order. */
	DN("C=NZ,CN=x", { "C", "NZ", -1 }, { "CN", "x", -1 });
	DN("CN=a\\,b", { "CN", "a,b", -1 });
	DN("CN=a\\+b", { "CN", "a+b", -1 });
	DN("CN=\\#x", { "CN", "#x", -1 });
	DN("CN=x#y\\ ", { "CN", "x#y ", -1 });
	DN("CN=\\ x\\ ", { "CN", " x ", -1 });
	DN("CN=\\ ", { "CN", " ", -1 });
	DN("CN=a\\\"b\\\\c\\<d\\>e\\;f", { "CN", "a\"b\\c<d>e;f", -1 });
	DN("CN=a\\00b", { "CN", "a\0b", 3 });
	DN("1.2.840.113549.1.9.1=tftp@example.test", { "emailAddress", "tftp@example.test", -1 });
	DN("CN=c,L=Z\xc3\xbcrich,ST=st,O=o,OU=ou,C=NZ,STREET=1 Main St,DC=example,UID=u1,"
	   "1.2.840.113549.1.9.1=a@b,2.5.4.5=1234,2.5.4.12=t",
	   { "CN", "c", -1 }, { "L", "Z\xc3\xbcrich", -1 }, { "ST", "st", -1 }, { "O", "o", -1 },
	   { "OU", "ou", -1 }, { "C", "NZ", -1 }, { "street", "1 Main St", -1 },
	   { "DC", "example", -1 }, { "UID", "u1", -1 }, { "emailAddress", "a@b", -1 },
	   { "serialNumber", "1234", -1 }, { "title", "t", -1 });
	DN("1.3.6.1.4.1.99999.1=v", { "1.3.6.1.4.1.99999.1", "v", -1 });
	/* An empty Name is an empty string. */
	check_dn(NULL, 0, "");
}
END_TEST

START_TEST(dn_fixture_and_space)
{
	struct golden_fixtures f;
	char out[512], small[8], err[256] = "";

	load_fixtures(&f);
	ck_assert_int_gt(sl_sgn_dn_string(X509_get_subject_name(f.tftp), out, sizeof(out), err,
					  sizeof(err)), 0);
	ck_assert_str_eq(out, "CN=tftp.test\\, shieldlock,O=Shieldlock Test,OU=TFTP,C=NZ,"
			      "1.2.840.113549.1.9.1=tftp@example.test");
	/* Too small: -ENOSPC, an empty string, a message. */
	ck_assert_int_eq(sl_sgn_dn_string(X509_get_subject_name(f.tftp), small, sizeof(small), err,
					  sizeof(err)), -ENOSPC);
	ck_assert_str_eq(small, "");
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
	golden_free(&f);
}
END_TEST

START_TEST(serial_minimal)
{
	struct golden_fixtures f;
	uint8_t b[SL_SGN_MAX_SERIAL];
	static const uint8_t a[16] = { 0x8f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
				       0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };
	char err[256];
	EVP_PKEY *k;
	X509 *x;

	load_fixtures(&f);
	/* Top bit set: 16 bytes, no DER sign byte (spec §0). */
	ck_assert_int_eq(sl_sgn_serial_bytes(f.sast_a, b, sizeof(b), err, sizeof(err)), 16);
	ck_assert_mem_eq(b, a, 16);
	ck_assert_int_eq(sl_sgn_serial_bytes(f.sast_b, b, sizeof(b), err, sizeof(err)), 1);
	ck_assert_uint_eq(b[0], 0x0b);
	ck_assert_int_eq(sl_sgn_serial_bytes(f.tftp, b, sizeof(b), err, sizeof(err)), 3);
	ck_assert_mem_eq(b, "\x1f\x2e\x3d", 3);
	ck_assert_int_eq(sl_sgn_serial_bytes(f.sast_a, b, 15, err, sizeof(err)), -ERANGE);
	/* Zero is one 0x00 byte. */
	k = EVP_EC_gen("P-256");
	x = make_cert(k, "zero", 0);
	ck_assert_int_eq(sl_sgn_serial_bytes(x, b, sizeof(b), err, sizeof(err)), 1);
	ck_assert_uint_eq(b[0], 0);
	X509_free(x);
	EVP_PKEY_free(k);
	golden_free(&f);
}
END_TEST

START_TEST(role_names)
{
	ck_assert_str_eq(sl_role_name(SL_ROLE_SAST), "SAST");
	ck_assert_str_eq(sl_role_name(SL_ROLE_CCM_TFTP), "CCM+TFTP");
	ck_assert_str_eq(sl_role_name(SL_ROLE_APP_SERVER), "APP-SERVER");
	ck_assert_str_eq(sl_role_name(21), "TVS");
	ck_assert_ptr_null(sl_role_name(5));
	ck_assert_ptr_null(sl_role_name(20));
}
END_TEST

TCase *tcase_dn(void)
{
	TCase *tc = tcase_create("dn");

	tcase_add_test(tc, dn_vectors);
	tcase_add_test(tc, dn_fixture_and_space);
	tcase_add_test(tc, serial_minimal);
	tcase_add_test(tc, role_names);
	return tc;
}
