/* SPDX-License-Identifier: BSD-3-Clause */
/* Store helpers: error messages, statements, transactions, validation. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store_int.h"

void st_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int st_sqlerr(struct sl_store *st, int rc, const char *what, char *err, size_t errlen)
{
	const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		st_err(err, errlen, "%s: the store is locked by another process (%s); retry later",
		       what, msg);
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
			st_err(err, errlen, "%s: already exists", what);
			return -EEXIST;
		}
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
			st_err(err, errlen, "%s: refers to a row that does not exist or is still in use",
			       what);
			return -EBUSY;
		}
		st_err(err, errlen, "%s: value refused by the schema (%s)", what, msg);
		return -EINVAL;
	case SQLITE_FULL:
		st_err(err, errlen, "%s: disk full (%s); free space and retry", what, msg);
		return -EIO;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		st_err(err, errlen, "%s: %s; check the store file's owner and permissions",
		       what, msg);
		return -EIO;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		st_err(err, errlen, "%s: %s; restore the store from a backup", what, msg);
		return -EIO;
	default:
		st_err(err, errlen, "%s: SQLite error: %s", what, msg);
		return -EIO;
	}
}

int st_prepare(struct sl_store *st, const char *sql, sqlite3_stmt **out,
	       char *err, size_t errlen)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);

	if (rc != SQLITE_OK) {
		*out = NULL;
		return st_sqlerr(st, rc, "preparing a store query", err, errlen);
	}
	return 0;
}

int st_begin(struct sl_store *st, char *err, size_t errlen)
{
	int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : st_sqlerr(st, rc, "starting a store transaction", err, errlen);
}

int st_commit(struct sl_store *st, char *err, size_t errlen)
{
	int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		int r = st_sqlerr(st, rc, "committing a store transaction", err, errlen);

		st_rollback(st);
		return r;
	}
	return 0;
}

void st_rollback(struct sl_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int st_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
	return sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
}

void st_col_text(char *dst, size_t dstlen, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, col) : 0;

	if (dstlen == 0)
		return;
	if (n >= dstlen)
		n = dstlen - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

int st_row1(struct sl_store *st, const char *sql, const char *key,
	    void (*row)(sqlite3_stmt *s, void *out), void *out, const char *what,
	    char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc, r;

	r = st_prepare(st, sql, &s, err, errlen);
	if (r)
		return r;
	st_bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (row)
			row(s, out);
		r = 1;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	} else {
		r = st_sqlerr(st, rc, what, err, errlen);
	}
	sqlite3_finalize(s);
	return r;
}

int st_exists(struct sl_store *st, const char *sql, const char *key,
	      char *err, size_t errlen)
{
	return st_row1(st, sql, key, NULL, NULL, "looking up a store row", err, errlen);
}

static int required_v(int found, char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (found < 0)
		return found;
	if (found > 0)
		return 0;
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	return -ENOENT;
}

int st_required(int found, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = required_v(found, err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

int st_need(struct sl_store *st, const char *sql, const char *key, char *err, size_t errlen,
	    const char *fmt, ...)
{
	va_list ap;
	int r = st_exists(st, sql, key, err, errlen);

	va_start(ap, fmt);
	r = required_v(r, err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

int st_step_done(struct sl_store *st, sqlite3_stmt *s, const char *what,
		 char *err, size_t errlen)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : st_sqlerr(st, rc, what, err, errlen);
}

int st_exec(struct sl_store *st, const char *sql, const char *key1, const char *key2,
	    int *changes, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int r;

	r = st_prepare(st, sql, &s, err, errlen);
	if (r)
		return r;
	if (key1)
		st_bind_text(s, 1, key1);
	if (key2)
		st_bind_text(s, 2, key2);
	r = st_step_done(st, s, what, err, errlen);
	if (!r && changes)
		*changes = sqlite3_changes(st->db);
	return r;
}

int st_walk(struct sl_store *st, sqlite3_stmt *s, int (*row)(sqlite3_stmt *s, void *ctx),
	    void *ctx, const char *what, char *err, size_t errlen)
{
	int r = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r = row(s, ctx);
		if (r)
			break;
	}
	if (!r && rc != SQLITE_DONE)
		r = st_sqlerr(st, rc, what, err, errlen);
	sqlite3_finalize(s);
	return r;
}

int st_end(struct sl_store *st, int r, char *err, size_t errlen)
{
	if (r) {
		st_rollback(st);
		return r;
	}
	return st_commit(st, err, errlen);
}

/* ---- validation ---- */

void st_printable(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i, o = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < n && o + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[o] = '\0';
}

static bool name_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '+' || c == '-';
}

/* Length of s if terminated within cap, else cap. */
static size_t bounded_len(const char *s, size_t cap)
{
	return strnlen(s, cap);
}

int st_check_name(const char *field, const char *s, size_t cap, char *err, size_t errlen)
{
	size_t n, i;

	if (!s) {
		st_err(err, errlen, "%s is missing", field);
		return -EINVAL;
	}
	n = bounded_len(s, cap);
	if (n == 0) {
		st_err(err, errlen, "%s is empty; give 1 to %zu characters from [A-Za-z0-9._+-]",
		       field, cap - 1);
		return -EINVAL;
	}
	if (n >= cap) {
		st_err(err, errlen, "%s is longer than %zu characters; use a shorter name",
		       field, cap - 1);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!name_char((unsigned char)s[i])) {
			char shown[SL_STORE_NAME_MAX];

			st_printable(shown, sizeof(shown), s, n);
			st_err(err, errlen, "%s \"%s\" has a character other than [A-Za-z0-9._+-] at offset %zu",
			       field, shown, i);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_chars(const char *field, const char *s, size_t n, bool quotable,
		       char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			st_err(err, errlen, "%s has a control character (0x%02x) at offset %zu; remove it",
			       field, c, i);
			return -EINVAL;
		}
		if (quotable && (c == '"' || c == '\\')) {
			st_err(err, errlen, "%s contains '%c' at offset %zu, which SIP would have to escape; "
			       "remove it", field, c, i);
			return -EINVAL;
		}
	}
	return 0;
}

int st_check_text(const char *field, const char *s, size_t cap, size_t min,
		  char *err, size_t errlen)
{
	size_t n;

	if (!s) {
		st_err(err, errlen, "%s is missing", field);
		return -EINVAL;
	}
	n = bounded_len(s, cap);
	if (n >= cap) {
		st_err(err, errlen, "%s is longer than %zu bytes; shorten it", field, cap - 1);
		return -EINVAL;
	}
	if (n < min) {
		st_err(err, errlen, "%s is empty; it is required", field);
		return -EINVAL;
	}
	return check_chars(field, s, n, false, err, errlen);
}

int st_check_quotable(const char *field, const char *s, size_t cap, char *err, size_t errlen)
{
	int r = st_check_text(field, s, cap, 1, err, errlen);

	if (r)
		return r;
	return check_chars(field, s, strlen(s), true, err, errlen);
}

int st_check_transport(const char *field, const char *s, size_t cap, char *err, size_t errlen)
{
	size_t n;

	if (!s) {
		st_err(err, errlen, "%s is missing", field);
		return -EINVAL;
	}
	n = bounded_len(s, cap);
	if (n < cap && (!strcmp(s, "tls") || !strcmp(s, "tcp") || !strcmp(s, "udp")))
		return 0;
	if (n >= cap || check_chars(field, s, n, false, NULL, 0))
		st_err(err, errlen, "%s is not one of tls, tcp, udp", field);
	else
		st_err(err, errlen, "%s \"%s\" is not one of tls, tcp, udp", field, s);
	return -EINVAL;
}

int st_check_password(const char *password, char *err, size_t errlen)
{
	size_t n;

	/* Never echo the password, not even part of it. */
	if (!password) {
		st_err(err, errlen, "password is missing");
		return -EINVAL;
	}
	n = bounded_len(password, ST_PASSWORD_MAX + 1);
	if (n == 0) {
		st_err(err, errlen, "password is empty; give a non-empty password");
		return -EINVAL;
	}
	if (n > ST_PASSWORD_MAX) {
		st_err(err, errlen, "password is longer than %d bytes; use a shorter one",
		       ST_PASSWORD_MAX);
		return -EINVAL;
	}
	return 0;
}
