/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP parser on the RFC 4475 torture messages (every message of
 * rfc4475/INDEX.tsv gets the verdict the RFC gives, and at least one field
 * the RFC calls out is checked), plus stream framing, limits, compact forms
 * and URIs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip.h"

static struct sl_sip_msg msg;
static char file[SL_SIP_MAX_MSG + 1];
static size_t file_len;

static const char *const options[] = { "100rel", "timer" };
static const char *const types[] = { "application/sdp", "multipart/mixed" };
static const struct sl_sip_policy uas = {
	SL_SIP_ROLE_UAS, options, 2, types, 2
};
static const struct sl_sip_policy proxy = {
	SL_SIP_ROLE_PROXY, options, 2, types, 2
};

static void load(const char *name)
{
	const char *dir = getenv("SL_SIP_RFC4475");
	char path[512];
	FILE *f;

	ck_assert_msg(dir != NULL, "SL_SIP_RFC4475 names tests/sip/rfc4475");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	file_len = fread(file, 1, sizeof(file) - 1, f);
	fclose(f);
}

static bool eq(struct sl_sip_str s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

#define ck_str(s, lit) ck_assert_msg(eq((s), (lit)), "%s is '%.*s', want '%s'", \
	#s, (int)(s).n, (s).p, (lit))

/* The unescaped form of s equals the n bytes of want. */
static void ck_unesc(struct sl_sip_str s, const char *want, size_t n)
{
	char out[256];
	long r = sl_sip_unescape(s, out, sizeof(out));

	ck_assert_int_eq(r, (long)n);
	ck_assert(memcmp(out, want, n) == 0);
}

static const struct sl_sip_header *find(const char *name)
{
	for (unsigned int i = 0; i < msg.nhdr; i++)
		if (sl_sip_str_ieq(msg.hdr[i].name, name))
			return &msg.hdr[i];
	return NULL;
}

/* ---- the distinctive fields of each valid message (RFC 4475 §3.1.1) ---- */

static void chk_wsinv(void)
{
	const struct sl_sip_header *h = find("NewFangledHeader");

	ck_str(msg.to.tag, "1918181833n");
	ck_str(msg.from.display, "\"J Rosenberg \\\\\\\"\"");
	ck_str(msg.from.tag, "98asjd8");
	ck_assert_int_eq(msg.max_forwards, 68);
	ck_assert_uint_eq(msg.cseq, 9);
	ck_str(msg.cseq_method, "INVITE");
	ck_assert_uint_eq(msg.nvia, 3);
	ck_str(msg.via[0].transport, "UDP");
	ck_str(msg.via[0].host, "192.0.2.2");
	ck_str(msg.via[1].transport, "TCP");
	ck_str(msg.via[1].branch, "z9hG4bK9ikj8");
	ck_str(msg.via[2].host, "192.168.255.111");
	ck_str(msg.via[2].branch, "z9hG4bK30239");
	ck_assert_int_eq(msg.count[SL_SIP_H_SUBJECT], 1);	/* "s :" */
	ck_assert_uint_eq(msg.ncontact, 1);			/* "m:" */
	ck_str(msg.contact[0].display, "\"Quoted string \\\"\\\"\"");
	ck_assert_int_eq(msg.contact[0].q, 330);
	ck_assert_uint_eq(msg.nroute, 1);
	ck_assert(h != NULL && memmem(h->value.p, h->value.n,
	    "continued newfangled value", 26) != NULL);
	ck_assert_int_eq(msg.content_length, 150);
}

static void chk_intmeth(void)
{
	ck_str(msg.method, "!interesting-Method0123456789_*+`.%indeed'~");
	ck_str(msg.ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	ck_str(msg.ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	ck_str(msg.via[0].branch, "z9hG4bK-.!%66*_+`'~");
	ck_str(msg.from.tag, "_token~1'+`*%!-.");
	ck_str(msg.from.display, "token1~` token2'+_ token3*%!.-");
	ck_str(msg.call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
}

static void chk_esc01(void)
{
	ck_unesc(msg.ruri.user, "sips:user@example.com", 21);
	ck_unesc(msg.to.uri.user, "user", 4);
	ck_unesc(msg.from.uri.user, "I have spaces", 13);
	ck_unesc(msg.contact[0].uri.user, "caller", 6);
	ck_str(msg.contact[0].uri.params, "%6C%72;n%61me=v%61lue%25%34%31");
}

static void chk_escnull(void)
{
	ck_unesc(msg.to.uri.user, "null-\0-null", 11);
	ck_assert_uint_eq(msg.ncontact, 2);
	ck_unesc(msg.contact[1].uri.user, "\0\0", 2);
}

static void chk_esc02(void)
{
	/* %47 is not an escape in a method; C%6Fntact is not Contact */
	ck_str(msg.method, "RE%47IST%45R");
	ck_assert_uint_eq(msg.ncontact, 2);
	ck_str(msg.to.display, "\"%Z%45\"");
	ck_str(msg.via[0].branch, "z9hG4bK209%fzsnel234");
}

static void chk_lwsdisp(void)
{
	ck_str(msg.from.display, "caller");
	ck_str(msg.from.uri.host, "example.com");
}

static void chk_longreq(void)
{
	ck_assert_uint_ge(msg.to.display.n, 100);
	ck_assert_int_eq(msg.to.uri.port, 6000);
	ck_assert_uint_ge(msg.nvia, 20);
	ck_assert_uint_ge(msg.from.uri.user.n, 100);
	ck_assert_int_eq(msg.content_length, (int64_t)msg.body.n);
}

static void chk_dblreq(void)
{
	/* Content-Length: 0 ends the REGISTER; the INVITE after it is not
	 * part of this datagram's message (§3.1.1.8) */
	ck_str(msg.method, "REGISTER");
	ck_assert_uint_eq(msg.body.n, 0);
	ck_assert_uint_lt(msg.length, file_len);
}

static void chk_semiuri(void)
{
	ck_str(msg.ruri.user, "user;par=u%40example.net");
	ck_str(msg.ruri.host, "example.com");
	ck_assert_uint_eq(msg.ruri.params.n, 0);
}

static void chk_transports(void)
{
	static const char *const t[] = { "UDP", "SCTP", "TLS", "UNKNOWN", "TCP" };

	ck_assert_uint_eq(msg.nvia, 5);
	for (int i = 0; i < 5; i++)
		ck_str(msg.via[i].transport, t[i]);
}

static void chk_mpart01(void)
{
	ck_str(msg.ctype, "multipart");
	ck_str(msg.csubtype, "mixed");
	ck_assert_int_eq(msg.content_length, 553);
	ck_assert_uint_eq(msg.body.n, 553);
	ck_assert(memmem(msg.body.p, msg.body.n, "--7a9cbec02ceef655--", 20) != NULL);
}

static void chk_unreason(void)
{
	ck_assert_int_eq(msg.status, 200);
	ck_assert_uint_gt(msg.reason.n, 20);
	ck_assert(memcmp(msg.reason.p, "= 2**3 * 5**2 ", 14) == 0);
}

static void chk_noreason(void)
{
	ck_assert_int_eq(msg.status, 100);
	ck_assert_uint_eq(msg.reason.n, 0);
}

/* ---- parsed-but-refused and application-level messages ---- */

static void chk_baddate(void)
{
	ck_assert(find("Date") != NULL);	/* kept raw, not interpreted */
}

static void chk_badbranch(void)
{
	/* only the magic cookie: fall back to RFC 2543 matching (§3.2.1) */
	ck_str(msg.via[0].branch, "z9hG4bK");
	ck_assert(!msg.via[0].rfc3261_branch);
}

static void chk_unkscm(void)
{
	ck_assert_int_eq(msg.ruri.scheme, SL_SIP_SCHEME_OTHER);
	ck_str(msg.ruri.opaque, "totallyopaquecontent");
}

static void chk_novelsc(void)
{
	ck_str(msg.ruri.scheme_name, "soap.beep");
}

static void chk_unksm2(void)
{
	ck_str(msg.to.uri.scheme_name, "isbn");
	ck_str(msg.from.uri.scheme_name, "http");
	ck_str(msg.contact[0].uri.scheme_name, "name");
}

static void chk_bext01(void)
{
	struct sl_sip_result r;
	struct sl_sip_str u = { NULL, 0 };

	/* as a proxy it is Proxy-Require that fails */
	ck_assert_int_eq(sl_sip_validate(&msg, &proxy, &r, &u), SL_SIP_REPLY);
	ck_assert_int_eq(r.code, 420);
	ck_str(u, "noProxiesSupportThis, norDoAnyProxiesSupportThis");
}

static void chk_regaut01(void)
{
	unsigned int pos = 0;
	const struct sl_sip_header *h =
	    sl_sip_header_next(&msg, SL_SIP_H_AUTHORIZATION, &pos);

	/* the auth module answers 401 with a scheme it supports */
	ck_assert(h != NULL);
	ck_str(h->value, "NoOneKnowsThisScheme opaque-data=here");
}

static void chk_bcast(void)
{
	/* a response: never answered; the proxy layer must not forward it */
	ck_str(msg.via[1].host, "255.255.255.255");
}

static void chk_zeromf(void)
{
	struct sl_sip_result r;

	/* addressed to us (UAS) an OPTIONS with Max-Forwards 0 is answered */
	ck_assert_int_eq(msg.max_forwards, 0);
	ck_assert_int_eq(sl_sip_validate(&msg, &uas, &r, NULL), SL_SIP_OK);
}

static void chk_cparam01(void)
{
	ck_assert(!msg.contact[0].angle);
	ck_str(msg.contact[0].params, ";unknownparam");
	ck_assert_uint_eq(msg.contact[0].uri.params.n, 0);
}

static void chk_cparam02(void)
{
	ck_assert(msg.contact[0].angle);
	ck_str(msg.contact[0].uri.params, "unknownparam");
	ck_assert_uint_eq(msg.contact[0].params.n, 0);
}

static void chk_regescrt(void)
{
	ck_str(msg.contact[0].uri.headers, "Route=%3Csip:sip.example.com%3E");
}

static void chk_inv2543(void)
{
	ck_assert(!msg.via[0].has_branch);
	ck_assert_int_eq(msg.max_forwards, -1);
	ck_assert_uint_eq(msg.nrecord_route, 1);
}

static void chk_resp(void)
{
	ck_assert(!msg.is_request);
}

enum stage { PARSE, VALIDATE };

struct expect {
	const char *file;
	enum stage stage;	/* where the verdict comes from */
	enum sl_sip_verdict verdict;
	int code;
	const struct sl_sip_policy *pol;
	void (*check)(void);
};

/*
 * The verdicts, RFC 4475 section by section. Transaction and proxy behaviour
 * that the message alone cannot decide is left to those layers:
 *  - dblreq (§3.1.1.8): over UDP the INVITE after Content-Length is ignored;
 *    over a stream sl_sip_frame() frames the REGISTER alone.
 *  - trws (§3.1.2.10): the RFC allows rejecting or tolerating; we reject.
 *  - mismatch02 (§3.1.2.18): 400 for the CSeq mismatch (501 would also do).
 *  - badbranch (§3.2.1): parsed; the transaction layer falls back to RFC 2543
 *    matching (rfc3261_branch is false).
 *  - regaut01 (§3.3.7): parsed; the auth module challenges (401).
 *  - bcast (§3.3.10), scalarlg, bigcode, unreason, noreason: responses are
 *    never answered; bcast must not be forwarded (proxy layer).
 *  - zeromf (§3.3.11): 483 as a proxy; as the target UAS it is answered.
 *  - insuf (§3.3.1): 400 naming the first missing field.
 */
static const struct expect expects[] = {
	{ "wsinv.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_wsinv },
	{ "intmeth.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_intmeth },
	{ "esc01.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_esc01 },
	{ "escnull.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_escnull },
	{ "esc02.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_esc02 },
	{ "lwsdisp.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_lwsdisp },
	{ "longreq.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_longreq },
	{ "dblreq.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_dblreq },
	{ "semiuri.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_semiuri },
	{ "transports.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_transports },
	{ "mpart01.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_mpart01 },
	{ "unreason.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_unreason },
	{ "noreason.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_noreason },
	{ "badinv01.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "clerr.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "ncl.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "scalar02.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "scalarlg.dat", PARSE, SL_SIP_DROP, 0, &uas, chk_resp },
	{ "quotbal.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "ltgtruri.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "lwsruri.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "lwsstart.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "trws.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "escruri.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "baddate.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_baddate },
	{ "regbadct.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "badaspec.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "baddn.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "badvers.dat", PARSE, SL_SIP_REPLY, 505, &uas, NULL },
	{ "mismatch01.dat", VALIDATE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "mismatch02.dat", VALIDATE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "bigcode.dat", PARSE, SL_SIP_DROP, 0, &uas, chk_resp },
	{ "badbranch.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_badbranch },
	{ "insuf.dat", VALIDATE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "unkscm.dat", VALIDATE, SL_SIP_REPLY, 416, &uas, chk_unkscm },
	{ "novelsc.dat", VALIDATE, SL_SIP_REPLY, 416, &uas, chk_novelsc },
	{ "unksm2.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_unksm2 },
	{ "bext01.dat", VALIDATE, SL_SIP_REPLY, 420, &uas, chk_bext01 },
	{ "invut.dat", VALIDATE, SL_SIP_REPLY, 415, &uas, NULL },
	{ "regaut01.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_regaut01 },
	{ "multi01.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "mcl01.dat", PARSE, SL_SIP_REPLY, 400, &uas, NULL },
	{ "bcast.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_bcast },
	{ "zeromf.dat", VALIDATE, SL_SIP_REPLY, 483, &proxy, chk_zeromf },
	{ "cparam01.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_cparam01 },
	{ "cparam02.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_cparam02 },
	{ "regescrt.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_regescrt },
	{ "sdp01.dat", VALIDATE, SL_SIP_REPLY, 406, &uas, NULL },
	{ "inv2543.dat", VALIDATE, SL_SIP_OK, 0, &uas, chk_inv2543 },
};

static const struct expect *expect_for(const char *name)
{
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++)
		if (strcmp(expects[i].file, name) == 0)
			return &expects[i];
	return NULL;
}

/* Runs one message; true when the verdict is the expected one. */
static bool run_one(const struct expect *e)
{
	struct sl_sip_result r;
	enum sl_sip_verdict v;

	load(e->file);
	v = sl_sip_parse(file, file_len, &msg, &r);
	if (v == SL_SIP_OK && e->stage == VALIDATE)
		v = sl_sip_validate(&msg, e->pol, &r, NULL);
	printf("rfc4475: %-15s %s %d %s\n", e->file, v == SL_SIP_OK ? "ok" :
	    v == SL_SIP_REPLY ? "reply" : "drop", r.code, r.reason);
	if (v != e->verdict || r.code != e->code)
		return false;
	/* the fields are there even when the verdict is a refusal */
	if (e->check != NULL)
		e->check();
	return true;
}

START_TEST(rfc4475_all)
{
	const char *dir = getenv("SL_SIP_RFC4475");
	char path[512], line[512];
	unsigned int n = 0, good = 0;
	FILE *f;

	ck_assert(dir != NULL);
	snprintf(path, sizeof(path), "%s/INDEX.tsv", dir);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sect, *name, *save = NULL;
		const struct expect *e;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		sect = strtok_r(line, "\t", &save);
		name = strtok_r(NULL, "\t", &save);
		ck_assert(sect != NULL && name != NULL);
		e = expect_for(name);
		ck_assert_msg(e != NULL, "no expected verdict for %s (§%s)",
		    name, sect);
		n++;
		if (run_one(e))
			good++;
		else
			printf("rfc4475: %s (§%s) wrong verdict\n", name, sect);
	}
	fclose(f);
	printf("rfc4475: %u messages, %u verdicts as the RFC says\n", n, good);
	ck_assert_uint_eq(n, 49);
	ck_assert_uint_eq(good, n);
}
END_TEST

/* ---- stream framing (RFC 3261 §18.3) ---- */

static const char OPT[] =
	"OPTIONS sip:a@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP h.example.com;branch=z9hG4bKx1\r\n"
	"To: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\n"
	"Call-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
	"Content-Type: text/plain\r\n"
	"l:\r\n 5\r\n\r\nhello";

START_TEST(frame_split_every_byte)
{
	size_t n = strlen(OPT), len;
	const char *why;

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(sl_sip_frame(OPT, i, &len, &why),
		    SL_SIP_FRAME_MORE);
	ck_assert_int_eq(sl_sip_frame(OPT, n, &len, &why), SL_SIP_FRAME_MSG);
	ck_assert_uint_eq(len, n);
}
END_TEST

START_TEST(frame_two_messages)
{
	char buf[1024];
	size_t n = strlen(OPT), len;
	struct sl_sip_result r;
	const char *why;

	memcpy(buf, OPT, n);
	memcpy(buf + n, "\r\n\r\n", 4);		/* RFC 5626 ping between */
	memcpy(buf + n + 4, OPT, n);
	ck_assert_int_eq(sl_sip_frame(buf, 2 * n + 4, &len, &why), SL_SIP_FRAME_MSG);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(sl_sip_parse(buf, len, &msg, &r), SL_SIP_OK);
	ck_assert_uint_eq(msg.body.n, 5);
	ck_assert_int_eq(sl_sip_frame(buf + n, n + 4, &len, &why),
	    SL_SIP_FRAME_KEEPALIVE);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(sl_sip_frame(buf + n + 4, n, &len, &why), SL_SIP_FRAME_MSG);
	ck_assert_uint_eq(len, n);
}
END_TEST

static enum sl_sip_frame_status frame_str(const char *s)
{
	size_t len;
	const char *why;

	return sl_sip_frame(s, strlen(s), &len, &why);
}

START_TEST(frame_bad_content_length)
{
	ck_assert_int_eq(frame_str("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -5\r\n\r\n"),
	    SL_SIP_FRAME_BAD);
	ck_assert_int_eq(frame_str("OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n"),
	    SL_SIP_FRAME_BAD);
	ck_assert_int_eq(frame_str("OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\nx"),
	    SL_SIP_FRAME_BAD);
	ck_assert_int_eq(frame_str("OPTIONS sip:a@b SIP/2.0\r\nl: 99999999\r\n\r\n"),
	    SL_SIP_FRAME_BAD);
	ck_assert_int_eq(frame_str("OPTIONS sip:a@b SIP/2.0\r\nl: 3x\r\n\r\nabc"),
	    SL_SIP_FRAME_BAD);
	/* the name must match whole: "Content-Lengthy" is another header */
	ck_assert_int_eq(frame_str("OPTIONS sip:a@b SIP/2.0\r\nContent-Lengthy: 3\r\nl: 0\r\n\r\n"),
	    SL_SIP_FRAME_MSG);
}
END_TEST

START_TEST(frame_dblreq)
{
	size_t len;
	const char *why;
	struct sl_sip_result r;

	load("dblreq.dat");
	ck_assert_int_eq(sl_sip_frame(file, file_len, &len, &why), SL_SIP_FRAME_MSG);
	ck_assert_int_eq(sl_sip_parse(file, len, &msg, &r), SL_SIP_OK);
	ck_str(msg.method, "REGISTER");
	ck_assert_uint_eq(msg.length, len);
}
END_TEST

START_TEST(frame_header_too_large)
{
	static char big[SL_SIP_MAX_HDR_BYTES + 10];
	size_t len;
	const char *why;

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(sl_sip_frame(big, sizeof(big), &len, &why), SL_SIP_FRAME_BAD);
	ck_assert(why != NULL);
	ck_assert_int_eq(sl_sip_frame(big, 100, &len, &why), SL_SIP_FRAME_MORE);
}
END_TEST

/* ---- limits ---- */

static size_t build(char *buf, size_t cap, const char *extra_line,
    unsigned int repeat)
{
	size_t n = (size_t)snprintf(buf, cap, "OPTIONS sip:a@example.com SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\n"
	    "From: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n");

	for (unsigned int i = 0; i < repeat; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s\r\n", extra_line);
	n += (size_t)snprintf(buf + n, cap - n, "l: 0\r\n\r\n");
	ck_assert_uint_lt(n, cap);
	return n;
}

START_TEST(limits)
{
	static char buf[SL_SIP_MAX_MSG], line[SL_SIP_MAX_LINE + 16];
	struct sl_sip_result r;
	size_t n;

	n = build(buf, sizeof(buf), "X-A: b", 100);
	ck_assert_int_eq(sl_sip_parse(buf, n, &msg, &r), SL_SIP_OK);
	n = build(buf, sizeof(buf), "X-A: b", SL_SIP_MAX_HEADERS);
	ck_assert_int_eq(sl_sip_parse(buf, n, &msg, &r), SL_SIP_REPLY);
	ck_assert_int_eq(r.code, 513);
	memset(line, 'z', sizeof(line) - 1);
	memcpy(line, "X-Long: ", 8);
	n = build(buf, sizeof(buf), line, 1);
	ck_assert_int_eq(sl_sip_parse(buf, n, &msg, &r), SL_SIP_REPLY);
	ck_assert_int_eq(r.code, 513);
	line[4000] = '\0';
	n = build(buf, sizeof(buf), line, 5);	/* 20 kB of header */
	ck_assert_int_eq(sl_sip_parse(buf, n, &msg, &r), SL_SIP_REPLY);
	ck_assert_int_eq(r.code, 513);
	n = build(buf, sizeof(buf), "v: SIP/2.0/UDP a,SIP/2.0/UDP b,SIP/2.0/UDP c", 24);
	ck_assert_int_eq(sl_sip_parse(buf, n, &msg, &r), SL_SIP_REPLY);
	ck_assert_int_eq(r.code, 400);	/* 73 Via values > SL_SIP_MAX_VIA */
	n = build(buf, sizeof(buf), "v: SIP/2.0/UDP a,SIP/2.0/UDP b,SIP/2.0/UDP c", 23);
	ck_assert_int_eq(sl_sip_parse(buf, n, &msg, &r), SL_SIP_OK);
	ck_assert_uint_eq(msg.nvia, 70);
	/* garbage and responses are dropped, not answered */
	ck_assert_int_eq(sl_sip_parse("\x16\x03\x01hello\r\n\r\n", 11, &msg, &r),
	    SL_SIP_DROP);
	ck_assert_int_eq(sl_sip_parse("\r\n\r\n", 4, &msg, &r), SL_SIP_DROP);
	ck_assert_int_eq(sl_sip_parse("SIP/2.0 200 OK\r\nCSeq: x\r\n\r\n", 27,
	    &msg, &r), SL_SIP_DROP);
}
END_TEST

/* ---- compact forms (RFC 3261 §7.3.3) ---- */

START_TEST(compact_forms)
{
	static const char m[] =
	    "INVITE sip:bob@example.com SIP/2.0\r\n"
	    "v: SIP/2.0/UDP h.example.com:5062;branch=z9hG4bKab;rport;received=192.0.2.9;ttl=16;maddr=[2001:db8::1]\r\n"
	    "t: Bob <sip:bob@example.com>\r\nF: \"A\" <sips:alice@[2001:db8::2]:5061;transport=tls>;tag=9\r\n"
	    "i: abc@def\r\nCSeq: 7 INVITE\r\nm: <sip:alice@h.example.com>;expires=60, *\r\n"
	    "k: timer, 100rel\r\ns: hi\r\ne: gzip\r\nc: application/sdp\r\nl: 3\r\n\r\nabc";
	static const char m2[] =
	    "REGISTER sip:example.com SIP/2.0\r\n"
	    "v: SIP/2.0/UDP h.example.com:5062;branch=z9hG4bKab\r\n"
	    "t: <sip:bob@example.com>\r\nf: <sip:bob@example.com>;tag=9\r\n"
	    "i: abc@def\r\nCSeq: 7 REGISTER\r\nm: *\r\nExpires: 0\r\nl: 0\r\n\r\n";
	struct sl_sip_result r;

	/* "*" mixed with addresses is malformed (§10.2.2) */
	ck_assert_int_eq(sl_sip_parse(m, sizeof(m) - 1, &msg, &r), SL_SIP_REPLY);
	ck_assert_int_eq(r.code, 400);
	ck_assert_int_eq(sl_sip_parse(m2, sizeof(m2) - 1, &msg, &r), SL_SIP_OK);
	ck_assert(msg.contact_star);
	ck_assert_int_eq(msg.expires, 0);
	ck_assert_int_eq(msg.count[SL_SIP_H_CALL_ID], 1);
}
END_TEST

START_TEST(compact_fields)
{
	static const char m[] =
	    "INVITE sip:bob@example.com SIP/2.0\r\n"
	    "v: SIP/2.0/UDP h.example.com:5062;branch=z9hG4bKab;rport;received=192.0.2.9;ttl=16;maddr=[2001:db8::1]\r\n"
	    "t: Bob <sip:bob@example.com>\r\nF: \"A\" <sips:alice@[2001:db8::2]:5061;transport=tls>;tag=9\r\n"
	    "i: abc@def\r\nCSeq: 7 INVITE\r\nm: <sip:alice@h.example.com>;expires=60;q=0.5\r\n"
	    "k: timer, 100rel\r\ns: hi\r\ne: gzip\r\nc: application/sdp\r\nl: 3\r\n\r\nabc";
	struct sl_sip_result r;

	ck_assert_int_eq(sl_sip_parse(m, sizeof(m) - 1, &msg, &r), SL_SIP_OK);
	ck_assert_int_eq(msg.via[0].port, 5062);
	ck_assert_int_eq(msg.via[0].rport, 0);
	ck_assert_int_eq(msg.via[0].ttl, 16);
	ck_str(msg.via[0].received, "192.0.2.9");
	ck_str(msg.via[0].maddr, "[2001:db8::1]");
	ck_assert(msg.via[0].rfc3261_branch);
	ck_str(msg.to.display, "Bob");
	ck_assert_int_eq(msg.from.uri.scheme, SL_SIP_SCHEME_SIPS);
	ck_str(msg.from.uri.host, "[2001:db8::2]");
	ck_assert_int_eq(msg.from.uri.port, 5061);
	ck_str(msg.from.uri.params, "transport=tls");
	ck_str(msg.call_id, "abc@def");
	ck_assert_int_eq(msg.contact[0].expires, 60);
	ck_assert_int_eq(msg.contact[0].q, 500);
	ck_assert_int_eq(msg.count[SL_SIP_H_SUPPORTED], 1);
	ck_assert_int_eq(msg.count[SL_SIP_H_SUBJECT], 1);
	ck_assert_int_eq(msg.count[SL_SIP_H_CONTENT_ENCODING], 1);
	ck_str(msg.ctype, "application");
	ck_str(msg.body, "abc");
	ck_assert_int_eq(sl_sip_validate(&msg, &uas, &r, NULL), SL_SIP_OK);
}
END_TEST

/* ---- URIs ---- */

START_TEST(uris)
{
	struct sl_sip_uri u;

	ck_assert_int_eq(sl_sip_parse_uri("tel:+1-201-555-0123;ext=1", 25, &u), 0);
	ck_assert_int_eq(u.scheme, SL_SIP_SCHEME_TEL);
	ck_str(u.user, "+1-201-555-0123");
	ck_assert_int_eq(sl_sip_parse_uri("sip:a:pw@h:5060;lr?x=y", 22, &u), 0);
	ck_str(u.password, "pw");
	ck_str(u.headers, "x=y");
	ck_assert_int_eq(u.port, 5060);
	ck_assert_int_lt(sl_sip_parse_uri("sip:a%G1@h", 10, &u), 0);
	ck_assert_int_lt(sl_sip_parse_uri("sip:h:99999", 11, &u), 0);
	ck_assert_int_lt(sl_sip_parse_uri("sip:[::1", 8, &u), 0);
	ck_assert_int_lt(sl_sip_parse_uri("sip:", 4, &u), 0);
	ck_assert_int_lt(sl_sip_parse_uri("sip:a b@h", 9, &u), 0);
	ck_assert_int_lt(sl_sip_parse_uri("1x:y", 4, &u), 0);
}
END_TEST

/* Exact comparison with a C string; an absent tag (NULL slice) equals "" and
 * nothing else, without memcmp ever seeing the NULL. */
START_TEST(str_eqz)
{
	static const char m[] = "BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
				"From: <sip:a@h>\r\nTo: <sip:b@h>;tag=abc\r\nCall-ID: c\r\n"
				"CSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
	struct sl_sip_result r;

	ck_assert_int_eq(sl_sip_parse(m, strlen(m), &msg, &r), SL_SIP_OK);
	ck_assert(!msg.from.has_tag);
	ck_assert(sl_sip_str_eqz(msg.from.tag, ""));
	ck_assert(!sl_sip_str_eqz(msg.from.tag, "x"));
	ck_assert(sl_sip_str_eqz(msg.to.tag, "abc"));
	ck_assert(!sl_sip_str_eqz(msg.to.tag, "ABC"));	/* tags compare exactly (§19.3) */
	ck_assert(!sl_sip_str_eqz(msg.to.tag, "ab"));
	ck_assert(!sl_sip_str_eqz(msg.to.tag, ""));
	ck_assert(sl_sip_str_eqz(msg.call_id, "c"));
}
END_TEST

static Suite *sip_suite(void)
{
	Suite *s = suite_create("sip");
	TCase *tc = tcase_create("parser");

	tcase_add_test(tc, rfc4475_all);
	tcase_add_test(tc, frame_split_every_byte);
	tcase_add_test(tc, frame_two_messages);
	tcase_add_test(tc, frame_bad_content_length);
	tcase_add_test(tc, frame_dblreq);
	tcase_add_test(tc, frame_header_too_large);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, compact_forms);
	tcase_add_test(tc, compact_fields);
	tcase_add_test(tc, uris);
	tcase_add_test(tc, str_eqz);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sip_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
