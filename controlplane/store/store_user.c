/* SPDX-License-Identifier: BSD-3-Clause */
/* Users and their digest credentials (HA1, RFC 7616 §3.4.2, sealed). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "store_int.h"

static const enum sl_digest_alg cred_algs[] = { SL_DIGEST_MD5, SL_DIGEST_SHA256 };

/* Computes, seals and inserts both HA1s of (user, realm); inside a transaction. */
static int write_creds(struct sl_store *st, const char *user, const char *realm,
		       const char *password, char *err, size_t errlen)
{
	uint8_t ha1[SL_DIGEST_MAX_HASH], ct[SL_DIGEST_MAX_HASH];
	uint8_t nonce[ST_NONCE_LEN], tag[ST_TAG_LEN];
	uint8_t aad[32 + SL_STORE_NAME_MAX + ST_REALM_MAX];
	sqlite3_stmt *s = NULL;
	size_t aadlen, len;
	unsigned i;
	int r, rc;

	r = st_prepare(st, "INSERT INTO credentials (user, realm, alg, nonce, ciphertext, tag) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s, err, errlen);
	if (r)
		return r;
	for (i = 0; i < sizeof(cred_algs) / sizeof(cred_algs[0]); i++) {
		len = sl_digest_alg_len(cred_algs[i]);
		r = sl_digest_ha1(cred_algs[i], user, realm, password, ha1, NULL, 0);
		if (r) {
			st_err(err, errlen, "computing the %s HA1 of user \"%s\" failed",
			       sl_digest_alg_name(cred_algs[i]), user);
			break;
		}
		aadlen = st_aad_user(aad, sizeof(aad), user, realm, (int)cred_algs[i]);
		r = aadlen ? st_seal(st->key, aad, aadlen, ha1, len, nonce, ct, tag) : -EIO;
		OPENSSL_cleanse(ha1, sizeof(ha1));
		if (r) {
			st_err(err, errlen, "encrypting the credentials of user \"%s\" failed (OpenSSL)",
			       user);
			r = -EIO;
			break;
		}
		sqlite3_reset(s);
		st_bind_text(s, 1, user);
		st_bind_text(s, 2, realm);
		sqlite3_bind_int(s, 3, (int)cred_algs[i]);
		sqlite3_bind_blob(s, 4, nonce, ST_NONCE_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 5, ct, (int)len, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 6, tag, ST_TAG_LEN, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE) {
			r = st_sqlerr(st, rc, "writing credentials", err, errlen);
			break;
		}
	}
	sqlite3_finalize(s);
	OPENSSL_cleanse(ha1, sizeof(ha1));
	return r;
}

static int check_user(const struct sl_user *u, char *err, size_t errlen)
{
	int r = st_check_name("user name", u->name, sizeof(u->name), err, errlen);

	return r ? r : st_check_text("display name", u->display, sizeof(u->display), 0, err, errlen);
}

int sl_store_user_add(struct sl_store *st, const struct sl_user *u, const char *realm,
		      const char *password, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !u) {
		st_err(err, errlen, "sl_store_user_add: missing store or user");
		return -EINVAL;
	}
	r = check_user(u, err, errlen);
	if (!r)
		r = st_check_quotable("realm", realm, ST_REALM_MAX, err, errlen);
	if (!r)
		r = st_check_password(password, err, errlen);
	if (r)
		return r;
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = st_prepare(st, "INSERT INTO users (name, display, enabled, created) VALUES (?1, ?2, ?3, ?4)",
		       &s, err, errlen);
	if (r)
		goto out;
	st_bind_text(s, 1, u->name);
	st_bind_text(s, 2, u->display);
	sqlite3_bind_int(s, 3, u->enabled ? 1 : 0);
	sqlite3_bind_int64(s, 4, u->created ? u->created : (int64_t)time(NULL));
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		r = st_sqlerr(st, rc, "adding the user", err, errlen);
		if (r == -EEXIST)
			st_err(err, errlen, "user \"%s\" already exists; use passwd to change its password",
			       u->name);
		goto out;
	}
	r = write_creds(st, u->name, realm, password, err, errlen);
	if (r)
		goto out;
	return st_commit(st, err, errlen);
out:
	st_rollback(st);
	return r;
}

static int need_user(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	int r = st_exists(st, "SELECT 1 FROM users WHERE name = ?1", name, err, errlen);

	if (r == 0) {
		st_err(err, errlen, "user \"%s\" does not exist; add it first", name);
		return -ENOENT;
	}
	return r < 0 ? r : 0;
}

int sl_store_user_passwd(struct sl_store *st, const char *name, const char *realm,
			 const char *password, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc;

	if (!st) {
		st_err(err, errlen, "sl_store_user_passwd: missing store");
		return -EINVAL;
	}
	r = st_check_name("user name", name, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = st_check_quotable("realm", realm, ST_REALM_MAX, err, errlen);
	if (!r)
		r = st_check_password(password, err, errlen);
	if (r)
		return r;
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = need_user(st, name, err, errlen);
	if (r)
		goto out;
	r = st_prepare(st, "DELETE FROM credentials WHERE user = ?1 AND realm = ?2", &s, err, errlen);
	if (r)
		goto out;
	st_bind_text(s, 1, name);
	st_bind_text(s, 2, realm);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		r = st_sqlerr(st, rc, "replacing credentials", err, errlen);
		goto out;
	}
	r = write_creds(st, name, realm, password, err, errlen);
	if (r)
		goto out;
	return st_commit(st, err, errlen);
out:
	st_rollback(st);
	return r;
}

static void row_user(sqlite3_stmt *s, struct sl_user *u)
{
	memset(u, 0, sizeof(*u));
	st_col_text(u->name, sizeof(u->name), s, 0);
	st_col_text(u->display, sizeof(u->display), s, 1);
	u->enabled = sqlite3_column_int(s, 2) != 0;
	u->created = sqlite3_column_int64(s, 3);
}

int sl_store_user_get(struct sl_store *st, const char *name, struct sl_user *u,
		      char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !u) {
		st_err(err, errlen, "sl_store_user_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_name("user name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_prepare(st, "SELECT name, display, enabled, created FROM users WHERE name = ?1",
		       &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		row_user(s, u);
	} else if (rc == SQLITE_DONE) {
		st_err(err, errlen, "user \"%s\" does not exist", name);
		r = -ENOENT;
	} else {
		r = st_sqlerr(st, rc, "reading the user", err, errlen);
	}
	sqlite3_finalize(s);
	return r;
}

int sl_store_user_set_enabled(struct sl_store *st, const char *name, bool enabled,
			      char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc;

	if (!st) {
		st_err(err, errlen, "sl_store_user_set_enabled: missing store");
		return -EINVAL;
	}
	r = st_check_name("user name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_prepare(st, "UPDATE users SET enabled = ?2 WHERE name = ?1", &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, name);
	sqlite3_bind_int(s, 2, enabled ? 1 : 0);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return st_sqlerr(st, rc, "updating the user", err, errlen);
	if (sqlite3_changes(st->db) == 0) {
		st_err(err, errlen, "user \"%s\" does not exist", name);
		return -ENOENT;
	}
	return 0;
}

int sl_store_user_del(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc, changes = 0;

	if (!st) {
		st_err(err, errlen, "sl_store_user_del: missing store");
		return -EINVAL;
	}
	r = st_check_name("user name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = st_prepare(st, "SELECT name FROM devices WHERE user = ?1 ORDER BY name LIMIT 1",
		       &s, err, errlen);
	if (r)
		goto out;
	st_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		char dev[SL_STORE_NAME_MAX];

		st_col_text(dev, sizeof(dev), s, 0);
		st_err(err, errlen, "user \"%s\" is the line of device \"%s\"; delete or reassign "
		       "the device first", name, dev);
		r = -EBUSY;
	} else if (rc != SQLITE_DONE) {
		r = st_sqlerr(st, rc, "checking the user's devices", err, errlen);
	}
	sqlite3_finalize(s);
	if (r)
		goto out;
	/* Credentials and registrations go with it (ON DELETE CASCADE). */
	r = st_exec1(st, "DELETE FROM users WHERE name = ?1", name, &changes,
		     "deleting the user", err, errlen);
	if (r)
		goto out;
	if (!changes) {
		st_err(err, errlen, "user \"%s\" does not exist", name);
		r = -ENOENT;
		goto out;
	}
	return st_commit(st, err, errlen);
out:
	st_rollback(st);
	return r;
}

int sl_store_user_list(struct sl_store *st, int (*cb)(const struct sl_user *, void *),
		       void *arg, char *err, size_t errlen)
{
	struct sl_user u;
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_user_list: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, "SELECT name, display, enabled, created FROM users ORDER BY name",
		       &s, err, errlen);
	if (r)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_user(s, &u);
		r = cb(&u, arg);
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = st_sqlerr(st, rc, "listing users", err, errlen);
	sqlite3_finalize(s);
	return r;
}

/* Decrypts the current row (user, realm, alg, nonce, ciphertext, tag) into c. */
static int open_cred(struct sl_store *st, sqlite3_stmt *s, struct sl_cred *c,
		     char *err, size_t errlen)
{
	uint8_t aad[32 + SL_STORE_NAME_MAX + ST_REALM_MAX];
	const void *nonce, *ct, *tag;
	size_t aadlen, len;

	memset(c, 0, sizeof(*c));
	st_col_text(c->user, sizeof(c->user), s, 0);
	st_col_text(c->realm, sizeof(c->realm), s, 1);
	c->alg = sqlite3_column_int(s, 2);
	nonce = sqlite3_column_blob(s, 3);
	ct = sqlite3_column_blob(s, 4);
	tag = sqlite3_column_blob(s, 5);
	len = sl_digest_alg_len((enum sl_digest_alg)c->alg);
	aadlen = st_aad_user(aad, sizeof(aad), c->user, c->realm, c->alg);
	if (len == 0 || !aadlen || !nonce || !ct || !tag ||
	    sqlite3_column_bytes(s, 3) != ST_NONCE_LEN ||
	    (size_t)sqlite3_column_bytes(s, 4) != len ||
	    sqlite3_column_bytes(s, 5) != ST_TAG_LEN ||
	    st_unseal(st->key, aad, aadlen, nonce, ct, len, tag, c->ha1)) {
		char u[SL_STORE_NAME_MAX], rl[ST_REALM_MAX];

		st_printable(u, sizeof(u), c->user, strlen(c->user));
		st_printable(rl, sizeof(rl), c->realm, strlen(c->realm));
		st_err(err, errlen, "the %s credential of user \"%s\" (realm \"%s\") does not decrypt: "
		       "wrong master key or a modified store; restore the key or the store from a "
		       "backup, or set the user's password again",
		       sl_digest_alg_name((enum sl_digest_alg)c->alg), u, rl);
		OPENSSL_cleanse(c, sizeof(*c));
		return -EIO;
	}
	c->ha1_len = (uint8_t)len;
	return 0;
}

int sl_store_cred_walk(struct sl_store *st, int (*cb)(const struct sl_cred *, void *),
		       void *arg, char *err, size_t errlen)
{
	struct sl_cred c;
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_cred_walk: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, "SELECT c.user, c.realm, c.alg, c.nonce, c.ciphertext, c.tag "
		       "FROM credentials c JOIN users u ON u.name = c.user "
		       "WHERE u.enabled = 1 ORDER BY c.user, c.realm, c.alg", &s, err, errlen);
	if (r)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r = open_cred(st, s, &c, err, errlen);
		if (r)
			break;
		r = cb(&c, arg);
		OPENSSL_cleanse(&c, sizeof(c));
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = st_sqlerr(st, rc, "reading credentials", err, errlen);
	sqlite3_finalize(s);
	return r;
}
