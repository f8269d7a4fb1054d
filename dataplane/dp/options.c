/* SPDX-License-Identifier: BSD-3-Clause */
/* Application options of shieldlock-dp (options.h, docs/dataplane.md). */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "options.h"
#include "srtp.h"

enum {
	OPT_CTL = 256, OPT_ENGINE, OPT_WORKERS, OPT_NO_FLOW, OPT_REPLAY, OPT_FLOWS_MAX,
	OPT_MBUFS, OPT_FLOWS, OPT_RUN_FOR, OPT_STATS_JSON, OPT_QUIET, OPT_HELP, OPT_VERSION,
	OPT_SW_CSUM, OPT_CTL_USER,
};

static const struct option long_opts[] = {
	{ "ctl-socket",    required_argument, NULL, OPT_CTL },
	{ "ctl-user",      required_argument, NULL, OPT_CTL_USER },
	{ "engine",        required_argument, NULL, OPT_ENGINE },
	{ "workers",       required_argument, NULL, OPT_WORKERS },
	{ "no-flow",       required_argument, NULL, OPT_NO_FLOW },
	{ "replay-window", required_argument, NULL, OPT_REPLAY },
	{ "flows-max",     required_argument, NULL, OPT_FLOWS_MAX },
	{ "mbufs",         required_argument, NULL, OPT_MBUFS },
	{ "flows",         required_argument, NULL, OPT_FLOWS },
	{ "run-for",       required_argument, NULL, OPT_RUN_FOR },
	{ "stats-json",    required_argument, NULL, OPT_STATS_JSON },
	{ "quiet",         no_argument,       NULL, OPT_QUIET },
	{ "sw-checksums",  no_argument,       NULL, OPT_SW_CSUM },
	{ "help",          no_argument,       NULL, OPT_HELP },
	{ "version",       no_argument,       NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

void dp_usage(FILE *f)
{
	fprintf(f,
"usage: shieldlock-dp [EAL arguments] -- [options]\n"
"\n"
"The Shieldlock media data plane: SRTP/SRTCP protect, unprotect and rekey\n"
"on DPDK ports (docs/dataplane.md). Every ethdev EAL probes becomes a port.\n"
"Example (offline replay):\n"
"  shieldlock-dp -l 0,1 --no-pci --no-huge -m 512 --file-prefix dp0 --no-shconf \\\n"
"    --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out0.pcap \\\n"
"    --vdev net_pcap1,tx_pcap=out1.pcap -- --flows flows.txt --run-for 2\n"
"\n"
"options:\n"
"  --ctl-socket PATH    control socket (default " DP_DEFAULT_CTL_PATH ");\n"
"                       its directory is created with mode 0700 if missing\n"
"  --ctl-user USER      USER may use the control socket too (besides root and\n"
"                       our own uid): shieldlockd's sip process when it runs\n"
"                       as [general] user; the socket is owned by USER\n"
"  --engine NAME        crypto engine: ipsec-mb (default), openssl, or\n"
"                       cryptodev[:DEVICE] (DEVICE default " DP_DEFAULT_CDEV ")\n"
"  --workers LIST       worker lcores, e.g. 1,2 or 1-3 (default: every EAL\n"
"                       lcore but the main one, which runs the control socket)\n"
"  --no-flow drop|punt  packets matching no flow: drop them (default) or hand\n"
"                       them to control-socket subscribers\n"
"  --replay-window N    default SRTP replay window, 64..32768, a power of 2\n"
"                       (default %u)\n"
"  --flows-max N        flow table capacity (default %u, at most %u)\n"
"  --mbufs N            packet buffers in the pool (default: computed from\n"
"                       ports, queues and workers, printed at start; min %u)\n"
"  --flows FILE         flows to add before the ports start, one per line in\n"
"                       the shieldlockctl syntax (docs/flows.md)\n"
"  --run-for SECONDS    stop after SECONDS (pcap replay, tests); 0 = run until\n"
"                       SIGINT/SIGTERM (default)\n"
"  --stats-json FILE    at exit, write the counters as JSON to FILE\n"
"  --quiet              print only errors (no start-up lines, no summary)\n"
"  --sw-checksums       compute IPv4 and UDP checksums in software even on\n"
"                       ports whose device offers to (default: use the offload)\n"
"  --help               this text\n"
"  --version            print the version\n",
		SL_SRTP_DEFAULT_WINDOW, DP_DEFAULT_CAPACITY, DP_MAX_CAPACITY, DP_MIN_MBUFS);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die_opt(const char *opt, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "shieldlock-dp: --%s: ", opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(shieldlock-dp -- --help lists the options)\n", stderr);
	exit(DP_EXIT_USAGE);
}

static bool is_app_option(const char *arg)
{
	size_t n;

	if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
		return false;
	n = strcspn(arg + 2, "=");
	for (const struct option *o = long_opts; o->name; o++)
		if (strlen(o->name) == n && strncmp(o->name, arg + 2, n) == 0)
			return true;
	return false;
}

int dp_options_split(int argc, char **argv)
{
	int dd = argc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	/* --help / --version work without EAL (and without "--"). */
	for (int i = (dd == argc ? 1 : dd + 1); i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			dp_usage(stdout);
			exit(0);
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("shieldlock-dp %s (control protocol %u)\n", DP_VERSION, SL_DP_VERSION);
			exit(0);
		}
	}
	if (dd == argc)
		for (int i = 1; i < argc; i++)
			if (is_app_option(argv[i])) {
				fprintf(stderr, "shieldlock-dp: %s is an application option: put it "
					"after \"--\" (shieldlock-dp [EAL args] -- [options])\n",
					argv[i]);
				exit(DP_EXIT_USAGE);
			}
	return dd;
}

/* Unsigned decimal in [lo, hi]; dies naming the option otherwise. */
static unsigned long parse_ulong(const char *opt, const char *s, unsigned long lo,
				 unsigned long hi, const char *expect)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (*s == '\0' || *s == '-' || *s == '+')
		die_opt(opt, "'%s' is not a number; expected %s", s, expect);
	v = strtoul(s, &end, 10);
	if (*end != '\0')
		die_opt(opt, "'%s' is not a number; expected %s", s, expect);
	if (errno == ERANGE || v < lo || v > hi)
		die_opt(opt, "%s is out of range; expected %s", s, expect);
	return v;
}

static void copy_str(const char *opt, char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n == 0)
		die_opt(opt, "empty value; expected a non-empty string");
	if (n >= cap)
		die_opt(opt, "'%s' is too long (%zu bytes); expected at most %zu", src, n, cap - 1);
	memcpy(dst, src, n + 1);
}

static void parse_engine(struct dp_config *cfg, const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (n == strlen("cryptodev") && strncmp(s, "cryptodev", n) == 0) {
		strcpy(cfg->engine, "cryptodev");
		if (colon && colon[1] == '\0')
			die_opt("engine", "'%s' names no device; expected cryptodev:DEVICE, "
				"e.g. cryptodev:" DP_DEFAULT_CDEV, s);
		copy_str("engine", cfg->engine_args, sizeof(cfg->engine_args),
			 colon ? colon + 1 : DP_DEFAULT_CDEV);
		return;
	}
	if (colon)
		die_opt("engine", "'%s': only cryptodev takes a device; expected ipsec-mb, "
			"openssl or cryptodev[:DEVICE]", s);
	if (strcmp(s, "ipsec-mb") != 0 && strcmp(s, "openssl") != 0)
		die_opt("engine", "unknown engine '%s'; expected ipsec-mb, openssl or "
			"cryptodev[:DEVICE]", s);
	strcpy(cfg->engine, s);
	cfg->engine_args[0] = '\0';
}

/* "1,3-5": syntax only here; dp_options_resolve_workers checks the lcores. */
static void parse_lcore_list(struct dp_config *cfg, const char *s)
{
	const char *expect = "a list of lcore ids like 1,2 or 1-3";
	const char *p = s;

	cfg->nworkers = 0;
	while (*p) {
		unsigned long a, b;
		char *end;

		if (*p < '0' || *p > '9')
			die_opt("workers", "'%s' is not an lcore list; expected %s", s, expect);
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				die_opt("workers", "'%s': range without an end; expected %s", s, expect);
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b >= RTE_MAX_LCORE)
			die_opt("workers", "'%s': bad range %lu-%lu; expected %s below %d", s, a, b,
				expect, RTE_MAX_LCORE);
		for (unsigned long l = a; l <= b; l++) {
			for (unsigned i = 0; i < cfg->nworkers; i++)
				if (cfg->worker_lcores[i] == l)
					die_opt("workers", "lcore %lu is listed twice; expected "
						"each lcore once", l);
			if (cfg->nworkers == SL_DP_MAX_WORKERS)
				die_opt("workers", "more than %d workers; expected at most %d",
					SL_DP_MAX_WORKERS, SL_DP_MAX_WORKERS);
			cfg->worker_lcores[cfg->nworkers++] = (uint32_t)l;
		}
		if (*end == ',' && end[1] != '\0')
			end++;
		else if (*end != '\0')
			die_opt("workers", "'%s' is not an lcore list; expected %s", s, expect);
		p = end;
	}
	if (cfg->nworkers == 0)
		die_opt("workers", "empty list; expected %s", expect);
}

static void parse_run_for(struct dp_config *cfg, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || !(v >= 0.0) || v > 1e9)
		die_opt("run-for", "'%s' is not a duration; expected seconds >= 0, "
			"e.g. 2 or 0.5 (0 = until SIGINT/SIGTERM)", s);
	cfg->run_for = v;
}

static void set_defaults(struct dp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->ctl_path, DP_DEFAULT_CTL_PATH);
	strcpy(cfg->engine, "ipsec-mb");
	cfg->default_policy = DP_POLICY_DROP;
	cfg->replay_window = SL_SRTP_DEFAULT_WINDOW;
	cfg->capacity = DP_DEFAULT_CAPACITY;
}

static void parse_one(struct dp_config *cfg, int c, const char *arg)
{
	unsigned long v;

	switch (c) {
	case OPT_CTL:
		copy_str("ctl-socket", cfg->ctl_path, sizeof(cfg->ctl_path), arg);
		break;
	case OPT_CTL_USER: {
		struct passwd *pw = getpwnam(arg);

		if (pw == NULL)
			die_opt("ctl-user", "no user '%s'; name the user shieldlockd's [general] "
				"user gives, or leave the option out", arg);
		if (pw->pw_uid == 0)
			die_opt("ctl-user", "'%s' is root, which may always connect; name an "
				"unprivileged user", arg);
		copy_str("ctl-user", cfg->ctl_user, sizeof(cfg->ctl_user), arg);
		cfg->ctl_uid = pw->pw_uid;
		cfg->ctl_gid = pw->pw_gid;
		cfg->ctl_user_set = true;
		break;
	}
	case OPT_ENGINE:
		parse_engine(cfg, arg);
		break;
	case OPT_WORKERS:
		parse_lcore_list(cfg, arg);
		break;
	case OPT_NO_FLOW:
		if (strcmp(arg, "drop") == 0)
			cfg->default_policy = DP_POLICY_DROP;
		else if (strcmp(arg, "punt") == 0)
			cfg->default_policy = DP_POLICY_PUNT;
		else
			die_opt("no-flow", "'%s' is not a policy; expected drop or punt", arg);
		break;
	case OPT_REPLAY:
		v = parse_ulong("replay-window", arg, 64, SL_SRTP_MAX_WINDOW,
				"a power of 2 from 64 to 32768");
		if (v & (v - 1))
			die_opt("replay-window", "%lu is not a power of 2; expected a power of 2 "
				"from 64 to 32768", v);
		cfg->replay_window = (uint16_t)v;
		break;
	case OPT_FLOWS_MAX:
		cfg->capacity = (uint32_t)parse_ulong("flows-max", arg, 1, DP_MAX_CAPACITY,
						      "a flow count from 1 to 67108864");
		break;
	case OPT_MBUFS:
		cfg->mbufs = (uint32_t)parse_ulong("mbufs", arg, DP_MIN_MBUFS, UINT32_MAX / 2,
						   "a buffer count of at least 1024");
		break;
	case OPT_FLOWS:
		copy_str("flows", cfg->flows_file, sizeof(cfg->flows_file), arg);
		break;
	case OPT_RUN_FOR:
		parse_run_for(cfg, arg);
		break;
	case OPT_STATS_JSON:
		copy_str("stats-json", cfg->stats_json, sizeof(cfg->stats_json), arg);
		break;
	case OPT_QUIET:
		cfg->quiet = true;
		break;
	case OPT_SW_CSUM:
		cfg->sw_checksums = true;
		break;
	case OPT_HELP:
		dp_usage(stdout);
		exit(0);
	case OPT_VERSION:
		printf("shieldlock-dp %s (control protocol %u)\n", DP_VERSION, SL_DP_VERSION);
		exit(0);
	}
}

void dp_options_parse(struct dp_config *cfg, int argc, char **argv)
{
	int c;

	set_defaults(cfg);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		if (c == '?') {
			fprintf(stderr, "shieldlock-dp: %s: unknown option; expected one of the "
				"options of shieldlock-dp -- --help\n", argv[optind - 1]);
			exit(DP_EXIT_USAGE);
		}
		if (c == ':') {
			fprintf(stderr, "shieldlock-dp: %s: missing value; see shieldlock-dp -- "
				"--help\n", argv[optind - 1]);
			exit(DP_EXIT_USAGE);
		}
		parse_one(cfg, c, optarg);
	}
	if (optind < argc) {
		fprintf(stderr, "shieldlock-dp: unexpected argument '%s'; expected only "
			"options after \"--\"\n", argv[optind]);
		exit(DP_EXIT_USAGE);
	}
}

void dp_options_resolve_workers(struct dp_config *cfg)
{
	unsigned main_lcore = rte_get_main_lcore(), l;

	if (cfg->nworkers == 0) {
		RTE_LCORE_FOREACH_WORKER(l) {
			if (cfg->nworkers == SL_DP_MAX_WORKERS)
				break;
			cfg->worker_lcores[cfg->nworkers++] = l;
		}
		if (cfg->nworkers == 0) {
			fprintf(stderr, "shieldlock-dp: --workers: EAL has no worker lcore; "
				"expected at least two lcores, e.g. EAL -l 0,1 (lcore 0 runs the "
				"control socket, lcore 1 polls the ports)\n");
			exit(DP_EXIT_USAGE);
		}
		return;
	}
	for (unsigned i = 0; i < cfg->nworkers; i++) {
		l = cfg->worker_lcores[i];
		if (l == main_lcore)
			die_opt("workers", "lcore %u is the main lcore, which runs the control "
				"socket; expected worker lcores only (EAL -l / --main-lcore)", l);
		if (!rte_lcore_is_enabled(l))
			die_opt("workers", "lcore %u is not enabled in EAL; expected lcores given "
				"to EAL with -l", l);
	}
}
