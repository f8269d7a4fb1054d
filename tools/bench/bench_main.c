/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-bench srtp [options]
 *
 * Packets per second per core and TSC cycles per packet of our SRTP core on
 * each engine, with Debian's libsrtp2 and raw IPsec-MB crypto measured in the
 * same run; writes docs/benchmarks.md's SRTP section and SVG plots.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_calls.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: shieldlock-bench srtp [options]\n"
		"       shieldlock-bench dp [options]   (data plane; see shieldlock-bench dp --help)\n"
		"       shieldlock-bench calls [options] (control plane; see shieldlock-bench calls --help)\n"
		"       shieldlock-bench prov [options]  (provisioning tree; see shieldlock-bench prov --help)\n"
		"  --suites LIST      SDES suite names, comma separated, or 'all' (default all)\n"
		"  --payloads LIST    payload bytes after the 12-byte RTP header (default 20,160,1200)\n"
		"  --streams LIST     stream counts (default 1,10000,100000)\n"
		"  --engines LIST     ipsec-mb,openssl,cryptodev (default all; cryptodev uses\n"
		"                     crypto_aesni_mb; SL_EAL_ARGS=--in-memory for hugepages)\n"
		"  --packets N        at most N timed packets per cell\n"
		"  --seconds S        timed seconds per cell (default 0.2)\n"
		"  --libsrtp-seconds S  timed seconds per libsrtp2 cell (default 0.5)\n"
		"  --libsrtp-setup-seconds S  budget to create one set of libsrtp2 contexts (default 30)\n"
		"  --libsrtp-one-session  all libsrtp2 streams in one srtp_t (its stream list)\n"
		"  --no-libsrtp       skip the libsrtp2 baseline\n"
		"  --no-raw           skip the raw IPsec-MB bound\n"
		"  --core N           CPU to pin to (default: the last one)\n"
		"  --quick            1 stream, 160 B, 4096 packets per cell (a smoke run)\n"
		"  --output FILE      markdown file whose SRTP section is replaced\n"
		"                     (default docs/benchmarks.md; '-' for none)\n"
		"  --svg DIR          plot directory (default: bench/ next to --output)\n"
		"  --json FILE        all cells as JSON\n"
		"  --strict           exit 3 also when a cell could not be measured\n"
		"Exit status: 0; 3 if a timed packet failed (INVALID cell; with --strict also\n"
		"a cell not measured); 1 on I/O errors; 2 on bad options. Missed performance\n"
		"targets are reported, never an exit failure.\n");
}

static int parse_list(const char *arg, unsigned *out, unsigned max, unsigned *n)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	*n = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v = strtoul(t, &end, 10);
		if (*end || *n == max || v > 1000000)
			return -1;
		out[(*n)++] = (unsigned)v;
	}
	return *n ? 0 : -1;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static int parse_suites(const char *arg, bool *suites)
{
	char buf[512], *save = NULL;

	memset(suites, 0, sizeof(bool) * SL_SUITE__COUNT);
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int found = 0;
		for (int s = 0; s < SL_SUITE__COUNT; s++)
			if (strcmp(t, "all") == 0 || strcmp(t, bench_suite_name((enum sl_srtp_suite)s)) == 0)
				{ suites[s] = true; found = 1; }
		if (!found) {
			fprintf(stderr, "shieldlock-bench: unknown suite '%s'\n", t);
			return -1;
		}
	}
	return 0;
}

static int parse_engines(const char *arg, bool *engines)
{
	static const char *const names[3] = { "ipsec-mb", "openssl", "cryptodev" };
	char buf[128], *save = NULL;

	memset(engines, 0, sizeof(bool) * 3);
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int found = 0;
		for (int k = 0; k < 3; k++)
			if (strcmp(t, names[k]) == 0 || strcmp(t, "all") == 0)
				{ engines[k] = true; found = 1; }
		if (!found) {
			fprintf(stderr, "shieldlock-bench: unknown engine '%s'\n", t);
			return -1;
		}
	}
	return 0;
}

static void defaults(struct bench_cfg *c)
{
	memset(c, 0, sizeof(*c));
	for (int s = 0; s < SL_SUITE__COUNT; s++)
		c->suites[s] = true;
	c->payloads[0] = 20;
	c->payloads[1] = 160;
	c->payloads[2] = 1200;
	c->n_payloads = 3;
	c->streams[0] = 1;
	c->streams[1] = 10000;
	c->streams[2] = 100000;
	c->n_streams = 3;
	c->engines[0] = c->engines[1] = c->engines[2] = true;
	c->libsrtp = c->raw = true;
	c->max_packets = UINT64_C(1) << 40;
	c->seconds = 0.2;
	c->libsrtp_seconds = 0.5;
	c->libsrtp_setup_seconds = 30;
	c->round = 2048;
	c->core = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	c->output = "docs/benchmarks.md";
}

static void quick(struct bench_cfg *c)
{
	c->quick = true;
	c->payloads[0] = 160;
	c->n_payloads = 1;
	c->streams[0] = 1;
	c->n_streams = 1;
	c->max_packets = 4096;
	c->round = 1024;
}

static void save_cmdline(struct bench_cfg *c, int argc, char **argv)
{
	size_t off = 0;

	c->cmdline[0] = 0;
	for (int i = 0; i < argc && off < sizeof(c->cmdline); i++) {
		const char *a = argv[i];
		bool q = strpbrk(a, " \t'\"$*?") != NULL;
		int w = snprintf(c->cmdline + off, sizeof(c->cmdline) - off, "%s%s%s%s",
				 i ? " " : "", q ? "'" : "", a, q ? "'" : "");
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

enum {
	OPT_SUITES = 256, OPT_PAYLOADS, OPT_STREAMS, OPT_ENGINES, OPT_PACKETS, OPT_SECONDS,
	OPT_LS_SECONDS, OPT_LS_SETUP, OPT_LS_ONE, OPT_NO_LIBSRTP, OPT_NO_RAW, OPT_CORE,
	OPT_QUICK, OPT_OUTPUT, OPT_SVG, OPT_JSON, OPT_STRICT, OPT_HELP,
};

static const struct option longopts[] = {
	{ "suites", required_argument, NULL, OPT_SUITES },
	{ "payloads", required_argument, NULL, OPT_PAYLOADS },
	{ "streams", required_argument, NULL, OPT_STREAMS },
	{ "engines", required_argument, NULL, OPT_ENGINES },
	{ "packets", required_argument, NULL, OPT_PACKETS },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "libsrtp-seconds", required_argument, NULL, OPT_LS_SECONDS },
	{ "libsrtp-setup-seconds", required_argument, NULL, OPT_LS_SETUP },
	{ "libsrtp-one-session", no_argument, NULL, OPT_LS_ONE },
	{ "no-libsrtp", no_argument, NULL, OPT_NO_LIBSRTP },
	{ "no-raw", no_argument, NULL, OPT_NO_RAW },
	{ "core", required_argument, NULL, OPT_CORE },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int parse_opt(struct bench_cfg *c, int o, const char *arg)
{
	switch (o) {
	case OPT_SUITES: return parse_suites(arg, c->suites);
	case OPT_PAYLOADS:
		if (parse_list(arg, c->payloads, BENCH_MAX_PAYLOADS, &c->n_payloads) < 0)
			return -1;
		for (unsigned i = 0; i < c->n_payloads; i++)
			if (c->payloads[i] > 1400)
				return -1;
		return 0;
	case OPT_STREAMS:
		if (parse_list(arg, c->streams, BENCH_MAX_STREAMS, &c->n_streams) < 0)
			return -1;
		for (unsigned i = 0; i < c->n_streams; i++)
			if (c->streams[i] == 0)
				return -1;
		return 0;
	case OPT_ENGINES: return parse_engines(arg, c->engines);
	case OPT_PACKETS: c->max_packets = strtoull(arg, NULL, 10); return c->max_packets ? 0 : -1;
	case OPT_SECONDS: c->seconds = atof(arg); return c->seconds > 0 ? 0 : -1;
	case OPT_LS_SECONDS: c->libsrtp_seconds = atof(arg); return c->libsrtp_seconds > 0 ? 0 : -1;
	case OPT_LS_SETUP: c->libsrtp_setup_seconds = atof(arg); return 0;
	case OPT_LS_ONE: c->libsrtp_one_session = true; return 0;
	case OPT_NO_LIBSRTP: c->libsrtp = false; return 0;
	case OPT_NO_RAW: c->raw = false; return 0;
	case OPT_CORE: c->core = atoi(arg); return c->core >= 0 ? 0 : -1;
	case OPT_QUICK: quick(c); return 0;
	case OPT_OUTPUT: c->output = strcmp(arg, "-") == 0 ? NULL : arg; return 0;
	case OPT_SVG: c->svg_dir = arg; return 0;
	case OPT_JSON: c->json = arg; return 0;
	case OPT_STRICT: c->strict = true; return 0;
	default: return -1;
	}
}

/* The SVG directory as the markdown file refers to it. */
static void svg_paths(struct bench_cfg *c, char *dir, size_t dirlen)
{
	char tmp[1024];

	if (!c->output)
		return;
	snprintf(tmp, sizeof(tmp), "%s", c->output);
	const char *base = dirname(tmp);
	if (!c->svg_dir) {
		snprintf(dir, dirlen, "%s/bench", base);
		c->svg_dir = dir;
		c->svg_rel = "bench";
	} else if (strncmp(c->svg_dir, base, strlen(base)) == 0 && c->svg_dir[strlen(base)] == '/') {
		c->svg_rel = c->svg_dir + strlen(base) + 1;
	} else {
		c->svg_rel = c->svg_dir;
	}
}

/* The other core's load is the main source of noise: record it. */
static void read_loadavg(char *out, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(out, len, "?");
	if (f) {
		if (fgets(out, (int)len, f))
			out[strcspn(out, "\n")] = 0;
		fclose(f);
	}
}

/* Correctness, not performance: a failed timed packet is a bug. */
static int verdict(const struct bench_cfg *cfg, const struct bench_results *rs)
{
	unsigned invalid = 0, missing = 0;

	for (size_t i = 0; i < rs->n; i++) {
		invalid += rs->r[i].measured && !rs->r[i].valid;
		missing += !rs->r[i].measured;
	}
	fprintf(stderr, "shieldlock-bench: %zu cells, %u INVALID, %u not measured\n", rs->n,
		invalid, missing);
	return invalid || (cfg->strict && missing) ? 3 : 0;
}

int main(int argc, char **argv)
{
	static struct bench_cfg cfg;
	struct bench_results rs = { 0 };
	char svgdir[1100];
	int o;

	if (argc >= 2 && (strcmp(argv[1], "calls") == 0 || strcmp(argv[1], "prov") == 0))
		return bench_calls_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "dp") == 0)
		return bench_dp_main(argc - 1, argv + 1);
	defaults(&cfg);
	save_cmdline(&cfg, argc, argv);
	if (argc < 2 || strcmp(argv[1], "srtp") != 0) {
		usage(argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
		return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	optind = 2;
	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (o == OPT_HELP) {
			usage(stdout);
			return 0;
		}
		if (parse_opt(&cfg, o, optarg) < 0) {
			fprintf(stderr, "shieldlock-bench: bad option or value%s%s\n",
				optarg ? ": " : "", optarg ? optarg : "");
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	qsort(cfg.payloads, cfg.n_payloads, sizeof(unsigned), cmp_unsigned);
	qsort(cfg.streams, cfg.n_streams, sizeof(unsigned), cmp_unsigned);
	svg_paths(&cfg, svgdir, sizeof(svgdir));
	bench_elapsed();
	read_loadavg(cfg.loadavg, sizeof(cfg.loadavg));
	if (bench_pin(cfg.core) < 0)
		fprintf(stderr, "shieldlock-bench: cannot pin to CPU %d: %s\n", cfg.core, strerror(errno));
	fprintf(stderr, "shieldlock-bench: pinned to CPU %d, TSC %.4f GHz (calibrated against CLOCK_MONOTONIC)\n",
		cfg.core, bench_tsc_calibrate() / 1e9);
	/* The raw bound is timed in alternation with our ipsec-mb cells (same
	 * machine conditions); alone only when that engine is not measured. */
	if (cfg.raw && !cfg.engines[0]) {
		fprintf(stderr, "raw IPsec-MB bound:\n");
		bench_raw_run(&cfg, &rs, -1);
	}
	fprintf(stderr, "shieldlock SRTP core%s:\n", cfg.raw && cfg.engines[0] ?
		" (raw IPsec-MB bound timed in alternation with ipsec-mb)" : "");
	bench_ours_run(&cfg, &rs);
	if (cfg.libsrtp) {
		fprintf(stderr, "libsrtp2 baseline:\n");
		bench_libsrtp_run(&cfg, &rs);
	}
	bench_print_tables(&cfg, &rs);
	if (cfg.svg_dir && bench_write_svgs(&cfg, &rs) < 0)
		fprintf(stderr, "shieldlock-bench: could not write the plots to %s\n", cfg.svg_dir);
	if (cfg.output && bench_write_markdown(&cfg, &rs) < 0) {
		fprintf(stderr, "shieldlock-bench: could not write %s\n", cfg.output);
		return 1;
	}
	if (cfg.json && bench_write_json(&cfg, &rs) < 0) {
		fprintf(stderr, "shieldlock-bench: could not write %s\n", cfg.json);
		return 1;
	}
	int rc = verdict(&cfg, &rs);
	free(rs.r);
	free(rs.s);
	return rc;
}
