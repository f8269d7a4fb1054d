/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the store's source files (and its unit tests): the
 * handle, SQLite helpers, input validation and the credential sealing.
 * Not part of the store's interface (store.h).
 */
#ifndef SL_STORE_INT_H
#define SL_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define ST_KEY_LEN	32	/* AES-256 */
#define ST_NONCE_LEN	12	/* GCM IV, NIST SP 800-38D §8.2.2 (random) */
#define ST_TAG_LEN	16
#define ST_REALM_MAX	128	/* incl. NUL, as struct sl_cred */
#define ST_TRUNK_USER_MAX 128	/* incl. NUL, as struct sl_trunk_cred */
#define ST_PASSWORD_MAX	1024	/* bytes, excluding NUL */
#define ST_HA1_MAX	32	/* SHA-256 HA1, as struct sl_cred */

struct sl_store {
	sqlite3 *db;
	uint8_t key[ST_KEY_LEN];	/* credential key derived from the master key */
	char warning[320];		/* last open-time warning, "" if none */
	/* Schema version after open: the latest, except for stores that the
	 * migration tests open at an older one (sl_store_open_version); writes
	 * to tables an older schema lacks are then skipped. */
	int version;
};

#define ST_SCHEMA_SECRETS 3	/* first schema with user_secrets and capf */

/* ---- errors ---- */
void st_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Maps a SQLite result to -errno and writes "<what>: <sqlite message>". */
int st_sqlerr(struct sl_store *st, int rc, const char *what, char *err, size_t errlen);

/* ---- statements and transactions ---- */
int st_prepare(struct sl_store *st, const char *sql, sqlite3_stmt **out,
	       char *err, size_t errlen);
int st_begin(struct sl_store *st, char *err, size_t errlen);	/* BEGIN IMMEDIATE */
int st_commit(struct sl_store *st, char *err, size_t errlen);
void st_rollback(struct sl_store *st);
int st_bind_text(sqlite3_stmt *s, int idx, const char *text);
/* Copies a text column into dst (always terminated, truncated to fit). */
void st_col_text(char *dst, size_t dstlen, sqlite3_stmt *s, int col);
/* Runs a query that takes one text key; if it returns a row, row(s, out)
 * decodes it (row may be NULL). 1 found, 0 not, <0 error ("<what>: ..."). */
int st_row1(struct sl_store *st, const char *sql, const char *key,
	    void (*row)(sqlite3_stmt *s, void *out), void *out, const char *what,
	    char *err, size_t errlen);
/* A one-key "SELECT 1 FROM ... WHERE x = ?1": 1 found, 0 not, <0 error. */
int st_exists(struct sl_store *st, const char *sql, const char *key,
	      char *err, size_t errlen);
/* Turns a lookup or change count (>0 found, 0 none, <0 error) into 0,
 * -ENOENT with the message fmt, or the error unchanged. */
int st_required(int found, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* st_exists that must find the row: 0, -ENOENT with the message fmt, or <0. */
int st_need(struct sl_store *st, const char *sql, const char *key, char *err, size_t errlen,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Runs a statement that takes up to two text keys (NULL: not bound) and
 * returns no rows; *changes gets sqlite3_changes() (may be NULL). */
int st_exec(struct sl_store *st, const char *sql, const char *key1, const char *key2,
	    int *changes, const char *what, char *err, size_t errlen);
/* Steps a bound statement that returns no rows and finalizes it: 0 or the
 * mapped SQLite error ("<what>: ..."). */
int st_step_done(struct sl_store *st, sqlite3_stmt *s, const char *what,
		 char *err, size_t errlen);
/* Calls row(s, ctx) for each row of the prepared statement s until it
 * returns non-zero (that value is returned), then finalizes s. A SQLite
 * error is reported as "<what>: ...". */
int st_walk(struct sl_store *st, sqlite3_stmt *s, int (*row)(sqlite3_stmt *s, void *ctx),
	    void *ctx, const char *what, char *err, size_t errlen);
/* Ends a transaction begun with st_begin: commits if r is 0, else rolls
 * back. Returns r, or the commit's error. */
int st_end(struct sl_store *st, int r, char *err, size_t errlen);

/* ---- validation (messages name the field and the value) ---- */
/* Copies n bytes of s for an error message, '?' for anything not printable ASCII. */
void st_printable(char *dst, size_t dstlen, const char *s, size_t n);
/* [A-Za-z0-9._+-]{1,cap-1}, terminated within cap bytes. */
int st_check_name(const char *field, const char *s, size_t cap, char *err, size_t errlen);
/* Printable text (no ASCII control characters, UTF-8 bytes allowed), length
 * in [min, cap-1], terminated within cap bytes. */
int st_check_text(const char *field, const char *s, size_t cap, size_t min,
		  char *err, size_t errlen);
/* Like st_check_text but also refuses '"' and '\\' (values that end up in a
 * SIP quoted-string, RFC 3261 §25.1): realms and digest user names. */
int st_check_quotable(const char *field, const char *s, size_t cap, char *err, size_t errlen);
int st_check_transport(const char *field, const char *s, size_t cap, char *err, size_t errlen);
int st_check_password(const char *password, char *err, size_t errlen);

/* ---- credential sealing (store_crypt.c) ---- */
int st_derive_key(const uint8_t master[SL_STORE_MASTER_KEY_LEN], uint8_t out[ST_KEY_LEN]);
/* AAD builders: return the length or 0 if it does not fit. */
size_t st_aad_user(uint8_t *buf, size_t cap, const char *user, const char *realm, int alg);
size_t st_aad_trunk(uint8_t *buf, size_t cap, const char *trunk, const char *realm,
		    const char *username, int alg);
/* AES-256-GCM with a fresh random nonce. ct gets ptlen bytes. */
int st_seal(const uint8_t key[ST_KEY_LEN], const uint8_t *aad, size_t aadlen,
	    const uint8_t *pt, size_t ptlen, uint8_t nonce[ST_NONCE_LEN],
	    uint8_t *ct, uint8_t tag[ST_TAG_LEN]);
/* 0 or -EIO (authentication failure or crypto error); pt gets ctlen bytes. */
int st_unseal(const uint8_t key[ST_KEY_LEN], const uint8_t *aad, size_t aadlen,
	      const uint8_t nonce[ST_NONCE_LEN], const uint8_t *ct, size_t ctlen,
	      const uint8_t tag[ST_TAG_LEN], uint8_t *pt);

/* A sealed HA1 as the credential tables keep it: nonce, ciphertext, tag. */
struct st_sealed {
	uint8_t nonce[ST_NONCE_LEN];
	uint8_t ct[ST_HA1_MAX];
	uint8_t tag[ST_TAG_LEN];
	size_t len;			/* of ct: the HA1's length */
};
/* Computes the alg HA1 of (username, realm, password) (RFC 7616 §3.4.2) and
 * seals it under aad (aadlen 0: the AAD did not fit). 0; -EIO if sealing
 * failed (*hashed true) or the HA1 computation's error (*hashed false). The
 * HA1 is wiped. */
int st_seal_ha1(const struct sl_store *st, int alg, const char *username, const char *realm,
		const char *password, const uint8_t *aad, size_t aadlen,
		struct st_sealed *out, bool *hashed);
/* Binds out's nonce, ciphertext and tag to parameters col, col+1, col+2. */
void st_bind_sealed(sqlite3_stmt *s, int col, const struct st_sealed *b);
/* Decrypts the alg HA1 in columns col (nonce), col+1 (ciphertext), col+2
 * (tag) of the current row into ha1 (ST_HA1_MAX bytes) and sets *ha1_len.
 * -EIO for an unknown alg, wrong blob sizes, aadlen 0 or a failed GCM tag
 * check. */
int st_unseal_cols(const struct sl_store *st, sqlite3_stmt *s, int col, int alg,
		   const uint8_t *aad, size_t aadlen, uint8_t *ha1, uint8_t *ha1_len);
/* The message for a credential that does not decrypt: kind "user" or
 * "trunk", its name and realm (shown printable), and what to do about it. */
void st_err_undecryptable(char *err, size_t errlen, const char *kind, const char *name,
			  const char *realm, int alg, const char *remedy);

/* ---- sealed reversible secrets (store_capf.c): line passwords and CAPF
 * authentication strings. The plaintext is u16 big-endian length, the
 * bytes, zeros up to a multiple of ST_SECRET_BLOCK (at least one block), so
 * the stored size hides the length. ---- */
#define ST_SECRET_BLOCK		32
#define ST_SECRET_SEALED_MAX	((2 + SL_STORE_SECRET_MAX + ST_SECRET_BLOCK - 1) / \
				 ST_SECRET_BLOCK * ST_SECRET_BLOCK)
struct st_secret {
	uint8_t nonce[ST_NONCE_LEN];
	uint8_t ct[ST_SECRET_SEALED_MAX];
	uint8_t tag[ST_TAG_LEN];
	size_t len;			/* of ct */
};
/* "shieldlock-<label>\0" name; the length or 0 if it does not fit. */
size_t st_aad_secret(uint8_t *buf, size_t cap, const char *label, const char *name);
/* Seals len bytes of secret (len <= SL_STORE_SECRET_MAX). 0, -EINVAL, -EIO. */
int st_seal_secret(const struct sl_store *st, const uint8_t *aad, size_t aadlen,
		   const char *secret, size_t len, struct st_secret *out);
/* Opens the blob in columns col (nonce), col+1 (ciphertext), col+2 (tag) of
 * the current row into out[cap] (NUL-terminated) and sets *len. -EIO bad
 * sizes, failed tag or bad padding; -ENOSPC cap too small (out wiped). */
int st_unseal_secret(const struct sl_store *st, sqlite3_stmt *s, int col,
		     const uint8_t *aad, size_t aadlen, char *out, size_t cap, size_t *len);

/* ---- schema (store_schema.c) ---- */
int st_user_version(struct sl_store *st, int *v, char *err, size_t errlen);
/* Migrates to target (<= latest); refuses a store newer than this build. */
int st_migrate(struct sl_store *st, int target, char *err, size_t errlen);

/* Opens like sl_store_open but migrates only up to target_version (tests of
 * the migration path build an old store with it). */
int sl_store_open_version(const char *path, const uint8_t master_key[SL_STORE_MASTER_KEY_LEN],
			  int target_version, struct sl_store **out, char *err, size_t errlen);

#endif
