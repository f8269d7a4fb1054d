/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-gen application options (after EAL's "--"). Every bad value
 * stops the program with a message naming the option (exit 2).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static const char *const scenario_names[GEN_SC__COUNT] = {
	[GEN_SC_RTP_RTP] = "rtp-rtp",
	[GEN_SC_RTP_SRTP] = "rtp-srtp",
	[GEN_SC_SRTP_RTP] = "srtp-rtp",
	[GEN_SC_SRTP_SRTP] = "srtp-srtp",
};

const char *gen_scenario_name(enum gen_scenario s)
{
	return (unsigned)s < GEN_SC__COUNT ? scenario_names[s] : "?";
}

void gen_usage(FILE *f)
{
	fprintf(f,
"usage: shieldlock-gen [EAL options] -- [options]\n"
"\n"
"Plays N concurrent RTP or SRTP media streams out of one DPDK port, receives\n"
"what the data plane (shieldlock-dp) sends back on another and checks it: loss,\n"
"duplicates, reordering, SRTP authentication with the leg's key, latency and\n"
"jitter. Exit status: 0 checks passed, 1 checks failed, 2 usage or setup error.\n"
"\n"
"Scenario\n"
"  --scenario S        what is sent -> what must come back (default srtp-srtp):\n"
"                      rtp-rtp (dp action forward), rtp-srtp (srtp-protect),\n"
"                      srtp-rtp (srtp-unprotect), srtp-srtp (srtp-rekey, one key\n"
"                      per leg)\n"
"  --calls N           concurrent streams, 1..%u (default 100)\n"
"  --suite NAME        SRTP suite (default AES_CM_128_HMAC_SHA1_80); any RFC 4568,\n"
"                      RFC 6188 or RFC 7714 name\n"
"  --seed N            derive keys, SSRCs and sequence numbers from N\n"
"                      (reproducible, NOT secret); default: OpenSSL RAND_bytes\n"
"\n"
"Data plane\n"
"  --dp-socket PATH    shieldlock-dp control socket: one flow per stream is added\n"
"                      before the run and deleted after it\n"
"  --dp-in-port P      dp port that receives the generator's TX (default 0)\n"
"  --dp-out-port P     dp port that sends to the generator's RX (default 1)\n"
"  --no-setup          do not program flows (a script did; use --seed)\n"
"  --keep-flows        leave the flows in the data plane at the end\n"
"  --setup-only        program the flows (and write --flows-out), then exit\n"
"  --first-packet F    continue the streams of an earlier run (same --seed,\n"
"                      --no-setup) that sent F packets per stream: sequence\n"
"                      numbers, timestamps and ROC carry on, so the data\n"
"                      plane's replay windows accept them (default 0)\n"
"  --flows-out FILE    write the flows in shieldlockctl/--flows syntax, keys\n"
"                      included (file mode 0600)\n"
"  --loopback          no data plane: the RX port receives the TX packets as\n"
"                      sent (net_ring0, or TX and RX ports cabled together);\n"
"                      scenarios rtp-rtp and srtp-srtp only\n"
"\n"
"Traffic\n"
"  --tx-port P         DPDK port to send on (default 0)\n"
"  --rx-port P         DPDK port to receive on (default: the other of ports 0\n"
"                      and 1 if EAL probed two or more, else the TX port)\n"
"  --ptime MS          packet time per stream, 1..1000 (default 20)\n"
"  --payload BYTES     RTP payload bytes, 16..%u (default 160: G.711 20 ms)\n"
"  --rate PPS          fixed aggregate rate; default real time: every stream\n"
"                      at its packet time (calls * 1000 / ptime pps), phases\n"
"                      spread evenly\n"
"  --duration S        measured seconds of traffic (default 10)\n"
"  --warmup S          seconds of traffic before the measurement (default 0):\n"
"                      not counted in loss, latency or rates\n"
"  --cooldown S        seconds of traffic after the measurement (default 0):\n"
"                      sent and checked, but not counted\n"
"  --drain S           how long to wait for late packets after the last one\n"
"                      was sent (default 0.5)\n"
"  --attach NETNS:DEVARGS  create one more virtual port inside network\n"
"                      namespace NETNS (ip netns name; empty = this one), e.g.\n"
"                      sl-trunk:net_af_packet1,iface=trunk0: the rig's phone\n"
"                      and trunk veths live in different namespaces; up to %u\n"
"  --dst-mac MAC       Ethernet destination of sent packets (default: the dp\n"
"                      port's MAC from the control socket; else broadcast)\n"
"  --no-udp-csum       send UDP checksum 0 (IPv4 allows it) to save cycles\n"
"  --link-timeout S    wait this long for the ports' link (memif connect)\n"
"                      (default 10)\n"
"\n"
"Checks\n"
"  --verify-sample N   decrypt and check 1 in N SRTP packets of every stream\n"
"                      (default 1: all); the summary says which\n"
"  --max-loss PCT      loss allowed before the run fails, percent (default 0)\n"
"  --engine E[:ARGS]   crypto engine for the generator's own SRTP: ipsec-mb\n"
"                      (default), openssl, cryptodev:DEVICE\n"
"  --lat-ring N        TX timestamps kept per stream for latency, power of 2,\n"
"                      4..4096 (default 64)\n"
"  --mbufs N           mbufs in the generator's pool (default 16384)\n"
"\n"
"Output\n"
"  --json FILE         write the results as JSON\n"
"  --quiet             no progress line (the summary is still printed)\n"
"  -h, --help          this text\n"
"\n"
"Test hooks\n"
"  --drop-every K      do not send every K-th packet (counted as sent): loss\n"
"                      must be detected\n"
"  --corrupt-every K   flip a payload bit of every K-th packet after protection:\n"
"                      with --loopback the RX must count authentication\n"
"                      failures; through a dp they are dropped there (loss)\n"
"\n"
"Lcores: with one lcore (-l 0) it sends and receives on it; with two, the\n"
"main lcore sends and the second receives; with three, the main lcore only\n"
"reports and the others send and receive.\n"
"\n"
"Example (shieldlock-dp serving two memif ports at /tmp/sl-memif{0,1}.sock):\n"
"  shieldlock-gen -l 0 --no-pci --no-huge -m 512 --file-prefix gen \\\n"
"    --vdev net_memif0,role=client,socket=/tmp/sl-memif0.sock \\\n"
"    --vdev net_memif1,role=client,socket=/tmp/sl-memif1.sock -- \\\n"
"    --dp-socket /run/shieldlock/dp.sock --scenario srtp-srtp --calls 1000 \\\n"
"    --duration 10 --json result.json\n",
		GEN_MAX_STREAMS, GEN_PAYLOAD_MAX, GEN_MAX_ATTACH);
}

static int bad(const char *opt, const char *val, const char *why)
{
	if (*val)
		fprintf(stderr, "shieldlock-gen: %s '%s': %s (see --help)\n", opt, val, why);
	else
		fprintf(stderr, "shieldlock-gen: %s: %s (see --help)\n", opt, why);
	return -EINVAL;
}

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-')
		return bad(opt, s ? s : "", "expected a non-negative integer");
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return bad(opt, s, "expected a non-negative integer");
	if (v < lo || v > hi) {
		char why[96];

		snprintf(why, sizeof(why), "out of range %" PRIu64 "..%" PRIu64, lo, hi);
		return bad(opt, s, why);
	}
	*out = v;
	return 0;
}

static int parse_u32(const char *opt, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;
	int rc = parse_u64(opt, s, lo, hi, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static int parse_u16(const char *opt, const char *s, uint16_t *out)
{
	uint32_t v;
	int rc = parse_u32(opt, s, 0, SL_DP_MAX_PORTS - 1, &v);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v))
		return bad(opt, s, "expected a number");
	if (v < lo || v > hi) {
		char why[96];

		snprintf(why, sizeof(why), "out of range %g..%g", lo, hi);
		return bad(opt, s, why);
	}
	*out = v;
	return 0;
}

static int parse_mac(const char *opt, const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return bad(opt, s, "expected a MAC address like 02:00:00:00:00:01");
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return bad(opt, s, "expected a MAC address like 02:00:00:00:00:01");
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int parse_scenario(const char *s, enum gen_scenario *out)
{
	for (int i = 0; i < GEN_SC__COUNT; i++)
		if (strcmp(s, scenario_names[i]) == 0) {
			*out = (enum gen_scenario)i;
			return 0;
		}
	return bad("--scenario", s, "expected rtp-rtp, rtp-srtp, srtp-rtp or srtp-srtp");
}

static int parse_engine(struct gen_opts *o, char *s)
{
	char *colon = strchr(s, ':');

	if (colon) {
		*colon = '\0';
		o->engine_args = colon + 1;
	}
	if (!sl_engine_find(s))
		return bad("--engine", s, "unknown engine; expected ipsec-mb, openssl or cryptodev:DEVICE");
	o->engine = s;
	return 0;
}

enum {
	OPT_SCENARIO = 256, OPT_CALLS, OPT_SUITE, OPT_SEED, OPT_DP_SOCKET, OPT_DP_IN,
	OPT_DP_OUT, OPT_NO_SETUP, OPT_KEEP_FLOWS, OPT_SETUP_ONLY, OPT_FLOWS_OUT,
	OPT_LOOPBACK, OPT_TX_PORT, OPT_RX_PORT, OPT_PTIME, OPT_PAYLOAD, OPT_RATE,
	OPT_ATTACH, OPT_DURATION, OPT_WARMUP, OPT_COOLDOWN, OPT_DRAIN, OPT_DST_MAC, OPT_NO_UDP_CSUM,
	OPT_LINK_TIMEOUT, OPT_VERIFY_SAMPLE, OPT_MAX_LOSS, OPT_ENGINE, OPT_LAT_RING,
	OPT_MBUFS, OPT_FIRST_PACKET, OPT_JSON, OPT_QUIET, OPT_DROP_EVERY, OPT_CORRUPT_EVERY,
};

static const struct option longopts[] = {
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "calls", required_argument, NULL, OPT_CALLS },
	{ "suite", required_argument, NULL, OPT_SUITE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "dp-socket", required_argument, NULL, OPT_DP_SOCKET },
	{ "dp-in-port", required_argument, NULL, OPT_DP_IN },
	{ "dp-out-port", required_argument, NULL, OPT_DP_OUT },
	{ "no-setup", no_argument, NULL, OPT_NO_SETUP },
	{ "keep-flows", no_argument, NULL, OPT_KEEP_FLOWS },
	{ "setup-only", no_argument, NULL, OPT_SETUP_ONLY },
	{ "flows-out", required_argument, NULL, OPT_FLOWS_OUT },
	{ "loopback", no_argument, NULL, OPT_LOOPBACK },
	{ "tx-port", required_argument, NULL, OPT_TX_PORT },
	{ "rx-port", required_argument, NULL, OPT_RX_PORT },
	{ "ptime", required_argument, NULL, OPT_PTIME },
	{ "payload", required_argument, NULL, OPT_PAYLOAD },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "cooldown", required_argument, NULL, OPT_COOLDOWN },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
	{ "no-udp-csum", no_argument, NULL, OPT_NO_UDP_CSUM },
	{ "link-timeout", required_argument, NULL, OPT_LINK_TIMEOUT },
	{ "verify-sample", required_argument, NULL, OPT_VERIFY_SAMPLE },
	{ "max-loss", required_argument, NULL, OPT_MAX_LOSS },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "lat-ring", required_argument, NULL, OPT_LAT_RING },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "first-packet", required_argument, NULL, OPT_FIRST_PACKET },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "drop-every", required_argument, NULL, OPT_DROP_EVERY },
	{ "corrupt-every", required_argument, NULL, OPT_CORRUPT_EVERY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void set_defaults(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->scenario = GEN_SC_SRTP_SRTP;
	o->calls = 100;
	o->ptime_ms = 20;
	o->payload = 160;
	o->duration = 10;
	o->drain = 0.5;
	o->link_timeout = 10;
	o->dp_out_port = 1;
	o->engine = "ipsec-mb";
	o->suite = SL_SUITE_AES_CM_128_HMAC_SHA1_80;
	o->verify_sample = 1;
	o->mbufs = 16384;
	o->lat_ring = 64;
	o->udp_csum = true;
}

static int parse_one(struct gen_opts *o, int c, char *arg)
{
	double pct;
	int s;

	switch (c) {
	case OPT_SCENARIO: return parse_scenario(arg, &o->scenario);
	case OPT_CALLS: return parse_u32("--calls", arg, 1, GEN_MAX_STREAMS, &o->calls);
	case OPT_SUITE:
		s = sl_srtp_suite_from_name(arg, strlen(arg));
		if (s < 0)
			return bad("--suite", arg, "unknown SRTP suite (e.g. AES_CM_128_HMAC_SHA1_80)");
		o->suite = (enum sl_srtp_suite)s;
		return 0;
	case OPT_SEED:
		o->seeded = true;
		return parse_u64("--seed", arg, 0, UINT64_MAX, &o->seed);
	case OPT_DP_SOCKET: o->dp_socket = arg; return 0;
	case OPT_DP_IN: return parse_u16("--dp-in-port", arg, &o->dp_in_port);
	case OPT_DP_OUT: return parse_u16("--dp-out-port", arg, &o->dp_out_port);
	case OPT_NO_SETUP: o->no_setup = true; return 0;
	case OPT_KEEP_FLOWS: o->keep_flows = true; return 0;
	case OPT_SETUP_ONLY: o->setup_only = true; return 0;
	case OPT_FLOWS_OUT: o->flows_out = arg; return 0;
	case OPT_LOOPBACK: o->loopback = true; return 0;
	case OPT_TX_PORT: o->tx_port_set = true; return parse_u16("--tx-port", arg, &o->tx_port);
	case OPT_RX_PORT: o->rx_port_set = true; return parse_u16("--rx-port", arg, &o->rx_port);
	case OPT_PTIME: return parse_u32("--ptime", arg, 1, 1000, &o->ptime_ms);
	case OPT_PAYLOAD: return parse_u32("--payload", arg, 16, GEN_PAYLOAD_MAX, &o->payload);
	case OPT_RATE: return parse_double("--rate", arg, 1, 100e6, &o->rate);
	case OPT_DURATION: return parse_double("--duration", arg, 0.01, 86400, &o->duration);
	case OPT_WARMUP: return parse_double("--warmup", arg, 0, 3600, &o->warmup);
	case OPT_COOLDOWN: return parse_double("--cooldown", arg, 0, 3600, &o->cooldown);
	case OPT_DRAIN: return parse_double("--drain", arg, 0, 60, &o->drain);
	case OPT_ATTACH:
		if (!strchr(arg, ':') || !strchr(arg, ':')[1])
			return bad("--attach", arg, "expected NETNS:DEVARGS, e.g. "
				   "sl-trunk:net_af_packet1,iface=trunk0");
		if (o->nattach == GEN_MAX_ATTACH)
			return bad("--attach", arg, "too many (at most 4)");
		o->attach[o->nattach++] = arg;
		return 0;
	case OPT_DST_MAC: o->have_dst_mac = true; return parse_mac("--dst-mac", arg, o->dst_mac);
	case OPT_NO_UDP_CSUM: o->udp_csum = false; return 0;
	case OPT_LINK_TIMEOUT:
		return parse_double("--link-timeout", arg, 0, 600, &o->link_timeout);
	case OPT_VERIFY_SAMPLE:
		return parse_u32("--verify-sample", arg, 1, 16384, &o->verify_sample);
	case OPT_MAX_LOSS:
		if (parse_double("--max-loss", arg, 0, 100, &pct))
			return -EINVAL;
		o->max_loss = pct / 100.0;
		return 0;
	case OPT_ENGINE: return parse_engine(o, arg);
	case OPT_LAT_RING:
		if (parse_u32("--lat-ring", arg, 4, 4096, &o->lat_ring))
			return -EINVAL;
		if (o->lat_ring & (o->lat_ring - 1))
			return bad("--lat-ring", arg, "must be a power of 2");
		return 0;
	case OPT_MBUFS: return parse_u32("--mbufs", arg, 1024, 4u << 20, &o->mbufs);
	case OPT_FIRST_PACKET:
		return parse_u64("--first-packet", arg, 0, 1ull << 40, &o->first_packet);
	case OPT_JSON: o->json_path = arg; return 0;
	case OPT_QUIET: o->quiet = true; return 0;
	case OPT_DROP_EVERY: return parse_u32("--drop-every", arg, 2, UINT32_MAX, &o->drop_every);
	case OPT_CORRUPT_EVERY:
		return parse_u32("--corrupt-every", arg, 1, UINT32_MAX, &o->corrupt_every);
	default:
		return -EINVAL;
	}
}

/* Checks that need several options together. */
static int check_combination(struct gen_opts *o)
{
	bool srtp_in = o->scenario == GEN_SC_SRTP_RTP || o->scenario == GEN_SC_SRTP_SRTP;
	bool srtp_out = o->scenario == GEN_SC_RTP_SRTP || o->scenario == GEN_SC_SRTP_SRTP;

	if (o->loopback && srtp_in != srtp_out)
		return bad("--scenario", gen_scenario_name(o->scenario),
			   "with --loopback nothing transforms the packets: use rtp-rtp or srtp-srtp");
	if (o->loopback && (o->dp_socket || o->setup_only))
		return bad("--loopback", "", "has no data plane: drop --dp-socket / --setup-only");
	if (!o->loopback && !o->no_setup && !o->dp_socket)
		return bad("--dp-socket", "", "needed to program the data plane (or give "
			   "--no-setup if a script programs it, or --loopback for a self-test)");
	if (o->setup_only && o->no_setup)
		return bad("--setup-only", "", "contradicts --no-setup");
	if (o->corrupt_every && !srtp_in)
		return bad("--corrupt-every", "", "damages the SRTP the generator sends: needs "
			   "srtp-srtp or srtp-rtp");
	return 0;
}

/* Returns 0, 1 for --help (caller exits 0) or -EINVAL (exit 2). */
int gen_parse_options(struct gen_opts *o, int argc, char **argv)
{
	int c;

	set_defaults(o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			gen_usage(stdout);
			return 1;
		}
		if (c == ':') {
			fprintf(stderr, "shieldlock-gen: %s needs a value (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		if (c == '?') {
			fprintf(stderr, "shieldlock-gen: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		if (parse_one(o, c, optarg))
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "shieldlock-gen: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	return check_combination(o);
}
