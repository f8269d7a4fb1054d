/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow text syntax (dataplane/ctl/flowspec.h, docs/flows.md): every
 * action, IPv4/IPv6, src any + latch, several MKI keys, lifetimes, @FILE,
 * every error with its message, flows-file lines, and the readable and
 * JSON renderings (the JSON is parsed back by python3's json module).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "flowspec.h"
#include "srtp.h"

/* base64 of bytes 0x00..0x1d: key 00..0f, salt 10..1d (AES_CM_128). */
#define K1 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
/* bytes 0x10..0x2d and 0x20..0x3d */
#define K2 "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywt"
#define K3 "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9"
/* bytes 100..145: AES_256 key (32) + salt (14) */
#define K256 "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoOEhYaHiImKi4yNjo+QkQ=="

static char msg[512];
static struct sl_dp_flow_spec spec;

/* Splits a string on blanks (no quoting) and parses it. */
static int parse_words(const char *s)
{
	char buf[2048];
	char *argv[64];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok(buf, " "); t && argc < 64; t = strtok(NULL, " "))
		argv[argc++] = t;
	msg[0] = '\0';
	return sl_flowspec_parse(argc, argv, &spec, msg, sizeof(msg));
}

/* Parses with sl_flowspec_parse_line (quotes allowed). */
static int parse_line(const char *s)
{
	msg[0] = '\0';
	return sl_flowspec_parse_line(s, &spec, msg, sizeof(msg));
}

static void ip4(const uint8_t *a, const char *want)
{
	uint8_t b[16] = { 0 };

	ck_assert_int_eq(inet_pton(AF_INET, want, b), 1);
	ck_assert_mem_eq(a, b, 16);
}

static void ip6(const uint8_t *a, const char *want)
{
	uint8_t b[16];

	ck_assert_int_eq(inet_pton(AF_INET6, want, b), 1);
	ck_assert_mem_eq(a, b, 16);
}

static void expect_key(const struct sl_dp_master_key *k, uint8_t first)
{
	for (unsigned i = 0; i < 16; i++)
		ck_assert_uint_eq(k->key[i], (uint8_t)(first + i));
	for (unsigned i = 0; i < 14; i++)
		ck_assert_uint_eq(k->salt[i], (uint8_t)(first + 16 + i));
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

START_TEST(protect_full)
{
	printf("flowspec: srtp-protect with rewrite, Ethernet, lifetime and MKI\n");
	ck_assert_int_eq(parse_line("in-port 0 src 10.10.1.2:4000 dst 10.10.1.1:20000 action srtp-protect "
				    "out-port 1 rewrite-src 10.10.2.1:30000 rewrite-dst 10.10.2.2:5004 "
				    "eth-src 02:53:4c:00:02:01 eth-dst 02:53:4C:00:02:02 "
				    "out-crypto \"AES_CM_128_HMAC_SHA1_80 inline:" K1 "|2^31|1:4\" "
				    "out-roc 7 out-ssrc 0xdeadbeef peer 12 cookie 0x10 worker 1"), 1);
	ck_assert_uint_eq(spec.match.in_port, 0);
	ck_assert_uint_eq(spec.match.ip_version, 4);
	ck_assert_uint_eq(spec.match.flags, 0);
	ip4(spec.match.src, "10.10.1.2");
	ip4(spec.match.dst, "10.10.1.1");
	ck_assert_uint_eq(spec.match.sport, 4000);
	ck_assert_uint_eq(spec.match.dport, 20000);
	ck_assert_uint_eq(spec.action, SL_DP_ACT_PROTECT);
	ck_assert_uint_eq(spec.out_port, 1);
	ck_assert_uint_eq(spec.rewrite.flags, SL_DP_RW_IP | SL_DP_RW_ETH);
	ip4(spec.rewrite.src, "10.10.2.1");
	ip4(spec.rewrite.dst, "10.10.2.2");
	ck_assert_uint_eq(spec.rewrite.sport, 30000);
	ck_assert_uint_eq(spec.rewrite.dport, 5004);
	ck_assert_mem_eq(spec.rewrite.eth_src, "\x02\x53\x4c\x00\x02\x01", 6);
	ck_assert_mem_eq(spec.rewrite.eth_dst, "\x02\x53\x4c\x00\x02\x02", 6);
	ck_assert_uint_eq(spec.out.suite, SL_SUITE_AES_CM_128_HMAC_SHA1_80);
	ck_assert_uint_eq(spec.out.nkeys, 1);
	ck_assert_uint_eq(spec.out.mki_len, 4);
	ck_assert_mem_eq(spec.out.keys[0].mki, "\0\0\0\1", 4);
	ck_assert_uint_eq(spec.out.keys[0].lifetime, 1ull << 31);
	expect_key(&spec.out.keys[0], 0);
	ck_assert_uint_eq(spec.out.roc, 7);
	ck_assert_uint_eq(spec.out.ssrc, 0xdeadbeef);
	ck_assert_uint_eq(spec.out.flags, SL_DP_SRTP_SSRC_SET);
	ck_assert(all_zero(&spec.in, sizeof(spec.in)));
	ck_assert_uint_eq(spec.peer_id, 12);
	ck_assert_uint_eq(spec.cookie, 16);
	ck_assert_uint_eq(spec.worker, 1);
	sl_flowspec_wipe(&spec);
	ck_assert(all_zero(&spec.out, sizeof(spec.out)));
}
END_TEST

START_TEST(forward_and_drop)
{
	printf("flowspec: forward (worker defaults to 0xffff) and drop (no out-port)\n");
	ck_assert_int_eq(parse_words("in-port 2 src 192.0.2.1:1000 dst 192.0.2.2:2000 action forward out-port 3"), 0);
	ck_assert_uint_eq(spec.action, SL_DP_ACT_FORWARD);
	ck_assert_uint_eq(spec.match.in_port, 2);
	ck_assert_uint_eq(spec.out_port, 3);
	ck_assert_uint_eq(spec.worker, 0xffff);
	ck_assert_uint_eq(spec.rewrite.flags, 0);
	ck_assert_uint_eq(spec.flags, 0);
	ck_assert_int_eq(parse_words("in-port 0 src 192.0.2.1:1000 dst 192.0.2.2:2000 action drop"), 0);
	ck_assert_uint_eq(spec.action, SL_DP_ACT_DROP);
	ck_assert_int_eq(parse_words("action drop dst 192.0.2.2:2000 in-port 0 src 192.0.2.1:1000 id 99"), 0);
	ck_assert_uint_eq(spec.id, 99);
}
END_TEST

START_TEST(unprotect_window)
{
	printf("flowspec: srtp-unprotect with replay window, ROC, SSRC and session parameters\n");
	ck_assert_int_eq(parse_line("in-port 1 src 10.0.0.2:5004 dst 10.0.0.1:30000 action srtp-unprotect out-port 0 "
				    "in-crypto 'AES_CM_128_HMAC_SHA1_32 inline:" K1 " UNENCRYPTED_SRTCP' "
				    "in-roc 3 in-ssrc 1234 replay-window 1024"), 1);
	ck_assert_uint_eq(spec.action, SL_DP_ACT_UNPROTECT);
	ck_assert_uint_eq(spec.in.suite, SL_SUITE_AES_CM_128_HMAC_SHA1_32);
	ck_assert_uint_eq(spec.in.mki_len, 0);
	ck_assert_uint_eq(spec.in.keys[0].lifetime, 0);
	ck_assert_uint_eq(spec.in.roc, 3);
	ck_assert_uint_eq(spec.in.ssrc, 1234);
	ck_assert_uint_eq(spec.in.replay_window, 1024);
	ck_assert_uint_eq(spec.in.flags, SL_DP_SRTP_SSRC_SET | SL_DP_SRTP_UNENCRYPTED_SRTCP);
	ck_assert(all_zero(&spec.out, sizeof(spec.out)));
	sl_flowspec_wipe(&spec);
}
END_TEST

START_TEST(rekey_two_keys)
{
	printf("flowspec: srtp-rekey with AES-256 in and AES-128 out\n");
	ck_assert_int_eq(parse_line("in-port 0 src 10.0.0.2:5004 dst 10.0.0.1:30000 action srtp-rekey out-port 1 "
				    "in-crypto \"AES_256_CM_HMAC_SHA1_80 inline:" K256 "\" "
				    "out-crypto \"AES_CM_128_HMAC_SHA1_80 inline:" K2 "\""), 1);
	ck_assert_uint_eq(spec.action, SL_DP_ACT_REKEY);
	ck_assert_uint_eq(spec.in.suite, SL_SUITE_AES_256_CM_HMAC_SHA1_80);
	ck_assert_uint_eq(spec.in.keys[0].key[0], 100);
	ck_assert_uint_eq(spec.in.keys[0].key[31], 131);
	ck_assert_uint_eq(spec.in.keys[0].salt[0], 132);
	ck_assert_uint_eq(spec.out.suite, SL_SUITE_AES_CM_128_HMAC_SHA1_80);
	expect_key(&spec.out.keys[0], 0x10);
	sl_flowspec_wipe(&spec);
}
END_TEST

START_TEST(ipv6_flow)
{
	printf("flowspec: IPv6 match and rewrite\n");
	ck_assert_int_eq(parse_words("in-port 0 src [2001:db8::2]:4000 dst [2001:db8::1]:20000 action forward "
				     "out-port 1 rewrite-src [2001:db8:1::1]:30000 rewrite-dst [2001:db8:1::2]:5004"), 0);
	ck_assert_uint_eq(spec.match.ip_version, 6);
	ip6(spec.match.src, "2001:db8::2");
	ip6(spec.match.dst, "2001:db8::1");
	ip6(spec.rewrite.src, "2001:db8:1::1");
	ip6(spec.rewrite.dst, "2001:db8:1::2");
	ck_assert_uint_eq(spec.rewrite.dport, 5004);
}
END_TEST

START_TEST(any_latch)
{
	printf("flowspec: src any + latch\n");
	ck_assert_int_eq(parse_line("in-port 1 src any dst 10.10.2.1:30000 action srtp-unprotect out-port 0 latch "
				    "in-crypto \"AES_CM_128_HMAC_SHA1_80 inline:" K1 "\" peer 5"), 1);
	ck_assert_uint_eq(spec.match.flags, SL_DP_MATCH_ANY_SRC);
	ck_assert_uint_eq(spec.match.ip_version, 4);
	ck_assert_uint_eq(spec.match.sport, 0);
	ck_assert(all_zero(spec.match.src, 16));
	ck_assert_uint_eq(spec.flags, SL_DP_FLOW_LATCH);
	ck_assert_uint_eq(spec.peer_id, 5);
	sl_flowspec_wipe(&spec);
}
END_TEST

START_TEST(mki_keys)
{
	printf("flowspec: three master keys with MKIs and lifetimes, out-active-key\n");
	ck_assert_int_eq(parse_line("in-port 0 src 10.0.0.2:4000 dst 10.0.0.1:20000 action srtp-protect out-port 1 "
				    "out-crypto \"AES_CM_128_HMAC_SHA1_80 inline:" K1 "|2^20|1:2;inline:" K2
				    "|1048576|2:2;inline:" K3 "|3:2\" out-active-key 2"), 1);
	ck_assert_uint_eq(spec.out.nkeys, 3);
	ck_assert_uint_eq(spec.out.mki_len, 2);
	ck_assert_mem_eq(spec.out.keys[0].mki, "\0\1", 2);
	ck_assert_mem_eq(spec.out.keys[1].mki, "\0\2", 2);
	ck_assert_mem_eq(spec.out.keys[2].mki, "\0\3", 2);
	ck_assert_uint_eq(spec.out.keys[0].lifetime, 1u << 20);
	ck_assert_uint_eq(spec.out.keys[1].lifetime, 1048576);
	ck_assert_uint_eq(spec.out.keys[2].lifetime, 0);
	expect_key(&spec.out.keys[0], 0x00);
	expect_key(&spec.out.keys[1], 0x10);
	expect_key(&spec.out.keys[2], 0x20);
	ck_assert_uint_eq(spec.out.active_key, 1);
	sl_flowspec_wipe(&spec);
	ck_assert_int_eq(parse_line("in-port 0 src 10.0.0.2:4000 dst 10.0.0.1:20000 action srtp-protect out-port 1 "
				    "out-crypto \"AES_CM_128_HMAC_SHA1_80 inline:" K1 "|1:2;inline:" K2 "|2:2\" out-active-key 3"), -1);
	ck_assert_str_eq(msg, "out-active-key: 3, but out-crypto has 2 keys");
}
END_TEST

START_TEST(crypto_file)
{
	char path[] = "/tmp/flowspec-key-XXXXXX";
	char line[512];
	int fd = mkstemp(path);
	FILE *f;

	printf("flowspec: @FILE with comments, and a whole a=crypto line\n");
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f, "# the leg's key\n\n   a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:%s|2^10\n# later\n", K2);
	fclose(f);
	snprintf(line, sizeof(line), "in-port 0 src 10.0.0.2:4000 dst 10.0.0.1:20000 action srtp-protect "
		 "out-port 1 out-crypto @%s", path);
	ck_assert_int_eq(parse_line(line), 1);
	expect_key(&spec.out.keys[0], 0x10);
	ck_assert_uint_eq(spec.out.keys[0].lifetime, 1024);
	sl_flowspec_wipe(&spec);

	/* The usual form: the attribute without its tag. */
	f = fopen(path, "w");
	fprintf(f, "# key of leg 2\nAES_CM_128_HMAC_SHA1_80 inline:%s|2^20|1:1;inline:%s|2^20|2:1\n", K1, K2);
	fclose(f);
	ck_assert_int_eq(parse_line(line), 1);
	ck_assert_uint_eq(spec.out.nkeys, 2);
	expect_key(&spec.out.keys[0], 0x00);
	expect_key(&spec.out.keys[1], 0x10);
	sl_flowspec_wipe(&spec);

	f = fopen(path, "w");
	fprintf(f, "# nothing but comments\n\n");
	fclose(f);
	ck_assert_int_eq(parse_line(line), -1);
	ck_assert_ptr_nonnull(strstr(msg, "out-crypto: key file"));
	ck_assert_ptr_nonnull(strstr(msg, "holds no crypto attribute"));
	unlink(path);
	ck_assert_int_eq(parse_line(line), -1);
	ck_assert_ptr_nonnull(strstr(msg, "out-crypto: cannot open key file"));
	ck_assert_ptr_nonnull(strstr(msg, "No such file or directory"));
	ck_assert_int_eq(parse_line("in-port 0 src 10.0.0.2:4000 dst 10.0.0.1:20000 action srtp-protect "
				    "out-port 1 out-crypto @"), -1);
	ck_assert_str_eq(msg, "out-crypto: '@' must be followed by a file name (@FILE)");
	/* A device would be read forever: refused. */
	ck_assert_int_eq(parse_line("in-port 0 src 10.0.0.2:4000 dst 10.0.0.1:20000 action srtp-protect "
				    "out-port 1 out-crypto @/dev/zero"), -1);
	ck_assert_str_eq(msg, "out-crypto: key file '/dev/zero' is not a regular file");
}
END_TEST

/* Each error names the token and what is expected. */
static const struct {
	const char *flow;
	const char *want;   /* substring of the message */
} errors[] = {
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1 action forward out-port 1",
	  "dst: '10.1.1' is not an IPv4/IPv6 address with :port" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:0 action forward out-port 1",
	  "dst: '10.1.1.1:0' is not an IPv4/IPv6 address with :port" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:70000 action forward out-port 1",
	  "dst: '10.1.1.1:70000' is not" },
	{ "in-port 0 src 2001:db8::1:4000 dst 10.1.1.1:7 action forward out-port 1",
	  "src: '2001:db8::1:4000' is not an IPv4/IPv6 address" },
	{ "in-port x src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1",
	  "in-port: 'x' is not a port id (0..65534)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 65535",
	  "out-port: '65535' is not a port id" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action encrypt out-port 1",
	  "action: 'encrypt' is not an action (forward, srtp-protect, srtp-unprotect, srtp-rekey, drop)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 frobnicate",
	  "'frobnicate' is not a flow keyword" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 in-port 2",
	  "in-port: given twice" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port",
	  "out-port: value missing at the end of the flow" },
	{ "src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1", "in-port is missing" },
	{ "in-port 0 dst 10.1.1.1:7 action forward out-port 1", "src is missing" },
	{ "in-port 0 src 10.0.0.2:4000 action forward out-port 1", "dst is missing" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 out-port 1", "action is missing" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward",
	  "out-port is missing (action forward sends packets out of a port)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action drop out-port 1",
	  "out-port: not used by action drop" },
	{ "in-port 0 src [2001:db8::2]:4000 dst 10.1.1.1:7 action forward out-port 1",
	  "src: IPv6 address but dst is IPv4" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 rewrite-src [2001:db8::1]:5 rewrite-dst 10.0.0.9:9",
	  "rewrite-src: IPv6 address but the flow matches IPv4 (the data plane does not translate" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 rewrite-src 10.0.0.8:5 rewrite-dst [2001:db8::1]:9",
	  "rewrite-dst: IPv6 address but the flow matches IPv4" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 rewrite-src 10.0.0.8:5",
	  "rewrite-dst is missing: rewrite-src and rewrite-dst go together" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 eth-dst 02:00:00:00:00:01",
	  "eth-src is missing: eth-src and eth-dst go together" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 eth-src 02:00:00:00:00 eth-dst 02:00:00:00:00:01",
	  "eth-src: '02:00:00:00:00' is not a MAC address (xx:xx:xx:xx:xx:xx)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action srtp-protect out-port 1",
	  "out-crypto is missing (action srtp-protect needs it)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action srtp-unprotect out-port 1",
	  "in-crypto is missing (action srtp-unprotect needs it)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 out-roc 5",
	  "out-roc: not used by action forward (it takes no keys)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 replay-window 128",
	  "replay-window: not used by action forward" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 out-ssrc zz",
	  "out-ssrc: 'zz' is not an SSRC (decimal or 0x hex, 32 bits)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 out-roc 4294967296",
	  "out-roc: '4294967296' is not a rollover counter" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 worker 32",
	  "worker: '32' is not a worker index (0..31)" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action forward out-port 1 peer -1",
	  "peer: '-1' is not a flow id" },
	{ "in-port 0 src 10.0.0.2:4000 dst 10.1.1.1:7 action srtp-unprotect out-port 1 in-crypto x replay-window 100",
	  "in-crypto: " },
	{ "", "empty flow" },
};

START_TEST(error_messages)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		printf("flowspec: error '%s'\n", errors[i].want);
		ck_assert_int_eq(parse_words(errors[i].flow), -1);
		if (!strstr(msg, errors[i].want))
			ck_abort_msg("flow '%s': message '%s' lacks '%s'", errors[i].flow, msg, errors[i].want);
	}
}
END_TEST

START_TEST(crypto_errors)
{
	const char *base = "in-port 0 src 10.0.0.2:4000 dst 10.0.0.1:20000 action srtp-unprotect out-port 1 ";
	char line[1024];

	printf("flowspec: crypto attribute errors keep the token name and hide keys\n");
	snprintf(line, sizeof(line), "%sin-crypto \"AES_CM_128_HMAC_SHA1_99 inline:%s\"", base, K1);
	ck_assert_int_eq(parse_line(line), -1);
	ck_assert_ptr_nonnull(strstr(msg, "in-crypto: crypto-suite 'AES_CM_128_HMAC_SHA1_99' not supported"));
	snprintf(line, sizeof(line), "%sin-crypto \"AES_256_CM_HMAC_SHA1_80 inline:%s\"", base, K1);
	ck_assert_int_eq(parse_line(line), -1);
	ck_assert_ptr_nonnull(strstr(msg, "in-crypto: key-params: base64 decodes to 30 bytes"));
	ck_assert_ptr_null(strstr(msg, K1));
	snprintf(line, sizeof(line), "%sin-crypto \"AES_CM_128_HMAC_SHA1_80 inline:%s;inline:%s\"", base, K1, K2);
	ck_assert_int_eq(parse_line(line), -1);
	ck_assert_ptr_nonnull(strstr(msg, "has no MKI"));
	snprintf(line, sizeof(line), "%sin-crypto \"AES_CM_128_HMAC_SHA1_80 inline:%s KDR=1\"", base, K1);
	ck_assert_int_eq(parse_line(line), -1);
	ck_assert_ptr_nonnull(strstr(msg, "in-crypto: KDR=1"));
	snprintf(line, sizeof(line), "%sin-crypto \"AES_CM_128_HMAC_SHA1_80 inline:%s\" replay-window 100", base, K1);
	ck_assert_int_eq(parse_line(line), -1);
	ck_assert_str_eq(msg, "replay-window: 100 is not a power of 2 from 64 to 32768");
	snprintf(line, sizeof(line), "%sin-crypto \"AES_CM_128_HMAC_SHA1_80 inline:%s\" out-crypto \"AES_CM_128_HMAC_SHA1_80 inline:%s\"",
		 base, K1, K2);
	ck_assert_int_eq(parse_line(line), -1);
	ck_assert_str_eq(msg, "out-crypto: not used by action srtp-unprotect (it takes in-crypto)");
}
END_TEST

START_TEST(line_syntax)
{
	printf("flowspec: flows-file lines: blank, comments, quotes\n");
	ck_assert_int_eq(parse_line(""), 0);
	ck_assert_int_eq(parse_line("   \t \n"), 0);
	ck_assert_int_eq(parse_line("# a comment"), 0);
	ck_assert_int_eq(parse_line("in-port 0 src 10.0.0.2:4000 dst 10.0.0.1:20000 action forward out-port 1 # trailing"), 1);
	ck_assert_int_eq(parse_line("in-port 0 src 10.0.0.2:4000 dst 10.0.0.1:20000 action \"forward\" out-port '1'\r\n"), 1);
	ck_assert_uint_eq(spec.out_port, 1);
	ck_assert_int_eq(parse_line("in-port 0 src 10.0.0.2:4000 dst \"10.0.0.1:20000 action forward"), -1);
	ck_assert_str_eq(msg, "unterminated \" quote");
}
END_TEST

static void fill_info(struct sl_dp_flow_info *fi, int v6)
{
	memset(fi, 0, sizeof(*fi));
	fi->id = 42;
	fi->peer_id = 43;
	fi->cookie = 0xffffffffffffffffull;
	fi->match.in_port = 1;
	fi->match.ip_version = v6 ? 6 : 4;
	fi->match.flags = SL_DP_MATCH_ANY_SRC;
	fi->match.dport = 30000;
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "2001:db8::1" : "10.10.2.1", fi->match.dst);
	fi->action = SL_DP_ACT_REKEY;
	fi->flags = SL_DP_FLOW_LATCH;
	fi->out_port = 0;
	fi->worker = 1;
	fi->latched = 1;
	fi->latched_sport = 5004;
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "2001:db8::99" : "10.10.2.99", fi->latched_src);
	fi->in_suite = SL_SUITE_AEAD_AES_128_GCM;
	fi->out_suite = SL_SUITE_AES_CM_128_HMAC_SHA1_80;
	fi->in_roc = 1;
	fi->in_ssrc = 0x11223344;
	fi->rewrite.flags = SL_DP_RW_IP | SL_DP_RW_ETH;
	fi->rewrite.sport = 20000;
	fi->rewrite.dport = 4000;
	fi->c.pkts_in = 100;
	fi->c.bytes_in = 17200;
	fi->c.auth_fail = 2;
	fi->c.last_seen_ns = 1790000000000000000ull;
}

/* Writes the JSON to a file and lets python3's json module parse it. */
static void check_json(const struct sl_dp_flow_info *fi)
{
	char path[] = "/tmp/flowspec-json-XXXXXX";
	char cmd[1024];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	sl_flowspec_print_info_json(f, fi);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); "
		 "assert o[\"id\"]==42 and o[\"cookie\"]==18446744073709551615 and o[\"match\"][\"src\"] is None "
		 "and o[\"action\"]==\"srtp-rekey\" and o[\"in_srtp\"][\"suite\"]==\"AEAD_AES_128_GCM\" "
		 "and o[\"counters\"][\"pkts_in\"]==100 and o[\"latched\"][\"sport\"]==5004' %s", path);
	ck_assert_int_eq(system(cmd), 0);
	unlink(path);
}

START_TEST(json_valid)
{
	struct sl_dp_flow_info fi;

	printf("flowspec: JSON rendering parses (IPv4 and IPv6)\n");
	fill_info(&fi, 0);
	check_json(&fi);
	fill_info(&fi, 1);
	check_json(&fi);
	fi.action = SL_DP_ACT_DROP;
	fi.in_suite = fi.out_suite = 0xff;
	fi.latched = 0;
	fi.rewrite.flags = 0;
	fi.match.flags = 0;
	{
		char path[] = "/tmp/flowspec-json-XXXXXX";
		char cmd[1024];
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");

		sl_flowspec_print_info_json(f, &fi);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); "
			 "assert o[\"in_srtp\"] is None and o[\"out_port\"] is None' %s", path);
		ck_assert_int_eq(system(cmd), 0);
		unlink(path);
	}
}
END_TEST

START_TEST(readable)
{
	struct sl_dp_flow_info fi;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	printf("flowspec: readable rendering\n");
	fill_info(&fi, 1);
	sl_flowspec_print_info(f, &fi);
	fclose(f);
	fputs(buf, stdout);
	ck_assert_ptr_nonnull(strstr(buf, "flow 42\n"));
	ck_assert_ptr_nonnull(strstr(buf, "in-port 1 src any dst [2001:db8::1]:30000 (IPv6)"));
	ck_assert_ptr_nonnull(strstr(buf, "srtp-rekey out-port 0 worker 1 latch"));
	ck_assert_ptr_nonnull(strstr(buf, "AEAD_AES_128_GCM roc 1 ssrc 0x11223344"));
	ck_assert_ptr_nonnull(strstr(buf, "latched   [2001:db8::99]:5004"));
	ck_assert_ptr_nonnull(strstr(buf, "auth-fail 2"));
	free(buf);
}
END_TEST

START_TEST(addr_str)
{
	char b[64];
	uint8_t a[16] = { 0 };

	inet_pton(AF_INET, "192.0.2.7", a);
	ck_assert_str_eq(sl_flowspec_addr_str(4, a, 5004, b, sizeof(b)), "192.0.2.7:5004");
	inet_pton(AF_INET6, "2001:db8::7", a);
	ck_assert_str_eq(sl_flowspec_addr_str(6, a, 1, b, sizeof(b)), "[2001:db8::7]:1");
	ck_assert_str_eq(sl_flowspec_action_name(SL_DP_ACT_REKEY), "srtp-rekey");
	ck_assert_str_eq(sl_flowspec_action_name(99), "?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("flowspec");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, protect_full);
	tcase_add_test(tc, forward_and_drop);
	tcase_add_test(tc, unprotect_window);
	tcase_add_test(tc, rekey_two_keys);
	tcase_add_test(tc, ipv6_flow);
	tcase_add_test(tc, any_latch);
	tcase_add_test(tc, mki_keys);
	tcase_add_test(tc, crypto_file);
	tcase_add_test(tc, error_messages);
	tcase_add_test(tc, crypto_errors);
	tcase_add_test(tc, line_syntax);
	tcase_add_test(tc, json_valid);
	tcase_add_test(tc, readable);
	tcase_add_test(tc, addr_str);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
