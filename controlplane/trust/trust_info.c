/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate details for operators (subject, validity, fingerprints as
 * `openssl x509 -fingerprint` prints them, key, SANs), fingerprint prefixes,
 * PEM and base64 encodings, labels.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "trust.h"

static void name_text(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long k;

	buf[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		k = BIO_get_mem_data(b, &p);
		snprintf(buf, len, "%.*s", (int)(k < 0 ? 0 : k), p);
	}
	BIO_free(b);
}

static int64_t asn1_time(const ASN1_TIME *t, char *buf, size_t len)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
		snprintf(buf, len, "?");
		return 0;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return (int64_t)timegm(&tm);
}

static int fingerprint(const X509 *x, const EVP_MD *md, char *buf, size_t len)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	size_t used = 0;

	buf[0] = '\0';
	if (!X509_digest(x, md, d, &n) || len < 3 * (size_t)n)
		return -EIO;
	for (unsigned i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%02X", i ? ":" : "", d[i]);
	return 0;
}

static void san_text(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;

	buf[0] = '\0';
	if (!gens)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char v[256] = "";
		const char *kind = NULL;
		int k;

		if (g->type == GEN_DNS || g->type == GEN_URI || g->type == GEN_EMAIL) {
			const ASN1_IA5STRING *s = g->d.ia5;

			kind = g->type == GEN_DNS ? "DNS" : g->type == GEN_URI ? "URI" : "email";
			snprintf(v, sizeof(v), "%.*s", s->length, (const char *)s->data);
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.ip;

			kind = "IP";
			if (s->length == 4 || s->length == 16)
				inet_ntop(s->length == 4 ? AF_INET : AF_INET6, s->data, v, sizeof(v));
		}
		if (!kind)
			continue;
		k = snprintf(buf + used, len - used, "%s%s:%s", used ? ", " : "", kind, v);
		if (k > 0 && (size_t)k < len - used)
			used += (size_t)k;
	}
	GENERAL_NAMES_free(gens);
}

int sl_trust_info(X509 *x, struct sl_trust_info *ci)
{
	EVP_PKEY *pk;
	BIGNUM *bn;
	char *hex;

	memset(ci, 0, sizeof(*ci));
	name_text(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
	name_text(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
	ci->nb = asn1_time(X509_get0_notBefore(x), ci->not_before, sizeof(ci->not_before));
	ci->na = asn1_time(X509_get0_notAfter(x), ci->not_after, sizeof(ci->not_after));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(ci->serial, sizeof(ci->serial), "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	if (fingerprint(x, EVP_sha1(), ci->sha1, sizeof(ci->sha1)) ||
	    fingerprint(x, EVP_sha256(), ci->sha256, sizeof(ci->sha256))) {
		ERR_clear_error();
		return -EIO;
	}
	pk = X509_get0_pubkey(x);
	snprintf(ci->key_type, sizeof(ci->key_type), "%s",
		 pk && EVP_PKEY_get0_type_name(pk) ? EVP_PKEY_get0_type_name(pk) : "?");
	ci->key_bits = pk ? EVP_PKEY_get_bits(pk) : 0;
	san_text(x, ci->san, sizeof(ci->san));
	ci->is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	ci->self_signed = X509_self_signed(x, 1) == 1;
	ci->hash = X509_subject_name_hash(x);
	ERR_clear_error();
	return 0;
}

const char *sl_trust_validity(const struct sl_trust_info *ci, int64_t now)
{
	if (now < ci->nb)
		return "not yet valid";
	if (now > ci->na)
		return "expired";
	return "valid";
}

int sl_trust_fp_parse(const char *s, char hex[65])
{
	int n = 0;

	for (; *s; s++) {
		char c = *s;

		if (c == ':' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'f')
			c = (char)(c - 'a' + 'A');
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')) || n >= 64)
			return -EINVAL;
		hex[n++] = c;
	}
	hex[n] = '\0';
	return n >= 8 ? n : -EINVAL;
}

/* fp is "AB:CD:..." (upper case); hex the digits without separators. */
static bool has_prefix(const char *fp, const char *hex)
{
	for (; *hex; hex++, fp++) {
		if (*fp == ':')
			fp++;
		if (*fp != *hex)
			return false;
	}
	return true;
}

bool sl_trust_fp_match(const struct sl_trust_info *ci, const char *hex)
{
	if (!ci->sha256[0])
		return false;
	if (has_prefix(ci->sha256, hex))
		return true;
	return strlen(hex) <= 40 && has_prefix(ci->sha1, hex);
}

int sl_trust_der_to_pem(const uint8_t *der, size_t len, char **pem, size_t *pemlen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long k;

	*pem = NULL;
	if (!b)
		return -ENOMEM;
	if (len > (size_t)INT32_MAX || !PEM_write_bio(b, PEM_STRING_X509, "", der, (long)len)) {
		BIO_free(b);
		ERR_clear_error();
		return -EIO;
	}
	k = BIO_get_mem_data(b, &p);
	*pem = k > 0 ? malloc((size_t)k + 1) : NULL;
	if (!*pem) {
		BIO_free(b);
		return -ENOMEM;
	}
	memcpy(*pem, p, (size_t)k);
	(*pem)[k] = '\0';
	*pemlen = (size_t)k;
	BIO_free(b);
	return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sl_trust_b64_encode(const uint8_t *in, size_t n, char **out, size_t *outlen)
{
	size_t olen = (n + 2) / 3 * 4, o = 0;
	char *s = malloc(olen + 1);

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		s[o++] = b64[v >> 18];
		s[o++] = b64[(v >> 12) & 63];
		s[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		s[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	s[o] = '\0';
	*out = s;
	*outlen = o;
	return 0;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int sl_trust_b64_decode(const char *in, size_t n, uint8_t **out, size_t *outlen)
{
	size_t pad = 0, o = 0;
	uint8_t *d;

	*out = NULL;
	if (n % 4)
		return -EINVAL;
	if (n && in[n - 1] == '=')
		pad = n >= 2 && in[n - 2] == '=' ? 2 : 1;
	d = malloc(n / 4 * 3 + 1);
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			int x = b64_val(in[i + k]);

			if (x < 0 && !(i + 4 == n && k >= 4 - pad)) {
				free(d);
				return -EINVAL;
			}
			v = v << 6 | (uint32_t)(x < 0 ? 0 : x);
		}
		/* Bits below the last byte must be zero (RFC 4648 §3.5), so
		 * every accepted string is the canonical encoding. */
		if (i + 4 == n && (v & (pad == 2 ? 0xffffu : pad == 1 ? 0xffu : 0u))) {
			free(d);
			return -EINVAL;
		}
		d[o++] = (uint8_t)(v >> 16);
		if (!(i + 4 == n && pad == 2))
			d[o++] = (uint8_t)(v >> 8);
		if (!(i + 4 == n && pad >= 1))
			d[o++] = (uint8_t)v;
	}
	*out = d;
	*outlen = o;
	return 0;
}

int sl_trust_label_check(const char *label, char *err, size_t errlen)
{
	size_t n = strlen(label);

	if (n == 0 || n >= SL_TRUST_LABEL_MAX) {
		snprintf(err, errlen, "the label is %zu bytes long; give 1 to %d bytes", n,
			 SL_TRUST_LABEL_MAX - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)label[i];

		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "the label has a control character at position %zu; "
				 "use printable text", i + 1);
			return -EINVAL;
		}
	}
	if (strstr(label, "-----")) {
		snprintf(err, errlen, "the label must not contain '-----' (it would look like a PEM line)");
		return -EINVAL;
	}
	return 0;
}
