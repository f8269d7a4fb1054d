/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CTL / ITL trust lists, .tlv (spec §3): building, parsing records,
 * verifying (spec §3.3) and the phone's update rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "sgn_internal.h"

/* The PUBLIC_KEY value (spec §3.2): for RSA the PKCS#1 RSAPublicKey DER,
 * for EC the X9.62 uncompressed point; both are exactly the content of
 * the certificate's subjectPublicKey BIT STRING. */
static int record_pubkey(X509 *cert, const uint8_t **v, size_t *n, char *err, size_t errlen)
{
	EVP_PKEY *pk = X509_get0_pubkey(cert);
	const ASN1_BIT_STRING *bs = X509_get0_pubkey_bitstr(cert);
	int id = pk ? EVP_PKEY_get_base_id(pk) : 0;

	if (!pk || !bs)
		return sgn_fail(err, errlen, -EINVAL, "a certificate's public key is unreadable");
	*v = ASN1_STRING_get0_data(bs);
	*n = (size_t)ASN1_STRING_length(bs);
	if (id == EVP_PKEY_RSA)
		return 0;
	if (id == EVP_PKEY_EC) {
		int fb = (EVP_PKEY_get_bits(pk) + 7) / 8;

		if (*n != 1 + 2 * (size_t)fb || (*v)[0] != 0x04)
			return sgn_fail(err, errlen, -ENOTSUP,
					"an EC certificate carries a compressed public key; trust lists need the uncompressed point (spec §3.2): re-issue it uncompressed");
		return 0;
	}
	return sgn_fail(err, errlen, -ENOTSUP,
			"a certificate has a key that is neither RSA nor EC; trust lists hold only those (spec §3.2)");
}

/* One record (spec §3.2): 01 0002 u16 length, then the TLVs. */
static int put_record(struct sgn_wbuf *w, const struct sl_tlv_entry *e, size_t idx, char *err,
		      size_t errlen)
{
	char subj[SGN_MAX_DN], iss[SGN_MAX_DN];
	uint8_t serial[SL_SGN_MAX_SERIAL], *der = NULL;
	const ASN1_BIT_STRING *sig;
	const uint8_t *pub = NULL;
	size_t publen = 0, start = w->len, rlen;
	int sl, derlen, rc;

	if (!e->cert)
		return sgn_fail(err, errlen, -EINVAL, "entry %zu has no certificate", idx + 1);
	if (!sl_role_name(e->role))
		return sgn_fail(err, errlen, -EINVAL,
				"entry %zu has role code %u, which spec §0 does not define; use SAST, CCM, CCM+TFTP, TFTP, CAPF, APP-SERVER or TVS",
				idx + 1, (unsigned)e->role);
	rc = sl_sgn_dn_string(X509_get_subject_name(e->cert), subj, sizeof(subj), err, errlen);
	if (rc < 0)
		return rc;
	rc = sl_sgn_dn_string(X509_get_issuer_name(e->cert), iss, sizeof(iss), err, errlen);
	if (rc < 0)
		return rc;
	sl = sl_sgn_serial_bytes(e->cert, serial, sizeof(serial), err, errlen);
	if (sl < 0)
		return sl;
	rc = record_pubkey(e->cert, &pub, &publen, err, errlen);
	if (rc)
		return rc;
	X509_get0_signature(&sig, NULL, e->cert);
	derlen = i2d_X509(e->cert, &der);
	if (derlen <= 0 || !sig)
		return sgn_fail(err, errlen, -EINVAL, "entry %zu: the certificate cannot be encoded",
				idx + 1);
	sgn_tlv(w, SL_TLV_RECORD_LENGTH, (uint8_t[2]){ 0, 0 }, 2);	/* patched below */
	sgn_tlv_str(w, SL_TLV_SUBJECT_NAME, subj);
	sgn_tlv_str(w, SL_TLV_ISSUER_NAME, iss);
	sgn_tlv(w, SL_TLV_SERIAL_NUMBER, serial, (size_t)sl);
	sgn_tlv(w, SL_TLV_ROLE, (uint8_t[2]){ (uint8_t)(e->role >> 8), (uint8_t)e->role }, 2);
	sgn_tlv(w, SL_TLV_PUBLIC_KEY, pub, publen);
	/* SIGNATURE is the certificate's own signatureValue, not a new one. */
	sgn_tlv(w, SL_TLV_SIGNATURE, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig));
	sgn_tlv(w, SL_TLV_CERTIFICATE, der, (size_t)derlen);
	OPENSSL_free(der);
	rlen = w->len - start;
	if (w->overflow || rlen > 0xFFFF)
		return sgn_fail(err, errlen, -E2BIG,
				"entry %zu (%s) does not fit a record (at most 65535 bytes)", idx + 1,
				subj);
	w->p[start + 3] = (uint8_t)(rlen >> 8);
	w->p[start + 4] = (uint8_t)rlen;
	return 0;
}

int sl_tlv_build(const struct sl_sgn_signer *s, enum sl_tlv_kind kind, unsigned signer_minor,
		 uint32_t timestamp, const struct sl_tlv_entry *entries, size_t n,
		 uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	struct sgn_hdr_spec spec = {
		.version = { 1, 2 },		/* spec §3.4: always 1.2 */
		.has_signer_version = true,
		.signer_version = { 1, (uint8_t)signer_minor },
		/* spec §2.1: per-phone files carry the common name too */
		.filename = kind == SL_TLV_CTL ? "CTLFile.tlv" : "ITLFile.tlv",
		.timestamp = timestamp,
	};
	struct sgn_wbuf w = { 0 };
	size_t sast = 0, cap = 0;
	bool signer_listed = false;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (kind != SL_TLV_CTL && kind != SL_TLV_ITL)
		return sgn_fail(err, errlen, -EINVAL, "unknown trust-list kind %d", (int)kind);
	if (signer_minor > 1)
		return sgn_fail(err, errlen, -EINVAL,
				"signer version 1.%u is unknown; use 1.0 or 1.1 (spec §3.4)", signer_minor);
	if (!s || !s->cert)
		return sgn_fail(err, errlen, -EINVAL, "no signer given");
	if (!entries || !n)
		return sgn_fail(err, errlen, -EINVAL, "a trust list needs at least its SAST record");
	for (size_t i = 0; i < n; i++) {
		if (!entries[i].cert)
			return sgn_fail(err, errlen, -EINVAL, "entry %zu has no certificate", i + 1);
		if (entries[i].role != SL_ROLE_SAST)
			continue;
		sast++;
		if (X509_cmp(entries[i].cert, s->cert) == 0)
			signer_listed = true;
	}
	if (sast > SL_TLV_MAX_SAST)
		return sgn_fail(err, errlen, -EINVAL,
				"%zu SAST records given: a CTL/ITL may hold at most %d (spec §3.3); keep the current token and at most one roll-over token",
				sast, SL_TLV_MAX_SAST);
	if (!signer_listed)
		return sgn_fail(err, errlen, -EINVAL,
				"the signer certificate is not among the records with role SAST, so phones could not verify the file (spec §3.3); add it as SAST");
	/* A record holds the names (< SGN_MAX_DN each), the serial, the
	 * public key and signature (both inside the DER) and the DER; it is
	 * at most 65535 bytes. Records too large fail in put_record(). */
	for (size_t i = 0; i < n; i++) {
		int der = i2d_X509(entries[i].cert, NULL);
		size_t r = der > 0 ? 5 + 7 * 3 + 2 * SGN_MAX_DN + SL_SGN_MAX_SERIAL + 2 +
				     2 * (size_t)der : 0;

		if (r > 0x10000)
			r = 0x10000;
		if (r > SIZE_MAX - cap)
			return sgn_fail(err, errlen, -E2BIG, "too many records");
		cap += r;
	}
	w.p = malloc(cap ? cap : 1);
	w.cap = cap;
	if (!w.p)
		return sgn_fail(err, errlen, -ENOMEM, "out of memory for %zu records", n);
	for (size_t i = 0; i < n; i++) {
		rc = put_record(&w, &entries[i], i, err, errlen);
		if (rc)
			goto out;
	}
	rc = sgn_sign_file(s, &spec, w.p, w.len, out, outlen, err, errlen);
out:
	free(w.p);
	return rc;
}

static const char *rec_tag_name(unsigned tag)
{
	switch (tag) {
	case SL_TLV_SUBJECT_NAME: return "SUBJECT_NAME";
	case SL_TLV_ROLE: return "ROLE";
	case SL_TLV_ISSUER_NAME: return "ISSUER_NAME";
	case SL_TLV_SERIAL_NUMBER: return "SERIAL_NUMBER";
	case SL_TLV_PUBLIC_KEY: return "PUBLIC_KEY";
	case SL_TLV_SIGNATURE: return "SIGNATURE";
	case SL_TLV_CERTIFICATE: return "CERTIFICATE";
	default: return "record TLV";
	}
}

int sl_tlv_next(const uint8_t *file, size_t len, size_t *pos, struct sl_tlv_record *r,
		char *err, size_t errlen)
{
	size_t p = *pos, rl, off, end;
	unsigned seen = 0;

	memset(r, 0, sizeof(*r));
	r->role = -1;
	if (p >= len)
		return 0;
	/* spec §3.2: 01 | 0002 | u16 recordLength, counting these 5 bytes. */
	if (len - p < 5)
		return sgn_fail(err, errlen, -EBADMSG,
				"record at offset %zu is cut short: %zu bytes left of its 5-byte start",
				p, len - p);
	if (file[p] != SL_TLV_RECORD_LENGTH || sgn_get16(file + p + 1) != 2)
		return sgn_fail(err, errlen, -EBADMSG,
				"record at offset %zu does not start with 01 0002 (found %02x %02x%02x)", p,
				file[p], file[p + 1], file[p + 2]);
	rl = sgn_get16(file + p + 3);
	if (rl < 5)
		return sgn_fail(err, errlen, -EBADMSG,
				"record at offset %zu has length %zu, less than its own 5-byte start", p, rl);
	if (rl > len - p)
		return sgn_fail(err, errlen, -EBADMSG,
				"record at offset %zu is %zu bytes long and runs past the end of the %zu-byte file",
				p, rl, len);
	end = p + rl;
	for (off = p + 5; off < end;) {
		unsigned tag = file[off];
		const uint8_t *v;
		size_t n;

		if (end - off < 3)
			return sgn_fail(err, errlen, -EBADMSG,
					"record at offset %zu: TLV at offset %zu is cut by the record's end", p, off);
		n = sgn_get16(file + off + 1);
		if (n > end - off - 3)
			return sgn_fail(err, errlen, -EBADMSG,
					"record at offset %zu: %s (tag %u) at offset %zu is %zu bytes long and runs past the record's end",
					p, rec_tag_name(tag), tag, off, n);
		v = file + off + 3;
		if (tag >= SL_TLV_SUBJECT_NAME && tag <= SL_TLV_CERTIFICATE) {
			if (seen & (1u << tag))
				return sgn_fail(err, errlen, -EBADMSG,
						"record at offset %zu: %s appears twice", p, rec_tag_name(tag));
			seen |= 1u << tag;
		}
		switch (tag) {
		case SL_TLV_SUBJECT_NAME: case SL_TLV_ISSUER_NAME:
			if (!n || v[n - 1] != '\0' || memchr(v, '\0', n - 1))
				return sgn_fail(err, errlen, -EBADMSG,
						"record at offset %zu: %s is not a NUL-terminated string", p,
						rec_tag_name(tag));
			if (tag == SL_TLV_SUBJECT_NAME)
				r->subject_name = (const char *)v;
			else
				r->issuer_name = (const char *)v;
			break;
		case SL_TLV_ROLE:
			if (n != 2)
				return sgn_fail(err, errlen, -EBADMSG,
						"record at offset %zu: ROLE has length %zu, expected 2", p, n);
			r->role = sgn_get16(v);
			break;
		case SL_TLV_SERIAL_NUMBER: r->serial = v; r->serial_len = n; break;
		case SL_TLV_PUBLIC_KEY: r->public_key = v; r->public_key_len = n; break;
		case SL_TLV_SIGNATURE: r->signature = v; r->signature_len = n; break;
		case SL_TLV_CERTIFICATE: r->cert = v; r->cert_len = n; break;
		default:
			/* DNS_NAME, IP_ADDRESS, CERTIFICATE_HASH, HASH_ALGORITHM
			 * and anything else: skipped (spec §3.2). */
			r->unknown_tags++;
			break;
		}
		off += 3 + n;
	}
	r->offset = p;
	r->length = rl;
	*pos = end;
	return 1;
}

int sl_tlv_parse(const uint8_t *file, size_t len, struct sl_sgn_header *h,
		 struct sl_tlv_record *r, size_t max, size_t *n, char *err, size_t errlen)
{
	struct sl_tlv_record tmp;
	size_t pos;
	int rc;

	*n = 0;
	rc = sl_sgn_header_parse(file, len, h, err, errlen);
	if (rc)
		return rc;
	if (h->version[0] != 1 || h->version[1] != 2)
		return sgn_fail(err, errlen, -EBADMSG,
				"not a CTL/ITL: VERSION is %u.%u, trust lists have 1.2 (spec §3.4)",
				h->version[0], h->version[1]);
	pos = h->header_length;
	while ((rc = sl_tlv_next(file, len, &pos, *n < max ? &r[*n] : &tmp, err, errlen)) == 1)
		(*n)++;
	if (rc < 0)
		return rc;
	if (*n > max)
		return sgn_fail(err, errlen, -ENOSPC, "the file holds %zu records, more than the %zu expected",
				*n, max);
	return 0;
}

/* Decodes a record's certificate; checks that its serial is the record's. */
static X509 *record_cert(const struct sl_tlv_record *r, char *err, size_t errlen)
{
	const uint8_t *p = r->cert;
	uint8_t serial[SL_SGN_MAX_SERIAL];
	X509 *x;
	int sl;

	if (!r->cert) {
		sgn_fail(err, errlen, -EBADMSG, "record at offset %zu has no CERTIFICATE", r->offset);
		return NULL;
	}
	x = d2i_X509(NULL, &p, (long)r->cert_len);
	ERR_clear_error();
	if (!x || p != r->cert + r->cert_len) {
		X509_free(x);
		sgn_fail(err, errlen, -EBADMSG,
			 "record at offset %zu: CERTIFICATE is not one DER certificate", r->offset);
		return NULL;
	}
	sl = sl_sgn_serial_bytes(x, serial, sizeof(serial), err, errlen);
	if (sl < 0 || (size_t)sl != r->serial_len || memcmp(serial, r->serial, (size_t)sl)) {
		X509_free(x);
		sgn_fail(err, errlen, -EBADMSG,
			 "record at offset %zu: SERIAL_NUMBER is not the serial of its CERTIFICATE",
			 r->offset);
		return NULL;
	}
	return x;
}

static bool serial_eq(const struct sl_tlv_record *r, const struct sl_sgn_header *h)
{
	return r->serial && h->serial && r->serial_len == h->serial_len &&
	       !memcmp(r->serial, h->serial, h->serial_len);
}

/* spec §3.3; on success *signer is the record that verified. */
static int tlv_verify(const uint8_t *file, size_t len, struct sl_sgn_header *h,
		      struct sl_tlv_record *signer, char *err, size_t errlen)
{
	struct sl_tlv_record r;
	size_t pos;
	int rc, tried = 0, last = 0;
	char hx[2 * SL_SGN_MAX_SERIAL + 1];

	rc = sl_sgn_header_parse(file, len, h, err, errlen);
	if (rc)
		return rc;
	if (h->version[0] != 1 || h->version[1] != 2)
		return sgn_fail(err, errlen, -EBADMSG,
				"not a CTL/ITL: VERSION is %u.%u, trust lists have 1.2 (spec §3.4)",
				h->version[0], h->version[1]);
	if (!h->serial)
		return sgn_fail(err, errlen, -EBADMSG, "the header has no signer SERIAL_NUMBER");
	pos = h->header_length;
	/* Parse every record first, so a malformed file is refused whole. */
	while ((rc = sl_tlv_next(file, len, &pos, &r, err, errlen)) == 1)
		;
	if (rc < 0)
		return rc;
	pos = h->header_length;
	while (sl_tlv_next(file, len, &pos, &r, NULL, 0) == 1) {
		X509 *x;

		if (r.role != SL_ROLE_SAST || !serial_eq(&r, h))
			continue;
		tried++;
		x = record_cert(&r, err, errlen);
		if (!x) {
			last = -EBADMSG;
			continue;
		}
		last = sgn_verify_parsed(file, len, h, X509_get0_pubkey(x), err, errlen);
		X509_free(x);
		if (last == 0) {
			*signer = r;
			return 0;
		}
	}
	if (tried)
		return last;
	sgn_hex(h->serial, h->serial_len, hx, sizeof(hx));
	return sgn_fail(err, errlen, -EPERM,
			"no record with role SAST has the signer's serial %s (\"%s\"): the file cannot be verified (spec §3.3)",
			hx, h->signer_name ? h->signer_name : "?");
}

int sl_tlv_verify(const uint8_t *file, size_t len, char *err, size_t errlen)
{
	struct sl_sgn_header h;
	struct sl_tlv_record r;

	return tlv_verify(file, len, &h, &r, err, errlen);
}

int sl_tlv_verify_update(const uint8_t *next, size_t next_len, const uint8_t *prev,
			 size_t prev_len, char *err, size_t errlen)
{
	struct sl_sgn_header nh, ph;
	struct sl_tlv_record signer, r;
	char hx[2 * SL_SGN_MAX_SERIAL + 1], perr[256];
	size_t pos;
	int rc;

	rc = tlv_verify(next, next_len, &nh, &signer, err, errlen);
	if (rc)
		return rc;
	rc = sl_sgn_header_parse(prev, prev_len, &ph, perr, sizeof(perr));
	if (rc)
		return sgn_fail(err, errlen, rc, "the previous trust list is unreadable: %s", perr);
	pos = ph.header_length;
	while ((rc = sl_tlv_next(prev, prev_len, &pos, &r, perr, sizeof(perr))) == 1) {
		X509 *x;

		/* The signer must be a SAST of the previous file: same serial,
		 * same issuer, same certificate (spec §3.3 phone behaviour). */
		if (r.role != SL_ROLE_SAST || !serial_eq(&r, &nh) || !r.cert ||
		    !r.issuer_name || !nh.issuer_name || strcmp(r.issuer_name, nh.issuer_name) ||
		    r.cert_len != signer.cert_len || memcmp(r.cert, signer.cert, r.cert_len))
			continue;
		x = record_cert(&r, err, errlen);
		if (!x)
			return -EBADMSG;
		rc = sgn_verify_parsed(next, next_len, &nh, X509_get0_pubkey(x), err, errlen);
		X509_free(x);
		return rc;
	}
	if (rc < 0)
		return sgn_fail(err, errlen, rc, "the previous trust list is malformed: %s", perr);
	sgn_hex(nh.serial, nh.serial_len, hx, sizeof(hx));
	return sgn_fail(err, errlen, -EPERM,
			"update refused: it is signed by \"%s\" (serial %s), which the previous trust list does not list with role SAST; sign it with a SAST token the phones already trust (spec §3.3)",
			nh.signer_name ? nh.signer_name : "?", hx);
}
