/* SPDX-License-Identifier: BSD-3-Clause */
/* cpmsg framing over a SOCK_SEQPACKET socketpair. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cpmsg.h"
#include "store.h"
#include "test_conf.h"

static int sv[2];
static unsigned char *buf;

static void setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	buf = malloc(SL_CP_MAX_BODY + 64);
	ck_assert_ptr_nonnull(buf);
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
	free(buf);
}

/* Sends a raw packet: header fields as given, then n body bytes. */
static void send_raw(uint32_t type, uint32_t len, const void *body, size_t n)
{
	size_t total = sizeof(struct sl_cp_hdr) + n;
	unsigned char *pkt = malloc(total);
	struct sl_cp_hdr h = { .type = type, .len = len };
	int sndbuf = (int)total + 4096;

	ck_assert_ptr_nonnull(pkt);
	memcpy(pkt, &h, sizeof(h));
	if (n)
		memcpy(pkt + sizeof(h), body, n);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	ck_assert_int_eq(send(sv[0], pkt, total, 0), (ssize_t)total);
	free(pkt);
}

static int recv1(unsigned *type, size_t *len)
{
	return sl_cp_recv(sv[1], type, buf, SL_CP_MAX_BODY + 64, len);
}

START_TEST(sizes)
{
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_CONF), (long)sizeof(struct sl_conf));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_CA_INIT), (long)sizeof(struct sl_cp_ca_init));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_USER), (long)sizeof(struct sl_user));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_CRED), (long)sizeof(struct sl_cred));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_DEVICE), (long)sizeof(struct sl_cp_device));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_TRUNK), (long)sizeof(struct sl_trunk));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_TRUNK_CRED), (long)sizeof(struct sl_trunk_cred));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_QUERY), (long)sizeof(struct sl_cp_query));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_REG_PUT), (long)sizeof(struct sl_registration));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_REG_DEL), (long)sizeof(struct sl_registration));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_CALL_PUT), (long)sizeof(struct sl_call));
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_DIR_BEGIN), 0);
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_DIR_END), 0);
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_RELOAD_TLS), -1);	/* header + PEMs */
	ck_assert_int_eq(sl_cp_body_size(SL_CP_SIP_READY), 0);
	ck_assert_int_eq(sl_cp_body_size(SL_CP_ERROR), -1);
	ck_assert_int_eq(sl_cp_body_size(SL_CP_CA_SIGN_CSR), -1);
	ck_assert_int_eq(sl_cp_body_size(SL_CP_CA_READY), -1);
	ck_assert_int_eq(sl_cp_body_size(SL_CP_CA_CERT), -1);
	ck_assert_int_eq(sl_cp_body_size(SL_CP_QUERY_REPLY), -1);
	ck_assert_str_eq(sl_cp_type_name(SL_CP_SIP_CONF), "SIP_CONF");
	ck_assert_str_eq(sl_cp_type_name(SL_CP_QUERY_REPLY), "QUERY_REPLY");
	ck_assert_str_eq(sl_cp_type_name(SL_CP__COUNT), "UNKNOWN");
	ck_assert_str_eq(sl_cp_type_name(SL_CP_NONE), "UNKNOWN");
}
END_TEST

START_TEST(round_trip)
{
	struct sl_cp_query q = { .id = 7, .what = 1 };
	struct sl_conf conf, *got;
	char err[256];
	unsigned type = 0;
	size_t len = 1;

	/* fixed size */
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_QUERY, &q, sizeof(q)), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(type, SL_CP_SIP_QUERY);
	ck_assert_uint_eq(len, sizeof(q));
	ck_assert_mem_eq(buf, &q, sizeof(q));

	/* empty */
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_READY, NULL, 0), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(type, SL_CP_SIP_READY);
	ck_assert_uint_eq(len, 0);

	/* text: handed over NUL-terminated */
	memset(buf, 'X', 64);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_ERROR, "no CA", 5), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(type, SL_CP_ERROR);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq((char *)buf, "no CA");

	/* the configuration, as the parent sends it on SIGHUP */
	ck_assert_msg(sl_conf_load_string("t.conf", MIN_CONF "[sip]\nrealm = r1\n", &conf, err,
					  sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_CONF, &conf, sizeof(conf)), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(type, SL_CP_SIP_CONF);
	ck_assert_uint_eq(len, sizeof(conf));
	got = (struct sl_conf *)(void *)buf;
	ck_assert_str_eq(got->realm, "r1");

	/* struct + text */
	struct sl_cp_query_reply r = { .id = 7, .status = 0 };

	memcpy(buf + 1000, &r, sizeof(r));
	memcpy(buf + 1000 + sizeof(r), "tcp 3\n", 6);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_QUERY_REPLY, buf + 1000, sizeof(r) + 6), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(type, SL_CP_QUERY_REPLY);
	ck_assert_uint_eq(len, sizeof(r) + 6);
	ck_assert_mem_eq(buf + sizeof(r), "tcp 3\n", 6);
}
END_TEST

/* The largest body goes through in one packet (the send buffer is grown). */
START_TEST(max_body)
{
	char *pem = malloc(SL_CP_MAX_BODY);
	unsigned type;
	size_t len;

	ck_assert_ptr_nonnull(pem);
	for (size_t i = 0; i < SL_CP_MAX_BODY; i++)
		pem[i] = (char)('A' + i % 26);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_CA_CERT, pem, SL_CP_MAX_BODY), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(type, SL_CP_CA_CERT);
	ck_assert_uint_eq(len, SL_CP_MAX_BODY);
	ck_assert_mem_eq(buf, pem, SL_CP_MAX_BODY);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_CA_CERT, pem, SL_CP_MAX_BODY + 1), -EMSGSIZE);
	free(pem);
}
END_TEST

START_TEST(send_checks)
{
	struct sl_cp_query q = { 0 };

	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_QUERY, &q, sizeof(q) - 1), -EINVAL);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP__COUNT, &q, sizeof(q)), -EINVAL);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_NONE, NULL, 0), -EINVAL);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_READY, &q, 1), -EINVAL);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_ERROR, NULL, 3), -EINVAL);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_ERROR, "a\0b", 3), -EINVAL);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_ERROR, "ab\0", 3), 0);	/* final NUL is fine */
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_QUERY_REPLY, &q, 4), -EINVAL);
	ck_assert_int_eq(sl_cp_send(-1, SL_CP_SIP_READY, NULL, 0), -EBADF);
}
END_TEST

START_TEST(unknown_type)
{
	unsigned type;
	size_t len;

	send_raw(SL_CP__COUNT, 0, NULL, 0);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	send_raw(SL_CP_NONE, 0, NULL, 0);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	send_raw(0xffffffffu, 0, NULL, 0);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
}
END_TEST

START_TEST(wrong_size)
{
	unsigned char body[64] = { 0 };
	unsigned type;
	size_t len;

	/* fixed-size type, short and long */
	send_raw(SL_CP_SIP_QUERY, 3, body, 3);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	send_raw(SL_CP_SIP_QUERY, sizeof(struct sl_cp_query) + 1, body, sizeof(struct sl_cp_query) + 1);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	/* empty type with a body */
	send_raw(SL_CP_SIP_DIR_END, 1, body, 1);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	/* header length disagrees with the packet */
	send_raw(SL_CP_SIP_QUERY, sizeof(struct sl_cp_query), body, 4);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	/* shorter than a header */
	ck_assert_int_eq(send(sv[0], body, 5, 0), 5);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	/* reply shorter than its struct */
	send_raw(SL_CP_QUERY_REPLY, 4, body, 4);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	/* text with an embedded NUL */
	send_raw(SL_CP_CA_SIGN_CSR, 3, "a\0b", 3);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	send_raw(SL_CP_CA_SIGN_CSR, 3, "ab\0", 3);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(len, 3);
}
END_TEST

/* Directory records travel as arrays: 1..n whole records per packet. */
START_TEST(record_arrays)
{
	const size_t rs = sizeof(struct sl_cp_device);
	size_t most = SL_CP_MAX_BODY / rs * rs;
	unsigned char *body = calloc(1, most + rs);
	unsigned type;
	size_t len;

	ck_assert_ptr_nonnull(body);
	for (size_t i = 0; i < 3; i++)
		snprintf((char *)body + i * rs, 8, "dev%zu", i);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_DEVICE, body, 3 * rs), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(type, SL_CP_SIP_DEVICE);
	ck_assert_uint_eq(len, 3 * rs);
	ck_assert_str_eq((char *)buf + 2 * rs, "dev2");
	/* as many as fit under SL_CP_MAX_BODY */
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_DEVICE, body, most), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(len, most);
	/* refused by the sender: a partial record, none, one past the limit */
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_DEVICE, body, rs + 1), -EINVAL);
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_DEVICE, NULL, 0), -EINVAL);
	ck_assert_int_lt(sl_cp_send(sv[0], SL_CP_SIP_DEVICE, body, most + rs), 0);
	/* and by the receiver */
	send_raw(SL_CP_SIP_CRED, sizeof(struct sl_cred) * 2 - 1, body,
		 sizeof(struct sl_cred) * 2 - 1);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	send_raw(SL_CP_SIP_USER, 0, body, 0);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	free(body);
}
END_TEST

START_TEST(oversized)
{
	unsigned char *big = calloc(1, SL_CP_MAX_BODY + 1);
	unsigned type;
	size_t len;

	ck_assert_ptr_nonnull(big);
	/* over the limit, though the buffer could hold it */
	send_raw(SL_CP_CA_CERT, SL_CP_MAX_BODY + 1, big, SL_CP_MAX_BODY + 1);
	ck_assert_int_eq(recv1(&type, &len), -EPROTO);
	/* larger than the caller's buffer: truncated */
	send_raw(SL_CP_CA_CERT, 100, big, 100);
	ck_assert_int_eq(sl_cp_recv(sv[1], &type, buf, 99, &len), -EPROTO);
	/* the next message is unaffected */
	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_READY, NULL, 0), 0);
	ck_assert_int_eq(recv1(&type, &len), 1);
	ck_assert_uint_eq(type, SL_CP_SIP_READY);
	free(big);
}
END_TEST

START_TEST(orderly_close)
{
	unsigned type;
	size_t len;

	ck_assert_int_eq(sl_cp_send(sv[0], SL_CP_SIP_READY, NULL, 0), 0);
	close(sv[0]);
	sv[0] = -1;
	ck_assert_int_eq(recv1(&type, &len), 1);	/* queued message first */
	ck_assert_int_eq(recv1(&type, &len), 0);
	ck_assert_int_eq(sl_cp_send(sv[1], SL_CP_SIP_READY, NULL, 0), -EPIPE);
}
END_TEST

TCase *tcase_cpmsg(void)
{
	TCase *tc = tcase_create("cpmsg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, max_body);
	tcase_add_test(tc, send_checks);
	tcase_add_test(tc, unknown_type);
	tcase_add_test(tc, wrong_size);
	tcase_add_test(tc, record_arrays);
	tcase_add_test(tc, oversized);
	tcase_add_test(tc, orderly_close);
	return tc;
}
