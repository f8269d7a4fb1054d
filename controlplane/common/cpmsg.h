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
	/* the five record types below carry 1..n records each (a directory
	 * of 10,000 phones is dozens of packets, not tens of thousands) */
	SL_CP_SIP_USER,		/* struct sl_user[n] */
	SL_CP_SIP_CRED,		/* struct sl_cred[n] (secret) */
	SL_CP_SIP_DEVICE,	/* struct sl_cp_device[n] */
	SL_CP_SIP_TRUNK,	/* struct sl_trunk[n] */
	SL_CP_SIP_TRUNK_CRED,	/* struct sl_trunk_cred[n] (secret) */
	SL_CP_SIP_DIR_END,	/* empty: swap in the new snapshot */
	SL_CP_SIP_RELOAD_TLS,	/* struct sl_cp_tls + PEMs: certificate, key, trust store (secret) */
	SL_CP_SIP_QUERY,	/* struct sl_cp_query: runtime state request */
	/* sip -> parent */
	SL_CP_SIP_READY,	/* empty: listeners are up */
	SL_CP_REG_PUT,		/* struct sl_registration */
	SL_CP_REG_DEL,		/* struct sl_registration (user, contact) */
	SL_CP_CALL_PUT,		/* struct sl_call */
	SL_CP_QUERY_REPLY,	/* struct sl_cp_query_reply + text */
	/* parent -> ca (issue 5: provisioning keys) */
	SL_CP_CA_KEYS,		/* struct sl_cp_ca_keys: open the keys, create missing files */
	SL_CP_CA_SIGN_DIGEST,	/* struct sl_cp_sign_req (SAST or TFTP key) */
	SL_CP_CA_ISSUE_LSC,	/* struct sl_cp_lsc_req + the phone's SubjectPublicKeyInfo DER */
	SL_CP_CA_REGEN,		/* struct sl_cp_regen: new key (files) and certificate */
	/* ca -> parent */
	SL_CP_CA_KEYS_READY,	/* text: "NAME SHA256-FINGERPRINT KEYREF-KIND" lines */
	SL_CP_CA_SIGNATURE,	/* raw signature bytes */
	/* prov -> ca: the only requests the prov channel accepts */
	SL_CP_CA_PRIV_OP,	/* struct sl_cp_priv_op + input (CAPF TLS key) */
	SL_CP_CA_PRIV_RESULT,	/* output bytes */
	/* parent -> prov */
	SL_CP_PROV_CERTS,	/* text: PEM of the CAPF certificate, the LSC issuer (CA),
				   then manufacturer CAs (start and every change) */
	SL_CP_PROV_CONF,	/* struct sl_conf (SIGHUP) */
	SL_CP_PROV_CAPF_ANSWER,	/* struct sl_cp_capf_answer: to a lookup */
	SL_CP_PROV_CAPF_ISSUED,	/* struct sl_cp_capf_issued + LSC DER */
	SL_CP_PROV_QUERY,	/* struct sl_cp_query: counters (text) */
	/* prov -> parent */
	SL_CP_PROV_READY,	/* empty: listeners are up */
	SL_CP_CAPF_LOOKUP,	/* struct sl_cp_capf_lookup (secret: the password) */
	SL_CP_CAPF_ISSUE,	/* struct sl_cp_capf_issue + the phone's SubjectPublicKeyInfo */
	SL_CP_CAPF_RESULT,	/* struct sl_cp_capf_result + certificate DER */
	SL_CP_PROV_QUERY_REPLY,	/* struct sl_cp_query_reply + text */
	SL_CP__COUNT
};

struct sl_cp_hdr {
	uint32_t type;		/* enum sl_cp_type */
	uint32_t len;		/* body bytes */
};

struct sl_cp_ca_init {
	char node_name[64];	/* CN of the node certificate */
	char ca_dir[256];	/* where the CA key and certificate live */
	char key_ref[512];	/* "": <ca_dir>/ca.key; else a pkcs11: URI of the CA key */
};

/* Keys held by the ca process for provisioning (conf [keys]). */
enum sl_cp_keyid {
	SL_KEY_SAST1 = 0,
	SL_KEY_SAST2,
	SL_KEY_TFTP,
	SL_KEY_CAPF,
	SL_KEY__COUNT
};

struct sl_cp_ca_keys {
	char node_name[64];		/* for the subjects of created certificates */
	char ref[SL_KEY__COUNT][512];	/* file path, pkcs11: URI, or "off" */
	char cert[SL_KEY__COUNT][256];	/* PEM path */
};

struct sl_cp_sign_req {
	uint32_t key;			/* enum sl_cp_keyid: SAST1, SAST2 or TFTP */
	uint32_t hash;			/* enum sl_hash */
	uint32_t dlen;
	uint8_t digest[64];
};

struct sl_cp_lsc_req {
	char device[64];		/* CN of the LSC */
	uint32_t days;
	uint32_t spki_len;		/* bytes that follow */
};

struct sl_cp_regen {
	uint32_t key;			/* enum sl_cp_keyid */
};

enum sl_cp_priv_kind {
	SL_PRIV_RSA_SIGN_RAW = 1,	/* RSA private operation, no padding (block already padded) */
	SL_PRIV_RSA_SIGN_PKCS1,		/* RSA private operation, PKCS#1 type 1 padding */
	SL_PRIV_RSA_DECRYPT_PKCS1,	/* RSA decryption, PKCS#1 v1.5 (TLS 1.0 RSA key exchange) */
	SL_PRIV_ECDSA,			/* ECDSA over a digest, DER signature */
};

struct sl_cp_priv_op {
	uint32_t kind;			/* enum sl_cp_priv_kind */
	uint32_t len;			/* input bytes that follow */
};

/* CAPF between the prov process (sessions) and the parent (store, ca).
 * Enumerations are those of controlplane/capf/capf_session.h. */
#define SL_CP_CAPF_NAME	128
struct sl_cp_capf_lookup {
	uint32_t session;
	char device[SL_CP_CAPF_NAME];
	uint8_t has_password;		/* PASSWORD element present ("" = null string) */
	uint8_t password_too_long;	/* longer than the field: authentication fails */
	uint8_t sudi_present, sudi_ok;
	uint32_t cert_auth;		/* enum capf_cert_auth, checked by the session */
	uint32_t version;
	char password[128];
};

struct sl_cp_capf_answer {
	uint32_t session;
	uint32_t status;		/* enum capf_lookup_status */
	uint32_t mode;			/* enum capf_auth_mode */
	uint32_t op;			/* enum capf_op */
	uint32_t key_type;		/* enum capf_key_type */
	uint32_t rsa_bits;
	uint32_t curve;			/* enum capf_curve */
};

struct sl_cp_capf_issue {
	uint32_t session;
	char device[SL_CP_CAPF_NAME];
	uint32_t spki_len;		/* bytes that follow */
};

struct sl_cp_capf_issued {
	uint32_t session;
	int32_t status;			/* 0: der follows; < 0: refused (error says why) */
	char error[256];
	uint32_t der_len;
};

struct sl_cp_capf_result {
	uint32_t session;
	char device[SL_CP_CAPF_NAME];
	uint32_t op;			/* enum capf_op */
	uint32_t outcome;		/* enum capf_fail, 0 = success */
	uint32_t phone_reason;		/* 0xff: none */
	char detail[160];
	uint32_t der_len;		/* certificate DER that follows */
};

struct sl_cp_device {
	char name[64];
	char user[64];
	char cert_identity[256];
	int mode;		/* enum sl_sec_mode of its profile */
};

/* The TLS material of the sip process, read by the parent (the sip process
 * may run as a user that cannot read the key): the node certificate chain,
 * its key and every trust anchor, PEM, in that order after this header. */
struct sl_cp_tls {
	uint32_t cert_len, key_len, trust_len;
	uint32_t ntrust;		/* certificates in the trust bundle */
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
