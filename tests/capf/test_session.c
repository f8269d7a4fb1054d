/* SPDX-License-Identifier: BSD-3-Clause */
/* capf_session driven in memory through every path of spec §1.8: the exact
 * END_SESSION reason and which backend calls happened. */
#include <stdlib.h>
#include <string.h>

#include "capf_session.h"
#include "test_capf.h"

#define DEV "SEP58971ECC97C1"
#define MAXOUT 16

struct fake {
	/* backend */
	bool sync;			/* answer inside the call */
	struct capf_lookup_answer ans;
	int issue_status;
	int n_lookup, n_issue, n_result, n_cancel;
	char device[64], password[64];
	bool had_password;
	enum capf_cert_auth cert_auth;
	struct capf_result res;
	uint8_t res_der[4096];
	uint8_t issue_spki[1024];
	size_t issue_spki_len;
	/* io */
	uint8_t out[MAXOUT][CAPF_MSG_MAX];
	size_t out_len[MAXOUT];
	int n_out;
	int n_finished;
	struct capf_outcome outcome;
	uint64_t now;
};

static struct fake F;
static EVP_PKEY *ca_key, *mfg_key, *other_key, *ph_rsa, *ph_ec;
static X509 *ca, *mfg, *other;
static uint8_t lsc_der[4096];
static size_t lsc_len;

static void issue_now(struct capf_session *s)
{
	capf_session_issue_done(s, F.issue_status, F.issue_status == 0 ? lsc_der : NULL,
				F.issue_status == 0 ? lsc_len : 0);
}

static void b_lookup(void *ctx, struct capf_session *s, const struct capf_lookup_req *r)
{
	(void)ctx;
	F.n_lookup++;
	snprintf(F.device, sizeof(F.device), "%s", r->device);
	F.had_password = r->password != NULL;
	snprintf(F.password, sizeof(F.password), "%s", r->password ? r->password : "");
	F.cert_auth = r->cert_auth;
	if (F.sync)
		capf_session_lookup_done(s, &F.ans);
}

static void b_issue(void *ctx, struct capf_session *s, const char *device, const uint8_t *spki,
		    size_t len, const struct capf_keyparams *kp)
{
	(void)ctx;
	(void)kp;
	F.n_issue++;
	ck_assert_str_eq(device, F.device);
	ck_assert_uint_le(len, sizeof(F.issue_spki));
	memcpy(F.issue_spki, spki, len);
	F.issue_spki_len = len;
	if (F.sync)
		issue_now(s);
}

static void b_result(void *ctx, const struct capf_result *r)
{
	(void)ctx;
	F.n_result++;
	F.res = *r;
	F.res.device = NULL;
	if (r->der != NULL) {
		ck_assert_uint_le(r->der_len, sizeof(F.res_der));
		memcpy(F.res_der, r->der, r->der_len);
	}
	F.res.der = r->der != NULL ? F.res_der : NULL;
}

static void b_cancel(void *ctx, struct capf_session *s)
{
	(void)ctx;
	(void)s;
	F.n_cancel++;
}

static const struct capf_backend_ops ops = { b_lookup, b_issue, b_result, b_cancel };

static void io_send(void *arg, const uint8_t *msg, size_t len)
{
	(void)arg;
	ck_assert_int_lt(F.n_out, MAXOUT);
	memcpy(F.out[F.n_out], msg, len);
	F.out_len[F.n_out++] = len;
}

static void io_finished(void *arg, const struct capf_outcome *o)
{
	(void)arg;
	F.n_finished++;
	F.outcome = *o;
}

static uint64_t io_now(void *arg)
{
	(void)arg;
	return F.now;
}

static X509 *mfg_list[1];

static struct capf_session *start(uint32_t id, bool sync)
{
	struct capf_session_io io = { io_send, io_finished, io_now, NULL };
	struct capf_session_cfg cfg = { { 0 } };
	struct capf_session *s;

	memset(&F, 0, sizeof(F));
	F.sync = sync;
	F.now = 1000;
	F.ans.status = CAPF_LOOKUP_FOUND;
	F.ans.mode = CAPF_AUTH_PASSWORD;
	F.ans.op = CAPF_OP_INSTALL;
	F.ans.key.type = CAPF_KEY_RSA;
	F.ans.key.rsa_bits = 1024;
	mfg_list[0] = mfg;
	cfg.auth.lsc_issuer = ca;
	cfg.auth.mfg_ca = mfg_list;
	cfg.auth.n_mfg_ca = 1;
	s = capf_session_new(&cfg, id, &ops, NULL, &io);
	ck_assert_ptr_nonnull(s);
	capf_session_start(s);
	ck_assert_int_eq(F.n_out, 1);
	return s;
}

static void feed(struct capf_session *s, const uint8_t *b, size_t len)
{
	capf_session_input(s, b, len);
}

/* The last message sent must be END_SESSION; returns its reason. */
static int end_reason(void)
{
	struct capf_msg m;
	uint8_t r;

	ck_assert_int_gt(F.n_out, 0);
	ck_assert_int_eq(capf_msg_parse(F.out[F.n_out - 1], F.out_len[F.n_out - 1], &m), 0);
	ck_assert_int_eq(m.hdr.cmd, CAPF_END_SESSION);
	ck_assert_int_eq(capf_el_u8(&m, CAPF_EL_REASON, &r), 0);
	ck_assert_int_eq(F.n_finished, 1);
	ck_assert_int_eq(F.outcome.reason_sent, r);
	return r;
}

static int last_cmd(void)
{
	return F.out[F.n_out - 1][1];
}

static void send_auth(struct capf_session *s, uint32_t id, const char *dev, const char *pw)
{
	uint8_t b[256];
	struct capf_w w;

	capf_w_init(&w, b, sizeof(b), CAPF_AUTH_RESPONSE, id);
	capf_w_u8(&w, CAPF_EL_REASON, 1);
	capf_w_u8(&w, CAPF_EL_VERSION, 3);
	if (pw != NULL)
		capf_w_cstr(&w, CAPF_EL_PASSWORD, pw);
	if (dev != NULL)
		capf_w_cstr(&w, CAPF_EL_DEVICE_NAME, dev);
	feed(s, b, (size_t)capf_w_finish(&w));
}

static void send_simple(struct capf_session *s, uint32_t id, uint8_t cmd, int reason)
{
	uint8_t b[64];
	struct capf_w w;

	capf_w_init(&w, b, sizeof(b), cmd, id);
	if (reason >= 0)
		capf_w_u8(&w, CAPF_EL_REASON, (uint8_t)reason);
	feed(s, b, (size_t)capf_w_finish(&w));
}

static void send_key(struct capf_session *s, uint32_t id, EVP_PKEY *k)
{
	static uint8_t b[4096];
	struct capf_w w;
	size_t l;
	uint8_t *spki = t_spki(k, &l);

	capf_w_init(&w, b, sizeof(b), CAPF_KEY_GENERATE_RESPONSE, id);
	capf_w_u8(&w, CAPF_EL_REASON, 1);
	capf_w_bytes(&w, CAPF_EL_PUBLIC_KEY, spki, l);
	feed(s, b, (size_t)capf_w_finish(&w));
	free(spki);
}

static void setup(void)
{
	X509 *lsc;
	uint8_t *d;

	ca_key = t_rsa(2048);
	mfg_key = t_rsa(2048);
	other_key = t_rsa(2048);
	ph_rsa = t_rsa(1024);
	ph_ec = t_ec("P-256");
	ca = t_ca(ca_key, "Test CAPF Issuer");
	mfg = t_ca(mfg_key, "Test Manufacturing CA");
	other = t_ca(other_key, "Test Unknown CA");
	lsc = t_leaf(ph_rsa, DEV, ca, ca_key);
	d = t_der(lsc, &lsc_len);
	memcpy(lsc_der, d, lsc_len);
	free(d);
	X509_free(lsc);
}

static void teardown(void)
{
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(mfg_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(ph_rsa);
	EVP_PKEY_free(ph_ec);
	X509_free(ca);
	X509_free(mfg);
	X509_free(other);
}

/* spec §1.11 byte for byte, backend answering later, input split byte by byte */
START_TEST(install_rsa_trace)
{
	static const uint8_t auth_req[] = { 0x55, 1, 0, 0, 0, 1, 0, 8, 7, 0, 1, 3, 8, 0, 1, 0 };
	static const uint8_t keygen[] = { 0x55, 3, 0, 0, 0, 1, 0, 9, 0x0a, 0, 2, 4, 0,
					  0x11, 0, 1, 0 };
	static const uint8_t in_prog[] = { 0x55, 0x11, 0, 0, 0, 1, 0, 0 };
	static const uint8_t end1[] = { 0x55, 0x0f, 0, 0, 0, 1, 0, 4, 1, 0, 1, 1 };
	static const uint8_t auth_resp[] = {
		0x55, 0x02, 0, 0, 0, 1, 0x00, 0x25, 0x01, 0x00, 0x01, 0x01, 0x07, 0x00, 0x01, 0x03,
		0x0b, 0x00, 0x07, '1', '2', '3', '4', '5', '6', 0, 0x0d, 0x00, 0x10, 'S', 'E',
		'P', '5', '8', '9', '7', '1', 'E', 'C', 'C', '9', '7', 'C', '1', 0,
	};
	struct capf_session *s = start(1, false);
	struct capf_msg m;
	struct capf_cert_el c;
	size_t i;

	ck_assert_mem_eq(F.out[0], auth_req, sizeof(auth_req));
	for (i = 0; i < sizeof(auth_resp); i++)
		feed(s, auth_resp + i, 1);
	ck_assert_int_eq(F.n_lookup, 1);
	ck_assert_str_eq(F.device, DEV);
	ck_assert(F.had_password);
	ck_assert_str_eq(F.password, "123456");
	ck_assert_int_eq(F.cert_auth, CAPF_CA_ABSENT);
	ck_assert_int_eq(F.n_out, 1);
	capf_session_lookup_done(s, &F.ans);
	ck_assert_int_eq(F.n_out, 2);
	ck_assert_uint_eq(F.out_len[1], sizeof(keygen));
	ck_assert_mem_eq(F.out[1], keygen, sizeof(keygen));
	/* repeated REQUEST_IN_PROGRESS */
	feed(s, in_prog, sizeof(in_prog));
	feed(s, in_prog, sizeof(in_prog));
	feed(s, in_prog, sizeof(in_prog));
	ck_assert_int_eq(F.n_out, 2);
	send_key(s, 1, ph_rsa);
	ck_assert_int_eq(F.n_issue, 1);
	ck_assert_int_eq(F.n_out, 2);
	issue_now(s);
	ck_assert_int_eq(F.n_out, 3);
	ck_assert_int_eq(capf_msg_parse(F.out[2], F.out_len[2], &m), 0);
	ck_assert_int_eq(m.hdr.cmd, CAPF_STORE_CERTIFICATE_REQUEST);
	ck_assert_mem_eq(F.out[2] + 8, ((uint8_t[]){ 3, 0, 1, 1, 4 }), 5);	/* §1.4 order */
	ck_assert_int_eq(capf_cert_unwrap(m.el[4].v, m.el[4].len, &c), 0);
	ck_assert(c.prefix_ok);
	ck_assert_uint_eq(c.der_len, lsc_len);
	ck_assert_mem_eq(c.der, lsc_der, lsc_len);
	ck_assert_int_eq(F.n_result, 0);	/* nothing stored before the phone says OK */
	send_simple(s, 1, CAPF_STORE_CERTIFICATE_RESPONSE, 1);
	ck_assert_mem_eq(F.out[3], end1, sizeof(end1));
	ck_assert_int_eq(end_reason(), 1);
	ck_assert_int_eq(F.n_result, 1);
	ck_assert_int_eq(F.res.op, CAPF_OP_INSTALL);
	ck_assert_int_eq(F.res.outcome, CAPF_F_OK);
	ck_assert_uint_eq(F.res.der_len, lsc_len);
	ck_assert_mem_eq(F.res.der, lsc_der, lsc_len);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_OK);
	ck_assert_str_eq(F.outcome.device, DEV);
	ck_assert(capf_session_finished(s));
	capf_session_free(s);
	ck_assert_int_eq(F.n_result, 1);
	ck_assert_int_eq(F.n_cancel, 0);
}
END_TEST

START_TEST(install_ec_sync)
{
	static const uint8_t keygen_ec[] = { 0x55, 3, 0, 0, 0, 7, 0, 8, 0x11, 0, 1, 1,
					     0x12, 0, 1, 0 };
	struct capf_session *s = start(7, true);

	F.ans.key.type = CAPF_KEY_EC;
	F.ans.key.curve = CAPF_CURVE_P256;
	send_auth(s, 7, DEV, "123456");
	ck_assert_int_eq(F.n_out, 2);
	ck_assert_mem_eq(F.out[1], keygen_ec, sizeof(keygen_ec));
	/* 17 then the key and the store answer in one read */
	{
		uint8_t b[2048];
		struct capf_w w;
		size_t l, n;
		uint8_t *spki = t_spki(ph_ec, &l);

		capf_w_init(&w, b, sizeof(b), CAPF_REQUEST_IN_PROGRESS, 7);
		n = (size_t)capf_w_finish(&w);
		capf_w_init(&w, b + n, sizeof(b) - n, CAPF_KEY_GENERATE_RESPONSE, 7);
		capf_w_bytes(&w, CAPF_EL_PUBLIC_KEY, spki, l);
		n += (size_t)capf_w_finish(&w);
		capf_w_init(&w, b + n, sizeof(b) - n, CAPF_STORE_CERTIFICATE_RESPONSE, 7);
		capf_w_u8(&w, CAPF_EL_REASON, 1);
		n += (size_t)capf_w_finish(&w);
		feed(s, b, n);
		ck_assert_uint_eq(F.issue_spki_len, l);
		ck_assert_mem_eq(F.issue_spki, spki, l);
		free(spki);
	}
	ck_assert_int_eq(end_reason(), 1);
	ck_assert_int_eq(F.res.outcome, CAPF_F_OK);
	capf_session_free(s);
}
END_TEST

START_TEST(fetch_with_lsc)
{
	struct capf_session *s = start(3, true);
	uint8_t b[4096];
	struct capf_w w;

	F.ans.op = CAPF_OP_FETCH;
	send_auth(s, 3, DEV, "123456");
	ck_assert_int_eq(last_cmd(), CAPF_FETCH_CERTIFICATE_REQUEST);
	ck_assert_uint_eq(F.out_len[1], 8);
	capf_w_init(&w, b, sizeof(b), CAPF_FETCH_CERTIFICATE_RESPONSE, 3);
	capf_w_u8(&w, CAPF_EL_REASON, 1);
	capf_w_cert(&w, 1, lsc_der, lsc_len);
	feed(s, b, (size_t)capf_w_finish(&w));
	ck_assert_int_eq(end_reason(), 0);	/* spec §1.8: a fetch ends with 0 */
	ck_assert_int_eq(F.n_result, 1);
	ck_assert_int_eq(F.res.op, CAPF_OP_FETCH);
	ck_assert_int_eq(F.res.outcome, CAPF_F_OK);
	ck_assert_mem_eq(F.res.der, lsc_der, lsc_len);
	capf_session_free(s);
}
END_TEST

START_TEST(fetch_without_lsc)
{
	struct capf_session *s = start(3, true);

	F.ans.op = CAPF_OP_FETCH;
	send_auth(s, 3, DEV, "123456");
	send_simple(s, 3, CAPF_FETCH_CERTIFICATE_RESPONSE, 7);
	ck_assert_int_eq(end_reason(), 0);
	ck_assert_int_eq(F.n_result, 1);
	ck_assert_int_eq(F.res.outcome, CAPF_F_PHONE_REFUSED);
	ck_assert_ptr_null(F.res.der);
	capf_session_free(s);
	/* REASON=1 but a certificate that is not DER */
	s = start(3, true);
	F.ans.op = CAPF_OP_FETCH;
	send_auth(s, 3, DEV, "123456");
	{
		uint8_t b[64];
		struct capf_w w;

		capf_w_init(&w, b, sizeof(b), CAPF_FETCH_CERTIFICATE_RESPONSE, 3);
		capf_w_u8(&w, CAPF_EL_REASON, 1);
		capf_w_cert(&w, 1, (const uint8_t *)"\x30\x03\x02\x01", 4);
		feed(s, b, (size_t)capf_w_finish(&w));
	}
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.res.outcome, CAPF_F_MALFORMED);
	capf_session_free(s);
}
END_TEST

START_TEST(delete_paths)
{
	struct capf_session *s = start(4, true);

	F.ans.op = CAPF_OP_DELETE;
	send_auth(s, 4, DEV, "123456");
	ck_assert_int_eq(last_cmd(), CAPF_DELETE_CERTIFICATE_REQUEST);
	send_simple(s, 4, CAPF_DELETE_CERTIFICATE_RESPONSE, 1);
	ck_assert_int_eq(end_reason(), 1);
	ck_assert_int_eq(F.res.op, CAPF_OP_DELETE);
	ck_assert_int_eq(F.res.outcome, CAPF_F_OK);
	capf_session_free(s);
	s = start(4, true);
	F.ans.op = CAPF_OP_DELETE;
	send_auth(s, 4, DEV, "123456");
	send_simple(s, 4, CAPF_DELETE_CERTIFICATE_RESPONSE, 7);
	ck_assert_int_eq(end_reason(), 1);	/* whatever the outcome */
	ck_assert_int_eq(F.res.outcome, CAPF_F_PHONE_REFUSED);
	ck_assert_int_eq(F.res.phone_reason, 7);
	capf_session_free(s);
}
END_TEST

START_TEST(op_none)
{
	struct capf_session *s = start(5, true);

	F.ans.op = CAPF_OP_NONE;
	F.ans.mode = CAPF_AUTH_NONE;
	send_auth(s, 5, DEV, NULL);
	ck_assert(!F.had_password);
	ck_assert_int_eq(end_reason(), 0);
	ck_assert_int_eq(F.n_result, 1);
	ck_assert_int_eq(F.res.op, CAPF_OP_NONE);
	ck_assert_int_eq(F.n_issue, 0);
	capf_session_free(s);
}
END_TEST

START_TEST(unknown_device_and_password)
{
	struct capf_session *s = start(6, true);

	F.ans.status = CAPF_LOOKUP_UNKNOWN_DEVICE;
	send_auth(s, 6, "SEP000000000000", "x");
	ck_assert_int_eq(end_reason(), 9);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_UNKNOWN_DEVICE);
	ck_assert_int_eq(F.n_result, 0);
	capf_session_free(s);
	s = start(6, true);
	F.ans.status = CAPF_LOOKUP_AUTH_FAILED;
	send_auth(s, 6, DEV, "");	/* null string */
	ck_assert(F.had_password);
	ck_assert_str_eq(F.password, "");
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_AUTH);
	ck_assert_int_eq(F.n_result, 0);
	/* the outcome never carries the password */
	ck_assert_ptr_null(strstr(F.outcome.detail, "123456"));
	capf_session_free(s);
	s = start(6, true);
	F.ans.status = CAPF_LOOKUP_ERROR;
	send_auth(s, 6, DEV, "123456");
	ck_assert_int_eq(end_reason(), 7);
	capf_session_free(s);
}
END_TEST

START_TEST(missing_elements)
{
	struct capf_session *s = start(8, true);

	send_auth(s, 8, NULL, "123456");
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_NO_DEVICE);
	ck_assert_int_eq(F.n_lookup, 0);
	capf_session_free(s);
	/* VERSION missing */
	s = start(8, true);
	{
		uint8_t b[64];
		struct capf_w w;

		capf_w_init(&w, b, sizeof(b), CAPF_AUTH_RESPONSE, 8);
		capf_w_cstr(&w, CAPF_EL_DEVICE_NAME, DEV);
		feed(s, b, (size_t)capf_w_finish(&w));
	}
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_NO_VERSION);
	capf_session_free(s);
	/* PUBLIC_KEY missing: the phone's key generation failed */
	s = start(8, true);
	send_auth(s, 8, DEV, "123456");
	send_simple(s, 8, CAPF_KEY_GENERATE_RESPONSE, 7);
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.n_issue, 0);
	ck_assert_int_eq(F.n_result, 1);
	ck_assert_int_eq(F.res.outcome, CAPF_F_NO_PUBLIC_KEY);
	capf_session_free(s);
}
END_TEST

START_TEST(unexpected_and_mismatch)
{
	struct capf_session *s = start(9, true);

	send_simple(s, 9, CAPF_STORE_CERTIFICATE_RESPONSE, 1);
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_UNEXPECTED);
	ck_assert_int_eq(F.n_lookup, 0);
	capf_session_free(s);
	/* a server command from the phone in the key generation step */
	s = start(9, true);
	send_auth(s, 9, DEV, "123456");
	send_simple(s, 9, CAPF_END_SESSION, 1);
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.res.outcome, CAPF_F_UNEXPECTED);
	capf_session_free(s);
	/* session ID mismatch */
	s = start(9, true);
	send_auth(s, 10, DEV, "123456");
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_SESSION_ID);
	ck_assert_int_eq(F.n_lookup, 0);
	capf_session_free(s);
	/* a duplicate element */
	s = start(9, true);
	{
		static const uint8_t dup[] = { 0x55, 2, 0, 0, 0, 9, 0, 8, 7, 0, 1, 3, 7, 0, 1, 3 };

		feed(s, dup, sizeof(dup));
	}
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_MALFORMED);
	capf_session_free(s);
	/* wrong protocol ID */
	s = start(9, true);
	feed(s, (const uint8_t *)"\x56\x02\x00\x00\x00\x09\x00\x00", 8);
	ck_assert_int_eq(end_reason(), 7);
	capf_session_free(s);
	/* too many REQUEST_IN_PROGRESS */
	s = start(9, true);
	send_auth(s, 9, DEV, "123456");
	{
		int i;

		for (i = 0; i < 64; i++)
			send_simple(s, 9, CAPF_REQUEST_IN_PROGRESS, -1);
		ck_assert_int_eq(F.n_finished, 0);
		send_simple(s, 9, CAPF_REQUEST_IN_PROGRESS, -1);
	}
	ck_assert_int_eq(end_reason(), 7);
	capf_session_free(s);
}
END_TEST

START_TEST(oversized)
{
	struct capf_session *s = start(11, true);

	/* header announcing 16377 bytes of body: refused at once */
	feed(s, (const uint8_t *)"\x55\x02\x00\x00\x00\x0b\x3f\xf9", 8);
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_MALFORMED);
	ck_assert_int_eq(F.n_lookup, 0);
	capf_session_free(s);
}
END_TEST

static void cert_case(X509 *cert, EVP_PKEY *signer, enum capf_auth_mode mode,
		      enum capf_cert_auth want_ca, int want_reason)
{
	static uint8_t b[CAPF_MSG_MAX];
	struct capf_session *s = start(12, true);
	long n = t_auth_cert_msg(b, sizeof(b), 12, DEV, cert, signer, NULL, NULL);

	F.ans.mode = mode;
	F.ans.op = CAPF_OP_NONE;
	feed(s, b, (size_t)n);
	ck_assert_int_eq(F.n_lookup, 1);
	ck_assert_int_eq(F.cert_auth, want_ca);
	ck_assert_int_eq(end_reason(), want_reason);
	ck_assert_int_eq(F.n_result, 1);
	ck_assert_int_eq(F.res.outcome, want_reason == 7 ? CAPF_F_AUTH : CAPF_F_OK);
	capf_session_free(s);
}

START_TEST(certificate_modes)
{
	X509 *lsc = t_leaf(ph_rsa, DEV, ca, ca_key);
	X509 *mic = t_leaf(ph_ec, "CP-8865-SEP58971ECC97C1", mfg, mfg_key);
	X509 *unk = t_leaf(ph_rsa, "CP-8865-SEP58971ECC97C1", other, other_key);

	cert_case(lsc, ph_rsa, CAPF_AUTH_CERT, CAPF_CA_LSC, 0);
	cert_case(lsc, ph_rsa, CAPF_AUTH_LSC, CAPF_CA_LSC, 0);
	cert_case(lsc, ph_rsa, CAPF_AUTH_MIC, CAPF_CA_LSC, 7);
	cert_case(mic, ph_ec, CAPF_AUTH_MIC, CAPF_CA_MIC, 0);
	cert_case(mic, ph_ec, CAPF_AUTH_LSC, CAPF_CA_MIC, 7);
	/* bad signature: signed with another key */
	cert_case(lsc, ph_ec, CAPF_AUTH_CERT, CAPF_CA_FAILED, 7);
	/* MIC from an unknown manufacturer CA */
	cert_case(unk, ph_rsa, CAPF_AUTH_CERT, CAPF_CA_FAILED, 7);
	/* password mode ignores the certificate */
	cert_case(unk, ph_rsa, CAPF_AUTH_PASSWORD, CAPF_CA_FAILED, 0);
	X509_free(lsc);
	X509_free(mic);
	X509_free(unk);
}
END_TEST

START_TEST(bad_key_and_issue_failure)
{
	EVP_PKEY *r2 = t_rsa(2048);
	struct capf_session *s = start(13, true);

	send_auth(s, 13, DEV, "123456");
	send_key(s, 13, r2);	/* 1024 was requested */
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.n_issue, 0);
	ck_assert_int_eq(F.res.outcome, CAPF_F_BAD_KEY);
	capf_session_free(s);
	s = start(13, true);
	F.issue_status = -1;
	send_auth(s, 13, DEV, "123456");
	send_key(s, 13, ph_rsa);
	ck_assert_int_eq(F.n_issue, 1);
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.res.outcome, CAPF_F_ISSUE);
	capf_session_free(s);
	/* backend asks for an unsupported key */
	s = start(13, true);
	F.ans.key.rsa_bits = 512;
	send_auth(s, 13, DEV, "123456");
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.res.outcome, CAPF_F_BACKEND);
	capf_session_free(s);
	EVP_PKEY_free(r2);
}
END_TEST

START_TEST(timeouts_and_abort)
{
	struct capf_session *s = start(14, true);

	send_auth(s, 14, DEV, "123456");
	ck_assert_uint_eq(capf_session_deadline(s), 1000 + 120000);
	F.now = 1000 + 119999;
	capf_session_tick(s);
	ck_assert_int_eq(F.n_finished, 0);
	F.now = 1000 + 120000;
	capf_session_tick(s);
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_TIMEOUT);
	ck_assert_int_eq(F.res.outcome, CAPF_F_TIMEOUT);
	ck_assert_uint_eq(capf_session_deadline(s), 0);
	capf_session_free(s);
	/* 30 s for the AUTH_RESPONSE */
	s = start(14, true);
	ck_assert_uint_eq(capf_session_deadline(s), 31000);
	capf_session_free(s);
	ck_assert_int_eq(F.n_result, 0);
	/* closed while the lookup is pending: cancel, no result, late answer ignored */
	s = start(14, false);
	send_auth(s, 14, DEV, "123456");
	capf_session_abort(s, "phone closed the connection");
	ck_assert_int_eq(F.n_cancel, 1);
	ck_assert_int_eq(F.n_finished, 1);
	ck_assert_int_eq(F.outcome.reason_sent, -1);
	ck_assert_int_eq(F.outcome.fail, CAPF_F_CLOSED);
	capf_session_lookup_done(s, &F.ans);
	ck_assert_int_eq(F.n_out, 1);
	capf_session_free(s);
	ck_assert_int_eq(F.n_result, 0);
	/* freed while issuing: cancel and result(CLOSED) */
	s = start(14, false);
	send_auth(s, 14, DEV, "123456");
	capf_session_lookup_done(s, &F.ans);
	send_key(s, 14, ph_rsa);
	ck_assert_int_eq(F.n_issue, 1);
	/* backend silent: the step deadline */
	F.now += 30000;
	capf_session_tick(s);
	ck_assert_int_eq(end_reason(), 7);
	ck_assert_int_eq(F.n_cancel, 1);
	ck_assert_int_eq(F.res.outcome, CAPF_F_TIMEOUT);
	capf_session_free(s);
	s = start(14, false);
	send_auth(s, 14, DEV, "123456");
	capf_session_lookup_done(s, &F.ans);
	send_key(s, 14, ph_rsa);
	capf_session_free(s);
	ck_assert_int_eq(F.n_cancel, 1);
	ck_assert_int_eq(F.n_result, 1);
	ck_assert_int_eq(F.res.outcome, CAPF_F_CLOSED);
}
END_TEST

Suite *session_suite(void)
{
	Suite *s = suite_create("capf_session");
	TCase *t = tcase_create("session");

	tcase_add_unchecked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, install_rsa_trace);
	tcase_add_test(t, install_ec_sync);
	tcase_add_test(t, fetch_with_lsc);
	tcase_add_test(t, fetch_without_lsc);
	tcase_add_test(t, delete_paths);
	tcase_add_test(t, op_none);
	tcase_add_test(t, unknown_device_and_password);
	tcase_add_test(t, missing_elements);
	tcase_add_test(t, unexpected_and_mismatch);
	tcase_add_test(t, oversized);
	tcase_add_test(t, certificate_modes);
	tcase_add_test(t, bad_key_and_issue_failure);
	tcase_add_test(t, timeouts_and_abort);
	suite_add_tcase(s, t);
	return s;
}
