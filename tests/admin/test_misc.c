/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pieces under the commands: framing (admin_proto.c), UTF-8 checks,
 * the JSON writer and a strict JSON syntax checker used by the other tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "test_admin.h"

/* ---- strict JSON checker (RFC 8259 grammar) ---- */

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *value(const char *p, int depth);

static const char *string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 5;
				continue;
			}
			if (!*p || !strchr("\"\\/bfnrt", *p))
				return NULL;
		}
		p++;
	}
	return p + 1;
}

static const char *number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *container(const char *p, int depth, char close, bool obj)
{
	p = ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			p = string(ws(p));
			if (!p || *(p = ws(p)) != ':')
				return NULL;
			p++;
		}
		p = value(p, depth + 1);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
}

static const char *value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = ws(p);
	switch (*p) {
	case '{': return container(p, depth, '}', true);
	case '[': return container(p, depth, ']', false);
	case '"': return string(p);
	case 't': return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f': return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n': return strncmp(p, "null", 4) ? NULL : p + 4;
	default: return number(p);
	}
}

bool json_valid(const char *s)
{
	const char *end = s ? value(s, 0) : NULL;

	return end && *ws(end) == '\0' && sl_admin_utf8_valid(s, strlen(s));
}

START_TEST(json_checker_rejects)
{
	/* The checker itself must fail on broken documents, or the JSON
	 * assertions elsewhere prove nothing. */
	ck_assert(json_valid("{\"a\":[1,2.5e3,true,null,\"x\\n\"]}\n"));
	ck_assert(!json_valid("{\"a\":1,}"));
	ck_assert(!json_valid("{\"a\" 1}"));
	ck_assert(!json_valid("[1] [2]"));
	ck_assert(!json_valid("\"tab\there\""));
	ck_assert(!json_valid("\"\\x\""));
	ck_assert(!json_valid("01"));
	ck_assert(!json_valid("\"\xff\""));
	ck_assert(!json_valid(""));
}
END_TEST

START_TEST(json_writer_escapes)
{
	struct sl_admin_out o;
	struct jw w;

	sl_admin_out_init(&o);
	jw_init(&w, &o);
	jw_obj(&w, NULL);
	jw_str(&w, "q", "say \"hi\"\\ \n\r\t\x01\x1f end");
	jw_str(&w, "utf8", "Zoë €𝄞");
	jw_str(&w, "bad", "a\xff" "b\xc3");		/* invalid bytes -> U+FFFD */
	jw_str(&w, "overlong", "\xc0\xaf");		/* RFC 3629 §3: overlong '/' */
	jw_str(&w, "surrogate", "\xed\xa0\x80");	/* U+D800 in UTF-8 */
	jw_str(&w, "nul", NULL);
	jw_int(&w, "neg", -5);
	jw_uint(&w, "big", UINT64_MAX);
	jw_arr(&w, "e");
	jw_end_arr(&w);
	jw_arr(&w, "l");
	jw_bool(&w, NULL, true);
	jw_obj(&w, NULL);
	jw_end_obj(&w);
	jw_end_arr(&w);
	jw_end_obj(&w);
	ck_assert_str_eq(o.buf,
		"{\"q\":\"say \\\"hi\\\"\\\\ \\n\\r\\t\\u0001\\u001f end\",\"utf8\":\"Zoë €𝄞\","
		"\"bad\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd\",\"overlong\":\"\xef\xbf\xbd\xef\xbf\xbd\","
		"\"surrogate\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\",\"nul\":null,\"neg\":-5,"
		"\"big\":18446744073709551615,\"e\":[],\"l\":[true,{}]}\n");
	ck_assert(json_valid(o.buf));
	sl_admin_out_free(&o);
}
END_TEST

START_TEST(utf8_validation)
{
	ck_assert(sl_admin_utf8_valid("plain", 5));
	ck_assert(sl_admin_utf8_valid("\xf4\x8f\xbf\xbf", 4));		/* U+10FFFF */
	ck_assert(!sl_admin_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	ck_assert(!sl_admin_utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	ck_assert(!sl_admin_utf8_valid("\xe2\x82", 2));			/* cut short */
	ck_assert(!sl_admin_utf8_valid("\x80", 1));
}
END_TEST

START_TEST(frame_round_trip)
{
	char *in[] = { "user", "add", "alice", "--display", "", "--password", "pw d" };
	char *out[SL_ADMIN_ARGC_MAX + 1], err[256];
	uint8_t *f;
	size_t len;
	uint32_t flags = 0;
	int argc;

	ck_assert_int_eq(sl_admin_req_encode(7, in, SL_ADMIN_F_JSON, &f, &len, err, sizeof(err)), 0);
	/* u32 len | u32 flags | strings: "user\0add\0alice\0--display\0\0--password\0pw d\0" */
	ck_assert_uint_eq(len, 4 + 4 + 5 + 4 + 6 + 10 + 1 + 11 + 5);
	ck_assert_uint_eq(sl_admin_get_u32(f), len - 4);
	ck_assert_uint_eq(sl_admin_get_u32(f + 4), SL_ADMIN_F_JSON);
	ck_assert_mem_eq(f + 8, "user\0add\0", 9);
	argc = sl_admin_req_decode(f + 4, len - 4, &flags, out, SL_ADMIN_ARGC_MAX + 1, err, sizeof(err));
	ck_assert_int_eq(argc, 7);
	ck_assert_uint_eq(flags, SL_ADMIN_F_JSON);
	for (int i = 0; i < 7; i++)
		ck_assert_str_eq(out[i], in[i]);
	ck_assert_ptr_null(out[7]);
	/* Damaged frames. */
	f[len - 1] = 'x';
	ck_assert_int_eq(sl_admin_req_decode(f + 4, len - 4, &flags, out, 65, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not NUL-terminated"));
	f[len - 1] = '\0';
	f[7] = 0x80;
	ck_assert_int_eq(sl_admin_req_decode(f + 4, len - 4, &flags, out, 65, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown request flags"));
	f[7] = 1;
	f[9] = (uint8_t)0xff;
	ck_assert_int_eq(sl_admin_req_decode(f + 4, len - 4, &flags, out, 65, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "argument 1 of the request is not valid UTF-8"));
	ck_assert_int_eq(sl_admin_req_decode(f + 4, 3, &flags, out, 65, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sl_admin_req_decode((uint8_t *)"\0\0\0\0\0\0", 6, &flags, out, 65, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "empty command"));
	ck_assert_int_eq(sl_admin_req_decode(f + 4, len - 4, &flags, out, 3, err, sizeof(err)), -EINVAL);
	free(f);
	ck_assert_int_eq(sl_admin_req_encode(0, in, 0, &f, &len, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(sl_admin_req_encode(1, in, 2, &f, &len, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(output_limit)
{
	struct sl_admin_out o;
	static char big[64 * 1024];

	memset(big, 'x', sizeof(big) - 1);
	sl_admin_out_init(&o);
	for (int i = 0; i < 17; i++)
		sl_admin_out_puts(&o, big);
	ck_assert(o.failed);
	ck_assert_uint_le(o.len, SL_ADMIN_FRAME_MAX);
	sl_admin_out_free(&o);
}
END_TEST

START_TEST(table_alignment)
{
	static const char *const hdr[] = { "A", "WIDE", "C" };
	struct sl_admin_out o;
	struct tbl t;

	sl_admin_out_init(&o);
	tbl_init(&t, 3, hdr);
	tbl_row(&t, "xyz", "Zoë", "");
	tbl_row(&t, "1", "tab\there", "last");
	tbl_print(&t, &o);
	ck_assert_str_eq(o.buf,
		"A    WIDE      C\n"
		"xyz  Zoë\n"
		"1    tab?here  last\n");
	sl_admin_out_free(&o);
}
END_TEST

TCase *tc_misc(void)
{
	TCase *tc = tcase_create("misc");

	tcase_add_test(tc, json_checker_rejects);
	tcase_add_test(tc, json_writer_escapes);
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, frame_round_trip);
	tcase_add_test(tc, output_limit);
	tcase_add_test(tc, table_alignment);
	return tc;
}
