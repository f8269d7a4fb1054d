/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schema and migrations. The schema version is PRAGMA user_version (0 = an
 * empty file). Migration N takes a store from version N-1 to N; each runs in
 * its own BEGIN IMMEDIATE transaction together with the user_version bump, so
 * a failed step leaves the store at N-1. A fresh store runs the same steps in
 * the same order, so an upgraded store and a fresh one have the same schema.
 * Migrations are append-only: never edit a released step (docs/store.md).
 */
#include <errno.h>
#include <stdio.h>

#include "store_int.h"

static const char *const migrations[] = {
	/* 1: initial schema and the three built-in security profiles. */
	"CREATE TABLE profiles ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" mode INTEGER NOT NULL CHECK (mode BETWEEN 0 AND 2),"
	" description TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"INSERT INTO profiles (name, mode, description) VALUES"
	" ('non-secure', 0, 'TCP/UDP or TLS signalling, RTP allowed'),"
	" ('authenticated', 1, 'mutual TLS signalling, RTP allowed'),"
	" ('encrypted', 2, 'mutual TLS signalling, SRTP mandatory');"
	"CREATE TABLE users ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" display TEXT NOT NULL DEFAULT '',"
	" enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
	" created INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE credentials ("
	" user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,"
	" realm TEXT NOT NULL,"
	" alg INTEGER NOT NULL CHECK (alg IN (0, 1)),"
	" nonce BLOB NOT NULL CHECK (length(nonce) = 12),"
	" ciphertext BLOB NOT NULL,"
	" tag BLOB NOT NULL CHECK (length(tag) = 16),"
	" PRIMARY KEY (user, realm, alg)"
	") STRICT;"
	"CREATE TABLE devices ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" user TEXT NOT NULL REFERENCES users (name),"
	" profile TEXT NOT NULL REFERENCES profiles (name),"
	" cert_identity TEXT NOT NULL DEFAULT '',"
	" description TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"CREATE TABLE trunks ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" host TEXT NOT NULL,"
	" port INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),"
	" transport TEXT NOT NULL CHECK (transport IN ('tls', 'tcp', 'udp')),"
	" prefix TEXT NOT NULL DEFAULT '',"
	" profile TEXT NOT NULL REFERENCES profiles (name)"
	") STRICT;"
	"CREATE TABLE trunk_credentials ("
	" trunk TEXT NOT NULL REFERENCES trunks (name) ON DELETE CASCADE,"
	" realm TEXT NOT NULL,"
	" username TEXT NOT NULL,"
	" alg INTEGER NOT NULL CHECK (alg IN (0, 1)),"
	" nonce BLOB NOT NULL CHECK (length(nonce) = 12),"
	" ciphertext BLOB NOT NULL,"
	" tag BLOB NOT NULL CHECK (length(tag) = 16),"
	" PRIMARY KEY (trunk, realm, alg)"
	") STRICT;"
	"CREATE TABLE registrations ("
	" user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,"
	" contact TEXT NOT NULL,"
	" device TEXT REFERENCES devices (name) ON DELETE SET NULL,"
	" transport TEXT NOT NULL CHECK (transport IN ('tls', 'tcp', 'udp')),"
	" source TEXT NOT NULL DEFAULT '',"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" registered INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" PRIMARY KEY (user, contact)"
	") STRICT;"
	"CREATE TABLE calls ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('ringing', 'active', 'ended')),"
	" security INTEGER NOT NULL CHECK (security BETWEEN 0 AND 2),"
	" started INTEGER NOT NULL,"
	" answered INTEGER NOT NULL DEFAULT 0,"
	" ended INTEGER NOT NULL DEFAULT 0,"
	" end_reason TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"CREATE TABLE call_legs ("
	" call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,"
	" leg INTEGER NOT NULL CHECK (leg IN (0, 1)),"
	" peer TEXT NOT NULL DEFAULT '',"
	" suite TEXT NOT NULL DEFAULT '',"
	" security INTEGER NOT NULL CHECK (security BETWEEN 0 AND 2),"
	" media_remote TEXT NOT NULL DEFAULT '',"
	" media_local TEXT NOT NULL DEFAULT '',"
	" pkts_in INTEGER NOT NULL DEFAULT 0,"
	" pkts_out INTEGER NOT NULL DEFAULT 0,"
	" auth_fail INTEGER NOT NULL DEFAULT 0,"
	" replay_drop INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (call_id, leg)"
	") STRICT;",

	/* 2: indexes for the call history (newest first, active calls), the
	 * registrar's expiry sweep and the foreign keys that profile and user
	 * deletion check (SQLite does not index child keys by itself). */
	"CREATE INDEX calls_started ON calls (started DESC, id DESC);"
	"CREATE INDEX calls_active ON calls (started DESC, id DESC) WHERE state <> 'ended';"
	"CREATE INDEX registrations_expires ON registrations (expires);"
	"CREATE INDEX registrations_device ON registrations (device);"
	"CREATE INDEX devices_user ON devices (user);"
	"CREATE INDEX devices_profile ON devices (profile);"
	"CREATE INDEX trunks_profile ON trunks (profile);",

	/* 3 (issue 5): CAPF enrolment per device (spec §1.8, §1.10), the
	 * profile's encrypted-configuration switch (spec §5) and the users'
	 * provisioning secrets. Sealed values are AES-256-GCM blobs as in
	 * credentials; a sealed password is padded to a multiple of 32 bytes
	 * (store_capf.c), so its size does not give its length away. */
	"CREATE TABLE capf ("
	" device TEXT PRIMARY KEY NOT NULL REFERENCES devices (name) ON DELETE CASCADE,"
	" operation TEXT NOT NULL DEFAULT 'none'"
	"  CHECK (operation IN ('none', 'install', 'fetch', 'delete')),"
	" auth TEXT NOT NULL DEFAULT 'null'"
	"  CHECK (auth IN ('password', 'null', 'lsc', 'mic', 'lsc-or-mic')),"
	" password_nonce BLOB CHECK (password_nonce IS NULL OR length(password_nonce) = 12),"
	" password_ciphertext BLOB CHECK (password_ciphertext IS NULL OR length(password_ciphertext) = 32),"
	" password_tag BLOB CHECK (password_tag IS NULL OR length(password_tag) = 16),"
	" key_type TEXT NOT NULL DEFAULT 'rsa' CHECK (key_type IN ('rsa', 'ec')),"
	" key_size INTEGER NOT NULL DEFAULT 2048,"
	" curve TEXT NOT NULL DEFAULT '',"
	" deadline INTEGER NOT NULL DEFAULT 0 CHECK (deadline >= 0),"
	" last_result TEXT NOT NULL DEFAULT '',"
	" last_time INTEGER NOT NULL DEFAULT 0,"
	" certificate TEXT NOT NULL DEFAULT '',"
	" serial TEXT NOT NULL DEFAULT '',"
	" not_before INTEGER NOT NULL DEFAULT 0,"
	" not_after INTEGER NOT NULL DEFAULT 0,"
	" cert_kind TEXT NOT NULL DEFAULT '' CHECK (cert_kind IN ('', 'lsc', 'mic')),"
	" CHECK ((auth = 'password') = (password_nonce IS NOT NULL AND"
	"  password_ciphertext IS NOT NULL AND password_tag IS NOT NULL)),"
	" CHECK ((key_type = 'rsa' AND key_size IN (1024, 2048, 3072, 4096) AND curve = '') OR"
	"  (key_type = 'ec' AND key_size = 0 AND curve IN ('P-256', 'P-384', 'P-521'))),"
	" CHECK ((certificate = '') = (cert_kind = ''))"
	") STRICT;"
	"ALTER TABLE profiles ADD COLUMN encrypt_config INTEGER NOT NULL DEFAULT 0"
	" CHECK (encrypt_config IN (0, 1));"
	"CREATE TABLE user_secrets ("
	" user TEXT PRIMARY KEY NOT NULL REFERENCES users (name) ON DELETE CASCADE,"
	" nonce BLOB NOT NULL CHECK (length(nonce) = 12),"
	" ciphertext BLOB NOT NULL CHECK (length(ciphertext) % 32 = 0),"
	" tag BLOB NOT NULL CHECK (length(tag) = 16)"
	") STRICT;",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int sl_store_schema_latest(void)
{
	return N_MIGRATIONS;
}

int st_user_version(struct sl_store *st, int *v, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	int rc, r;

	r = st_prepare(st, "PRAGMA user_version", &s, err, errlen);
	if (r)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(s, 0);
		r = 0;
	} else {
		r = st_sqlerr(st, rc, "reading the store's schema version", err, errlen);
	}
	sqlite3_finalize(s);
	return r;
}

int sl_store_schema_version(struct sl_store *st)
{
	int v, r;

	if (!st)
		return -EINVAL;
	r = st_user_version(st, &v, NULL, 0);
	return r ? r : v;
}

static int migrate_one(struct sl_store *st, int to, char *err, size_t errlen)
{
	char bump[48];
	char *msg = NULL;
	int rc, r, now;

	r = st_begin(st, err, errlen);
	if (r)
		return r;
	/* Re-read inside the write transaction: another process may have
	 * migrated the file between our read and BEGIN IMMEDIATE. */
	r = st_user_version(st, &now, err, errlen);
	if (r)
		goto err_tx;
	if (now >= to) {
		st_rollback(st);
		return 0;
	}
	rc = sqlite3_exec(st->db, migrations[to - 1], NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		st_err(err, errlen, "store migration %d failed: %s; the store stays at version %d "
		       "(restore a backup if this persists)", to, msg ? msg : sqlite3_errstr(rc),
		       to - 1);
		sqlite3_free(msg);
		r = -EIO;
		goto err_tx;
	}
	/* PRAGMA takes no parameters; the value is our own integer. */
	snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", to);
	rc = sqlite3_exec(st->db, bump, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = st_sqlerr(st, rc, "recording the store's schema version", err, errlen);
		goto err_tx;
	}
	return st_commit(st, err, errlen);
err_tx:
	st_rollback(st);
	return r;
}

int st_migrate(struct sl_store *st, int target, char *err, size_t errlen)
{
	int v, r;

	if (target < 0 || target > N_MIGRATIONS) {
		st_err(err, errlen, "store schema version %d requested; this build knows 0 to %d",
		       target, N_MIGRATIONS);
		return -EINVAL;
	}
	r = st_user_version(st, &v, err, errlen);
	if (r)
		return r;
	if (v > N_MIGRATIONS) {
		st_err(err, errlen, "the store has schema version %d but this build knows only up to %d; "
		       "run a newer shieldlock or restore a backup made by this version", v, N_MIGRATIONS);
		return -ENOTSUP;
	}
	if (v < 0) {
		st_err(err, errlen, "the store has a negative schema version (%d); restore a backup", v);
		return -EIO;
	}
	for (; v < target; v++) {
		r = migrate_one(st, v + 1, err, errlen);
		if (r)
			return r;
	}
	return 0;
}
