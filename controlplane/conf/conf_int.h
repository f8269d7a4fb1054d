/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the configuration parser, shared by conf.c (lines, sections,
 * key table), conf_value.c (values), conf_iface.c (interface lines) and
 * conf_finish.c (defaults and whole-file checks). Not installed.
 */
#ifndef SL_CONF_INT_H
#define SL_CONF_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

#define CONF_LINE_MAX	1024	/* bytes per line, without the newline */
#define CONF_FILE_MAX	(1024 * 1024)
#define CONF_DP_PORTS	16	/* SL_DP_MAX_PORTS in dataplane/ctl/dp_proto.h */
#define CONF_SUN_PATH	108	/* sizeof(sockaddr_un.sun_path) on Linux */

enum conf_sect { S_NONE = -1, S_GENERAL = 0, S_STORE, S_ADMIN, S_SIP, S_MEDIA, S_PROV, S_KEYS,
		 S__COUNT };

enum conf_kind {
	K_STATEDIR,	/* absolute path */
	K_PATH,		/* absolute, or relative to state_dir */
	K_PATH_OFF,	/* as K_PATH; "" or "off" = disabled */
	K_NODENAME,	/* host-name characters */
	K_USER,		/* system user name or "" */
	K_DOMAIN,	/* host name or IPv4 literal */
	K_HOST,		/* host name, IPv4 or IPv6 literal */
	K_REALM,	/* printable, no quote or backslash */
	K_CIPHERS,	/* OpenSSL cipher list */
	K_UINT,		/* min..max, unit */
	K_BOOL,
	K_LOGLEVEL,
	K_CLUSTER,
	K_TLSVER,
	K_LISTEN,	/* repeatable; min = transport index */
	K_ALGS,
	K_SUITES,
	K_IFACE,	/* repeatable */
	K_REPLAY,	/* 0 or a power of two 64..32768 */
	K_ADDR,		/* one "HOST:PORT" or "off" (port 0) */
	K_KEYREF,	/* key file path (as K_PATH) or pkcs11: URI; "off" for optional keys */
	K_HASH,		/* sha1 | sha512 */
	K_SIGNERVER,	/* 1.0 | 1.1 */
	K_PATHLIST,	/* comma-separated paths (mic_ca) */
};

struct conf_key {
	enum conf_sect sect;
	const char *name;
	enum conf_kind kind;
	size_t off;		/* offsetof(struct sl_conf, field) */
	size_t size;		/* sizeof the field (strings) */
	unsigned min, max;	/* K_UINT range */
	const char *unit;	/* K_UINT unit, for messages */
};

enum { T_UDP = 0, T_TCP, T_TLS, T__COUNT };

struct conf_parse {
	struct sl_conf *c;
	const char *file;
	char *err;
	size_t errlen;
	unsigned line;
	enum conf_sect sect;
	const struct conf_key *key;	/* key of the current line */
	unsigned *key_line;		/* per key table index: line set, 0 = default */
	unsigned listen_n[T__COUNT];	/* addresses given in the file */
	unsigned listen_off_line[T__COUNT];
	unsigned listen_line[T__COUNT][SL_CONF_MAX_LISTEN];
	unsigned iface_line[SL_CONF_MAX_IFACES];
};

extern const struct conf_key conf_keys[];
extern const unsigned conf_nkeys;

const char *conf_sect_name(enum conf_sect s);
/* Line where key name was set (0 = default). */
unsigned conf_line_of(const struct conf_parse *p, const char *name);

/* "file:line: [sect] key: reason" into p->err; returns -1. sect/key may be NULL. */
int conf_err_at(struct conf_parse *p, unsigned line, const char *sect, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Same for the current line and key. */
int conf_bad(struct conf_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* conf_value.c */
int conf_set_value(struct conf_parse *p, const struct conf_key *k, const char *v);
int conf_parse_uint(const char *s, unsigned long long *out);
int conf_parse_ip(const char *s, uint8_t out[16]);	/* 4, 6 or 0 */

/* conf_iface.c */
int conf_set_iface(struct conf_parse *p, const char *v);

/* conf_finish.c */
int conf_finish(struct conf_parse *p);

#endif
