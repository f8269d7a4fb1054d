/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's SQLite store: users, digest credentials, devices,
 * security profiles, trunks (with per-realm credentials), registrations and
 * calls. Schema version in PRAGMA user_version; migrations run in order at
 * open, each in a transaction (docs/store.md).
 *
 * Digest credentials are stored as HA1 (RFC 7616 §3.4.2) for MD5 and
 * SHA-256, encrypted at rest with AES-256-GCM under the appliance master key
 * (the AAD binds each blob to its user, realm and algorithm, so blobs cannot
 * be swapped between rows). Passwords are never stored and never logged.
 *
 * Only the privileged parent of shieldlockd opens the store. Functions return
 * 0 or a negative errno-style code (-ENOENT no such row, -EEXIST duplicate,
 * -EINVAL bad argument, -EIO SQLite or crypto failure, -EBUSY row in use or
 * store locked, -EPERM change to a built-in profile, -ENOTSUP store newer
 * than this build) and write a message that names the problem into err
 * (never a secret). List and walk callbacks return 0 to go on; any other
 * value stops the walk and is returned. A handle is not thread-safe.
 */
#ifndef SL_STORE_H
#define SL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_STORE_MASTER_KEY_LEN	32
#define SL_STORE_NAME_MAX	64	/* user, device, profile, trunk names */
#define SL_STORE_TEXT_MAX	256

struct sl_store;

/* Creates the file (mode 0600) if missing, migrates to the newest schema. */
int sl_store_open(const char *path, const uint8_t master_key[SL_STORE_MASTER_KEY_LEN],
		  struct sl_store **out, char *err, size_t errlen);
void sl_store_close(struct sl_store *st);	/* wipes the key copy */
int sl_store_schema_version(struct sl_store *st);
/* Newest schema version this build knows. */
int sl_store_schema_latest(void);
/* Warning from sl_store_open for the caller to log ("" if none): e.g. the
 * file was readable by group/others and has been changed to mode 0600. */
const char *sl_store_warning(const struct sl_store *st);

/* ---- security profiles ---- */

enum sl_sec_mode {
	SL_SEC_NONSECURE = 0,		/* TCP/UDP or TLS, RTP allowed */
	SL_SEC_AUTHENTICATED = 1,	/* mutual TLS, RTP allowed ("shield") */
	SL_SEC_ENCRYPTED = 2,		/* mutual TLS + SRTP mandatory ("lock") */
};
const char *sl_sec_mode_name(enum sl_sec_mode m);	/* "non-secure", ... */
int sl_sec_mode_parse(const char *s, enum sl_sec_mode *m);	/* 0 / -EINVAL */

struct sl_profile {
	char name[SL_STORE_NAME_MAX];
	enum sl_sec_mode mode;
	char description[SL_STORE_TEXT_MAX];
};
/* A fresh store has three profiles: "non-secure", "authenticated", "encrypted".
 * These cannot be deleted and keep their mode (-EPERM); their description may change. */
int sl_store_profile_put(struct sl_store *st, const struct sl_profile *p, bool create_only,
			 char *err, size_t errlen);
int sl_store_profile_get(struct sl_store *st, const char *name, struct sl_profile *p,
			 char *err, size_t errlen);
/* -EBUSY while a device uses it. */
int sl_store_profile_del(struct sl_store *st, const char *name, char *err, size_t errlen);
int sl_store_profile_list(struct sl_store *st, int (*cb)(const struct sl_profile *, void *),
			  void *arg, char *err, size_t errlen);

/* ---- users and digest credentials ---- */

struct sl_user {
	char name[SL_STORE_NAME_MAX];	/* SIP user part: [A-Za-z0-9._+-]{1,63} */
	char display[SL_STORE_TEXT_MAX];
	bool enabled;
	int64_t created;		/* Unix seconds */
};
/* Adds the user and its credentials for realm (HA1 MD5 + SHA-256); created 0 = now.
 * The password is not copied; the caller wipes its buffer. */
int sl_store_user_add(struct sl_store *st, const struct sl_user *u, const char *realm,
		      const char *password, char *err, size_t errlen);
/* Replaces the credentials for (user, realm); one set per user per realm. */
int sl_store_user_passwd(struct sl_store *st, const char *name, const char *realm,
			 const char *password, char *err, size_t errlen);
int sl_store_user_get(struct sl_store *st, const char *name, struct sl_user *u,
		      char *err, size_t errlen);
int sl_store_user_set_enabled(struct sl_store *st, const char *name, bool enabled,
			      char *err, size_t errlen);
/* Deletes the user, its credentials and its registrations; -EBUSY if a device names it. */
int sl_store_user_del(struct sl_store *st, const char *name, char *err, size_t errlen);
int sl_store_user_list(struct sl_store *st, int (*cb)(const struct sl_user *, void *),
		       void *arg, char *err, size_t errlen);

/* One decrypted credential (alg: 0 = MD5, 1 = SHA-256 as enum sl_digest_alg). */
struct sl_cred {
	char user[SL_STORE_NAME_MAX];
	char realm[128];
	int alg;
	uint8_t ha1[32];
	uint8_t ha1_len;		/* 16 or 32 */
};
/* Calls cb for every credential of every enabled user (decrypted; cb must
 * not keep the pointer; the buffer is wiped after each call). A blob that
 * fails to decrypt stops the walk with -EIO naming the user. */
int sl_store_cred_walk(struct sl_store *st, int (*cb)(const struct sl_cred *, void *),
		       void *arg, char *err, size_t errlen);

/* ---- devices ---- */

struct sl_device {
	char name[SL_STORE_NAME_MAX];	/* e.g. SEP001122334455 or "alice-desk" */
	char user[SL_STORE_NAME_MAX];	/* the line / owner: a user name */
	char profile[SL_STORE_NAME_MAX];
	char cert_identity[SL_STORE_TEXT_MAX];	/* subject CN or SAN the client cert must carry; "" = device name */
	char description[SL_STORE_TEXT_MAX];
};
int sl_store_device_put(struct sl_store *st, const struct sl_device *d, bool create_only,
			char *err, size_t errlen);	/* checks user and profile exist */
int sl_store_device_get(struct sl_store *st, const char *name, struct sl_device *d,
			char *err, size_t errlen);
int sl_store_device_del(struct sl_store *st, const char *name, char *err, size_t errlen);
int sl_store_device_list(struct sl_store *st, int (*cb)(const struct sl_device *, void *),
			 void *arg, char *err, size_t errlen);

/* ---- trunks ---- */

struct sl_trunk {
	char name[SL_STORE_NAME_MAX];
	char host[128];			/* numeric address or name of the peer */
	uint16_t port;			/* 0 = transport default */
	char transport[8];		/* "tls", "tcp", "udp" */
	char prefix[32];		/* dialled user parts starting with this go here; "" = none */
	char profile[SL_STORE_NAME_MAX];
};
int sl_store_trunk_put(struct sl_store *st, const struct sl_trunk *t, bool create_only,
		       char *err, size_t errlen);
int sl_store_trunk_get(struct sl_store *st, const char *name, struct sl_trunk *t,
		       char *err, size_t errlen);
int sl_store_trunk_del(struct sl_store *st, const char *name, char *err, size_t errlen);
int sl_store_trunk_list(struct sl_store *st, int (*cb)(const struct sl_trunk *, void *),
			void *arg, char *err, size_t errlen);
/* Credentials the daemon answers a trunk's challenge for realm with (HA1s stored encrypted). */
int sl_store_trunk_cred_set(struct sl_store *st, const char *trunk, const char *realm,
			    const char *username, const char *password, char *err, size_t errlen);
int sl_store_trunk_cred_del(struct sl_store *st, const char *trunk, const char *realm,
			    char *err, size_t errlen);
struct sl_trunk_cred {
	char trunk[SL_STORE_NAME_MAX];
	char realm[128];
	char username[128];
	int alg;
	uint8_t ha1[32];
	uint8_t ha1_len;
};
int sl_store_trunk_cred_walk(struct sl_store *st, int (*cb)(const struct sl_trunk_cred *, void *),
			     void *arg, char *err, size_t errlen);

/* ---- registrations (written by the daemon as bindings change) ---- */

struct sl_registration {
	char user[SL_STORE_NAME_MAX];
	char contact[SL_STORE_TEXT_MAX];
	char device[SL_STORE_NAME_MAX];	/* "" if not tied to a device */
	char transport[8];
	char source[64];		/* "10.77.1.2:5061" */
	char user_agent[128];
	int64_t registered;		/* Unix seconds */
	int64_t expires;		/* absolute Unix seconds */
};
int sl_store_reg_put(struct sl_store *st, const struct sl_registration *r, char *err, size_t errlen);
int sl_store_reg_del(struct sl_store *st, const char *user, const char *contact,
		     char *err, size_t errlen);
int sl_store_reg_clear(struct sl_store *st, char *err, size_t errlen);	/* daemon start */
int sl_store_reg_list(struct sl_store *st, int (*cb)(const struct sl_registration *, void *),
		      void *arg, char *err, size_t errlen);

/* ---- calls (written by the daemon; ended calls kept as history) ---- */

struct sl_call_leg {
	char peer[SL_STORE_NAME_MAX];	/* user or trunk */
	char suite[32];			/* SRTP suite or "RTP" */
	int security;			/* enum sl_sec_mode of the leg */
	char media_remote[64];		/* "10.77.1.2:4000" */
	char media_local[64];		/* appliance side */
	uint64_t pkts_in, pkts_out, auth_fail, replay_drop;
};
struct sl_call {
	char id[64];			/* appliance call id */
	char state[16];			/* "ringing", "active", "ended" */
	int security;			/* lowest over both legs */
	int64_t started, answered, ended;	/* Unix seconds, 0 = not yet */
	char end_reason[64];
	struct sl_call_leg leg[2];	/* [0] caller side, [1] callee side */
};
int sl_store_call_put(struct sl_store *st, const struct sl_call *c, char *err, size_t errlen);
int sl_store_call_get(struct sl_store *st, const char *id, struct sl_call *c, char *err, size_t errlen);
/* active_only: state != "ended"; limit 0 = all, newest first. */
int sl_store_call_list(struct sl_store *st, bool active_only, unsigned limit,
		       int (*cb)(const struct sl_call *, void *), void *arg,
		       char *err, size_t errlen);
/* Deletes ended calls with ended < ended_before; returns how many or -errno. */
int sl_store_call_prune(struct sl_store *st, int64_t ended_before, char *err, size_t errlen);

#endif
