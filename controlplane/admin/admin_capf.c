/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl capf ...: certificate enrolment of phones through CAPF
 * (spec §1; docs/shieldlockctl-capf.md). The operator schedules an
 * operation (install, fetch, delete, none) with the authentication the
 * phone must pass and the key it generates; the CAPF server carries it out
 * at the phone's next CAPF session and records the result, which
 * "capf status" shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_int.h"

#define CAPF_DAYS_MAX 365
#define KEYS "rsa:1024, rsa:2048, rsa:3072, rsa:4096, ec:P-256, ec:P-384, ec:P-521"
#define AUTHS "password, null, lsc, mic, lsc-or-mic"

/* "SEP" and 12 uppercase hex digits: the MAC-derived name of a phone
 * (spec §7.2), the name it gives CAPF in DEVICE_NAME. */
static bool phone_name(const char *s)
{
	if (strncmp(s, "SEP", 3) || strlen(s) != 15)
		return false;
	for (int i = 3; i < 15; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static bool expired(const struct sl_capf *c, int64_t now)
{
	return c->set.op != SL_CAPF_OP_NONE && c->set.deadline && c->set.deadline < now;
}

static void capf_json(struct jw *w, const struct sl_capf *c, int64_t now)
{
	char key[24];

	sl_capf_key_format(&c->set.key, key, sizeof(key));
	jw_obj(w, NULL);
	jw_str(w, "device", c->device);
	jw_bool(w, "configured", c->configured);
	jw_str(w, "operation", sl_capf_op_name(c->set.op));
	jw_str(w, "auth", sl_capf_auth_name(c->set.auth));
	jw_int(w, "capf_auth_mode", sl_capf_auth_mode(c->set.auth));
	jw_bool(w, "password_set", c->has_password);
	jw_str(w, "key", key);
	jw_int(w, "deadline", c->set.deadline);
	jw_bool(w, "expired", expired(c, now));
	jw_str(w, "last_result", c->last_result[0] ? c->last_result : NULL);
	jw_int(w, "last_time", c->last_time);
	if (c->cert_kind[0]) {
		jw_obj(w, "certificate");
		jw_str(w, "kind", c->cert_kind);
		jw_str(w, "serial", c->serial);
		jw_int(w, "not_before", c->not_before);
		jw_int(w, "not_after", c->not_after);
		jw_end_obj(w);
	} else {
		jw_str(w, "certificate", NULL);
	}
	jw_end_obj(w);
}

static int capf_lookup(struct adm *a, const char *device, struct sl_capf *c)
{
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_check_name(a, "device name", device)))
		return rc;
	rc = sl_store_capf_get(a->ctx->store, device, c, err, sizeof(err));
	return adm_check_found(a, "device", device, rc, err);
}

/* The CAPF password (authentication string): 4-15 printable ASCII
 * characters (spec §1.10). Never echoed. */
static int check_capf_password(struct adm *a, const char *pw)
{
	int rc = adm_check_password(a, pw, SL_CAPF_PASSWORD_MIN);
	size_t n;

	if (rc)
		return rc;
	n = strlen(pw);
	if (n > SL_CAPF_PASSWORD_MAX)
		return adm_fail(a, SL_ADMIN_E_USAGE, "the CAPF password is too long (%zu characters; "
				"at most %d, the phone's authentication string)", n,
				SL_CAPF_PASSWORD_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)pw[i] > 0x7e)
			return adm_fail(a, SL_ADMIN_E_USAGE, "the CAPF password has a non-ASCII byte at "
					"position %zu (phones enter it on a keypad)", i + 1);
	return 0;
}

struct set_opts {
	bool install, fetch, del, none;
	const char *auth, *pw, *key, *deadline;
};

static int pick_op(struct adm *a, const struct set_opts *o, enum sl_capf_op *op)
{
	int n = o->install + o->fetch + o->del + o->none;

	if (n == 0)
		return adm_usage(a, "give the operation: --install, --fetch, --delete or --none");
	if (n > 1)
		return adm_usage(a, "give one operation, not %d (--install, --fetch, --delete, --none)",
				 n);
	*op = o->install ? SL_CAPF_OP_INSTALL : o->fetch ? SL_CAPF_OP_FETCH :
	      o->del ? SL_CAPF_OP_DELETE : SL_CAPF_OP_NONE;
	return 0;
}

/* Merges the options into s (the device's current settings). */
static int apply_opts(struct adm *a, const char *device, const struct set_opts *o,
		      const struct sl_capf *cur, struct sl_capf_settings *s)
{
	unsigned long days = 0;
	int rc;

	if ((rc = pick_op(a, o, &s->op)))
		return rc;
	if (s->op == SL_CAPF_OP_INSTALL && !phone_name(device))
		return adm_fail(a, SL_ADMIN_E_USAGE, "device '%s' is not a phone name (SEP and the 12 "
				"uppercase hex digits of its MAC, e.g. SEP001122AABBCC): CAPF issues "
				"certificates to phones under that name", device);
	if (o->auth && sl_capf_auth_parse(o->auth, &s->auth) < 0)
		return adm_usage(a, "--auth '%s' is not an authentication mode (" AUTHS ")", o->auth);
	if (o->key && sl_capf_key_parse(o->key, &s->key) < 0)
		return adm_usage(a, "--key '%s' is not a key type (" KEYS ")", o->key);
	if (o->deadline && s->op == SL_CAPF_OP_NONE)
		return adm_usage(a, "--deadline belongs to --install, --fetch or --delete");
	if (o->deadline &&
	    (rc = adm_parse_uint(a, "--deadline", o->deadline, 0, CAPF_DAYS_MAX, &days)))
		return rc;
	/* Each set starts a new operation: its deadline is --deadline or none. */
	s->deadline = days ? (int64_t)time(NULL) + (int64_t)days * 86400 : 0;
	if (o->pw && s->auth != SL_CAPF_AUTH_PASSWORD)
		return adm_usage(a, "a password belongs to --auth password (the authentication "
				 "is %s)", sl_capf_auth_name(s->auth));
	if (o->pw)
		return check_capf_password(a, o->pw);
	if (s->auth == SL_CAPF_AUTH_PASSWORD &&
	    !(cur->set.auth == SL_CAPF_AUTH_PASSWORD && cur->has_password))
		return adm_fail(a, SL_ADMIN_E_USAGE, "--auth password needs the CAPF password "
				"(%d to %d characters; shieldlockctl prompts for it, or give "
				"--password-stdin or --password-file FILE)", SL_CAPF_PASSWORD_MIN,
				SL_CAPF_PASSWORD_MAX);
	return 0;
}

static int capf_set(struct adm *a, int argc, char **argv)
{
	struct set_opts o;
	const struct adm_opt opts[] = {
		{ "--install", NULL, &o.install }, { "--fetch", NULL, &o.fetch },
		{ "--delete", NULL, &o.del }, { "--none", NULL, &o.none },
		{ "--auth", &o.auth, NULL }, { "--password", &o.pw, NULL },
		{ "--key", &o.key, NULL }, { "--deadline", &o.deadline, NULL },
		{ NULL, NULL, NULL },
	};
	static const char *const pos[] = { "DEVICE" };
	const char *device;
	struct sl_capf cur, now_c;
	struct sl_capf_settings s;
	char err[ADM_ERR_MAX] = "", key[24], until[32];
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, pos, &device)) ||
	    (rc = capf_lookup(a, device, &cur)))
		return rc;
	s = cur.set;
	if ((rc = apply_opts(a, device, &o, &cur, &s)))
		return rc;
	rc = sl_store_capf_put(a->ctx->store, device, &s, o.pw, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_prov_device_changed(a, device);
	if (a->json) {
		struct jw w;

		if ((rc = capf_lookup(a, device, &now_c)))
			return rc;
		jw_init(&w, a->out);
		capf_json(&w, &now_c, (int64_t)time(NULL));
		return 0;
	}
	sl_capf_key_format(&s.key, key, sizeof(key));
	if (s.op == SL_CAPF_OP_NONE) {
		sl_admin_out_printf(a->out, "device %s: no CAPF operation pending (authentication %s)\n",
				    device, sl_capf_auth_name(s.auth));
		return 0;
	}
	adm_fmt_time(s.deadline, until, sizeof(until));
	sl_admin_out_printf(a->out, "device %s: CAPF %s scheduled (authentication %s, key %s, %s%s%s)\n",
			    device, sl_capf_op_name(s.op), sl_capf_auth_name(s.auth), key,
			    s.deadline ? "until " : "no deadline", s.deadline ? until : "",
			    s.deadline ? " UTC" : "");
	if (s.auth == SL_CAPF_AUTH_NULL)
		sl_admin_out_puts(a->out, "note: authentication null lets any phone that gives this "
				  "device name enrol until the operation is done; prefer --auth "
				  "password, lsc or mic, or set a --deadline\n");
	if (s.op == SL_CAPF_OP_INSTALL && s.key.type == SL_CAPF_KEY_EC)
		sl_admin_out_puts(a->out, "note: EC keys need a phone with ITL signer version 1.1 "
				  "support, and an EC certificate cannot decrypt an encrypted "
				  "configuration file (spec §5)\n");
	return 0;
}

static void status_text(struct adm *a, const struct sl_capf *c, int64_t now)
{
	char key[24], t1[32], t2[32];

	sl_capf_key_format(&c->set.key, key, sizeof(key));
	adm_kv(a, "device", "%s", c->device);
	adm_fmt_time(c->set.deadline, t1, sizeof(t1));
	if (c->set.op == SL_CAPF_OP_NONE)
		adm_kv(a, "operation", "none");
	else if (!c->set.deadline)
		adm_kv(a, "operation", "%s (pending, no deadline)", sl_capf_op_name(c->set.op));
	else
		adm_kv(a, "operation", "%s (pending until %s UTC%s)", sl_capf_op_name(c->set.op), t1,
		       expired(c, now) ? "; expired, the phone will be told no action" : "");
	adm_kv(a, "authentication", "%s (capfAuthMode %d%s)", sl_capf_auth_name(c->set.auth),
	       sl_capf_auth_mode(c->set.auth),
	       c->set.auth != SL_CAPF_AUTH_PASSWORD ? "" : c->has_password ? ", password set" :
	       ", no password");
	adm_kv(a, "key", "%s", key);
	adm_fmt_time(c->last_time, t1, sizeof(t1));
	if (c->last_result[0])
		adm_kv(a, "last result", "%s at %s UTC", c->last_result, t1);
	else
		adm_kv(a, "last result", "none (no CAPF session yet)");
	if (c->cert_kind[0]) {
		adm_fmt_time(c->not_before, t1, sizeof(t1));
		adm_fmt_time(c->not_after, t2, sizeof(t2));
		adm_kv(a, "certificate", "%s, serial %s, valid %s to %s UTC%s",
		       !strcmp(c->cert_kind, "mic") ? "MIC" : "LSC", c->serial, t1, t2,
		       c->not_after < now ? " (expired)" : "");
	} else {
		adm_kv(a, "certificate", "none");
	}
}

/* Every device's row, in name order (the store's). */
struct capf_vec {
	struct sl_capf *v;
	size_t n, cap;
};

static int push_capf(const struct sl_capf *c, void *arg)
{
	struct capf_vec *cv = arg;

	if (cv->n == cv->cap) {
		size_t cap = cv->cap ? cv->cap * 2 : 16;
		struct sl_capf *p = realloc(cv->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		cv->v = p;
		cv->cap = cap;
	}
	cv->v[cv->n++] = *c;
	return 0;
}

static void status_row(struct adm *a, struct adm_list *l, const struct sl_capf *c, int64_t now)
{
	char key[24], dl[48], lt[32], na[32];

	if (a->json) {
		capf_json(&l->w, c, now);
		return;
	}
	sl_capf_key_format(&c->set.key, key, sizeof(key));
	adm_fmt_time(c->set.deadline, dl, sizeof(dl));
	if (expired(c, now))
		strncat(dl, " (expired)", sizeof(dl) - strlen(dl) - 1);
	adm_fmt_time(c->last_time, lt, sizeof(lt));
	adm_fmt_time(c->not_after, na, sizeof(na));
	tbl_row(&l->t, c->device, sl_capf_op_name(c->set.op), sl_capf_auth_name(c->set.auth), key,
		dl, c->last_result[0] ? c->last_result : "-", lt,
		c->cert_kind[0] ? c->cert_kind : "-", c->serial[0] ? c->serial : "-", na);
}

static int capf_status(struct adm *a, int argc, char **argv)
{
	static const char *const hdr[] = { "DEVICE", "OPERATION", "AUTH", "KEY", "DEADLINE",
					   "LAST-RESULT", "LAST-TIME", "CERT", "SERIAL", "NOT-AFTER" };
	static const char *const pos[] = { "DEVICE" };
	const char *device = NULL;
	int64_t now = (int64_t)time(NULL);
	struct capf_vec cv = { 0 };
	char err[ADM_ERR_MAX] = "";
	struct adm_list l;
	struct sl_capf c;
	int rc;

	/* DEVICE is optional (the command has no options). */
	if ((rc = adm_parse(a, argc, argv, NULL, argc > 0 && strncmp(argv[0], "--", 2) ? 1 : 0,
			    pos, &device)))
		return rc;
	if (device) {
		if ((rc = capf_lookup(a, device, &c)))
			return rc;
		if (a->json) {
			struct jw w;

			jw_init(&w, a->out);
			capf_json(&w, &c, now);
		} else {
			status_text(a, &c, now);
		}
		return 0;
	}
	rc = sl_store_capf_list(a->ctx->store, push_capf, &cv, err, sizeof(err));
	if (rc == -ENOMEM) {
		free(cv.v);
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "out of memory reading the store");
	}
	if (rc < 0) {
		free(cv.v);
		return adm_store_fail(a, rc, err);
	}
	adm_list_begin(a, &l, 10, hdr, cv.n, "devices");
	for (size_t i = 0; i < cv.n; i++)
		status_row(a, &l, &cv.v[i], now);
	adm_list_end(a, &l, cv.n, "no devices (add one with: shieldlockctl device add NAME "
		     "--user U --profile P)\n");
	free(cv.v);
	return 0;
}

static int capf_clear(struct adm *a, int argc, char **argv)
{
	static const char *const pos[] = { "DEVICE" };
	const char *device;
	struct sl_capf c;
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &device)) ||
	    (rc = capf_lookup(a, device, &c)))
		return rc;
	rc = sl_store_capf_clear(a->ctx->store, device, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_prov_device_changed(a, device);
	if (a->json) {
		struct jw w;

		if ((rc = capf_lookup(a, device, &c)))
			return rc;
		jw_init(&w, a->out);
		capf_json(&w, &c, (int64_t)time(NULL));
	} else if (c.set.op == SL_CAPF_OP_NONE) {
		sl_admin_out_printf(a->out, "device %s: no CAPF operation was pending\n", device);
	} else {
		sl_admin_out_printf(a->out, "device %s: CAPF %s cancelled (the certificate is kept)\n",
				    device, sl_capf_op_name(c.set.op));
	}
	return 0;
}

static const struct adm_sub subs[] = {
	{ "set", "capf set DEVICE --install|--fetch|--delete|--none "
		 "[--auth password|null|lsc|mic|lsc-or-mic] "
		 "[--key rsa:N|ec:CURVE] [--deadline DAYS] (password prompted with --auth password)",
	  capf_set },
	{ "status", "capf status [DEVICE]", capf_status },
	{ "clear", "capf clear DEVICE", capf_clear },
	{ NULL, NULL, NULL },
};

int adm_capf(struct adm *a, int argc, char **argv)
{
	return adm_dispatch(a, "capf", subs, argc - 1, argv + 1);
}
