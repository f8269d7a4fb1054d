/* SPDX-License-Identifier: BSD-3-Clause */
/* Authorization credential parsing and challenge formatting. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "test_auth.h"

#define RESP32 "8ca523f5e9506fed4657c9700eebdbec"
#define GOOD "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", " \
	"uri=\"/dir/index.html\", algorithm=MD5, " \
	"nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, " \
	"cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, " \
	"response=\"" RESP32 "\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""

static int parse(const char *s, struct sl_digest_creds *c, char *err,
		 size_t errlen)
{
	return sl_digest_parse_creds(s, strlen(s), c, err, errlen);
}

/* Parsing fails and the message contains want. */
static void refused(const char *s, const char *want)
{
	struct sl_digest_creds c;
	char err[256] = "";

	ck_assert_msg(parse(s, &c, err, sizeof(err)) < 0, "accepted: %s", s);
	ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'",
		      err, want);
	ck_assert_str_eq(c.username, "");
}

START_TEST(parse_rfc7616)
{
	struct sl_digest_creds c;
	char err[256];

	ck_assert_int_eq(parse(GOOD, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.username, "Mufasa");
	ck_assert_str_eq(c.realm, "http-auth@example.org");
	ck_assert_str_eq(c.uri, "/dir/index.html");
	ck_assert_str_eq(c.response, RESP32);
	ck_assert_int_eq(c.alg, SL_DIGEST_MD5);
	ck_assert_uint_eq(c.nc, 1);
	ck_assert(c.has_opaque);
	ck_assert_str_eq(c.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
}
END_TEST

START_TEST(parse_lenient_forms)
{
	struct sl_digest_creds c;
	char err[256];
	/* Folded whitespace, case, quoted qop, escapes, unknown params,
	 * uppercase hex, algorithm absent (MD5, RFC 7616 §3.3). */
	const char *s = "  digest\tUserName = \"a\\\"l\\\\ice\" ,\r\n realm=\"r\","
		"NONCE=\"n\", uri=\"sip:r\", response=\"8CA523F5E9506FED4657C9700EEBDBEC\","
		" qop=\"auth\", nc=0000000A, cnonce=c1, foo=\"bar, baz\", x=y,"
		" userhash=false  ";

	ck_assert_msg(parse(s, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.username, "a\"l\\ice");
	ck_assert_str_eq(c.response, RESP32);
	ck_assert_uint_eq(c.nc, 10);
	ck_assert_int_eq(c.alg, SL_DIGEST_MD5);
	ck_assert_str_eq(c.algname, "MD5");
	ck_assert(!c.has_opaque);
	ck_assert_str_eq(c.cnonce, "c1");
}
END_TEST

START_TEST(parse_algorithms)
{
	struct sl_digest_creds c;
	char err[256], buf[1024];

	snprintf(buf, sizeof(buf), "Digest username=\"u\", realm=\"r\", nonce=\"n\","
		 " uri=\"u\", response=\"%s%s\", qop=auth, nc=00000001, cnonce=\"c\","
		 " algorithm=sha-256", RESP32, RESP32);
	ck_assert_int_eq(parse(buf, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.alg, SL_DIGEST_SHA256);
	snprintf(buf, sizeof(buf), "Digest username=\"u\", realm=\"r\", nonce=\"n\","
		 " uri=\"u\", response=\"%s\", qop=auth, nc=00000001, cnonce=\"c\","
		 " algorithm=MD5-sess", RESP32);
	ck_assert_int_eq(parse(buf, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.alg, SL_DIGEST_ALG_UNSUPPORTED);
	ck_assert_str_eq(c.algname, "MD5-sess");
}
END_TEST

#define BASE "username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", " \
	"response=\"" RESP32 "\""

START_TEST(parse_errors)
{
	char big[4096];

	refused("", "empty credentials");
	refused("Basic dXNlcjpwYXNz", "not of scheme Digest");
	refused("Digest", "whitespace after 'Digest'");
	refused("Digest " BASE ", qop=auth, nc=00000001, cnonce=\"c\", realm=\"r\"",
		"'realm' appears twice");
	refused("Digest " BASE ", nc=00000001, cnonce=\"c\"",
		"RFC 2069");
	refused("Digest " BASE ", qop=auth", "cnonce and nc");
	refused("Digest " BASE ", qop=auth-int, nc=00000001, cnonce=c",
		"qop must be 'auth'");
	refused("Digest " BASE ", qop=auth, nc=1, cnonce=c", "8 hex digits");
	refused("Digest " BASE ", qop=auth, nc=0000000g, cnonce=c", "8 hex digits");
	refused("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", "
		"response=\"xyz\", qop=auth, nc=00000001, cnonce=c",
		"32 (MD5) or 64");
	refused("Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\""
		RESP32 "\", qop=auth, nc=00000001, cnonce=c",
		"username parameter is missing");
	refused("Digest " BASE ", qop=auth, nc=00000001, cnonce=c, userhash=true",
		"userhash");
	refused("Digest " BASE ", qop=auth, nc=00000001, cnonce=c, "
		"username*=UTF-8''J%C3%A4s", "username*");
	refused("Digest username=\"u", "not closed");
	refused("Digest username=\"u\\", "backslash");
	refused("Digest username=\"u\nx\"", "line break");
	refused("Digest username=\"u\x01\"", "control character");
	refused("Digest username \"u\"", "expected '='");
	refused("Digest username=\"u\" realm=\"r\"", "expected ','");
	refused("Digest username=\"u\",", "parameter name");
	refused("Digest username=\"\", realm=\"r\"", "username is empty");
	refused("Digest username=, realm=r", "expected username");
	/* Length limits. */
	memset(big, 'a', 600);
	memcpy(big, "Digest uri=\"", 12);
	strcpy(big + 600, "\"");
	refused(big, "uri is longer than 512");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	refused(big, "more than the limit");
	/* Too many parameters. */
	big[0] = '\0';
	strcat(big, "Digest ");
	for (int i = 0; i < 40; i++)
		strcat(big, "a=b, ");
	strcat(big, "a=b");
	refused(big, "more than 32 parameters");
}
END_TEST

START_TEST(parse_nul_byte)
{
	struct sl_digest_creds c;
	char err[128];
	const char s[] = "Digest username=\"a\0b\"";

	ck_assert_int_lt(sl_digest_parse_creds(s, sizeof(s) - 1, &c, err,
					       sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
}
END_TEST

START_TEST(challenge_both)
{
	enum sl_digest_alg algs[2];
	char out[512], err[256];
	int n;

	/* RFC 8760 §2.4: SHA-256 first, then MD5. */
	ck_assert_uint_eq(sl_digest_challenge_algs(
		SL_DIGEST_ALG_BIT(SL_DIGEST_MD5) |
		SL_DIGEST_ALG_BIT(SL_DIGEST_SHA256), algs), 2);
	ck_assert_int_eq(algs[0], SL_DIGEST_SHA256);
	ck_assert_int_eq(algs[1], SL_DIGEST_MD5);
	ck_assert_uint_eq(sl_digest_challenge_algs(
		SL_DIGEST_ALG_BIT(SL_DIGEST_MD5), algs), 1);
	ck_assert_int_eq(algs[0], SL_DIGEST_MD5);

	n = sl_digest_challenge_format(out, sizeof(out), SL_DIGEST_SHA256,
				       "shieldlock.example", "abc", "op", false,
				       err, sizeof(err));
	ck_assert_int_eq(n, (int)strlen(out));
	ck_assert_str_eq(out, "Digest realm=\"shieldlock.example\", qop=\"auth\", "
			 "nonce=\"abc\", opaque=\"op\", algorithm=SHA-256");
	n = sl_digest_challenge_format(out, sizeof(out), SL_DIGEST_MD5,
				       "a\"b", "abc", NULL, true, err,
				       sizeof(err));
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(out, "Digest realm=\"a\\\"b\", qop=\"auth\", "
			 "nonce=\"abc\", algorithm=MD5, stale=true");
}
END_TEST

START_TEST(challenge_errors)
{
	char out[64], err[256];

	ck_assert_int_eq(sl_digest_challenge_format(out, 20, SL_DIGEST_MD5, "r",
						    "n", NULL, false, err,
						    sizeof(err)), -ENOSPC);
	ck_assert_ptr_nonnull(strstr(err, "does not fit"));
	ck_assert_int_lt(sl_digest_challenge_format(out, sizeof(out),
						    SL_DIGEST_MD5, "r\r\nX: y",
						    "n", NULL, false, err,
						    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "control characters"));
	ck_assert_int_lt(sl_digest_challenge_format(out, sizeof(out),
						    SL_DIGEST_ALG_UNSUPPORTED,
						    "r", "n", NULL, false, err,
						    sizeof(err)), 0);
}
END_TEST

TCase *tcase_parse(void)
{
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, parse_rfc7616);
	tcase_add_test(tc, parse_lenient_forms);
	tcase_add_test(tc, parse_algorithms);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, parse_nul_byte);
	return tc;
}

TCase *tcase_challenge(void)
{
	TCase *tc = tcase_create("challenge");

	tcase_add_test(tc, challenge_both);
	tcase_add_test(tc, challenge_errors);
	return tc;
}
