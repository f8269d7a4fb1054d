/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ca child: validate a certificate request and issue a node certificate
 * (SL_CP_CA_SIGN_CSR). Only the public key, the common name and DNS/IP
 * subjectAltNames are taken from the request; every other field and
 * extension is decided here, so a request cannot ask for CA:TRUE.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca_int.h"
#include "log.h"

#define CA_MAX_SANS	16

static X509_REQ *parse_csr(const char *pem, size_t len)
{
	X509_REQ *req;
	BIO *bio;

	if (len == 0 || len > CA_FILE_MAX)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return NULL;
	req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return req;
}

/* Exactly one CN, 1..64 printable ASCII characters (RFC 5280 ub-common-name). */
static int csr_cn(X509_REQ *req, char *cn, size_t cap, char *err, size_t errlen)
{
	const X509_NAME *name = X509_REQ_get_subject_name(req);
	int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	const ASN1_STRING *data;
	int n;

	if (idx < 0) {
		snprintf(err, errlen, "the request has no common name (CN) in its "
			 "subject; put the node name in CN");
		return -EINVAL;
	}
	if (X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0) {
		snprintf(err, errlen, "the request has more than one common name; "
			 "put exactly one CN in its subject");
		return -EINVAL;
	}
	data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
	n = ASN1_STRING_to_UTF8(&utf8, data);
	if (n <= 0 || (size_t)n >= cap || n > CA_CN_MAX ||
	    !ca_printable((const char *)utf8, (size_t)n)) {
		snprintf(err, errlen, "the request's common name is empty, longer "
			 "than %d characters or not printable ASCII; use the node's "
			 "host name", CA_CN_MAX);
		OPENSSL_free(utf8);
		ERR_clear_error();
		return -EINVAL;
	}
	memcpy(cn, utf8, (size_t)n);
	cn[n] = '\0';
	OPENSSL_free(utf8);
	return 0;
}

/* Host name characters only: letters, digits, '-', '_' and inner dots. */
static bool dns_name_ok(const ASN1_IA5STRING *s)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);
	int i, n = ASN1_STRING_length(s);

	if (n < 1 || n > 253 || p[0] == '.' || p[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (c == '.' && p[i - 1] != '.')))
			return false;
	}
	return true;
}

/* The requested subjectAltName (DNS and IP entries only), or NULL if none. */
static int csr_sans(X509_REQ *req, GENERAL_NAMES **out, char *err, size_t errlen)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *gens;
	int crit = -1, i, n;

	*out = NULL;
	if (!exts) {
		ERR_clear_error();
		return 0;
	}
	gens = X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	if (!gens) {
		if (crit == -1)
			return 0;
		snprintf(err, errlen, "the request's subjectAltName is %s; send one "
			 "well-formed subjectAltName", crit == -2 ? "repeated" :
			 "malformed");
		ERR_clear_error();
		return -EINVAL;
	}
	n = sk_GENERAL_NAME_num(gens);
	if (n < 1 || n > CA_MAX_SANS) {
		snprintf(err, errlen, "the request has %d subjectAltName entries; "
			 "1 to %d are accepted", n, CA_MAX_SANS);
		goto err_gens;
	}
	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS && dns_name_ok(g->d.dNSName))
			continue;
		if (g->type == GEN_IPADD && (ASN1_STRING_length(g->d.iPAddress) == 4 ||
					     ASN1_STRING_length(g->d.iPAddress) == 16))
			continue;
		snprintf(err, errlen, "subjectAltName entry %d is not a valid DNS "
			 "host name or IP address; only DNS and IP entries are "
			 "issued", i + 1);
		goto err_gens;
	}
	*out = gens;
	return 0;

err_gens:
	GENERAL_NAMES_free(gens);
	return -EINVAL;
}

static int build_leaf(const struct ca_state *st, X509 *x, EVP_PKEY *pub,
		      const char *cn, GENERAL_NAMES *sans)
{
	X509_NAME *name = X509_NAME_new();
	int rc = -EIO;

	if (!name ||
	    X509_set_version(x, X509_VERSION_3) != 1 || ca_set_serial(x) < 0 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(st->cert)) != 1 ||
	    ca_set_validity(x, CA_NODE_DAYS) < 0 ||
	    X509_set_pubkey(x, pub) != 1)
		goto out;
	/* A leaf must not outlive its CA (it would stop verifying anyway). */
	if (ASN1_TIME_compare(X509_get0_notAfter(x),
			      X509_get0_notAfter(st->cert)) > 0 &&
	    X509_set1_notAfter(x, X509_get0_notAfter(st->cert)) != 1)
		goto out;
	/* RFC 5280 §4.2.1.9 (end entity), §4.2.1.3, §4.2.1.12; RFC 5246/8446
	 * servers and clients both use this certificate (mutual TLS SIP). */
	if (ca_add_ext(x, st->cert, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    ca_add_ext(x, st->cert, NID_key_usage, EVP_PKEY_is_a(pub, "RSA") ?
		       "critical,digitalSignature,keyEncipherment" :
		       "critical,digitalSignature") < 0 ||
	    ca_add_ext(x, st->cert, NID_ext_key_usage, "serverAuth,clientAuth") < 0 ||
	    ca_add_ext(x, st->cert, NID_subject_key_identifier, "hash") < 0 ||
	    ca_add_ext(x, st->cert, NID_authority_key_identifier, "keyid:always") < 0)
		goto out;
	if (sans && X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0,
				      X509V3_ADD_DEFAULT) != 1)
		goto out;
	if (X509_sign(x, st->key, ca_digest_for(st->key)) <= 0)
		goto out;
	rc = 0;
out:
	X509_NAME_free(name);
	return rc;
}

X509 *ca_sign_csr(const struct ca_state *st, const char *pem, size_t len,
		  char *err, size_t errlen)
{
	char cn[CA_CN_MAX + 1], kerr[192];
	GENERAL_NAMES *sans = NULL;
	X509_REQ *req;
	EVP_PKEY *pub;
	X509 *x = NULL;

	if (!st->key || !st->cert) {
		snprintf(err, errlen, "the CA is not initialised; send "
			 "SL_CP_CA_INIT before SL_CP_CA_SIGN_CSR");
		return NULL;
	}
	req = parse_csr(pem, len);
	if (!req) {
		snprintf(err, errlen, "CSR refused: not a PEM certificate request "
			 "(%s)", ca_ssl_error());
		return NULL;
	}
	pub = X509_REQ_get0_pubkey(req);
	if (!pub) {
		snprintf(err, errlen, "CSR refused: its public key cannot be decoded "
			 "(%s)", ca_ssl_error());
		goto out;
	}
	if (ca_key_check(pub, true, kerr, sizeof(kerr)) < 0) {
		snprintf(err, errlen, "CSR refused: %s", kerr);
		goto out;
	}
	/* Proof of possession (RFC 2986 §3): the request signs itself. */
	if (X509_REQ_verify(req, pub) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "CSR refused: its signature does not verify "
			 "with its own public key; create the request again");
		goto out;
	}
	if (csr_cn(req, cn, sizeof(cn), kerr, sizeof(kerr)) < 0 ||
	    csr_sans(req, &sans, kerr, sizeof(kerr)) < 0) {
		snprintf(err, errlen, "CSR refused: %s", kerr);
		goto out;
	}
	x = X509_new();
	if (!x || build_leaf(st, x, pub, cn, sans) < 0) {
		snprintf(err, errlen, "cannot issue the certificate: %s",
			 ca_ssl_error());
		X509_free(x);
		x = NULL;
		goto out;
	}
	log_notice("issued a certificate for CN=%s, valid %d days", cn, CA_NODE_DAYS);
out:
	GENERAL_NAMES_free(sans);
	X509_REQ_free(req);
	return x;
}
