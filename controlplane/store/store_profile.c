/* SPDX-License-Identifier: BSD-3-Clause */
/* Security profiles. The three built-in ones (created by migration 1) cannot
 * be deleted and keep their mode; their description may change. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

static bool builtin(const char *name)
{
	return !strcmp(name, "non-secure") || !strcmp(name, "authenticated") ||
	       !strcmp(name, "encrypted");
}

static int check_profile(const struct sl_profile *p, char *err, size_t errlen)
{
	int r = st_check_name("profile name", p->name, sizeof(p->name), err, errlen);

	if (r)
		return r;
	if ((unsigned)p->mode > SL_SEC_ENCRYPTED) {
		st_err(err, errlen, "profile \"%s\": mode %d is not one of 0 (non-secure), "
		       "1 (authenticated), 2 (encrypted)", p->name, (int)p->mode);
		return -EINVAL;
	}
	return st_check_text("profile description", p->description, sizeof(p->description), 0,
			     err, errlen);
}

int sl_store_profile_put(struct sl_store *st, const struct sl_profile *p, bool create_only,
			 char *err, size_t errlen)
{
	struct sl_profile cur;
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !p) {
		st_err(err, errlen, "sl_store_profile_put: missing store or profile");
		return -EINVAL;
	}
	r = check_profile(p, err, errlen);
	if (r)
		return r;
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = sl_store_profile_get(st, p->name, &cur, err, errlen);
	if (r == 0 && create_only) {
		st_err(err, errlen, "profile \"%s\" already exists; choose another name or update it",
		       p->name);
		r = -EEXIST;
		goto out;
	}
	if (r == 0 && builtin(p->name) && cur.mode != p->mode) {
		st_err(err, errlen, "profile \"%s\" is built in and keeps mode %s; create a new "
		       "profile with mode %s instead", p->name, sl_sec_mode_name(cur.mode),
		       sl_sec_mode_name(p->mode));
		r = -EPERM;
		goto out;
	}
	if (r && r != -ENOENT)
		goto out;
	r = st_prepare(st, "INSERT INTO profiles (name, mode, description) VALUES (?1, ?2, ?3) "
		       "ON CONFLICT (name) DO UPDATE SET mode = excluded.mode, "
		       "description = excluded.description", &s, err, errlen);
	if (r)
		goto out;
	st_bind_text(s, 1, p->name);
	sqlite3_bind_int(s, 2, (int)p->mode);
	st_bind_text(s, 3, p->description);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		r = st_sqlerr(st, rc, "writing the profile", err, errlen);
		goto out;
	}
	return st_commit(st, err, errlen);
out:
	st_rollback(st);
	return r;
}

static void row_profile(sqlite3_stmt *s, struct sl_profile *p)
{
	int m;

	memset(p, 0, sizeof(*p));
	st_col_text(p->name, sizeof(p->name), s, 0);
	m = sqlite3_column_int(s, 1);
	p->mode = (m >= 0 && m <= SL_SEC_ENCRYPTED) ? (enum sl_sec_mode)m : SL_SEC_ENCRYPTED;
	st_col_text(p->description, sizeof(p->description), s, 2);
}

int sl_store_profile_get(struct sl_store *st, const char *name, struct sl_profile *p,
			 char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !p) {
		st_err(err, errlen, "sl_store_profile_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_name("profile name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_prepare(st, "SELECT name, mode, description FROM profiles WHERE name = ?1",
		       &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		row_profile(s, p);
	} else if (rc == SQLITE_DONE) {
		st_err(err, errlen, "profile \"%s\" does not exist; list profiles to see the names",
		       name);
		r = -ENOENT;
	} else {
		r = st_sqlerr(st, rc, "reading the profile", err, errlen);
	}
	sqlite3_finalize(s);
	return r;
}

/* Name of one device or trunk using the profile: 1 found, 0 none, <0 error. */
static int profile_user(struct sl_store *st, const char *name, char *what, size_t whatlen,
			char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc;

	r = st_prepare(st, "SELECT 'device', name FROM devices WHERE profile = ?1 UNION ALL "
		       "SELECT 'trunk', name FROM trunks WHERE profile = ?1 LIMIT 1", &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		char kind[8], who[SL_STORE_NAME_MAX];

		st_col_text(kind, sizeof(kind), s, 0);
		st_col_text(who, sizeof(who), s, 1);
		snprintf(what, whatlen, "%s \"%s\"", kind, who);
		r = 1;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	} else {
		r = st_sqlerr(st, rc, "checking the profile's users", err, errlen);
	}
	sqlite3_finalize(s);
	return r;
}

int sl_store_profile_del(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	char who[96];
	int r, changes = 0;

	if (!st) {
		st_err(err, errlen, "sl_store_profile_del: missing store");
		return -EINVAL;
	}
	r = st_check_name("profile name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	if (builtin(name)) {
		st_err(err, errlen, "profile \"%s\" is built in and cannot be deleted", name);
		return -EPERM;
	}
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = profile_user(st, name, who, sizeof(who), err, errlen);
	if (r == 1) {
		st_err(err, errlen, "profile \"%s\" is used by %s; move it to another profile first",
		       name, who);
		r = -EBUSY;
		goto out;
	}
	if (r)
		goto out;
	r = st_exec1(st, "DELETE FROM profiles WHERE name = ?1", name, &changes,
		     "deleting the profile", err, errlen);
	if (r)
		goto out;
	if (!changes) {
		st_err(err, errlen, "profile \"%s\" does not exist", name);
		r = -ENOENT;
		goto out;
	}
	return st_commit(st, err, errlen);
out:
	st_rollback(st);
	return r;
}

int sl_store_profile_list(struct sl_store *st, int (*cb)(const struct sl_profile *, void *),
			  void *arg, char *err, size_t errlen)
{
	struct sl_profile p;
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_profile_list: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, "SELECT name, mode, description FROM profiles ORDER BY mode, name",
		       &s, err, errlen);
	if (r)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_profile(s, &p);
		r = cb(&p, arg);
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = st_sqlerr(st, rc, "listing profiles", err, errlen);
	sqlite3_finalize(s);
	return r;
}
