/* SPDX-License-Identifier: BSD-3-Clause */
/* CAPF codec: the exact bytes of the spec §1.11 worked trace, round trips,
 * and refusals of malformed input. */
#include <string.h>

#include "test_capf.h"

/* spec §1.11, S→P AUTH_REQUEST */
static const uint8_t tr_auth_req[] = {
	0x55, 0x01, 0, 0, 0, 1, 0x00, 0x08, 0x07, 0x00, 0x01, 0x03, 0x08, 0x00, 0x01, 0x00,
};
/* spec §1.11, P→S AUTH_RESPONSE, password "123456" */
static const uint8_t tr_auth_resp[] = {
	0x55, 0x02, 0, 0, 0, 1, 0x00, 0x25,
	0x01, 0x00, 0x01, 0x01,
	0x07, 0x00, 0x01, 0x03,
	0x0b, 0x00, 0x07, '1', '2', '3', '4', '5', '6', 0,
	0x0d, 0x00, 0x10, 'S', 'E', 'P', '5', '8', '9', '7', '1', 'E', 'C', 'C', '9', '7',
	'C', '1', 0,
};
/* spec §1.11 KEY_GENERATE_REQUEST RSA-1024 and the EC variant */
static const uint8_t tr_keygen_rsa[] = {
	0x55, 0x03, 0, 0, 0, 1, 0x00, 0x09, 0x0a, 0x00, 0x02, 0x04, 0x00, 0x11, 0x00, 0x01, 0x00,
};
static const uint8_t tr_keygen_ec[] = {
	0x55, 0x03, 0, 0, 0, 1, 0x00, 0x08, 0x11, 0x00, 0x01, 0x01, 0x12, 0x00, 0x01, 0x00,
};
static const uint8_t tr_in_progress[] = { 0x55, 0x11, 0, 0, 0, 1, 0x00, 0x00 };

START_TEST(trace_auth_request)
{
	uint8_t buf[64];
	struct capf_build b;
	long n;

	capf_build_init(&b);
	b.version = 3;
	b.auth_type = 0;
	n = capf_msg_build(buf, sizeof(buf), CAPF_AUTH_REQUEST, 1, &b);
	ck_assert_int_eq(n, sizeof(tr_auth_req));
	ck_assert_mem_eq(buf, tr_auth_req, sizeof(tr_auth_req));
}
END_TEST

START_TEST(trace_keygen)
{
	uint8_t buf[64];
	struct capf_build b;
	long n;

	capf_build_init(&b);
	b.key_size = 1024;
	b.key_type = CAPF_KEY_RSA;
	n = capf_msg_build(buf, sizeof(buf), CAPF_KEY_GENERATE_REQUEST, 1, &b);
	ck_assert_int_eq(n, sizeof(tr_keygen_rsa));
	ck_assert_mem_eq(buf, tr_keygen_rsa, sizeof(tr_keygen_rsa));
	capf_build_init(&b);
	b.key_type = CAPF_KEY_EC;
	b.curve = CAPF_CURVE_P256;
	n = capf_msg_build(buf, sizeof(buf), CAPF_KEY_GENERATE_REQUEST, 1, &b);
	ck_assert_int_eq(n, sizeof(tr_keygen_ec));
	ck_assert_mem_eq(buf, tr_keygen_ec, sizeof(tr_keygen_ec));
}
END_TEST

START_TEST(trace_end_session)
{
	static const int reasons[] = { 0, 1, 7, 9 };
	uint8_t buf[64], want[12] = { 0x55, 0x0f, 0x12, 0x34, 0x56, 0x78, 0x00, 0x04,
				      0x01, 0x00, 0x01, 0 };
	struct capf_build b;
	unsigned i;

	for (i = 0; i < 4; i++) {
		capf_build_init(&b);
		b.reason = reasons[i];
		want[11] = (uint8_t)reasons[i];
		ck_assert_int_eq(capf_msg_build(buf, sizeof(buf), CAPF_END_SESSION, 0x12345678,
						&b), 12);
		ck_assert_mem_eq(buf, want, 12);
	}
	/* fetch/delete requests: empty body */
	capf_build_init(&b);
	ck_assert_int_eq(capf_msg_build(buf, sizeof(buf), CAPF_FETCH_CERTIFICATE_REQUEST, 1, &b),
			 8);
	ck_assert_mem_eq(buf, ((uint8_t[]){ 0x55, 0x0b, 0, 0, 0, 1, 0, 0 }), 8);
}
END_TEST

START_TEST(trace_store_prefix)
{
	static uint8_t der[724], buf[1024];
	static const uint8_t want[] = {
		0x55, 0x09, 0, 0, 0, 1, 0x02, 0xe0, 0x03, 0x00, 0x01, 0x01,
		0x04, 0x02, 0xd9, 0x01, 0x02, 0xd6, 0x00, 0x01, 0x30, 0x82, 0x02, 0xd0,
	};
	struct capf_build b;
	struct capf_msg m;
	struct capf_cert_el c;

	memset(der, 0xab, sizeof(der));
	memcpy(der, "\x30\x82\x02\xd0", 4);
	capf_build_init(&b);
	b.cert_type = CAPF_CERT_LSC;
	b.cert = der;
	b.cert_len = sizeof(der);
	ck_assert_int_eq(capf_msg_build(buf, sizeof(buf), CAPF_STORE_CERTIFICATE_REQUEST, 1, &b),
			 8 + 0x2e0);
	ck_assert_mem_eq(buf, want, sizeof(want));
	ck_assert_int_eq(capf_msg_parse(buf, 8 + 0x2e0, &m), 0);
	ck_assert_int_eq(capf_cert_unwrap(m.el[4].v, m.el[4].len, &c), 0);
	ck_assert(c.prefix_ok);
	ck_assert_int_eq(c.type, 1);
	ck_assert_uint_eq(c.der_len, sizeof(der));
	ck_assert_mem_eq(c.der, der, sizeof(der));
}
END_TEST

START_TEST(parse_auth_response)
{
	struct capf_msg m;
	uint8_t v;

	ck_assert_int_eq(capf_msg_parse(tr_auth_resp, sizeof(tr_auth_resp), &m), 0);
	ck_assert_int_eq(m.hdr.cmd, CAPF_AUTH_RESPONSE);
	ck_assert_uint_eq(m.hdr.session, 1);
	ck_assert_int_eq(capf_el_u8(&m, CAPF_EL_VERSION, &v), 0);
	ck_assert_int_eq(v, 3);
	ck_assert_int_eq(capf_el_u8(&m, CAPF_EL_REASON, &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_str_eq(capf_el_cstr(&m, CAPF_EL_PASSWORD), "123456");
	ck_assert_str_eq(capf_el_cstr(&m, CAPF_EL_DEVICE_NAME), "SEP58971ECC97C1");
	ck_assert_int_eq(m.n_unknown, 0);
	ck_assert_int_eq(capf_msg_parse(tr_in_progress, sizeof(tr_in_progress), &m), 0);
	ck_assert_int_eq(m.hdr.cmd, CAPF_REQUEST_IN_PROGRESS);
}
END_TEST

/* Builds the AUTH_RESPONSE of the trace with the writer, in the phone's order. */
START_TEST(build_phone_roundtrip)
{
	uint8_t buf[128];
	struct capf_w w;

	capf_w_init(&w, buf, sizeof(buf), CAPF_AUTH_RESPONSE, 1);
	capf_w_u8(&w, CAPF_EL_REASON, 1);
	capf_w_u8(&w, CAPF_EL_VERSION, 3);
	capf_w_cstr(&w, CAPF_EL_PASSWORD, "123456");
	capf_w_cstr(&w, CAPF_EL_DEVICE_NAME, "SEP58971ECC97C1");
	ck_assert_int_eq(capf_w_finish(&w), sizeof(tr_auth_resp));
	ck_assert_mem_eq(buf, tr_auth_resp, sizeof(tr_auth_resp));
	/* no room: sticks */
	capf_w_init(&w, buf, 10, CAPF_AUTH_RESPONSE, 1);
	capf_w_cstr(&w, CAPF_EL_DEVICE_NAME, "SEP58971ECC97C1");
	ck_assert_int_eq(capf_w_finish(&w), -1);
}
END_TEST

START_TEST(any_order_unknown_tags)
{
	/* DEVICE_NAME first, an unknown tag 0x63 and tag 14 skipped, VERSION last */
	static const uint8_t in[] = {
		0x55, 0x02, 0, 0, 0, 7, 0x00, 0x12,
		0x0d, 0x00, 0x03, 'A', 'B', 0,
		0x63, 0x00, 0x02, 0xde, 0xad,
		0x0e, 0x00, 0x00,
		0x07, 0x00, 0x01, 0x02,
	};
	struct capf_msg m;
	uint8_t v;

	ck_assert_int_eq(capf_msg_parse(in, sizeof(in), &m), 0);
	ck_assert_str_eq(capf_el_cstr(&m, CAPF_EL_DEVICE_NAME), "AB");
	ck_assert_int_eq(capf_el_u8(&m, CAPF_EL_VERSION, &v), 0);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(m.n_unknown, 2);
	ck_assert_int_eq(m.unknown[0], 0x63);
	ck_assert_int_eq(m.unknown[1], 14);
}
END_TEST

START_TEST(malformed)
{
	uint8_t b[sizeof(tr_auth_resp) + 4];
	struct capf_hdr h;
	struct capf_msg m;

	/* truncated header */
	ck_assert_int_eq(capf_hdr_parse(tr_auth_resp, 7, &h), CAPF_E_SHORT);
	ck_assert_int_eq(capf_msg_parse(tr_auth_resp, 5, &m), CAPF_E_SHORT);
	/* body length past the data */
	ck_assert_int_eq(capf_msg_parse(tr_auth_resp, sizeof(tr_auth_resp) - 1, &m),
			 CAPF_E_SHORT);
	/* trailing bytes */
	memcpy(b, tr_auth_resp, sizeof(tr_auth_resp));
	ck_assert_int_eq(capf_msg_parse(b, sizeof(tr_auth_resp) + 1, &m), CAPF_E_TRAIL);
	/* wrong protocol id */
	memcpy(b, tr_auth_resp, sizeof(tr_auth_resp));
	b[0] = 0x56;
	ck_assert_int_eq(capf_msg_parse(b, sizeof(tr_auth_resp), &m), CAPF_E_PROTO);
	ck_assert_int_eq(capf_hdr_parse(b, 8, &h), CAPF_E_PROTO);
	/* oversized: refused from the header alone */
	memcpy(b, tr_auth_resp, 8);
	b[6] = 0x40;
	b[7] = 0x00;
	ck_assert_int_eq(capf_hdr_parse(b, 8, &h), CAPF_E_SIZE);
	b[6] = 0x3f;
	b[7] = 0xf8;	/* 16376 + 8 = 16384: still allowed */
	ck_assert_int_eq(capf_hdr_parse(b, 8, &h), 0);
	b[7] = 0xf9;
	ck_assert_int_eq(capf_hdr_parse(b, 8, &h), CAPF_E_SIZE);
	/* element length past the body: DEVICE_NAME claims 0x11 bytes */
	memcpy(b, tr_auth_resp, sizeof(tr_auth_resp));
	b[28] = 0x11;
	ck_assert_int_eq(capf_msg_parse(b, sizeof(tr_auth_resp), &m), CAPF_E_TRUNC);
	ck_assert_int_eq(m.bad_tag, CAPF_EL_DEVICE_NAME);
	/* element header cut: body ends 2 bytes into a TLV header */
	{
		static const uint8_t cut[] = { 0x55, 2, 0, 0, 0, 1, 0, 6, 7, 0, 1, 3, 0x0d, 0 };

		ck_assert_int_eq(capf_msg_parse(cut, sizeof(cut), &m), CAPF_E_TRUNC);
	}
	/* duplicate element: REASON replaced by a second VERSION */
	memcpy(b, tr_auth_resp, sizeof(tr_auth_resp));
	b[8] = 0x07;
	ck_assert_int_eq(capf_msg_parse(b, sizeof(tr_auth_resp), &m), CAPF_E_DUP);
	ck_assert_int_eq(m.bad_tag, CAPF_EL_VERSION);
	/* per-element limit: VERSION of 2 bytes */
	{
		static const uint8_t bad[] = { 0x55, 2, 0, 0, 0, 1, 0, 5, 7, 0, 2, 0, 3 };

		ck_assert_int_eq(capf_msg_parse(bad, sizeof(bad), &m), CAPF_E_ELEN);
	}
	/* C-strings: missing NUL, embedded NUL */
	{
		static const uint8_t s1[] = { 0x55, 2, 0, 0, 0, 1, 0, 5, 13, 0, 2, 'A', 'B' };
		static const uint8_t s2[] = { 0x55, 2, 0, 0, 0, 1, 0, 6, 13, 0, 3, 'A', 0, 0 };

		ck_assert_int_eq(capf_msg_parse(s1, sizeof(s1), &m), 0);
		ck_assert_ptr_null(capf_el_cstr(&m, CAPF_EL_DEVICE_NAME));
		ck_assert_int_eq(capf_msg_parse(s2, sizeof(s2), &m), 0);
		ck_assert_ptr_null(capf_el_cstr(&m, CAPF_EL_DEVICE_NAME));
	}
}
END_TEST

START_TEST(compound)
{
	uint8_t buf[256], sig[16];
	const uint8_t *s;
	size_t sl;
	struct capf_w w;
	struct capf_msg m;
	struct capf_sudi su = { (const uint8_t *)"CERT", 4, (const uint8_t *)"S1", 2,
				(const uint8_t *)"S512", 4 }, out;
	static const uint8_t sudi_bytes[] = { 0x10, 0x00, 0x13, 0x00, 0x00, 0x04, 'C', 'E', 'R',
					      'T', 0x01, 0x00, 0x02, 'S', '1', 0x03, 0x00, 0x04,
					      'S', '5', '1', '2' };

	memset(sig, 0x5a, sizeof(sig));
	capf_w_init(&w, buf, sizeof(buf), CAPF_AUTH_RESPONSE, 9);
	capf_w_sha2sig(&w, sig, sizeof(sig));
	capf_w_sudi(&w, &su);
	ck_assert_int_gt(capf_w_finish(&w), 0);
	ck_assert_mem_eq(buf + 8, ((uint8_t[]){ 0x14, 0x00, 0x13, 0x03, 0x00, 0x10 }), 6);
	ck_assert_mem_eq(buf + 8 + 3 + 19, sudi_bytes, sizeof(sudi_bytes));
	ck_assert_int_eq(capf_msg_parse(buf, (size_t)capf_w_finish(&w), &m), 0);
	ck_assert_int_eq(capf_sha2sig_parse(m.el[20].v, m.el[20].len, &s, &sl), 0);
	ck_assert_uint_eq(sl, 16);
	ck_assert_int_eq(capf_sudi_parse(m.el[16].v, m.el[16].len, &out), 0);
	ck_assert_uint_eq(out.cert_len, 4);
	ck_assert_mem_eq(out.sig512, "S512", 4);
	/* SHA2 hashAlg other than 3, length mismatch */
	ck_assert_int_ne(capf_sha2sig_parse((const uint8_t *)"\x02\x00\x01\x00", 4, &s, &sl), 0);
	ck_assert_int_ne(capf_sha2sig_parse((const uint8_t *)"\x03\x00\x02\x00", 4, &s, &sl), 0);
	/* SUDI third record not SHA-512, trailing byte, short record */
	{
		uint8_t bad[sizeof(sudi_bytes)];

		memcpy(bad, sudi_bytes + 3, sizeof(sudi_bytes) - 3);
		bad[12] = 1;	/* x of the third record */
		ck_assert_int_ne(capf_sudi_parse(bad, sizeof(sudi_bytes) - 3, &out), 0);
		memcpy(bad, sudi_bytes + 3, sizeof(sudi_bytes) - 3);
		bad[sizeof(sudi_bytes) - 3] = 0;
		ck_assert_int_ne(capf_sudi_parse(bad, sizeof(sudi_bytes) - 2, &out), 0);
		ck_assert_int_ne(capf_sudi_parse(bad, 8, &out), 0);
	}
	/* certificate prefix: too short, wrong length field */
	{
		struct capf_cert_el c;

		ck_assert_int_ne(capf_cert_unwrap((const uint8_t *)"\x01\x00\x02\x00\x01", 5, &c), 0);
		ck_assert_int_eq(capf_cert_unwrap((const uint8_t *)"\x01\x00\x09\x00\x01\x30", 6,
						  &c), 0);
		ck_assert(!c.prefix_ok);
		ck_assert_int_eq(capf_cert_unwrap((const uint8_t *)"\x01\x00\x03\x00\x01\x30", 6,
						  &c), 0);
		ck_assert(c.prefix_ok);
	}
}
END_TEST

START_TEST(build_oversized)
{
	static uint8_t der[CAPF_MSG_MAX], buf[2 * CAPF_MSG_MAX];
	struct capf_build b;

	capf_build_init(&b);
	b.cert_type = 1;
	b.cert = der;
	b.cert_len = CAPF_MSG_MAX - 20 + 1;	/* hdr 8, type 4, cert TL+prefix 8: one over */
	ck_assert_int_eq(capf_msg_build(buf, sizeof(buf), 9, 1, &b), -1);
	b.cert_len--;
	ck_assert_int_eq(capf_msg_build(buf, sizeof(buf), 9, 1, &b), CAPF_MSG_MAX);
}
END_TEST

Suite *msg_suite(void)
{
	Suite *s = suite_create("capf_msg");
	TCase *t = tcase_create("codec");

	tcase_add_test(t, trace_auth_request);
	tcase_add_test(t, trace_keygen);
	tcase_add_test(t, trace_end_session);
	tcase_add_test(t, trace_store_prefix);
	tcase_add_test(t, parse_auth_response);
	tcase_add_test(t, build_phone_roundtrip);
	tcase_add_test(t, any_order_unknown_tags);
	tcase_add_test(t, malformed);
	tcase_add_test(t, compound);
	tcase_add_test(t, build_oversized);
	suite_add_tcase(s, t);
	return s;
}
