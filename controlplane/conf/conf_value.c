/* SPDX-License-Identifier: BSD-3-Clause */
/* Values of the configuration keys: numbers, booleans, names, paths, lists. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"
#include "digest.h"
#include "srtp.h"

#define FIELD(p, k) ((char *)(p)->c + (k)->off)

/* Decimal digits only: no sign, no spaces, no hex. -1 not a number, -2 overflow. */
int conf_parse_uint(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (~0ull - 9) / 10)
			return -2;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

int conf_parse_ip(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 6;
	return 0;
}

static int set_string(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	size_t len = strlen(v);

	if (len >= k->size)
		return conf_bad(p, "longer than %zu bytes", k->size - 1);
	memcpy(FIELD(p, k), v, len + 1);
	return 0;
}

static bool host_chars(const char *v)
{
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		      (*v >= '0' && *v <= '9') || *v == '-' || *v == '.'))
			return false;
	return true;
}

/* RFC 1123 §2.1 host name: labels of letters, digits and '-', not at a label's ends. */
static bool is_hostname(const char *v)
{
	size_t label = 0;

	if (!*v || !host_chars(v))
		return false;
	for (const char *q = v; ; q++) {
		if (*q == '.' || *q == '\0') {
			if (label == 0 || label > 63 || q[-1] == '-')
				return false;
			if (*q == '\0')
				return true;
			label = 0;
		} else {
			if (label == 0 && *q == '-')
				return false;
			label++;
		}
	}
}

static int set_path(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	if (k->kind == K_PATH_OFF && (v[0] == '\0' || strcmp(v, "off") == 0)) {
		FIELD(p, k)[0] = '\0';
		return 0;
	}
	if (v[0] == '\0')
		return conf_bad(p, "empty; give a path or remove the line to use the default");
	if (k->kind == K_STATEDIR && v[0] != '/')
		return conf_bad(p, "'%s' is not an absolute path; write it starting with '/'", v);
	return set_string(p, k, v);
}

static int set_name(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	if (strlen(v) >= k->size)
		return conf_bad(p, "longer than %zu bytes", k->size - 1);
	switch (k->kind) {
	case K_NODENAME:
		if (!is_hostname(v))
			return conf_bad(p, "'%s' is not a host name (letters, digits, '-' and '.')", v);
		break;
	case K_USER:
		for (const char *q = v; *q; q++)
			if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			      (*q >= '0' && *q <= '9') || *q == '_' || *q == '-' || *q == '.') ||
			    (q == v && *q == '-'))
				return conf_bad(p, "'%s' is not a user name (letters, digits, '_', '-', '.'); \"\" keeps the children as root", v);
		break;
	case K_DOMAIN:
		if (!is_hostname(v))
			return conf_bad(p, "'%s' is not a domain name or IPv4 address", v);
		break;
	case K_REALM:
		/* Sent as a quoted-string in WWW-Authenticate (RFC 7616 §3.3). */
		if (!*v)
			return conf_bad(p, "empty; remove the line to use the domain");
		for (const char *q = v; *q; q++)
			if (*q == '"' || *q == '\\' || (unsigned char)*q < 0x20 ||
			    (unsigned char)*q > 0x7e)
				return conf_bad(p, "may contain printable ASCII except '\"' and '\\'");
		break;
	case K_CIPHERS:
		if (!*v)
			return conf_bad(p, "empty; an empty list would disable every cipher");
		for (const char *q = v; *q; q++)
			if ((unsigned char)*q <= 0x20 || (unsigned char)*q > 0x7e)
				return conf_bad(p, "'%s' is not an OpenSSL cipher list (names joined by ':', no spaces)", v);
		break;
	default:
		break;
	}
	return set_string(p, k, v);
}

/* advertised_host: stored in SIP "host" form (RFC 3261 §25.1): IPv6 in brackets. */
static int set_host(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	uint8_t a[16];
	char tmp[SL_CONF_PATH_MAX];
	size_t len = strlen(v);

	if (len > 2 && v[0] == '[' && v[len - 1] == ']' && len - 2 < sizeof(tmp)) {
		memcpy(tmp, v + 1, len - 2);
		tmp[len - 2] = '\0';
		if (conf_parse_ip(tmp, a) == 6)
			return set_string(p, k, v);
		return conf_bad(p, "'%s' is not an IPv6 address in brackets", v);
	}
	if (conf_parse_ip(v, a) == 6) {
		if (len + 3 > k->size)
			return conf_bad(p, "longer than %zu bytes", k->size - 3);
		snprintf(FIELD(p, k), k->size, "[%s]", v);
		return 0;
	}
	if (!is_hostname(v))
		return conf_bad(p, "'%s' is not a host name, IPv4 or IPv6 address", v);
	return set_string(p, k, v);
}

static int set_uint(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	unsigned long long n;
	int rc = conf_parse_uint(v, &n);

	if (rc == -1)
		return conf_bad(p, "'%s' is not a number; expected an integer %u..%u (%s)", v,
				k->min, k->max, k->unit);
	if (rc < 0 || n < k->min || n > k->max)
		return conf_bad(p, "%s is out of range %u..%u (%s)", v, k->min, k->max, k->unit);
	*(unsigned *)(void *)FIELD(p, k) = (unsigned)n;
	return 0;
}

/* RFC 3711 §3.3.2: at least 64; the data plane takes powers of two up to its maximum. */
static int set_replay(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	unsigned long long n;

	if (conf_parse_uint(v, &n) != 0 ||
	    (n != 0 && (n < 64 || n > SL_SRTP_MAX_WINDOW || (n & (n - 1)))))
		return conf_bad(p, "'%s' is not 0 (data plane default) or a power of two from 64 to %d (packets)",
				v, SL_SRTP_MAX_WINDOW);
	*(unsigned *)(void *)FIELD(p, k) = (unsigned)n;
	return 0;
}

static int set_bool(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	bool *b = (bool *)(void *)FIELD(p, k);

	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on"))
		*b = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off"))
		*b = false;
	else
		return conf_bad(p, "'%s' is not a boolean; use yes or no", v);
	return 0;
}

static int set_enum(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	static const char *const levels[] = { "err", "warn", "notice", "info", "debug" };

	switch (k->kind) {
	case K_LOGLEVEL:
		for (unsigned i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
			if (strcmp(v, levels[i]) == 0) {
				p->c->log_level = (enum sl_log_level)i;
				return 0;
			}
		}
		return conf_bad(p, "'%s' is not a log level; use err, warn, notice, info or debug", v);
	case K_CLUSTER:
		if (strcmp(v, "non-secure") == 0)
			p->c->cluster_mode = SL_CLUSTER_NONSECURE;
		else if (strcmp(v, "mixed") == 0)
			p->c->cluster_mode = SL_CLUSTER_MIXED;
		else
			return conf_bad(p, "'%s' is not a cluster security mode; use non-secure or mixed", v);
		return 0;
	case K_TLSVER:
		if (strcmp(v, "1.2") == 0)
			p->c->tls_min_version = 0x0303;
		else if (strcmp(v, "1.3") == 0)
			p->c->tls_min_version = 0x0304;
		else
			return conf_bad(p, "'%s' is not a TLS version; use 1.2 or 1.3", v);
		return 0;
	default:
		return conf_bad(p, "internal error: no parser for this key");
	}
}

/*
 * Comma-separated list item iterator: *s points into a writable copy; returns
 * the next trimmed item or NULL at the end. An empty item returns "".
 */
static char *next_item(char **s)
{
	char *item, *comma, *end;

	if (!*s)
		return NULL;
	item = *s;
	comma = strchr(item, ',');
	if (comma) {
		*comma = '\0';
		*s = comma + 1;
	} else {
		*s = NULL;
	}
	while (*item == ' ' || *item == '\t')
		item++;
	end = item + strlen(item);
	while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return item;
}

/* Digest algorithms (RFC 7616 §3.3 names; RFC 8760 §2 adds SHA-256 to SIP). */
static int set_algs(struct conf_parse *p, const char *v)
{
	char copy[CONF_LINE_MAX + 1];
	char *rest = copy, *item;
	unsigned mask = 0;

	snprintf(copy, sizeof(copy), "%s", v);
	if (!*v)
		return conf_bad(p, "empty; list SHA-256 and/or MD5");
	while ((item = next_item(&rest))) {
		unsigned bit;

		if (!*item)
			return conf_bad(p, "empty item in the list; separate names with ','");
		if (!strcasecmp(item, "SHA-256"))
			bit = SL_DIGEST_ALG_BIT(SL_DIGEST_SHA256);
		else if (!strcasecmp(item, "MD5"))
			bit = SL_DIGEST_ALG_BIT(SL_DIGEST_MD5);
		else
			return conf_bad(p, "'%s' is not supported; use SHA-256 and/or MD5", item);
		if (mask & bit)
			return conf_bad(p, "'%s' is listed twice", item);
		mask |= bit;
	}
	p->c->digest_algs = mask;
	return 0;
}

static bool suite_offerable(int s)
{
	switch (s) {
	case SL_SUITE_AEAD_AES_256_GCM:
	case SL_SUITE_AEAD_AES_128_GCM:
	case SL_SUITE_AES_CM_128_HMAC_SHA1_80:
	case SL_SUITE_AES_CM_128_HMAC_SHA1_32:
	case SL_SUITE_AES_256_CM_HMAC_SHA1_80:
	case SL_SUITE_AES_256_CM_HMAC_SHA1_32:
		return true;
	default:
		return false;
	}
}

/* SRTP crypto-suites in preference order (RFC 4568 §6.2, RFC 6188, RFC 7714 §14.2). */
static int set_suites(struct conf_parse *p, const char *v)
{
	char copy[CONF_LINE_MAX + 1];
	char *rest = copy, *item;
	int suites[SL_CONF_MAX_SUITES];
	unsigned n = 0;

	snprintf(copy, sizeof(copy), "%s", v);
	if (!*v)
		return conf_bad(p, "empty; list at least one SRTP suite");
	while ((item = next_item(&rest))) {
		int s;

		if (!*item)
			return conf_bad(p, "empty item in the list; separate names with ','");
		s = sl_srtp_suite_from_name(item, strlen(item));
		if (s >= 0 && !suite_offerable(s))
			return conf_bad(p, "'%s' is not allowed: it does not encrypt", item);
		if (s < 0)
			return conf_bad(p, "'%s' is not an SRTP suite; use AEAD_AES_256_GCM, AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80 or AES_256_CM_HMAC_SHA1_32",
					item);
		for (unsigned i = 0; i < n; i++)
			if (suites[i] == s)
				return conf_bad(p, "'%s' is listed twice", item);
		if (n == SL_CONF_MAX_SUITES)
			return conf_bad(p, "more than %d suites", SL_CONF_MAX_SUITES);
		suites[n++] = s;
	}
	memcpy(p->c->srtp_suites, suites, n * sizeof(suites[0]));
	p->c->n_srtp_suites = n;
	return 0;
}

/* "HOST:PORT" with a numeric IPv4 host, "[IPv6]:PORT", or "off". */
static int parse_listen(struct conf_parse *p, const char *v, struct sl_conf_sockaddr *out)
{
	char host[SL_CONF_PATH_MAX];
	const char *port;
	uint8_t a[16];
	unsigned long long n;
	size_t hlen;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			return conf_bad(p, "'%s' is not [IPv6]:PORT", v);
		hlen = (size_t)(close - v - 1);
		port = close + 2;
		if (hlen >= sizeof(out->host))
			return conf_bad(p, "'%s': address too long", v);
		memcpy(host, v + 1, hlen);
		host[hlen] = '\0';
		if (conf_parse_ip(host, a) != 6)
			return conf_bad(p, "'%s' is not an IPv6 address", host);
	} else {
		const char *colon = strrchr(v, ':');

		if (!colon)
			return conf_bad(p, "'%s' has no port; write HOST:PORT, [IPv6]:PORT or off", v);
		hlen = (size_t)(colon - v);
		if (hlen >= sizeof(out->host))
			return conf_bad(p, "'%s': address too long", v);
		memcpy(host, v, hlen);
		host[hlen] = '\0';
		port = colon + 1;
		if (strchr(host, ':'))
			return conf_bad(p, "'%s': write IPv6 addresses in brackets, [addr]:PORT", v);
		if (conf_parse_ip(host, a) != 4)
			return conf_bad(p, "'%s' is not a numeric IPv4 address (host names are not allowed)",
					host);
	}
	if (conf_parse_uint(port, &n) != 0 || n < 1 || n > 65535)
		return conf_bad(p, "'%s' is not a port 1..65535", port);
	/* Canonical text (inet_ntop), so one address has one spelling. */
	if (!inet_ntop(v[0] == '[' ? AF_INET6 : AF_INET, a, out->host, sizeof(out->host)))
		return conf_bad(p, "'%s': address too long", v);
	out->port = (uint16_t)n;
	return 0;
}

static int set_listen(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	unsigned t = k->min;	/* transport index */
	struct sl_conf_sockaddr *list = (struct sl_conf_sockaddr *)(void *)FIELD(p, k);
	unsigned *count = t == T_UDP ? &p->c->n_listen_udp :
			  t == T_TCP ? &p->c->n_listen_tcp : &p->c->n_listen_tls;
	struct sl_conf_sockaddr sa;

	if (strcmp(v, "off") == 0) {
		if (p->listen_n[t] || p->listen_off_line[t])
			return conf_bad(p, "'off' cannot be combined with other %s lines (line %u)",
					k->name, p->listen_off_line[t] ? p->listen_off_line[t] :
					p->listen_line[t][0]);
		p->listen_off_line[t] = p->line;
		*count = 0;
		return 0;
	}
	if (p->listen_off_line[t])
		return conf_bad(p, "%s is off (line %u); remove that line to listen here", k->name,
				p->listen_off_line[t]);
	if (p->listen_n[t] == SL_CONF_MAX_LISTEN)
		return conf_bad(p, "more than %d addresses; at most %d %s lines", SL_CONF_MAX_LISTEN,
				SL_CONF_MAX_LISTEN, k->name);
	if (parse_listen(p, v, &sa) < 0)
		return -1;
	for (unsigned i = 0; i < p->listen_n[t]; i++)
		if (list[i].port == sa.port && strcmp(list[i].host, sa.host) == 0)
			return conf_bad(p, "%s is already listed (line %u)", v, p->listen_line[t][i]);
	/* The first line replaces the default address. */
	p->listen_line[t][p->listen_n[t]] = p->line;
	list[p->listen_n[t]++] = sa;
	*count = p->listen_n[t];
	return 0;
}

/* [provisioning] listen_*: one address or off (port 0). */
static int set_addr1(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	struct sl_conf_sockaddr *sa = (struct sl_conf_sockaddr *)(void *)FIELD(p, k);

	if (strcmp(v, "off") == 0) {
		memset(sa, 0, sizeof(*sa));
		return 0;
	}
	return parse_listen(p, v, sa);
}

/*
 * A key reference: "pkcs11:..." (RFC 7512, checked in full when the ca
 * process opens it) or a file path; k->min = 1 allows "off".
 */
static int set_keyref(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	if (strcmp(v, "off") == 0) {
		if (k->min != 1)
			return conf_bad(p, "cannot be off (only sast2 can); give a key file or a pkcs11: URI, or remove the line for the default");
		memcpy(FIELD(p, k), "off", 4);
		return 0;
	}
	if (v[0] == '\0')
		return conf_bad(p, "empty; give a key file or a pkcs11: URI, or remove the line for the default");
	/* [keys] ca (min 2): the file CA stays in <state_dir>/ca; only a token
	 * moves it */
	if (k->min == 2 && strncmp(v, "pkcs11:", 7))
		return conf_bad(p, "'%s' is not a pkcs11: URI; the CA key is either the file "
				"<state_dir>/ca/ca.key (remove the line) or a key in a token", v);
	if (strncmp(v, "pkcs11:", 7) == 0) {
		for (const char *q = v; *q; q++)
			if ((unsigned char)*q <= 0x20 || (unsigned char)*q > 0x7e)
				return conf_bad(p, "a pkcs11: URI has no spaces or control characters (RFC 7512 §2.3: percent-encode them)");
	}
	return set_string(p, k, v);
}

static int set_hash(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	unsigned *h = (unsigned *)(void *)FIELD(p, k);

	/* spec §0: code 2 (SHA-256) is defined but phones and tools reject it. */
	if (strcmp(v, "sha1") == 0)
		*h = 1;
	else if (strcmp(v, "sha512") == 0)
		*h = 3;
	else
		return conf_bad(p, "'%s' is not a file signature hash; use sha1 or sha512 (phones do not accept sha256)", v);
	return 0;
}

static int set_signerver(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	unsigned *sv = (unsigned *)(void *)FIELD(p, k);

	/* spec §3.4: 1.1 is needed for EC LSCs and EC HTTPS provisioning. */
	if (strcmp(v, "1.0") == 0)
		*sv = 0x0100;
	else if (strcmp(v, "1.1") == 0)
		*sv = 0x0101;
	else
		return conf_bad(p, "'%s' is not a trust-list signer version; use 1.0 or 1.1", v);
	return 0;
}

static int set_pathlist(struct conf_parse *p, const char *v)
{
	char copy[CONF_LINE_MAX + 1], *rest = copy, *item;
	unsigned n = 0;

	snprintf(copy, sizeof(copy), "%s", v);
	while ((item = next_item(&rest)) != NULL) {
		if (!*item)
			return conf_bad(p, "empty item in the list; separate paths with single commas");
		if (n == SL_CONF_MAX_MIC_CA)
			return conf_bad(p, "more than %d paths", SL_CONF_MAX_MIC_CA);
		if (strlen(item) >= SL_CONF_PATH_MAX)
			return conf_bad(p, "'%s' is longer than %d bytes", item, SL_CONF_PATH_MAX - 1);
		snprintf(p->c->mic_ca[n++], SL_CONF_PATH_MAX, "%s", item);
	}
	p->c->n_mic_ca = n;
	return 0;
}

int conf_set_value(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	switch (k->kind) {
	case K_ADDR:
		return set_addr1(p, k, v);
	case K_KEYREF:
		return set_keyref(p, k, v);
	case K_HASH:
		return set_hash(p, k, v);
	case K_SIGNERVER:
		return set_signerver(p, k, v);
	case K_PATHLIST:
		return set_pathlist(p, v);
	case K_STATEDIR:
	case K_PATH:
	case K_PATH_OFF:
		return set_path(p, k, v);
	case K_NODENAME:
	case K_USER:
	case K_DOMAIN:
	case K_REALM:
	case K_CIPHERS:
		return set_name(p, k, v);
	case K_HOST:
		return set_host(p, k, v);
	case K_UINT:
		return set_uint(p, k, v);
	case K_REPLAY:
		return set_replay(p, k, v);
	case K_BOOL:
		return set_bool(p, k, v);
	case K_LOGLEVEL:
	case K_CLUSTER:
	case K_TLSVER:
		return set_enum(p, k, v);
	case K_LISTEN:
		return set_listen(p, k, v);
	case K_ALGS:
		return set_algs(p, v);
	case K_SUITES:
		return set_suites(p, v);
	case K_IFACE:
		return conf_set_iface(p, v);
	}
	return conf_bad(p, "internal error: unknown key kind");
}
