/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl trunk ...: SIP peers that calls are routed to by prefix,
 * and the digest credentials the daemon answers their challenges with.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"

/* A numeric IPv4/IPv6 address or a DNS name (RFC 1123 §2.1 labels). */
static int check_host(struct adm *a, const char *h, size_t max)
{
	unsigned char buf[16];
	size_t n = strlen(h), label = 0;

	if (!n)
		return adm_fail(a, SL_ADMIN_E_USAGE, "--host is empty");
	if (n >= max)
		return adm_fail(a, SL_ADMIN_E_USAGE, "--host is %zu characters long; the limit is %zu",
				n, max - 1);
	if (inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1)
		return 0;
	if (h[0] == '[')
		return adm_fail(a, SL_ADMIN_E_USAGE, "--host '%s': give IPv6 addresses without brackets "
				"and the port with --port", h);
	for (size_t i = 0; i <= n; i++) {
		char c = h[i];

		if (c == '.' || c == '\0') {
			if (!label || h[i - 1] == '-')
				return adm_fail(a, SL_ADMIN_E_USAGE, "--host '%s' is neither an IP address nor "
						"a host name (empty label or label ending in '-')", h);
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c == '-' && label)))
			return adm_fail(a, SL_ADMIN_E_USAGE, "--host '%s' is neither an IP address nor a "
					"host name ('%c' at position %zu)", h, c, i + 1);
		if (++label > 63)
			return adm_fail(a, SL_ADMIN_E_USAGE, "--host '%s' has a label over 63 characters", h);
	}
	return 0;
}

static int check_prefix(struct adm *a, const char *p, size_t max)
{
	size_t n = strlen(p);

	if (n >= max)
		return adm_fail(a, SL_ADMIN_E_USAGE, "--prefix is %zu characters long; the limit is %zu",
				n, max - 1);
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      strchr("+*#._-", c)))
			return adm_fail(a, SL_ADMIN_E_USAGE, "--prefix '%s' has '%c' at position %zu (a "
					"prefix is the start of a dialled user part: digits, letters, + * # . _ -)",
					p, c, i + 1);
	}
	return 0;
}

/* Realm and username go into quoted-strings of RFC 3261 §25.1 headers. */
static int check_quoted(struct adm *a, const char *what, const char *s, size_t max)
{
	int rc;

	if (!s)
		return adm_usage(a, "%s is missing", what);
	if (!*s)
		return adm_fail(a, SL_ADMIN_E_USAGE, "%s is empty", what);
	if ((rc = adm_check_text(a, what, s, max)))
		return rc;
	if (strpbrk(s, "\"\\"))
		return adm_fail(a, SL_ADMIN_E_USAGE, "%s must not contain '\"' or '\\'", what);
	return 0;
}

static int need_trunk(struct adm *a, const char *name, struct sl_trunk *t)
{
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_check_name(a, "trunk name", name)))
		return rc;
	rc = sl_store_trunk_get(a->ctx->store, name, t, err, sizeof(err));
	return adm_check_found(a, "trunk", name, rc, err);
}

static int trunk_put(struct adm *a, int argc, char **argv, bool create)
{
	const char *name, *host, *port, *transport, *prefix, *profile;
	const struct adm_opt opts[] = {
		{ "--host", &host, NULL }, { "--port", &port, NULL },
		{ "--transport", &transport, NULL }, { "--prefix", &prefix, NULL },
		{ "--profile", &profile, NULL }, { NULL, NULL, NULL },
	};
	static const char *const pos[] = { "NAME" };
	struct sl_trunk t;
	struct sl_profile p;
	unsigned long portv = 0;
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, pos, &name)) ||
	    (rc = adm_check_name(a, "trunk name", name)) ||
	    (host && (rc = check_host(a, host, sizeof(t.host)))) ||
	    (port && (rc = adm_parse_uint(a, "--port", port, 0, 65535, &portv))) ||
	    (prefix && (rc = check_prefix(a, prefix, sizeof(t.prefix)))))
		return rc;
	if (transport && strcmp(transport, "tls") && strcmp(transport, "tcp") && strcmp(transport, "udp"))
		return adm_fail(a, SL_ADMIN_E_USAGE, "--transport '%s' is not one of tls, tcp, udp", transport);
	memset(&t, 0, sizeof(t));
	if (create) {
		if (!host)
			return adm_usage(a, "--host is missing (the peer's address or name)");
		rc = sl_store_trunk_get(a->ctx->store, name, &t, err, sizeof(err));
		if ((rc = adm_check_new(a, "trunk", name, rc, err)))
			return rc;
		memset(&t, 0, sizeof(t));
		adm_copy(t.name, sizeof(t.name), name);
		adm_copy(t.transport, sizeof(t.transport), "tls");
	} else {
		if (!host && !port && !transport && !prefix && !profile)
			return adm_usage(a, "nothing to change");
		if ((rc = need_trunk(a, name, &t)))
			return rc;
	}
	if (host)
		adm_copy(t.host, sizeof(t.host), host);
	if (port)
		t.port = (uint16_t)portv;
	if (transport)
		adm_copy(t.transport, sizeof(t.transport), transport);
	if (prefix)
		adm_copy(t.prefix, sizeof(t.prefix), prefix);
	if (profile)
		adm_copy(t.profile, sizeof(t.profile), profile);
	else if (!t.profile[0])
		adm_copy(t.profile, sizeof(t.profile), strcmp(t.transport, "tls") ? "non-secure" : "encrypted");
	if ((rc = adm_need_profile(a, t.profile, &p)))
		return rc;
	/* SDES keys travel in SDP; RFC 4568 §8.3 requires that SDP to be
	 * protected, so authenticated/encrypted trunks need TLS. */
	if (p.mode != SL_SEC_NONSECURE && strcmp(t.transport, "tls"))
		return adm_fail(a, SL_ADMIN_E_USAGE, "profile '%s' is %s, which needs --transport tls "
				"(over %s the peer cannot be authenticated and SRTP keys would travel in "
				"clear, RFC 4568 §8.3); use --profile non-secure or --transport tls",
				t.profile, sl_sec_mode_name(p.mode), t.transport);
	rc = sl_store_trunk_put(a->ctx->store, &t, create, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_changed(a);
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_str(&w, "name", t.name);
		jw_str(&w, "profile", t.profile);
		jw_end_obj(&w);
	} else {
		sl_admin_out_printf(a->out, "trunk %s %s (%s %s, profile %s)\n", t.name,
				    create ? "added" : "changed", t.transport, t.host, t.profile);
	}
	return 0;
}

static int trunk_add(struct adm *a, int argc, char **argv)
{
	return trunk_put(a, argc, argv, true);
}

static int trunk_set(struct adm *a, int argc, char **argv)
{
	return trunk_put(a, argc, argv, false);
}

static int trunk_del(struct adm *a, int argc, char **argv)
{
	const char *name;
	static const char *const pos[] = { "NAME" };
	struct sl_trunk t;
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &name)) ||
	    (rc = need_trunk(a, name, &t)))
		return rc;
	rc = sl_store_trunk_del(a->ctx->store, name, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	return adm_deleted(a, "trunk %s deleted (with its credentials)", name);
}

/* Credentials of one trunk (or all), without their HA1s. */
struct tcred {
	char trunk[SL_STORE_NAME_MAX];
	char realm[128];
	char username[128];
	unsigned algs;
};

struct tcred_scan {
	const char *trunk;	/* NULL = all */
	struct tcred c[32];
	unsigned n;
};

static int tcred_cb(const struct sl_trunk_cred *c, void *arg)
{
	struct tcred_scan *s = arg;
	unsigned i;

	if (s->trunk && strcmp(c->trunk, s->trunk))
		return 0;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].trunk, c->trunk) && !strcmp(s->c[i].realm, c->realm))
			break;
	if (i == s->n) {
		if (s->n == sizeof(s->c) / sizeof(s->c[0]))
			return 0;
		memset(&s->c[i], 0, sizeof(s->c[i]));
		adm_copy(s->c[i].trunk, sizeof(s->c[i].trunk), c->trunk);
		adm_copy(s->c[i].realm, sizeof(s->c[i].realm), c->realm);
		adm_copy(s->c[i].username, sizeof(s->c[i].username), c->username);
		s->n++;
	}
	if (c->alg >= 0 && c->alg < 8)
		s->c[i].algs |= 1u << c->alg;
	return 0;
}

static int scan_creds(struct adm *a, struct tcred_scan *s)
{
	char err[ADM_ERR_MAX] = "";
	int rc = sl_store_trunk_cred_walk(a->ctx->store, tcred_cb, s, err, sizeof(err));

	return rc < 0 ? adm_store_fail(a, rc, err) : 0;
}

static void trunk_json(struct jw *w, const struct sl_trunk *t, const struct tcred_scan *s)
{
	jw_obj(w, NULL);
	jw_str(w, "name", t->name);
	jw_str(w, "host", t->host);
	jw_uint(w, "port", t->port);
	jw_str(w, "transport", t->transport);
	jw_str(w, "prefix", t->prefix);
	jw_str(w, "profile", t->profile);
	jw_arr(w, "credentials");
	for (unsigned i = 0; i < s->n; i++) {
		if (strcmp(s->c[i].trunk, t->name))
			continue;
		jw_obj(w, NULL);
		jw_str(w, "realm", s->c[i].realm);
		jw_str(w, "username", s->c[i].username);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

static void port_text(const struct sl_trunk *t, char *buf, size_t n)
{
	if (t->port)
		snprintf(buf, n, "%u", t->port);
	else
		snprintf(buf, n, "%s", strcmp(t->transport, "tls") ? "5060" : "5061");
}

static int trunk_list(struct adm *a, int argc, char **argv)
{
	static const char *const hdr[] = { "TRUNK", "HOST", "PORT", "TRANSPORT", "PREFIX", "PROFILE",
					   "REALMS" };
	struct tcred_scan *s;
	struct adm_vec trunks;
	struct adm_list l;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 0, NULL, NULL)))
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "out of memory");
	if ((rc = scan_creds(a, s)) || (rc = adm_load_trunks(a, &trunks))) {
		free(s);
		return rc;
	}
	adm_list_begin(a, &l, 7, hdr, trunks.n, "trunks");
	for (size_t i = 0; i < trunks.n; i++) {
		const struct sl_trunk *tr = ADM_AT(&trunks, struct sl_trunk, i);
		char port[8], realms[300] = "";
		size_t used = 0;

		if (a->json) {
			trunk_json(&l.w, tr, s);
			continue;
		}
		for (unsigned k = 0; k < s->n; k++) {
			int m;

			if (strcmp(s->c[k].trunk, tr->name))
				continue;
			m = snprintf(realms + used, sizeof(realms) - used, "%s%s", used ? ", " : "",
				     s->c[k].realm);
			if (m > 0 && (size_t)m < sizeof(realms) - used)
				used += (size_t)m;
		}
		port_text(tr, port, sizeof(port));
		tbl_row(&l.t, tr->name, tr->host, port, tr->transport, tr->prefix[0] ? tr->prefix : "-",
			tr->profile, used ? realms : "-");
	}
	adm_list_end(a, &l, trunks.n,
		     "no trunks (add one with: shieldlockctl trunk add NAME --host H)\n");
	adm_vec_free(&trunks);
	free(s);
	return 0;
}

static int trunk_show(struct adm *a, int argc, char **argv)
{
	const char *name;
	static const char *const pos[] = { "NAME" };
	struct sl_trunk t;
	struct sl_profile p;
	struct tcred_scan *s;
	char port[8], err[ADM_ERR_MAX] = "";
	bool have_p;
	int rc;

	if ((rc = adm_parse(a, argc, argv, NULL, 1, pos, &name)) ||
	    (rc = need_trunk(a, name, &t)))
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "out of memory");
	s->trunk = name;
	if ((rc = scan_creds(a, s))) {
		free(s);
		return rc;
	}
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		trunk_json(&w, &t, s);
		free(s);
		return 0;
	}
	have_p = sl_store_profile_get(a->ctx->store, t.profile, &p, err, sizeof(err)) == 0;
	port_text(&t, port, sizeof(port));
	adm_kv(a, "trunk", "%s", t.name);
	adm_kv(a, "peer", "%s %s port %s%s", t.transport, t.host, port, t.port ? "" : " (default)");
	adm_kv(a, "prefix", "%s", t.prefix[0] ? t.prefix : "- (no prefix routing)");
	adm_kv(a, "profile", "%s, mode %s", t.profile,
	       have_p ? adm_security_label((int)p.mode) : "unknown (the profile is missing)");
	for (unsigned i = 0; i < s->n; i++)
		adm_kv(a, "credentials", "realm %s, username %s", s->c[i].realm, s->c[i].username);
	if (!s->n)
		adm_kv(a, "credentials", "none (add: shieldlockctl trunk cred set %s --realm R --username U)",
		       t.name);
	free(s);
	return 0;
}

/* "trunk cred set|del TRUNK --realm R ...": parses the arguments (opts sets
 * *realm), then checks that the trunk exists and the realm. */
static int parse_cred(struct adm *a, int argc, char **argv, const struct adm_opt *opts,
		      const char **name, const char *const *realm)
{
	static const char *const pos[] = { "TRUNK" };
	struct sl_trunk t;
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 1, pos, name)) ||
	    (rc = need_trunk(a, *name, &t)))
		return rc;
	return check_quoted(a, "--realm", *realm, 128);
}

static int cred_set(struct adm *a, int argc, char **argv)
{
	const char *name, *realm = NULL, *user, *pw;
	const struct adm_opt opts[] = {
		{ "--realm", &realm, NULL }, { "--username", &user, NULL },
		{ "--password", &pw, NULL }, { NULL, NULL, NULL },
	};
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = parse_cred(a, argc, argv, opts, &name, &realm)) ||
	    (rc = check_quoted(a, "--username", user, 128)) ||
	    (rc = adm_check_password(a, pw, 1)))
		return rc;
	rc = sl_store_trunk_cred_set(a->ctx->store, name, realm, user, pw, err, sizeof(err));
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	adm_changed(a);
	if (a->json)
		sl_admin_out_puts(a->out, "{\"set\":true}\n");
	else
		sl_admin_out_printf(a->out, "trunk %s: credentials for realm %s set (username %s)\n",
				    name, realm, user);
	return 0;
}

static int cred_del(struct adm *a, int argc, char **argv)
{
	const char *name, *realm = NULL;
	const struct adm_opt opts[] = { { "--realm", &realm, NULL }, { NULL, NULL, NULL } };
	char err[ADM_ERR_MAX] = "";
	int rc;

	if ((rc = parse_cred(a, argc, argv, opts, &name, &realm)))
		return rc;
	rc = sl_store_trunk_cred_del(a->ctx->store, name, realm, err, sizeof(err));
	if (rc == -ENOENT)
		return adm_fail(a, SL_ADMIN_E_NOTFOUND, "trunk '%s' has no credentials for realm '%s' "
				"(see shieldlockctl trunk show %s)", name, realm, name);
	if (rc < 0)
		return adm_store_fail(a, rc, err);
	return adm_deleted(a, "trunk %s: credentials for realm %s deleted", name, realm);
}

static const struct adm_sub cred_subs[] = {
	{ "set", "trunk cred set TRUNK --realm R --username U (password prompted)", cred_set },
	{ "del", "trunk cred del TRUNK --realm R", cred_del },
	{ NULL, NULL, NULL },
};

static int trunk_cred(struct adm *a, int argc, char **argv)
{
	return adm_dispatch(a, "trunk cred", cred_subs, argc, argv);
}

static const struct adm_sub trunk_subs[] = {
	{ "add", "trunk add NAME --host H [--port N] [--transport tls|tcp|udp] [--prefix P] "
		 "[--profile P]", trunk_add },
	{ "set", "trunk set NAME [--host H] [--port N] [--transport T] [--prefix P] [--profile P]",
	  trunk_set },
	{ "del", "trunk del NAME", trunk_del },
	{ "list", "trunk list", trunk_list },
	{ "show", "trunk show NAME", trunk_show },
	{ "cred", "trunk cred set|del TRUNK --realm R ...", trunk_cred },
	{ NULL, NULL, NULL },
};

int adm_trunk(struct adm *a, int argc, char **argv)
{
	return adm_dispatch(a, "trunk", trunk_subs, argc - 1, argv + 1);
}
