/* SPDX-License-Identifier: BSD-3-Clause */
/* Devices: a phone or soft client, its line (user) and security profile. */
#include <errno.h>
#include <string.h>

#include "store_int.h"

static int check_device(struct sl_store *st, const struct sl_device *d, char *err, size_t errlen)
{
	int r;

	r = st_check_name("device name", d->name, sizeof(d->name), err, errlen);
	if (!r)
		r = st_check_name("device user", d->user, sizeof(d->user), err, errlen);
	if (!r)
		r = st_check_name("device profile", d->profile, sizeof(d->profile), err, errlen);
	if (!r)
		r = st_check_text("device cert_identity", d->cert_identity,
				  sizeof(d->cert_identity), 0, err, errlen);
	if (!r)
		r = st_check_text("device description", d->description, sizeof(d->description), 0,
				  err, errlen);
	if (r)
		return r;
	r = st_exists(st, "SELECT 1 FROM users WHERE name = ?1", d->user, err, errlen);
	if (r == 0) {
		st_err(err, errlen, "device \"%s\": user \"%s\" does not exist; add the user first",
		       d->name, d->user);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	r = st_exists(st, "SELECT 1 FROM profiles WHERE name = ?1", d->profile, err, errlen);
	if (r == 0) {
		st_err(err, errlen, "device \"%s\": profile \"%s\" does not exist; list profiles to "
		       "see the names", d->name, d->profile);
		return -ENOENT;
	}
	return r < 0 ? r : 0;
}

int sl_store_device_put(struct sl_store *st, const struct sl_device *d, bool create_only,
			char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !d) {
		st_err(err, errlen, "sl_store_device_put: missing store or device");
		return -EINVAL;
	}
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = check_device(st, d, err, errlen);
	if (r)
		goto out;
	r = st_prepare(st, create_only ?
		       "INSERT INTO devices (name, user, profile, cert_identity, description) "
		       "VALUES (?1, ?2, ?3, ?4, ?5)" :
		       "INSERT INTO devices (name, user, profile, cert_identity, description) "
		       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
		       "user = excluded.user, profile = excluded.profile, "
		       "cert_identity = excluded.cert_identity, description = excluded.description",
		       &s, err, errlen);
	if (r)
		goto out;
	st_bind_text(s, 1, d->name);
	st_bind_text(s, 2, d->user);
	st_bind_text(s, 3, d->profile);
	st_bind_text(s, 4, d->cert_identity);
	st_bind_text(s, 5, d->description);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		r = st_sqlerr(st, rc, "writing the device", err, errlen);
		if (r == -EEXIST)
			st_err(err, errlen, "device \"%s\" already exists; choose another name or update it",
			       d->name);
		goto out;
	}
	return st_commit(st, err, errlen);
out:
	st_rollback(st);
	return r;
}

static void row_device(sqlite3_stmt *s, struct sl_device *d)
{
	memset(d, 0, sizeof(*d));
	st_col_text(d->name, sizeof(d->name), s, 0);
	st_col_text(d->user, sizeof(d->user), s, 1);
	st_col_text(d->profile, sizeof(d->profile), s, 2);
	st_col_text(d->cert_identity, sizeof(d->cert_identity), s, 3);
	st_col_text(d->description, sizeof(d->description), s, 4);
}

int sl_store_device_get(struct sl_store *st, const char *name, struct sl_device *d,
			char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !d) {
		st_err(err, errlen, "sl_store_device_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_name("device name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_prepare(st, "SELECT name, user, profile, cert_identity, description FROM devices "
		       "WHERE name = ?1", &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		row_device(s, d);
	} else if (rc == SQLITE_DONE) {
		st_err(err, errlen, "device \"%s\" does not exist", name);
		r = -ENOENT;
	} else {
		r = st_sqlerr(st, rc, "reading the device", err, errlen);
	}
	sqlite3_finalize(s);
	return r;
}

int sl_store_device_del(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	int r, changes = 0;

	if (!st) {
		st_err(err, errlen, "sl_store_device_del: missing store");
		return -EINVAL;
	}
	r = st_check_name("device name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	/* Registrations naming it keep their binding with device NULL. */
	r = st_exec1(st, "DELETE FROM devices WHERE name = ?1", name, &changes,
		     "deleting the device", err, errlen);
	if (r)
		return r;
	if (!changes) {
		st_err(err, errlen, "device \"%s\" does not exist", name);
		return -ENOENT;
	}
	return 0;
}

int sl_store_device_list(struct sl_store *st, int (*cb)(const struct sl_device *, void *),
			 void *arg, char *err, size_t errlen)
{
	struct sl_device d;
	sqlite3_stmt *s;
	int r, rc;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_device_list: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, "SELECT name, user, profile, cert_identity, description FROM devices "
		       "ORDER BY name", &s, err, errlen);
	if (r)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		row_device(s, &d);
		r = cb(&d, arg);
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = st_sqlerr(st, rc, "listing devices", err, errlen);
	sqlite3_finalize(s);
	return r;
}
