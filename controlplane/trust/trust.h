/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trust store (docs/certificates.md): a directory of PEM certificates
 * named <X509_subject_name_hash, 8 lower-case hex digits>.<N>, as c_rehash /
 * `openssl rehash` make them, that `openssl verify -CApath DIR` and the
 * SIP/SCCP TLS listeners (SSL_CTX_load_verify_dir) use to verify client
 * certificates.
 *
 * OpenSSL's hashed-directory lookup (X509_LOOKUP_hash_dir(3): "hash.N ...
 * N a sequence number starting at zero"; crypto/x509/by_dir.c,
 * get_cert_by_subject_ex(): the for(;;) loop stat()s HASH.0, HASH.1, ... and
 * breaks at the first name that does not exist, or whose file does not load)
 * never looks past a missing or unreadable N. Every change here therefore
 * keeps each hash's suffixes 0..k-1 without gaps, and sl_trust_check finds
 * and repairs directories that lost that property.
 *
 * Files are written 0644, atomically (temporary file, fsync, link to the
 * final name, which never replaces an existing file). A file may start with
 * one "Label: TEXT" line before its PEM block (PEM readers skip text before
 * "-----BEGIN"). Functions return 0 or -errno with a message in err that
 * names the file and the fix; they keep no global state and are not
 * thread-safe against concurrent writers of the same directory (shieldlockd
 * changes it from its single-threaded parent only).
 */
#ifndef SL_TRUST_H
#define SL_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#define SL_TRUST_FILE_MAX	32	/* "0123abcd.12345" + NUL, with room */
#define SL_TRUST_FP_SHA1_LEN	60	/* "AB:CD:..." 20 bytes + NUL */
#define SL_TRUST_FP_SHA256_LEN	96	/* 32 bytes + NUL */
#define SL_TRUST_LABEL_MAX	65	/* 64 bytes + NUL */
#define SL_TRUST_INPUT_MAX	(1u << 20)	/* bytes of one import */
#define SL_TRUST_IMPORT_MAX	64	/* certificates of one import */
#define SL_TRUST_SUFFIX_MAX	1000	/* HASH.0 .. HASH.999 */

/* What an operator needs to know about one certificate. */
struct sl_trust_info {
	char subject[512];		/* RFC 2253, as openssl -nameopt RFC2253 */
	char issuer[512];
	char serial[128];		/* upper-case hex */
	char not_before[24];		/* "YYYY-MM-DD HH:MM:SS" (UTC) */
	char not_after[24];
	int64_t nb, na;			/* the same as Unix time */
	char sha1[SL_TRUST_FP_SHA1_LEN];	/* "AB:CD:...", over the DER */
	char sha256[SL_TRUST_FP_SHA256_LEN];
	char key_type[16];		/* "RSA", "EC", "ED25519", "?" */
	int key_bits;
	char san[512];			/* "DNS:a, IP:10.0.0.1, URI:..., email:..." */
	bool is_ca;			/* basicConstraints CA:TRUE */
	bool self_signed;		/* issuer == subject and the signature verifies */
	unsigned long hash;		/* X509_subject_name_hash */
};

/* Fills ci from x. 0 or -EIO (a digest failed). */
int sl_trust_info(X509 *x, struct sl_trust_info *ci);
/* "valid", "expired" or "not yet valid" at time now. */
const char *sl_trust_validity(const struct sl_trust_info *ci, int64_t now);

/*
 * A fingerprint an operator typed: hex digits with optional ':' (or ' ')
 * separators, case-insensitive, 8 to 64 digits. Writes the upper-case digits
 * to hex[65]; returns their number, or -EINVAL.
 */
int sl_trust_fp_parse(const char *s, char hex[65]);
/* Whether the SHA-256 (or, for at most 40 digits, the SHA-1) fingerprint of
 * ci starts with the digits of hex (from sl_trust_fp_parse). */
bool sl_trust_fp_match(const struct sl_trust_info *ci, const char *hex);

/* One certificate in DER. */
struct sl_trust_der {
	uint8_t *der;
	size_t len;
};

/*
 * Splits an import into certificates: a PEM bundle (one or more
 * "CERTIFICATE" blocks, text between blocks ignored) or one DER certificate.
 * Refuses the whole input, naming the block, if any part is a private key
 * (-EPERM; key bytes are wiped), another PEM type, malformed, or not
 * canonical DER (-EINVAL); more than SL_TRUST_IMPORT_MAX certificates or
 * more than SL_TRUST_INPUT_MAX bytes is -E2BIG. Free with sl_trust_der_free.
 */
int sl_trust_parse(const uint8_t *data, size_t len, struct sl_trust_der **certs, size_t *n,
		   char *err, size_t errlen);
void sl_trust_der_free(struct sl_trust_der *certs, size_t n);

/* DER <-> PEM text ("-----BEGIN CERTIFICATE-----", 64 columns, as openssl
 * x509 writes it). The result is malloc'd and NUL-terminated. */
int sl_trust_der_to_pem(const uint8_t *der, size_t len, char **pem, size_t *pemlen);

/* Base64 (RFC 4648 §4, with padding, no line breaks). Decoding is strict:
 * only the alphabet, final '=' padding and zero pad bits (§3.5), so decoding
 * and encoding again gives the input back. malloc'd results; -EINVAL, -ENOMEM. */
int sl_trust_b64_encode(const uint8_t *in, size_t n, char **out, size_t *outlen);
int sl_trust_b64_decode(const char *in, size_t n, uint8_t **out, size_t *outlen);

/* A checked label: 1..64 bytes of UTF-8 without control characters. */
int sl_trust_label_check(const char *label, char *err, size_t errlen);

/* One file of the store. */
struct sl_trust_entry {
	char file[SL_TRUST_FILE_MAX];	/* "1a2b3c4d.0" */
	char label[SL_TRUST_LABEL_MAX];	/* "" if none */
	char problem[200];		/* "" if the file is fine; else what is wrong */
	struct sl_trust_info info;	/* zero if problem says it is unreadable */
};

/*
 * The <hash>.N files of dir (CRLs <hash>.rN and other names skipped), sorted
 * by hash and N. A missing directory is an empty store. Free with free().
 */
int sl_trust_list(const char *dir, struct sl_trust_entry **entries, size_t *n, char *err,
		  size_t errlen);

/*
 * Finds the entry a user named: a file name ("1a2b3c4d.0") or a fingerprint
 * prefix (sl_trust_fp_parse). -ENOENT if none, -ENOTUNIQ if several (err
 * lists the candidates), -EINVAL if key is neither, -EIO if the named file
 * exists but holds no readable certificate.
 */
int sl_trust_find(const char *dir, const char *key, struct sl_trust_entry *e, char *err,
		  size_t errlen);

/* The DER of the (first) certificate in dir/file (malloc'd). */
int sl_trust_read_der(const char *dir, const char *file, uint8_t **der, size_t *len, char *err,
		      size_t errlen);

/* One certificate of an import, in input order. */
struct sl_trust_imported {
	char file[SL_TRUST_FILE_MAX];	/* the new file, or the existing one */
	bool duplicate;			/* same SHA-256 as file: skipped */
	struct sl_trust_info info;
};

/*
 * Imports every certificate of data (sl_trust_parse) into dir (created 0755
 * if missing) as <hash>.<first free N>; a certificate already in the store
 * (same SHA-256) is skipped and reported as duplicate. label (may be NULL)
 * is written as the files' "Label:" line. All or nothing: on failure the
 * files written by this call are removed. Free *res with free().
 */
int sl_trust_import(const char *dir, const uint8_t *data, size_t len, const char *label,
		    struct sl_trust_imported **res, size_t *nres, char *err, size_t errlen);

/* A rename done to close a gap. */
struct sl_trust_rename {
	char from[SL_TRUST_FILE_MAX];
	char to[SL_TRUST_FILE_MAX];
};

/*
 * Removes dir/file (a <hash>.N name) and renumbers the other files of that
 * hash so their suffixes run 0..k-1 again: the highest-numbered file is
 * renamed over the deleted one (atomically, so no lookup ever sees a gap),
 * then any older gaps are closed. Up to maxren renames are reported in ren.
 */
int sl_trust_delete(const char *dir, const char *file, struct sl_trust_rename *ren,
		    size_t maxren, size_t *nren, char *err, size_t errlen);

/* Closes gaps in the suffixes of one hash ("%08lx" names only). */
int sl_trust_compact(const char *dir, unsigned long hash, struct sl_trust_rename *ren,
		     size_t maxren, size_t *nren, char *err, size_t errlen);

/* A problem sl_trust_check found. */
struct sl_trust_issue {
	char file[256];
	char text[400];			/* what is wrong, and the fix */
	bool fixed;			/* fix was asked and done */
};

/*
 * Checks every file of dir as OpenSSL's lookup sees it: the name matches the
 * subject hash, the file holds one PEM certificate, suffixes without gaps, no
 * duplicates, mode not writable by group/others, no leftover temporary
 * files; names OpenSSL ignores are reported. With fix, repairs what can be
 * repaired without losing a certificate (rename to the right hash, rewrite
 * DER as PEM, chmod 0644, drop duplicates and temporary files, move an
 * unreadable file aside as NAME.invalid, close gaps). Free *issues with free().
 */
int sl_trust_check(const char *dir, bool fix, struct sl_trust_issue **issues, size_t *n,
		   char *err, size_t errlen);

#endif
