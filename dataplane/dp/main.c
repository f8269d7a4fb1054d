/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlock-dp: `shieldlock-dp [EAL args] -- [options]` (docs/dataplane.md).
 *
 * Start-up: options -> EAL -> engines (self-tested) -> workers -> ports
 * configured -> flow table -> --flows loaded -> control socket and
 * telemetry -> ports started -> workers launched. The main lcore then runs
 * only the control socket. Exit: workers stopped, counters read, ports
 * stopped and closed (net_pcap flushes its files), summary printed,
 * everything freed.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "ctl_server.h"
#include "dp.h"
#include "dpdk_eal.h"
#include "flowspec.h"
#include "flowtab.h"
#include "options.h"
#include "port.h"
#include "telemetry.h"
#include "worker.h"

#define MSG_LEN 512

static struct dp the_dp;

static void on_signal(int sig)
{
	(void)sig;
	the_dp.quit = true;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;  /* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* mkdir -p for the socket's directory; created levels get mode 0700. */
static int make_ctl_dir(const char *path, char *msg, size_t msglen)
{
	char dir[sizeof(the_dp.cfg.ctl_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(dir, 0700) == 0) {
			/* a level we made: the --ctl-user must be able to pass it */
			if (the_dp.cfg.ctl_user_set &&
			    chown(dir, the_dp.cfg.ctl_uid, the_dp.cfg.ctl_gid) != 0) {
				snprintf(msg, msglen, "--ctl-socket: cannot give directory %s to "
					 "--ctl-user %s: %s", dir, the_dp.cfg.ctl_user,
					 strerror(errno));
				return -1;
			}
		} else if (errno != EEXIST) {
			snprintf(msg, msglen, "--ctl-socket: cannot create directory %s: %s; "
				 "create it or choose another path", dir, strerror(errno));
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

/* With --ctl-user: every directory above the socket must be searchable by
 * that user, or its connect() fails with EACCES long after start. Checked
 * by mode bits (owner, primary group, others), which is what a system user
 * has. */
static int check_ctl_reach(const char *path, char *msg, size_t msglen)
{
	char dir[sizeof(the_dp.cfg.ctl_path)];
	const struct dp_config *cfg = &the_dp.cfg;

	if (!cfg->ctl_user_set)
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *slash = strrchr(dir, '/'); slash != NULL; slash = strrchr(dir, '/')) {
		struct stat st;
		mode_t need;

		if (slash == dir)
			slash[1] = '\0';	/* "/" itself */
		else
			*slash = '\0';
		if (stat(dir, &st) != 0) {
			snprintf(msg, msglen, "--ctl-socket: %s: %s", dir, strerror(errno));
			return -1;
		}
		need = st.st_uid == cfg->ctl_uid ? S_IXUSR : st.st_gid == cfg->ctl_gid ? S_IXGRP :
		       S_IXOTH;
		if (!(st.st_mode & need)) {
			snprintf(msg, msglen, "--ctl-socket: --ctl-user %s cannot reach %s: the "
				 "directory %s (mode %04o, uid %u) is not searchable by it; put the "
				 "socket in a directory it can reach (e.g. /run/shieldlock owned by "
				 "%s)", cfg->ctl_user, path, dir, (unsigned)(st.st_mode & 07777),
				 (unsigned)st.st_uid, cfg->ctl_user);
			return -1;
		}
		if (dir[1] == '\0')
			break;
	}
	return 0;
}

/* --flows FILE: every line through sl_flowspec_parse_line, then added. */
static int load_flows(struct dp *dp, const char *file)
{
	struct sl_dp_flow_spec spec;
	char msg[MSG_LEN], *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0, added = 0;
	int rc = 0;
	FILE *f = fopen(file, "r");

	if (!f) {
		fprintf(stderr, "shieldlock-dp: --flows: cannot open %s: %s\n", file,
			strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		uint64_t id = 0;
		int r;

		lineno++;
		r = sl_flowspec_parse_line(line, &spec, msg, sizeof(msg));
		if (r == 1) {
			r = dp_flowtab_add(dp->ft, &spec, &id, msg, sizeof(msg)) == 0 ? 1 : -1;
			added += r == 1;
		}
		sl_flowspec_wipe(&spec);
		if (r < 0) {
			fprintf(stderr, "%s:%u: %s\n", file, lineno, msg);
			rc = -1;
			break;
		}
	}
	if (line) {
		sl_wipe(line, cap);  /* lines may hold inline keys */
		free(line);
	}
	fclose(f);
	if (rc == 0 && !dp->cfg.quiet)
		printf("flows: %u loaded from %s\n", added, file);
	return rc;
}

static int create_rings(struct dp *dp, char *msg, size_t msglen)
{
	int socket = (int)rte_socket_id();

	dp->punt_ring = rte_ring_create("dp_punt", DP_PUNT_RING, socket, RING_F_SC_DEQ);
	dp->latch_ring = rte_ring_create_elem("dp_latch", sizeof(struct sl_dp_event_latch),
					      DP_LATCH_RING, socket, RING_F_SC_DEQ);
	if (!dp->punt_ring || !dp->latch_ring) {
		snprintf(msg, msglen, "cannot create the punt/latch rings: out of memory; "
			 "give EAL more (-m)");
		return -1;
	}
	return 0;
}

static void free_rings(struct dp *dp)
{
	void *m = NULL;

	if (dp->punt_ring) {
		while (rte_ring_dequeue(dp->punt_ring, &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp->punt_ring);
		dp->punt_ring = NULL;
	}
	rte_ring_free(dp->latch_ring);
	dp->latch_ring = NULL;
}

/* ---- summary ------------------------------------------------------------ */

/* Latch events lost to a full queue (not in struct sl_dp_stats). */
static uint64_t latch_drops(const struct dp *dp)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < dp->nworkers; i++)
		if (dp->worker[i])
			n += dp->worker[i]->g.latch_drop;
	return n;
}

static void print_summary(const struct dp *dp, const struct sl_dp_stats *s)
{
	printf("\nshieldlock-dp: ran %.2f s; flows %lu of %lu\n", (double)s->uptime_ns / 1e9,
	       (unsigned long)s->flows, (unsigned long)s->flows_capacity);
	printf("%-5s %10s %12s %10s %12s %8s %8s %8s %9s %9s %9s\n", "port", "rx_pkts",
	       "rx_bytes", "tx_pkts", "tx_bytes", "tx_drop", "no_flow", "not_udp", "malformed",
	       "rx_missed", "rx_nombuf");
	for (unsigned p = 0; p < s->nports; p++) {
		const struct sl_dp_port_counters *c = &s->port[p];

		printf("%-5u %10lu %12lu %10lu %12lu %8lu %8lu %8lu %9lu %9lu %9lu\n", p,
		       c->rx_pkts, c->rx_bytes, c->tx_pkts, c->tx_bytes, c->tx_drop, c->no_flow,
		       c->not_udp, c->malformed, c->rx_missed, c->rx_nombuf);
	}
	printf("%-6s %5s %10s %10s %10s %11s %12s %14s %12s\n", "worker", "lcore", "rx_pkts",
	       "processed", "handoff_in", "handoff_out", "handoff_drop", "busy_cycles",
	       "idle_polls");
	for (unsigned i = 0; i < s->nworkers; i++) {
		const struct sl_dp_worker_counters *w = &s->worker[i];

		printf("%-6u %5u %10lu %10lu %10lu %11lu %12lu %14lu %12lu\n", i,
		       dp->worker[i] ? dp->worker[i]->lcore : 0, w->rx_pkts, w->processed,
		       w->handoff_in, w->handoff_out, w->handoff_drop, w->busy_cycles,
		       w->idle_polls);
	}
	printf("no_flow_drop %lu  no_flow_punt %lu  punt_drop %lu  auth_fail %lu  replay %lu  "
	       "malformed %lu  engine_err %lu  latch_events %lu  latch_drop %lu\n",
	       s->no_flow_drop, s->no_flow_punt, s->punt_drop, s->auth_fail, s->replay,
	       s->malformed, s->engine_err, s->latch_events, latch_drops(dp));
}

/* Every flow with its counters (sl_flowspec_print_info_json). */
static void json_flows(FILE *f, struct dp_flowtab *ft)
{
	static struct sl_dp_flow_info info[SL_DP_LIST_MAX];
	uint64_t cursor = 0, next = 0;
	bool first = true;

	fputs("[", f);
	if (ft)
		do {
			unsigned n = dp_flowtab_list(ft, cursor, SL_DP_LIST_MAX, info, &next);

			for (unsigned i = 0; i < n; i++) {
				fputs(first ? "\n  " : ",\n  ", f);
				sl_flowspec_print_info_json(f, &info[i]);
				first = false;
			}
			cursor = next;
		} while (next != 0);
	fputs("]", f);
}

static int write_json(const struct dp *dp, const struct sl_dp_stats *s, const char *file)
{
	uint32_t lcore[SL_DP_MAX_WORKERS] = { 0 };
	FILE *f = fopen(file, "w");

	if (!f) {
		fprintf(stderr, "shieldlock-dp: --stats-json: cannot write %s: %s\n", file,
			strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < s->nworkers && i < SL_DP_MAX_WORKERS; i++)
		lcore[i] = dp->worker[i] ? dp->worker[i]->lcore : 0;
	sl_dp_stats_print_json_open(f, s, lcore);
	fprintf(f, ",\"latch_drop\":%" PRIu64, latch_drops(dp));
	fputs(",\n\"flow_list\":", f);
	json_flows(f, dp->ft);
	fputs("}\n", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "shieldlock-dp: --stats-json: %s: %s\n", file, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- run ---------------------------------------------------------------- */

static void run(struct dp *dp, struct dp_ctl *ctl)
{
	uint64_t end = dp->cfg.run_for > 0 ?
		dp->start_ns + (uint64_t)(dp->cfg.run_for * 1e9) : 0;

	while (!dp->quit) {
		int timeout = 100;

		if (end) {
			uint64_t now = dp_monotonic_ns();

			if (now >= end)
				break;
			if (end - now < 100000000ull)
				timeout = (int)((end - now) / 1000000) + 1;
		}
		if (dp_ctl_poll(ctl, timeout) < 0) {
			struct timespec ts = { 0, 10000000 }; /* do not spin on a poll error */

			nanosleep(&ts, NULL);
		}
	}
}

/* Everything up to the launch of the workers. 0, or an exit status. */
static int start(struct dp *dp, struct dp_ctl **ctl, bool *ports_up)
{
	char msg[MSG_LEN];
	int err = 0;

	if (make_ctl_dir(dp->cfg.ctl_path, msg, sizeof(msg)) != 0 ||
	    check_ctl_reach(dp->cfg.ctl_path, msg, sizeof(msg)) != 0)
		goto fail;
	dp->ctl_engine = sl_engine_open(dp->cfg.engine,
					dp->cfg.engine_args[0] ? dp->cfg.engine_args : NULL, &err);
	if (!dp->ctl_engine) {
		snprintf(msg, sizeof(msg), "--engine %s%s%s: cannot open the engine: %s (see the "
			 "message above)", dp->cfg.engine, dp->cfg.engine_args[0] ? ":" : "",
			 dp->cfg.engine_args, strerror(-err));
		goto fail;
	}
	if (dp_workers_create(dp, msg, sizeof(msg)) != 0 ||
	    dp_ports_probe(dp, msg, sizeof(msg)) != 0)
		goto fail;
	*ports_up = true;
	if (dp_ports_setup(dp, msg, sizeof(msg)) != 0 ||
	    create_rings(dp, msg, sizeof(msg)) != 0)
		goto fail;
	dp->ft = dp_flowtab_create(dp, dp->cfg.capacity, dp->nworkers, msg, sizeof(msg));
	if (!dp->ft)
		goto fail;
	/* net_pcap replays its file as soon as the port is polled: the flows
	 * must be in place before the ports start. */
	if (dp->cfg.flows_file[0] && load_flows(dp, dp->cfg.flows_file) != 0)
		return DP_EXIT_USAGE;
	*ctl = dp_ctl_open(dp, dp->cfg.ctl_path, msg, sizeof(msg));
	if (!*ctl)
		goto fail;
	if (dp_telemetry_register(dp) != 0 && !dp->cfg.quiet)
		fprintf(stderr, "shieldlock-dp: warning: telemetry commands not registered\n");
	if (dp_ports_start(dp, msg, sizeof(msg)) != 0 ||
	    dp_workers_launch(dp, msg, sizeof(msg)) != 0)
		goto fail;
	if (!dp->cfg.quiet) {
		printf("engine %s%s%s; %u worker(s) on lcore", dp->cfg.engine,
		       dp->cfg.engine_args[0] ? ":" : "", dp->cfg.engine_args, dp->nworkers);
		for (unsigned i = 0; i < dp->nworkers; i++)
			printf("%s%u", i ? "," : " ", dp->worker[i]->lcore);
		printf(", control socket %s\n", dp->cfg.ctl_path);
		fflush(stdout);
	}
	return 0;
fail:
	fprintf(stderr, "shieldlock-dp: %s\n", msg);
	return 1;
}

static int finish(struct dp *dp, struct dp_ctl *ctl, bool ports_up, bool ran)
{
	struct sl_dp_stats st;
	int rc = 0;

	dp_workers_stop(dp);
	if (ran) {
		dp_ctl_stats_fill(dp, &st);
		st.uptime_ns = dp_monotonic_ns() - dp->start_ns;
	}
	if (ports_up)
		dp_ports_close(dp);
	if (ran && !dp->cfg.quiet)
		print_summary(dp, &st);
	if (ran && dp->cfg.stats_json[0] && write_json(dp, &st, dp->cfg.stats_json) != 0)
		rc = 1;
	if (ctl)
		dp_ctl_close(ctl);
	free_rings(dp);
	if (dp->ft)
		dp_flowtab_free(dp->ft);
	dp->ft = NULL;
	dp_workers_free(dp);
	if (dp->ctl_engine)
		sl_engine_close(dp->ctl_engine);
	rte_mempool_free(dp->pool);
	fflush(stdout);
	return rc;
}

static char rundir[PATH_MAX];

/* Without shared config EAL's runtime directory is left empty (the
 * telemetry socket is unlinked by an exit handler): remove it so runs leave
 * nothing in /var/run/dpdk. Fails harmlessly when it is not empty. */
static void remove_rundir(void)
{
	if (rundir[0])
		rmdir(rundir);
}

int main(int argc, char **argv)
{
	struct dp *dp = &the_dp;
	struct dp_ctl *ctl = NULL;
	bool ports_up = false;
	int dd, rc, app_argc;
	char **app_argv;

	dd = dp_options_split(argc, argv);
	/* The application's options, with argv[0] as the program name. */
	app_argc = dd < argc ? argc - dd : 1;
	app_argv = calloc((size_t)app_argc + 1, sizeof(*app_argv));
	if (!app_argv)
		return 1;
	app_argv[0] = argv[0];
	for (int i = 1; i < app_argc; i++)
		app_argv[i] = argv[dd + i];
	dp_options_parse(&dp->cfg, app_argc, app_argv);
	free(app_argv);

	/* Registered before EAL's own exit handlers so it runs after them. */
	atexit(remove_rundir);
	rc = sl_dpdk_eal_init(dd, argv);
	if (rc >= 0)
		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	if (rc < 0) {
		fprintf(stderr, "shieldlock-dp: EAL arguments rejected (see above); the form is "
			"shieldlock-dp [EAL args] -- [options]\n");
		return 1;
	}
	dp_options_resolve_workers(&dp->cfg);
	install_signals();
	dp->start_ns = dp_monotonic_ns();

	rc = start(dp, &ctl, &ports_up);
	if (rc == 0)
		run(dp, ctl);
	if (finish(dp, ctl, ports_up, rc == 0) != 0 && rc == 0)
		rc = 1;
	rte_eal_cleanup();
	return rc;
}
