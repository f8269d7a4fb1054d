/* SPDX-License-Identifier: BSD-3-Clause */
/* Defaults, and the checks and derived values that need the whole file. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf_int.h"
#include "digest.h"
#include "srtp.h"

#define DEFAULT_STATE_DIR	"/var/lib/shieldlock"
#define DEFAULT_ADMIN_SOCKET	"/run/shieldlock/shieldlockd.sock"
#define DEFAULT_DP_SOCKET	"/run/shieldlock/dp.sock"
/* TLS 1.2: forward-secret AEAD suites only. */
#define DEFAULT_TLS_CIPHERS \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
/* TLS 1.3: OpenSSL's default list, written out. */
#define DEFAULT_TLS_CIPHERSUITES \
	"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

static void set_addr(struct sl_conf_sockaddr *sa, const char *host, uint16_t port)
{
	copy_str(sa->host, sizeof(sa->host), host);
	sa->port = port;
}

static void default_node_name(char *out, size_t size)
{
	char host[256];
	bool ok = gethostname(host, sizeof(host)) == 0;

	host[sizeof(host) - 1] = '\0';
	/* Letters, digits, '-' and '.' only, and it must fit. */
	if (ok && (host[0] == '\0' || strlen(host) >= size))
		ok = false;
	for (const char *q = host; ok && *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '-' || *q == '.'))
			ok = false;
	copy_str(out, size, ok ? host : "shieldlock");
}

void sl_conf_defaults(struct sl_conf *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	copy_str(c->state_dir, sizeof(c->state_dir), DEFAULT_STATE_DIR);
	c->log_level = SL_LOG_INFO;
	c->cluster_mode = SL_CLUSTER_MIXED;
	c->auto_registration = false;
	default_node_name(c->node_name, sizeof(c->node_name));
	copy_str(c->admin_socket, sizeof(c->admin_socket), DEFAULT_ADMIN_SOCKET);

	set_addr(&c->listen_udp[0], "0.0.0.0", 5060);
	c->n_listen_udp = 1;
	set_addr(&c->listen_tcp[0], "0.0.0.0", 5060);
	c->n_listen_tcp = 1;
	set_addr(&c->listen_tls[0], "0.0.0.0", 5061);
	c->n_listen_tls = 1;
	c->nonce_lifetime_min = 5;
	c->digest_algs = SL_DIGEST_ALG_BIT(SL_DIGEST_SHA256) | SL_DIGEST_ALG_BIT(SL_DIGEST_MD5);
	c->auth_fail_threshold = 5;
	c->auth_fail_window_s = 60;
	c->auth_fail_penalty_s = 300;
	c->reg_min_expires = 60;
	c->reg_max_expires = 3600;
	c->reg_default_expires = 600;
	c->max_connections = 10000;
	c->tls_min_version = 0x0303;
	copy_str(c->tls_ciphers, sizeof(c->tls_ciphers), DEFAULT_TLS_CIPHERS);
	copy_str(c->tls_ciphersuites, sizeof(c->tls_ciphersuites), DEFAULT_TLS_CIPHERSUITES);
	c->timer_t1_ms = 500;
	c->invite_timeout_s = 60;

	copy_str(c->dp_socket, sizeof(c->dp_socket), DEFAULT_DP_SOCKET);
	c->srtp_suites[0] = SL_SUITE_AEAD_AES_256_GCM;
	c->srtp_suites[1] = SL_SUITE_AEAD_AES_128_GCM;
	c->srtp_suites[2] = SL_SUITE_AES_CM_128_HMAC_SHA1_80;
	c->srtp_suites[3] = SL_SUITE_AES_CM_128_HMAC_SHA1_32;
	c->n_srtp_suites = 4;
	c->allow_rtp_fallback = true;
	c->inactivity_timeout_s = 60;
	c->replay_window = 0;

	c->prov_enabled = true;
	set_addr(&c->prov_tftp, "0.0.0.0", 69);
	set_addr(&c->prov_http, "0.0.0.0", 6970);
	set_addr(&c->prov_capf, "0.0.0.0", 3804);
	copy_str(c->prov_user, sizeof(c->prov_user), "nobody");
	c->capf_timeout_s = 120;
	c->lsc_days = 365;
	c->file_hash = 1;
	c->signer_version = 0x0101;
	c->sast_signer = 1;
	/* store path, TLS files, trust store: derived from state_dir in conf_finish. */
}

static unsigned max3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a > b ? a : b;

	return m > c ? m : c;
}

static void fmt_addr(char *out, size_t size, const struct sl_conf_sockaddr *sa)
{
	if (strchr(sa->host, ':'))
		snprintf(out, size, "[%s]:%u", sa->host, sa->port);
	else
		snprintf(out, size, "%s:%u", sa->host, sa->port);
}

static int check_listeners(struct conf_parse *p)
{
	const struct sl_conf *c = p->c;

	if (!c->n_listen_udp && !c->n_listen_tcp && !c->n_listen_tls)
		return conf_err_at(p, max3(p->listen_off_line[T_UDP], p->listen_off_line[T_TCP],
					   p->listen_off_line[T_TLS]), "sip", NULL,
				   "listen_udp, listen_tcp and listen_tls are all off; enable at least one");
	/* TCP and TLS both bind TCP sockets: the same address:port cannot serve both. */
	for (unsigned i = 0; i < c->n_listen_tcp; i++) {
		for (unsigned j = 0; j < c->n_listen_tls; j++) {
			const struct sl_conf_sockaddr *a = &c->listen_tcp[i], *b = &c->listen_tls[j];
			bool a_any = !strcmp(a->host, "0.0.0.0") || !strcmp(a->host, "::");
			bool b_any = !strcmp(b->host, "0.0.0.0") || !strcmp(b->host, "::");
			bool a6 = strchr(a->host, ':') != NULL, b6 = strchr(b->host, ':') != NULL;

			if (a->port != b->port || a6 != b6)
				continue;
			if (!a_any && !b_any && strcmp(a->host, b->host) != 0)
				continue;
			unsigned ltcp = p->listen_line[T_TCP][i], ltls = p->listen_line[T_TLS][j];
			char sa[80], sb[80];

			fmt_addr(sa, sizeof(sa), a);
			fmt_addr(sb, sizeof(sb), b);
			if (ltls >= ltcp)
				return conf_err_at(p, ltls, "sip", "listen_tls",
						   "%s is also used by listen_tcp (%s); TCP and TLS need different ports",
						   sb, sa);
			return conf_err_at(p, ltcp, "sip", "listen_tcp",
					   "%s is also used by listen_tls (%s); TCP and TLS need different ports",
					   sa, sb);
		}
	}
	return 0;
}

static int check_expires(struct conf_parse *p)
{
	const struct sl_conf *c = p->c;
	unsigned lmin = conf_line_of(p, "registration_min_expires");
	unsigned lmax = conf_line_of(p, "registration_max_expires");
	unsigned ldef = conf_line_of(p, "registration_default_expires");

	/* RFC 3261 §10.3 steps 7-8: 423 below the minimum, shortened above the maximum. */
	if (c->reg_min_expires > c->reg_max_expires)
		return conf_err_at(p, lmin > lmax ? lmin : lmax, "sip",
				   lmin > lmax ? "registration_min_expires" : "registration_max_expires",
				   "registration_min_expires (%u) is greater than registration_max_expires (%u)",
				   c->reg_min_expires, c->reg_max_expires);
	if (c->reg_default_expires < c->reg_min_expires ||
	    c->reg_default_expires > c->reg_max_expires)
		return conf_err_at(p, max3(lmin, lmax, ldef), "sip", "registration_default_expires",
				   "%u is outside registration_min_expires..registration_max_expires (%u..%u)",
				   c->reg_default_expires, c->reg_min_expires, c->reg_max_expires);
	return 0;
}

/* Relative paths are taken relative to state_dir; unset ones get their default. */
static int resolve_path(struct conf_parse *p, const char *sect, const char *key, char *path,
			const char *def)
{
	char out[SL_CONF_PATH_MAX];
	const char *rel = path[0] ? path : def;
	int n;

	if (path[0] == '/')
		return 0;
	n = snprintf(out, sizeof(out), "%s%s%s", p->c->state_dir,
		     strcmp(p->c->state_dir, "/") == 0 ? "" : "/", rel);
	if (n < 0 || (size_t)n >= sizeof(out))
		return conf_err_at(p, conf_line_of(p, key), sect, key,
				   "%s/%s is longer than %zu bytes; shorten state_dir or give an absolute path",
				   p->c->state_dir, rel, sizeof(out) - 1);
	memcpy(path, out, (size_t)n + 1);
	return 0;
}

/* A key: a pkcs11: URI stays as it is, "off" too; a path is resolved. */
static int resolve_keyref(struct conf_parse *p, const char *key, char *ref, const char *def)
{
	char path[SL_CONF_PATH_MAX];

	if (!strncmp(ref, "pkcs11:", 7) || !strcmp(ref, "off"))
		return 0;
	if (strlen(ref) >= sizeof(path))
		return conf_err_at(p, conf_line_of(p, key), "keys", key,
				   "a key file path is at most %zu bytes", sizeof(path) - 1);
	snprintf(path, sizeof(path), "%s", ref);
	if (resolve_path(p, "keys", key, path, def) < 0)
		return -1;
	snprintf(ref, SL_CONF_KEYREF_MAX, "%s", path);
	return 0;
}

static int check_socket(struct conf_parse *p, const char *sect, const char *key,
			const char *path)
{
	if (strlen(path) >= CONF_SUN_PATH)
		return conf_err_at(p, conf_line_of(p, key), sect, key,
				   "%s is longer than %d bytes, the limit of a Unix socket path",
				   path, CONF_SUN_PATH - 1);
	return 0;
}

static int resolve_paths(struct conf_parse *p)
{
	struct sl_conf *c = p->c;
	size_t sl = strlen(c->state_dir);

	while (sl > 1 && c->state_dir[sl - 1] == '/')
		c->state_dir[--sl] = '\0';
	if (resolve_path(p, "store", "path", c->store_path, "shieldlock.db") < 0 ||
	    resolve_path(p, "admin", "socket", c->admin_socket, "") < 0 ||
	    resolve_path(p, "sip", "tls_cert", c->tls_cert, "certs/node.pem") < 0 ||
	    resolve_path(p, "sip", "tls_key", c->tls_key, "private/node.key") < 0 ||
	    resolve_path(p, "sip", "trust_store", c->trust_store, "trust") < 0)
		return -1;
	if (resolve_path(p, "provisioning", "dir", c->prov_dir, "tftp") < 0 ||
	    resolve_path(p, "keys", "sast1_cert", c->cert_sast1, "certs/sast1.pem") < 0 ||
	    resolve_path(p, "keys", "sast2_cert", c->cert_sast2, "certs/sast2.pem") < 0 ||
	    resolve_path(p, "keys", "tftp_cert", c->cert_tftp, "certs/tftp.pem") < 0 ||
	    resolve_path(p, "keys", "capf_cert", c->cert_capf, "certs/capf.pem") < 0 ||
	    resolve_keyref(p, "sast1", c->key_sast1, "private/sast1.key") < 0 ||
	    resolve_keyref(p, "sast2", c->key_sast2, "private/sast2.key") < 0 ||
	    resolve_keyref(p, "tftp", c->key_tftp, "private/tftp.key") < 0 ||
	    resolve_keyref(p, "capf", c->key_capf, "private/capf.key") < 0)
		return -1;
	for (unsigned i = 0; i < c->n_mic_ca; i++)
		if (resolve_path(p, "provisioning", "mic_ca", c->mic_ca[i], "") < 0)
			return -1;
	if (c->tls_keylog[0] && resolve_path(p, "sip", "tls_keylog", c->tls_keylog, "") < 0)
		return -1;
	if (c->dp_socket[0] && resolve_path(p, "media", "dp_socket", c->dp_socket, "") < 0)
		return -1;
	if (check_socket(p, "admin", "socket", c->admin_socket) < 0)
		return -1;
	if (c->dp_socket[0] && check_socket(p, "media", "dp_socket", c->dp_socket) < 0)
		return -1;
	return 0;
}

static bool is_wildcard(const char *host)
{
	return !strcmp(host, "0.0.0.0") || !strcmp(host, "::");
}

/* First non-wildcard listen address (TLS, then TCP, then UDP), in SIP host form. */
static void default_advertised(struct sl_conf *c)
{
	const struct sl_conf_sockaddr *lists[3] = { c->listen_tls, c->listen_tcp, c->listen_udp };
	const unsigned counts[3] = { c->n_listen_tls, c->n_listen_tcp, c->n_listen_udp };

	for (int t = 0; t < 3; t++) {
		for (unsigned i = 0; i < counts[t]; i++) {
			const char *h = lists[t][i].host;

			if (is_wildcard(h))
				continue;
			if (strchr(h, ':'))
				snprintf(c->advertised_host, sizeof(c->advertised_host), "[%s]", h);
			else
				copy_str(c->advertised_host, sizeof(c->advertised_host), h);
			return;
		}
	}
	/* Only wildcards: left empty, the daemon uses the socket's local address. */
}

int conf_finish(struct conf_parse *p)
{
	struct sl_conf *c = p->c;

	if (check_listeners(p) < 0 || check_expires(p) < 0)
		return -1;
	/* Issue 4: auto-registration is refused whenever secure mode is on. */
	if (c->auto_registration && c->cluster_mode == SL_CLUSTER_MIXED)
		return conf_err_at(p, conf_line_of(p, "auto_registration"), "general",
				   "auto_registration",
				   "yes is refused while cluster_security_mode is mixed (secure mode on); set it to no, or cluster_security_mode = non-secure");
	if (c->dp_socket[0] && c->n_iface == 0)
		return conf_err_at(p, conf_line_of(p, "dp_socket"), "media", NULL,
				   "no interface line: media needs at least one interface while dp_socket is set (or set dp_socket = off)");
	if (!c->domain[0])
		copy_str(c->domain, sizeof(c->domain), c->node_name);
	if (!c->realm[0])
		copy_str(c->realm, sizeof(c->realm), c->domain);
	if (!c->advertised_host[0])
		default_advertised(c);
	if (!c->call_manager[0])
		copy_str(c->call_manager, sizeof(c->call_manager),
			 c->advertised_host[0] ? c->advertised_host : c->node_name);
	if (c->prov_enabled && c->sast_signer == 2 && !strcmp(c->key_sast2, "off"))
		return conf_err_at(p, conf_line_of(p, "sast_signer"), "keys", "sast_signer",
				   "2 names SAST 2, but sast2 = off; set sast_signer = 1 or configure sast2");
	return resolve_paths(p);
}
