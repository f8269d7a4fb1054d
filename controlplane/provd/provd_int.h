/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of the parent side of provisioning (provd.h). */
#ifndef SL_PROVD_INT_H
#define SL_PROVD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "cpmsg.h"
#include "provd.h"
#include "sl_sign.h"

#define PD_MAX_SESSIONS	256

/* A CAPF session the parent answered FOUND for: only these may ask for an
 * LSC (install) or report a result, and only for their own device. */
struct pd_session {
	uint32_t id;
	char device[SL_CP_CAPF_NAME];
	uint32_t op;			/* enum capf_op */
	uint8_t *issued;		/* DER of the LSC issued in this session */
	size_t issued_len;
	bool used;
};

struct sl_provd {
	struct sl_provd_ctx ctx;
	struct event *ev;
	uint8_t *buf;
	struct pd_session sess[PD_MAX_SESSIONS];
	/* certificates as loaded at the last reload (public) */
	X509 *cert[SL_KEY__COUNT];	/* sast1, sast2, tftp, capf (NULL = off) */
	X509 *node, *ca;
	bool keys_ok;
	uint32_t query_id;
};

/* provd_build.c */
int pd_build(struct sl_provd *pd, char *summary, size_t cap, char *err, size_t errlen);
/* Rebuilds or removes one device's files only (provd_build.c). */
int pd_build_device(struct sl_provd *pd, const char *name, char *err, size_t errlen);
/* sl_sign_digest_fn through the ca process; arg = struct pd_signer. */
struct pd_signer {
	struct sl_provd *pd;
	uint32_t key;			/* enum sl_cp_keyid */
};
int pd_sign_digest(void *arg, enum sl_hash hash, const uint8_t *digest, size_t dlen,
		   uint8_t *sig, size_t *siglen, char *err, size_t errlen);
X509 *pd_read_cert(const char *path, char *err, size_t errlen);

#endif
