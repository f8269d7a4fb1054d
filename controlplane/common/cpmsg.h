/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages between shieldlockd's processes (ARCHITECTURE.md §4, after
 * OpenBSD's imsg): the privileged parent, the "ca" child that holds the
 * signing keys, and the "sip" child that parses network input. One enum of
 * types for all of them; each process accepts only the types addressed to
 * it, and an unknown or unexpected type is fatal to the receiver.
 *
 * Transport: a SOCK_SEQPACKET socketpair, one message per packet:
 * struct sl_cp_hdr followed by len body bytes (len <= SL_CP_MAX_BODY). Bodies
 * are fixed structs (size checked against the table in cpmsg.c) or text/PEM.
 * Bodies that carry secrets are wiped by both sides after use.
 */
#ifndef SL_CPMSG_H
#define SL_CPMSG_H

#include <stddef.h>
#include <stdint.h>

#define SL_CP_MAX_BODY	(256 * 1024)

enum sl_cp_type {
	SL_CP_NONE = 0,
	/* either direction */
	SL_CP_ERROR,		/* text: what failed */
	/* parent -> ca */
	SL_CP_CA_INIT,		/* struct sl_cp_ca_init: create the CA if missing */
	SL_CP_CA_SIGN_CSR,	/* PEM CSR: issue a node (server) certificate */
	/* ca -> parent */
	SL_CP_CA_READY,		/* PEM of the CA certificate */
	SL_CP_CA_CERT,		/* PEM of the issued certificate */
	/* parent -> sip */
	SL_CP_SIP_CONF,		/* struct sl_conf (initial, and on SIGHUP) */
	SL_CP_SIP_DIR_BEGIN,	/* empty: a directory snapshot follows */
	SL_CP_SIP_USER,		/* struct sl_user */
	SL_CP_SIP_CRED,		/* struct sl_cred (secret) */
	SL_CP_SIP_DEVICE,	/* struct sl_cp_device */
	SL_CP_SIP_TRUNK,	/* struct sl_trunk */
	SL_CP_SIP_TRUNK_CRED,	/* struct sl_trunk_cred (secret) */
	SL_CP_SIP_DIR_END,	/* empty: swap in the new snapshot */
	SL_CP_SIP_RELOAD_TLS,	/* empty: reload certificate, key, trust store */
	SL_CP_SIP_QUERY,	/* struct sl_cp_query: runtime state request */
	/* sip -> parent */
	SL_CP_SIP_READY,	/* empty: listeners are up */
	SL_CP_REG_PUT,		/* struct sl_registration */
	SL_CP_REG_DEL,		/* struct sl_registration (user, contact) */
	SL_CP_CALL_PUT,		/* struct sl_call */
	SL_CP_QUERY_REPLY,	/* struct sl_cp_query_reply + text */
	SL_CP__COUNT
};

struct sl_cp_hdr {
	uint32_t type;		/* enum sl_cp_type */
	uint32_t len;		/* body bytes */
};

struct sl_cp_ca_init {
	char node_name[64];	/* CN of the node certificate */
	char ca_dir[256];	/* where the CA key and certificate live */
};

struct sl_cp_device {
	char name[64];
	char user[64];
	char cert_identity[256];
	int mode;		/* enum sl_sec_mode of its profile */
};

struct sl_cp_query {
	uint32_t id;
	uint32_t what;		/* 1 = transport stats (text) */
};

struct sl_cp_query_reply {
	uint32_t id;
	int32_t status;
};

const char *sl_cp_type_name(unsigned type);
/* Fixed body size of a type, or -1 for variable (text/PEM) bodies. */
long sl_cp_body_size(unsigned type);

/* Sends one message (blocking; EINTR retried). 0 or -errno. */
int sl_cp_send(int fd, unsigned type, const void *body, size_t len);
/*
 * Receives one message into buf (cap >= SL_CP_MAX_BODY recommended).
 * Returns 1 with *type and *len set, 0 on orderly close, -errno on error,
 * -EPROTO for a truncated message, a body over the limit, an unknown type or
 * a fixed-size type with the wrong length (the caller treats it as fatal).
 */
int sl_cp_recv(int fd, unsigned *type, void *buf, size_t cap, size_t *len);

#endif
