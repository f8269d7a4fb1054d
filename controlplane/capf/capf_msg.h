/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CAPF wire format (spec §1.2–§1.6): the 8-byte header, element TLVs and
 * the compound elements. Pure codec: no I/O, no global state, every read
 * bounds-checked. Pointers in a parsed message point into the caller's
 * buffer, which must outlive the struct capf_msg.
 */
#ifndef SL_CAPF_MSG_H
#define SL_CAPF_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPF_PROTOCOL_ID	0x55	/* spec §1.2 */
#define CAPF_HDR_LEN		8
#define CAPF_VERSION		3	/* spec §1.4 VERSION */
/* Our limit on a whole message (header + body). It equals the largest TLS
 * record payload, so a message always goes out in one record (spec §1.1).
 * Larger messages are refused with END_SESSION(7) and the session closed. */
#define CAPF_MSG_MAX		16384
#define CAPF_BODY_MAX		(CAPF_MSG_MAX - CAPF_HDR_LEN)
#define CAPF_TAG_MAX		20	/* highest tag we know (SHA2_SIGNED_DATA) */
#define CAPF_CERT_PREFIX_LEN	5	/* spec §1.6 */
#define CAPF_UNKNOWN_REPORT	8	/* unknown tags remembered for the log */

/* Commands (spec §1.3). */
enum capf_cmd {
	CAPF_AUTH_REQUEST = 1,
	CAPF_AUTH_RESPONSE = 2,
	CAPF_KEY_GENERATE_REQUEST = 3,
	CAPF_KEY_GENERATE_RESPONSE = 4,
	CAPF_ENCRYPT_RESPONSE = 5,
	CAPF_ENCRYPT_REQUEST = 6,
	CAPF_DECRYPT_REQUEST = 7,
	CAPF_DECRYPT_RESPONSE = 8,
	CAPF_STORE_CERTIFICATE_REQUEST = 9,
	CAPF_STORE_CERTIFICATE_RESPONSE = 10,
	CAPF_FETCH_CERTIFICATE_REQUEST = 11,
	CAPF_FETCH_CERTIFICATE_RESPONSE = 12,
	CAPF_DELETE_CERTIFICATE_REQUEST = 13,
	CAPF_DELETE_CERTIFICATE_RESPONSE = 14,
	CAPF_END_SESSION = 15,
	CAPF_RETRY_LATER = 16,
	CAPF_REQUEST_IN_PROGRESS = 17,
};

/* Element tags (spec §1.4). */
enum capf_tag {
	CAPF_EL_REASON = 1,
	CAPF_EL_REASON_INFO = 2,
	CAPF_EL_CERTIFICATE_TYPE = 3,
	CAPF_EL_CERTIFICATE = 4,
	CAPF_EL_CERTIFICATE_ID = 5,
	CAPF_EL_SIGNED_DATA = 6,
	CAPF_EL_VERSION = 7,
	CAPF_EL_AUTH_TYPE = 8,
	CAPF_EL_PUBLIC_KEY = 9,
	CAPF_EL_KEY_SIZE = 10,
	CAPF_EL_PASSWORD = 11,
	CAPF_EL_RETRY_DELAY = 12,
	CAPF_EL_DEVICE_NAME = 13,
	CAPF_EL_SUDI_DATA = 16,
	CAPF_EL_KEY_TYPE = 17,
	CAPF_EL_CURVE = 18,
	CAPF_EL_DIGEST_TYPE = 19,
	CAPF_EL_SHA2_SIGNED_DATA = 20,
};

/* REASON values (spec §1.5). */
enum capf_reason {
	CAPF_REASON_NO_ACTION = 0,
	CAPF_REASON_UPDATE_CERTIFICATE = 1,	/* "OK" */
	CAPF_REASON_INVALID_ELEMENT = 7,
	CAPF_REASON_UNKNOWN_DEVICE = 9,
};

enum capf_cert_type { CAPF_CERT_LSC = 1, CAPF_CERT_MIC = 2 };		/* tag 3 */
enum capf_auth_type {							/* tag 8 */
	CAPF_AT_NONE = 0, CAPF_AT_PASSWORD = 1, CAPF_AT_NULL_STRING = 2,
	CAPF_AT_LSC = 3, CAPF_AT_MIC = 4,
};
enum capf_key_type { CAPF_KEY_RSA = 0, CAPF_KEY_EC = 1 };		/* tag 17 */
enum capf_curve { CAPF_CURVE_P256 = 0, CAPF_CURVE_P384 = 1, CAPF_CURVE_P521 = 2 }; /* tag 18 */

/* Parse status: 0, or one of these negative values. */
enum capf_perr {
	CAPF_E_SHORT = -1,	/* need more bytes (header or body incomplete) */
	CAPF_E_PROTO = -2,	/* protocol ID is not 0x55 */
	CAPF_E_SIZE = -3,	/* message larger than CAPF_MSG_MAX */
	CAPF_E_TRUNC = -4,	/* element header or value runs past the body */
	CAPF_E_DUP = -5,	/* the same tag twice */
	CAPF_E_ELEN = -6,	/* element length outside its limits */
	CAPF_E_TRAIL = -7,	/* bytes after the message */
	CAPF_E_VALUE = -8,	/* value malformed (compound elements, C-strings) */
};
const char *capf_perr_str(int err);

struct capf_hdr {
	uint8_t proto;
	uint8_t cmd;
	uint32_t session;
	uint16_t body_len;
};

struct capf_el {
	const uint8_t *v;
	uint16_t len;
	bool present;
};

struct capf_msg {
	struct capf_hdr hdr;
	struct capf_el el[CAPF_TAG_MAX + 1];	/* indexed by tag; 0, 14, 15 unused */
	unsigned n_unknown;			/* elements skipped (unknown tags) */
	uint8_t unknown[CAPF_UNKNOWN_REPORT];	/* their first tags */
	uint8_t bad_tag;			/* tag at fault when parsing failed */
};

/* Parses the 8-byte header from buf[0..len). Returns 0, CAPF_E_SHORT,
 * CAPF_E_PROTO or CAPF_E_SIZE (checked as soon as the header is there). */
int capf_hdr_parse(const uint8_t *buf, size_t len, struct capf_hdr *h);

/* Parses one complete message, which must be exactly len bytes. */
int capf_msg_parse(const uint8_t *buf, size_t len, struct capf_msg *m);

/* Element accessors: 0, or CAPF_E_VALUE when absent or of the wrong size. */
int capf_el_u8(const struct capf_msg *m, enum capf_tag t, uint8_t *out);
int capf_el_u16(const struct capf_msg *m, enum capf_tag t, uint16_t *out);
/* A C-string element (spec §0): one terminating NUL, no other NUL, valid
 * UTF-8 is not required. Returns the string inside the buffer. */
const char *capf_el_cstr(const struct capf_msg *m, enum capf_tag t);

/* CERTIFICATE (spec §1.6): 01 | u16(len(DER)+2) | 00 | type | DER.
 * Unwrap: the receiver skips 5 bytes as the reference does, and reports
 * whether the prefix was the expected one (prefix_ok). */
struct capf_cert_el {
	const uint8_t *der;
	size_t der_len;
	uint8_t type;		/* 5th prefix byte */
	bool prefix_ok;		/* 01, length matches, 00 */
};
int capf_cert_unwrap(const uint8_t *v, size_t len, struct capf_cert_el *out);

/* SHA2_SIGNED_DATA (spec §1.6): u8 hashAlg | u16 sigLen | signature;
 * refused unless hashAlg is 3 and sigLen matches the element exactly. */
int capf_sha2sig_parse(const uint8_t *v, size_t len, const uint8_t **sig, size_t *sig_len);

/* SUDI_DATA (spec §1.6): three records u8 x | u16 len | bytes: certificate,
 * SHA-1 signature, SHA-512 signature (x of the third must be 3; the first two
 * are not checked, as in the reference). Nothing may follow. */
struct capf_sudi {
	const uint8_t *cert;
	size_t cert_len;
	const uint8_t *sig1;
	size_t sig1_len;
	const uint8_t *sig512;
	size_t sig512_len;
};
int capf_sudi_parse(const uint8_t *v, size_t len, struct capf_sudi *out);

/*
 * Building: a writer over a caller buffer. Each call appends; the first
 * failure (no room, length over 65535 or over CAPF_MSG_MAX) sticks and
 * capf_w_finish() returns -1. capf_w_finish() fills the body length and
 * returns the whole message length.
 */
struct capf_w {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool failed;
};
void capf_w_init(struct capf_w *w, uint8_t *buf, size_t cap, uint8_t cmd, uint32_t session);
void capf_w_bytes(struct capf_w *w, uint8_t tag, const void *v, size_t len);
void capf_w_u8(struct capf_w *w, uint8_t tag, uint8_t v);
void capf_w_u16(struct capf_w *w, uint8_t tag, uint16_t v);
void capf_w_cstr(struct capf_w *w, uint8_t tag, const char *s);	/* adds the NUL */
void capf_w_cert(struct capf_w *w, uint8_t type, const uint8_t *der, size_t len);
void capf_w_sha2sig(struct capf_w *w, const uint8_t *sig, size_t len);
void capf_w_sudi(struct capf_w *w, const struct capf_sudi *s);
long capf_w_finish(struct capf_w *w);

/*
 * Server messages with elements in the reference order (spec §1.4):
 * REASON, CERTIFICATE_TYPE, CERTIFICATE, VERSION, AUTH_TYPE, KEY_SIZE,
 * KEY_TYPE, CURVE. A field < 0 (or cert == NULL) is left out.
 */
struct capf_build {
	int reason;
	int cert_type;
	const uint8_t *cert;
	size_t cert_len;
	int version;
	int auth_type;
	int key_size;
	int key_type;
	int curve;
};
void capf_build_init(struct capf_build *b);	/* every field absent */
long capf_msg_build(uint8_t *buf, size_t cap, uint8_t cmd, uint32_t session,
		    const struct capf_build *b);

const char *capf_cmd_name(unsigned cmd);

#endif
