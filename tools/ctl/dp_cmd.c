/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl dp: flows of the data plane (docs/shieldlockctl.md; the
 * flow syntax is docs/flows.md).
 *
 * Every spec that held keys is wiped right after it was sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "engine.h"
#include "flowspec.h"

void ctl_dp_usage(FILE *f)
{
	fprintf(f,
"usage: shieldlockctl [--socket PATH] [--json] dp COMMAND\n"
"\n"
"  dp flow add FLOW...            add a flow; prints its id\n"
"  dp flow add --file FLOWS       add every flow of a file (one per line, # comments);\n"
"                                 the whole file is checked before anything is sent\n"
"  dp flow mod ID FLOW...         replace flow ID's action, keys, rewrite ... atomically;\n"
"                                 in-port/src/dst may be left out (they cannot change)\n"
"  dp flow del ID...              delete flows (their keys are wiped)\n"
"  dp flow show ID                one flow in detail, with its counters\n"
"  dp flow list                   all flows, one line each\n"
"  dp flow flush                  delete every flow\n"
"  dp stats                       global, per-port and per-worker counters\n"
"  dp status                      version, engine, ports and workers\n"
"  dp events [--punt] [--latch] [--count N]\n"
"                                 print events as they happen (default: both kinds)\n"
"\n"
"FLOW (docs/flows.md):\n"
"  in-port N src A:P|any dst A:P action forward|srtp-protect|srtp-unprotect|srtp-rekey|drop\n"
"  [out-port N] [rewrite-src A:P rewrite-dst A:P] [eth-src MAC eth-dst MAC]\n"
"  [in-crypto \"SUITE inline:KEY[|LIFETIME][|MKI:LEN][;inline:...] [PARAMS]\"|@FILE]\n"
"  [out-crypto ...] [in-roc N] [out-roc N] [in-ssrc X] [out-ssrc X] [replay-window N]\n"
"  [out-active-key N] [latch] [peer ID] [worker N] [cookie N]\n"
"  Addresses: 10.0.0.1:5004 or [2001:db8::1]:5004. Keys on the command line are\n"
"  visible to other users in ps: prefer @FILE or --file.\n"
"\n"
"Example:\n"
"  shieldlockctl dp flow add in-port 0 src 10.10.1.2:4000 dst 10.10.1.1:20000 \\\n"
"    action srtp-protect out-port 1 rewrite-src 10.10.2.1:30000 \\\n"
"    rewrite-dst 10.10.2.2:5004 out-crypto @/etc/shieldlock/leg1.key\n");
}

static int usage_err(const char *what)
{
	return ctl_err(CTL_EXIT_USAGE, "%s (see shieldlockctl dp --help)", what);
}

static int parse_id(const char *s, uint64_t *id)
{
	char *end;

	*id = 0;
	errno = 0;
	if (!s || s[0] < '0' || s[0] > '9')
		return -1;
	*id = strtoull(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

/* ---- add ------------------------------------------------------------------- */

static int add_one(struct sl_dp_client *c, const struct ctl_opts *o, struct sl_dp_flow_spec *spec)
{
	char msg[512];
	uint64_t id = 0;
	int rc = sl_dp_flow_add(c, spec, &id, msg, sizeof(msg));

	sl_flowspec_wipe(spec);
	if (rc < 0)
		return ctl_err(CTL_EXIT_FAIL, "flow add refused: %s", msg);
	if (o->json)
		printf("{\"id\":%" PRIu64 "}\n", id);
	else
		printf("flow %" PRIu64 " added\n", id);
	return CTL_EXIT_OK;
}

static void print_added(const struct ctl_opts *o, const char *path, unsigned lineno, uint64_t id,
			unsigned nth)
{
	if (o->json)
		printf("%s%" PRIu64, nth ? "," : "", id);
	else
		printf("flow %" PRIu64 " added (%s:%u)\n", id, path, lineno);
}

/*
 * Reads a flows file twice: first only to check every line (so a typo on
 * line 900 does not leave 899 flows behind), then to send.
 */
static int file_pass(FILE *f, const char *path, struct sl_dp_client *c, const struct ctl_opts *o,
		     unsigned *added)
{
	struct sl_dp_flow_spec spec;
	char *line = NULL, msg[512];
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = CTL_EXIT_OK;
	ssize_t n;

	while (rc == CTL_EXIT_OK && (n = getline(&line, &cap, f)) >= 0) {
		uint64_t id;
		int r = sl_flowspec_parse_line(line, &spec, msg, sizeof(msg));

		lineno++;
		sl_wipe(line, (size_t)n);
		if (r < 0)
			rc = ctl_err(CTL_EXIT_USAGE, "%s:%u: %s (nothing was added)", path, lineno, msg);
		if (r <= 0)
			continue;
		if (!c) {
			sl_flowspec_wipe(&spec);
			continue;
		}
		if (sl_dp_flow_add(c, &spec, &id, msg, sizeof(msg)) < 0)
			rc = ctl_err(CTL_EXIT_FAIL, "%s:%u: flow add refused: %s (%u flows of this file were added before it)",
				     path, lineno, msg, *added);
		else
			print_added(o, path, lineno, id, (*added)++);
		sl_flowspec_wipe(&spec);
	}
	if (line)
		sl_wipe(line, cap);
	free(line);
	if (rc == CTL_EXIT_OK && ferror(f))
		rc = ctl_err(CTL_EXIT_FAIL, "cannot read %s: %s", path, strerror(errno));
	return rc;
}

static int add_file(const struct ctl_opts *o, const char *path)
{
	static char iobuf[BUFSIZ];   /* our own stdio buffer, so it can be wiped */
	struct sl_dp_client *c;
	FILE *f = fopen(path, "re");
	unsigned added = 0;
	int rc;

	if (!f)
		return ctl_err(CTL_EXIT_USAGE, "cannot open flows file %s: %s", path, strerror(errno));
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	rc = file_pass(f, path, NULL, o, &added);
	if (rc != CTL_EXIT_OK)
		goto out;
	c = ctl_dp_connect(o);
	if (!c) {
		rc = CTL_EXIT_FAIL;
		goto out;
	}
	rewind(f);
	if (o->json)
		printf("{\"ids\":[");
	rc = file_pass(f, path, c, o, &added);
	if (o->json)
		printf("],\"added\":%u}\n", added);
	else if (rc == CTL_EXIT_OK)
		printf("%u flows added from %s\n", added, path);
	sl_dp_client_close(c);
out:
	fclose(f);
	sl_wipe(iobuf, sizeof(iobuf));
	return rc;
}

static int cmd_add(const struct ctl_opts *o, int argc, char **argv)
{
	struct sl_dp_flow_spec spec;
	struct sl_dp_client *c;
	char msg[512];

	if (argc >= 1 && !strcmp(argv[0], "--file")) {
		if (argc != 2)
			return usage_err("dp flow add --file takes exactly one FLOWS file");
		return add_file(o, argv[1]);
	}
	if (sl_flowspec_parse(argc, argv, &spec, msg, sizeof(msg)) < 0)
		return usage_err(msg);
	c = ctl_dp_connect(o);
	if (!c) {
		sl_flowspec_wipe(&spec);
		return CTL_EXIT_FAIL;
	}
	int rc = add_one(c, o, &spec);

	sl_dp_client_close(c);
	return rc;
}

/* ---- mod ------------------------------------------------------------------- */

static bool has_word(int argc, char **argv, const char *w)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], w))
			return true;
	return false;
}

/* The match cannot change: take the tokens the user left out from the flow. */
static int mod_tokens(const struct sl_dp_flow_info *fi, int argc, char **argv, char **out,
		      char store[3][64])
{
	int n = 0;

	if (!has_word(argc, argv, "in-port")) {
		snprintf(store[0], sizeof(store[0]), "%u", fi->match.in_port);
		out[n++] = "in-port";
		out[n++] = store[0];
	}
	if (!has_word(argc, argv, "src")) {
		if (fi->match.flags & SL_DP_MATCH_ANY_SRC)
			snprintf(store[1], sizeof(store[1]), "any");
		else
			sl_flowspec_addr_str(fi->match.ip_version, fi->match.src, fi->match.sport,
					     store[1], sizeof(store[1]));
		out[n++] = "src";
		out[n++] = store[1];
	}
	if (!has_word(argc, argv, "dst")) {
		sl_flowspec_addr_str(fi->match.ip_version, fi->match.dst, fi->match.dport,
				     store[2], sizeof(store[2]));
		out[n++] = "dst";
		out[n++] = store[2];
	}
	for (int i = 0; i < argc; i++)
		out[n++] = argv[i];
	return n;
}

static int do_mod(struct sl_dp_client *c, const struct ctl_opts *o, uint64_t id, int argc, char **argv)
{
	struct sl_dp_flow_info fi;
	struct sl_dp_flow_spec spec;
	char store[3][64], msg[512];
	char **words = calloc((size_t)argc + 7, sizeof(*words));
	int n, rc;

	if (!words)
		return ctl_err(CTL_EXIT_FAIL, "out of memory");
	if (sl_dp_flow_get(c, id, &fi, msg, sizeof(msg)) < 0) {
		free(words);
		return ctl_err(CTL_EXIT_FAIL, "flow mod %" PRIu64 ": %s", id, msg);
	}
	n = mod_tokens(&fi, argc, argv, words, store);
	rc = sl_flowspec_parse(n, words, &spec, msg, sizeof(msg));
	free(words);
	if (rc < 0)
		return usage_err(msg);
	spec.id = id;
	rc = sl_dp_flow_mod(c, &spec, msg, sizeof(msg));
	sl_flowspec_wipe(&spec);
	if (rc < 0)
		return ctl_err(CTL_EXIT_FAIL, "flow mod %" PRIu64 " refused: %s", id, msg);
	if (o->json)
		printf("{\"id\":%" PRIu64 "}\n", id);
	else
		printf("flow %" PRIu64 " modified\n", id);
	return CTL_EXIT_OK;
}

static int cmd_mod(const struct ctl_opts *o, int argc, char **argv)
{
	struct sl_dp_client *c;
	uint64_t id;
	int rc;

	if (argc < 2 || parse_id(argv[0], &id) < 0)
		return usage_err("dp flow mod needs a flow ID and the new FLOW tokens");
	if (has_word(argc - 1, argv + 1, "id"))
		return usage_err("dp flow mod: the flow is named by ID; do not give 'id' again");
	c = ctl_dp_connect(o);
	if (!c)
		return CTL_EXIT_FAIL;
	rc = do_mod(c, o, id, argc - 1, argv + 1);
	sl_dp_client_close(c);
	return rc;
}

/* ---- del, show, flush ------------------------------------------------------------ */

static int cmd_del(const struct ctl_opts *o, int argc, char **argv)
{
	struct sl_dp_client *c;
	char msg[512];
	uint64_t id = 0;
	int rc = CTL_EXIT_OK;

	if (argc < 1)
		return usage_err("dp flow del needs at least one flow ID");
	for (int i = 0; i < argc; i++)
		if (parse_id(argv[i], &id) < 0)
			return ctl_err(CTL_EXIT_USAGE, "dp flow del: '%s' is not a flow ID (a number)", argv[i]);
	c = ctl_dp_connect(o);
	if (!c)
		return CTL_EXIT_FAIL;
	if (o->json)
		printf("{\"deleted\":[");
	for (int i = 0, n = 0; i < argc; i++) {
		parse_id(argv[i], &id);
		if (sl_dp_flow_del(c, id, msg, sizeof(msg)) < 0) {
			rc = ctl_err(CTL_EXIT_FAIL, "flow del %" PRIu64 " refused: %s", id, msg);
			continue;
		}
		if (o->json)
			printf("%s%" PRIu64, n++ ? "," : "", id);
		else
			printf("flow %" PRIu64 " deleted\n", id);
	}
	if (o->json)
		printf("]}\n");
	sl_dp_client_close(c);
	return rc;
}

static int cmd_show(const struct ctl_opts *o, int argc, char **argv)
{
	struct sl_dp_flow_info fi;
	struct sl_dp_client *c;
	char msg[512];
	uint64_t id;
	int rc;

	if (argc != 1 || parse_id(argv[0], &id) < 0)
		return usage_err("dp flow show needs one flow ID");
	c = ctl_dp_connect(o);
	if (!c)
		return CTL_EXIT_FAIL;
	rc = sl_dp_flow_get(c, id, &fi, msg, sizeof(msg));
	sl_dp_client_close(c);
	if (rc < 0)
		return ctl_err(CTL_EXIT_FAIL, "flow show %" PRIu64 ": %s", id, msg);
	if (o->json) {
		sl_flowspec_print_info_json(stdout, &fi);
		putchar('\n');
	} else {
		sl_flowspec_print_info(stdout, &fi);
	}
	return CTL_EXIT_OK;
}

static int cmd_flush(const struct ctl_opts *o, int argc, char **argv)
{
	struct sl_dp_client *c;
	char msg[512];
	uint64_t n = 0;
	int rc;

	(void)argv;
	if (argc != 0)
		return usage_err("dp flow flush takes no arguments");
	c = ctl_dp_connect(o);
	if (!c)
		return CTL_EXIT_FAIL;
	rc = sl_dp_flow_flush(c, &n, msg, sizeof(msg));
	sl_dp_client_close(c);
	if (rc < 0)
		return ctl_err(CTL_EXIT_FAIL, "flow flush refused: %s", msg);
	if (o->json)
		printf("{\"deleted\":%" PRIu64 "}\n", n);
	else
		printf("%" PRIu64 " flow%s deleted\n", n, n == 1 ? "" : "s");
	return CTL_EXIT_OK;
}

/* ---- list -------------------------------------------------------------------------- */

struct list_state {
	const struct ctl_opts *o;
	uint64_t n;
};

static uint64_t drops(const struct sl_dp_flow_counters *c)
{
	return c->auth_fail + c->replay + c->malformed + c->engine_err + c->other_drop;
}

static int list_one(const struct sl_dp_flow_info *fi, void *arg)
{
	struct list_state *ls = arg;
	char s[64], d[64], m[140], out[8];

	if (ls->o->json) {
		fputs(ls->n ? ",\n" : "\n", stdout);
		sl_flowspec_print_info_json(stdout, fi);
		ls->n++;
		return 0;
	}
	if (ls->n++ == 0)
		printf("%8s %4s %-47s %-14s %4s %4s %12s %12s %8s\n", "ID", "IN", "MATCH (SRC -> DST)",
		       "ACTION", "OUT", "WRK", "PKTS-IN", "PKTS-OUT", "DROPS");
	if (fi->match.flags & SL_DP_MATCH_ANY_SRC)
		snprintf(s, sizeof(s), "any");
	else
		sl_flowspec_addr_str(fi->match.ip_version, fi->match.src, fi->match.sport, s, sizeof(s));
	sl_flowspec_addr_str(fi->match.ip_version, fi->match.dst, fi->match.dport, d, sizeof(d));
	snprintf(m, sizeof(m), "%s -> %s", s, d);
	if (fi->action == SL_DP_ACT_DROP)
		snprintf(out, sizeof(out), "-");
	else
		snprintf(out, sizeof(out), "%u", fi->out_port);
	printf("%8" PRIu64 " %4u %-47s %-14s %4s %4u %12" PRIu64 " %12" PRIu64 " %8" PRIu64 "%s\n",
	       fi->id, fi->match.in_port, m, sl_flowspec_action_name(fi->action), out, fi->worker,
	       fi->c.pkts_in, fi->c.pkts_out, drops(&fi->c),
	       (fi->flags & SL_DP_FLOW_LATCH) ? (fi->latched ? " latched" : " latch") : "");
	return 0;
}

static int cmd_list(const struct ctl_opts *o, int argc, char **argv)
{
	struct list_state ls = { .o = o };
	struct sl_dp_client *c;
	char msg[512];
	int rc;

	(void)argv;
	if (argc != 0)
		return usage_err("dp flow list takes no arguments");
	c = ctl_dp_connect(o);
	if (!c)
		return CTL_EXIT_FAIL;
	if (o->json)
		printf("{\"flows\":[");
	rc = sl_dp_flow_list(c, list_one, &ls, msg, sizeof(msg));
	sl_dp_client_close(c);
	if (o->json)
		printf("%s],\"count\":%" PRIu64 "}\n", ls.n ? "\n" : "", ls.n);
	else if (rc == 0)
		printf("%" PRIu64 " flow%s\n", ls.n, ls.n == 1 ? "" : "s");
	if (rc < 0)
		return ctl_err(CTL_EXIT_FAIL, "flow list: %s", msg);
	return CTL_EXIT_OK;
}

/* ---- dispatch ------------------------------------------------------------------------ */

struct subcommand {
	const char *name;
	int (*run)(const struct ctl_opts *o, int argc, char **argv);
};

static const struct subcommand flow_cmds[] = {
	{ "add", cmd_add }, { "mod", cmd_mod }, { "del", cmd_del },
	{ "show", cmd_show }, { "list", cmd_list }, { "flush", cmd_flush },
};

static const struct subcommand dp_cmds[] = {
	{ "stats", ctl_dp_stats }, { "status", ctl_dp_status }, { "events", ctl_dp_events },
};

static int dispatch(const struct subcommand *t, size_t n, const struct ctl_opts *o, int argc,
		    char **argv, const char *group)
{
	char what[160];

	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[0], t[i].name))
			return t[i].run(o, argc - 1, argv + 1);
	snprintf(what, sizeof(what), "unknown command '%s %s'", group, argv[0]);
	return usage_err(what);
}

int ctl_dp_main(const struct ctl_opts *o, int argc, char **argv)
{
	if (argc < 2) {
		ctl_dp_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    (i == 1 && !strcmp(argv[i], "help"))) {
			ctl_dp_usage(stdout);
			return CTL_EXIT_OK;
		}
	if (!strcmp(argv[1], "flow")) {
		if (argc < 3)
			return usage_err("dp flow needs a command: add, mod, del, show, list, flush");
		return dispatch(flow_cmds, sizeof(flow_cmds) / sizeof(flow_cmds[0]), o, argc - 2,
				argv + 2, "dp flow");
	}
	return dispatch(dp_cmds, sizeof(dp_cmds) / sizeof(dp_cmds[0]), o, argc - 1, argv + 1, "dp");
}
