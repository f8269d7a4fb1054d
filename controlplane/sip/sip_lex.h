/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Character classes and small scanners shared by the SIP parser files
 * (RFC 3261 §25.1). Internal: not installed, not used outside sip/.
 */
#ifndef SL_SIP_LEX_H
#define SL_SIP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip.h"

static inline bool lx_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool lx_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool lx_alnum(int c)
{
	return lx_alpha(c) || lx_digit(c);
}

static inline bool lx_hex(int c)
{
	return lx_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline bool lx_ws(int c)
{
	return c == ' ' || c == '\t';
}

/* token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
bool lx_token_char(int c);
/* unreserved = alphanum / mark (- _ . ! ~ * ' ( )) */
bool lx_unreserved(int c);

static inline const char *lx_skip_ws(const char *p, const char *end)
{
	while (p < end && lx_ws(*p))
		p++;
	return p;
}

/* Scans a token; returns its end (== p when there is none). */
const char *lx_token(const char *p, const char *end);

/*
 * Scans a quoted-string starting at the '"' at p (RFC 3261 §25.1: qdtext and
 * quoted-pair). Returns the position after the closing quote, NULL when it
 * is not terminated or a quoted-pair escapes CR/LF.
 */
const char *lx_quoted(const char *p, const char *end);

/* Decimal digits into *v; NULL when none or above max. */
const char *lx_uint(const char *p, const char *end, uint64_t max, uint64_t *v);

static inline struct sl_sip_str lx_str(const char *a, const char *b)
{
	struct sl_sip_str s = { a, (size_t)(b - a) };

	return s;
}

/* The trimmed slice [a, b). */
struct sl_sip_str lx_trim(const char *a, const char *b);

/*
 * Generic parameters: *( SWS ";" SWS name [ SWS "=" SWS value ] ), value a
 * token, a host (IPv6 reference) or a quoted-string. Calls back for each;
 * stops before ',' or the end. Returns the stop position or NULL on a
 * malformed parameter (e.g. an empty name, RFC 4475 §3.1.2.1).
 */
struct lx_param {
	struct sl_sip_str name, value;
	bool has_value;
};
const char *lx_params(const char *p, const char *end, bool (*cb)(void *,
    const struct lx_param *), void *arg);

/* name-addr / addr-spec followed by parameters; returns NULL when malformed. */
const char *sip_parse_addr(const char *p, const char *end, bool need_angle,
    struct sl_sip_addr *a);
/* One via-parm; returns NULL when malformed. */
const char *sip_parse_via(const char *p, const char *end, struct sl_sip_via *v);
/* Checks a host (hostname, IPv4address, IPv6reference). */
bool sip_host_ok(struct sl_sip_str h);

#endif /* SL_SIP_LEX_H */
