/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockd's administration interface (docs/shieldlockctl.md): a Unix
 * socket in the privileged parent that shieldlockctl sends commands to, and
 * the commands themselves, which work on the store (store.h).
 *
 * The socket (wire format in admin_proto.h) is created with mode 0600 and
 * accepts only peers whose SO_PEERCRED uid is 0 or the daemon's own uid. It
 * runs on the parent's libevent loop (evconnlistener + bufferevent): the
 * parent stays single-threaded, and each command runs to completion inside
 * the read callback.
 */
#ifndef SL_ADMIN_H
#define SL_ADMIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin_proto.h"

struct event_base;
struct sl_store;
struct sl_conf;

struct sl_admin_ctx {
	struct sl_store *store;
	const struct sl_conf *conf;	/* realm for new credentials */
	/* Called after every successful change of users, credentials, devices,
	 * profiles or trunks (the parent then sends the sip child a new
	 * directory snapshot). May be NULL. */
	void (*dir_changed)(void *arg);
	void *arg;
	const char *node_cert_path;	/* PEM, for "cert show"; may be NULL */

	/* ---- provisioning and certificates (issue 5) ---- */
	/* The appliance's own certificates, for "cert list|show|fingerprint|
	 * export|regenerate" (names "ca", "node", "tftp", "capf", "sast1",
	 * "sast2"; a missing file means "not created"). May be empty. */
	const struct sl_admin_cert_ref *certs;
	size_t ncerts;
	/* The trust store directory (<subject-hash>.N files) that "cert import|
	 * delete" change; NULL = trust store commands refused. */
	const char *trust_store;
	/* Called after a change that provisioning files or TLS listeners depend
	 * on (devices, CAPF settings, certificates, the trust store): the parent
	 * rebuilds and re-signs the files and tells the listeners to reload.
	 * May be NULL. */
	void (*prov_changed)(void *arg);
	/* Called instead of prov_changed when the change concerns one device
	 * only (the device itself, its CAPF settings, its user's password):
	 * only that device's files are rebuilt. NULL = prov_changed. */
	void (*prov_device_changed)(void *arg, const char *device);
	/* "cert regenerate NAME": creates a new key and self-signed (or
	 * CA-issued) certificate for one of certs[] through the ca process.
	 * 0, or -1 with the reason in err. NULL = refused. */
	int (*cert_regenerate)(void *arg, const char *name, char *err, size_t errlen);
	/* "ctl build": rebuilds and re-signs the provisioning tree now and
	 * describes the result in out. 0, or -1 with the reason in err. */
	int (*prov_build)(void *arg, char *out, size_t cap, char *err, size_t errlen);
	/* "prov status": the prov process's counters, lines of "SERVICE on|off
	 * key=value ...". 0, or -1 with err. */
	int (*prov_status)(void *arg, char *out, size_t cap, char *err, size_t errlen);
	/* "image sign-digest": signs a digest with the TFTP key (firmware
	 * images in the signed-file format, spec §4). hash: enum sl_hash. */
	int (*tftp_sign_digest)(void *arg, int hash, const uint8_t *digest, size_t dlen,
				uint8_t *sig, size_t *siglen, char *err, size_t errlen);
};

/* One of the appliance's own certificates. */
struct sl_admin_cert_ref {
	const char *name;	/* "ca", "node", "tftp", "capf", "sast1", "sast2" */
	const char *path;	/* PEM file */
	const char *roles;	/* trust-list roles, e.g. "CCM", "TFTP", "SAST" */
	bool regenerable;	/* "cert regenerate" allowed */
};

/* Growing output buffer of one command; text is always NUL-terminated. */
struct sl_admin_out {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;			/* out of memory or over SL_ADMIN_FRAME_MAX */
};

void sl_admin_out_init(struct sl_admin_out *o);
void sl_admin_out_reset(struct sl_admin_out *o);	/* empties, keeps memory */
void sl_admin_out_free(struct sl_admin_out *o);
void sl_admin_out_write(struct sl_admin_out *o, const char *s, size_t n);
void sl_admin_out_puts(struct sl_admin_out *o, const char *s);
__attribute__((format(printf, 2, 3)))
void sl_admin_out_printf(struct sl_admin_out *o, const char *fmt, ...);
void sl_admin_out_vprintf(struct sl_admin_out *o, const char *fmt, va_list ap);

struct sl_admin;

/*
 * Creates the socket at path (replacing a stale socket file left by a dead
 * daemon, refusing if another daemon answers there or if path is not a
 * socket) and registers it on base. ctx is copied; ctx->store must outlive
 * the returned object. NULL with the reason in err on failure.
 */
struct sl_admin *sl_admin_new(struct event_base *base, const char *path,
			      const struct sl_admin_ctx *ctx, char *err, size_t errlen);
/* After SIGHUP: commands from now on use conf (the caller keeps it alive). */
void sl_admin_set_conf(struct sl_admin *a, const struct sl_conf *conf);
/* Closes every connection and the listener and unlinks the socket. */
void sl_admin_free(struct sl_admin *a);

/*
 * Executes one command (socket-free; the server and the tests call it):
 * argv[0] is the group ("user", "device", "profile", "trunk",
 * "registrations", "calls", "cert", "capf"). Returns an enum sl_admin_status and
 * appends the command's output (status 0) or one error line (otherwise) to
 * out. Wipes the value of a "--password" argument in argv after use.
 */
int sl_admin_exec(const struct sl_admin_ctx *ctx, int argc, char **argv, bool json,
		  struct sl_admin_out *out);

#endif
