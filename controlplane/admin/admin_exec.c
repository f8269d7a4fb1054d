/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_admin_exec: command dispatch, option parsing and input checks shared
 * by every command group (docs/shieldlockctl.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_int.h"

static void drop_output(struct adm *a)
{
	struct sl_admin_out *o = a->out;

	o->failed = false;
	if (o->len > a->start)
		o->len = a->start;
	if (o->buf)
		o->buf[o->len] = '\0';
}

int adm_fail(struct adm *a, int status, const char *fmt, ...)
{
	va_list ap;

	drop_output(a);
	sl_admin_out_printf(a->out, "%s: ", a->cmd);
	va_start(ap, fmt);
	sl_admin_out_vprintf(a->out, fmt, ap);
	va_end(ap);
	return status;
}

int adm_usage(struct adm *a, const char *fmt, ...)
{
	va_list ap;

	drop_output(a);
	sl_admin_out_printf(a->out, "%s: ", a->cmd);
	va_start(ap, fmt);
	sl_admin_out_vprintf(a->out, fmt, ap);
	va_end(ap);
	if (a->usage)
		sl_admin_out_printf(a->out, " (usage: %s)", a->usage);
	return SL_ADMIN_E_USAGE;
}

int adm_store_fail(struct adm *a, int rc, const char *err)
{
	int st;

	switch (rc) {
	case -ENOENT: st = SL_ADMIN_E_NOTFOUND; break;
	case -EEXIST: st = SL_ADMIN_E_EXISTS; break;
	case -EBUSY: st = SL_ADMIN_E_BUSY; break;
	case -EINVAL:
	case -EPERM: st = SL_ADMIN_E_USAGE; break;	/* -EPERM: built-in profiles */
	default: st = SL_ADMIN_E_INTERNAL; break;
	}
	if (err && *err)
		return adm_fail(a, st, "%s", err);
	return adm_fail(a, st, "the store failed (%s)", strerror(rc < 0 ? -rc : rc));
}

void adm_changed(struct adm *a)
{
	if (a->ctx->dir_changed)
		a->ctx->dir_changed(a->ctx->arg);
}

void adm_prov_changed(struct adm *a)
{
	if (a->ctx->prov_changed)
		a->ctx->prov_changed(a->ctx->arg);
}

void adm_prov_device_changed(struct adm *a, const char *device)
{
	if (a->ctx->prov_device_changed)
		a->ctx->prov_device_changed(a->ctx->arg, device);
	else
		adm_prov_changed(a);
}

int adm_check_new(struct adm *a, const char *kind, const char *name, int rc, const char *err)
{
	if (rc == 0)
		return adm_fail(a, SL_ADMIN_E_EXISTS, "%s '%s' exists already (change it with "
				"'%s set %s ...')", kind, name, kind, name);
	return rc == -ENOENT ? 0 : adm_store_fail(a, rc, err);
}

int adm_check_found(struct adm *a, const char *kind, const char *name, int rc,
		    const char *err)
{
	if (rc == -ENOENT)
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "%s '%s' does not exist (see shieldlockctl "
				"%s list)", kind, name, kind);
	return rc < 0 ? adm_store_fail(a, rc, err) : 0;
}

int adm_deleted(struct adm *a, const char *fmt, ...)
{
	va_list ap;

	adm_changed(a);
	if (a->json) {
		sl_admin_out_puts(a->out, "{\"deleted\":true}\n");
		return 0;
	}
	va_start(ap, fmt);
	sl_admin_out_vprintf(a->out, fmt, ap);
	va_end(ap);
	sl_admin_out_puts(a->out, "\n");
	return 0;
}

void adm_copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

/* ---- options ---- */

static int known_opts(const struct adm_opt *opts, char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const struct adm_opt *o = opts; o && o->name; o++) {
		int k = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", o->name);

		if (k < 0 || (size_t)k >= n - used)
			break;
		used += (size_t)k;
	}
	return used > 0;
}

int adm_parse(struct adm *a, int argc, char **argv, const struct adm_opt *opts,
	      int npos, const char *const *pos_names, const char **pos)
{
	int got = 0;

	for (int i = 0; opts && opts[i].name; i++) {
		if (opts[i].val)
			*opts[i].val = NULL;
		if (opts[i].flag)
			*opts[i].flag = false;
	}
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq, *val = NULL;
		const struct adm_opt *o = NULL;
		size_t nlen;
		char list[256];

		if (strncmp(arg, "--", 2) || !arg[2]) {
			if (got >= npos)
				return adm_usage(a, "unexpected argument '%s'", arg);
			pos[got++] = arg;
			continue;
		}
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		for (int k = 0; opts && opts[k].name; k++)
			if (strlen(opts[k].name) == nlen && !strncmp(opts[k].name, arg, nlen))
				o = &opts[k];
		if (!o) {
			if (!strncmp(arg, "--password", 10) && nlen == 10)
				return adm_usage(a, "this command takes no password");
			if (known_opts(opts, list, sizeof(list)))
				return adm_usage(a, "unknown option '%.*s' (options: %s)", (int)nlen, arg, list);
			return adm_usage(a, "unknown option '%.*s' (this command has no options)",
					 (int)nlen, arg);
		}
		if (o->flag) {
			if (eq)
				return adm_usage(a, "%s takes no value", o->name);
			if (*o->flag)
				return adm_usage(a, "%s is given twice", o->name);
			*o->flag = true;
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return adm_usage(a, "%s needs a value", o->name);
			val = argv[++i];
		}
		if (*o->val)
			return adm_usage(a, "%s is given twice", o->name);
		*o->val = val;
	}
	if (got < npos)
		return adm_usage(a, "%s is missing", pos_names[got]);
	return 0;
}

/* ---- checks ---- */

int adm_check_name(struct adm *a, const char *what, const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return adm_fail(a, SL_ADMIN_E_USAGE, "%s is empty", what);
	if (n >= SL_STORE_NAME_MAX)
		return adm_fail(a, SL_ADMIN_E_USAGE, "%s '%.20s...' is %zu characters long; the limit is %d",
				what, s, n, SL_STORE_NAME_MAX - 1);
	if (s[0] == '-' || s[0] == '.')
		return adm_fail(a, SL_ADMIN_E_USAGE, "%s '%s' must not start with '%c'", what, s, s[0]);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '+' || c == '-')
			continue;
		if (c < 0x20 || c >= 0x7f)
			return adm_fail(a, SL_ADMIN_E_USAGE,
					"%s has a non-ASCII or control byte at position %zu: names use "
					"letters, digits and . _ + -", what, i + 1);
		return adm_fail(a, SL_ADMIN_E_USAGE,
				"%s '%s' has '%c' at position %zu: names use letters, digits and . _ + -",
				what, s, c, i + 1);
	}
	return 0;
}

int adm_check_text(struct adm *a, const char *what, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n >= max)
		return adm_fail(a, SL_ADMIN_E_USAGE, "%s is %zu bytes long; the limit is %zu",
				what, n, max - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return adm_fail(a, SL_ADMIN_E_USAGE,
					"%s has a control character at position %zu", what, i + 1);
	}
	return 0;
}

int adm_parse_uint(struct adm *a, const char *what, const char *s, unsigned long min,
		   unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v < min || *v > max)
		goto bad;
	return 0;
bad:
	return adm_fail(a, SL_ADMIN_E_USAGE, "%s '%s' is not a number in %lu..%lu", what, s, min, max);
}

/* Collects names for "(profiles: a, b, c)". */
struct names {
	char buf[400];
	size_t used;
	unsigned n;
};

static void names_add(struct names *nm, const char *name)
{
	int k;

	if (nm->n++ >= 12) {
		if (nm->n == 13 && nm->used + 6 < sizeof(nm->buf)) {
			memcpy(nm->buf + nm->used, ", ...", 6);
			nm->used += 5;
		}
		return;
	}
	k = snprintf(nm->buf + nm->used, sizeof(nm->buf) - nm->used, "%s%s", nm->used ? ", " : "", name);
	if (k > 0 && (size_t)k < sizeof(nm->buf) - nm->used)
		nm->used += (size_t)k;
}

static int profile_name_cb(const struct sl_profile *p, void *arg)
{
	names_add(arg, p->name);
	return 0;
}

static int user_name_cb(const struct sl_user *u, void *arg)
{
	names_add(arg, u->name);
	return 0;
}

int adm_need_profile(struct adm *a, const char *name, struct sl_profile *p)
{
	char err[ADM_ERR_MAX] = "";
	struct names nm = { .buf = "" };
	int rc;

	if ((rc = adm_check_name(a, "profile name", name)))
		return rc;
	rc = sl_store_profile_get(a->ctx->store, name, p, err, sizeof(err));
	if (rc == -ENOENT) {
		sl_store_profile_list(a->ctx->store, profile_name_cb, &nm, err, sizeof(err));
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "profile '%s' does not exist (profiles: %s)",
				name, nm.n ? nm.buf : "none");
	}
	return rc < 0 ? adm_store_fail(a, rc, err) : 0;
}

int adm_need_user(struct adm *a, const char *name, struct sl_user *u)
{
	char err[ADM_ERR_MAX] = "";
	struct names nm = { .buf = "" };
	int rc;

	if ((rc = adm_check_name(a, "user name", name)))
		return rc;
	rc = sl_store_user_get(a->ctx->store, name, u, err, sizeof(err));
	if (rc == -ENOENT) {
		sl_store_user_list(a->ctx->store, user_name_cb, &nm, err, sizeof(err));
		return adm_fail(a, SL_ADMIN_E_NOTFOUND,
				"user '%s' does not exist (users: %s; add one with 'shieldlockctl user add %s')",
				name, nm.n ? nm.buf : "none", name);
	}
	return rc < 0 ? adm_store_fail(a, rc, err) : 0;
}

const char *adm_security_label(int mode)
{
	switch (mode) {
	case SL_SEC_NONSECURE: return "non-secure";
	case SL_SEC_AUTHENTICATED: return "authenticated (shield)";
	case SL_SEC_ENCRYPTED: return "encrypted (lock)";
	default: return "unknown";
	}
}

void adm_fmt_time(int64_t t, char *buf, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, n, "-");
}

void adm_fmt_duration(int64_t s, char *buf, size_t n)
{
	if (s < 0)
		snprintf(buf, n, "-");
	else if (s >= 86400)
		snprintf(buf, n, "%lldd %02lld:%02lld:%02lld", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600), (long long)(s % 3600 / 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%02lld:%02lld:%02lld", (long long)(s / 3600),
			 (long long)(s % 3600 / 60), (long long)(s % 60));
}

/* ---- dispatch ---- */

int adm_dispatch(struct adm *a, const char *group, const struct adm_sub *subs, int argc,
		 char **argv)
{
	char list[256];
	size_t used = 0;

	list[0] = '\0';
	for (const struct adm_sub *s = subs; s->name; s++) {
		int k = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", s->name);

		if (k > 0 && (size_t)k < sizeof(list) - used)
			used += (size_t)k;
	}
	snprintf(a->cmd, sizeof(a->cmd), "%s", group);
	if (argc < 1)
		return adm_fail(a, SL_ADMIN_E_USAGE, "missing subcommand (%s %s)", group, list);
	for (const struct adm_sub *s = subs; s->name; s++) {
		if (strcmp(argv[0], s->name))
			continue;
		snprintf(a->cmd, sizeof(a->cmd), "%s %s", group, s->name);
		a->usage = s->usage;
		return s->run(a, argc - 1, argv + 1);
	}
	return adm_fail(a, SL_ADMIN_E_USAGE, "unknown subcommand '%s' (%s subcommands: %s)",
			argv[0], group, list);
}

static const struct {
	const char *name;
	int (*run)(struct adm *a, int argc, char **argv);
} groups[] = {
	{ "user", adm_user },
	{ "device", adm_device },
	{ "profile", adm_profile },
	{ "trunk", adm_trunk },
	{ "registrations", adm_registrations },
	{ "calls", adm_calls },
	{ "cert", adm_cert },
	{ "capf", adm_capf },
	{ "ctl", adm_ctl },
	{ "image", adm_image },
	{ "prov", adm_prov },
};

/* Wipes every "--password VALUE" / "--password=VALUE" in argv. */
static void wipe_passwords(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--password") && i + 1 < argc)
			sl_admin_wipe(argv[i + 1], strlen(argv[i + 1]));
		else if (!strncmp(argv[i], "--password=", 11))
			sl_admin_wipe(argv[i] + 11, strlen(argv[i] + 11));
	}
}

int sl_admin_exec(const struct sl_admin_ctx *ctx, int argc, char **argv, bool json,
		  struct sl_admin_out *out)
{
	struct adm a = { .ctx = ctx, .out = out, .json = json, .cmd = "shieldlockd",
			 .start = out->len };
	int st = -1;

	if (argc < 1 || !argv[0]) {
		st = adm_fail(&a, SL_ADMIN_E_USAGE, "empty request");
		goto done;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (strcmp(argv[0], groups[i].name))
			continue;
		snprintf(a.cmd, sizeof(a.cmd), "%s", groups[i].name);
		if (!ctx || !ctx->store) {
			st = adm_fail(&a, SL_ADMIN_E_INTERNAL, "the daemon has no store open");
			goto done;
		}
		st = groups[i].run(&a, argc, argv);
		break;
	}
	if (st < 0)
		st = adm_fail(&a, SL_ADMIN_E_USAGE,
			      "unknown command '%s' (commands: user, device, profile, trunk, "
			      "registrations, calls, cert, capf, ctl, image, prov)", argv[0]);
	if (out->failed) {
		bool big = out->len + 4096 >= SL_ADMIN_FRAME_MAX;

		st = adm_fail(&a, SL_ADMIN_E_INTERNAL, big ?
			      "the output is larger than %u bytes (narrow it, e.g. calls --limit N)" :
			      "out of memory writing the output (limit %u bytes)", SL_ADMIN_FRAME_MAX);
	}
done:
	wipe_passwords(argc, argv);
	return st;
}
