/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-bench dp: zero-loss throughput of srtp-rekey on one data plane
 * worker core over net_memif, per engine and number of concurrent calls.
 *
 * For each engine and call count it starts one shieldlock-dp (two memif
 * server ports, one worker) and lets shieldlock-gen program one srtp-rekey
 * flow per call (--setup-only, keys from a fixed --seed, so the trials can
 * run with --no-setup and the same keys). Each trial is one shieldlock-gen
 * run at a fixed aggregate rate: it passes when the generator offered the
 * rate (tx_kept_up), exited 0 and lost nothing (loss counts packets the
 * memif ring refused, i.e. the dp's RX queue overflowing). The rate doubles
 * from --start until a trial fails, then a binary search narrows it to
 * --precision. Cycles per packet are the data plane's own busy_cycles /
 * processed over the best passing trial (the generator reads them through
 * the control socket before and after its run).
 *
 * Results: a table and targets on stdout, the section between
 * <!-- bench:dp:begin --> and <!-- bench:dp:end --> of --output, an SVG
 * plot (throughput against concurrent calls) and optional JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MARK_BEGIN "<!-- bench:dp:begin -->"
#define MARK_END   "<!-- bench:dp:end -->"
#define MAX_ENGINES 3
#define MAX_CALLS   6
#define MAX_ARGS    64
#define SEED        "20261127"

struct dp_cell {
	const char *engine;
	unsigned calls;
	bool measured;
	double mpps;                 /* best passing offered rate, Mpps */
	double cycles;               /* dp busy cycles per packet at that rate */
	unsigned trials;
	bool gen_bound;              /* the generator could not offer more */
	unsigned gen_lcores;
	uint64_t next_packet;        /* per stream: the next trial continues here */
	unsigned dp_restarts;        /* data plane found dead before a trial */
	char verified[160];
	char note[128];
};

struct dp_bench {
	const char *engines[MAX_ENGINES];
	unsigned nengines;
	unsigned calls[MAX_CALLS];
	unsigned ncalls;
	double trial_s, warmup_s, cooldown_s, start_pps, max_pps, precision;
	unsigned verify_sample, max_trials;
	const char *dp_path, *gen_path, *output, *svg_dir, *svg_rel, *json, *logdir;
	const char *dp_lcores, *gen_lcores, *worker;
	unsigned dp_mem;
	bool huge;                 /* --hugepages: EAL --in-memory on 2 MiB pages */
	char dp_buf[PATH_MAX], gen_buf[PATH_MAX];
	char sock[3][108];           /* memif 0, memif 1, control */
	char prefix[2][40];          /* EAL --file-prefix of dp, gen */
	char cmdline[1024], loadavg[64];
	struct dp_cell cell[MAX_ENGINES * MAX_CALLS];
	unsigned ncell;
	pid_t dp_pid;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: shieldlock-bench dp [options]\n"
"\n"
"Zero-loss throughput of srtp-rekey on one shieldlock-dp worker over net_memif,\n"
"searched on the offered rate, per engine and number of concurrent calls;\n"
"shieldlock-gen sends SRTP with one key per call and leg and verifies the output.\n"
"\n"
"  --engines LIST       ipsec-mb,openssl,cryptodev (default ipsec-mb,openssl)\n"
"  --calls LIST         concurrent calls (default 1000,10000,100000)\n"
"  --trial S            measured seconds per trial (default 3)\n"
"  --warmup S           unmeasured seconds before (default 1) and\n"
"  --cooldown S         after each trial (default 0.2)\n"
"  --start PPS          first rate tried (default 250000)\n"
"  --max-rate PPS       highest rate tried (default 4000000)\n"
"  --precision F        stop when (fail - pass) / pass < F (default 0.03)\n"
"  --max-trials N       per cell (default 12)\n"
"  --verify-sample N    generator decrypts 1 in N packets per stream (default 8)\n"
"  --dp PATH, --gen PATH  the programs (default: next to this build, else PATH)\n"
"  --dp-lcores L        EAL -l of the data plane (default 0,1)\n"
"  --worker L           its worker lcore (default 1)\n"
"  --gen-lcores L       EAL -l of the generator (default 0)\n"
"  --dp-mem MB          EAL memory of the data plane (default 2048)\n"
"  --hugepages          run both programs on 2 MiB hugepages (EAL --in-memory; raises\n"
"                       /proc/sys/vm/nr_hugepages if needed); default --no-huge\n"
"  --output FILE        markdown file: replaces the bench:dp section\n"
"  --svg DIR            write dp-throughput.svg there\n"
"  --svg-rel PATH       DIR as seen from --output (default bench)\n"
"  --json FILE          results as JSON\n"
"  --logs DIR           keep the dp and generator output of every trial there\n");
}

/* ---- child processes -------------------------------------------------- */

static int run_wait(char *const argv[], const char *log, int *status)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, status, 0) < 0)
		return -errno;
	return 0;
}

static void log_path(const struct dp_bench *b, char *out, size_t n, const char *what,
		     const char *engine, unsigned calls, unsigned trial)
{
	if (b->logdir)
		snprintf(out, n, "%s/%s-%s-%u-%u.log", b->logdir, what, engine, calls, trial);
	else
		snprintf(out, n, "/dev/null");
}

/* --no-shconf leaves an empty EAL runtime directory: remove it. */
static void runtime_dir_remove(const char *prefix)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	rmdir(dir);
}

static void dp_stop(struct dp_bench *b)
{
	int st;

	if (b->dp_pid <= 0)
		return;
	kill(b->dp_pid, SIGTERM);
	for (int i = 0; i < 100 && b->dp_pid; i++) {
		if (waitpid(b->dp_pid, &st, WNOHANG) == b->dp_pid)
			b->dp_pid = 0;
		else
			usleep(50000);
	}
	if (b->dp_pid) {
		kill(b->dp_pid, SIGKILL);
		waitpid(b->dp_pid, &st, 0);
		b->dp_pid = 0;
	}
	runtime_dir_remove(b->prefix[0]);
}

static int dp_start(struct dp_bench *b, const char *engine, unsigned calls)
{
	char mem[16], v0[256], v1[256], log[PATH_MAX], flows[16], eng[96];
	char *argv[MAX_ARGS];
	int n = 0;
	struct stat sb;

	for (int i = 0; i < 3; i++)
		unlink(b->sock[i]);
	snprintf(mem, sizeof(mem), "%u", b->dp_mem);
	/*
	 * A cryptodev session per stream: size the device's session pool for
	 * both legs of every call (hw/engine_cryptodev.c, sessions=); the
	 * default 8,192 would leave most of 10,000 calls without one.
	 */
	if (strcmp(engine, "cryptodev") == 0)
		snprintf(eng, sizeof(eng), "cryptodev:crypto_aesni_mb,sessions=%u", 2 * calls + 1024);
	else
		snprintf(eng, sizeof(eng), "%s", engine);
	snprintf(flows, sizeof(flows), "%u", calls < 1024 ? 1024 : calls * 2);
	snprintf(v0, sizeof(v0), "net_memif0,role=server,socket=%s,socket-abstract=no,id=0,rsize=14",
		 b->sock[0]);
	snprintf(v1, sizeof(v1), "net_memif1,role=server,socket=%s,socket-abstract=no,id=0,rsize=14",
		 b->sock[1]);
	char *args[] = {
		(char *)b->dp_path, "-l", (char *)b->dp_lcores, "--no-pci",
		b->huge ? "--in-memory" : "--no-huge", "-m", mem,
		"--file-prefix", b->prefix[0], "--no-shconf", "--no-telemetry", "--log-level=*:error",
		"--vdev", v0, "--vdev", v1, "--", "--ctl-socket", b->sock[2],
		"--engine", eng, "--workers", (char *)b->worker,
		"--flows-max", flows, "--quiet", NULL,
	};
	for (; args[n]; n++)
		argv[n] = args[n];
	argv[n] = NULL;
	log_path(b, log, sizeof(log), "dp", engine, calls, 0);
	b->dp_pid = fork();
	if (b->dp_pid < 0)
		return -errno;
	if (b->dp_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	/* Ready when the control socket exists. */
	for (int i = 0; i < 200; i++) {
		int st;

		if (stat(b->sock[2], &sb) == 0 && S_ISSOCK(sb.st_mode))
			return 0;
		if (waitpid(b->dp_pid, &st, WNOHANG) == b->dp_pid) {
			b->dp_pid = 0;
			fprintf(stderr, "shieldlock-bench dp: %s exited at start (engine %s); "
				"rerun with --logs DIR to see why\n", b->dp_path, engine);
			return -ECHILD;
		}
		usleep(50000);
	}
	fprintf(stderr, "shieldlock-bench dp: %s did not open %s\n", b->dp_path, b->sock[2]);
	dp_stop(b);
	return -ETIMEDOUT;
}

/* Runs shieldlock-gen with the common arguments plus extra (NULL-terminated). */
static int gen_run(struct dp_bench *b, const char *log, char *const *extra, int *status)
{
	char v0[256], v1[256];
	char *argv[MAX_ARGS];
	int n = 0;

	snprintf(v0, sizeof(v0), "net_memif0,role=client,socket=%s,socket-abstract=no,id=0,rsize=14",
		 b->sock[0]);
	snprintf(v1, sizeof(v1), "net_memif1,role=client,socket=%s,socket-abstract=no,id=0,rsize=14",
		 b->sock[1]);
	char *args[] = {
		(char *)b->gen_path, "-l", (char *)b->gen_lcores, "--no-pci",
		b->huge ? "--in-memory" : "--no-huge", "-m",
		"512", "--file-prefix", b->prefix[1], "--no-shconf", "--no-telemetry", "--log-level=*:error",
		"--vdev", v0, "--vdev", v1, "--", "--dp-socket", b->sock[2],
		"--scenario", "srtp-srtp", "--seed", SEED, "--quiet", NULL,
	};
	for (; args[n]; n++)
		argv[n] = args[n];
	for (int i = 0; extra[i] && n < MAX_ARGS - 1; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	/*
	 * A memif server refuses a client that reconnects right after the
	 * previous one left: give it a moment, and retry setup errors (exit 2).
	 */
	for (int tries = 0; tries < 4; tries++) {
		int rc;

		usleep(tries ? 1000000 : 300000);
		rc = run_wait(argv, log, status);
		if (rc < 0 || !WIFEXITED(*status) || WEXITSTATUS(*status) != 2)
			return rc;
	}
	return 0;
}

/* ---- the generator's JSON (its own fixed format) ----------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = len >= 0 ? calloc(1, (size_t)len + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Value of "key": within the object that starts at "section" (or anywhere). */
static const char *jfind(const char *js, const char *section, const char *key)
{
	char pat[64];
	const char *p = js;

	if (section) {
		snprintf(pat, sizeof(pat), "\"%s\": {", section);
		p = strstr(js, pat);
		if (!p)
			return NULL;
	}
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(p, pat);
	return p ? p + strlen(pat) : NULL;
}

static double jnum(const char *js, const char *section, const char *key)
{
	const char *p = jfind(js, section, key);

	return p ? strtod(p, NULL) : NAN;
}

static bool jtrue(const char *js, const char *key)
{
	const char *p = jfind(js, NULL, key);

	return p && strncmp(p, "true", 4) == 0;
}

static void jstr(const char *js, const char *key, char *out, size_t n)
{
	const char *p = jfind(js, NULL, key), *e;

	out[0] = '\0';
	if (!p || *p != '"')
		return;
	e = strchr(p + 1, '"');
	if (e)
		snprintf(out, n, "%.*s", (int)(e - p - 1), p + 1);
}

/* ---- the search ------------------------------------------------------- */

struct trial {
	bool ok, pass, kept_up;
	double cycles;
	unsigned lcores;
	char verified[160];
};

static int setup_calls(struct dp_bench *b, const char *engine, unsigned calls);

/*
 * The data plane can die when a memif client disconnects (DPDK 22.11's
 * memif PMD unmaps its regions under a polling worker: docs/dataplane.md).
 * Before a trial, a dead one is restarted and its flows programmed again;
 * the cell's note says how often that happened.
 */
static int dp_alive(struct dp_bench *b, struct dp_cell *c)
{
	int st = 0;

	if (b->dp_pid > 0 && waitpid(b->dp_pid, &st, WNOHANG) != b->dp_pid)
		return 0;
	b->dp_pid = 0;
	c->dp_restarts++;
	fprintf(stderr, "shieldlock-bench dp: the data plane died (%s); restarting it\n",
		WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exited");
	if (dp_start(b, c->engine, c->calls) < 0 || setup_calls(b, c->engine, c->calls) < 0)
		return -1;
	c->next_packet = 0;
	return 0;
}

static struct trial run_trial(struct dp_bench *b, struct dp_cell *c, double pps)
{
	char rate[32], dur[32], warm[32], cool[32], vs[16], json[PATH_MAX], log[PATH_MAX];
	char first[24];
	double total = pps * (b->warmup_s + b->trial_s + b->cooldown_s);
	struct trial t = { 0 };
	char *js;
	int st = 0;

	snprintf(rate, sizeof(rate), "%.0f", pps);
	snprintf(dur, sizeof(dur), "%g", b->trial_s);
	snprintf(warm, sizeof(warm), "%g", b->warmup_s);
	snprintf(cool, sizeof(cool), "%g", b->cooldown_s);
	snprintf(vs, sizeof(vs), "%u", b->verify_sample);
	snprintf(json, sizeof(json), "/tmp/sl-bench-dp-%d.json", (int)getpid());
	if (dp_alive(b, c) < 0)
		return t;
	log_path(b, log, sizeof(log), "gen", c->engine, c->calls, c->trials + 1);
	char calls[16];
	snprintf(calls, sizeof(calls), "%u", c->calls);
	/*
	 * The flows stay between trials, so every trial continues the
	 * sequence numbers of the one before (the data plane's replay windows
	 * would drop a restart). The generator says where; the estimate from
	 * the rate is the fallback (a forward gap is harmless).
	 */
	snprintf(first, sizeof(first), "%llu", (unsigned long long)c->next_packet);
	c->next_packet += (uint64_t)ceil((total + 4) / c->calls) + 1;
	char *extra[] = {
		"--no-setup", "--first-packet", first, "--calls", calls, "--rate", rate, "--duration", dur, "--warmup", warm,
		"--cooldown", cool, "--verify-sample", vs, "--json", json, NULL,
	};
	unlink(json);
	c->trials++;
	if (gen_run(b, log, extra, &st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
		return t;
	js = slurp(json);
	unlink(json);
	if (!js)
		return t;
	t.ok = true;
	if (jnum(js, NULL, "next_first_packet") > (double)c->next_packet)
		c->next_packet = (uint64_t)jnum(js, NULL, "next_first_packet");
	t.kept_up = jtrue(js, "tx_kept_up");
	t.pass = WEXITSTATUS(st) == 0 && jtrue(js, "passed") && t.kept_up &&
		 jnum(js, "loss", "lost") == 0 && jnum(js, "tx", "unsent") == 0;
	t.cycles = jnum(js, "dp", "cycles_per_packet");
	t.lcores = (unsigned)jnum(js, NULL, "lcores");
	jstr(js, "verified_what", t.verified, sizeof(t.verified));
	free(js);
	fprintf(stderr, "  %-9s %7u calls  %9.0f pps  %s%s  (%.0f cycles/packet)\n", c->engine,
		c->calls, pps, t.pass ? "pass" : "FAIL", t.kept_up ? "" : " (generator limit)",
		t.cycles);
	return t;
}

static void keep(struct dp_cell *c, const struct trial *t, double pps)
{
	c->measured = true;
	c->mpps = pps / 1e6;
	c->cycles = t->cycles;
	c->gen_lcores = t->lcores;
	snprintf(c->verified, sizeof(c->verified), "%s", t->verified);
}

static void search(struct dp_bench *b, struct dp_cell *c)
{
	double lo = 0, hi = 0, r = b->start_pps;
	struct trial t;

	/* Doubling until the first failure (or the ceiling). */
	while (c->trials < b->max_trials) {
		t = run_trial(b, c, r);
		if (!t.ok) {
			snprintf(c->note, sizeof(c->note), "generator failed at %.0f pps", r);
			return;
		}
		if (!t.pass) {
			hi = r;
			if (!t.kept_up)
				c->gen_bound = true;
			break;
		}
		lo = r;
		keep(c, &t, r);
		if (r >= b->max_pps) {
			snprintf(c->note, sizeof(c->note), "passed the ceiling --max-rate");
			return;
		}
		r = fmin(r * 2, b->max_pps);
	}
	/* Bisection between the last pass and the first failure. */
	while (hi > 0 && c->trials < b->max_trials && (lo == 0 || (hi - lo) / lo > b->precision)) {
		r = lo > 0 ? (lo + hi) / 2 : hi / 2;
		t = run_trial(b, c, r);
		if (!t.ok)
			break;
		if (t.pass) {
			lo = r;
			keep(c, &t, r);
		} else {
			hi = r;
			c->gen_bound = !t.kept_up;
		}
	}
	if (c->gen_bound)
		snprintf(c->note, sizeof(c->note), "generator-bound above %.2f Mpps", hi / 1e6);
	if (c->dp_restarts) {
		size_t n = strlen(c->note);

		snprintf(c->note + n, sizeof(c->note) - n, "%sdata plane restarted %u time(s) "
			 "(memif disconnect crash)", n ? "; " : "", c->dp_restarts);
	}
}

static int setup_calls(struct dp_bench *b, const char *engine, unsigned calls)
{
	char log[PATH_MAX], n[16];
	int st = 0;
	char *extra[] = { "--calls", n, "--setup-only", NULL };

	snprintf(n, sizeof(n), "%u", calls);
	log_path(b, log, sizeof(log), "setup", engine, calls, 0);
	if (gen_run(b, log, extra, &st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "shieldlock-bench dp: programming %u flows (engine %s) failed\n",
			calls, engine);
		return -1;
	}
	return 0;
}

/* ---- report ------------------------------------------------------------- */

static const struct dp_cell *find(const struct dp_bench *b, const char *engine, unsigned calls)
{
	for (unsigned i = 0; i < b->ncell; i++)
		if (strcmp(b->cell[i].engine, engine) == 0 && b->cell[i].calls == calls &&
		    b->cell[i].measured)
			return &b->cell[i];
	return NULL;
}

static void table(FILE *f, const struct dp_bench *b)
{
	fprintf(f, "| engine | concurrent calls | zero-loss Mpps | dp cycles/packet | trials | note |\n"
		   "|---|---:|---:|---:|---:|---|\n");
	for (unsigned i = 0; i < b->ncell; i++) {
		const struct dp_cell *c = &b->cell[i];

		if (c->measured)
			fprintf(f, "| %s | %u | %.3f | %.0f | %u | %s |\n", c->engine, c->calls,
				c->mpps, c->cycles, c->trials, c->note);
		else
			fprintf(f, "| %s | %u | – | – | %u | %s |\n", c->engine, c->calls,
				c->trials, c->note[0] ? c->note : "not measured");
	}
}

static void targets(FILE *f, const struct dp_bench *b)
{
	const struct dp_cell *t10k = find(b, "ipsec-mb", 10000);
	const struct dp_cell *a = find(b, "ipsec-mb", 1000), *z = find(b, "ipsec-mb", 100000);

	if (t10k)
		fprintf(f, "- Target ≥ 1.0 Mpps zero-loss srtp-rekey, 10,000 calls, one worker "
			"(ipsec-mb): **%s** (%.3f Mpps%s)\n", t10k->mpps >= 1.0 ? "PASS" : "FAIL",
			t10k->mpps, t10k->gen_bound ? ", generator-bound" : "");
	if (a && z && a->cycles > 0)
		fprintf(f, "- Target ≤ +20%% cycles/packet at 100,000 calls vs 1,000 (ipsec-mb): "
			"**%s** (%.0f vs %.0f, %+.1f%%)\n", z->cycles <= 1.2 * a->cycles ? "PASS" :
			"FAIL", z->cycles, a->cycles, (z->cycles / a->cycles - 1) * 100);
}

static const char *const colours[MAX_ENGINES] = { "#1f77b4", "#2ca02c", "#9467bd" };

static int write_svg(const struct dp_bench *b)
{
	const double W = 760, H = 420, ML = 70, MR = 170, MT = 50, MB = 60;
	double ymax = 0.5, x0 = log10(500), x1 = log10(200000);
	char path[PATH_MAX];
	FILE *f;

	if (!b->svg_dir)
		return 0;
	mkdir(b->svg_dir, 0755);
	snprintf(path, sizeof(path), "%s/dp-throughput.svg", b->svg_dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (unsigned i = 0; i < b->ncell; i++)
		if (b->cell[i].measured && b->cell[i].mpps > ymax)
			ymax = b->cell[i].mpps;
	ymax = ceil(ymax * 2 + 0.5) / 2;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/"
		"2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"DejaVu Sans, Arial, "
		"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%.0f\" y=\"28\" font-size=\"15\" font-weight=\"bold\">Zero-loss srtp-rekey, "
		"one dp worker, net_memif</text>\n", W, H, ML);
	for (double y = 0; y <= ymax + 1e-9; y += 0.5) {
		double py = H - MB - y / ymax * (H - MT - MB);

		fprintf(f, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", ML, W - MR,
			py, py, ML - 6, py + 4, y);
	}
	for (int e = 3; e <= 5; e++) {
		double px = ML + (e - x0) / (x1 - x0) * (W - ML - MR);

		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", px,
			H - MB + 18, e == 3 ? "1,000" : e == 4 ? "10,000" : "100,000");
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">concurrent calls (log)</text>\n"
		"<text x=\"18\" y=\"%.0f\" transform=\"rotate(-90 18 %.0f)\" text-anchor=\"middle\">"
		"Mpps (zero loss)</text>\n", (ML + W - MR) / 2, H - 15, (H - MB + MT) / 2,
		(H - MB + MT) / 2);
	for (unsigned e = 0; e < b->nengines; e++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
			colours[e]);
		for (unsigned k = 0; k < b->ncalls; k++) {
			const struct dp_cell *c = find(b, b->engines[e], b->calls[k]);

			if (c)
				fprintf(f, "%.1f,%.1f ", ML + (log10(c->calls) - x0) / (x1 - x0) *
					(W - ML - MR), H - MB - c->mpps / ymax * (H - MT - MB));
		}
		fprintf(f, "\"/>\n<text x=\"%.0f\" y=\"%.0f\" fill=\"%s\">%s</text>\n", W - MR + 12,
			MT + 20 + 18.0 * e, colours[e], b->engines[e]);
	}
	fprintf(f, "</svg>\n");
	return fclose(f) ? -EIO : 0;
}

static void section(FILE *f, const struct dp_bench *b)
{
	char cpu[128] = "?", huge[64] = "?", date[32];
	const char *verified = "?";
	unsigned glc = 1;
	int cores = 0;
	time_t now = time(NULL);

	strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&now));
	bench_machine(cpu, sizeof(cpu), &cores, huge, sizeof(huge));
	for (unsigned i = 0; i < b->ncell; i++)
		if (b->cell[i].measured) {
			verified = b->cell[i].verified;
			glc = b->cell[i].gen_lcores;
		}
	fprintf(f, "%s\n\n## Data plane: zero-loss srtp-rekey throughput\n\n"
		"_Generated by shieldlock-bench dp on %s; everything between the bench:dp "
		"markers is rewritten by the next run._\n\n"
		"- Command: `%s`\n- Machine: %s, %d cores, load average at start %s; %s "
		"for the data plane and the generator\n"
		"- Data plane: one worker lcore (`--workers %s`), ports net_memif (server), "
		"one srtp-rekey flow per call, AES_CM_128_HMAC_SHA1_80, a different key per leg\n"
		"- Generator: shieldlock-gen on %u lcore(s) (`-l %s`, TX and RX), G.711 packets "
		"(12 + 160 bytes, SRTP tag 10), calls played round robin at a fixed aggregate "
		"rate; it verified: %s\n"
		"- Trial: %g s measured after %g s warm-up (%g s cooldown not counted); a trial "
		"passes with zero loss (nothing refused by the memif ring either) and the rate "
		"actually offered; rate doubled from %.0f pps, then bisected to %.0f%%\n"
		"- Cycles per packet: the data plane's busy_cycles / processed over the best "
		"passing trial (TSC cycles of polls that found packets)\n\n",
		MARK_BEGIN, date, b->cmdline, cpu, cores, b->loadavg,
		b->huge ? "2 MiB hugepages (`--in-memory`)" : "no hugepages (`--no-huge`)", b->worker, glc, b->gen_lcores,
		verified, b->trial_s, b->warmup_s, b->cooldown_s, b->start_pps, b->precision * 100);
	if (b->svg_dir)
		fprintf(f, "![zero-loss Mpps against concurrent calls](%s/dp-throughput.svg)\n\n",
			b->svg_rel);
	targets(f, b);
	fprintf(f, "\n");
	table(f, b);
	fprintf(f, "\nThe two processes share the machine's cores: the generator's lcore is "
		"also the data plane's main (control) lcore. A cell marked generator-bound "
		"measured the generator, not the data plane.\n\n%s\n", MARK_END);
}

static int write_markdown(const struct dp_bench *b)
{
	char *old = slurp(b->output), tmp[PATH_MAX];
	const char *pre = old ? old : "# Shieldlock benchmarks\n\n", *post = "";
	size_t prelen = strlen(pre);
	FILE *f;
	int bad;

	if (old) {
		char *s = strstr(old, MARK_BEGIN), *e = s ? strstr(s, MARK_END) : NULL;

		if (s && e) {
			prelen = (size_t)(s - old);
			post = e + strlen(MARK_END);
			if (*post == '\n')
				post++;
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", b->output);
	f = fopen(tmp, "w");
	if (!f) {
		free(old);
		return -errno;
	}
	fwrite(pre, 1, prelen, f);
	if (prelen && pre[prelen - 1] != '\n')
		fputc('\n', f);
	if (prelen && !(prelen > 1 && pre[prelen - 1] == '\n' && pre[prelen - 2] == '\n'))
		fputc('\n', f);
	section(f, b);
	fputs(post, f);
	bad = ferror(f);
	bad |= fclose(f);
	free(old);
	if (bad || rename(tmp, b->output) < 0)
		return -EIO;
	return 0;
}

static int write_json(const struct dp_bench *b)
{
	FILE *f = fopen(b->json, "w");

	if (!f)
		return -errno;
	fprintf(f, "{\"bench\": \"dp\", \"cells\": [\n");
	for (unsigned i = 0; i < b->ncell; i++) {
		const struct dp_cell *c = &b->cell[i];

		fprintf(f, "  {\"engine\": \"%s\", \"calls\": %u, \"measured\": %s, \"mpps\": %.4f, "
			"\"cycles_per_packet\": %.1f, \"trials\": %u, \"generator_bound\": %s, "
			"\"generator_lcores\": %u}%s\n", c->engine, c->calls,
			c->measured ? "true" : "false", c->mpps, c->cycles, c->trials,
			c->gen_bound ? "true" : "false", c->gen_lcores, i + 1 < b->ncell ? "," : "");
	}
	fprintf(f, "]}\n");
	return fclose(f) ? -EIO : 0;
}

/* ---- options ------------------------------------------------------------ */

static int split_list(char *s, const char **out, unsigned max, unsigned *n)
{
	*n = 0;
	for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
		if (*n == max)
			return -1;
		out[(*n)++] = t;
	}
	return *n ? 0 : -1;
}

static int parse_calls(char *s, struct dp_bench *b)
{
	const char *tok[MAX_CALLS];

	if (split_list(s, tok, MAX_CALLS, &b->ncalls))
		return -1;
	for (unsigned i = 0; i < b->ncalls; i++) {
		char *end;
		unsigned long v = strtoul(tok[i], &end, 10);

		if (*end || v == 0 || v > 1000000)
			return -1;
		b->calls[i] = (unsigned)v;
	}
	return 0;
}

static void program_path(char *out, size_t n, const char *rel, const char *fallback)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	snprintf(out, n, "%s", fallback);
	if (len <= 0)
		return;
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return;
	*slash = '\0';
	if (snprintf(out, n, "%s/%s", self, rel) >= (int)n || access(out, X_OK) != 0)
		snprintf(out, n, "%s", fallback);
}

static void defaults(struct dp_bench *b)
{
	static char engines[] = "ipsec-mb,openssl", calls[] = "1000,10000,100000";

	memset(b, 0, sizeof(*b));
	split_list(engines, b->engines, MAX_ENGINES, &b->nengines);
	parse_calls(calls, b);
	b->trial_s = 3;
	b->warmup_s = 1;
	b->cooldown_s = 0.2;
	b->start_pps = 250000;
	b->max_pps = 4e6;
	b->precision = 0.03;
	b->max_trials = 12;
	b->verify_sample = 8;
	b->dp_lcores = "0,1";
	b->worker = "1";
	b->gen_lcores = "0";
	b->dp_mem = 2048;
	b->svg_rel = "bench";
	program_path(b->dp_buf, sizeof(b->dp_buf), "../../dataplane/dp/shieldlock-dp",
		     "shieldlock-dp");
	program_path(b->gen_buf, sizeof(b->gen_buf), "../gen/shieldlock-gen", "shieldlock-gen");
	b->dp_path = b->dp_buf;
	b->gen_path = b->gen_buf;
	for (int i = 0; i < 3; i++)
		snprintf(b->sock[i], sizeof(b->sock[i]), "/tmp/sl-bench-dp-%d.%s", (int)getpid(),
			 i == 0 ? "memif0" : i == 1 ? "memif1" : "ctl");
	snprintf(b->prefix[0], sizeof(b->prefix[0]), "sl-bench-dp-%d", (int)getpid());
	snprintf(b->prefix[1], sizeof(b->prefix[1]), "sl-bench-gen-%d", (int)getpid());
}

static const struct option longopts[] = {
	{ "engines", required_argument, NULL, 'e' }, { "calls", required_argument, NULL, 'c' },
	{ "trial", required_argument, NULL, 't' }, { "warmup", required_argument, NULL, 'w' },
	{ "cooldown", required_argument, NULL, 'C' }, { "start", required_argument, NULL, 's' },
	{ "max-rate", required_argument, NULL, 'm' }, { "precision", required_argument, NULL, 'p' },
	{ "max-trials", required_argument, NULL, 'T' },
	{ "verify-sample", required_argument, NULL, 'v' }, { "dp", required_argument, NULL, 'D' },
	{ "gen", required_argument, NULL, 'G' }, { "dp-lcores", required_argument, NULL, 'L' },
	{ "worker", required_argument, NULL, 'W' }, { "gen-lcores", required_argument, NULL, 'g' },
	{ "dp-mem", required_argument, NULL, 'M' }, { "hugepages", no_argument, NULL, 'H' }, { "output", required_argument, NULL, 'o' },
	{ "svg", required_argument, NULL, 'S' }, { "svg-rel", required_argument, NULL, 'R' },
	{ "json", required_argument, NULL, 'j' }, { "logs", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
};

static int positive(const char *opt, const char *arg, double *out)
{
	char *end;

	*out = strtod(arg, &end);
	if (*end || !(*out > 0)) {
		fprintf(stderr, "shieldlock-bench dp: %s '%s': expected a positive number\n", opt, arg);
		return -1;
	}
	return 0;
}

static int parse_opt(struct dp_bench *b, int o, char *arg)
{
	double v;

	switch (o) {
	case 'e':
		if (split_list(arg, b->engines, MAX_ENGINES, &b->nengines))
			goto bad;
		return 0;
	case 'c':
		return parse_calls(arg, b) ? (fprintf(stderr, "shieldlock-bench dp: --calls '%s': "
			"expected up to %d counts 1..1000000, comma separated\n", arg, MAX_CALLS), -1) : 0;
	case 't': return positive("--trial", arg, &b->trial_s);
	case 'w': return positive("--warmup", arg, &b->warmup_s);
	case 'C': return positive("--cooldown", arg, &b->cooldown_s);
	case 's': return positive("--start", arg, &b->start_pps);
	case 'm': return positive("--max-rate", arg, &b->max_pps);
	case 'p': return positive("--precision", arg, &b->precision);
	case 'T': if (positive("--max-trials", arg, &v)) return -1; b->max_trials = (unsigned)v; return 0;
	case 'v': if (positive("--verify-sample", arg, &v)) return -1;
		b->verify_sample = (unsigned)v; return 0;
	case 'D': b->dp_path = arg; return 0;
	case 'G': b->gen_path = arg; return 0;
	case 'L': b->dp_lcores = arg; return 0;
	case 'W': b->worker = arg; return 0;
	case 'g': b->gen_lcores = arg; return 0;
	case 'M': if (positive("--dp-mem", arg, &v)) return -1; b->dp_mem = (unsigned)v; return 0;
	case 'H': b->huge = true; return 0;
	case 'o': b->output = arg; return 0;
	case 'S': b->svg_dir = arg; return 0;
	case 'R': b->svg_rel = arg; return 0;
	case 'j': b->json = arg; return 0;
	case 'l': b->logdir = arg; mkdir(arg, 0755); return 0;
	default: break;
	}
bad:
	fprintf(stderr, "shieldlock-bench dp: bad option or value%s%s (see --help)\n",
		arg ? ": " : "", arg ? arg : "");
	return -1;
}

/* Makes sure mb MiB of 2 MiB hugepages exist (root only). */
static int ensure_hugepages(unsigned mb)
{
	const char *path = "/proc/sys/vm/nr_hugepages";
	unsigned long have = 0, need = mb / 2 + 64;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lu", &have) != 1)
			have = 0;
		fclose(f);
	}
	if (have >= need)
		return 0;
	f = fopen(path, "w");
	if (!f || fprintf(f, "%lu\n", need) < 0 || fclose(f) != 0) {
		fprintf(stderr, "shieldlock-bench dp: --hugepages: cannot raise %s to %lu: %s "
			"(run as root, or drop --hugepages)\n", path, need, strerror(errno));
		return -1;
	}
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lu", &have) != 1 || have < need) {
		fprintf(stderr, "shieldlock-bench dp: --hugepages: the kernel gave %lu of %lu "
			"hugepages; free memory or drop --hugepages\n", have, need);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void context(struct dp_bench *b, int argc, char **argv)
{
	size_t off = snprintf(b->cmdline, sizeof(b->cmdline), "shieldlock-bench");
	FILE *f = fopen("/proc/loadavg", "r");

	for (int i = 0; i < argc && off < sizeof(b->cmdline); i++)
		off += snprintf(b->cmdline + off, sizeof(b->cmdline) - off, " %s", argv[i]);
	if (f) {
		if (fgets(b->loadavg, sizeof(b->loadavg), f))
			b->loadavg[strcspn(b->loadavg, " ")] = '\0';
		fclose(f);
	}
}

/*
 * Entry point: argv[0] is "dp" (shieldlock-bench dispatches on it).
 * Returns 0, 1 if a cell could not be measured, 2 on usage.
 * (Declared here until bench.h carries it.)
 */
int bench_dp_main(int argc, char **argv)
{
	static struct dp_bench b;
	bool all = true;
	int o;

	defaults(&b);
	context(&b, argc, argv);
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (o == 'h') {
			usage(stdout);
			return 0;
		}
		if (o == '?' || parse_opt(&b, o, optarg))
			return 2;
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (b.huge && ensure_hugepages(b.dp_mem + 512) < 0)
		return 1;
	fprintf(stderr, "shieldlock-bench dp: data plane %s, generator %s\n", b.dp_path, b.gen_path);
	for (unsigned e = 0; e < b.nengines; e++) {
		for (unsigned k = 0; k < b.ncalls; k++) {
			struct dp_cell *c = &b.cell[b.ncell++];

			c->engine = b.engines[e];
			c->calls = b.calls[k];
			if (dp_start(&b, c->engine, c->calls) < 0) {
				snprintf(c->note, sizeof(c->note), "data plane did not start");
				continue;
			}
			if (setup_calls(&b, c->engine, c->calls) == 0)
				search(&b, c);
			else
				snprintf(c->note, sizeof(c->note), "flows could not be programmed");
			dp_stop(&b);
			all &= c->measured;
		}
	}
	for (int i = 0; i < 3; i++)
		unlink(b.sock[i]);
	table(stdout, &b);
	targets(stdout, &b);
	if (write_svg(&b) < 0)
		fprintf(stderr, "shieldlock-bench dp: cannot write the plot in %s\n", b.svg_dir);
	if (b.output && write_markdown(&b) < 0) {
		fprintf(stderr, "shieldlock-bench dp: cannot write %s\n", b.output);
		return 1;
	}
	if (b.json && write_json(&b) < 0) {
		fprintf(stderr, "shieldlock-bench dp: cannot write %s\n", b.json);
		return 1;
	}
	return all ? 0 : 1;
}
