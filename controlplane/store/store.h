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
 * be swapped between rows). Passwords are never logged and never stored in
 * clear: the two reversible copies the provisioning needs (a line's
 * password for its phone's configuration file, a device's CAPF
 * authentication string) are sealed the same way (schema 3, below).
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
	/* Offer phones of this profile an encrypted configuration file
	 * (SEP<MAC>.cnf.xml.enc.sgn, spec §5), as CUCM's phone security profile
	 * "Encrypted Configuration" does. false (zero) = off. */
	bool encrypt_config;
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
 * Also keeps the user's provisioning secret (below). The password is not
 * copied; the caller wipes its buffer. */
int sl_store_user_add(struct sl_store *st, const struct sl_user *u, const char *realm,
		      const char *password, char *err, size_t errlen);
/* Replaces the credentials for (user, realm); one set per user per realm.
 * Replaces the provisioning secret too (the newest password wins). */
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

/*
 * The provisioning secret: a reversible copy of the user's line password,
 * AES-256-GCM under the master key like the HA1s (AAD: the user name),
 * padded so the stored size does not give the length away. It exists
 * because the phone's configuration file carries its line's digest password
 * (spec §5: that is why configuration files are encrypted); the HA1s alone
 * cannot produce it. Users whose password was set before schema 3 have none
 * until their password is set again (-ENOENT).
 *
 * Decrypts into buf (cap bytes incl. NUL; SL_STORE_SECRET_MAX + 1 always
 * suffices) and sets *len. The caller wipes buf (OPENSSL_cleanse) after use.
 * -ENOENT no user or no secret, -EIO does not decrypt (wrong master key or
 * modified store), -ENOSPC buf too small. Never logged by the store.
 */
#define SL_STORE_SECRET_MAX 1024
int sl_store_user_secret_get(struct sl_store *st, const char *user, char *buf, size_t cap,
			     size_t *len, char *err, size_t errlen);

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

/* ---- CAPF enrolment (issue 5; spec §1.8, §1.10, §7.1) ----
 *
 * One row per device that has CAPF settings (deleted with the device). The
 * operation is what the CAPF server does at the device's next session; it
 * goes back to none after a successful install, fetch or delete (spec §1.8
 * step 6). The password (authentication string, 4-15 characters, spec
 * §1.10) is sealed like the credentials (AAD: the device name) and is never
 * returned: the CAPF server asks sl_store_capf_check_password.
 */

enum sl_capf_op {
	SL_CAPF_OP_NONE = 0,
	SL_CAPF_OP_INSTALL = 1,
	SL_CAPF_OP_FETCH = 2,
	SL_CAPF_OP_DELETE = 3,
};
/* How the phone proves itself to CAPF. sl_capf_auth_mode gives the
 * <capfAuthMode> of its configuration file (spec §7.1). */
enum sl_capf_auth {
	SL_CAPF_AUTH_NULL = 0,		/* "null": no password; capfAuthMode 2 (CUCM's default) */
	SL_CAPF_AUTH_PASSWORD = 1,	/* "password": the stored string; capfAuthMode 1 */
	SL_CAPF_AUTH_LSC = 2,		/* "lsc": an LSC we issued; capfAuthMode 3 */
	SL_CAPF_AUTH_MIC = 3,		/* "mic": a manufacturer certificate; capfAuthMode 4 */
	SL_CAPF_AUTH_LSC_OR_MIC = 4,	/* "lsc-or-mic": either; capfAuthMode 3 */
};
enum sl_capf_key {
	SL_CAPF_KEY_RSA = 0,		/* KEY_TYPE 0 (spec §1.8) */
	SL_CAPF_KEY_EC = 1,		/* KEY_TYPE 1 */
};

#define SL_CAPF_PASSWORD_MIN	4
#define SL_CAPF_PASSWORD_MAX	15
#define SL_CAPF_PEM_MAX		16384	/* one certificate, PEM */
#define SL_CAPF_RESULT_MAX	64

/* Names as stored and shown: "none", "install", ...; "password", "null",
 * "lsc", "mic", "lsc-or-mic"; "rsa", "ec". "unknown" for a bad value. */
const char *sl_capf_op_name(enum sl_capf_op op);
const char *sl_capf_auth_name(enum sl_capf_auth a);
const char *sl_capf_key_name(enum sl_capf_key k);
int sl_capf_op_parse(const char *s, enum sl_capf_op *op);		/* 0 / -EINVAL */
int sl_capf_auth_parse(const char *s, enum sl_capf_auth *a);		/* 0 / -EINVAL */
/* <capfAuthMode> 1..4 for the configuration file (spec §7.1). */
int sl_capf_auth_mode(enum sl_capf_auth a);

/* The key the phone generates: "rsa:2048", "ec:P-256". */
struct sl_capf_keyspec {
	enum sl_capf_key type;
	unsigned size;			/* RSA: 1024, 2048, 3072 or 4096; EC: 0 */
	char curve[8];			/* EC: "P-256", "P-384", "P-521"; RSA: "" */
};
/* Parses "rsa:N" / "ec:CURVE"; 0 or -EINVAL. Formats back into buf. */
int sl_capf_key_parse(const char *s, struct sl_capf_keyspec *k);
void sl_capf_key_format(const struct sl_capf_keyspec *k, char *buf, size_t n);

/* What the operator schedules (sl_store_capf_put). */
struct sl_capf_settings {
	enum sl_capf_op op;
	enum sl_capf_auth auth;
	struct sl_capf_keyspec key;
	int64_t deadline;		/* Unix seconds the operation must be done by; 0 = none */
};

/* A device's CAPF row as read back. */
struct sl_capf {
	char device[SL_STORE_NAME_MAX];
	bool configured;		/* false: no row yet, the rest are defaults */
	struct sl_capf_settings set;
	bool has_password;		/* auth password and a password is stored */
	char last_result[SL_CAPF_RESULT_MAX];	/* "" never; "installed", "authentication failed", ... */
	int64_t last_time;		/* Unix seconds of last_result, 0 = never */
	/* The device's current certificate ("" kind = none): */
	char cert_kind[4];		/* "lsc", "mic" or "" */
	char serial[44];		/* lowercase hex of the minimal bytes (spec §0, §1.10) */
	int64_t not_before, not_after;	/* Unix seconds */
};

/* Result texts the CAPF server records (others are allowed: printable, < 64 bytes). */
#define SL_CAPF_R_INSTALLED	"installed"
#define SL_CAPF_R_FETCHED	"fetched"
#define SL_CAPF_R_DELETED	"deleted"
#define SL_CAPF_R_NO_ACTION	"no action"
#define SL_CAPF_R_AUTH_FAILED	"authentication failed"
#define SL_CAPF_R_BAD_SIGNATURE	"bad signature"
#define SL_CAPF_R_PROTOCOL	"protocol error"
#define SL_CAPF_R_KEYGEN_FAILED	"key generation failed"
#define SL_CAPF_R_NO_CERT	"no certificate"
#define SL_CAPF_R_EXPIRED	"expired"

/*
 * Sets the operation, authentication, key and deadline of an existing
 * device (creating its CAPF row), keeping the last result and certificate.
 * password: required for a device switched to auth password that has none
 * stored; NULL keeps the stored one; refused with another auth. Changing
 * auth away from password forgets the password. 0, -ENOENT (no device),
 * -EINVAL (bad value, message names it; the password is never echoed).
 */
int sl_store_capf_put(struct sl_store *st, const char *device, const struct sl_capf_settings *s,
		      const char *password, char *err, size_t errlen);
/* The device's row; a device without one gets defaults (configured false:
 * none, null, rsa:2048). -ENOENT if the device does not exist. */
int sl_store_capf_get(struct sl_store *st, const char *device, struct sl_capf *c,
		      char *err, size_t errlen);
/* Every device (with or without a CAPF row), by name. */
int sl_store_capf_list(struct sl_store *st, int (*cb)(const struct sl_capf *, void *),
		       void *arg, char *err, size_t errlen);
/* Operation back to none and no deadline; keeps auth, key, result and
 * certificate. -ENOENT if the device does not exist; no row is fine. */
int sl_store_capf_clear(struct sl_store *st, const char *device, char *err, size_t errlen);
/* The device's certificate PEM into pem[cap] ("" if none). -ENOSPC if it
 * does not fit (SL_CAPF_PEM_MAX always does). */
int sl_store_capf_cert_get(struct sl_store *st, const char *device, char *pem, size_t cap,
			   char *err, size_t errlen);

/*
 * Compares given (given_len bytes, as the PASSWORD element carried it
 * without its NUL) with the stored password in constant time
 * (CRYPTO_memcmp over fixed-size buffers; the length is compared the same
 * way). Sets *match; never returns or logs the password. -ENOENT no device
 * or no CAPF row, -EINVAL the device's auth is not password, -EIO the
 * stored password does not decrypt.
 */
int sl_store_capf_check_password(struct sl_store *st, const char *device, const char *given,
				 size_t given_len, bool *match, char *err, size_t errlen);

/* The end of a CAPF session, recorded by the CAPF server. */
struct sl_capf_outcome {
	enum sl_capf_op op;		/* what the session did (the operation it dispatched) */
	bool success;
	const char *result;		/* SL_CAPF_R_* or another short text */
	int64_t time;			/* 0 = now */
	/* install/fetch success (or any success that learned the device's
	 * certificate, e.g. a MIC it authenticated with): exactly one X.509
	 * certificate in PEM. The store reads serial and validity from it. */
	const char *cert_pem;
	const char *cert_kind;		/* "lsc" (default) or "mic" */
};
/*
 * Records result and time. On success: install/fetch store the certificate
 * (serial as minimal lowercase hex, not_before/not_after), delete clears it,
 * and the operation goes back to none if it is still the one the session
 * did (an operator may have scheduled another meanwhile), with its deadline.
 * On failure only result and time change (operation and certificate stay,
 * spec §1.8 errors). Creates the row if the device has none. -ENOENT no
 * device, -EINVAL bad outcome (e.g. install success without a certificate,
 * or a PEM that is not one certificate).
 */
int sl_store_capf_record(struct sl_store *st, const char *device,
			 const struct sl_capf_outcome *o, char *err, size_t errlen);
/* Pending operations whose deadline is before now: operation none, result
 * "expired" at now. Returns how many, or -errno. The CAPF server calls it
 * before it looks a device up. */
int sl_store_capf_expire(struct sl_store *st, int64_t now, char *err, size_t errlen);

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
