/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): HA1 and
 * response computation, Authorization credential parsing, challenge
 * formatting, stateless nonces, nonce-count replay table and a failure rate
 * limiter. No global state; every rejection writes a message into err that
 * never contains a password, an HA1 or a nonce key. See docs/digest.md.
 */
#ifndef SL_DIGEST_H
#define SL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sl_digest_alg {
	SL_DIGEST_MD5 = 0,
	SL_DIGEST_SHA256 = 1,
	SL_DIGEST_ALG_UNSUPPORTED = 2,	/* parsed but not implemented */
};

/* Bit masks of algorithms to challenge with. */
#define SL_DIGEST_ALG_BIT(a)	(1u << (a))

#define SL_DIGEST_MAX_HASH	32	/* SHA-256 */
#define SL_DIGEST_MAX_HEX	64

/* Length limits of credential parameters (bytes, after unquoting). */
#define SL_DIGEST_MAX_USER	128
#define SL_DIGEST_MAX_REALM	128
#define SL_DIGEST_MAX_NONCE	128
#define SL_DIGEST_MAX_URI	512
#define SL_DIGEST_MAX_CNONCE	128
#define SL_DIGEST_MAX_OPAQUE	128
#define SL_DIGEST_MAX_ALGNAME	32
#define SL_DIGEST_MAX_VALUE	2048	/* whole header value */
#define SL_DIGEST_MAX_PARAMS	32

enum sl_digest_status {
	SL_DIGEST_OK = 0,
	SL_DIGEST_STALE,		/* nonce ours but expired: challenge stale=true */
	SL_DIGEST_REPLAY,		/* nonce-count already used */
	SL_DIGEST_BAD_RESPONSE,		/* wrong password (or wrong HA1) */
	SL_DIGEST_BAD_NONCE,		/* not a nonce we issued for this realm */
	SL_DIGEST_BAD_REALM,
	SL_DIGEST_BAD_URI,		/* uri differs from the Request-URI */
	SL_DIGEST_UNSUPPORTED_ALGORITHM,
	SL_DIGEST_ERROR,		/* bad arguments or a crypto library failure */
};

const char *sl_digest_status_name(enum sl_digest_status st);
const char *sl_digest_alg_name(enum sl_digest_alg alg);
/* Digest length in bytes (16 or 32), 0 for an unsupported algorithm. */
size_t sl_digest_alg_len(enum sl_digest_alg alg);

/*
 * HA1 = H(username ":" realm ":" password) (RFC 7616 §3.4.2), binary, length
 * sl_digest_alg_len(alg). Returns 0 or -EINVAL / -EIO.
 */
int sl_digest_ha1(enum sl_digest_alg alg, const char *username,
		  const char *realm, const char *password, uint8_t *ha1,
		  char *err, size_t errlen);

/*
 * response = H(hex(HA1) ":" nonce ":" nc ":" cnonce ":" "auth" ":" hex(HA2)),
 * HA2 = H(method ":" uri) (RFC 7616 §3.4.1, §3.4.3; qop=auth only). nc is
 * printed as 8 lowercase hex digits. out_hex gets 2*len+1 bytes.
 */
int sl_digest_response(enum sl_digest_alg alg, const uint8_t *ha1,
		       const char *method, const char *uri, const char *nonce,
		       uint32_t nc, const char *cnonce,
		       char out_hex[SL_DIGEST_MAX_HEX + 1]);

/* Parsed Authorization / Proxy-Authorization credentials. */
struct sl_digest_creds {
	char username[SL_DIGEST_MAX_USER + 1];
	char realm[SL_DIGEST_MAX_REALM + 1];
	char nonce[SL_DIGEST_MAX_NONCE + 1];
	char uri[SL_DIGEST_MAX_URI + 1];
	char response[SL_DIGEST_MAX_HEX + 1];	/* lowercase hex */
	char cnonce[SL_DIGEST_MAX_CNONCE + 1];
	char opaque[SL_DIGEST_MAX_OPAQUE + 1];
	char algname[SL_DIGEST_MAX_ALGNAME + 1];	/* as sent, or "MD5" */
	enum sl_digest_alg alg;
	uint32_t nc;
	bool has_opaque;
};

/*
 * Parses `Digest k=v, k="v", ...`. Requires username, realm, nonce, uri,
 * response, qop=auth, cnonce and nc; refuses duplicates, userhash=true,
 * username*, over-long values and malformed syntax; ignores unknown
 * parameters. Returns 0 or -EINVAL with a message in err.
 */
int sl_digest_parse_creds(const char *value, size_t len,
			  struct sl_digest_creds *c, char *err, size_t errlen);

/* ---- challenges ---- */

/*
 * Algorithms of a mask in the order they must be offered: SHA-256 first,
 * then MD5 (RFC 8760 §2.4). Returns how many were written to out[2].
 */
size_t sl_digest_challenge_algs(unsigned mask, enum sl_digest_alg out[2]);

/*
 * One WWW-Authenticate / Proxy-Authenticate value (one challenge per header
 * field, RFC 3261 §20.44): Digest realm="..", qop="auth", nonce="..",
 * [opaque=".."], algorithm=.., [stale=true]. opaque may be NULL.
 * Returns the length written or -EINVAL / -ENOSPC.
 */
int sl_digest_challenge_format(char *out, size_t outlen,
			       enum sl_digest_alg alg, const char *realm,
			       const char *nonce, const char *opaque,
			       bool stale, char *err, size_t errlen);

/* ---- stateless nonces ---- */

#define SL_DIGEST_NONCE_LEN	43	/* base64url of 32 bytes, unpadded */
#define SL_DIGEST_NONCE_KEY_MIN	16
#define SL_DIGEST_NONCE_KEY_MAX	64

struct sl_digest_nonce_key;

enum sl_digest_nonce_status {
	SL_NONCE_OK = 0,
	SL_NONCE_STALE,
	SL_NONCE_INVALID,
};

/* Copies key; lifetime_min in [1, 1440]. NULL on error (message in err). */
struct sl_digest_nonce_key *sl_digest_nonce_key_new(const uint8_t *key,
						    size_t keylen,
						    unsigned lifetime_min,
						    char *err, size_t errlen);
/* Wipes and frees; NULL is fine. */
void sl_digest_nonce_key_free(struct sl_digest_nonce_key *k);

/* New nonce for realm at time now (Unix seconds), salt from RAND_bytes. */
int sl_digest_nonce_make(const struct sl_digest_nonce_key *k,
			 const char *realm, uint64_t now,
			 char out[SL_DIGEST_NONCE_LEN + 1]);
/* Same with a given 8-byte salt (tests, reproducible vectors). */
int sl_digest_nonce_make_salt(const struct sl_digest_nonce_key *k,
			      const char *realm, uint64_t now,
			      const uint8_t salt[8],
			      char out[SL_DIGEST_NONCE_LEN + 1]);
/* Checks MAC (constant time) and age; *issued gets the nonce's timestamp. */
enum sl_digest_nonce_status sl_digest_nonce_check(
	const struct sl_digest_nonce_key *k, const char *nonce,
	const char *realm, uint64_t now, uint64_t *issued);

/* ---- nonce-count replay table ---- */

struct sl_digest_nctab;

enum sl_digest_nc_status {
	SL_NC_OK = 0,
	SL_NC_REPLAY,
	SL_NC_STALE,	/* unknown nonce that may have been evicted */
};

#define SL_DIGEST_NC_WINDOW	64

/* capacity in [16, 1<<22] entries. */
struct sl_digest_nctab *sl_digest_nctab_new(unsigned capacity, char *err,
					    size_t errlen);
void sl_digest_nctab_free(struct sl_digest_nctab *t);
/* Records (nonce, nc) if it was not used before. Call after authentication. */
enum sl_digest_nc_status sl_digest_nctab_update(struct sl_digest_nctab *t,
						const char *nonce,
						uint64_t issued, uint32_t nc);
unsigned sl_digest_nctab_count(const struct sl_digest_nctab *t);

/* ---- verification ---- */

struct sl_digest_request {
	const char *method;		/* e.g. "REGISTER" */
	const char *request_uri;	/* Request-URI as it appeared */
	const char *realm;		/* realm this server challenged with */
	enum sl_digest_alg alg;		/* algorithm of ha1 */
	const uint8_t *ha1;		/* stored HA1 for (user, realm, alg) */
	uint64_t now;			/* Unix seconds */
};

/*
 * Order: realm, algorithm, uri, nonce MAC and age, response (constant time),
 * then the nonce-count (only authenticated requests touch the table).
 */
enum sl_digest_status sl_digest_verify(const struct sl_digest_creds *c,
				       const struct sl_digest_request *r,
				       const struct sl_digest_nonce_key *k,
				       struct sl_digest_nctab *nct,
				       char *err, size_t errlen);

/* ---- failure rate limiting ---- */

struct sl_ratelimit_cfg {
	unsigned threshold;	/* failures within window that block */
	unsigned window_s;	/* failure counting window */
	unsigned penalty_s;	/* how long a key stays blocked */
	unsigned capacity;	/* keys tracked; least recently used evicted */
};

struct sl_ratelimit;

struct sl_ratelimit *sl_ratelimit_new(const struct sl_ratelimit_cfg *cfg,
				      char *err, size_t errlen);
void sl_ratelimit_free(struct sl_ratelimit *rl);
/* True while key is blocked; *until (may be NULL) gets the end time. */
bool sl_ratelimit_blocked(struct sl_ratelimit *rl, const char *key,
			  uint64_t now, uint64_t *until);
/* Returns 1 when this failure starts a block (log it), 0 otherwise. */
int sl_ratelimit_fail(struct sl_ratelimit *rl, const char *key, uint64_t now);
void sl_ratelimit_success(struct sl_ratelimit *rl, const char *key);
unsigned sl_ratelimit_count(const struct sl_ratelimit *rl);

#endif
