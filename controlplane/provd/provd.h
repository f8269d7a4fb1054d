/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Phone provisioning in shieldlockd (issue 5; docs/provisioning.md).
 *
 *   prov child   the network-facing process: CAPF (TLS, port 3804), TFTP
 *                (69) and HTTP (6970). It binds its ports as root, enters
 *                the provisioning tree with chroot(2), becomes an
 *                unprivileged user and holds no private key: CAPF's TLS
 *                private-key operations go to the ca process over their own
 *                channel (SL_CP_CA_PRIV_OP), device decisions and LSCs to
 *                the parent (SL_CP_CAPF_*).
 *   parent side  answers the prov child from the store (CAPF lookups with a
 *                constant-time password check, results), has the ca process
 *                issue LSCs, and builds and signs the provisioning tree
 *                (CTLFile.tlv, ITLFile.tlv, SEP<MAC>.cnf.xml[.sgn|.enc.sgn])
 *                whenever something it depends on changes.
 */
#ifndef SL_PROVD_H
#define SL_PROVD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

struct sl_store;
struct event_base;

/*
 * Forks the prov child. parent_fd receives the parent's end of the
 * parent-prov socketpair; ca_fd is the prov end of the prov-ca channel (from
 * sl_ca_spawn), closed in the parent by the caller afterwards. close_fds
 * (count n) are closed in the child (other processes' channels).
 * Returns the pid or -1 with the reason in err.
 */
pid_t sl_provd_spawn(const struct sl_conf *conf, int ca_fd, const int *close_fds, size_t n,
		     int *parent_fd, char *err, size_t errlen);

/* ---- parent side ---- */

struct sl_provd;

struct sl_provd_ctx {
	struct event_base *base;
	const struct sl_conf *conf;	/* kept up to date by the parent (SIGHUP) */
	struct sl_store *store;
	int prov_fd;			/* parent end of the prov channel */
	int ca_fd;			/* the parent's ca channel (blocking requests) */
	const char *ca_cert_path;	/* <state_dir>/ca/ca.pem: the LSC issuer */
	/* Called when the prov child closed its channel (it died). */
	void (*on_closed)(void *arg);
	void *arg;
};

/* Starts serving the prov channel on base. NULL with the reason in err. */
struct sl_provd *sl_provd_new(const struct sl_provd_ctx *ctx, char *err, size_t errlen);
void sl_provd_free(struct sl_provd *pd);

/*
 * Opens the provisioning keys in the ca process (SL_CP_CA_KEYS, creating
 * missing key files and certificates), then rebuilds and re-signs the tree
 * and sends the prov child its certificates. Run at start, after SIGHUP and
 * after a certificate change. 0, or -1 with the reason in err.
 */
int sl_provd_reload(struct sl_provd *pd, char *err, size_t errlen);

/* Rebuilds the tree (devices, CAPF settings or the trust store changed). */
int sl_provd_rebuild(struct sl_provd *pd, char *err, size_t errlen);
/* The same, describing what was done in summary (cap bytes). */
int sl_provd_build(struct sl_provd *pd, char *summary, size_t cap, char *err, size_t errlen);
/*
 * One device was added, changed or deleted (or its CAPF settings, its
 * certificate or its user's password changed): rebuilds only that device's
 * files and removes those it no longer gets, in about the time of one
 * signature instead of a pass over every phone.
 */
int sl_provd_device_changed(struct sl_provd *pd, const char *device, char *err, size_t errlen);

/* The prov process's counters (CAPF, TFTP, HTTP), one line per service:
 * "NAME on|off key=value ...". Waits up to 2 s. 0, or -1 with err. */
int sl_provd_status(struct sl_provd *pd, char *out, size_t cap, char *err, size_t errlen);

/* Signs a digest with the TFTP key (shieldlockctl image sign). */
int sl_provd_sign_tftp(struct sl_provd *pd, int hash, const uint8_t *digest, size_t dlen,
		       uint8_t *sig, size_t *siglen, char *err, size_t errlen);

/* "cert regenerate NAME" for sast1, sast2, tftp, capf: new key (files) and
 * certificate in the ca process, then sl_provd_reload. */
int sl_provd_regenerate(struct sl_provd *pd, const char *name, char *err, size_t errlen);

/* ---- child side ---- */

/* The prov child's main loop (after sl_provd_spawn forked). Exit status. */
int sl_provd_child_main(const struct sl_conf *conf, int parent_fd, int ca_fd);

#endif
