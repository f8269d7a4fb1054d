/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cisco signed-file formats (spec /work/shared/specs/cisco-phone-security.md
 * §0, §2-§5, §8): the common signed header, CTL/ITL trust lists (.tlv),
 * signed files (.sgn) and encrypted configuration (.enc.sgn).
 *
 * Conventions of this API:
 *  - Functions return 0 (or a count) on success and -errno on failure,
 *    with a message in err[errlen] saying what was wrong and what to do
 *    (err may be NULL). Messages never contain key material.
 *  - No global state. Parsers take (buf, len), are bounds-checked and never
 *    allocate; what they return points INTO the caller's buffer and lives as
 *    long as it does.
 *  - Builders return a malloc()ed file in *out (the caller free()s it);
 *    nothing is returned on failure. sl_encsgn_decrypt() returns the
 *    plaintext in a malloc()ed buffer the caller wipes and frees with
 *    sl_sgn_free_secret().
 *  - The library never sees a signing key: a struct sl_sgn_signer carries
 *    the signer certificate and an sl_sign_digest_fn (sl_sign.h). The only
 *    private key it touches is the phone key given to sl_encsgn_decrypt().
 *  - Certificates and keys passed in are borrowed, never freed or kept.
 */
#ifndef SL_SGN_H
#define SL_SGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sl_sign.h"

/* Header tags (spec §2.1); 16-27 are the .enc.sgn block (spec §5.1). */
enum sl_sgn_tag {
	SL_SGN_VERSION = 1,
	SL_SGN_HEADER_LENGTH = 2,
	SL_SGN_SIGNER_INFO = 3,		/* container */
	SL_SGN_SIGNER_NAME = 4,
	SL_SGN_SERIAL_NUMBER = 5,
	SL_SGN_ISSUER_NAME = 6,
	SL_SGN_SIGNATURE_INFO = 7,	/* container, length 15 */
	SL_SGN_HASH_ALGORITHM = 8,
	SL_SGN_SIGNATURE_ALGORITHM_INFO = 9,	/* container, length 8 */
	SL_SGN_SIGNATURE_ALGORITHM = 10,
	SL_SGN_SIGNATURE_MODULUS = 11,
	SL_SGN_SIGNATURE = 12,
	SL_SGN_PADDING = 13,		/* one byte 0x0D, no length */
	SL_SGN_FILENAME = 14,
	SL_SGN_TIMESTAMP = 15,
	SL_SGN_ENCRYPTION_INFO = 16,	/* container */
	SL_SGN_ENCRYPTION_IV_INFO = 17,	/* container */
	SL_SGN_UNKNOWN1 = 18,
	SL_SGN_IV = 19,
	SL_SGN_ENC_PADDING = 20,
	SL_SGN_ENCRYPTION_KEY_INFO = 21,	/* container */
	SL_SGN_UNKNOWN2 = 22,
	SL_SGN_KEY_SIZE = 23,
	SL_SGN_KEY_ALGORITHM = 24,
	SL_SGN_KEY = 25,
	SL_SGN_ENCRYPTION_HASH_ALGORITHM = 26,
	SL_SGN_ENCRYPTION_HASH = 27,
	SL_SGN_SIGNER_VERSION = 28,
};

/* Record tags of a .tlv (spec §3.2). */
enum sl_tlv_tag {
	SL_TLV_RECORD_LENGTH = 1,
	SL_TLV_DNS_NAME = 2,		/* parsed, skipped */
	SL_TLV_SUBJECT_NAME = 3,
	SL_TLV_ROLE = 4,
	SL_TLV_ISSUER_NAME = 5,
	SL_TLV_SERIAL_NUMBER = 6,
	SL_TLV_PUBLIC_KEY = 7,
	SL_TLV_SIGNATURE = 8,
	SL_TLV_CERTIFICATE = 9,
	SL_TLV_IP_ADDRESS = 10,		/* parsed, skipped */
	SL_TLV_CERTIFICATE_HASH = 11,	/* parsed, skipped */
	SL_TLV_HASH_ALGORITHM = 12,	/* parsed, skipped */
};

/* Role codes (spec §0), u16 in .tlv records. */
enum sl_role {
	SL_ROLE_SAST = 0,
	SL_ROLE_CCM = 1,
	SL_ROLE_CCM_TFTP = 2,
	SL_ROLE_TFTP = 3,
	SL_ROLE_CAPF = 4,
	SL_ROLE_APP_SERVER = 7,
	SL_ROLE_TVS = 21,
};

#define SL_SGN_PAD_BYTE		0x0D
#define SL_SGN_MAX_SIG		512	/* 4096-bit RSA */
#define SL_SGN_MAX_HASH		64	/* SHA-512 */
#define SL_SGN_MAX_SERIAL	64	/* longer serials are refused */
#define SL_TLV_MAX_SAST		2	/* spec §3.3: at most 2 SAST records */

/* "SAST", "CCM", "CCM+TFTP", ... or NULL for codes spec §0 does not name. */
const char *sl_role_name(unsigned role);

/* ---- Names and serials (spec §0) ------------------------------------- */

/*
 * The DN string of a Name: attributes in encoded order (first RDN first,
 * multi-valued RDNs flattened), SHORT=value with RFC 4514 §2.4 escaping,
 * short names CN L ST O OU C STREET DC UID, others as the dotted OID,
 * joined by ',' without spaces. Writes a NUL-terminated string; returns its
 * length, or -ENOSPC if outlen is too small, -EINVAL on an undecodable
 * value.
 */
int sl_sgn_dn_string(const X509_NAME *name, char *out, size_t outlen, char *err,
		     size_t errlen);

/* The serial as minimal unsigned big-endian bytes (no DER sign byte; a zero
 * serial is one 0x00 byte). Returns the length, -ERANGE if negative or
 * longer than outlen. */
int sl_sgn_serial_bytes(const X509 *cert, uint8_t *out, size_t outlen, char *err,
			size_t errlen);

/* ---- Signer --------------------------------------------------------- */

struct sl_sgn_signer {
	X509 *cert;			/* RSA 512/1024/2048/4096 signer certificate */
	sl_sign_digest_fn sign;		/* signs the digest with cert's key */
	void *arg;
	enum sl_hash hash;		/* 0 means SL_HASH_SHA1; or SL_HASH_SHA512 */
};

/*
 * An sl_sign_digest_fn over an in-memory key: arg is the EVP_PKEY * (RSA:
 * PKCS#1 v1.5 with DigestInfo; EC: ECDSA). For tests and tools; shieldlockd
 * signs through the ca process instead.
 */
int sl_sgn_pkey_sign(void *arg, enum sl_hash hash, const uint8_t *digest, size_t dlen,
		     uint8_t *sig, size_t *siglen, char *err, size_t errlen);

/* Fills *s to sign with key (borrowed) for cert. */
void sl_sgn_signer_from_pkey(struct sl_sgn_signer *s, X509 *cert, EVP_PKEY *key,
			     enum sl_hash hash);

/* ---- Common header (spec §2) ---------------------------------------- */

/* A parsed header. Pointers point into the parsed buffer. */
struct sl_sgn_header {
	uint8_t version[2];		/* major, minor */
	uint16_t header_length;		/* = offset of the body */
	bool has_signer_version;
	uint8_t signer_version[2];
	const char *signer_name;	/* NUL-terminated inside the buffer, or NULL */
	const char *issuer_name;
	const uint8_t *serial;
	size_t serial_len;
	int hash;			/* HASH_ALGORITHM code, -1 if absent */
	int sig_algorithm;		/* -1 if absent */
	int sig_modulus;		/* index 0..3, -1 if absent */
	const uint8_t *signature;	/* NULL if absent */
	size_t signature_len;
	size_t sig_tlv_offset;		/* offset of the 0x0C tag byte */
	size_t sig_tlv_len;		/* 3 + signature_len */
	const char *filename;
	bool has_timestamp;
	uint32_t timestamp;
	size_t padding;			/* number of 0x0D bytes */
	/* .enc.sgn block (spec §5.1); has_encryption if any of it is present */
	bool has_encryption;
	int unknown1, unknown2, key_algorithm;	/* -1 if absent */
	const uint8_t *iv;		/* 16 bytes, or NULL */
	int enc_padding;		/* PADDING count, -1 if absent */
	int key_size;			/* KEY_SIZE (bits), -1 if absent */
	const uint8_t *key;		/* wrapped key, or NULL */
	size_t key_len;
	int enc_hash_algorithm;		/* -1 if absent */
	const uint8_t *enc_hash;	/* or NULL */
	size_t enc_hash_len;
	size_t body_len;		/* len - header_length */
};

/*
 * Parses the header of file[len] (spec §2.1 reading rules) and checks each
 * field's length, duplicates, the header length and every TLV against the
 * header's end. Does not verify the signature. Returns 0 or -EBADMSG.
 */
int sl_sgn_header_parse(const uint8_t *file, size_t len, struct sl_sgn_header *h, char *err,
			size_t errlen);

/*
 * Verifies the signature (spec §2.2 "Verifying") with pub (RSA). Checks the
 * hash code (1 or 3), the modulus index and the signature length against
 * the key. Returns 0, -EBADMSG (malformed), -EPERM (bad signature), or
 * -ENOTSUP.
 */
int sl_sgn_verify(const uint8_t *file, size_t len, EVP_PKEY *pub, char *err, size_t errlen);

/* As sl_sgn_verify() with cert's key, and also requires the header's
 * SERIAL_NUMBER and ISSUER_NAME to be cert's (else -EPERM). */
int sl_sgn_verify_cert(const uint8_t *file, size_t len, X509 *cert, char *err,
		       size_t errlen);

/* ---- .sgn (spec §4) ------------------------------------------------- */

/* FILENAME default: basename(path) + ".sgn". Returns length or -ENOSPC. */
int sl_sgn_default_filename(const char *path, char *out, size_t outlen);

/*
 * Signs data[len] into a .sgn (VERSION 1.0). filename is the FILENAME value
 * (the name the phone requests, e.g. "SEP001122334455.cnf.xml.sgn" or
 * "New_Zealand/g3-tones.xml.sgn"); timestamp the TIMESTAMP value.
 */
int sl_sgn_build(const struct sl_sgn_signer *s, const char *filename, uint32_t timestamp,
		 const uint8_t *data, size_t len, uint8_t **out, size_t *outlen, char *err,
		 size_t errlen);

/* The original file of a .sgn: file[headerLength:] (points into file). */
int sl_sgn_strip(const uint8_t *file, size_t len, const uint8_t **body, size_t *body_len,
		 char *err, size_t errlen);

/* ---- CTL / ITL .tlv (spec §3) ---------------------------------------- */

enum sl_tlv_kind {
	SL_TLV_CTL,			/* FILENAME "CTLFile.tlv" */
	SL_TLV_ITL,			/* FILENAME "ITLFile.tlv" */
};

struct sl_tlv_entry {
	X509 *cert;			/* RSA or EC */
	enum sl_role role;		/* one role per record */
};

/*
 * Builds a CTL/ITL: VERSION 1.2, SIGNER_VERSION 1.<signer_minor> (0 or 1),
 * FILENAME CTLFile.tlv / ITLFile.tlv (also for per-phone CTLSEP/ITLSEP
 * files), one record per entry in order. The signer's certificate must be
 * among the entries with role SAST; at most SL_TLV_MAX_SAST SAST records.
 */
int sl_tlv_build(const struct sl_sgn_signer *s, enum sl_tlv_kind kind, unsigned signer_minor,
		 uint32_t timestamp, const struct sl_tlv_entry *entries, size_t n,
		 uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* One parsed record. Pointers point into the file. */
struct sl_tlv_record {
	size_t offset;			/* of the record in the file */
	size_t length;			/* whole record incl. the 5-byte prefix */
	const char *subject_name, *issuer_name;	/* or NULL */
	const uint8_t *serial;
	size_t serial_len;
	int role;			/* -1 if absent */
	const uint8_t *public_key;
	size_t public_key_len;
	const uint8_t *signature;
	size_t signature_len;
	const uint8_t *cert;		/* DER, or NULL */
	size_t cert_len;
	unsigned unknown_tags;		/* tags skipped (2, 10-12, others) */
};

/*
 * Record iterator: *pos starts at the header length. Returns 1 with *r
 * filled and *pos advanced, 0 at the end of the file, -EBADMSG on a
 * malformed record.
 */
int sl_tlv_next(const uint8_t *file, size_t len, size_t *pos, struct sl_tlv_record *r,
		char *err, size_t errlen);

/* Parses the header and all records into r[max]; *n = records in the file.
 * -ENOSPC if there are more than max. */
int sl_tlv_parse(const uint8_t *file, size_t len, struct sl_sgn_header *h,
		 struct sl_tlv_record *r, size_t max, size_t *n, char *err, size_t errlen);

/* Spec §3.3: the SAST record whose serial equals the header's signs the
 * file; verify with its certificate. -EPERM if no such record or the
 * signature is bad. */
int sl_tlv_verify(const uint8_t *file, size_t len, char *err, size_t errlen);

/*
 * The phone's update rule (spec §3.3): next must verify by itself AND be
 * signed by a certificate that prev lists with role SAST (same serial,
 * same issuer, same certificate bytes in both files); the signature is
 * checked with prev's copy. prev is trusted as installed (not verified).
 */
int sl_tlv_verify_update(const uint8_t *next, size_t next_len, const uint8_t *prev,
			 size_t prev_len, char *err, size_t errlen);

/* ---- .enc.sgn (spec §5) --------------------------------------------- */

/*
 * Encrypts plain[len] for the phone key phone_pub (RSA; EC is refused) and
 * signs it: VERSION 2.0, fresh AES-128 key and IV from RAND_bytes, 1..16
 * bytes of 0x0D padding, AES-128-CBC without further padding, the key
 * wrapped with RSA PKCS#1 v1.5 type 2, ENCRYPTION_HASH of plain with the
 * signer's hash. filename is e.g. "SEP001122334455.cnf.xml.enc.sgn". The
 * caller checks the XML (spec §5.1 step 1).
 */
int sl_encsgn_build(const struct sl_sgn_signer *s, const char *filename, uint32_t timestamp,
		    EVP_PKEY *phone_pub, const uint8_t *plain, size_t len, uint8_t **out,
		    size_t *outlen, char *err, size_t errlen);

/*
 * Spec §5.3 steps 2-5 with the phone's private key: unwrap, decrypt, check
 * and drop the padding, check ENCRYPTION_HASH. Does not verify the
 * signature (call sl_sgn_verify() first). *plain is malloc()ed; release it
 * with sl_sgn_free_secret().
 */
int sl_encsgn_decrypt(const uint8_t *file, size_t len, EVP_PKEY *phone_key, uint8_t **plain,
		      size_t *plain_len, char *err, size_t errlen);

/* Wipes and frees a buffer returned by sl_encsgn_decrypt() (NULL is fine). */
void sl_sgn_free_secret(uint8_t *p, size_t len);

#endif
