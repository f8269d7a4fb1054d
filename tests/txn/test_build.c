/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message builders: responses (RFC 3261 §8.2.6), ACK of a non-2xx
 * (§17.1.1.3), CANCEL (§9.1), reason phrases, random tokens. Every built
 * message goes back through our parser; three are compared with text
 * written by hand from the RFC rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Several Via values in one field plus a compact one, compact From/To/Call-ID. */
static const char REQ[] =
	"INVITE sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 198.51.100.1:5061;branch=z9hG4bKp1;received=203.0.113.1, "
	"SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKu1\r\n"
	"v: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKu2\r\n"
	"Max-Forwards: 69\r\n"
	"f: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
	"t: <sip:bob@example.com>\r\n"
	"i: a84b4c76e66710@pc33.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Route: <sip:p1.example.com;lr>\r\n"
	"Route: <sip:p2.example.com;lr>\r\n"
	"Content-Length: 0\r\n\r\n";

static const char RESP180[] =
	"SIP/2.0 180 Ringing\r\n"
	"Via: SIP/2.0/TLS 198.51.100.1:5061;branch=z9hG4bKp1;received=203.0.113.1, "
	"SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKu1\r\n"
	"Via: SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKu2\r\n"
	"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
	"To: <sip:bob@example.com>;tag=as8d\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:bob@192.0.2.4>\r\n"
	"Content-Length: 0\r\n\r\n";

static const char ACK486[] =
	"ACK sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 198.51.100.1:5061;branch=z9hG4bKp1;received=203.0.113.1\r\n"
	"Route: <sip:p1.example.com;lr>\r\n"
	"Route: <sip:p2.example.com;lr>\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
	"To: <sip:bob@example.com>;tag=as8d\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	"CSeq: 314159 ACK\r\n"
	"Content-Length: 0\r\n\r\n";

static const char CANCEL[] =
	"CANCEL sip:bob@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TLS 198.51.100.1:5061;branch=z9hG4bKp1;received=203.0.113.1\r\n"
	"Route: <sip:p1.example.com;lr>\r\n"
	"Route: <sip:p2.example.com;lr>\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n"
	"To: <sip:bob@example.com>\r\n"
	"Call-ID: a84b4c76e66710@pc33.example.com\r\n"
	"CSeq: 314159 CANCEL\r\n"
	"Content-Length: 0\r\n\r\n";

static struct sl_sip_msg req, out;
static char buf[4096];

static void parse_req(void)
{
	struct sl_sip_result r;

	ck_assert(sl_sip_parse(REQ, strlen(REQ), &req, &r) == SL_SIP_OK);
	ck_assert_uint_eq(req.nvia, 3);
}

static const struct sl_sip_msg *reparse(int n)
{
	struct sl_sip_result r;

	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(strlen(buf), (size_t)n);
	ck_assert_msg(sl_sip_parse(buf, (size_t)n, &out, &r) == SL_SIP_OK,
		      "built message does not parse: %s\n%s", r.reason, buf);
	return &out;
}

static bool eq(struct sl_sip_str s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

START_TEST(response_exact)
{
	int n;
	const struct sl_sip_msg *m;

	parse_req();
	n = sl_sip_build_response(buf, sizeof(buf), &req, 180, NULL, "as8d",
				  "Contact: <sip:bob@192.0.2.4>\r\n", NULL, NULL, 0);
	ck_assert_str_eq(buf, RESP180);
	m = reparse(n);
	ck_assert_int_eq(m->status, 180);
	ck_assert_uint_eq(m->nvia, 3);	/* every Via, same order */
	ck_assert(eq(m->via[0].branch, "z9hG4bKp1"));
	ck_assert(eq(m->via[1].branch, "z9hG4bKu1"));
	ck_assert(eq(m->via[2].branch, "z9hG4bKu2"));
	ck_assert(m->to.has_tag && eq(m->to.tag, "as8d"));
	ck_assert_uint_eq(m->ncontact, 1);
	/* every shorter buffer: -ENOSPC, nothing claimed */
	for (size_t cap = 1; cap <= (size_t)n; cap++)
		ck_assert_int_eq(sl_sip_build_response(buf, cap, &req, 180, NULL, "as8d",
			"Contact: <sip:bob@192.0.2.4>\r\n", NULL, NULL, 0), -ENOSPC);
}
END_TEST

START_TEST(response_variants)
{
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.4\r\n";
	const struct sl_sip_msg *m;
	int n;

	parse_req();
	/* 100: no tag (§8.2.6.2) */
	m = reparse(sl_sip_build_response(buf, sizeof(buf), &req, 100, NULL, "as8d", NULL,
					  NULL, NULL, 0));
	ck_assert(!m->to.has_tag);
	ck_assert(eq(m->reason, "Trying"));
	/* a body, own reason phrase */
	n = sl_sip_build_response(buf, sizeof(buf), &req, 200, "Fine", "as8d", NULL,
				  "application/sdp", sdp, strlen(sdp));
	m = reparse(n);
	ck_assert(eq(m->reason, "Fine"));
	ck_assert(eq(m->ctype, "application") && eq(m->csubtype, "sdp"));
	ck_assert_int_eq(m->content_length, (int64_t)strlen(sdp));
	ck_assert(eq(m->body, sdp));
	ck_assert(eq(m->cseq_method, "INVITE"));
	ck_assert_uint_eq(m->cseq, 314159);
	ck_assert(eq(m->call_id, "a84b4c76e66710@pc33.example.com"));
	/* a request that has a To tag keeps it, and only it */
	m = h_parse(h_req("BYE", "z9hG4bKx", "BYE", 5060, "old"),
		    strlen(h_req("BYE", "z9hG4bKx", "BYE", 5060, "old")));
	memcpy(&req, m, sizeof(req));
	m = reparse(sl_sip_build_response(buf, sizeof(buf), &req, 481, NULL, "new", NULL,
					  NULL, NULL, 0));
	ck_assert(eq(m->to.tag, "old"));
	ck_assert(strstr(buf, "new") == NULL);
	ck_assert(eq(m->reason, "Call/Transaction Does Not Exist"));
}
END_TEST

START_TEST(response_invalid)
{
	parse_req();
	ck_assert_int_eq(sl_sip_build_response(buf, sizeof(buf), &req, 99, NULL, NULL, NULL,
					       NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(sl_sip_build_response(buf, sizeof(buf), &req, 700, NULL, NULL, NULL,
					       NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(sl_sip_build_response(buf, sizeof(buf), &req, 200, "OK\r\nX: y", NULL,
					       NULL, NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(sl_sip_build_response(buf, sizeof(buf), &req, 200, NULL, "a b", NULL,
					       NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(sl_sip_build_response(buf, sizeof(buf), &req, 200, NULL, NULL,
					       "X: no crlf", NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(sl_sip_build_response(buf, sizeof(buf), &req, 200, NULL, NULL,
					       "X: y\r\n\r\nbody", NULL, NULL, 0), -EINVAL);
	ck_assert_int_eq(sl_sip_build_response(buf, sizeof(buf), &req, 200, NULL, NULL, NULL,
					       NULL, "v=0", 3), -EINVAL);
}
END_TEST

START_TEST(ack_and_cancel_exact)
{
	static struct sl_sip_msg resp;
	struct sl_sip_result r;
	char rb[4096];
	const struct sl_sip_msg *m;
	int n;

	parse_req();
	n = sl_sip_build_response(rb, sizeof(rb), &req, 486, NULL, "as8d", NULL, NULL, NULL, 0);
	ck_assert_int_gt(n, 0);
	ck_assert(sl_sip_parse(rb, (size_t)n, &resp, &r) == SL_SIP_OK);

	n = sl_sip_build_ack_non2xx(buf, sizeof(buf), &req, &resp);
	ck_assert_str_eq(buf, ACK486);
	m = reparse(n);
	ck_assert_uint_eq(m->nvia, 1);
	ck_assert_uint_eq(m->nroute, 2);
	ck_assert(eq(m->method, "ACK"));
	ck_assert_int_eq(sl_sip_build_ack_non2xx(buf, 10, &req, &resp), -ENOSPC);

	n = sl_sip_build_cancel(buf, sizeof(buf), &req);
	ck_assert_str_eq(buf, CANCEL);
	m = reparse(n);
	ck_assert(eq(m->method, "CANCEL"));
	ck_assert(!m->to.has_tag);

	/* the ACK of a 2xx is the TU's; CANCEL/ACK only for an INVITE */
	n = sl_sip_build_response(rb, sizeof(rb), &req, 200, NULL, "as8d", NULL, NULL, NULL, 0);
	ck_assert(sl_sip_parse(rb, (size_t)n, &resp, &r) == SL_SIP_OK);
	ck_assert_int_eq(sl_sip_build_ack_non2xx(buf, sizeof(buf), &req, &resp), -EINVAL);
	memcpy(&req, h_parse(h_req("BYE", "z9hG4bKx", "BYE", 5060, "a"),
			     strlen(h_req("BYE", "z9hG4bKx", "BYE", 5060, "a"))), sizeof(req));
	ck_assert_int_eq(sl_sip_build_cancel(buf, sizeof(buf), &req), -EINVAL);
}
END_TEST

static bool token_chars(const char *s)
{
	for (; *s; s++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.", *s)
		    == NULL)
			return false;
	return true;
}

START_TEST(random_tokens)
{
	char b[16][32], tag[24], cid[48], text[1024];
	const struct sl_sip_msg *m;

	for (int i = 0; i < 16; i++) {
		sl_sip_new_branch(b[i]);
		ck_assert_uint_eq(strlen(b[i]), 29);
		ck_assert(strncmp(b[i], "z9hG4bK", 7) == 0);
		ck_assert(token_chars(b[i] + 7));
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(b[i], b[j]);
	}
	sl_sip_new_tag(tag);
	ck_assert_uint_eq(strlen(tag), 20);
	ck_assert(token_chars(tag));
	sl_sip_new_callid(cid, "192.0.2.1");
	ck_assert_uint_eq(strlen(cid), 30);
	ck_assert_str_eq(cid + 20, "@192.0.2.1");
	/* they make a message our parser accepts, branch with the cookie */
	snprintf(text, sizeof(text),
		 "OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=%s\r\n"
		 "From: <sip:a@b>;tag=%s\r\nTo: <sip:x@example.com>\r\nCall-ID: %s\r\n"
		 "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", b[0], tag, cid);
	m = h_parse(text, strlen(text));
	ck_assert(m->via[0].rfc3261_branch);
	ck_assert(eq(m->from.tag, tag));
	ck_assert(eq(m->call_id, cid));
	/* no host, a host too long, a host with a space: random only */
	sl_sip_new_callid(cid, NULL);
	ck_assert_uint_eq(strlen(cid), 32);
	sl_sip_new_callid(cid, "a-very-long-host-name.example.com");
	ck_assert_uint_eq(strlen(cid), 32);
	ck_assert(strchr(cid, '@') == NULL);
	sl_sip_new_callid(cid, "bad host");
	ck_assert(strchr(cid, '@') == NULL);
	sl_sip_new_callid(cid, "[2001:db8::1]");
	ck_assert_str_eq(cid + 20, "@[2001:db8::1]");
}
END_TEST

START_TEST(reasons)
{
	ck_assert_str_eq(sl_sip_reason(200), "OK");
	ck_assert_str_eq(sl_sip_reason(401), "Unauthorized");
	ck_assert_str_eq(sl_sip_reason(487), "Request Terminated");
	ck_assert_str_eq(sl_sip_reason(503), "Service Unavailable");
	ck_assert_str_eq(sl_sip_reason(999), "Unknown");
	ck_assert_str_eq(sl_sip_reason(0), "Unknown");
}
END_TEST

Suite *build_suite(void)
{
	Suite *s = suite_create("build");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, response_exact);
	tcase_add_test(tc, response_variants);
	tcase_add_test(tc, response_invalid);
	tcase_add_test(tc, ack_and_cancel_exact);
	tcase_add_test(tc, random_tokens);
	tcase_add_test(tc, reasons);
	suite_add_tcase(s, tc);
	return s;
}
