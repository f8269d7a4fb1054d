/* SPDX-License-Identifier: BSD-3-Clause */
/* Opening and closing the store: file creation and permissions, pragmas,
 * migrations, the credential key. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "store_int.h"

#define ST_BUSY_TIMEOUT_MS	5000

static const char *const mode_names[] = { "non-secure", "authenticated", "encrypted" };

const char *sl_sec_mode_name(enum sl_sec_mode m)
{
	if ((unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]))
		return mode_names[m];
	return "unknown";
}

int sl_sec_mode_parse(const char *s, enum sl_sec_mode *m)
{
	unsigned i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = (enum sl_sec_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sl_store_warning(const struct sl_store *st)
{
	return st ? st->warning : "";
}

static void add_warning(struct sl_store *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_warning(struct sl_store *st, const char *fmt, ...)
{
	size_t n = strlen(st->warning);
	va_list ap;

	if (n + 2 >= sizeof(st->warning))
		return;
	if (n) {
		st->warning[n++] = ';';
		st->warning[n++] = ' ';
		st->warning[n] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(st->warning + n, sizeof(st->warning) - n, fmt, ap);
	va_end(ap);
}

/*
 * Creates path with mode 0600 if missing (O_NOFOLLOW: never through a
 * symlink) and makes an existing one 0600 if group or others could read or
 * write it (the file holds the encrypted credentials and the user list).
 */
static int prepare_file(struct sl_store *st, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	mode_t old = umask(077);
	int fd, e;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	e = errno;
	umask(old);
	if (fd < 0) {
		st_err(err, errlen, "cannot open or create the store %s: %s; check the directory exists "
		       "and is writable by the daemon (and that the path is not a symlink)",
		       path, strerror(e));
		return -EIO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		st_err(err, errlen, "the store %s is not a regular file; give the path of a file", path);
		close(fd);
		return -EINVAL;
	}
	if (sb.st_mode & 077) {
		if (fchmod(fd, 0600) != 0) {
			e = errno;
			st_err(err, errlen, "the store %s has mode %04o (readable by others) and chmod 0600 "
			       "failed: %s; fix its permissions", path, (unsigned)(sb.st_mode & 07777),
			       strerror(e));
			close(fd);
			return -EIO;
		}
		add_warning(st, "the store %s had mode %04o (group/other access); changed it to 0600",
			    path, (unsigned)(sb.st_mode & 07777));
	}
	close(fd);
	return 0;
}

/* The same for the WAL and shared-memory files of an earlier run. */
static void fix_sidecar(struct sl_store *st, const char *path, const char *suffix)
{
	char p[4096];
	struct stat sb;
	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s%s", path, suffix) >= sizeof(p))
		return;
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077) &&
	    fchmod(fd, 0600) == 0)
		add_warning(st, "%s had mode %04o; changed it to 0600", p,
			    (unsigned)(sb.st_mode & 07777));
	close(fd);
}

static int pragma_text(struct sl_store *st, const char *sql, const char *want,
		       char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc, r;

	r = st_prepare(st, sql, &s, err, errlen);
	if (r)
		return r;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		r = st_sqlerr(st, rc, sql, err, errlen);
	} else if (want && sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), want)) {
		st_err(err, errlen, "%s returned \"%s\" instead of \"%s\"; is the store on a file "
		       "system that supports it?", sql, (const char *)sqlite3_column_text(s, 0), want);
		r = -EIO;
	}
	sqlite3_finalize(s);
	return r;
}

static int configure(struct sl_store *st, char *err, size_t errlen)
{
	static const char *const plain[] = {
		"PRAGMA foreign_keys = ON",
		"PRAGMA secure_delete = ON",	/* old credential blobs are zeroed */
		"PRAGMA trusted_schema = OFF",
		/* WAL + NORMAL: a commit does not wait for the disk (only checkpoints
		 * sync); a power cut may lose the last commits but never corrupts the
		 * file. Registrations and call reports arrive many times a second and
		 * the daemon must not stall on fsync (phones re-register anyway). */
		"PRAGMA synchronous = NORMAL",
	};
	int rc, r;
	unsigned i;

	sqlite3_busy_timeout(st->db, ST_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		rc = sqlite3_exec(st->db, plain[i], NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return st_sqlerr(st, rc, plain[i], err, errlen);
	}
	r = pragma_text(st, "PRAGMA journal_mode = WAL", "wal", err, errlen);
	if (r)
		return r;
	return pragma_text(st, "PRAGMA foreign_keys", "1", err, errlen);
}

int sl_store_open_version(const char *path, const uint8_t master_key[SL_STORE_MASTER_KEY_LEN],
			  int target_version, struct sl_store **out, char *err, size_t errlen)
{
	struct sl_store *st;
	mode_t old;
	int rc, r;

	if (!path || !*path || !master_key || !out) {
		st_err(err, errlen, "sl_store_open: missing path, master key or result pointer");
		return -EINVAL;
	}
	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		st_err(err, errlen, "out of memory opening the store");
		return -ENOMEM;
	}
	r = prepare_file(st, path, err, errlen);
	if (r)
		goto err_free;
	fix_sidecar(st, path, "-wal");
	fix_sidecar(st, path, "-shm");
	r = st_derive_key(master_key, st->key);
	if (r) {
		st_err(err, errlen, "deriving the store's credential key failed (OpenSSL HKDF)");
		goto err_free;
	}
	/* SQLite gives its -wal/-shm files the database file's mode; the
	 * umask is a second guard for the moment they are created. */
	old = umask(077);
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		r = st_sqlerr(st, rc, path, err, errlen);
		goto err_db;
	}
	r = configure(st, err, errlen);
	if (r)
		goto err_db;
	r = st_migrate(st, target_version, err, errlen);
	if (r)
		goto err_db;
	r = st_user_version(st, &st->version, err, errlen);
	if (r)
		goto err_db;
	*out = st;
	return 0;
err_db:
	sqlite3_close_v2(st->db);
err_free:
	OPENSSL_cleanse(st->key, sizeof(st->key));
	free(st);
	return r;
}

int sl_store_open(const char *path, const uint8_t master_key[SL_STORE_MASTER_KEY_LEN],
		  struct sl_store **out, char *err, size_t errlen)
{
	return sl_store_open_version(path, master_key, sl_store_schema_latest(), out, err, errlen);
}

void sl_store_close(struct sl_store *st)
{
	if (!st)
		return;
	sqlite3_close_v2(st->db);
	OPENSSL_cleanse(st->key, sizeof(st->key));
	free(st);
}
