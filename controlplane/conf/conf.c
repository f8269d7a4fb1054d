/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockd configuration file: lines, sections and the key table. The
 * values are checked in conf_value.c / conf_iface.c, the whole file in
 * conf_finish.c. docs/shieldlockd-config.md describes every key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_int.h"

#define F(field) offsetof(struct sl_conf, field), sizeof(((struct sl_conf *)0)->field)
#define U(field) offsetof(struct sl_conf, field), sizeof(unsigned)

const struct conf_key conf_keys[] = {
	{ S_GENERAL, "state_dir", K_STATEDIR, F(state_dir), 0, 0, NULL },
	{ S_GENERAL, "log_level", K_LOGLEVEL, F(log_level), 0, 0, NULL },
	{ S_GENERAL, "cluster_security_mode", K_CLUSTER, F(cluster_mode), 0, 0, NULL },
	{ S_GENERAL, "auto_registration", K_BOOL, F(auto_registration), 0, 0, NULL },
	{ S_GENERAL, "node_name", K_NODENAME, F(node_name), 0, 0, NULL },
	{ S_GENERAL, "user", K_USER, F(user), 0, 0, NULL },

	{ S_STORE, "path", K_PATH, F(store_path), 0, 0, NULL },

	{ S_ADMIN, "socket", K_PATH, F(admin_socket), 0, 0, NULL },

	{ S_SIP, "listen_udp", K_LISTEN, F(listen_udp), T_UDP, 0, NULL },
	{ S_SIP, "listen_tcp", K_LISTEN, F(listen_tcp), T_TCP, 0, NULL },
	{ S_SIP, "listen_tls", K_LISTEN, F(listen_tls), T_TLS, 0, NULL },
	{ S_SIP, "domain", K_DOMAIN, F(domain), 0, 0, NULL },
	{ S_SIP, "advertised_host", K_HOST, F(advertised_host), 0, 0, NULL },
	{ S_SIP, "realm", K_REALM, F(realm), 0, 0, NULL },
	{ S_SIP, "nonce_lifetime", K_UINT, U(nonce_lifetime_min), 1, 1440, "minutes" },
	{ S_SIP, "digest_algorithms", K_ALGS, F(digest_algs), 0, 0, NULL },
	{ S_SIP, "auth_fail_threshold", K_UINT, U(auth_fail_threshold), 1, 1000, "failures" },
	{ S_SIP, "auth_fail_window", K_UINT, U(auth_fail_window_s), 1, 86400, "seconds" },
	{ S_SIP, "auth_fail_penalty", K_UINT, U(auth_fail_penalty_s), 1, 86400, "seconds" },
	{ S_SIP, "registration_min_expires", K_UINT, U(reg_min_expires), 1, 604800, "seconds" },
	{ S_SIP, "registration_max_expires", K_UINT, U(reg_max_expires), 1, 604800, "seconds" },
	{ S_SIP, "registration_default_expires", K_UINT, U(reg_default_expires), 1, 604800,
	  "seconds" },
	{ S_SIP, "max_connections", K_UINT, U(max_connections), 1, 1000000, "connections" },
	{ S_SIP, "tls_min_version", K_TLSVER, F(tls_min_version), 0, 0, NULL },
	{ S_SIP, "tls_ciphers", K_CIPHERS, F(tls_ciphers), 0, 0, NULL },
	{ S_SIP, "tls_ciphersuites", K_CIPHERS, F(tls_ciphersuites), 0, 0, NULL },
	{ S_SIP, "tls_cert", K_PATH, F(tls_cert), 0, 0, NULL },
	{ S_SIP, "tls_key", K_PATH, F(tls_key), 0, 0, NULL },
	{ S_SIP, "trust_store", K_PATH, F(trust_store), 0, 0, NULL },
	{ S_SIP, "tls_keylog", K_PATH_OFF, F(tls_keylog), 0, 0, NULL },
	{ S_SIP, "tls_require_client_cert", K_BOOL, F(tls_require_client_cert), 0, 0, NULL },
	/* RFC 3261 §17.1.1.1: T1 is an RTT estimate, 500 ms by default. */
	{ S_SIP, "timer_t1", K_UINT, U(timer_t1_ms), 10, 10000, "milliseconds" },
	{ S_SIP, "invite_timeout", K_UINT, U(invite_timeout_s), 1, 3600, "seconds" },

	{ S_MEDIA, "dp_socket", K_PATH_OFF, F(dp_socket), 0, 0, NULL },
	{ S_MEDIA, "srtp_suites", K_SUITES, F(srtp_suites), 0, 0, NULL },
	{ S_MEDIA, "allow_rtp_fallback", K_BOOL, F(allow_rtp_fallback), 0, 0, NULL },
	{ S_MEDIA, "inactivity_timeout", K_UINT, U(inactivity_timeout_s), 0, 86400, "seconds" },
	{ S_MEDIA, "replay_window", K_REPLAY, U(replay_window), 0, 0, NULL },
	{ S_MEDIA, "interface", K_IFACE, F(iface), 0, 0, NULL },

	{ S_PROV, "enabled", K_BOOL, F(prov_enabled), 0, 0, NULL },
	{ S_PROV, "dir", K_PATH, F(prov_dir), 0, 0, NULL },
	{ S_PROV, "listen_tftp", K_ADDR, F(prov_tftp), 0, 0, NULL },
	{ S_PROV, "listen_http", K_ADDR, F(prov_http), 0, 0, NULL },
	{ S_PROV, "listen_capf", K_ADDR, F(prov_capf), 0, 0, NULL },
	{ S_PROV, "user", K_USER, F(prov_user), 0, 0, NULL },
	{ S_PROV, "call_manager", K_HOST, F(call_manager), 0, 0, NULL },
	{ S_PROV, "capf_tls10", K_BOOL, F(capf_tls10), 0, 0, NULL },
	{ S_PROV, "capf_timeout", K_UINT, U(capf_timeout_s), 10, 3600, "seconds" },
	/* spec §1.9: the reference allows 1..3560 days. */
	{ S_PROV, "lsc_days", K_UINT, U(lsc_days), 1, 3560, "days" },
	{ S_PROV, "file_hash", K_HASH, U(file_hash), 0, 0, NULL },
	{ S_PROV, "signer_version", K_SIGNERVER, U(signer_version), 0, 0, NULL },
	{ S_PROV, "mic_ca", K_PATHLIST, F(mic_ca), 0, 0, NULL },

	{ S_KEYS, "ca", K_KEYREF, F(key_ca), 2, 0, NULL },
	{ S_KEYS, "sast1", K_KEYREF, F(key_sast1), 0, 0, NULL },
	{ S_KEYS, "sast1_cert", K_PATH, F(cert_sast1), 0, 0, NULL },
	{ S_KEYS, "sast2", K_KEYREF, F(key_sast2), 1, 0, NULL },
	{ S_KEYS, "sast2_cert", K_PATH, F(cert_sast2), 0, 0, NULL },
	{ S_KEYS, "tftp", K_KEYREF, F(key_tftp), 0, 0, NULL },
	{ S_KEYS, "tftp_cert", K_PATH, F(cert_tftp), 0, 0, NULL },
	{ S_KEYS, "capf", K_KEYREF, F(key_capf), 0, 0, NULL },
	{ S_KEYS, "capf_cert", K_PATH, F(cert_capf), 0, 0, NULL },
	{ S_KEYS, "sast_signer", K_UINT, U(sast_signer), 1, 2, "(SAST number)" },
};
const unsigned conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);

static const char *const sect_names[S__COUNT] = {
	[S_GENERAL] = "general", [S_STORE] = "store", [S_ADMIN] = "admin",
	[S_SIP] = "sip", [S_MEDIA] = "media", [S_PROV] = "provisioning", [S_KEYS] = "keys",
};

static const char *const level_names[] = {
	[SL_LOG_ERR] = "err", [SL_LOG_WARN] = "warn", [SL_LOG_NOTICE] = "notice",
	[SL_LOG_INFO] = "info", [SL_LOG_DEBUG] = "debug",
};

const char *sl_log_level_name(enum sl_log_level l)
{
	if ((unsigned)l >= sizeof(level_names) / sizeof(level_names[0]))
		return "?";
	return level_names[l];
}

const char *conf_sect_name(enum conf_sect s)
{
	return s >= 0 && s < S__COUNT ? sect_names[s] : "?";
}

unsigned conf_line_of(const struct conf_parse *p, const char *name)
{
	for (unsigned i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return p->key_line[i];
	return 0;
}

static int verr(struct conf_parse *p, unsigned line, const char *sect, const char *key,
		const char *fmt, va_list ap)
{
	int n;

	if (!p->err || p->errlen == 0)
		return -1;
	if (sect && key)
		n = snprintf(p->err, p->errlen, "%s:%u: [%s] %s: ", p->file, line, sect, key);
	else if (sect)
		n = snprintf(p->err, p->errlen, "%s:%u: [%s] ", p->file, line, sect);
	else
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	return -1;
}

int conf_err_at(struct conf_parse *p, unsigned line, const char *sect, const char *key,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(p, line, sect, key, fmt, ap);
	va_end(ap);
	return -1;
}

int conf_bad(struct conf_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(p, p->line, conf_sect_name(p->key->sect), p->key->name, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static char *skip_space(char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* True if the rest of the line is blank or a comment. */
static bool rest_is_blank(const char *s)
{
	while (is_space(*s))
		s++;
	return *s == '\0' || *s == '#';
}

static int parse_section(struct conf_parse *p, char *s)
{
	char *end = strchr(s, ']');
	char *name;
	size_t len;

	if (!end)
		return conf_err_at(p, p->line, NULL, NULL,
				   "section header without ']'; write it as [name]");
	if (!rest_is_blank(end + 1))
		return conf_err_at(p, p->line, NULL, NULL,
				   "unexpected text after the section header; put keys on their own lines");
	name = skip_space(s + 1);
	len = (size_t)(end - name);
	while (len > 0 && is_space(name[len - 1]))
		len--;
	name[len] = '\0';
	for (int i = 0; i < S__COUNT; i++) {
		if (strcmp(name, sect_names[i]) == 0) {
			p->sect = (enum conf_sect)i;
			return 0;
		}
	}
	return conf_err_at(p, p->line, NULL, NULL,
			   "unknown section [%s] (sections: general, store, admin, sip, media, provisioning, keys)", name);
}

static const struct conf_key *find_key(enum conf_sect sect, const char *name, unsigned *idx)
{
	for (unsigned i = 0; i < conf_nkeys; i++) {
		if ((sect == S_NONE || conf_keys[i].sect == sect) &&
		    strcmp(conf_keys[i].name, name) == 0) {
			if (idx)
				*idx = i;
			return &conf_keys[i];
		}
	}
	return NULL;
}

/*
 * The value: either "quoted" (no escapes; the quote ends it) or bare, ending
 * at a '#' that follows whitespace; surrounding whitespace is dropped.
 */
static int split_value(struct conf_parse *p, const char *sect, const char *key, char *s,
		       char **value)
{
	s = skip_space(s);
	if (*s == '"') {
		char *close = strchr(s + 1, '"');

		if (!close)
			return conf_err_at(p, p->line, sect, key,
					   "missing closing '\"' (quoted values cannot contain '\"')");
		if (!rest_is_blank(close + 1))
			return conf_err_at(p, p->line, sect, key,
					   "unexpected text after the closing '\"'");
		*close = '\0';
		*value = s + 1;
		return 0;
	}
	*value = s;
	for (char *q = s; *q; q++) {
		if (*q == '#' && (q == s || is_space(q[-1]))) {
			*q = '\0';
			break;
		}
	}
	size_t len = strlen(s);

	while (len > 0 && is_space(s[len - 1]))
		s[--len] = '\0';
	return 0;
}

static int parse_assignment(struct conf_parse *p, char *s)
{
	const struct conf_key *k;
	const char *sect;
	char *key = s, *value = NULL;
	unsigned idx = 0;
	bool upper = false;

	while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	       (*s >= '0' && *s <= '9') || *s == '_' || *s == '-') {
		if (*s >= 'A' && *s <= 'Z')
			upper = true;
		s++;
	}
	if (s == key || (!is_space(*s) && *s != '=')) {
		return conf_err_at(p, p->line, NULL, NULL,
				   "expected '[section]' or 'key = value' (keys are letters, digits and '_')");
	}
	char *after = skip_space(s);

	if (*after != '=') {
		*s = '\0';
		return conf_err_at(p, p->line, NULL, NULL,
				   "missing '=' after '%s'; write 'key = value'", key);
	}
	*s = '\0';
	if (p->sect == S_NONE) {
		k = find_key(S_NONE, key, NULL);
		if (!k)
			return conf_err_at(p, p->line, NULL, NULL,
					   "key '%s' comes before any section header; put keys under [general], [store], [admin], [sip] or [media]",
					   key);
		return conf_err_at(p, p->line, NULL, NULL,
				   "key '%s' comes before any section; put it under [%s]", key,
				   conf_sect_name(k->sect));
	}
	sect = conf_sect_name(p->sect);
	if (upper)
		return conf_err_at(p, p->line, sect, key, "keys are lowercase");
	k = find_key(p->sect, key, &idx);
	if (!k) {
		const struct conf_key *other = find_key(S_NONE, key, NULL);

		if (other)
			return conf_err_at(p, p->line, sect, key,
					   "unknown key in [%s]; it belongs in [%s]", sect,
					   conf_sect_name(other->sect));
		return conf_err_at(p, p->line, sect, key,
				   "unknown key (shieldlockd.conf.example lists the keys of [%s])",
				   sect);
	}
	if (k->kind != K_LISTEN && k->kind != K_IFACE && p->key_line[idx])
		return conf_err_at(p, p->line, sect, key,
				   "set twice (first on line %u); only listen_udp, listen_tcp, listen_tls and interface may repeat",
				   p->key_line[idx]);
	if (split_value(p, sect, key, after + 1, &value) < 0)
		return -1;
	p->key = k;
	if (conf_set_value(p, k, value) < 0)
		return -1;
	p->key_line[idx] = p->line;
	return 0;
}

static int parse_line(struct conf_parse *p, char *s)
{
	s = skip_space(s);
	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '[')
		return parse_section(p, s);
	return parse_assignment(p, s);
}

static void set_name(struct sl_conf *c, const char *name)
{
	size_t n = strlen(name);

	if (n >= sizeof(c->file))
		n = sizeof(c->file) - 1;
	memcpy(c->file, name, n);
	c->file[n] = '\0';
}

static int parse_text(const char *name, const char *text, size_t textlen, struct sl_conf *c,
		      char *err, size_t errlen)
{
	unsigned key_line[sizeof(conf_keys) / sizeof(conf_keys[0])] = { 0 };
	struct conf_parse p = {
		.c = c, .file = name, .err = err, .errlen = errlen, .sect = S_NONE,
		.key_line = key_line,
	};
	char line[CONF_LINE_MAX + 2];
	size_t pos = 0;

	if (err && errlen)
		err[0] = '\0';
	while (pos < textlen) {
		const char *nl = memchr(text + pos, '\n', textlen - pos);
		size_t len = nl ? (size_t)(nl - (text + pos)) : textlen - pos;

		p.line++;
		if (len > 0 && text[pos + len - 1] == '\r')
			len--;
		if (len > CONF_LINE_MAX)
			return conf_err_at(&p, p.line, NULL, NULL,
					   "line is longer than %d bytes; shorten it",
					   CONF_LINE_MAX);
		if (memchr(text + pos, '\0', len))
			return conf_err_at(&p, p.line, NULL, NULL,
					   "contains a NUL byte; is this a text file?");
		memcpy(line, text + pos, len);
		line[len] = '\0';
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)line[i];

			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return conf_err_at(&p, p.line, NULL, NULL,
						   "control character 0x%02x in the line; remove it", ch);
		}
		if (parse_line(&p, line) < 0)
			return -1;
		pos += (nl ? (size_t)(nl - (text + pos)) + 1 : textlen - pos);
	}
	return conf_finish(&p);
}

int sl_conf_load_string(const char *name, const char *text, struct sl_conf *c,
			char *err, size_t errlen)
{
	if (!c)
		return -1;
	sl_conf_defaults(c);
	if (!name)
		name = "(string)";
	set_name(c, name);
	if (!text) {
		if (err && errlen)
			snprintf(err, errlen, "%s:0: no configuration text", name);
		return -1;
	}
	return parse_text(name, text, strlen(text), c, err, errlen);
}

static int read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s:0: not a regular file; give the path of the configuration file",
			 path);
		goto err_fd;
	}
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errlen, "%s:0: writable by every user (mode %04o); run chmod o-w on it",
			 path, (unsigned)(st.st_mode & 07777));
		goto err_fd;
	}
	if (st.st_size > CONF_FILE_MAX) {
		snprintf(err, errlen, "%s:0: larger than %d bytes; is this the configuration file?",
			 path, CONF_FILE_MAX);
		goto err_fd;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s:0: out of memory", path);
		goto err_fd;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s:0: read failed: %s", path, strerror(errno));
			goto err_buf;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	*out = buf;
	*outlen = got;
	return 0;

err_buf:
	free(buf);
err_fd:
	close(fd);
	return -1;
}

int sl_conf_load(const char *path, struct sl_conf *c, char *err, size_t errlen)
{
	char dummy[1];
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (!c || !path) {
		snprintf(err, errlen, "(null):0: no configuration path");
		return -1;
	}
	sl_conf_defaults(c);
	if (strlen(path) >= sizeof(c->file)) {
		snprintf(err, errlen, "%.64s...:0: path is longer than %zu bytes", path,
			 sizeof(c->file) - 1);
		return -1;
	}
	set_name(c, path);
	if (read_file(path, &text, &len, err, errlen) < 0)
		return -1;
	rc = parse_text(path, text, len, c, err, errlen);
	free(text);
	return rc;
}
