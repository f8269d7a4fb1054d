/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl user ...: SIP users and their digest credentials. The
 * store keeps HA1 = H(user:realm:password) (RFC 7616 §3.4.2) for MD5 and
 * SHA-256 under the configured realm, and the password sealed as the user's
 * provisioning secret (its phones' configuration files carry it); the
 * request's copy is wiped as soon as the store has it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin_int.h"

#define USER_PW_MIN 8

static const char *realm_of(struct adm *a)
{
	return a->ctx->conf && a->ctx->conf->realm[0] ? a->ctx->conf->realm : NULL;
}

int adm_check_password(struct adm *a, const char *pw, size_t min)
{
	size_t n;

	if (!pw)
		return adm_fail(a, SL_ADMIN_E_USAGE,
				"a password is required (shieldlockctl prompts for it, or give "
				"--password-stdin or --password-file FILE)");
	n = strlen(pw);
	if (n < min)
		return adm_fail(a, SL_ADMIN_E_USAGE, "the password is too short (%zu characters; at least %zu)",
				n, min);
	if (n > 1024)
		return adm_fail(a, SL_ADMIN_E_USAGE, "the password is too long (%zu bytes; at most 1024)", n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f)
			return adm_fail(a, SL_ADMIN_E_USAGE,
					"the password has a control character at position %zu", i + 1);
	return 0;
}

/* The configured digest realm, or a report that there is none. */
static int need_realm(struct adm *a, const char **realm)
{
	*realm = realm_of(a);
	if (!*realm)
		return adm_fail(a, SL_ADMIN_E_INTERNAL,
				"no digest realm is configured ([sip] realm in shieldlockd.conf)");
	return 0;
}

/* {"user": name, "realm": realm[, "enabled": *enabled]} after add or passwd. */
static void user_realm_json(struct adm *a, const char *name, const char *realm,
			    const bool *enabled)
{
	struct jw w;

	jw_init(&w, a->out);
	jw_obj(&w, NULL);
	jw_str(&w, "user", name);
	jw_str(&w, "realm", realm);
	if (enabled)
		jw_bool(&w, "enabled", *enabled);
	jw_end_obj(&w);
}

static int user_add(struct adm *a, int argc, char **argv)
{
	const char *name, *display, *pw, *realm;
	bool disabled;
	const struct adm_opt opts[] = {
		{ "--display", &display, NULL }, { "--disabled", NULL, &disabled },
		{ "--password", &pw, NULL }, { NULL, NULL, NULL },
	};
	static const char *const pos[] = { "NAME" };
	struct sl_user u;
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, pos, &name)) ||
	    (rc = adm_check_name(a, "user name", name)) ||
	    (display && (rc = adm_check_text(a, "--display", display, sizeof(u.display)))) ||
	    (rc = adm_check_password(a, pw, USER_PW_MIN)))
		return rc;
	if ((rc = need_realm(a, &realm)))
		return rc;
	memset(&u, 0, sizeof(u));
	adm_copy(u.name, sizeof(u.name), name);
	adm_copy(u.display, sizeof(u.display), display);
	u.enabled = !disabled;
	u.created = (int64_t)time(NULL);
	rc = sl_store_user_add(a->ctx->store, &u, realm, pw, err, sizeof(err));
	if (rc == -EEXIST)
		return adm_fail(a, SL_ADMIN_E_EXISTS,
				"user '%s' exists already (change its password with 'user passwd %s')",
				name, name);
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_changed(a);
	if (a->json)
		user_realm_json(a, name, realm, &u.enabled);
	else
		sl_admin_out_printf(a->out, "user %s added (realm %s%s)\n", name, realm,
				    u.enabled ? "" : ", disabled");
	return 0;
}

/* The user's devices, collected before any is rebuilt (no store reads
 * inside the store's own iteration). */
struct user_devs {
	const char *user;
	char (*names)[sizeof(((struct sl_device *)0)->name)];
	size_t n, cap;
};

static int collect_user_dev(const struct sl_device *d, void *arg)
{
	struct user_devs *u = arg;

	if (strcmp(d->user, u->user))
		return 0;
	if (u->n == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 8;
		void *nn = realloc(u->names, cap * sizeof(*u->names));

		if (!nn)
			return -ENOMEM;
		u->names = nn;
		u->cap = cap;
	}
	snprintf(u->names[u->n++], sizeof(u->names[0]), "%s", d->name);
	return 0;
}

/* The line's digest password is in the configuration file of each of the
 * user's devices (spec §7): those files, and only those, are rebuilt. */
static void prov_user_devices(struct adm *a, const char *user)
{
	struct user_devs u = { .user = user };
	char err[ADM_ERR_MAX];

	if (!a->ctx->prov_device_changed ||
	    sl_store_device_list(a->ctx->store, collect_user_dev, &u, err, sizeof(err)) < 0)
		adm_prov_changed(a);	/* cannot tell which: rebuild them all */
	else
		for (size_t i = 0; i < u.n; i++)
			adm_prov_device_changed(a, u.names[i]);
	free(u.names);
}

static int user_passwd(struct adm *a, int argc, char **argv)
{
	const char *name, *pw, *realm;
	const struct adm_opt opts[] = { { "--password", &pw, NULL }, { NULL, NULL, NULL } };
	static const char *const pos[] = { "NAME" };
	struct sl_user u;
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, pos, &name)) ||
	    (rc = adm_need_user(a, name, &u)) ||
	    (rc = adm_check_password(a, pw, USER_PW_MIN)))
		return rc;
	if ((rc = need_realm(a, &realm)))
		return rc;
	rc = sl_store_user_passwd(a->ctx->store, name, realm, pw, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_changed(a);
	prov_user_devices(a, name);
	if (a->json)
		user_realm_json(a, name, realm, NULL);
	else
		sl_admin_out_printf(a->out, "password of user %s changed (realm %s)\n", name, realm);
	return 0;
}

/* "alice-desk, alice-mobile" for the devices of user (or with profile). */
void adm_device_names(const struct adm_vec *devs, const char *user, const char *profile,
			 char *buf, size_t n, unsigned *count)
{
	size_t used = 0;

	buf[0] = '\0';
	*count = 0;
	for (size_t i = 0; i < devs->n; i++) {
		const struct sl_device *d = ADM_AT(devs, struct sl_device, i);
		int k;

		if ((user && strcmp(d->user, user)) || (profile && strcmp(d->profile, profile)))
			continue;
		(*count)++;
		k = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", d->name);
		if (k > 0 && (size_t)k < n - used)
			used += (size_t)k;
	}
}

static int user_del(struct adm *a, int argc, char **argv)
{
	const char *name;
	static const char *const pos[] = { "NAME" };
	struct sl_user u;
	struct adm_vec devs;
	char err[ADM_ERR_MAX] = "", names[300];
	unsigned n;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &name)) ||
	    (rc = adm_need_user(a, name, &u)) ||
	    (rc = adm_load_devices(a, &devs)))
		return rc;
	adm_device_names(&devs, name, NULL, names, sizeof(names), &n);
	adm_vec_free(&devs);
	if (n)
		return adm_fail(a, SL_ADMIN_E_BUSY,
				"user '%s' owns %u device(s): %s; delete them or give them another "
				"user first (shieldlockctl device del / device set NAME --user U)",
				name, n, names);
	rc = sl_store_user_del(a->ctx->store, name, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	return adm_deleted(a, "user %s deleted", name);
}

static int user_set_enabled(struct adm *a, int argc, char **argv, bool on)
{
	const char *name;
	static const char *const pos[] = { "NAME" };
	struct sl_user u;
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &name)) ||
	    (rc = adm_need_user(a, name, &u)))
		return rc;
	rc = sl_store_user_set_enabled(a->ctx->store, name, on, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_changed(a);
	if (a->json)
		sl_admin_out_printf(a->out, "{\"enabled\":%s}\n", on ? "true" : "false");
	else
		sl_admin_out_printf(a->out, "user %s %s%s\n", name, on ? "enabled" : "disabled",
				    u.enabled == on ? " (it was already)" : "");
	return 0;
}

static int user_enable(struct adm *a, int argc, char **argv)
{
	return user_set_enabled(a, argc, argv, true);
}

static int user_disable(struct adm *a, int argc, char **argv)
{
	return user_set_enabled(a, argc, argv, false);
}

/* Opens the user's JSON object with its own fields. */
static void user_json(struct jw *w, const struct sl_user *u)
{
	jw_obj(w, NULL);
	jw_str(w, "name", u->name);
	jw_str(w, "display", u->display);
	jw_bool(w, "enabled", u->enabled);
	jw_int(w, "created", u->created);
}

/* "devices": [names of the devices whose line is user]. */
static void user_devices_json(struct jw *w, const struct adm_vec *devs, const char *user)
{
	jw_arr(w, "devices");
	for (size_t k = 0; k < devs->n; k++) {
		const struct sl_device *d = ADM_AT(devs, struct sl_device, k);

		if (!strcmp(d->user, user))
			jw_str(w, NULL, d->name);
	}
	jw_end_arr(w);
}

static unsigned reg_count(const struct adm_vec *regs, const char *user)
{
	unsigned n = 0;

	for (size_t i = 0; i < regs->n; i++)
		n += !strcmp(ADM_AT(regs, struct sl_registration, i)->user, user);
	return n;
}

static int user_list(struct adm *a, int argc, char **argv)
{
	static const char *const hdr[] = { "USER", "STATE", "DEVICES", "REGISTERED", "CREATED", "DISPLAY" };
	struct adm_vec users, devs, regs;
	struct adm_list l;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 0, NULL, NULL)))
		return rc;
	if ((rc = adm_load_users(a, &users)))
		return rc;
	if ((rc = adm_load_devices(a, &devs))) {
		adm_vec_free(&users);
		return rc;
	}
	if ((rc = adm_load_regs(a, &regs))) {
		adm_vec_free(&users);
		adm_vec_free(&devs);
		return rc;
	}
	adm_list_begin(a, &l, 6, hdr, users.n, "users");
	for (size_t i = 0; i < users.n; i++) {
		const struct sl_user *u = ADM_AT(&users, struct sl_user, i);
		unsigned nreg = reg_count(&regs, u->name), ndev = 0;
		char names[300], created[32], sreg[16];

		adm_device_names(&devs, u->name, NULL, names, sizeof(names), &ndev);
		if (a->json) {
			user_json(&l.w, u);
			user_devices_json(&l.w, &devs, u->name);
			jw_uint(&l.w, "registrations", nreg);
			jw_end_obj(&l.w);
			continue;
		}
		adm_fmt_time(u->created, created, sizeof(created));
		snprintf(sreg, sizeof(sreg), "%u", nreg);
		tbl_row(&l.t, u->name, u->enabled ? "enabled" : "disabled", ndev ? names : "-", sreg,
			created, u->display);
	}
	adm_list_end(a, &l, users.n, "no users (add one with: shieldlockctl user add NAME)\n");
	adm_vec_free(&users);
	adm_vec_free(&devs);
	adm_vec_free(&regs);
	return 0;
}

/* Realms the user has credentials for, with their algorithms. */
struct cred_scan {
	const char *user;
	char realm[4][128];
	unsigned algs[4];
	unsigned n;
};

static int cred_cb(const struct sl_cred *c, void *arg)
{
	struct cred_scan *s = arg;
	unsigned i;

	if (strcmp(c->user, s->user))
		return 0;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->realm[i], c->realm))
			break;
	if (i == s->n) {
		if (s->n == 4)
			return 0;
		adm_copy(s->realm[s->n], sizeof(s->realm[0]), c->realm);
		s->algs[s->n++] = 0;
	}
	if (c->alg >= 0 && c->alg < 8)
		s->algs[i] |= 1u << c->alg;
	return 0;
}

static const char *alg_names(unsigned mask)
{
	switch (mask & 3u) {
	case 1: return "MD5";
	case 2: return "SHA-256";
	case 3: return "MD5, SHA-256";
	default: return "none";
	}
}

static int user_show(struct adm *a, int argc, char **argv)
{
	const char *name, *realm = realm_of(a);
	static const char *const pos[] = { "NAME" };
	struct cred_scan cs = { 0 };
	struct adm_vec devs, regs;
	struct sl_user u;
	char err[ADM_ERR_MAX] = "", created[32];
	bool have_realm = false;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &name)) ||
	    (rc = adm_need_user(a, name, &u)))
		return rc;
	cs.user = name;
	if (u.enabled) {
		rc = sl_store_cred_walk(a->ctx->store, cred_cb, &cs, err, sizeof(err));
		if (rc < 0)
			return adm_store_fail(a, rc, err);
	}
	for (unsigned i = 0; i < cs.n; i++)
		have_realm |= realm && !strcmp(cs.realm[i], realm);
	if ((rc = adm_load_devices(a, &devs)))
		return rc;
	if ((rc = adm_load_regs(a, &regs))) {
		adm_vec_free(&devs);
		return rc;
	}
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		user_json(&w, &u);
		if (u.enabled) {
			jw_arr(&w, "credentials");
			for (unsigned i = 0; i < cs.n; i++) {
				jw_obj(&w, NULL);
				jw_str(&w, "realm", cs.realm[i]);
				jw_arr(&w, "algorithms");
				if (cs.algs[i] & 1u)
					jw_str(&w, NULL, "MD5");
				if (cs.algs[i] & 2u)
					jw_str(&w, NULL, "SHA-256");
				jw_end_arr(&w);
				jw_end_obj(&w);
			}
			jw_end_arr(&w);
			jw_bool(&w, "credentials_for_realm", have_realm);
		}
		user_devices_json(&w, &devs, u.name);
		adm_show_regs_json(&w, &regs, u.name, NULL);
		jw_end_obj(&w);
	} else {
		char names[300];
		unsigned ndev;

		adm_fmt_time(u.created, created, sizeof(created));
		adm_kv(a, "user", "%s", u.name);
		adm_kv(a, "display", "%s", u.display[0] ? u.display : "-");
		adm_kv(a, "state", "%s", u.enabled ? "enabled" : "disabled (cannot register or call)");
		adm_kv(a, "created", "%s UTC", created);
		if (u.enabled) {
			for (unsigned i = 0; i < cs.n; i++)
				adm_kv(a, "credentials", "realm %s (%s)", cs.realm[i], alg_names(cs.algs[i]));
			if (realm && !have_realm)
				adm_kv(a, "credentials", "none for the configured realm %s: set a password "
				       "(shieldlockctl user passwd %s)", realm, u.name);
		}
		adm_device_names(&devs, u.name, NULL, names, sizeof(names), &ndev);
		adm_kv(a, "devices", "%s", ndev ? names : "-");
		adm_show_regs_text(a, &regs, u.name, NULL);
	}
	adm_vec_free(&devs);
	adm_vec_free(&regs);
	return 0;
}

/* Registrations of user (or device), for the "show" commands. */
void adm_show_regs_json(struct jw *w, const struct adm_vec *regs, const char *user,
			const char *device)
{
	int64_t now = (int64_t)time(NULL);

	jw_arr(w, "registrations");
	for (size_t i = 0; i < regs->n; i++) {
		const struct sl_registration *r = ADM_AT(regs, struct sl_registration, i);

		if ((user && strcmp(r->user, user)) || (device && strcmp(r->device, device)))
			continue;
		jw_obj(w, NULL);
		jw_str(w, "contact", r->contact);
		jw_str(w, "transport", r->transport);
		jw_str(w, "source", r->source);
		jw_int(w, "expires_in", r->expires - now);
		jw_end_obj(w);
	}
	jw_end_arr(w);
}

void adm_show_regs_text(struct adm *a, const struct adm_vec *regs, const char *user,
			const char *device)
{
	int64_t now = (int64_t)time(NULL);
	unsigned n = 0;

	for (size_t i = 0; i < regs->n; i++) {
		const struct sl_registration *r = ADM_AT(regs, struct sl_registration, i);

		if ((user && strcmp(r->user, user)) || (device && strcmp(r->device, device)))
			continue;
		n++;
		adm_kv(a, "registration", "%s via %s from %s, expires in %llds", r->contact,
		       r->transport, r->source, (long long)(r->expires - now));
	}
	if (!n)
		adm_kv(a, "registration", "none");
}

static const struct adm_sub subs[] = {
	{ "add", "user add NAME [--display TEXT] [--disabled] (password prompted)", user_add },
	{ "passwd", "user passwd NAME (password prompted)", user_passwd },
	{ "del", "user del NAME", user_del },
	{ "enable", "user enable NAME", user_enable },
	{ "disable", "user disable NAME", user_disable },
	{ "list", "user list", user_list },
	{ "show", "user show NAME", user_show },
	{ NULL, NULL, NULL },
};

int adm_user(struct adm *a, int argc, char **argv)
{
	return adm_dispatch(a, "user", subs, argc - 1, argv + 1);
}
