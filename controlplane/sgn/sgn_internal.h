/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the files of controlplane/sgn (not installed). */
#ifndef SGN_INTERNAL_H
#define SGN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgn.h"

#define SGN_MAX_DN	2048	/* one DN string incl. NUL (fits a TLV) */

/* snprintf into err (may be NULL); returns rc. */
int sgn_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A bounded writer: writes past cap set overflow instead of writing. */
struct sgn_wbuf {
	uint8_t *p;
	size_t cap, len;
	bool overflow;
};

void sgn_put(struct sgn_wbuf *w, const void *v, size_t n);
void sgn_put8(struct sgn_wbuf *w, uint8_t v);
void sgn_put16(struct sgn_wbuf *w, uint16_t v);
void sgn_put32(struct sgn_wbuf *w, uint32_t v);
/* tag | u16 n | v; overflow also if n > 0xFFFF. */
void sgn_tlv(struct sgn_wbuf *w, uint8_t tag, const void *v, size_t n);
void sgn_tlv_str(struct sgn_wbuf *w, uint8_t tag, const char *s);	/* with the NUL */

static inline uint16_t sgn_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* The OpenSSL digest of a header hash code (1, 3), or NULL. */
const EVP_MD *sgn_md(int code);

/* Lowercase hex of b[n] into out (truncated with "..." if too long). */
void sgn_hex(const uint8_t *b, size_t n, char *out, size_t outlen);

/* What builders put in a header besides the signer fields (spec §2.2). */
struct sgn_hdr_spec {
	uint8_t version[2];
	bool has_signer_version;
	uint8_t signer_version[2];
	const char *filename;
	uint32_t timestamp;
	const uint8_t *extra;		/* .enc.sgn block after TIMESTAMP */
	size_t extra_len;
};

/* Checks the signer: RSA with a modulus index, a usable hash. Sets *hash,
 * *sig_len (modulus bytes) and *mod_index. */
int sgn_signer_check(const struct sl_sgn_signer *s, enum sl_hash *hash, size_t *sig_len,
		     int *mod_index, char *err, size_t errlen);

/* Spec §2.2 steps 2-8: header + body, signed; *out malloc()ed. */
int sgn_sign_file(const struct sl_sgn_signer *s, const struct sgn_hdr_spec *spec,
		  const uint8_t *body, size_t body_len, uint8_t **out, size_t *outlen,
		  char *err, size_t errlen);

/* Verify with pub, digest over file minus the signature TLV. */
int sgn_verify_parsed(const uint8_t *file, size_t len, const struct sl_sgn_header *h,
		      EVP_PKEY *pub, char *err, size_t errlen);

#endif
