/* SPDX-License-Identifier: BSD-3-Clause */
/* Security profiles. The three built-in ones (created by migration 1) cannot
 * be deleted and keep their mode; their description and encrypted-
 * configuration switch (migration 3) may change. */
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
	int r;

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
	r = st_prepare(st, "INSERT INTO profiles (name, mode, description, encrypt_config) "
		       "VALUES (?1, ?2, ?3, ?4) "
		       "ON CONFLICT (name) DO UPDATE SET mode = excluded.mode, "
		       "description = excluded.description, "
		       "encrypt_config = excluded.encrypt_config", &s, err, errlen);
	if (r)
		goto out;
	st_bind_text(s, 1, p->name);
	sqlite3_bind_int(s, 2, (int)p->mode);
	st_bind_text(s, 3, p->description);
	sqlite3_bind_int(s, 4, p->encrypt_config ? 1 : 0);
	r = st_step_done(st, s, "writing the profile", err, errlen);
out:
	return st_end(st, r, err, errlen);
}

static void row_profile(sqlite3_stmt *s, void *out)
{
	struct sl_profile *p = out;
	int m;

	memset(p, 0, sizeof(*p));
	st_col_text(p->name, sizeof(p->name), s, 0);
	m = sqlite3_column_int(s, 1);
	p->mode = (m >= 0 && m <= SL_SEC_ENCRYPTED) ? (enum sl_sec_mode)m : SL_SEC_ENCRYPTED;
	st_col_text(p->description, sizeof(p->description), s, 2);
	p->encrypt_config = sqlite3_column_int(s, 3) != 0;
}

#define PROFILE_COLS "SELECT name, mode, description, encrypt_config FROM profiles "

int sl_store_profile_get(struct sl_store *st, const char *name, struct sl_profile *p,
			 char *err, size_t errlen)
{
	int r;

	if (!st || !p) {
		st_err(err, errlen, "sl_store_profile_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_name("profile name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_row1(st, PROFILE_COLS "WHERE name = ?1", name, row_profile, p,
		    "reading the profile", err, errlen);
	return st_required(r, err, errlen, "profile \"%s\" does not exist; list profiles to see "
			   "the names", name);
}

#define WHO_MAX 96

/* "device \"x\"" or "trunk \"y\"" from the row (kind, name). */
static void row_who(sqlite3_stmt *s, void *out)
{
	char kind[8], who[SL_STORE_NAME_MAX];

	st_col_text(kind, sizeof(kind), s, 0);
	st_col_text(who, sizeof(who), s, 1);
	snprintf(out, WHO_MAX, "%s \"%s\"", kind, who);
}

int sl_store_profile_del(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	char who[WHO_MAX];
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
	/* One device or trunk still using the profile. */
	r = st_row1(st, "SELECT 'device', name FROM devices WHERE profile = ?1 UNION ALL "
		    "SELECT 'trunk', name FROM trunks WHERE profile = ?1 LIMIT 1", name, row_who, who,
		    "checking the profile's users", err, errlen);
	if (r == 1) {
		st_err(err, errlen, "profile \"%s\" is used by %s; move it to another profile first",
		       name, who);
		r = -EBUSY;
	}
	if (!r)
		r = st_exec(st, "DELETE FROM profiles WHERE name = ?1", name, NULL, &changes,
			    "deleting the profile", err, errlen);
	if (!r)
		r = st_required(changes, err, errlen, "profile \"%s\" does not exist", name);
	return st_end(st, r, err, errlen);
}

struct profile_walk {
	int (*cb)(const struct sl_profile *, void *);
	void *arg;
};

static int profile_row(sqlite3_stmt *s, void *ctx)
{
	const struct profile_walk *w = ctx;
	struct sl_profile p;

	row_profile(s, &p);
	return w->cb(&p, w->arg);
}

int sl_store_profile_list(struct sl_store *st, int (*cb)(const struct sl_profile *, void *),
			  void *arg, char *err, size_t errlen)
{
	struct profile_walk w = { cb, arg };
	sqlite3_stmt *s;
	int r;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_profile_list: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, PROFILE_COLS "ORDER BY mode, name", &s, err, errlen);
	return r ? r : st_walk(st, s, profile_row, &w, "listing profiles", err, errlen);
}
