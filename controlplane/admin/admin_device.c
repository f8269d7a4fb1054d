/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl device ... and profile ...: phones (a line user, a
 * security profile and the identity their TLS client certificate must
 * carry) and the security profiles they use.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "admin_int.h"

#define MODES "non-secure, authenticated, encrypted"

/* A note when the cluster ignores device profiles. */
static void cluster_note(struct adm *a, enum sl_sec_mode m)
{
	if (!a->json && m != SL_SEC_NONSECURE && a->ctx->conf &&
	    a->ctx->conf->cluster_mode == SL_CLUSTER_NONSECURE)
		sl_admin_out_puts(a->out, "note: [general] cluster_mode is non-secure, so every device "
				  "is treated as non-secure until it is set to mixed\n");
}

/* ---- devices ---- */

struct dev_opts {
	const char *user, *profile, *ident, *desc;
};

static int device_apply(struct adm *a, struct sl_device *d, const struct dev_opts *o,
			struct sl_profile *p)
{
	struct sl_user u;
	int rc;

	if ((o->ident && (rc = adm_check_text(a, "--cert-identity", o->ident, sizeof(d->cert_identity)))) ||
	    (o->desc && (rc = adm_check_text(a, "--description", o->desc, sizeof(d->description)))) ||
	    (o->user && (rc = adm_need_user(a, o->user, &u))) ||
	    (rc = adm_need_profile(a, o->profile ? o->profile : d->profile, p)))
		return rc;
	if (o->user)
		adm_copy(d->user, sizeof(d->user), o->user);
	if (o->profile)
		adm_copy(d->profile, sizeof(d->profile), o->profile);
	if (o->ident)
		adm_copy(d->cert_identity, sizeof(d->cert_identity), o->ident);
	if (o->desc)
		adm_copy(d->description, sizeof(d->description), o->desc);
	return 0;
}

static void device_json(struct jw *w, const char *key, const struct sl_device *d,
			const struct sl_profile *p)
{
	jw_obj(w, key);
	jw_str(w, "name", d->name);
	jw_str(w, "user", d->user);
	jw_str(w, "profile", d->profile);
	if (p)
		jw_str(w, "mode", sl_sec_mode_name(p->mode));
	jw_str(w, "cert_identity", d->cert_identity[0] ? d->cert_identity : d->name);
	jw_str(w, "description", d->description);
}

static int device_put(struct adm *a, int argc, char **argv, bool create)
{
	struct dev_opts o;
	const char *name;
	const struct adm_opt opts[] = {
		{ "--user", &o.user, NULL }, { "--profile", &o.profile, NULL },
		{ "--cert-identity", &o.ident, NULL }, { "--description", &o.desc, NULL },
		{ NULL, NULL, NULL },
	};
	static const char *const pos[] = { "NAME" };
	struct sl_device d;
	struct sl_profile p;
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, pos, &name)) ||
	    (rc = adm_check_name(a, "device name", name)))
		return rc;
	memset(&d, 0, sizeof(d));
	rc = sl_store_device_get(a->ctx->store, name, &d, err, sizeof(err));
	if (create) {
		if (!o.user)
			return adm_usage(a, "--user is missing (the user whose line the device registers)");
		if (!o.profile)
			return adm_usage(a, "--profile is missing (" MODES ", or a profile of yours)");
		if ((rc = adm_check_new(a, "device", name, rc, err)))
			return rc;
		memset(&d, 0, sizeof(d));
		adm_copy(d.name, sizeof(d.name), name);
	} else {
		if (!o.user && !o.profile && !o.ident && !o.desc)
			return adm_usage(a, "nothing to change");
		if ((rc = adm_check_found(a, "device", name, rc, err)))
			return rc;
	}
	if ((rc = device_apply(a, &d, &o, &p)))
		return rc;
	rc = sl_store_device_put(a->ctx->store, &d, create, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_changed(a);
	adm_prov_device_changed(a, d.name);
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		device_json(&w, NULL, &d, &p);
		jw_end_obj(&w);
		return 0;
	}
	sl_admin_out_printf(a->out, "device %s %s (user %s, profile %s: %s)\n", d.name,
			    create ? "added" : "changed", d.user, d.profile, sl_sec_mode_name(p.mode));
	cluster_note(a, p.mode);
	return 0;
}

static int device_add(struct adm *a, int argc, char **argv)
{
	return device_put(a, argc, argv, true);
}

static int device_set(struct adm *a, int argc, char **argv)
{
	return device_put(a, argc, argv, false);
}

static int device_del(struct adm *a, int argc, char **argv)
{
	const char *name;
	static const char *const pos[] = { "NAME" };
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &name)) ||
	    (rc = adm_check_name(a, "device name", name)))
		return rc;
	rc = sl_store_device_del(a->ctx->store, name, err, sizeof(err));
	if ((rc = adm_check_found(a, "device", name, rc, err)))
		return rc;
	adm_prov_device_changed(a, name);	/* its files go, with its CAPF settings
						 * (ON DELETE CASCADE) */
	return adm_deleted(a, "device %s deleted", name);
}

static const struct sl_profile *find_profile(const struct adm_vec *profs, const char *name)
{
	for (size_t i = 0; i < profs->n; i++)
		if (!strcmp(ADM_AT(profs, struct sl_profile, i)->name, name))
			return ADM_AT(profs, struct sl_profile, i);
	return NULL;
}

static int device_list(struct adm *a, int argc, char **argv)
{
	static const char *const hdr[] = { "DEVICE", "USER", "PROFILE", "MODE", "CERT-IDENTITY",
					   "DESCRIPTION" };
	struct adm_vec devs, profs;
	struct adm_list l;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 0, NULL, NULL)) ||
	    (rc = adm_load_devices(a, &devs)))
		return rc;
	if ((rc = adm_load_profiles(a, &profs))) {
		adm_vec_free(&devs);
		return rc;
	}
	adm_list_begin(a, &l, 6, hdr, devs.n, "devices");
	for (size_t i = 0; i < devs.n; i++) {
		const struct sl_device *d = ADM_AT(&devs, struct sl_device, i);
		const struct sl_profile *p = find_profile(&profs, d->profile);

		if (a->json) {
			device_json(&l.w, NULL, d, p);
			jw_end_obj(&l.w);
			continue;
		}
		tbl_row(&l.t, d->name, d->user, d->profile, p ? sl_sec_mode_name(p->mode) : "?",
			d->cert_identity[0] ? d->cert_identity : d->name, d->description);
	}
	adm_list_end(a, &l, devs.n, "no devices (add one with: shieldlockctl device add NAME "
		     "--user U --profile P)\n");
	adm_vec_free(&devs);
	adm_vec_free(&profs);
	return 0;
}

/* The device's CAPF summary for device show (capf status has the detail). */
static void capf_json(struct jw *w, const struct sl_capf *c)
{
	jw_obj(w, "capf");
	jw_str(w, "operation", sl_capf_op_name(c->set.op));
	jw_str(w, "auth", sl_capf_auth_name(c->set.auth));
	jw_str(w, "certificate", c->cert_kind[0] ? c->cert_kind : NULL);
	jw_str(w, "serial", c->serial[0] ? c->serial : NULL);
	jw_int(w, "not_after", c->not_after);
	jw_end_obj(w);
}

static void capf_text(struct adm *a, const struct sl_capf *c)
{
	char na[32], cert[120];

	adm_fmt_time(c->not_after, na, sizeof(na));
	if (c->cert_kind[0])
		snprintf(cert, sizeof(cert), "%s serial %s, valid until %s UTC",
			 !strcmp(c->cert_kind, "mic") ? "MIC" : "LSC", c->serial, na);
	else
		snprintf(cert, sizeof(cert), "no certificate");
	if (c->set.op == SL_CAPF_OP_NONE)
		adm_kv(a, "capf", "%s; nothing pending (authentication %s)", cert,
		       sl_capf_auth_name(c->set.auth));
	else
		adm_kv(a, "capf", "%s; %s pending (authentication %s)", cert,
		       sl_capf_op_name(c->set.op), sl_capf_auth_name(c->set.auth));
}

static int device_show(struct adm *a, int argc, char **argv)
{
	const char *name;
	static const char *const pos[] = { "NAME" };
	struct sl_device d;
	struct sl_profile p;
	struct adm_vec regs;
	char err[ADM_ERR_MAX] = "";
	struct sl_capf c;
	bool have_p;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &name)) ||
	    (rc = adm_check_name(a, "device name", name)))
		return rc;
	rc = sl_store_device_get(a->ctx->store, name, &d, err, sizeof(err));
	if ((rc = adm_check_found(a, "device", name, rc, err)))
		return rc;
	rc = sl_store_capf_get(a->ctx->store, name, &c, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	have_p = sl_store_profile_get(a->ctx->store, d.profile, &p, err, sizeof(err)) == 0;
	if ((rc = adm_load_regs(a, &regs)))
		return rc;
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		device_json(&w, NULL, &d, have_p ? &p : NULL);
		capf_json(&w, &c);
		adm_show_regs_json(&w, &regs, NULL, d.name);
		jw_end_obj(&w);
	} else {
		adm_kv(a, "device", "%s", d.name);
		adm_kv(a, "user", "%s", d.user);
		adm_kv(a, "profile", "%s, mode %s", d.profile,
		       have_p ? adm_security_label((int)p.mode) : "unknown (the profile is missing)");
		adm_kv(a, "cert identity", "%s", d.cert_identity[0] ? d.cert_identity : d.name);
		adm_kv(a, "description", "%s", d.description[0] ? d.description : "-");
		capf_text(a, &c);
		adm_show_regs_text(a, &regs, NULL, d.name);
	}
	adm_vec_free(&regs);
	return 0;
}

static const struct adm_sub device_subs[] = {
	{ "add", "device add NAME --user U --profile P [--cert-identity ID] [--description T]",
	  device_add },
	{ "set", "device set NAME [--user U] [--profile P] [--cert-identity ID] [--description T]",
	  device_set },
	{ "del", "device del NAME", device_del },
	{ "list", "device list", device_list },
	{ "show", "device show NAME", device_show },
	{ NULL, NULL, NULL },
};

int adm_device(struct adm *a, int argc, char **argv)
{
	return adm_dispatch(a, "device", device_subs, argc - 1, argv + 1);
}

/* ---- profiles ---- */

static int parse_mode(struct adm *a, const char *s, enum sl_sec_mode *m)
{
	if (sl_sec_mode_parse(s, m) < 0)
		return adm_fail(a, SL_ADMIN_E_USAGE, "--mode '%s' is not a security mode (modes: " MODES ")",
				s);
	return 0;
}

/* --encrypt-config yes|no. */
static int parse_yes_no(struct adm *a, const char *what, const char *s, bool *v)
{
	if (!strcmp(s, "yes") || !strcmp(s, "no")) {
		*v = !strcmp(s, "yes");
		return 0;
	}
	return adm_usage(a, "%s '%s' is neither yes nor no", what, s);
}

static int profile_put(struct adm *a, int argc, char **argv, bool create)
{
	const char *name, *mode, *desc, *enc;
	const struct adm_opt opts[] = {
		{ "--mode", &mode, NULL }, { "--description", &desc, NULL },
		{ "--encrypt-config", &enc, NULL }, { NULL, NULL, NULL },
	};
	bool encrypt = false;
	static const char *const pos[] = { "NAME" };
	struct sl_profile p;
	enum sl_sec_mode m = SL_SEC_NONSECURE;
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, pos, &name)) ||
	    (rc = adm_check_name(a, "profile name", name)) ||
	    (mode && (rc = parse_mode(a, mode, &m))) ||
	    (desc && (rc = adm_check_text(a, "--description", desc, sizeof(p.description)))) ||
	    (enc && (rc = parse_yes_no(a, "--encrypt-config", enc, &encrypt))))
		return rc;
	memset(&p, 0, sizeof(p));
	rc = sl_store_profile_get(a->ctx->store, name, &p, err, sizeof(err));
	if (create) {
		if (!mode)
			return adm_usage(a, "--mode is missing (" MODES ")");
		if ((rc = adm_check_new(a, "profile", name, rc, err)))
			return rc;
		memset(&p, 0, sizeof(p));
		adm_copy(p.name, sizeof(p.name), name);
	} else {
		if (!mode && !desc && !enc)
			return adm_usage(a, "nothing to change");
		if (rc < 0)
			return adm_need_profile(a, name, &p);
	}
	if (mode)
		p.mode = m;
	if (desc)
		adm_copy(p.description, sizeof(p.description), desc);
	if (enc)
		p.encrypt_config = encrypt;
	rc = sl_store_profile_put(a->ctx->store, &p, create, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_changed(a);
	adm_prov_changed(a);
	if (a->json) {
		sl_admin_out_printf(a->out, "{\"name\":\"%s\",\"mode\":\"%s\",\"encrypt_config\":%s}\n",
				    p.name, sl_sec_mode_name(p.mode), p.encrypt_config ? "true" : "false");
		return 0;
	}
	sl_admin_out_printf(a->out, "profile %s %s (%s%s)\n", p.name, create ? "added" : "changed",
			    adm_security_label((int)p.mode),
			    p.encrypt_config ? ", encrypted configuration" : "");
	/* The warning: the configuration file carries the line's
	 * digest password (spec §5 is there to hide it). */
	if (enc && !p.encrypt_config)
		sl_admin_out_puts(a->out, "note: configuration files of this profile's phones carry "
				  "their line's digest password in clear; --encrypt-config yes "
				  "encrypts them for phones with an RSA certificate (LSC or MIC)\n");
	return 0;
}

static int profile_add(struct adm *a, int argc, char **argv)
{
	return profile_put(a, argc, argv, true);
}

static int profile_set(struct adm *a, int argc, char **argv)
{
	return profile_put(a, argc, argv, false);
}

static int profile_del(struct adm *a, int argc, char **argv)
{
	const char *name;
	static const char *const pos[] = { "NAME" };
	struct sl_profile p;
	struct adm_vec devs, trunks;
	char err[ADM_ERR_MAX] = "", names[300], tnames[300] = "";
	size_t used = 0;
	unsigned ndev, ntr = 0;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &name)) ||
	    (rc = adm_need_profile(a, name, &p)) ||
	    (rc = adm_load_devices(a, &devs)))
		return rc;
	adm_device_names(&devs, NULL, name, names, sizeof(names), &ndev);
	adm_vec_free(&devs);
	if (ndev)
		return adm_fail(a, SL_ADMIN_E_BUSY, "profile '%s' is used by %u device(s): %s; move them "
				"to another profile first (shieldlockctl device set NAME --profile P)",
				name, ndev, names);
	if ((rc = adm_load_trunks(a, &trunks)))
		return rc;
	for (size_t i = 0; i < trunks.n; i++) {
		const struct sl_trunk *t = ADM_AT(&trunks, struct sl_trunk, i);
		int k;

		if (strcmp(t->profile, name))
			continue;
		ntr++;
		k = snprintf(tnames + used, sizeof(tnames) - used, "%s%s", used ? ", " : "", t->name);
		if (k > 0 && (size_t)k < sizeof(tnames) - used)
			used += (size_t)k;
	}
	adm_vec_free(&trunks);
	if (ntr)
		return adm_fail(a, SL_ADMIN_E_BUSY, "profile '%s' is used by %u trunk(s): %s; delete or "
				"re-add them with another --profile first", name, ntr, tnames);
	rc = sl_store_profile_del(a->ctx->store, name, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_prov_changed(a);
	return adm_deleted(a, "profile %s deleted", name);
}

static int profile_list(struct adm *a, int argc, char **argv)
{
	static const char *const hdr[] = { "PROFILE", "MODE", "DEVICES", "ENCRYPT-CONFIG",
					   "DESCRIPTION" };
	struct adm_vec profs, devs;
	struct adm_list l;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 0, NULL, NULL)) ||
	    (rc = adm_load_profiles(a, &profs)))
		return rc;
	if ((rc = adm_load_devices(a, &devs))) {
		adm_vec_free(&profs);
		return rc;
	}
	adm_list_begin(a, &l, 5, hdr, profs.n, "profiles");
	for (size_t i = 0; i < profs.n; i++) {
		const struct sl_profile *p = ADM_AT(&profs, struct sl_profile, i);
		char names[300], count[16];
		unsigned n;

		adm_device_names(&devs, NULL, p->name, names, sizeof(names), &n);
		if (a->json) {
			jw_obj(&l.w, NULL);
			jw_str(&l.w, "name", p->name);
			jw_str(&l.w, "mode", sl_sec_mode_name(p->mode));
			jw_str(&l.w, "security", adm_security_label((int)p->mode));
			jw_uint(&l.w, "devices", n);
			jw_str(&l.w, "description", p->description);
			jw_bool(&l.w, "encrypt_config", p->encrypt_config);
			jw_end_obj(&l.w);
			continue;
		}
		snprintf(count, sizeof(count), "%u", n);
		tbl_row(&l.t, p->name, adm_security_label((int)p->mode), count,
			p->encrypt_config ? "yes" : "no", p->description);
	}
	adm_list_end(a, &l, profs.n, NULL);
	adm_vec_free(&profs);
	adm_vec_free(&devs);
	return 0;
}

static const struct adm_sub profile_subs[] = {
	{ "add", "profile add NAME --mode non-secure|authenticated|encrypted [--description T] "
		 "[--encrypt-config yes|no]", profile_add },
	{ "set", "profile set NAME [--mode MODE] [--description T] [--encrypt-config yes|no]",
	  profile_set },
	{ "del", "profile del NAME", profile_del },
	{ "list", "profile list", profile_list },
	{ NULL, NULL, NULL },
};

int adm_profile(struct adm *a, int argc, char **argv)
{
	return adm_dispatch(a, "profile", profile_subs, argc - 1, argv + 1);
}
