/* SPDX-License-Identifier: BSD-3-Clause */
/* Users and their digest credentials (HA1, RFC 7616 §3.4.2, sealed). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "store_int.h"

#define USER_AAD_MAX (32 + SL_STORE_NAME_MAX + ST_REALM_MAX)
#define USER_COLS "SELECT name, display, enabled, created FROM users "

static const enum sl_digest_alg cred_algs[] = { SL_DIGEST_MD5, SL_DIGEST_SHA256 };

/* Computes, seals and inserts both HA1s of (user, realm); inside a transaction. */
static int write_creds(struct sl_store *st, const char *user, const char *realm,
		       const char *password, char *err, size_t errlen)
{
	uint8_t aad[USER_AAD_MAX];
	struct st_sealed b;
	sqlite3_stmt *s = NULL;
	bool hashed;
	unsigned i;
	int r, rc;

	r = st_prepare(st, "INSERT INTO credentials (user, realm, alg, nonce, ciphertext, tag) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s, err, errlen);
	if (r)
		return r;
	for (i = 0; i < sizeof(cred_algs) / sizeof(cred_algs[0]); i++) {
		r = st_seal_ha1(st, (int)cred_algs[i], user, realm, password, aad,
				st_aad_user(aad, sizeof(aad), user, realm, (int)cred_algs[i]),
				&b, &hashed);
		if (r && !hashed)
			st_err(err, errlen, "computing the %s HA1 of user \"%s\" failed",
			       sl_digest_alg_name(cred_algs[i]), user);
		else if (r)
			st_err(err, errlen, "encrypting the credentials of user \"%s\" failed (OpenSSL)",
			       user);
		if (r)
			break;
		sqlite3_reset(s);
		st_bind_text(s, 1, user);
		st_bind_text(s, 2, realm);
		sqlite3_bind_int(s, 3, (int)cred_algs[i]);
		st_bind_sealed(s, 4, &b);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE) {
			r = st_sqlerr(st, rc, "writing credentials", err, errlen);
			break;
		}
	}
	sqlite3_finalize(s);
	return r;
}

/* Seals the password as the user's provisioning secret (store.h), replacing
 * the previous one; inside a transaction. */
static int write_secret(struct sl_store *st, const char *user, const char *password,
			char *err, size_t errlen)
{
	uint8_t aad[USER_AAD_MAX];
	struct st_secret b;
	sqlite3_stmt *s;
	int r;

	if (st->version < ST_SCHEMA_SECRETS)
		return 0;	/* an old schema opened by the migration tests */
	if (st_seal_secret(st, aad, st_aad_secret(aad, sizeof(aad), "line-password", user),
			   password, strlen(password), &b)) {
		st_err(err, errlen, "encrypting the provisioning secret of user \"%s\" failed (OpenSSL)",
		       user);
		return -EIO;
	}
	r = st_prepare(st, "INSERT INTO user_secrets (user, nonce, ciphertext, tag) "
		       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user) DO UPDATE SET "
		       "nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag",
		       &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, user);
	sqlite3_bind_blob(s, 2, b.nonce, ST_NONCE_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 3, b.ct, (int)b.len, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 4, b.tag, ST_TAG_LEN, SQLITE_TRANSIENT);
	return st_step_done(st, s, "writing the provisioning secret", err, errlen);
}

/* Checks a new password and the realm it is hashed under, then starts the
 * transaction that writes it. */
static int begin_passwd(struct sl_store *st, const char *realm, const char *password,
			char *err, size_t errlen)
{
	int r = st_check_quotable("realm", realm, ST_REALM_MAX, err, errlen);

	if (!r)
		r = st_check_password(password, err, errlen);
	return r ? r : st_begin(st, err, errlen);
}

static int check_user(const struct sl_user *u, char *err, size_t errlen)
{
	int r = st_check_name("user name", u->name, sizeof(u->name), err, errlen);

	return r ? r : st_check_text("display name", u->display, sizeof(u->display), 0, err, errlen);
}

static int insert_user(struct sl_store *st, const struct sl_user *u, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r;

	r = st_prepare(st, "INSERT INTO users (name, display, enabled, created) VALUES (?1, ?2, ?3, ?4)",
		       &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, u->name);
	st_bind_text(s, 2, u->display);
	sqlite3_bind_int(s, 3, u->enabled ? 1 : 0);
	sqlite3_bind_int64(s, 4, u->created ? u->created : (int64_t)time(NULL));
	r = st_step_done(st, s, "adding the user", err, errlen);
	if (r == -EEXIST)
		st_err(err, errlen, "user \"%s\" already exists; use passwd to change its password",
		       u->name);
	return r;
}

int sl_store_user_add(struct sl_store *st, const struct sl_user *u, const char *realm,
		      const char *password, char *err, size_t errlen)
{
	int r;

	if (!st || !u) {
		st_err(err, errlen, "sl_store_user_add: missing store or user");
		return -EINVAL;
	}
	r = check_user(u, err, errlen);
	if (!r)
		r = begin_passwd(st, realm, password, err, errlen);
	if (r)
		return r;
	r = insert_user(st, u, err, errlen);
	if (!r)
		r = write_creds(st, u->name, realm, password, err, errlen);
	if (!r)
		r = write_secret(st, u->name, password, err, errlen);
	return st_end(st, r, err, errlen);
}

int sl_store_user_passwd(struct sl_store *st, const char *name, const char *realm,
			 const char *password, char *err, size_t errlen)
{
	int r;

	if (!st) {
		st_err(err, errlen, "sl_store_user_passwd: missing store");
		return -EINVAL;
	}
	r = st_check_name("user name", name, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = begin_passwd(st, realm, password, err, errlen);
	if (r)
		return r;
	r = st_need(st, "SELECT 1 FROM users WHERE name = ?1", name, err, errlen,
		    "user \"%s\" does not exist; add it first", name);
	if (!r)
		r = st_exec(st, "DELETE FROM credentials WHERE user = ?1 AND realm = ?2", name, realm,
			    NULL, "replacing credentials", err, errlen);
	if (!r)
		r = write_creds(st, name, realm, password, err, errlen);
	if (!r)
		r = write_secret(st, name, password, err, errlen);
	return st_end(st, r, err, errlen);
}

int sl_store_user_secret_get(struct sl_store *st, const char *user, char *buf, size_t cap,
			     size_t *len, char *err, size_t errlen)
{
	uint8_t aad[USER_AAD_MAX];
	sqlite3_stmt *s;
	size_t n = 0;
	int r, rc;

	if (!st || !buf || !cap || !len) {
		st_err(err, errlen, "sl_store_user_secret_get: missing store or buffer");
		return -EINVAL;
	}
	buf[0] = '\0';
	*len = 0;
	r = st_check_name("user name", user, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = st_prepare(st, "SELECT nonce, ciphertext, tag FROM user_secrets WHERE user = ?1",
			       &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, user);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r = st_unseal_secret(st, s, 0, aad,
				     st_aad_secret(aad, sizeof(aad), "line-password", user),
				     buf, cap, &n);
		if (r == -ENOSPC)
			st_err(err, errlen, "the provisioning secret of user \"%s\" does not fit a "
			       "%zu-byte buffer", user, cap);
		else if (r)
			st_err(err, errlen, "the provisioning secret of user \"%s\" does not decrypt: "
			       "wrong master key or a modified store; restore the key or the store "
			       "from a backup, or set the user's password again", user);
		else
			*len = n;
	} else if (rc == SQLITE_DONE) {
		r = 1;
	} else {
		r = st_sqlerr(st, rc, "reading the provisioning secret", err, errlen);
	}
	sqlite3_finalize(s);
	if (r != 1)
		return r;
	r = st_need(st, "SELECT 1 FROM users WHERE name = ?1", user, err, errlen,
		    "user \"%s\" does not exist", user);
	if (r)
		return r;
	st_err(err, errlen, "user \"%s\" has no provisioning secret (its password was set before "
	       "this store kept one); set the password again (shieldlockctl user passwd %s)",
	       user, user);
	return -ENOENT;
}

static void row_user(sqlite3_stmt *s, void *out)
{
	struct sl_user *u = out;

	memset(u, 0, sizeof(*u));
	st_col_text(u->name, sizeof(u->name), s, 0);
	st_col_text(u->display, sizeof(u->display), s, 1);
	u->enabled = sqlite3_column_int(s, 2) != 0;
	u->created = sqlite3_column_int64(s, 3);
}

int sl_store_user_get(struct sl_store *st, const char *name, struct sl_user *u,
		      char *err, size_t errlen)
{
	int r;

	if (!st || !u) {
		st_err(err, errlen, "sl_store_user_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_name("user name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_row1(st, USER_COLS "WHERE name = ?1", name, row_user, u, "reading the user",
		    err, errlen);
	return st_required(r, err, errlen, "user \"%s\" does not exist", name);
}

int sl_store_user_set_enabled(struct sl_store *st, const char *name, bool enabled,
			      char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r;

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
	r = st_step_done(st, s, "updating the user", err, errlen);
	return r ? r : st_required(sqlite3_changes(st->db), err, errlen,
				   "user \"%s\" does not exist", name);
}

static void row_name(sqlite3_stmt *s, void *out)
{
	st_col_text(out, SL_STORE_NAME_MAX, s, 0);
}

/* Refuses to delete the line of a device: 0, or -EBUSY naming the device. */
static int check_no_device(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	char dev[SL_STORE_NAME_MAX];
	int r;

	r = st_row1(st, "SELECT name FROM devices WHERE user = ?1 ORDER BY name LIMIT 1", name,
		    row_name, dev, "checking the user's devices", err, errlen);
	if (r <= 0)
		return r;
	st_err(err, errlen, "user \"%s\" is the line of device \"%s\"; delete or reassign "
	       "the device first", name, dev);
	return -EBUSY;
}

int sl_store_user_del(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	int r, changes = 0;

	if (!st) {
		st_err(err, errlen, "sl_store_user_del: missing store");
		return -EINVAL;
	}
	r = st_check_name("user name", name, SL_STORE_NAME_MAX, err, errlen);
	if (!r)
		r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = check_no_device(st, name, err, errlen);
	/* Credentials, the provisioning secret and registrations go with it
	 * (ON DELETE CASCADE). */
	if (!r)
		r = st_exec(st, "DELETE FROM users WHERE name = ?1", name, NULL, &changes,
			    "deleting the user", err, errlen);
	if (!r)
		r = st_required(changes, err, errlen, "user \"%s\" does not exist", name);
	return st_end(st, r, err, errlen);
}

struct user_walk {
	int (*cb)(const struct sl_user *, void *);
	void *arg;
};

static int user_row(sqlite3_stmt *s, void *ctx)
{
	const struct user_walk *w = ctx;
	struct sl_user u;

	row_user(s, &u);
	return w->cb(&u, w->arg);
}

int sl_store_user_list(struct sl_store *st, int (*cb)(const struct sl_user *, void *),
		       void *arg, char *err, size_t errlen)
{
	struct user_walk w = { cb, arg };
	sqlite3_stmt *s;
	int r;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_user_list: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, USER_COLS "ORDER BY name", &s, err, errlen);
	return r ? r : st_walk(st, s, user_row, &w, "listing users", err, errlen);
}

struct cred_walk {
	struct sl_store *st;
	int (*cb)(const struct sl_cred *, void *);
	void *arg;
	char *err;
	size_t errlen;
};

/* Decrypts the current row (user, realm, alg, nonce, ciphertext, tag) and
 * hands it to the callback; the plaintext is wiped after the call. */
static int cred_row(sqlite3_stmt *s, void *ctx)
{
	const struct cred_walk *w = ctx;
	uint8_t aad[USER_AAD_MAX];
	struct sl_cred c;
	size_t aadlen;
	int r;

	memset(&c, 0, sizeof(c));
	st_col_text(c.user, sizeof(c.user), s, 0);
	st_col_text(c.realm, sizeof(c.realm), s, 1);
	c.alg = sqlite3_column_int(s, 2);
	aadlen = st_aad_user(aad, sizeof(aad), c.user, c.realm, c.alg);
	if (st_unseal_cols(w->st, s, 3, c.alg, aad, aadlen, c.ha1, &c.ha1_len)) {
		st_err_undecryptable(w->err, w->errlen, "user", c.user, c.realm, c.alg,
				     "set the user's password again");
		OPENSSL_cleanse(&c, sizeof(c));
		return -EIO;
	}
	r = w->cb(&c, w->arg);
	OPENSSL_cleanse(&c, sizeof(c));
	return r;
}

int sl_store_cred_walk(struct sl_store *st, int (*cb)(const struct sl_cred *, void *),
		       void *arg, char *err, size_t errlen)
{
	struct cred_walk w = { st, cb, arg, err, errlen };
	sqlite3_stmt *s;
	int r;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_cred_walk: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, "SELECT c.user, c.realm, c.alg, c.nonce, c.ciphertext, c.tag "
		       "FROM credentials c JOIN users u ON u.name = c.user "
		       "WHERE u.enabled = 1 ORDER BY c.user, c.realm, c.alg", &s, err, errlen);
	return r ? r : st_walk(st, s, cred_row, &w, "reading credentials", err, errlen);
}
