/* SPDX-License-Identifier: BSD-3-Clause */
/* Registrations: the registrar's bindings (RFC 3261 §10), mirrored here for
 * the admin interface; the daemon clears them at start. */
#include <errno.h>
#include <string.h>

#include "store_int.h"

static int check_reg(struct sl_store *st, const struct sl_registration *r, char *err, size_t errlen)
{
	int e;

	e = st_check_name("registration user", r->user, sizeof(r->user), err, errlen);
	if (!e)
		e = st_check_text("registration contact", r->contact, sizeof(r->contact), 1, err, errlen);
	if (!e && r->device[0])
		e = st_check_name("registration device", r->device, sizeof(r->device), err, errlen);
	if (!e)
		e = st_check_transport("registration transport", r->transport, sizeof(r->transport),
				       err, errlen);
	if (!e)
		e = st_check_text("registration source", r->source, sizeof(r->source), 0, err, errlen);
	if (!e)
		e = st_check_text("registration user_agent", r->user_agent, sizeof(r->user_agent), 0,
				  err, errlen);
	if (e)
		return e;
	e = st_need(st, "SELECT 1 FROM users WHERE name = ?1", r->user, err, errlen,
		    "registration: user \"%s\" does not exist", r->user);
	if (e || !r->device[0])
		return e;
	return st_need(st, "SELECT 1 FROM devices WHERE name = ?1", r->device, err, errlen,
		       "registration: device \"%s\" does not exist", r->device);
}

int sl_store_reg_put(struct sl_store *st, const struct sl_registration *r, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int e;

	if (!st || !r) {
		st_err(err, errlen, "sl_store_reg_put: missing store or registration");
		return -EINVAL;
	}
	e = st_begin(st, err, errlen);
	if (e)
		return e;
	e = check_reg(st, r, err, errlen);
	if (e)
		goto out;
	e = st_prepare(st, "INSERT INTO registrations (user, contact, device, transport, source, "
		       "user_agent, registered, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
		       "ON CONFLICT (user, contact) DO UPDATE SET device = excluded.device, "
		       "transport = excluded.transport, source = excluded.source, "
		       "user_agent = excluded.user_agent, registered = excluded.registered, "
		       "expires = excluded.expires", &s, err, errlen);
	if (e)
		goto out;
	st_bind_text(s, 1, r->user);
	st_bind_text(s, 2, r->contact);
	if (r->device[0])
		st_bind_text(s, 3, r->device);
	else
		sqlite3_bind_null(s, 3);
	st_bind_text(s, 4, r->transport);
	st_bind_text(s, 5, r->source);
	st_bind_text(s, 6, r->user_agent);
	sqlite3_bind_int64(s, 7, r->registered);
	sqlite3_bind_int64(s, 8, r->expires);
	e = st_step_done(st, s, "writing the registration", err, errlen);
out:
	return st_end(st, e, err, errlen);
}

int sl_store_reg_del(struct sl_store *st, const char *user, const char *contact,
		     char *err, size_t errlen)
{
	int e, changes = 0;

	if (!st) {
		st_err(err, errlen, "sl_store_reg_del: missing store");
		return -EINVAL;
	}
	e = st_check_name("registration user", user, SL_STORE_NAME_MAX, err, errlen);
	if (!e)
		e = st_check_text("registration contact", contact, SL_STORE_TEXT_MAX, 1, err, errlen);
	if (!e)
		e = st_exec(st, "DELETE FROM registrations WHERE user = ?1 AND contact = ?2", user,
			    contact, &changes, "deleting the registration", err, errlen);
	return e ? e : st_required(changes, err, errlen,
				   "user \"%s\" has no registration for contact \"%s\"", user, contact);
}

int sl_store_reg_clear(struct sl_store *st, char *err, size_t errlen)
{
	if (!st) {
		st_err(err, errlen, "sl_store_reg_clear: missing store");
		return -EINVAL;
	}
	return st_exec(st, "DELETE FROM registrations", NULL, NULL, NULL, "clearing registrations",
		       err, errlen);
}

struct reg_walk {
	int (*cb)(const struct sl_registration *, void *);
	void *arg;
};

static int reg_row(sqlite3_stmt *s, void *ctx)
{
	const struct reg_walk *w = ctx;
	struct sl_registration r;

	memset(&r, 0, sizeof(r));
	st_col_text(r.user, sizeof(r.user), s, 0);
	st_col_text(r.contact, sizeof(r.contact), s, 1);
	st_col_text(r.device, sizeof(r.device), s, 2);	/* NULL -> "" */
	st_col_text(r.transport, sizeof(r.transport), s, 3);
	st_col_text(r.source, sizeof(r.source), s, 4);
	st_col_text(r.user_agent, sizeof(r.user_agent), s, 5);
	r.registered = sqlite3_column_int64(s, 6);
	r.expires = sqlite3_column_int64(s, 7);
	return w->cb(&r, w->arg);
}

int sl_store_reg_list(struct sl_store *st, int (*cb)(const struct sl_registration *, void *),
		      void *arg, char *err, size_t errlen)
{
	struct reg_walk w = { cb, arg };
	sqlite3_stmt *s;
	int e;

	if (!st || !cb) {
		st_err(err, errlen, "sl_store_reg_list: missing store or callback");
		return -EINVAL;
	}
	e = st_prepare(st, "SELECT user, contact, device, transport, source, user_agent, "
		       "registered, expires FROM registrations ORDER BY user, contact", &s, err, errlen);
	return e ? e : st_walk(st, s, reg_row, &w, "listing registrations", err, errlen);
}
