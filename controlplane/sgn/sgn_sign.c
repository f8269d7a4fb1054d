/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writing and signing the common header (spec §2.2), and a signing
 * callback over an in-memory key for tests and tools.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

#include "sgn_internal.h"

int sl_sgn_pkey_sign(void *arg, enum sl_hash hash, const uint8_t *digest, size_t dlen,
		     uint8_t *sig, size_t *siglen, char *err, size_t errlen)
{
	EVP_PKEY *key = arg;
	const EVP_MD *md = sgn_md(hash);
	EVP_PKEY_CTX *ctx;
	int rc = -EINVAL;

	if (!key || !md)
		return sgn_fail(err, errlen, -EINVAL, "no key, or hash code %d is not SHA-1/SHA-512",
				(int)hash);
	if (dlen != (size_t)EVP_MD_get_size(md))
		return sgn_fail(err, errlen, -EINVAL, "digest is %zu bytes, expected %d", dlen,
				EVP_MD_get_size(md));
	ctx = EVP_PKEY_CTX_new(key, NULL);
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 || EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0 ||
	    (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)) {
		sgn_fail(err, errlen, -EINVAL, "cannot set up signing with this key type");
		goto out;
	}
	if (EVP_PKEY_sign(ctx, sig, siglen, digest, dlen) <= 0) {
		sgn_fail(err, errlen, -EIO, "signing failed (signature buffer %zu bytes)", *siglen);
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

void sl_sgn_signer_from_pkey(struct sl_sgn_signer *s, X509 *cert, EVP_PKEY *key,
			     enum sl_hash hash)
{
	s->cert = cert;
	s->sign = sl_sgn_pkey_sign;
	s->arg = key;
	s->hash = hash;
}

int sgn_signer_check(const struct sl_sgn_signer *s, enum sl_hash *hash, size_t *sig_len,
		     int *mod_index, char *err, size_t errlen)
{
	EVP_PKEY *pub;
	int bits;

	if (!s || !s->cert || !s->sign)
		return sgn_fail(err, errlen, -EINVAL, "no signer certificate or signing function given");
	*hash = s->hash ? s->hash : SL_HASH_SHA1;
	if (*hash == SL_HASH_SHA256)
		return sgn_fail(err, errlen, -ENOTSUP,
				"SHA-256 (hash code 2) is refused: phones' tools only accept SHA-1 and SHA-512 headers (spec §0, §10); choose sha1 or sha512");
	if (!sgn_md(*hash))
		return sgn_fail(err, errlen, -EINVAL, "unknown hash code %d; use SHA-1 (1) or SHA-512 (3)",
				(int)*hash);
	pub = X509_get0_pubkey(s->cert);
	if (!pub)
		return sgn_fail(err, errlen, -EINVAL, "the signer certificate's public key is unreadable");
	if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA)
		return sgn_fail(err, errlen, -ENOTSUP,
				"the signer certificate has a %s key: signed files carry only RSA signatures (spec §2.2, §10); sign with an RSA SAST/TFTP certificate",
				EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC ? "EC" : "non-RSA");
	bits = EVP_PKEY_get_bits(pub);
	/* SIGNATURE_MODULUS (spec §2.1): 0 = 512, 1 = 1024, 2 = 2048, 3 = 4096. */
	switch (bits) {
	case 512: *mod_index = 0; break;
	case 1024: *mod_index = 1; break;
	case 2048: *mod_index = 2; break;
	case 4096: *mod_index = 3; break;
	default:
		return sgn_fail(err, errlen, -ENOTSUP,
				"the signer has a %d-bit RSA key, which a signed-file header cannot describe (SIGNATURE_MODULUS knows only 512, 1024, 2048 and 4096 bits, spec §2.1); use a 2048-bit key",
				bits);
	}
	*sig_len = (size_t)bits / 8;
	return 0;
}

/* The digest of buf minus the gap [gap, gap + gap_len) (spec §2.2 step 7). */
static int digest_without(const EVP_MD *md, const uint8_t *buf, size_t len, size_t gap,
			  size_t gap_len, uint8_t *dig, unsigned *dlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) > 0 &&
		 EVP_DigestUpdate(ctx, buf, gap) > 0 &&
		 EVP_DigestUpdate(ctx, buf + gap + gap_len, len - gap - gap_len) > 0 &&
		 EVP_DigestFinal_ex(ctx, dig, dlen) > 0;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* Signer fields up to SIGNATURE_MODULUS (spec §2.1 emission order 4-9). */
static int put_signer_fields(struct sgn_wbuf *w, X509 *cert, enum sl_hash hash, int mod_index,
			     char *err, size_t errlen)
{
	char subj[SGN_MAX_DN], iss[SGN_MAX_DN];
	uint8_t serial[SL_SGN_MAX_SERIAL];
	int sl, rc;
	size_t info;

	rc = sl_sgn_dn_string(X509_get_subject_name(cert), subj, sizeof(subj), err, errlen);
	if (rc < 0)
		return rc;
	rc = sl_sgn_dn_string(X509_get_issuer_name(cert), iss, sizeof(iss), err, errlen);
	if (rc < 0)
		return rc;
	sl = sl_sgn_serial_bytes(cert, serial, sizeof(serial), err, errlen);
	if (sl < 0)
		return sl;
	/* SIGNER_INFO covers SIGNER_NAME, ISSUER_NAME, SERIAL_NUMBER. */
	info = 3 + strlen(subj) + 1 + 3 + strlen(iss) + 1 + 3 + (size_t)sl;
	sgn_put8(w, SL_SGN_SIGNER_INFO);
	sgn_put16(w, (uint16_t)info);
	sgn_tlv_str(w, SL_SGN_SIGNER_NAME, subj);
	sgn_tlv_str(w, SL_SGN_ISSUER_NAME, iss);
	sgn_tlv(w, SL_SGN_SERIAL_NUMBER, serial, (size_t)sl);
	/* SIGNATURE_INFO (15) { HASH_ALGORITHM, SIGNATURE_ALGORITHM_INFO (8)
	 * { SIGNATURE_ALGORITHM 0 = RSA, SIGNATURE_MODULUS } }. */
	sgn_put8(w, SL_SGN_SIGNATURE_INFO);
	sgn_put16(w, 15);
	sgn_tlv(w, SL_SGN_HASH_ALGORITHM, &(uint8_t){ (uint8_t)hash }, 1);
	sgn_put8(w, SL_SGN_SIGNATURE_ALGORITHM_INFO);
	sgn_put16(w, 8);
	sgn_tlv(w, SL_SGN_SIGNATURE_ALGORITHM, &(uint8_t){ 0 }, 1);
	sgn_tlv(w, SL_SGN_SIGNATURE_MODULUS, &(uint8_t){ (uint8_t)mod_index }, 1);
	if (info > 0xFFFF || w->overflow)
		return sgn_fail(err, errlen, -E2BIG, "the signer's names do not fit in a header");
	return 0;
}

int sgn_sign_file(const struct sl_sgn_signer *s, const struct sgn_hdr_spec *spec,
		  const uint8_t *body, size_t body_len, uint8_t **out, size_t *outlen,
		  char *err, size_t errlen)
{
	uint8_t hdr[0x10000], dig[EVP_MAX_MD_SIZE];
	struct sgn_wbuf w = { hdr, sizeof(hdr), 0, false };
	enum sl_hash hash;
	size_t S, p, hlen, siglen, total;
	int mod_index, rc;
	unsigned dlen;
	uint8_t *buf;
	EVP_PKEY_CTX *vctx;

	*out = NULL;
	*outlen = 0;
	rc = sgn_signer_check(s, &hash, &S, &mod_index, err, errlen);
	if (rc)
		return rc;
	if (!spec->filename || !spec->filename[0])
		return sgn_fail(err, errlen, -EINVAL, "no FILENAME given for the header");
	/* Step 2: VERSION, HEADER_LENGTH placeholder, fields to the modulus. */
	sgn_tlv(&w, SL_SGN_VERSION, spec->version, 2);
	sgn_tlv(&w, SL_SGN_HEADER_LENGTH, (uint8_t[2]){ 0, 0 }, 2);
	if (spec->has_signer_version)
		sgn_tlv(&w, SL_SGN_SIGNER_VERSION, spec->signer_version, 2);
	rc = put_signer_fields(&w, s->cert, hash, mod_index, err, errlen);
	if (rc)
		return rc;
	p = w.len;
	/* Step 3: FILENAME, TIMESTAMP, the encryption block. */
	sgn_tlv_str(&w, SL_SGN_FILENAME, spec->filename);
	sgn_tlv(&w, SL_SGN_TIMESTAMP, (uint8_t[4]){ (uint8_t)(spec->timestamp >> 24),
		(uint8_t)(spec->timestamp >> 16), (uint8_t)(spec->timestamp >> 8),
		(uint8_t)spec->timestamp }, 4);
	sgn_put(&w, spec->extra, spec->extra_len);
	/* Step 4: pad with 0x0D until the header with its signature TLV is a
	 * multiple of 4. */
	while (!w.overflow && (w.len + 3 + S) % 4)
		sgn_put8(&w, SL_SGN_PAD_BYTE);
	hlen = w.len + 3 + S;
	if (w.overflow || hlen > 0xFFFF)
		return sgn_fail(err, errlen, -E2BIG,
				"the header would exceed 65535 bytes (HEADER_LENGTH is 16 bits); shorten the file name");
	/* Step 5: HEADER_LENGTH counts the signature TLV not yet present. */
	hdr[8] = (uint8_t)(hlen >> 8);
	hdr[9] = (uint8_t)hlen;
	if (body_len > SIZE_MAX - hlen)
		return sgn_fail(err, errlen, -E2BIG, "the file is too large");
	total = hlen + body_len;
	buf = malloc(total);
	if (!buf)
		return sgn_fail(err, errlen, -ENOMEM, "out of memory for a %zu-byte file", total);
	/* Step 6: the file with a gap of 3 + S bytes at p for the signature. */
	memcpy(buf, hdr, p);
	memcpy(buf + p + 3 + S, hdr + p, w.len - p);
	if (body_len)
		memcpy(buf + hlen, body, body_len);
	/* Step 7: sign the digest of everything but the gap. */
	if (digest_without(sgn_md(hash), buf, total, p, 3 + S, dig, &dlen)) {
		rc = sgn_fail(err, errlen, -EIO, "cannot compute the file digest");
		goto err_buf;
	}
	siglen = S;
	rc = s->sign(s->arg, hash, dig, dlen, buf + p + 3, &siglen, err, errlen);
	if (rc) {
		rc = rc < 0 ? rc : -EIO;
		goto err_buf;
	}
	if (siglen != S) {
		rc = sgn_fail(err, errlen, -EIO,
			      "the signing function returned %zu bytes, not the %zu of the signer's RSA modulus: is the key RSA and the certificate's?",
			      siglen, S);
		goto err_buf;
	}
	/* Catch a key that does not belong to the certificate before the
	 * phones do: the signature must verify with the certificate. */
	vctx = EVP_PKEY_CTX_new(X509_get0_pubkey(s->cert), NULL);
	rc = vctx && EVP_PKEY_verify_init(vctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) > 0 &&
	     EVP_PKEY_CTX_set_signature_md(vctx, sgn_md(hash)) > 0 &&
	     EVP_PKEY_verify(vctx, buf + p + 3, S, dig, dlen) == 1;
	EVP_PKEY_CTX_free(vctx);
	ERR_clear_error();
	if (!rc) {
		rc = sgn_fail(err, errlen, -EPERM,
			      "the signature does not verify with the signer certificate: the signing key does not belong to that certificate; pair the key with its own certificate");
		goto err_buf;
	}
	/* Step 8: the SIGNATURE TLV goes into the gap. */
	buf[p] = SL_SGN_SIGNATURE;
	buf[p + 1] = (uint8_t)(S >> 8);
	buf[p + 2] = (uint8_t)S;
	*out = buf;
	*outlen = total;
	return 0;
err_buf:
	free(buf);
	return rc;
}
