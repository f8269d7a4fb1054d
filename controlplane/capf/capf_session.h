/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One CAPF session (spec §1.8) as an I/O-agnostic object: feed it the bytes
 * the phone sent, it sends complete messages through io->send (one call per
 * message: spec §1.1 wants one write each) and asks a backend, which
 * answers asynchronously (or at once, from inside the call), for what needs
 * the daemon's data.
 *
 * Backend contract
 *   lookup(): answer with capf_session_lookup_done(). The backend compares
 *     the password (constant time) for AUTH_PASSWORD devices and answers
 *     CAPF_LOOKUP_AUTH_FAILED on mismatch; certificate checks are already
 *     done by the session (req->cert_auth), which enforces them again
 *     against the mode the backend returns.
 *   issue(): answer with capf_session_issue_done() (LSC DER or failure).
 *   result(): called exactly once for every session whose lookup answered
 *     CAPF_LOOKUP_FOUND, when it ends, with the operation and its outcome.
 *     The backend changes stored state ONLY for CAPF_RES_OK with op
 *     install (store der, the LSC the phone accepted), fetch (store der, the
 *     certificate the phone sent) or delete (clear the certificate); then it
 *     sets the operation back to none. Every other outcome is for the
 *     status display and the log only.
 *   cancel(): the session is going away while lookup()/issue() is pending;
 *     after it returns the backend must not call *_done for this session.
 */
#ifndef SL_CAPF_SESSION_H
#define SL_CAPF_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capf_auth.h"
#include "capf_lsc.h"
#include "capf_msg.h"

#define CAPF_DEVICE_MAX		128	/* DEVICE_NAME limit incl. NUL (capf_msg.c) */

enum capf_op { CAPF_OP_NONE = 0, CAPF_OP_INSTALL, CAPF_OP_FETCH, CAPF_OP_DELETE };

/* The device's stored authentication mode (spec §1.8 step 4, §1.10). */
enum capf_auth_mode {
	CAPF_AUTH_NONE = 0,	/* "no password": anything is accepted */
	CAPF_AUTH_PASSWORD,	/* backend compares PASSWORD */
	CAPF_AUTH_CERT,		/* reference "certificate": an LSC or a MIC */
	CAPF_AUTH_LSC,		/* only an LSC from our issuer */
	CAPF_AUTH_MIC,		/* only a MIC from a manufacturer CA */
};

enum capf_lookup_status {
	CAPF_LOOKUP_FOUND = 0,
	CAPF_LOOKUP_UNKNOWN_DEVICE,	/* END_SESSION(9) */
	CAPF_LOOKUP_AUTH_FAILED,	/* END_SESSION(7) */
	CAPF_LOOKUP_ERROR,		/* backend trouble: END_SESSION(7) */
};

/* Why a session ended (one per session, for the log and the counters). */
enum capf_fail {
	CAPF_F_OK = 0,		/* the operation (or none) completed */
	CAPF_F_MALFORMED,	/* bad framing/element, oversized message */
	CAPF_F_UNEXPECTED,	/* command not valid in this state */
	CAPF_F_SESSION_ID,	/* session ID mismatch */
	CAPF_F_NO_VERSION,	/* VERSION missing or > 3 */
	CAPF_F_NO_DEVICE,	/* DEVICE_NAME missing */
	CAPF_F_UNKNOWN_DEVICE,
	CAPF_F_AUTH,		/* password (backend) or certificate (session) */
	CAPF_F_BACKEND,		/* backend error, bad answer */
	CAPF_F_NO_PUBLIC_KEY,	/* KEY_GENERATE_RESPONSE without PUBLIC_KEY */
	CAPF_F_BAD_KEY,		/* key not as requested */
	CAPF_F_ISSUE,		/* issuing the LSC failed */
	CAPF_F_PHONE_REFUSED,	/* phone answered REASON != 1 (store/delete/fetch) */
	CAPF_F_TIMEOUT,
	CAPF_F_CLOSED,		/* the phone or the server closed early */
	CAPF_F__COUNT
};
const char *capf_fail_str(enum capf_fail f);
const char *capf_op_str(enum capf_op op);
const char *capf_auth_mode_str(enum capf_auth_mode m);

/* What the phone presented (spec §1.8 step 3); pointers valid during the call. */
struct capf_lookup_req {
	const char *device;
	const char *password;		/* NULL when no PASSWORD element; "" = null string */
	const uint8_t *cert_der;	/* certificate element (unwrapped), or NULL */
	size_t cert_der_len;
	enum capf_cert_auth cert_auth;	/* verified by the session with capf_auth */
	bool sudi_present;
	bool sudi_ok;
	uint8_t version;
};

struct capf_lookup_answer {
	enum capf_lookup_status status;
	enum capf_auth_mode mode;
	enum capf_op op;
	struct capf_keyparams key;	/* install only */
};

struct capf_result {
	uint32_t session_id;
	const char *device;
	enum capf_op op;
	enum capf_fail outcome;		/* CAPF_F_OK: success */
	uint8_t phone_reason;		/* REASON of the phone's last reply, or 0xff */
	const uint8_t *der;		/* OK+install: issued LSC; OK+fetch: phone's cert */
	size_t der_len;
};

struct capf_session;

struct capf_backend_ops {
	void (*lookup)(void *ctx, struct capf_session *s, const struct capf_lookup_req *req);
	void (*issue)(void *ctx, struct capf_session *s, const char *device,
		      const uint8_t *spki, size_t spki_len, const struct capf_keyparams *kp);
	void (*result)(void *ctx, const struct capf_result *res);
	void (*cancel)(void *ctx, struct capf_session *s);
};

/* The session's end, reported once through io->finished. */
struct capf_outcome {
	uint32_t session_id;
	char device[CAPF_DEVICE_MAX];	/* "" if never received */
	enum capf_op op;		/* scheduled operation, if known */
	enum capf_fail fail;
	int reason_sent;		/* END_SESSION reason, -1 if none was sent */
	char detail[160];		/* human-readable; never a password */
};

struct capf_session_io {
	/* One complete message; the caller must send it with one write. */
	void (*send)(void *arg, const uint8_t *msg, size_t len);
	/* The session is over (after its last send); close the connection. */
	void (*finished)(void *arg, const struct capf_outcome *o);
	/* Monotonic milliseconds; NULL = CLOCK_MONOTONIC. */
	uint64_t (*now_ms)(void *arg);
	void *arg;
};

struct capf_session_cfg {
	struct capf_auth_cfg auth;	/* LSC issuer + manufacturer CAs */
	unsigned keygen_timeout_ms;	/* 0 = 120000: waiting for the phone's key */
	unsigned step_timeout_ms;	/* 0 = 30000: every other wait */
	unsigned max_in_progress;	/* 0 = 64 REQUEST_IN_PROGRESS per session */
	bool omit_auth_type;		/* AUTH_REQUEST without AUTH_TYPE (CUCM style) */
};

struct capf_session *capf_session_new(const struct capf_session_cfg *cfg, uint32_t session_id,
				      const struct capf_backend_ops *ops, void *backend_ctx,
				      const struct capf_session_io *io);
/* Cancels a pending backend request; reports result(CLOSED) if due. */
void capf_session_free(struct capf_session *s);

/* Sends AUTH_REQUEST (spec §1.8 step 2). */
void capf_session_start(struct capf_session *s);
/* Bytes from the phone, in any split. */
void capf_session_input(struct capf_session *s, const uint8_t *data, size_t len);
/* The phone closed the connection or TLS failed: ends the session. */
void capf_session_abort(struct capf_session *s, const char *why);
/* Absolute deadline (now_ms clock) of the current wait; 0 when finished. */
uint64_t capf_session_deadline(const struct capf_session *s);
/* Call when the deadline passed: END_SESSION(7), outcome TIMEOUT. */
void capf_session_tick(struct capf_session *s);
bool capf_session_finished(const struct capf_session *s);
uint32_t capf_session_id(const struct capf_session *s);

/* Backend answers (see the contract above). */
void capf_session_lookup_done(struct capf_session *s, const struct capf_lookup_answer *a);
/* status 0: der is the LSC (copied); status < 0: issuing failed. */
void capf_session_issue_done(struct capf_session *s, int status, const uint8_t *der,
			     size_t der_len);

#endif
