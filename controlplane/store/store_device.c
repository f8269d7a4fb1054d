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
	r = st_need(st, "SELECT 1 FROM users WHERE name = ?1", d->user, err, errlen,
		    "device \"%s\": user \"%s\" does not exist; add the user first", d->name, d->user);
	if (r)
		return r;
	return st_need(st, "SELECT 1 FROM profiles WHERE name = ?1", d->profile, err, errlen,
		       "device \"%s\": profile \"%s\" does not exist; list profiles to see the names",
		       d->name, d->profile);
}

int sl_store_device_put(struct sl_store *st, const struct sl_device *d, bool create_only,
			char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r;

	if (!st || !d) {
		st_err(err, errlen, "sl_store_device_put: missing store or device");
		return -EINVAL;
	}
	r = st_begin(st, err, errlen);
	if (r)
		return r;
	r = check_device(st, d, err, errlen);
	if (!r)
		r = st_prepare(st, create_only ?
			       "INSERT INTO devices (name, user, profile, cert_identity, description) "
			       "VALUES (?1, ?2, ?3, ?4, ?5)" :
			       "INSERT INTO devices (name, user, profile, cert_identity, description) "
			       "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
			       "user = excluded.user, profile = excluded.profile, "
			       "cert_identity = excluded.cert_identity, "
			       "description = excluded.description", &s, err, errlen);
	if (r)
		return st_end(st, r, err, errlen);
	st_bind_text(s, 1, d->name);
	st_bind_text(s, 2, d->user);
	st_bind_text(s, 3, d->profile);
	st_bind_text(s, 4, d->cert_identity);
	st_bind_text(s, 5, d->description);
	r = st_step_done(st, s, "writing the device", err, errlen);
	if (r == -EEXIST)
		st_err(err, errlen, "device \"%s\" already exists; choose another name or update it",
		       d->name);
	return st_end(st, r, err, errlen);
}

static void row_device(sqlite3_stmt *s, void *out)
{
	struct sl_device *d = out;

	memset(d, 0, sizeof(*d));
	st_col_text(d->name, sizeof(d->name), s, 0);
	st_col_text(d->user, sizeof(d->user), s, 1);
	st_col_text(d->profile, sizeof(d->profile), s, 2);
	st_col_text(d->cert_identity, sizeof(d->cert_identity), s, 3);
	st_col_text(d->description, sizeof(d->description), s, 4);
}

#define DEVICE_COLS "SELECT name, user, profile, cert_identity, description FROM devices "

int sl_store_device_get(struct sl_store *st, const char *name, struct sl_device *d,
			char *err, size_t errlen)
{
	int r;

	if (!st || !d) {
		st_err(err, errlen, "sl_store_device_get: missing store or result");
		return -EINVAL;
	}
	r = st_check_name("device name", name, SL_STORE_NAME_MAX, err, errlen);
	if (r)
		return r;
	r = st_row1(st, DEVICE_COLS "WHERE name = ?1", name, row_device, d, "reading the device",
		    err, errlen);
	return st_required(r, err, errlen, "device \"%s\" does not exist", name);
}

int sl_store_device_del(struct sl_store *st, const char *name, char *err, size_t errlen)
{
	int r, changes = 0;

	if (!st) {
		st_err(err, errlen, "sl_store_device_del: missing store");
		return -EINVAL;
	}
	r = st_check_name("device name", name, SL_STORE_NAME_MAX, err, errlen);
	/* Registrations naming it keep their binding with device NULL. */
	if (!r)
		r = st_exec(st, "DELETE FROM devices WHERE name = ?1", name, NULL, &changes,
			    "deleting the device", err, errlen);
	return r ? r : st_required(changes, err, errlen, "device \"%s\" does not exist", name);
}

struct device_walk {
	int (*cb)(const struct sl_device *, void *);
	void *arg;
};

static int device_row(sqlite3_stmt *s, void *ctx)
{
	const struct device_walk *w = ctx;
	struct sl_device d;

	row_device(s, &d);
	return w->cb(&d, w->arg);
}

int sl_store_device_list(struct sl_store *st, int (*cb)(const struct sl_device *, void *),
			 void *arg, char *err, size_t errlen)
{
	struct device_walk w = { cb, arg };
	sqlite3_stmt *s;
	int r;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_device_list: missing store or callback");
		return -EINVAL;
	}
	r = st_prepare(st, DEVICE_COLS "ORDER BY name", &s, err, errlen);
	return r ? r : st_walk(st, s, device_row, &w, "listing devices", err, errlen);
}
