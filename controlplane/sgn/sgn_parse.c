/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the common signed-file header (spec §2.1) and verifying its
 * signature (spec §2.2 "Verifying"). No allocation, no global state;
 * fuzzed by tests/sgn/fuzz_sgn.c.
 */
#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

#include "sgn_internal.h"

static const char *tag_name(unsigned tag)
{
	static const char *const names[] = {
		[SL_SGN_VERSION] = "VERSION", [SL_SGN_HEADER_LENGTH] = "HEADER_LENGTH",
		[SL_SGN_SIGNER_INFO] = "SIGNER_INFO", [SL_SGN_SIGNER_NAME] = "SIGNER_NAME",
		[SL_SGN_SERIAL_NUMBER] = "SERIAL_NUMBER", [SL_SGN_ISSUER_NAME] = "ISSUER_NAME",
		[SL_SGN_SIGNATURE_INFO] = "SIGNATURE_INFO",
		[SL_SGN_HASH_ALGORITHM] = "HASH_ALGORITHM",
		[SL_SGN_SIGNATURE_ALGORITHM_INFO] = "SIGNATURE_ALGORITHM_INFO",
		[SL_SGN_SIGNATURE_ALGORITHM] = "SIGNATURE_ALGORITHM",
		[SL_SGN_SIGNATURE_MODULUS] = "SIGNATURE_MODULUS", [SL_SGN_SIGNATURE] = "SIGNATURE",
		[SL_SGN_PADDING] = "PADDING", [SL_SGN_FILENAME] = "FILENAME",
		[SL_SGN_TIMESTAMP] = "TIMESTAMP", [SL_SGN_ENCRYPTION_INFO] = "ENCRYPTION_INFO",
		[SL_SGN_ENCRYPTION_IV_INFO] = "ENCRYPTION_IV_INFO", [SL_SGN_UNKNOWN1] = "UNKNOWN1",
		[SL_SGN_IV] = "IV", [SL_SGN_ENC_PADDING] = "PADDING (encryption)",
		[SL_SGN_ENCRYPTION_KEY_INFO] = "ENCRYPTION_KEY_INFO",
		[SL_SGN_UNKNOWN2] = "UNKNOWN2", [SL_SGN_KEY_SIZE] = "KEY_SIZE",
		[SL_SGN_KEY_ALGORITHM] = "KEY_ALGORITHM", [SL_SGN_KEY] = "KEY",
		[SL_SGN_ENCRYPTION_HASH_ALGORITHM] = "ENCRYPTION_HASH_ALGORITHM",
		[SL_SGN_ENCRYPTION_HASH] = "ENCRYPTION_HASH",
		[SL_SGN_SIGNER_VERSION] = "SIGNER_VERSION",
	};

	return tag < sizeof(names) / sizeof(names[0]) && names[tag] ? names[tag] : "unknown";
}

static bool is_container(unsigned tag)
{
	return tag == SL_SGN_SIGNER_INFO || tag == SL_SGN_SIGNATURE_INFO ||
	       tag == SL_SGN_SIGNATURE_ALGORITHM_INFO || tag == SL_SGN_ENCRYPTION_INFO ||
	       tag == SL_SGN_ENCRYPTION_IV_INFO || tag == SL_SGN_ENCRYPTION_KEY_INFO;
}

/* The value length each fixed-size tag must have (0: variable). */
static size_t fixed_len(unsigned tag)
{
	switch (tag) {
	case SL_SGN_VERSION: case SL_SGN_HEADER_LENGTH: case SL_SGN_SIGNER_VERSION:
	case SL_SGN_ENC_PADDING: case SL_SGN_KEY_SIZE:
		return 2;
	case SL_SGN_HASH_ALGORITHM: case SL_SGN_SIGNATURE_ALGORITHM:
	case SL_SGN_SIGNATURE_MODULUS: case SL_SGN_UNKNOWN1: case SL_SGN_UNKNOWN2:
	case SL_SGN_KEY_ALGORITHM: case SL_SGN_ENCRYPTION_HASH_ALGORITHM:
		return 1;
	case SL_SGN_TIMESTAMP:
		return 4;
	case SL_SGN_IV:
		return 16;
	default:
		return 0;
	}
}

/* A C-string value (spec §0): non-empty, ends in its only NUL. */
static const char *cstring(const uint8_t *v, size_t n)
{
	if (n == 0 || v[n - 1] != '\0' || memchr(v, '\0', n - 1))
		return NULL;
	return (const char *)v;
}

static void header_init(struct sl_sgn_header *h)
{
	memset(h, 0, sizeof(*h));
	h->hash = h->sig_algorithm = h->sig_modulus = -1;
	h->unknown1 = h->unknown2 = h->key_algorithm = -1;
	h->enc_padding = h->key_size = h->enc_hash_algorithm = -1;
}

/* Stores one non-container value; returns 0 or -EBADMSG. */
static int store_field(struct sl_sgn_header *h, unsigned tag, const uint8_t *v, size_t n,
		       size_t off, char *err, size_t errlen)
{
	const char *s;

	switch (tag) {
	case SL_SGN_SIGNER_VERSION:
		h->has_signer_version = true;
		h->signer_version[0] = v[0];
		h->signer_version[1] = v[1];
		break;
	case SL_SGN_SIGNER_NAME: case SL_SGN_ISSUER_NAME: case SL_SGN_FILENAME:
		s = cstring(v, n);
		if (!s)
			return sgn_fail(err, errlen, -EBADMSG,
					"%s at offset %zu is not a NUL-terminated string", tag_name(tag), off);
		if (tag == SL_SGN_SIGNER_NAME)
			h->signer_name = s;
		else if (tag == SL_SGN_ISSUER_NAME)
			h->issuer_name = s;
		else
			h->filename = s;
		break;
	case SL_SGN_SERIAL_NUMBER:
		if (n == 0)
			return sgn_fail(err, errlen, -EBADMSG, "SERIAL_NUMBER at offset %zu is empty", off);
		h->serial = v;
		h->serial_len = n;
		break;
	case SL_SGN_HASH_ALGORITHM: h->hash = v[0]; break;
	case SL_SGN_SIGNATURE_ALGORITHM: h->sig_algorithm = v[0]; break;
	case SL_SGN_SIGNATURE_MODULUS: h->sig_modulus = v[0]; break;
	case SL_SGN_SIGNATURE:
		if (n == 0)
			return sgn_fail(err, errlen, -EBADMSG, "SIGNATURE at offset %zu is empty", off);
		h->signature = v;
		h->signature_len = n;
		h->sig_tlv_offset = off;
		h->sig_tlv_len = 3 + n;
		break;
	case SL_SGN_TIMESTAMP:
		h->has_timestamp = true;
		h->timestamp = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
		break;
	case SL_SGN_UNKNOWN1: h->unknown1 = v[0]; break;
	case SL_SGN_UNKNOWN2: h->unknown2 = v[0]; break;
	case SL_SGN_IV: h->iv = v; break;
	case SL_SGN_ENC_PADDING: h->enc_padding = sgn_get16(v); break;
	case SL_SGN_KEY_SIZE: h->key_size = sgn_get16(v); break;
	case SL_SGN_KEY_ALGORITHM: h->key_algorithm = v[0]; break;
	case SL_SGN_KEY:
		if (n == 0)
			return sgn_fail(err, errlen, -EBADMSG, "KEY at offset %zu is empty", off);
		h->key = v;
		h->key_len = n;
		break;
	case SL_SGN_ENCRYPTION_HASH_ALGORITHM: h->enc_hash_algorithm = v[0]; break;
	case SL_SGN_ENCRYPTION_HASH:
		h->enc_hash = v;
		h->enc_hash_len = n;
		break;
	default:
		break;		/* unknown tag: skipped, as the reference reader does */
	}
	if (tag >= SL_SGN_ENCRYPTION_INFO && tag <= SL_SGN_ENCRYPTION_HASH)
		h->has_encryption = true;
	return 0;
}

int sl_sgn_header_parse(const uint8_t *file, size_t len, struct sl_sgn_header *h, char *err,
			size_t errlen)
{
	uint32_t seen = 0;
	size_t off, hl;

	header_init(h);
	if (!file || len < 10)
		return sgn_fail(err, errlen, -EBADMSG,
				"the file is %zu bytes, too short for a signed-file header (VERSION and HEADER_LENGTH take 10)",
				file ? len : 0);
	/* The first two TLVs must be VERSION and HEADER_LENGTH (spec §2.1). */
	if (file[0] != SL_SGN_VERSION || sgn_get16(file + 1) != 2)
		return sgn_fail(err, errlen, -EBADMSG,
				"not a signed file: it must start with VERSION (01 0002), found %02x %02x%02x",
				file[0], file[1], file[2]);
	if (file[5] != SL_SGN_HEADER_LENGTH || sgn_get16(file + 6) != 2)
		return sgn_fail(err, errlen, -EBADMSG,
				"not a signed file: HEADER_LENGTH (02 0002) must follow VERSION, found %02x %02x%02x",
				file[5], file[6], file[7]);
	h->version[0] = file[3];
	h->version[1] = file[4];
	hl = sgn_get16(file + 8);
	if (hl > len)
		return sgn_fail(err, errlen, -EBADMSG,
				"header length %zu is past the end of the %zu-byte file (truncated file?)",
				hl, len);
	if (hl < 10)
		return sgn_fail(err, errlen, -EBADMSG,
				"header length %zu is shorter than VERSION and HEADER_LENGTH themselves", hl);
	h->header_length = (uint16_t)hl;
	seen = 1u << SL_SGN_VERSION | 1u << SL_SGN_HEADER_LENGTH;
	for (off = 10; off < hl;) {
		unsigned tag = file[off];
		size_t n, fl;
		int rc;

		if (tag == SL_SGN_PAD_BYTE) {	/* PADDING: one byte, no length */
			h->padding++;
			off++;
			continue;
		}
		if (hl - off < 3)
			return sgn_fail(err, errlen, -EBADMSG,
					"%s (tag %u) at offset %zu has its length cut by the header's end (header length %zu)",
					tag_name(tag), tag, off, hl);
		n = sgn_get16(file + off + 1);
		if (n > hl - off - 3)
			return sgn_fail(err, errlen, -EBADMSG,
					"%s (tag %u) at offset %zu is %zu bytes long and runs past the header's end (header length %zu)",
					tag_name(tag), tag, off, n, hl);
		if (tag >= SL_SGN_VERSION && tag <= SL_SGN_SIGNER_VERSION) {
			if (seen & (1u << tag))
				return sgn_fail(err, errlen, -EBADMSG,
						"%s appears twice in the header (second at offset %zu)",
						tag_name(tag), off);
			seen |= 1u << tag;
		}
		if (is_container(tag)) {
			/* Step over the tag and length only; the children follow. */
			if (tag >= SL_SGN_ENCRYPTION_INFO)
				h->has_encryption = true;
			off += 3;
			continue;
		}
		fl = fixed_len(tag);
		if (fl && n != fl)
			return sgn_fail(err, errlen, -EBADMSG,
					"%s at offset %zu has length %zu, expected %zu",
					tag_name(tag), off, n, fl);
		rc = store_field(h, tag, file + off + 3, n, off, err, errlen);
		if (rc)
			return rc;
		off += 3 + n;
	}
	h->body_len = len - hl;
	return 0;
}

int sgn_verify_parsed(const uint8_t *file, size_t len, const struct sl_sgn_header *h,
		      EVP_PKEY *pub, char *err, size_t errlen)
{
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	size_t ksize;
	int bits, ok;

	if (!pub || EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA)
		return sgn_fail(err, errlen, -ENOTSUP,
				"the verification key is not RSA: signed files carry RSA signatures only (spec §2.2)");
	if (!h->signature)
		return sgn_fail(err, errlen, -EBADMSG, "the header has no SIGNATURE; the file is not signed");
	if (h->hash == SL_HASH_SHA256)
		return sgn_fail(err, errlen, -ENOTSUP,
				"the header uses SHA-256 (hash code 2), which is refused (spec §0, §10); re-sign with SHA-1 or SHA-512");
	md = sgn_md(h->hash);
	if (!md)
		return sgn_fail(err, errlen, -EBADMSG,
				"HASH_ALGORITHM is %s%d; only 1 (SHA-1) and 3 (SHA-512) are known",
				h->hash < 0 ? "missing " : "", h->hash < 0 ? 0 : h->hash);
	if (h->sig_algorithm > 0)
		return sgn_fail(err, errlen, -ENOTSUP,
				"SIGNATURE_ALGORITHM is %d; only 0 (RSA) is known", h->sig_algorithm);
	bits = EVP_PKEY_get_bits(pub);
	ksize = (size_t)EVP_PKEY_get_size(pub);
	if (h->sig_modulus >= 0 &&
	    !((h->sig_modulus == 0 && bits == 512) || (h->sig_modulus == 1 && bits == 1024) ||
	      (h->sig_modulus == 2 && bits == 2048) || (h->sig_modulus == 3 && bits == 4096)))
		return sgn_fail(err, errlen, -EPERM,
				"SIGNATURE_MODULUS %d does not match the %d-bit verification key: wrong key or certificate",
				h->sig_modulus, bits);
	if (h->signature_len != ksize)
		return sgn_fail(err, errlen, -EPERM,
				"the signature is %zu bytes but the %d-bit verification key makes %zu-byte signatures: wrong key or certificate",
				h->signature_len, bits, ksize);
	/* The signed data is the file without the SIGNATURE TLV (spec §2.2). */
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) > 0 &&
	     EVP_DigestVerifyUpdate(ctx, file, h->sig_tlv_offset) > 0 &&
	     EVP_DigestVerifyUpdate(ctx, file + h->sig_tlv_offset + h->sig_tlv_len,
				    len - h->sig_tlv_offset - h->sig_tlv_len) > 0 &&
	     EVP_DigestVerifyFinal(ctx, h->signature, h->signature_len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return sgn_fail(err, errlen, -EPERM,
				"the signature does not verify: the file was altered or signed by another key");
	return 0;
}

int sl_sgn_verify(const uint8_t *file, size_t len, EVP_PKEY *pub, char *err, size_t errlen)
{
	struct sl_sgn_header h;
	int rc = sl_sgn_header_parse(file, len, &h, err, errlen);

	return rc ? rc : sgn_verify_parsed(file, len, &h, pub, err, errlen);
}

int sl_sgn_verify_cert(const uint8_t *file, size_t len, X509 *cert, char *err, size_t errlen)
{
	struct sl_sgn_header h;
	uint8_t serial[SL_SGN_MAX_SERIAL];
	char iss[SGN_MAX_DN], hx[2 * SL_SGN_MAX_SERIAL + 1], hx2[2 * SL_SGN_MAX_SERIAL + 1];
	int rc, sl;

	rc = sl_sgn_header_parse(file, len, &h, err, errlen);
	if (rc)
		return rc;
	if (!cert)
		return sgn_fail(err, errlen, -EINVAL, "no certificate given to verify with");
	sl = sl_sgn_serial_bytes(cert, serial, sizeof(serial), err, errlen);
	if (sl < 0)
		return sl;
	if (!h.serial || h.serial_len != (size_t)sl || memcmp(h.serial, serial, (size_t)sl)) {
		sgn_hex(serial, (size_t)sl, hx, sizeof(hx));
		if (h.serial)
			sgn_hex(h.serial, h.serial_len, hx2, sizeof(hx2));
		return sgn_fail(err, errlen, -EPERM,
				"the file names signer serial %s, but the certificate's serial is %s: verify with the signer's certificate",
				h.serial ? hx2 : "(none)", hx);
	}
	rc = sl_sgn_dn_string(X509_get_issuer_name(cert), iss, sizeof(iss), err, errlen);
	if (rc < 0)
		return rc;
	if (h.issuer_name && strcmp(h.issuer_name, iss))
		return sgn_fail(err, errlen, -EPERM,
				"the file names signer issuer \"%s\", but the certificate's issuer is \"%s\"",
				h.issuer_name, iss);
	return sgn_verify_parsed(file, len, &h, X509_get0_pubkey(cert), err, errlen);
}
