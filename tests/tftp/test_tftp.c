/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pure TFTP code (tftp_wire.c) and the path rules and
 * openat2 opening (prov.c). Packets are written out byte by byte from
 * RFC 1350 §5 / RFC 2347 §"Packet Formats" so a parser that drifts fails.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prov.h"
#include "prov_http.h"
#include "tftp_wire.h"

#define PKT(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

static struct sl_tftp_request req;
static struct sl_tftp_refusal why;

static int parse(const uint8_t *p, size_t n)
{
	memset(&why, 0, sizeof(why));
	return sl_tftp_parse_request(p, n, &req, &why);
}

START_TEST(rrq_plain)
{
	ck_assert_int_eq(parse(PKT("\x00\x01SEP001122334455.cnf.xml.sgn\0octet\0")), 0);
	ck_assert_str_eq(req.filename, "SEP001122334455.cnf.xml.sgn");
	ck_assert_uint_eq(req.filename_len, 27);
	ck_assert_int_eq(req.mode, TFTP_MODE_OCTET);
	ck_assert_uint_eq(req.nopts, 0);
	ck_assert(!req.has_blksize && !req.has_tsize && !req.has_timeout);
	/* mode is case-insensitive (RFC 1350 §5) */
	ck_assert_int_eq(parse(PKT("\x00\x01" "a\0NetASCII\0")), 0);
	ck_assert_int_eq(req.mode, TFTP_MODE_NETASCII);
}
END_TEST

START_TEST(rrq_options)
{
	ck_assert_int_eq(parse(PKT("\x00\x01" "f\0octet\0blksize\0" "1428\0tsize\0" "0\0"
				   "timeout\0" "3\0x-vendor\0y\0")), 0);
	ck_assert(req.has_blksize && req.has_tsize && req.has_timeout);
	ck_assert_uint_eq(req.blksize, 1428);
	ck_assert_uint_eq(req.tsize, 0);
	ck_assert_uint_eq(req.timeout, 3);
	ck_assert_uint_eq(req.nopts, 4);	/* unknown option kept, ignored */
	ck_assert_str_eq(req.opts[3].name, "x-vendor");
	/* option names are case-insensitive (RFC 2347) */
	ck_assert_int_eq(parse(PKT("\x00\x01" "f\0octet\0BLKSIZE\0" "8\0")), 0);
	ck_assert_uint_eq(req.blksize, 8);
	ck_assert_int_eq(parse(PKT("\x00\x01" "f\0octet\0blksize\0" "65464\0")), 0);
	/* trailing NUL padding is tolerated */
	ck_assert_int_eq(parse(PKT("\x00\x01" "f\0octet\0\0\0\0")), 0);
}
END_TEST

static void expect_refusal(const uint8_t *p, size_t n, enum tftp_errcode code)
{
	ck_assert_int_eq(parse(p, n), -EPROTO);
	ck_assert_int_eq(why.code, code);
	ck_assert_ptr_nonnull(why.msg);
	ck_assert(strlen(why.msg) > 5);
}

START_TEST(rrq_refusals)
{
	expect_refusal(PKT(""), TFTP_EBADOP);
	expect_refusal(PKT("\x00"), TFTP_EBADOP);
	expect_refusal(PKT("\x00\x01"), TFTP_EBADOP);
	expect_refusal(PKT("\x00\x01" "file"), TFTP_EBADOP);		/* no NUL */
	expect_refusal(PKT("\x00\x01" "file\0"), TFTP_EBADOP);		/* no mode */
	expect_refusal(PKT("\x00\x01" "file\0octet"), TFTP_EBADOP);	/* mode w/o NUL */
	expect_refusal(PKT("\x00\x01\0octet\0"), TFTP_EBADOP);		/* empty name */
	expect_refusal(PKT("\x00\x01" "file\0mail\0"), TFTP_EBADOP);
	expect_refusal(PKT("\x00\x01" "file\0binary\0"), TFTP_EBADOP);
	expect_refusal(PKT("\x00\x07" "file\0octet\0"), TFTP_EBADOP);	/* bad opcode */
	expect_refusal(PKT("\x00\x03\x00\x01" "data"), TFTP_EBADOP);	/* DATA to port 69 */
	expect_refusal(PKT("\x00\x04\x00\x01"), TFTP_EBADOP);		/* ACK to port 69 */
	expect_refusal(PKT("\x00\x02" "file\0octet\0"), TFTP_EACCESS);	/* WRQ */
	ck_assert_str_eq(why.msg, "access violation: this server is read-only");
	expect_refusal(PKT("\x00\x02"), TFTP_EACCESS);			/* WRQ, malformed */
	/* options: RFC 2347 ERROR 8 */
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "7\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "65465\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "70000\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "-5\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "12a\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "99999999999999999999999\0"),
		       TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0timeout\0" "0\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0timeout\0" "256\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0tsize\0" "x\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "512\0blksize\0" "512\0"),
		       TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0tsize\0" "0\0TSIZE\0" "0\0"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0"), TFTP_EOPTNEG);	/* no value */
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize\0" "512"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0blksize"), TFTP_EOPTNEG);
	expect_refusal(PKT("\x00\x01" "f\0octet\0\0" "512\0"), TFTP_EOPTNEG);	/* empty name */
}
END_TEST

START_TEST(rrq_error_ignored)
{
	/* An ERROR to the listening port is never answered. */
	ck_assert_int_eq(parse(PKT("\x00\x05\x00\x01oops\0")), -EAGAIN);
}
END_TEST

START_TEST(rrq_too_many_options)
{
	uint8_t buf[TFTP_REQ_MAX];
	size_t n = 0;
	int i;

	memcpy(buf, "\x00\x01" "f\0octet\0", 10);
	n = 10;
	for (i = 0; i <= TFTP_MAX_OPTIONS; i++)
		n += (size_t)sprintf((char *)buf + n, "o%d%cv%c", i, 0, 0);
	expect_refusal(buf, n, TFTP_EOPTNEG);
	/* exactly the maximum is fine */
	n = 10;
	for (i = 0; i < TFTP_MAX_OPTIONS; i++)
		n += (size_t)sprintf((char *)buf + n, "o%d%cv%c", i, 0, 0);
	ck_assert_int_eq(parse(buf, n), 0);
	ck_assert_uint_eq(req.nopts, TFTP_MAX_OPTIONS);
}
END_TEST

START_TEST(reply_parse)
{
	struct sl_tftp_reply r;

	ck_assert_int_eq(sl_tftp_parse_reply(PKT("\x00\x04\xff\xfe"), &r), 0);
	ck_assert_int_eq(r.opcode, TFTP_ACK);
	ck_assert_uint_eq(r.block, 65534);
	ck_assert_int_eq(sl_tftp_parse_reply(PKT("\x00\x05\x00\x08" "denied\x01\0"), &r), 0);
	ck_assert_int_eq(r.opcode, TFTP_ERROR);
	ck_assert_uint_eq(r.errcode, 8);
	ck_assert_str_eq(r.errmsg, "denied?");
	ck_assert_int_eq(sl_tftp_parse_reply(PKT("\x00\x05\x00\x00"), &r), 0);
	ck_assert_str_eq(r.errmsg, "");
	ck_assert_int_eq(sl_tftp_parse_reply(PKT("\x00\x04\x00"), &r), -EPROTO);
	ck_assert_int_eq(sl_tftp_parse_reply(PKT("\x00\x03\x00\x01xx"), &r), -EPROTO);
	ck_assert_int_eq(sl_tftp_parse_reply(PKT("\x00\x01" "f\0octet\0"), &r), -EPROTO);
}
END_TEST

START_TEST(negotiate)
{
	struct sl_tftp_limits lim = { .max_blksize = 1468, .default_timeout = 2 };
	struct sl_tftp_negotiated n;
	uint8_t buf[128];
	size_t len;

	ck_assert_int_eq(parse(PKT("\x00\x01" "f\0octet\0")), 0);
	sl_tftp_negotiate(&req, &lim, 1000, true, &n);
	ck_assert_uint_eq(n.blksize, 512);
	ck_assert_uint_eq(n.timeout, 2);
	ck_assert(!sl_tftp_need_oack(&n));

	/* RFC 2348: capped to the maximum, never above the request */
	ck_assert_int_eq(parse(PKT("\x00\x01" "f\0octet\0blksize\0" "65464\0")), 0);
	sl_tftp_negotiate(&req, &lim, 1000, true, &n);
	ck_assert_uint_eq(n.blksize, 1468);
	ck_assert_int_eq(parse(PKT("\x00\x01" "f\0octet\0blksize\0" "1024\0")), 0);
	sl_tftp_negotiate(&req, &lim, 1000, true, &n);
	ck_assert_uint_eq(n.blksize, 1024);

	/* RFC 2347 §5 example shape: OACK echoes the accepted options */
	ck_assert_int_eq(parse(PKT("\x00\x01" "f\0octet\0blksize\0" "1428\0tsize\0" "0\0"
				   "timeout\0" "5\0")), 0);
	sl_tftp_negotiate(&req, &lim, 200000, true, &n);
	ck_assert(sl_tftp_need_oack(&n));
	len = sl_tftp_build_oack(&n, buf, sizeof(buf));
	ck_assert_uint_eq(len, sizeof("\x00\x06" "blksize\0" "1428\0timeout\0" "5\0tsize\0"
				      "200000") );
	ck_assert_mem_eq(buf, "\x00\x06" "blksize\0" "1428\0timeout\0" "5\0tsize\0" "200000\0",
			 len);
	/* tsize unknown (netascii): not acknowledged */
	sl_tftp_negotiate(&req, &lim, 200000, false, &n);
	ck_assert(!n.ack_tsize && n.ack_blksize && n.ack_timeout);
	/* too small a buffer */
	ck_assert_uint_eq(sl_tftp_build_oack(&n, buf, 10), 0);
}
END_TEST

START_TEST(build_error)
{
	uint8_t buf[64];
	size_t n = sl_tftp_build_error(TFTP_ENOTFOUND, "file not found", buf, sizeof(buf));

	ck_assert_uint_eq(n, 4 + 14 + 1);
	ck_assert_mem_eq(buf, "\x00\x05\x00\x01" "file not found\0", n);
	n = sl_tftp_build_error(TFTP_EUNDEF, "a long message", buf, 8);
	ck_assert_uint_eq(n, 8);
	ck_assert_mem_eq(buf, "\x00\x05\x00\x00" "a l\0", 8);
	ck_assert_uint_eq(sl_tftp_build_error(TFTP_EUNDEF, "x", buf, 4), 0);
	sl_tftp_put_data_hdr(buf, 0xabcd);
	ck_assert_mem_eq(buf, "\x00\x03\xab\xcd", 4);
}
END_TEST

/* Converts all of in with blocks of bs bytes, as the transfer does. */
static size_t netascii_all(const char *in, size_t inlen, size_t bs, uint8_t *out)
{
	struct sl_tftp_netascii st;
	size_t off = 0, o = 0;

	sl_tftp_netascii_init(&st);
	for (;;) {
		size_t blk = 0;

		while (blk < bs) {
			size_t used = 0, w;

			if (off >= inlen && st.pending < 0)
				break;
			w = sl_tftp_netascii_fill(&st, (const uint8_t *)in + off, inlen - off,
						  &used, out + o + blk, bs - blk);
			off += used;
			blk += w;
		}
		o += blk;
		if (blk < bs)
			return o;
	}
}

START_TEST(netascii)
{
	uint8_t out[64];
	size_t n;

	/* RFC 764: LF -> CR LF, CR -> CR NUL */
	n = netascii_all("a\nb\rc", 5, 512, out);
	ck_assert_uint_eq(n, 7);
	ck_assert_mem_eq(out, "a\r\nb\r\0c", 7);
	/* the pair split over a block boundary (bs 2): "a\r" | "\n" ... */
	n = netascii_all("a\n\n", 3, 2, out);
	ck_assert_uint_eq(n, 5);
	ck_assert_mem_eq(out, "a\r\n\r\n", 5);
	n = netascii_all("\r", 1, 1, out);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(out, "\r\0", 2);
	n = netascii_all("", 0, 8, out);
	ck_assert_uint_eq(n, 0);
}
END_TEST

static enum sl_prov_result check(const char *name, char *out)
{
	const char *w = NULL;
	enum sl_prov_result r = sl_prov_check_path(name, strlen(name), out, 1100, &w);

	if (r != SL_PROV_OK)
		ck_assert_ptr_nonnull(w);
	return r;
}

START_TEST(path_rules)
{
	char out[1100], longname[1100];

	ck_assert_int_eq(check("SEP001122334455.cnf.xml", out), SL_PROV_OK);
	ck_assert_str_eq(out, "SEP001122334455.cnf.xml");
	ck_assert_int_eq(check("/New_Zealand/g3-tones.xml.sgn", out), SL_PROV_OK);
	ck_assert_str_eq(out, "New_Zealand/g3-tones.xml.sgn");
	ck_assert_int_eq(check(".hidden", out), SL_PROV_OK);
	ck_assert_int_eq(check("a.b.c", out), SL_PROV_OK);

	ck_assert_int_eq(check("", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("/", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("//etc/passwd", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("../x", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("a/../../x", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("a/..", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("..", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("file..txt", out), SL_PROV_BADPATH);	/* strict */
	ck_assert_int_eq(check("a\\b", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("..\\x", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("a\nb", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("a\x7f", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("a//b", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("a/./b", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("./a", out), SL_PROV_BADPATH);
	ck_assert_int_eq(check("dir/", out), SL_PROV_BADPATH);
	ck_assert_int_eq(sl_prov_check_path("a\0b", 3, out, sizeof(out), &(const char *){0}),
			 SL_PROV_BADPATH);
	memset(longname, 'a', 1025);
	longname[1025] = '\0';
	ck_assert_int_eq(check(longname, out), SL_PROV_BADPATH);
	longname[1024] = '\0';
	ck_assert_int_eq(check(longname, out), SL_PROV_OK);
	/* out too small */
	ck_assert_int_eq(sl_prov_check_path("abcdef", 6, out, 6, &(const char *){0}),
			 SL_PROV_BADPATH);
}
END_TEST

static char tree[64];

static void mkfile(const char *rel, const char *content, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	ck_assert_int_eq(chmod(p, mode), 0);
}

static enum sl_prov_result try_open(int dirfd, const char *rel)
{
	struct stat st;
	const char *w = NULL;
	int fd;
	enum sl_prov_result r = sl_prov_open(dirfd, rel, &fd, &st, &w);

	if (r == SL_PROV_OK) {
		ck_assert_int_ge(fd, 0);
		ck_assert(S_ISREG(st.st_mode));
		close(fd);
	} else {
		ck_assert_int_eq(fd, -1);
		ck_assert_ptr_nonnull(w);
	}
	return r;
}

START_TEST(open_beneath)
{
	char p[256], q[256];
	int dirfd;

	snprintf(tree, sizeof(tree), "/tmp/sl-tftp-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	snprintf(p, sizeof(p), "%s/sub", tree);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	mkfile("ok.xml", "<x/>", 0644);
	mkfile("sub/deep.sgn", "abc", 0644);
	mkfile("private", "secret", 0600);
	mkfile("group", "g", 0640);
	snprintf(p, sizeof(p), "%s/link-out", tree);
	ck_assert_int_eq(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/link-in", tree);
	ck_assert_int_eq(symlink("ok.xml", p), 0);
	snprintf(p, sizeof(p), "%s/fifo", tree);
	ck_assert_int_eq(mkfifo(p, 0644), 0);

	dirfd = sl_prov_open_tree(tree);
	ck_assert_int_ge(dirfd, 0);
	ck_assert_int_eq(try_open(dirfd, "ok.xml"), SL_PROV_OK);
	ck_assert_int_eq(try_open(dirfd, "sub/deep.sgn"), SL_PROV_OK);
	ck_assert_int_eq(try_open(dirfd, "missing"), SL_PROV_NOTFOUND);
	ck_assert_int_eq(try_open(dirfd, "ok.xml/x"), SL_PROV_NOTFOUND);
	ck_assert_int_eq(try_open(dirfd, "private"), SL_PROV_FORBIDDEN);
	ck_assert_int_eq(try_open(dirfd, "group"), SL_PROV_FORBIDDEN);
	ck_assert_int_eq(try_open(dirfd, "link-out"), SL_PROV_FORBIDDEN);
	ck_assert_int_eq(try_open(dirfd, "link-in"), SL_PROV_FORBIDDEN);
	ck_assert_int_eq(try_open(dirfd, "fifo"), SL_PROV_FORBIDDEN);	/* no hang */
	ck_assert_int_eq(try_open(dirfd, "sub"), SL_PROV_FORBIDDEN);
	/* openat2 itself refuses escapes the name rules would also catch */
	ck_assert_int_eq(try_open(dirfd, "../etc/passwd"), SL_PROV_FORBIDDEN);
	ck_assert_int_eq(try_open(dirfd, "/etc/passwd"), SL_PROV_FORBIDDEN);
	ck_assert_int_eq(try_open(dirfd, "/proc/self/root/etc/passwd"), SL_PROV_FORBIDDEN);
	close(dirfd);
	ck_assert_int_eq(sl_prov_open_tree("/nonexistent/tree"), -ENOENT);

	snprintf(q, sizeof(q), "rm -rf '%s'", tree);
	ck_assert_int_eq(system(q), 0);
}
END_TEST

START_TEST(ratelimit)
{
	struct sl_prov_ratelimit rl;
	uint64_t dropped = 99;
	int i, allowed = 0;

	sl_prov_ratelimit_init(&rl, 1, 3);
	for (i = 0; i < 10; i++)
		if (sl_prov_ratelimit_allow(&rl, &dropped))
			allowed++;
	ck_assert_int_eq(allowed, 3);	/* the burst, then silence */
	ck_assert_uint_eq(rl.suppressed, 7);
}
END_TEST

START_TEST(http_helpers)
{
	char d[64];

	ck_assert_str_eq(sl_prov_http_content_type("SEP001122334455.cnf.xml"), "text/xml");
	ck_assert_str_eq(sl_prov_http_content_type("a.XML"), "text/xml");
	ck_assert_str_eq(sl_prov_http_content_type("ITLFile.tlv"), "application/octet-stream");
	ck_assert_str_eq(sl_prov_http_content_type("a.xml.sgn"), "application/octet-stream");
	ck_assert_str_eq(sl_prov_http_content_type("xml"), "application/octet-stream");
	/* RFC 7231 §7.1.1.1 example */
	sl_prov_http_date(784111777, d, sizeof(d));
	ck_assert_str_eq(d, "Sun, 06 Nov 1994 08:49:37 GMT");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tftp");
	TCase *tc = tcase_create("wire");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, rrq_plain);
	tcase_add_test(tc, rrq_options);
	tcase_add_test(tc, rrq_refusals);
	tcase_add_test(tc, rrq_error_ignored);
	tcase_add_test(tc, rrq_too_many_options);
	tcase_add_test(tc, reply_parse);
	tcase_add_test(tc, negotiate);
	tcase_add_test(tc, build_error);
	tcase_add_test(tc, netascii);
	tcase_add_test(tc, path_rules);
	tcase_add_test(tc, open_beneath);
	tcase_add_test(tc, ratelimit);
	tcase_add_test(tc, http_helpers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
