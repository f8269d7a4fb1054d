/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-srtp: encrypt RTP/RTCP to SRTP/SRTCP, or decrypt it back, for
 * the UDP packets of a capture file. One stream per SSRC, all keyed from the
 * one SDES inline key given on the command line (RFC 4568 §6.1).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_walk.h"
#include "sdes.h"
#include "srtp.h"
#include "ssrc_map.h"

#define MAX_FRAME (262144 + SL_SRTP_MAX_TRAILER)
#define MAX_SHOWN_FAILURES 10

enum exit_code { EXIT_OK = 0, EXIT_FAILED_PACKETS = 1, EXIT_USAGE = 2 };

struct counters {
	uint64_t read, rtp, rtcp, auth, replay, malformed, other_fail;
	uint64_t not_rtp, not_udp, fragments, truncated, other_ssrc, written, dropped;
};

struct tool {
	bool decrypt, keep_failed, ssrc_filter, roc_set;
	uint32_t ssrc, roc, port;
	uint16_t window;
	const char *suite_name, *key, *engine_name, *engine_args, *in_path, *out_path;
	enum sl_srtp_suite suite;
	struct sl_srtp_policy policy;     /* template: SSRC filled per stream */
	struct sl_engine *engine;
	struct ssrc_map streams;
	pcap_t *in, *out_handle;
	pcap_dumper_t *out;
	int dlt;
	struct counters c;
	bool rewritten;                   /* buf holds a transformed frame */
	uint8_t buf[MAX_FRAME];
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: shieldlock-srtp encrypt|decrypt --suite SUITE --key KEY [options] IN.pcap OUT.pcap\n"
"\n"
"Encrypts RTP/RTCP to SRTP/SRTCP (encrypt) or decrypts SRTP/SRTCP to RTP/RTCP\n"
"(decrypt) for every UDP packet of IN.pcap that looks like RTP or RTCP (version 2;\n"
"RTP and RTCP on one port are told apart per RFC 5761), and writes OUT.pcap.\n"
"Other packets are copied unchanged. IP fragments are not reassembled: they are\n"
"copied unchanged and counted.\n"
"\n"
"  --suite SUITE    AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32,\n"
"                   AES_256_CM_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32,\n"
"                   AEAD_AES_128_GCM, AEAD_AES_256_GCM, NULL_HMAC_SHA1_80\n"
"  --key KEY        SDES inline key (RFC 4568): base64 of master key || master salt,\n"
"                   optionally followed by |LIFETIME and/or |MKI:LEN (LEN 1..4);\n"
"                   the \"inline:\" prefix is optional\n"
"  --ssrc SSRC      process only this SSRC (decimal or 0x hex); others are copied\n"
"  --roc N          initial rollover counter of every stream (default 0)\n"
"  --window N       replay window, a power of two 64..32768 (default 128)\n"
"  --port N         process only UDP packets with this source or destination port\n"
"  --engine NAME    crypto engine: ipsec-mb (default; falls back to openssl if it\n"
"                   cannot start), openssl, cryptodev\n"
"  --engine-args A  engine arguments (cryptodev: the device, e.g. crypto_aesni_mb)\n"
"  --keep-failed    write packets that fail (authentication, replay, malformed)\n"
"                   unchanged; by default they are counted and NOT written\n"
"  --help           this text\n"
"\n"
"Each SSRC gets its own stream (RTP and RTCP share it), created when the SSRC is\n"
"first seen. A summary goes to stderr. Exit status: 0 all packets processed,\n"
"1 some packets failed (authentication, replay, malformed), 2 usage or I/O error.\n");
}

static int parse_u32(const char *opt, const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "shieldlock-srtp: %s '%s': expected a number 0..%" PRIu32 "\n", opt, s, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_window(struct tool *t, const char *s)
{
	uint32_t w;

	if (parse_u32("--window", s, SL_SRTP_MAX_WINDOW, &w) < 0)
		return -1;
	if (w < 64 || (w & (w - 1))) {
		fprintf(stderr, "shieldlock-srtp: --window %s: must be a power of two 64..%d\n", s,
			SL_SRTP_MAX_WINDOW);
		return -1;
	}
	t->window = (uint16_t)w;
	return 0;
}

enum { OPT_SUITE = 256, OPT_KEY, OPT_SSRC, OPT_ROC, OPT_WINDOW, OPT_PORT, OPT_ENGINE,
       OPT_ENGINE_ARGS, OPT_KEEP, OPT_HELP };

static const struct option options[] = {
	{ "suite", required_argument, NULL, OPT_SUITE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "ssrc", required_argument, NULL, OPT_SSRC },
	{ "roc", required_argument, NULL, OPT_ROC },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "engine-args", required_argument, NULL, OPT_ENGINE_ARGS },
	{ "keep-failed", no_argument, NULL, OPT_KEEP },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_option(struct tool *t, int o, const char *arg)
{
	switch (o) {
	case OPT_SUITE: t->suite_name = arg; return 0;
	case OPT_KEY: t->key = arg; return 0;
	case OPT_SSRC: t->ssrc_filter = true; return parse_u32("--ssrc", arg, UINT32_MAX, &t->ssrc);
	case OPT_ROC: t->roc_set = true; return parse_u32("--roc", arg, UINT32_MAX, &t->roc);
	case OPT_WINDOW: return parse_window(t, arg);
	case OPT_PORT: return parse_u32("--port", arg, 65535, &t->port);
	case OPT_ENGINE: t->engine_name = arg; return 0;
	case OPT_ENGINE_ARGS: t->engine_args = arg; return 0;
	case OPT_KEEP: t->keep_failed = true; return 0;
	case OPT_HELP: usage(stdout); exit(EXIT_OK);
	default: return -1;
	}
}

static int parse_args(struct tool *t, int argc, char **argv)
{
	int o;

	while ((o = getopt_long(argc, argv, "", options, NULL)) != -1)
		if (parse_option(t, o, optarg) < 0)
			return -1;
	if (argc - optind != 3) {
		fprintf(stderr, "shieldlock-srtp: expected encrypt|decrypt IN.pcap OUT.pcap\n");
		return -1;
	}
	if (strcmp(argv[optind], "encrypt") == 0)
		t->decrypt = false;
	else if (strcmp(argv[optind], "decrypt") == 0)
		t->decrypt = true;
	else {
		fprintf(stderr, "shieldlock-srtp: unknown command '%s' (encrypt or decrypt)\n", argv[optind]);
		return -1;
	}
	t->in_path = argv[optind + 1];
	t->out_path = argv[optind + 2];
	if (!t->suite_name || !t->key) {
		fprintf(stderr, "shieldlock-srtp: --suite and --key are required\n");
		return -1;
	}
	return 0;
}

/* --suite and --key into the policy template, via the SDES mapping. */
static int make_policy(struct tool *t)
{
	struct sl_sdes_crypto c;
	char err[256];
	const char *msg = err;
	int s = sl_srtp_suite_from_name(t->suite_name, strlen(t->suite_name));
	int rc;

	if (s < 0) {
		fprintf(stderr, "shieldlock-srtp: --suite '%s' unknown; one of:", t->suite_name);
		for (int i = 0; i < SL_SUITE__COUNT; i++)
			fprintf(stderr, " %s", sl_srtp_suite_info((enum sl_srtp_suite)i)->name);
		fputc('\n', stderr);
		return -1;
	}
	t->suite = (enum sl_srtp_suite)s;
	memset(&c, 0, sizeof(c));
	c.tag = 1;
	c.suite = t->suite;
	c.nkeys = 1;
	rc = sl_sdes_parse_key(t->key, strlen(t->key), t->suite, &c.keys[0], err, sizeof(err));
	if (rc == 0)
		rc = sl_sdes_to_policy(&c, t->decrypt ? SL_SRTP_INBOUND : SL_SRTP_OUTBOUND,
				       &t->policy, err, sizeof(err));
	sl_sdes_wipe(&c);
	if (rc < 0) {
		if (strncmp(msg, "key-params: ", 12) == 0)
			msg += 12;
		fprintf(stderr, "shieldlock-srtp: --key: %s\n", msg);
		return -1;
	}
	t->policy.roc = t->roc;
	t->policy.replay_window = t->window;
	t->policy.ssrc_set = true;
	return 0;
}

static int open_engine(struct tool *t)
{
	int err = 0;

	if (t->engine_name) {
		t->engine = sl_engine_open(t->engine_name, t->engine_args, &err);
		if (!t->engine)
			fprintf(stderr, "shieldlock-srtp: --engine %s: cannot start (%s)\n", t->engine_name,
				strerror(-err));
		return t->engine ? 0 : -1;
	}
	t->engine = sl_engine_open("ipsec-mb", NULL, &err);
	if (t->engine)
		return 0;
	fprintf(stderr, "shieldlock-srtp: note: engine ipsec-mb unavailable (%s), using openssl\n",
		strerror(-err));
	t->engine = sl_engine_open("openssl", NULL, &err);
	if (!t->engine)
		fprintf(stderr, "shieldlock-srtp: engine openssl cannot start (%s)\n", strerror(-err));
	return t->engine ? 0 : -1;
}

static struct sl_srtp_stream *create_stream(struct tool *t, uint32_t ssrc, char *msg, size_t len)
{
	int err = 0;

	t->policy.ssrc = ssrc;
	return sl_srtp_stream_create(t->engine, &t->policy, &err, msg, len);
}

/* Creates and frees one stream so a bad key or policy is reported up front. */
static int check_policy(struct tool *t)
{
	char msg[256] = "";
	struct sl_srtp_stream *s = create_stream(t, 0, msg, sizeof(msg));

	if (!s) {
		fprintf(stderr, "shieldlock-srtp: cannot create an SRTP stream: %s\n", msg);
		return -1;
	}
	sl_srtp_stream_free(t->engine, s);
	return 0;
}

static struct sl_srtp_stream *stream_for(struct tool *t, uint32_t ssrc)
{
	struct sl_srtp_stream *s = ssrc_map_get(&t->streams, ssrc);
	char msg[256] = "";

	if (s)
		return s;
	s = create_stream(t, ssrc, msg, sizeof(msg));
	if (!s) {
		fprintf(stderr, "shieldlock-srtp: SSRC 0x%08" PRIx32 ": cannot create stream: %s\n", ssrc, msg);
		return NULL;
	}
	if (ssrc_map_put(&t->streams, ssrc, s) < 0) {
		sl_srtp_stream_free(t->engine, s);
		return NULL;
	}
	return s;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void count_failure(struct tool *t, int rc, uint32_t ssrc, bool rtcp)
{
	uint64_t *n;

	switch (-rc) {
	case SL_SRTP_ERR_AUTH: n = &t->c.auth; break;
	case SL_SRTP_ERR_REPLAY:
	case SL_SRTP_ERR_REPLAY_OLD: n = &t->c.replay; break;
	case SL_SRTP_ERR_TRUNCATED: case SL_SRTP_ERR_VERSION: case SL_SRTP_ERR_CSRC:
	case SL_SRTP_ERR_EXTENSION: case SL_SRTP_ERR_PADDING: case SL_SRTP_ERR_EMPTY:
	default: n = &t->c.other_fail; break;
	}
	(*n)++;
	if (t->c.auth + t->c.replay + t->c.malformed + t->c.other_fail <= MAX_SHOWN_FAILURES)
		fprintf(stderr, "shieldlock-srtp: packet %" PRIu64 ": %s SSRC 0x%08" PRIx32 ": %s%s\n",
			t->c.read, rtcp ? "RTCP" : "RTP", ssrc, sl_srtp_strerror(rc),
			t->keep_failed ? " (written unchanged)" : " (not written)");
}

/* Runs the SRTP operation on the UDP payload in place. Returns 0 or -SL_SRTP_ERR_x. */
static int transform(struct tool *t, struct sl_srtp_stream *s, bool rtcp, uint8_t *p,
		     size_t *len, size_t cap)
{
	if (t->decrypt)
		return rtcp ? sl_srtcp_unprotect(t->engine, s, p, len) : sl_srtp_unprotect(t->engine, s, p, len);
	return rtcp ? sl_srtcp_protect(t->engine, s, p, len, cap) : sl_srtp_protect(t->engine, s, p, len, cap);
}

static bool port_matches(const struct tool *t, const uint8_t *frame, const struct pw_udp *u)
{
	const uint8_t *h = frame + u->udp_off;

	return !t->port || (uint32_t)(h[0] << 8 | h[1]) == t->port ||
	       (uint32_t)(h[2] << 8 | h[3]) == t->port;
}

static bool looks_like_rtp(const uint8_t *p, size_t n, bool *rtcp)
{
	if (n < 8 || (p[0] >> 6) != 2)  /* RFC 3550 §5.1 / §6.4: version 2 */
		return false;
	*rtcp = sl_srtp_is_rtcp(p, n);
	return *rtcp || n >= 12;
}

/* Returns the frame length to write, or 0 to drop. -1 on a fatal error. */
static long handle_udp(struct tool *t, size_t caplen, const struct pw_udp *u)
{
	uint8_t *p = t->buf + u->payload_off;
	size_t len = u->payload_len, newlen;
	struct sl_srtp_stream *s;
	uint32_t ssrc;
	bool rtcp;
	int rc;

	if (!port_matches(t, t->buf, u) || !looks_like_rtp(p, len, &rtcp)) {
		t->c.not_rtp++;
		return (long)caplen;
	}
	ssrc = rtcp ? rd32(p + 4) : rd32(p + 8);
	if (t->ssrc_filter && ssrc != t->ssrc) {
		t->c.other_ssrc++;
		return (long)caplen;
	}
	s = stream_for(t, ssrc);
	if (!s)
		return -1;
	rc = transform(t, s, rtcp, p, &len, sizeof(t->buf) - u->payload_off);
	if (rc == 0)
		newlen = pw_set_payload_len(t->buf, u, len);
	else
		newlen = 0;
	if (rc == 0 && newlen == 0)
		rc = -SL_SRTP_ERR_NO_SPACE;
	if (rc < 0) {
		count_failure(t, rc, ssrc, rtcp);
		return t->keep_failed ? (long)caplen : 0;
	}
	if (rtcp)
		t->c.rtcp++;
	else
		t->c.rtp++;
	t->rewritten = true;
	return (long)newlen;
}

static int handle_packet(struct tool *t, const struct pcap_pkthdr *h, const uint8_t *data)
{
	struct pcap_pkthdr oh = *h;
	struct pw_udp u;
	long out = (long)h->caplen;

	t->c.read++;
	t->rewritten = false;
	if (h->caplen > sizeof(t->buf) - SL_SRTP_MAX_TRAILER) {
		t->c.truncated++;
		pcap_dump((u_char *)t->out, h, data);
		t->c.written++;
		return 0;
	}
	memcpy(t->buf, data, h->caplen);
	switch (pw_find_udp(t->dlt, t->buf, h->caplen, h->len, &u)) {
	case PW_UDP:
		out = handle_udp(t, h->caplen, &u);
		break;
	case PW_FRAGMENT: t->c.fragments++; break;
	case PW_TRUNCATED: t->c.truncated++; break;
	default: t->c.not_udp++; break;
	}
	if (out < 0)
		return -1;
	if (out == 0) {
		t->c.dropped++;
		return 0;
	}
	if (t->rewritten) {
		oh.caplen = oh.len = (bpf_u_int32)out;
		pcap_dump((u_char *)t->out, &oh, t->buf);
	} else {
		pcap_dump((u_char *)t->out, h, data);  /* unchanged: byte-exact copy */
	}
	t->c.written++;
	return 0;
}

static void summary(const struct tool *t)
{
	const struct counters *c = &t->c;

	fprintf(stderr,
		"shieldlock-srtp %s summary (engine %s, %zu SSRC stream(s)):\n"
		"  packets read         %" PRIu64 "\n"
		"  RTP %-16s %" PRIu64 "\n"
		"  RTCP %-15s %" PRIu64 "\n"
		"  auth failures        %" PRIu64 "\n"
		"  replays              %" PRIu64 "\n"
		"  malformed            %" PRIu64 "\n"
		"  other failures       %" PRIu64 "\n"
		"  skipped non-RTP UDP  %" PRIu64 "\n"
		"  skipped non-UDP      %" PRIu64 "\n"
		"  skipped fragments    %" PRIu64 "\n"
		"  skipped truncated    %" PRIu64 "\n"
		"  skipped other SSRC   %" PRIu64 "\n"
		"  failed, %-12s %" PRIu64 "\n"
		"  written              %" PRIu64 "\n",
		t->decrypt ? "decrypt" : "encrypt", t->engine->ops->name, t->streams.n,
		c->read, t->decrypt ? "decrypted" : "encrypted", c->rtp,
		t->decrypt ? "decrypted" : "encrypted", c->rtcp, c->auth, c->replay, c->malformed,
		c->other_fail, c->not_rtp, c->not_udp, c->fragments, c->truncated, c->other_ssrc,
		t->keep_failed ? "kept" : "not written",
		t->keep_failed ? c->auth + c->replay + c->malformed + c->other_fail : c->dropped,
		c->written);
}

static int open_files(struct tool *t)
{
	char err[PCAP_ERRBUF_SIZE + 256];

	if (pw_open(t->in_path, t->out_path, &t->in, &t->out_handle, &t->out, err, sizeof(err)) < 0) {
		fprintf(stderr, "shieldlock-srtp: %s\n", err);
		return -1;
	}
	return 0;
}

/* Processes every packet, then closes the files. Returns 0 or -1 (I/O). */
static int run(struct tool *t)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	t->dlt = pcap_datalink(t->in);
	if (!pw_linktype_supported(t->dlt))
		fprintf(stderr, "shieldlock-srtp: note: link type %s not supported; copying packets unchanged\n",
			pcap_datalink_val_to_name(t->dlt) ? pcap_datalink_val_to_name(t->dlt) : "?");
	while ((rc = pcap_next_ex(t->in, &h, &data)) == 1)
		if (handle_packet(t, h, data) < 0)
			break;
	if (rc == PCAP_ERROR)
		fprintf(stderr, "shieldlock-srtp: %s: %s\n", t->in_path, pcap_geterr(t->in));
	if (pcap_dump_flush(t->out) < 0) {
		fprintf(stderr, "shieldlock-srtp: %s: write failed\n", t->out_path);
		rc = PCAP_ERROR;
	}
	pcap_dump_close(t->out);
	pcap_close(t->out_handle);
	pcap_close(t->in);
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

static void free_stream(struct sl_srtp_stream *s, void *arg)
{
	sl_srtp_stream_free(arg, s);
}

int main(int argc, char **argv)
{
	static struct tool t;  /* large buffer: not on the stack */
	int rc = EXIT_USAGE;

	if (parse_args(&t, argc, argv) < 0) {
		fprintf(stderr, "Try 'shieldlock-srtp --help'.\n");
		return EXIT_USAGE;
	}
	if (make_policy(&t) < 0)
		return EXIT_USAGE;
	if (open_engine(&t) < 0)
		goto err_policy;
	if (check_policy(&t) < 0 || ssrc_map_init(&t.streams) < 0)
		goto err_engine;
	if (open_files(&t) < 0)
		goto err_streams;
	if (run(&t) == 0) {
		rc = (t.c.auth + t.c.replay + t.c.malformed + t.c.other_fail) ? EXIT_FAILED_PACKETS : EXIT_OK;
		summary(&t);
	}
err_streams:
	ssrc_map_free(&t.streams, free_stream, t.engine);
err_engine:
	sl_engine_close(t.engine);
err_policy:
	sl_srtp_policy_wipe(&t.policy);
	return rc;
}
