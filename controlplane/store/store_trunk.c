/* SPDX-License-Identifier: BSD-3-Clause */
/* Trunks (SIP peers) and the credentials the daemon answers their
 * challenges with (HA1 per RFC 7616 §3.4.2, sealed like user credentials). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "store_int.h"

/* Host name, IPv4 or bracketed IPv6 literal (RFC 3261 §25.1 "host"). */
static int check_host(const char *h, size_t cap, char *err, size_t errlen)
{
	size_t n = strnlen(h, cap), i;

	if (n == 0 || n >= cap) {
		st_err(err, errlen, "trunk host must be 1 to %zu characters", cap - 1);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == ':' || c == '[' || c == ']')) {
			char shown[128];

			st_printable(shown, sizeof(shown), h, n);
			st_err(err, errlen, "trunk host \"%s\" has a character that is not allowed in "
			       "a host name or address at offset %zu", shown, i);
			return -EINVAL;
		}
	}
	return 0;
}

/* Dialled-digits prefix: digits, letters and + * # . _ - (may be empty). */
static int check_prefix(const char *p, size_t cap, char *err, size_t errlen)
{
	size_t n = strnlen(p, cap), i;

	if (n >= cap) {
		st_err(err, errlen, "trunk prefix is longer than %zu characters", cap - 1);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr("+*#._-", c))) {
			char shown[32];

			st_printable(shown, sizeof(shown), p, n);
			st_err(err, errlen, "trunk prefix \"%s\" has a character other than "
			       "[A-Za-z0-9+*#._-] at offset %zu", shown, i);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_trunk(struct sl_store *st, const struct sl_trunk *t, char *err, size_t errlen)
{
	int r;

	r = st_check_name("trunk name", t->name, sizeof(t->name), err, errlen);
	if (!r)
		r = check_host(t->host, sizeof(t->host), err, errlen);
	if (!r)
		r = st_check_transport("trunk transport", t->transport, sizeof(t->transport),
				       err, errlen);
	if (!r)
		r = check_prefix(t->prefix, sizeof(t->prefix), err, errlen);
	if (!r)
		r = st_check_name("trunk profile", t->profile, sizeof(t->profile), err, errlen);
	if (r)
		return r;
	return st_need(st, "SELECT 1 FROM profiles WHERE name = ?1", t->profile, err, errlen,
		       "trunk \"%s\": profile \"%s\" does not exist; list profiles to see the names",
		       t->name, t->profile);
}

int sl_store_trunk_put(struct sl_store *st, const struct sl_trunk *t, bool create_only,
		       char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r;

	if (!st || !t) {
		st_err(err, errlen, "sl_store_trunk_put: missing store or trunk");
		return -EINVAL;
	}
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = check_trunk(st, t, err, errlen);
	if (!r)
		r = st_prepare(st, create_only ?
			       "INSERT INTO trunks (name, host, port, transport, prefix, profile) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)" :
			       "INSERT INTO trunks (name, host, port, transport, prefix, profile) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO UPDATE SET "
			       "host = excluded.host, port = excluded.port, "
			       "transport = excluded.transport, prefix = excluded.prefix, "
			       "profile = excluded.profile", &s, err, errlen);
	if (r)
		return st_end(st, r, err, errlen);
	st_bind_text(s, 1, t->name);
	st_bind_text(s, 2, t->host);
	sqlite3_bind_int(s, 3, t->port);
	st_bind_text(s, 4, t->transport);
	st_bind_text(s, 5, t->prefix);
	st_bind_text(s, 6, t->profile);
	r = st_step_done(st, s, "writing the trunk", err, errlen);
	if (r == -EEXIST)
		st_err(err, errlen, "trunk \"%s\" already exists; choose another name or update it",
		       t->name);
	return st_end(st, r, err, errlen);
}

static void row_trunk(sqlite3_stmt *s, void *out)
{
	struct sl_trunk *t = out;
	int port;

	memset(t, 0, sizeof(*t));
	st_col_text(t->name, sizeof(t->name), s, 0);
	st_col_text(t->host, sizeof(t->host), s, 1);
	port = sqlite3_column_int(s, 2);
	t->port = (port >= 0 && port <= 65535) ? (uint16_t)port : 0;
	st_col_text(t->transport, sizeof(t->transport), s, 3);
	st_col_text(t->prefix, sizeof(t->prefix), s, 4);
	st_col_text(t->profile, sizeof(t->profile), s, 5);
}

#define TRUNK_COLS "SELECT name, host, port, transport, prefix, profile FROM trunks "

int sl_store_trunk_get(struct sl_store *st, const char *name, struct sl_trunk *t,
		       char *err, size_t errlen)
{
	int r;

	if (!st || !t) {
		st_err(err, errlen, "sl_store_trunk_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_name("trunk name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_row1(st, TRUNK_COLS "WHERE name = ?1", name, row_trunk, t, "reading the trunk",
		    err, errlen);
	return st_required(r, err, errlen, "trunk \"%s\" does not exist", name);
}

int sl_store_trunk_del(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	int r, changes = 0;

	if (!st) {
		st_err(err, errlen, "sl_store_trunk_del: missing store");
		return -EINVAL;
	}
	r = st_check_name("trunk name", name, SL_STORE_NAME_MAX, err, errlen);
	/* Its credentials go with it (ON DELETE CASCADE). */
	if (!r)
		r = st_exec(st, "DELETE FROM trunks WHERE name = ?1", name, NULL, &changes,
			    "deleting the trunk", err, errlen);
	return r ? r : st_required(changes, err, errlen, "trunk \"%s\" does not exist", name);
}

struct trunk_walk {
	int (*cb)(const struct sl_trunk *, void *);
	void *arg;
};

static int trunk_row(sqlite3_stmt *s, void *ctx)
{
	const struct trunk_walk *w = ctx;
	struct sl_trunk t;

	row_trunk(s, &t);
	return w->cb(&t, w->arg);
}

int sl_store_trunk_list(struct sl_store *st, int (*cb)(const struct sl_trunk *, void *),
			void *arg, char *err, size_t errlen)
{
	struct trunk_walk w = { cb, arg };
	sqlite3_stmt *s;
	int r;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_trunk_list: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, TRUNK_COLS "ORDER BY name", &s, err, errlen);
	return r ? r : st_walk(st, s, trunk_row, &w, "listing trunks", err, errlen);
}

/* ---- trunk credentials ---- */

#define TRUNK_AAD_MAX (48 + SL_STORE_NAME_MAX + ST_REALM_MAX + ST_TRUNK_USER_MAX)

static int insert_trunk_cred(struct sl_store *st, sqlite3_stmt *s, const char *trunk,
			     const char *realm, const char *username, const char *password,
			     enum sl_digest_alg alg, char *err, size_t errlen)
{
	uint8_t aad[TRUNK_AAD_MAX];
	struct st_sealed b;
	bool hashed;
	int r, rc;

	r = st_seal_ha1(st, (int)alg, username, realm, password, aad,
			st_aad_trunk(aad, sizeof(aad), trunk, realm, username, (int)alg), &b, &hashed);
	if (r && !hashed) {
		st_err(err, errlen, "computing the %s HA1 for trunk \"%s\" failed",
		       sl_digest_alg_name(alg), trunk);
		return r;
	}
	if (r) {
		st_err(err, errlen, "encrypting the credentials of trunk \"%s\" failed (OpenSSL)",
		       trunk);
		return r;
	}
	sqlite3_reset(s);
	st_bind_text(s, 1, trunk);
	st_bind_text(s, 2, realm);
	st_bind_text(s, 3, username);
	sqlite3_bind_int(s, 4, (int)alg);
	st_bind_sealed(s, 5, &b);
	rc = sqlite3_step(s);
	return rc == SQLITE_DONE ? 0 : st_sqlerr(st, rc, "writing trunk credentials", err, errlen);
}

/* Replaces the trunk's credentials for realm; inside a transaction. */
static int write_trunk_creds(struct sl_store *st, const char *trunk, const char *realm,
			     const char *username, const char *password, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r;

	r = st_exec(st, "DELETE FROM trunk_credentials WHERE trunk = ?1 AND realm = ?2", trunk,
		    realm, NULL, "replacing trunk credentials", err, errlen);
	if (!r)
		r = st_prepare(st, "INSERT INTO trunk_credentials (trunk, realm, username, alg, "
			       "nonce, ciphertext, tag) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			       &s, err, errlen);
	if (r)
		return r;
	r = insert_trunk_cred(st, s, trunk, realm, username, password, SL_DIGEST_MD5, err, errlen);
	if (!r)
		r = insert_trunk_cred(st, s, trunk, realm, username, password, SL_DIGEST_SHA256,
				      err, errlen);
	sqlite3_finalize(s);
	return r;
}

int sl_store_trunk_cred_set(struct sl_store *st, const char *trunk, const char *realm,
			    const char *username, const char *password, char *err, size_t errlen)
{
	int r;

	if (!st) {
		st_err(err, errlen, "sl_store_trunk_cred_set: missing store");
		return -EINVAL;
	}
	r = st_check_name("trunk name", trunk, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = st_check_quotable("realm", realm, ST_REALM_MAX, err, errlen);
	if (!r)
		r = st_check_quotable("trunk username", username, ST_TRUNK_USER_MAX, err, errlen);
	if (!r)
		r = st_check_password(password, err, errlen);
	if (!r)
		r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = st_need(st, "SELECT 1 FROM trunks WHERE name = ?1", trunk, err, errlen,
		    "trunk \"%s\" does not exist; add the trunk first", trunk);
	if (!r)
		r = write_trunk_creds(st, trunk, realm, username, password, err, errlen);
	return st_end(st, r, err, errlen);
}

int sl_store_trunk_cred_del(struct sl_store *st, const char *trunk, const char *realm,
			    char *err, size_t errlen)
{
	int r, changes = 0;

	if (!st) {
		st_err(err, errlen, "sl_store_trunk_cred_del: missing store");
		return -EINVAL;
	}
	r = st_check_name("trunk name", trunk, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = st_check_quotable("realm", realm, ST_REALM_MAX, err, errlen);
	if (!r)
		r = st_exec(st, "DELETE FROM trunk_credentials WHERE trunk = ?1 AND realm = ?2",
			    trunk, realm, &changes, "deleting trunk credentials", err, errlen);
	return r ? r : st_required(changes, err, errlen,
				   "trunk \"%s\" has no credentials for realm \"%s\"", trunk, realm);
}

struct trunk_cred_walk {
	struct sl_store *st;
	int (*cb)(const struct sl_trunk_cred *, void *);
	void *arg;
	char *err;
	size_t errlen;
};

/* Decrypts the current row (trunk, realm, username, alg, nonce, ciphertext,
 * tag) and hands it to the callback; the plaintext is wiped after the call. */
static int trunk_cred_row(sqlite3_stmt *s, void *ctx)
{
	const struct trunk_cred_walk *w = ctx;
	uint8_t aad[TRUNK_AAD_MAX];
	struct sl_trunk_cred c;
	size_t aadlen;
	int r;

	memset(&c, 0, sizeof(c));
	st_col_text(c.trunk, sizeof(c.trunk), s, 0);
	st_col_text(c.realm, sizeof(c.realm), s, 1);
	st_col_text(c.username, sizeof(c.username), s, 2);
	c.alg = sqlite3_column_int(s, 3);
	aadlen = st_aad_trunk(aad, sizeof(aad), c.trunk, c.realm, c.username, c.alg);
	if (st_unseal_cols(w->st, s, 4, c.alg, aad, aadlen, c.ha1, &c.ha1_len)) {
		st_err_undecryptable(w->err, w->errlen, "trunk", c.trunk, c.realm, c.alg,
				     "set the trunk's credentials again");
		OPENSSL_cleanse(&c, sizeof(c));
		return -EIO;
	}
	r = w->cb(&c, w->arg);
	OPENSSL_cleanse(&c, sizeof(c));
	return r;
}

int sl_store_trunk_cred_walk(struct sl_store *st, int (*cb)(const struct sl_trunk_cred *, void *),
			     void *arg, char *err, size_t errlen)
{
	struct trunk_cred_walk w = { st, cb, arg, err, errlen };
	sqlite3_stmt *s;
	int r;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_trunk_cred_walk: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, "SELECT trunk, realm, username, alg, nonce, ciphertext, tag "
		       "FROM trunk_credentials ORDER BY trunk, realm, alg", &s, err, errlen);
	return r ? r : st_walk(st, s, trunk_cred_row, &w, "reading trunk credentials", err, errlen);
}
