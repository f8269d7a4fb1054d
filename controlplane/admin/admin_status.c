/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl registrations / calls: the daemon's runtime state as it
 * writes it to the store (registrar bindings, calls with their legs).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin_int.h"

#define CALLS_DEFAULT_LIMIT_ALL 50

static int registrations(struct adm *a, int argc, char **argv)
{
	static const char *const hdr[] = { "USER", "DEVICE", "TRANSPORT", "SOURCE", "EXPIRES-IN",
					   "CONTACT", "USER-AGENT" };
	const char *user;
	const struct adm_opt opts[] = { { "--user", &user, NULL }, { NULL, NULL, NULL } };
	int64_t now = (int64_t)time(NULL);
	struct adm_vec regs;
	struct sl_user u;
	struct tbl t;
	struct jw w;
	size_t shown = 0;
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)) ||
	    (user && (rc = adm_need_user(a, user, &u))) ||
	    (rc = adm_load_regs(a, &regs)))
		return rc;
	jw_init(&w, a->out);
	tbl_init(&t, 7, hdr);
	if (a->json) {
		jw_obj(&w, NULL);
		jw_arr(&w, "registrations");
	}
	for (size_t i = 0; i < regs.n; i++) {
		const struct sl_registration *r = ADM_AT(&regs, struct sl_registration, i);
		char exp[32];

		if (user && strcmp(r->user, user))
			continue;
		shown++;
		if (a->json) {
			jw_obj(&w, NULL);
			jw_str(&w, "user", r->user);
			jw_str(&w, "contact", r->contact);
			jw_str(&w, "device", r->device[0] ? r->device : NULL);
			jw_str(&w, "transport", r->transport);
			jw_str(&w, "source", r->source);
			jw_str(&w, "user_agent", r->user_agent);
			jw_int(&w, "registered", r->registered);
			jw_int(&w, "expires", r->expires);
			jw_int(&w, "expires_in", r->expires - now);
			jw_end_obj(&w);
			continue;
		}
		if (r->expires - now < 0)
			snprintf(exp, sizeof(exp), "expired");
		else
			snprintf(exp, sizeof(exp), "%" PRId64 "s", r->expires - now);
		tbl_row(&t, r->user, r->device[0] ? r->device : "-", r->transport, r->source, exp,
			r->contact, r->user_agent);
	}
	if (a->json) {
		jw_end_arr(&w);
		jw_uint(&w, "count", shown);
		jw_end_obj(&w);
	} else if (shown)
		tbl_print(&t, a->out);
	else
		sl_admin_out_printf(a->out, "no registrations%s%s\n", user ? " of user " : "",
				    user ? user : "");
	tbl_free(&t);
	adm_vec_free(&regs);
	return 0;
}

int adm_registrations(struct adm *a, int argc, char **argv)
{
	snprintf(a->cmd, sizeof(a->cmd), "registrations");
	a->usage = "registrations [--user U]";
	return registrations(a, argc - 1, argv + 1);
}

/* ---- calls ---- */

struct call_walk {
	struct adm *a;
	struct jw w;
	struct tbl t;
	int64_t now;
	size_t n;
};

static int64_t call_duration(const struct sl_call *c, int64_t now)
{
	if (!c->answered)
		return -1;
	return (c->ended ? c->ended : now) - c->answered;
}

static void leg_json(struct jw *w, const struct sl_call_leg *l)
{
	jw_obj(w, NULL);
	jw_str(w, "peer", l->peer);
	jw_str(w, "suite", l->suite);
	jw_str(w, "security", sl_sec_mode_name((enum sl_sec_mode)l->security));
	jw_str(w, "security_status", adm_security_label(l->security));
	jw_str(w, "media_remote", l->media_remote);
	jw_str(w, "media_local", l->media_local);
	jw_uint(w, "packets_in", l->pkts_in);
	jw_uint(w, "packets_out", l->pkts_out);
	jw_uint(w, "auth_fail", l->auth_fail);
	jw_uint(w, "replay_drop", l->replay_drop);
	jw_end_obj(w);
}

static int call_cb(const struct sl_call *c, void *arg)
{
	struct call_walk *cw = arg;
	static const char *const side[2] = { "caller", "callee" };
	char state[96], dur[32];

	cw->n++;
	if (cw->a->json) {
		jw_obj(&cw->w, NULL);
		jw_str(&cw->w, "id", c->id);
		jw_str(&cw->w, "state", c->state);
		jw_str(&cw->w, "security", sl_sec_mode_name((enum sl_sec_mode)c->security));
		jw_str(&cw->w, "security_status", adm_security_label(c->security));
		jw_int(&cw->w, "started", c->started);
		jw_int(&cw->w, "answered", c->answered);
		jw_int(&cw->w, "ended", c->ended);
		jw_int(&cw->w, "duration", call_duration(c, cw->now));
		jw_str(&cw->w, "end_reason", c->end_reason);
		jw_arr(&cw->w, "legs");
		leg_json(&cw->w, &c->leg[0]);
		leg_json(&cw->w, &c->leg[1]);
		jw_end_arr(&cw->w);
		jw_end_obj(&cw->w);
		return 0;
	}
	if (c->end_reason[0])
		snprintf(state, sizeof(state), "%s (%s)", c->state, c->end_reason);
	else
		snprintf(state, sizeof(state), "%s", c->state);
	adm_fmt_duration(call_duration(c, cw->now), dur, sizeof(dur));
	for (int i = 0; i < 2; i++) {
		const struct sl_call_leg *l = &c->leg[i];
		char in[24], out[24], af[24], rd[24];

		snprintf(in, sizeof(in), "%" PRIu64, l->pkts_in);
		snprintf(out, sizeof(out), "%" PRIu64, l->pkts_out);
		snprintf(af, sizeof(af), "%" PRIu64, l->auth_fail);
		snprintf(rd, sizeof(rd), "%" PRIu64, l->replay_drop);
		tbl_row(&cw->t, i ? "" : c->id, i ? "" : state, i ? "" : adm_security_label(c->security),
			i ? "" : dur, side[i], l->peer, l->suite[0] ? l->suite : "-",
			adm_security_label(l->security), l->media_remote[0] ? l->media_remote : "-",
			in, out, af, rd);
	}
	return 0;
}

static int calls(struct adm *a, int argc, char **argv)
{
	static const char *const hdr[] = { "CALL", "STATE", "SECURITY", "DURATION", "LEG", "PEER",
					   "SUITE", "LEG-SECURITY", "REMOTE", "PKTS-IN", "PKTS-OUT",
					   "AUTH-FAIL", "REPLAY" };
	const char *limit;
	bool all;
	const struct adm_opt opts[] = {
		{ "--all", NULL, &all }, { "--limit", &limit, NULL }, { NULL, NULL, NULL },
	};
	struct call_walk cw = { .a = a, .now = (int64_t)time(NULL) };
	char err[ADM_ERR_MAX] = "";
	unsigned long lim = 0;
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)) ||
	    (limit && (rc = adm_parse_uint(a, "--limit", limit, 1, 100000, &lim))))
		return rc;
	if (!limit && all)
		lim = CALLS_DEFAULT_LIMIT_ALL;
	jw_init(&cw.w, a->out);
	tbl_init(&cw.t, 13, hdr);
	if (a->json) {
		jw_obj(&cw.w, NULL);
		jw_arr(&cw.w, "calls");
	}
	rc = sl_store_call_list(a->ctx->store, !all, (unsigned)lim, call_cb, &cw, err, sizeof(err));
	if (rc < 0) {
		tbl_free(&cw.t);
		return adm_store_fail(a, rc, err);
	}
	if (a->json) {
		jw_end_arr(&cw.w);
		jw_uint(&cw.w, "count", cw.n);
		jw_end_obj(&cw.w);
	} else if (cw.n)
		tbl_print(&cw.t, a->out);
	else
		sl_admin_out_puts(a->out, all ? "no calls\n" : "no active calls (--all shows ended ones)\n");
	tbl_free(&cw.t);
	return 0;
}

int adm_calls(struct adm *a, int argc, char **argv)
{
	snprintf(a->cmd, sizeof(a->cmd), "calls");
	a->usage = "calls [--all] [--limit N]";
	return calls(a, argc - 1, argv + 1);
}
