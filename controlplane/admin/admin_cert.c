/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl cert ...: the appliance's own certificates (ca, node, tftp,
 * capf, sast1, sast2: ctx->certs) and the trust store (ctx->trust_store,
 * controlplane/trust/trust.h), as docs/certificates.md describes:
 *
 *   cert list                          own certificates, then the trust store
 *   cert show [NAME|FILE|FP] [--pem]   details (no argument: the node certificate)
 *   cert fingerprint NAME|FILE|FP [--sha1|--sha256]
 *   cert export NAME|FILE|FP [--der]   PEM text, or base64 of the DER
 *   cert import --data BASE64 [--name LABEL]
 *   cert delete FILE|FP                trust store entries only
 *   cert regenerate NAME               through ctx->cert_regenerate (the ca process)
 *   cert check [--fix]                 the trust store as OpenSSL's lookup sees it
 *
 * Fingerprints are SHA-1/SHA-256 over the DER, printed "AB:CD:..." as
 * `openssl x509 -fingerprint` prints them; a fingerprint argument may be any
 * prefix of at least 8 hex digits. After import, delete and regenerate the
 * daemon is told (ctx->prov_changed): files signed with or listing the
 * certificates are rebuilt, and the TLS listeners reload the trust store.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "admin_int.h"
#include "trust.h"

#define CERT_PATH_MAX 4096

/* A certificate the command works on: one of the appliance's own, or a
 * trust store file. */
struct cert_obj {
	const char *name;		/* own: "ca", ...; trust: the file name */
	const char *roles;		/* own only */
	bool own, regenerable;
	char path[CERT_PATH_MAX];
	char file[SL_TRUST_FILE_MAX];
	char label[SL_TRUST_LABEL_MAX];
	unsigned chain;			/* own: certificates in the file */
	struct sl_trust_info ci;
};

/* With no "node" in ctx->certs, node_cert_path stands in for it. */
static struct sl_admin_cert_ref node_ref(const struct sl_admin_ctx *ctx)
{
	return (struct sl_admin_cert_ref){ .name = "node", .path = ctx->node_cert_path,
					   .roles = "CCM", .regenerable = false };
}

static size_t own_count(const struct sl_admin_ctx *ctx, bool *synth)
{
	*synth = ctx->node_cert_path && *ctx->node_cert_path;
	for (size_t i = 0; i < ctx->ncerts && *synth; i++)
		if (!strcmp(ctx->certs[i].name, "node"))
			*synth = false;
	return ctx->ncerts + (*synth ? 1 : 0);
}

static struct sl_admin_cert_ref own_ref(const struct sl_admin_ctx *ctx, size_t i)
{
	return i < ctx->ncerts ? ctx->certs[i] : node_ref(ctx);
}

static void own_names(const struct sl_admin_ctx *ctx, bool regen_only, char *buf, size_t n)
{
	bool synth;
	size_t cnt = own_count(ctx, &synth), used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cnt; i++) {
		struct sl_admin_cert_ref r = own_ref(ctx, i);
		int k;

		if (regen_only && !r.regenerable)
			continue;
		k = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", r.name);
		if (k > 0 && (size_t)k < n - used)
			used += (size_t)k;
	}
	if (!used)
		snprintf(buf, n, "none");
}

/* Loads an own certificate file: 0, -ENOENT (missing), -EINVAL (no PEM). */
static int load_own_file(const char *path, struct sl_trust_info *ci, unsigned *chain, X509 **keep)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x, *more;
	int rc;

	ERR_clear_error();
	if (!b) {
		rc = errno ? -errno : -ENOENT;
		ERR_clear_error();
		return rc;
	}
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (!x) {
		BIO_free(b);
		ERR_clear_error();
		return -EINVAL;
	}
	*chain = 1;
	while ((more = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		(*chain)++;
		X509_free(more);
	}
	ERR_clear_error();
	BIO_free(b);
	rc = sl_trust_info(x, ci);
	if (keep && !rc)
		*keep = x;
	else
		X509_free(x);
	return rc;
}

static int own_fail(struct adm *a, const struct sl_admin_cert_ref *r, int rc)
{
	if (rc == -EINVAL)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "%s holds no PEM certificate", r->path);
	if (!strcmp(r->name, "node") && r->path == a->ctx->node_cert_path)
		return adm_fail(a, rc == -ENOENT ? SL_ADMIN_E_NOTFOUND : SL_ADMIN_E_INTERNAL,
				"cannot open the node certificate %s: %s (shieldlockd creates it at first "
				"start; see [sip] tls_cert)", r->path, strerror(-rc));
	return adm_fail(a, rc == -ENOENT ? SL_ADMIN_E_NOTFOUND : SL_ADMIN_E_INTERNAL,
			"cannot open the '%s' certificate %s: %s (shieldlockd creates it at first start%s%s%s)",
			r->name, r->path, strerror(-rc),
			r->regenerable ? "; 'shieldlockctl cert regenerate " : "",
			r->regenerable ? r->name : "", r->regenerable ? "' makes a new one" : "");
}

static int load_own(struct adm *a, const struct sl_admin_cert_ref *r, struct cert_obj *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->own = true;
	o->name = r->name;
	o->roles = r->roles;
	o->regenerable = r->regenerable;
	snprintf(o->path, sizeof(o->path), "%s", r->path ? r->path : "");
	if (!r->path || !*r->path)
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "the '%s' certificate has no file configured",
				r->name);
	rc = load_own_file(r->path, &o->ci, &o->chain, NULL);
	return rc ? own_fail(a, r, rc) : 0;
}

static void from_entry(struct adm *a, const struct sl_trust_entry *e, struct cert_obj *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->file, sizeof(o->file), "%s", e->file);
	o->name = o->file;
	snprintf(o->label, sizeof(o->label), "%s", e->label);
	snprintf(o->path, sizeof(o->path), "%s/%s", a->ctx->trust_store, e->file);
	o->ci = e->info;
}

static int trust_fail(struct adm *a, int rc, const char *err)
{
	int st = rc == -ENOENT ? SL_ADMIN_E_NOTFOUND :
		 rc == -EINVAL || rc == -ENOTUNIQ || rc == -EPERM || rc == -E2BIG ? SL_ADMIN_E_USAGE :
		 SL_ADMIN_E_INTERNAL;

	return adm_fail(a, st, "%s", err);
}

static int need_store(struct adm *a)
{
	if (a->ctx->trust_store && *a->ctx->trust_store)
		return 0;
	return adm_fail(a, SL_ADMIN_E_INTERNAL, "this daemon has no trust store configured "
			"(trust_store in shieldlockd's configuration)");
}

/* A fingerprint prefix: own certificates first, then the trust store; one
 * certificate may be both (the CA), which is not ambiguous. */
static int resolve_fp(struct adm *a, const char *key, const char *hex, struct cert_obj *o)
{
	struct sl_trust_entry *v = NULL;
	size_t nv = 0, found = 0, used = 0;
	char err[ADM_ERR_MAX], list[ADM_ERR_MAX] = "", first[SL_TRUST_FP_SHA256_LEN] = "";
	bool synth;
	size_t cnt = own_count(a->ctx, &synth);
	int rc;

	for (size_t i = 0; i < cnt; i++) {
		struct sl_admin_cert_ref r = own_ref(a->ctx, i);
		struct cert_obj t;
		unsigned chain;

		memset(&t, 0, sizeof(t));
		if (!r.path || load_own_file(r.path, &t.ci, &chain, NULL) || !sl_trust_fp_match(&t.ci, hex))
			continue;
		if (found && !strcmp(first, t.ci.sha256))
			continue;
		if (!found++) {
			snprintf(first, sizeof(first), "%s", t.ci.sha256);
			if ((rc = load_own(a, &r, o)))
				return rc;
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", r.name);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	if (a->ctx->trust_store && *a->ctx->trust_store &&
	    (rc = sl_trust_list(a->ctx->trust_store, &v, &nv, err, sizeof(err))))
		return trust_fail(a, rc, err);
	for (size_t i = 0; i < nv; i++) {
		if (!sl_trust_fp_match(&v[i].info, hex))
			continue;
		if (found && !strcmp(first, v[i].info.sha256))
			continue;
		if (!found++) {
			snprintf(first, sizeof(first), "%s", v[i].info.sha256);
			from_entry(a, &v[i], o);
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
					 v[i].file);
		if (used >= sizeof(list))
			used = sizeof(list) - 1;
	}
	free(v);
	if (found == 0)
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "no certificate has a fingerprint starting with %s "
				"(see shieldlockctl cert list)", key);
	if (found > 1)
		return adm_fail(a, SL_ADMIN_E_USAGE, "fingerprint %s matches %zu certificates (%s); give "
				"more digits", key, found, list);
	return 0;
}

/* NAME (own), FILE (trust store) or fingerprint prefix. */
static int resolve(struct adm *a, const char *key, struct cert_obj *o)
{
	struct sl_trust_entry e;
	char hex[65], err[ADM_ERR_MAX], names[200];
	bool synth;
	size_t cnt = own_count(a->ctx, &synth);
	int rc;

	for (size_t i = 0; i < cnt; i++) {
		struct sl_admin_cert_ref r = own_ref(a->ctx, i);

		if (!strcmp(r.name, key))
			return load_own(a, &r, o);
	}
	if (sl_trust_fp_parse(key, hex) >= 0)
		return resolve_fp(a, key, hex, o);
	own_names(a->ctx, false, names, sizeof(names));
	if (!a->ctx->trust_store || !*a->ctx->trust_store)
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "'%s' is not a certificate name (%s) or a "
				"fingerprint (8 or more hex digits)", key, names);
	rc = sl_trust_find(a->ctx->trust_store, key, &e, err, sizeof(err));
	if (rc == -EINVAL)
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "'%s' is not a certificate name (%s), a trust "
				"store file (<hash>.N) or a fingerprint (8 or more hex digits)", key, names);
	if (rc)
		return trust_fail(a, rc, err);
	from_entry(a, &e, o);
	return 0;
}

/* The DER of o (the first certificate of an own file). */
static int obj_der(struct adm *a, const struct cert_obj *o, uint8_t **der, size_t *len)
{
	char err[ADM_ERR_MAX];
	unsigned chain;
	struct sl_trust_info ci;
	unsigned char *p = NULL;
	X509 *x = NULL;
	int n, rc;

	if (!o->own) {
		rc = sl_trust_read_der(a->ctx->trust_store, o->file, der, len, err, sizeof(err));
		return rc ? trust_fail(a, rc, err) : 0;
	}
	if (load_own_file(o->path, &ci, &chain, &x))
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "cannot read %s again", o->path);
	n = i2d_X509(x, &p);
	X509_free(x);
	*der = n > 0 ? malloc((size_t)n) : NULL;
	if (!*der) {
		OPENSSL_free(p);
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "cannot encode the certificate of %s", o->path);
	}
	memcpy(*der, p, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(p);
	return 0;
}

/* "AB:CD:EF:01:23:45:67:89" (8 bytes) of a fingerprint. */
static const char *fp_short(const char *fp, char *buf, size_t n)
{
	snprintf(buf, n, "%.23s", fp[0] ? fp : "-");
	return buf;
}

/* ---- list ---- */

static void list_own(struct adm *a, struct jw *w)
{
	static const char *const hdr[] = { "NAME", "ROLES", "SUBJECT", "NOT-AFTER", "SHA-256" };
	int64_t now = (int64_t)time(NULL);
	bool synth;
	size_t cnt = own_count(a->ctx, &synth);
	struct tbl t;

	tbl_init(&t, 5, hdr);
	if (a->json)
		jw_arr(w, "own");
	for (size_t i = 0; i < cnt; i++) {
		struct sl_admin_cert_ref r = own_ref(a->ctx, i);
		struct sl_trust_info ci;
		unsigned chain = 0;
		char fp[32];
		int rc = r.path && *r.path ? load_own_file(r.path, &ci, &chain, NULL) : -ENOENT;

		if (a->json) {
			jw_obj(w, NULL);
			jw_str(w, "name", r.name);
			jw_str(w, "roles", r.roles);
			jw_str(w, "file", r.path);
			jw_bool(w, "regenerable", r.regenerable);
			jw_bool(w, "exists", rc == 0);
			if (!rc) {
				jw_str(w, "subject", ci.subject);
				jw_str(w, "issuer", ci.issuer);
				jw_str(w, "not_after", ci.not_after);
				jw_str(w, "validity", sl_trust_validity(&ci, now));
				jw_str(w, "sha1", ci.sha1);
				jw_str(w, "sha256", ci.sha256);
			}
			jw_end_obj(w);
			continue;
		}
		tbl_row(&t, r.name, r.roles && *r.roles ? r.roles : "-",
			rc == 0 ? ci.subject : rc == -ENOENT ? "(not created)" : "(unreadable)",
			rc == 0 ? ci.not_after : "-", rc == 0 ? fp_short(ci.sha256, fp, sizeof(fp)) : "-");
	}
	if (a->json) {
		jw_end_arr(w);
		tbl_free(&t);
	} else if (cnt) {
		tbl_print(&t, a->out);
	} else {
		tbl_free(&t);
		sl_admin_out_puts(a->out, "no own certificates are configured\n");
	}
}

static int list_trust(struct adm *a, struct jw *w)
{
	static const char *const hdr[] = { "FILE", "SUBJECT", "NOT-AFTER", "CA", "KEY", "SHA-256",
					   "LABEL" };
	const char *dir = a->ctx->trust_store;
	int64_t now = (int64_t)time(NULL);
	struct sl_trust_entry *v = NULL;
	size_t n = 0;
	char err[ADM_ERR_MAX];
	struct tbl t;
	int rc;

	if (!dir || !*dir) {
		if (a->json)
			jw_str(w, "trust_store", NULL);
		else
			sl_admin_out_puts(a->out, "\nno trust store is configured\n");
		return 0;
	}
	if ((rc = sl_trust_list(dir, &v, &n, err, sizeof(err))))
		return trust_fail(a, rc, err);
	if (a->json) {
		jw_obj(w, "trust_store");
		jw_str(w, "dir", dir);
		jw_uint(w, "count", n);
		jw_arr(w, "entries");
		for (size_t i = 0; i < n; i++) {
			const struct sl_trust_info *ci = &v[i].info;

			jw_obj(w, NULL);
			jw_str(w, "file", v[i].file);
			jw_str(w, "label", v[i].label[0] ? v[i].label : NULL);
			jw_str(w, "problem", v[i].problem[0] ? v[i].problem : NULL);
			if (ci->sha256[0]) {
				jw_str(w, "subject", ci->subject);
				jw_str(w, "issuer", ci->issuer);
				jw_str(w, "not_after", ci->not_after);
				jw_str(w, "validity", sl_trust_validity(ci, now));
				jw_bool(w, "ca", ci->is_ca);
				jw_str(w, "key_type", ci->key_type);
				jw_int(w, "key_bits", ci->key_bits);
				jw_str(w, "sha1", ci->sha1);
				jw_str(w, "sha256", ci->sha256);
			}
			jw_end_obj(w);
		}
		jw_end_arr(w);
		jw_end_obj(w);
		free(v);
		return 0;
	}
	sl_admin_out_printf(a->out, "\ntrust store %s: %zu certificate%s\n", dir, n, n == 1 ? "" : "s");
	tbl_init(&t, 7, hdr);
	for (size_t i = 0; i < n; i++) {
		const struct sl_trust_info *ci = &v[i].info;
		char key[32], fp[32], subj[800];

		snprintf(key, sizeof(key), "%s %d", ci->key_type, ci->key_bits);
		if (v[i].problem[0])
			snprintf(subj, sizeof(subj), "%s (%s)", ci->subject[0] ? ci->subject : "?",
				 v[i].problem);
		else
			snprintf(subj, sizeof(subj), "%s", ci->subject);
		tbl_row(&t, v[i].file, subj, ci->sha256[0] ? ci->not_after : "-",
			ci->sha256[0] ? (ci->is_ca ? "yes" : "no") : "-", ci->sha256[0] ? key : "-",
			fp_short(ci->sha256, fp, sizeof(fp)), v[i].label[0] ? v[i].label : "-");
	}
	if (n)
		tbl_print(&t, a->out);
	else
		tbl_free(&t);
	free(v);
	return 0;
}

static int cert_list(struct adm *a, int argc, char **argv)
{
	struct jw w;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 0, NULL, NULL)))
		return rc;
	jw_init(&w, a->out);
	if (a->json)
		jw_obj(&w, NULL);
	list_own(a, &w);
	if ((rc = list_trust(a, &w)))
		return rc;
	if (a->json)
		jw_end_obj(&w);
	return 0;
}

/* ---- show, fingerprint, export ---- */

static void show_json(struct adm *a, const struct cert_obj *o, const char *pem, int64_t now)
{
	const struct sl_trust_info *ci = &o->ci;
	char hash[16], key[48];
	struct jw w;

	snprintf(hash, sizeof(hash), "%08lx", ci->hash);
	jw_init(&w, a->out);
	jw_obj(&w, NULL);
	jw_str(&w, "name", o->name);
	jw_str(&w, "store", o->own ? "own" : "trust");
	jw_str(&w, "file", o->path);
	if (o->own)
		jw_str(&w, "roles", o->roles);
	else
		jw_str(&w, "label", o->label[0] ? o->label : NULL);
	jw_str(&w, "subject", ci->subject);
	jw_str(&w, "issuer", ci->issuer);
	jw_bool(&w, "self_signed", ci->self_signed);
	jw_bool(&w, "ca", ci->is_ca);
	jw_str(&w, "serial", ci->serial);
	jw_str(&w, "not_before", ci->not_before);
	jw_str(&w, "not_after", ci->not_after);
	jw_str(&w, "validity", sl_trust_validity(ci, now));
	jw_int(&w, "days_left", (ci->na - now) / 86400);
	snprintf(key, sizeof(key), "%s %d bits", ci->key_type, ci->key_bits);
	jw_str(&w, "key", key);
	jw_str(&w, "key_type", ci->key_type);
	jw_int(&w, "key_bits", ci->key_bits);
	jw_str(&w, "subject_alt_names", ci->san);
	jw_str(&w, "subject_hash", hash);
	jw_str(&w, "sha1", ci->sha1);
	jw_str(&w, "sha256", ci->sha256);
	if (o->own)
		jw_uint(&w, "chain_length", o->chain);
	if (pem)
		jw_str(&w, "pem", pem);
	jw_end_obj(&w);
}

static void show_text(struct adm *a, const struct cert_obj *o, const char *pem, int64_t now)
{
	const struct sl_trust_info *ci = &o->ci;

	if (o->own) {
		adm_kv(a, "name", "%s%s", o->name, o->regenerable ? " (regenerable)" : "");
		if (o->roles && *o->roles)
			adm_kv(a, "roles", "%s", o->roles);
	} else if (o->label[0]) {
		adm_kv(a, "label", "%s", o->label);
	}
	adm_kv(a, "file", "%s", o->path);
	adm_kv(a, "subject", "%s", ci->subject);
	adm_kv(a, "issuer", "%s%s", ci->issuer, ci->self_signed ? " (self-signed)" : "");
	adm_kv(a, "serial", "%s", ci->serial);
	adm_kv(a, "not before", "%s UTC", ci->not_before);
	adm_kv(a, "not after", "%s UTC", ci->not_after);
	if (now > ci->na || now < ci->nb)
		adm_kv(a, "validity", "%s", sl_trust_validity(ci, now));
	else
		adm_kv(a, "validity", "valid, %lld days left", (long long)((ci->na - now) / 86400));
	adm_kv(a, "key", "%s %d bits", ci->key_type, ci->key_bits);
	if (ci->san[0])
		adm_kv(a, "alt names", "%s", ci->san);
	adm_kv(a, "CA", "%s", ci->is_ca ? "yes (basicConstraints CA:TRUE)" : "no");
	adm_kv(a, "subject hash", "%08lx", ci->hash);
	adm_kv(a, "SHA-1", "%s", ci->sha1);
	adm_kv(a, "SHA-256", "%s", ci->sha256);
	if (o->own && o->chain > 1)
		adm_kv(a, "chain", "%u certificates in the file (the %s certificate first)", o->chain,
		       o->name);
	if (pem)
		sl_admin_out_puts(a->out, pem);
}

static int cert_show(struct adm *a, int argc, char **argv)
{
	const char *key = NULL;
	bool want_pem = false;
	const struct adm_opt opts[] = { { "--pem", NULL, &want_pem }, { NULL, NULL, NULL } };
	int64_t now = (int64_t)time(NULL);
	struct cert_obj o;
	char *pem = NULL;
	size_t pemlen;
	int rc;

	/* NAME is optional: parse as if it were, then see. */
	if (argc > 0 && strncmp(argv[0], "--", 2)) {
		key = argv[0];
		argc--;
		argv++;
	}
	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)))
		return rc;
	if (!key) {
		struct sl_admin_cert_ref r;
		bool synth;
		size_t cnt = own_count(a->ctx, &synth), i;

		for (i = 0; i < cnt; i++)
			if (!strcmp(own_ref(a->ctx, i).name, "node"))
				break;
		if (i == cnt)
			return adm_fail(a, SL_ADMIN_E_INTERNAL, "no node certificate is configured ([sip] "
					"tls_cert)");
		r = own_ref(a->ctx, i);
		if ((rc = load_own(a, &r, &o)))
			return rc;
	} else if ((rc = resolve(a, key, &o))) {
		return rc;
	}
	if (want_pem) {
		uint8_t *der;
		size_t len;

		if ((rc = obj_der(a, &o, &der, &len)))
			return rc;
		rc = sl_trust_der_to_pem(der, len, &pem, &pemlen);
		free(der);
		if (rc)
			return adm_fail(a, SL_ADMIN_E_INTERNAL, "cannot encode %s as PEM", o.name);
	}
	if (a->json)
		show_json(a, &o, pem, now);
	else
		show_text(a, &o, pem, now);
	free(pem);
	return 0;
}

static int cert_fingerprint(struct adm *a, int argc, char **argv)
{
	const char *key = NULL, *names[] = { "NAME, FILE or FINGERPRINT" };
	bool sha1 = false, sha256 = false;
	const struct adm_opt opts[] = { { "--sha1", NULL, &sha1 }, { "--sha256", NULL, &sha256 },
					{ NULL, NULL, NULL } };
	struct cert_obj o;
	struct jw w;
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, names, &key)))
		return rc;
	if (sha1 && sha256)
		return adm_usage(a, "give --sha1 or --sha256, not both");
	if ((rc = resolve(a, key, &o)))
		return rc;
	if (!a->json) {
		sl_admin_out_printf(a->out, "%s\n", sha1 ? o.ci.sha1 : o.ci.sha256);
		return 0;
	}
	jw_init(&w, a->out);
	jw_obj(&w, NULL);
	jw_str(&w, "name", o.name);
	jw_str(&w, "algorithm", sha1 ? "sha1" : "sha256");
	jw_str(&w, "fingerprint", sha1 ? o.ci.sha1 : o.ci.sha256);
	jw_end_obj(&w);
	return 0;
}

static int cert_export(struct adm *a, int argc, char **argv)
{
	const char *key = NULL, *names[] = { "NAME, FILE or FINGERPRINT" };
	bool der_out = false;
	const struct adm_opt opts[] = { { "--der", NULL, &der_out }, { NULL, NULL, NULL } };
	struct cert_obj o;
	uint8_t *der;
	size_t len, tlen;
	char *text;
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, names, &key)) || (rc = resolve(a, key, &o)) ||
	    (rc = obj_der(a, &o, &der, &len)))
		return rc;
	rc = der_out ? sl_trust_b64_encode(der, len, &text, &tlen) :
		       sl_trust_der_to_pem(der, len, &text, &tlen);
	free(der);
	if (rc)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "cannot encode %s", o.name);
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_str(&w, "name", o.name);
		jw_str(&w, "format", der_out ? "der" : "pem");
		jw_str(&w, "sha256", o.ci.sha256);
		jw_str(&w, "data", text);
		jw_end_obj(&w);
	} else {
		sl_admin_out_write(a->out, text, tlen);
		if (der_out)
			sl_admin_out_puts(a->out, "\n");
	}
	free(text);
	return 0;
}

/* ---- import, delete, regenerate, check ---- */

static void wipe_arg(const char *s)
{
	if (s)
		sl_admin_wipe((void *)(uintptr_t)s, strlen(s));
}

static int import_report(struct adm *a, const struct sl_trust_imported *r, size_t n)
{
	size_t added = 0;
	struct jw w;

	for (size_t i = 0; i < n; i++)
		added += !r[i].duplicate;
	if (a->json) {
		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_uint(&w, "added", added);
		jw_uint(&w, "skipped", n - added);
		jw_arr(&w, "certificates");
		for (size_t i = 0; i < n; i++) {
			jw_obj(&w, NULL);
			jw_str(&w, "file", r[i].file);
			jw_bool(&w, "duplicate", r[i].duplicate);
			jw_str(&w, "subject", r[i].info.subject);
			jw_str(&w, "not_after", r[i].info.not_after);
			jw_bool(&w, "ca", r[i].info.is_ca);
			jw_str(&w, "sha1", r[i].info.sha1);
			jw_str(&w, "sha256", r[i].info.sha256);
			jw_end_obj(&w);
		}
		jw_end_arr(&w);
		jw_end_obj(&w);
	} else {
		for (size_t i = 0; i < n; i++) {
			char subj[520];

			adm_sanitize(subj, sizeof(subj), r[i].info.subject);
			if (r[i].duplicate)
				sl_admin_out_printf(a->out, "skipped %s: already trusted as %s\n", subj,
						    r[i].file);
			else
				sl_admin_out_printf(a->out, "added %s: %s (SHA-256 %s)\n", r[i].file, subj,
						    r[i].info.sha256);
		}
		sl_admin_out_printf(a->out, "%zu added, %zu already trusted%s\n", added, n - added,
				    added ? "; the TLS listeners reload the trust store" : "");
	}
	return (int)added;
}

static int cert_import(struct adm *a, int argc, char **argv)
{
	const char *data = NULL, *label = NULL;
	const struct adm_opt opts[] = { { "--data", &data, NULL }, { "--name", &label, NULL },
					{ NULL, NULL, NULL } };
	struct sl_trust_imported *res = NULL;
	char err[ADM_ERR_MAX];
	uint8_t *bin = NULL;
	size_t len = 0, n = 0;
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)))
		goto out;
	if (!data) {
		rc = adm_usage(a, "--data is missing (shieldlockctl cert import FILE sends the file)");
		goto out;
	}
	if ((rc = need_store(a)))
		goto out;
	if (label && (rc = sl_trust_label_check(label, err, sizeof(err)))) {
		rc = adm_fail(a, SL_ADMIN_E_USAGE, "--name: %s", err);
		goto out;
	}
	if (sl_trust_b64_decode(data, strlen(data), &bin, &len)) {
		rc = adm_fail(a, SL_ADMIN_E_USAGE, "--data is not valid base64 (RFC 4648 with padding); "
			      "shieldlockctl cert import FILE encodes the file itself");
		goto out;
	}
	rc = sl_trust_import(a->ctx->trust_store, bin, len, label, &res, &n, err, sizeof(err));
	if (rc) {
		rc = trust_fail(a, rc, err);
		goto out;
	}
	if (import_report(a, res, n) > 0)
		adm_prov_changed(a);
	rc = 0;
out:
	if (bin)
		OPENSSL_cleanse(bin, len);	/* it may have been a private key */
	free(bin);
	wipe_arg(data);
	free(res);
	return rc;
}

/* The own certificate with this SHA-256, if any. */
static const char *own_with_fp(struct adm *a, const char *sha256)
{
	bool synth;
	size_t cnt = own_count(a->ctx, &synth);

	for (size_t i = 0; i < cnt; i++) {
		struct sl_admin_cert_ref r = own_ref(a->ctx, i);
		struct sl_trust_info ci;
		unsigned chain;

		if (r.path && !load_own_file(r.path, &ci, &chain, NULL) && !strcmp(ci.sha256, sha256))
			return r.name;
	}
	return NULL;
}

static int refuse_own(struct adm *a, const char *what, const char *name)
{
	bool synth;
	size_t cnt = own_count(a->ctx, &synth);
	bool regen = false;

	for (size_t i = 0; i < cnt; i++)
		if (!strcmp(own_ref(a->ctx, i).name, name))
			regen = own_ref(a->ctx, i).regenerable;
	if (regen)
		return adm_fail(a, SL_ADMIN_E_BUSY, "%s is the appliance's own '%s' certificate, which "
				"is not deleted (phones and the node's files depend on it): replace it with "
				"'shieldlockctl cert regenerate %s'", what, name, name);
	return adm_fail(a, SL_ADMIN_E_BUSY, "%s is the appliance's own '%s' certificate, which is "
			"not deleted (phones and the node's files depend on it); it cannot be "
			"regenerated from here either", what, name);
}

static int cert_delete(struct adm *a, int argc, char **argv)
{
	const char *key = NULL, *names[] = { "FILE or FINGERPRINT" }, *own;
	struct sl_trust_rename ren[16];
	struct sl_trust_entry e;
	char err[ADM_ERR_MAX], hex[65], subj[520];
	size_t nren = 0;
	bool synth;
	size_t cnt = own_count(a->ctx, &synth);
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, names, &key)))
		return rc;
	for (size_t i = 0; i < cnt; i++)
		if (!strcmp(own_ref(a->ctx, i).name, key))
			return refuse_own(a, key, key);
	if ((rc = need_store(a)))
		return rc;
	rc = sl_trust_find(a->ctx->trust_store, key, &e, err, sizeof(err));
	if (rc == -ENOENT && sl_trust_fp_parse(key, hex) >= 0) {
		struct cert_obj o;

		/* Not in the store: say so, or that it is an own certificate. */
		if (!resolve_fp(a, key, hex, &o) && o.own)
			return refuse_own(a, key, o.name);
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "%s", err);
	}
	if (rc)
		return trust_fail(a, rc, err);
	if ((own = own_with_fp(a, e.info.sha256)))
		return refuse_own(a, e.file, own);
	rc = sl_trust_delete(a->ctx->trust_store, e.file, ren, 16, &nren, err, sizeof(err));
	if (rc)
		return trust_fail(a, rc, err);
	adm_prov_changed(a);
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_bool(&w, "deleted", true);
		jw_str(&w, "file", e.file);
		jw_str(&w, "subject", e.info.subject);
		jw_str(&w, "sha256", e.info.sha256);
		jw_arr(&w, "renamed");
		for (size_t i = 0; i < nren; i++) {
			jw_obj(&w, NULL);
			jw_str(&w, "from", ren[i].from);
			jw_str(&w, "to", ren[i].to);
			jw_end_obj(&w);
		}
		jw_end_arr(&w);
		jw_end_obj(&w);
		return 0;
	}
	adm_sanitize(subj, sizeof(subj), e.info.subject);
	sl_admin_out_printf(a->out, "deleted %s: %s (SHA-256 %s)\n", e.file, subj, e.info.sha256);
	for (size_t i = 0; i < nren; i++)
		sl_admin_out_printf(a->out, "renamed %s to %s (OpenSSL stops at the first missing "
				    "suffix)\n", ren[i].from, ren[i].to);
	return 0;
}

static int cert_regenerate(struct adm *a, int argc, char **argv)
{
	const char *key = NULL, *names[] = { "NAME" };
	char list[200], err[ADM_ERR_MAX] = "", old[SL_TRUST_FP_SHA256_LEN] = "";
	struct sl_admin_cert_ref r = { 0 };
	struct sl_trust_info ci;
	unsigned chain;
	bool synth, found = false;
	size_t cnt = own_count(a->ctx, &synth);
	struct cert_obj o;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, names, &key)))
		return rc;
	for (size_t i = 0; i < cnt && !found; i++) {
		r = own_ref(a->ctx, i);
		found = !strcmp(r.name, key);
	}
	own_names(a->ctx, true, list, sizeof(list));
	if (!found)
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "'%s' is not one of the appliance's own "
				"certificates (regenerable: %s); trust store entries are replaced with "
				"cert delete and cert import", key, list);
	if (!r.regenerable)
		return adm_fail(a, SL_ADMIN_E_USAGE, "the '%s' certificate cannot be regenerated "
				"(regenerable: %s)", key, list);
	if (!a->ctx->cert_regenerate)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "this daemon cannot regenerate certificates");
	if (r.path && !load_own_file(r.path, &ci, &chain, NULL))
		snprintf(old, sizeof(old), "%s", ci.sha256);
	if (a->ctx->cert_regenerate(a->ctx->arg, key, err, sizeof(err)) < 0)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "%s", err[0] ? err : "the ca process failed "
				"(see shieldlockd's log)");
	adm_prov_changed(a);
	if ((rc = load_own(a, &r, &o)))
		return rc;
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_str(&w, "name", key);
		jw_str(&w, "subject", o.ci.subject);
		jw_str(&w, "not_after", o.ci.not_after);
		jw_str(&w, "sha1", o.ci.sha1);
		jw_str(&w, "sha256", o.ci.sha256);
		jw_str(&w, "previous_sha256", old[0] ? old : NULL);
		jw_end_obj(&w);
		return 0;
	}
	sl_admin_out_printf(a->out, "regenerated %s: SHA-256 %s\n", key, o.ci.sha256);
	if (old[0])
		sl_admin_out_printf(a->out, "previous:    SHA-256 %s\n", old);
	sl_admin_out_puts(a->out, "files that list or are signed with it are rebuilt; listeners "
			  "reload it\n");
	return 0;
}

static int cert_check(struct adm *a, int argc, char **argv)
{
	bool fix = false;
	const struct adm_opt opts[] = { { "--fix", NULL, &fix }, { NULL, NULL, NULL } };
	struct sl_trust_issue *v = NULL;
	size_t n = 0, fixed = 0;
	char err[ADM_ERR_MAX];
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)) || (rc = need_store(a)))
		return rc;
	if ((rc = sl_trust_check(a->ctx->trust_store, fix, &v, &n, err, sizeof(err))))
		return trust_fail(a, rc, err);
	for (size_t i = 0; i < n; i++)
		fixed += v[i].fixed;
	if (fixed)
		adm_prov_changed(a);
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_str(&w, "dir", a->ctx->trust_store);
		jw_uint(&w, "count", n);
		jw_uint(&w, "fixed", fixed);
		jw_arr(&w, "issues");
		for (size_t i = 0; i < n; i++) {
			jw_obj(&w, NULL);
			jw_str(&w, "file", v[i].file);
			jw_str(&w, "text", v[i].text);
			jw_bool(&w, "fixed", v[i].fixed);
			jw_end_obj(&w);
		}
		jw_end_arr(&w);
		jw_end_obj(&w);
	} else if (!n) {
		sl_admin_out_printf(a->out, "the trust store %s is in order\n", a->ctx->trust_store);
	} else {
		for (size_t i = 0; i < n; i++) {
			char f[300], t[420];

			adm_sanitize(f, sizeof(f), v[i].file);
			adm_sanitize(t, sizeof(t), v[i].text);
			sl_admin_out_printf(a->out, "%s%s%s%s\n", f, f[0] ? ": " : "", t,
					    v[i].fixed ? " [fixed]" : "");
		}
		sl_admin_out_printf(a->out, "%zu problem%s, %zu fixed%s\n", n, n == 1 ? "" : "s", fixed,
				    !fix && n ? " (run cert check --fix to repair)" : "");
	}
	free(v);
	return 0;
}

static const struct adm_sub cert_subs[] = {
	{ "list", "cert list", cert_list },
	{ "show", "cert show [NAME|FILE|FINGERPRINT] [--pem]", cert_show },
	{ "fingerprint", "cert fingerprint NAME|FILE|FINGERPRINT [--sha1|--sha256]", cert_fingerprint },
	{ "export", "cert export NAME|FILE|FINGERPRINT [--der]", cert_export },
	{ "import", "cert import --data BASE64 [--name LABEL]", cert_import },
	{ "delete", "cert delete FILE|FINGERPRINT", cert_delete },
	{ "regenerate", "cert regenerate NAME", cert_regenerate },
	{ "check", "cert check [--fix]", cert_check },
	{ NULL, NULL, NULL },
};

int adm_cert(struct adm *a, int argc, char **argv)
{
	return adm_dispatch(a, "cert", cert_subs, argc - 1, argv + 1);
}
