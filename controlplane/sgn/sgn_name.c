/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Distinguished-name strings and serial bytes as they appear in file
 * headers and .tlv records (spec §0).
 */
#include <errno.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/objects.h>

#include "sgn_internal.h"

/* The short names of spec §0 (python3-cryptography's table); every other
 * attribute type is written as its dotted OID. */
static const struct {
	int nid;
	const char *name;
} short_names[] = {
	{ NID_commonName, "CN" },
	{ NID_localityName, "L" },
	{ NID_stateOrProvinceName, "ST" },
	{ NID_organizationName, "O" },
	{ NID_organizationalUnitName, "OU" },
	{ NID_countryName, "C" },
	{ NID_streetAddress, "STREET" },
	{ NID_domainComponent, "DC" },
	{ NID_userId, "UID" },
};

struct sbuf {
	char *p;
	size_t cap, len;
	bool overflow;
};

static void sput(struct sbuf *b, const char *s, size_t n)
{
	if (b->overflow || n >= b->cap - b->len) {	/* keep room for the NUL */
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* RFC 4514 §2.4 escaping as python3-cryptography writes it (spec §0): the
 * characters , + " \ < > ; get a backslash, NUL becomes \00, a trailing
 * space is written "\ ", and then a leading '#' or space gets a backslash
 * (so a value of one space is just "\ "). */
static void put_escaped(struct sbuf *b, const unsigned char *v, size_t n)
{
	bool trail, lead;

	if (n == 0)
		return;
	trail = v[n - 1] == ' ';
	lead = (v[0] == '#' || v[0] == ' ') && !(n == 1 && trail);
	if (lead)
		sput(b, "\\", 1);
	for (size_t i = 0; i < n; i++) {
		char c = (char)v[i];

		if (c == '\0')
			sput(b, "\\00", 3);
		else if (strchr(",+\"\\<>;", c))
			sput(b, (const char[]){ '\\', c }, 2);
		else if (i == n - 1 && trail)
			sput(b, "\\ ", 2);
		else
			sput(b, &c, 1);
	}
}

static void put_hex_value(struct sbuf *b, const unsigned char *v, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	sput(b, "#", 1);
	for (size_t i = 0; i < n; i++) {
		char h[2] = { digits[v[i] >> 4], digits[v[i] & 15] };

		sput(b, h, 2);
	}
}

int sl_sgn_dn_string(const X509_NAME *name, char *out, size_t outlen, char *err, size_t errlen)
{
	struct sbuf b = { out, outlen, 0, false };
	int n;

	if (!out || !outlen)
		return sgn_fail(err, errlen, -ENOSPC, "no room for a distinguished name");
	out[0] = '\0';
	if (!name)
		return sgn_fail(err, errlen, -EINVAL, "no distinguished name given");
	n = X509_NAME_entry_count(name);
	/* OpenSSL keeps the entries in encoded order, first RDN first; spec
	 * §0 wants that order (not RFC 4514's reversed one). */
	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		const ASN1_STRING *d = X509_NAME_ENTRY_get_data(e);
		const char *sn = NULL;
		char oid[128];
		int nid = OBJ_obj2nid(obj);

		for (size_t k = 0; k < sizeof(short_names) / sizeof(short_names[0]); k++)
			if (short_names[k].nid == nid)
				sn = short_names[k].name;
		if (!sn) {
			if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0 || strlen(oid) >= sizeof(oid) - 1)
				return sgn_fail(err, errlen, -EINVAL,
						"attribute %d of the name has an unreadable type OID", i + 1);
			sn = oid;
		}
		if (i)
			sput(&b, ",", 1);
		sput(&b, sn, strlen(sn));
		sput(&b, "=", 1);
		if (ASN1_STRING_type(d) == V_ASN1_BIT_STRING) {
			/* A binary value (x500UniqueIdentifier): '#' and hex, as
			 * python3-cryptography writes bytes values. */
			put_hex_value(&b, ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d));
		} else {
			unsigned char *u = NULL;
			int ulen = ASN1_STRING_to_UTF8(&u, d);

			if (ulen < 0)
				return sgn_fail(err, errlen, -EINVAL,
						"attribute %s of the name is not a decodable string (ASN.1 type %d)",
						sn, ASN1_STRING_type(d));
			put_escaped(&b, u, (size_t)ulen);
			OPENSSL_free(u);
		}
	}
	if (b.overflow) {
		out[0] = '\0';
		return sgn_fail(err, errlen, -ENOSPC,
				"the distinguished name is longer than %zu bytes; use a certificate with a shorter name",
				outlen - 1);
	}
	return (int)b.len;
}

int sl_sgn_serial_bytes(const X509 *cert, uint8_t *out, size_t outlen, char *err, size_t errlen)
{
	const ASN1_INTEGER *ai;
	BIGNUM *bn;
	int n;

	if (!cert)
		return sgn_fail(err, errlen, -EINVAL, "no certificate given for its serial number");
	ai = X509_get0_serialNumber(cert);
	bn = ai ? ASN1_INTEGER_to_BN(ai, NULL) : NULL;
	if (!bn)
		return sgn_fail(err, errlen, -EINVAL, "the certificate's serial number is unreadable");
	if (BN_is_negative(bn)) {
		BN_free(bn);
		return sgn_fail(err, errlen, -ERANGE,
				"the certificate's serial number is negative; re-issue it with a positive serial");
	}
	n = BN_num_bytes(bn);
	if ((size_t)(n ? n : 1) > outlen) {
		BN_free(bn);
		return sgn_fail(err, errlen, -ERANGE,
				"the certificate's serial number is %d bytes, more than the %zu allowed",
				n, outlen);
	}
	if (n == 0) {		/* zero: one 0x00 byte rather than an empty value */
		out[0] = 0;
		n = 1;
	} else {
		BN_bn2bin(bn, out);	/* minimal unsigned big-endian, spec §0 */
	}
	BN_free(bn);
	return n;
}
