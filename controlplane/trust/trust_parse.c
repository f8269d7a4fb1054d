/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an operator imports: a PEM bundle or one DER certificate. Anything
 * that is not a certificate — above all a private key — refuses the whole
 * input, so nothing of a mixed file lands in the trust store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "trust.h"

static const char key_advice[] =
	"nothing was imported. The trust store holds certificates only, and a private key must "
	"not leave its owner: extract the certificate (openssl x509 -in FILE -out cert.pem) and "
	"import that, and treat this key as exposed if the file was shared";

static const char *ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown reason";
}

void sl_trust_der_free(struct sl_trust_der *certs, size_t n)
{
	if (!certs)
		return;
	for (size_t i = 0; i < n; i++)
		free(certs[i].der);
	free(certs);
}

/*
 * Parses one certificate from der (block counts from 1 for messages) and
 * checks that it is all of der and re-encodes to the same bytes: the
 * fingerprints OpenSSL computes (over its re-encoding) are then the
 * fingerprints of the bytes we store and export.
 */
static int check_cert_der(const uint8_t *der, size_t len, size_t block, char *err, size_t errlen)
{
	const unsigned char *p = der;
	unsigned char *re = NULL;
	X509 *x;
	int relen, rc = 0;

	x = len <= (size_t)INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
	if (!x) {
		snprintf(err, errlen, "certificate %zu is not a valid X.509 certificate (%s); nothing was "
			 "imported", block, ssl_reason());
		ERR_clear_error();
		return -ENOMSG;
	}
	if ((size_t)(p - der) != len) {
		snprintf(err, errlen, "certificate %zu has %zu bytes after its end; give one certificate "
			 "per DER file, or a PEM bundle", block, len - (size_t)(p - der));
		rc = -EINVAL;
		goto out;
	}
	relen = i2d_X509(x, &re);
	if (relen < 0 || (size_t)relen != len || memcmp(re, der, len)) {
		snprintf(err, errlen, "certificate %zu is not in canonical DER (OpenSSL re-encodes it "
			 "differently, so its fingerprints would not match other tools'); re-encode it "
			 "with openssl x509 -in FILE -out fixed.pem only if you trust its source", block);
		rc = -EINVAL;
	}
out:
	OPENSSL_free(re);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

static int push(struct sl_trust_der **v, size_t *n, const uint8_t *der, size_t len, char *err,
		size_t errlen)
{
	struct sl_trust_der *nv;

	if (*n >= SL_TRUST_IMPORT_MAX) {
		snprintf(err, errlen, "the input holds more than %d certificates; split it",
			 SL_TRUST_IMPORT_MAX);
		return -E2BIG;
	}
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n].der = malloc(len ? len : 1);
	if (!nv[*n].der)
		return -ENOMEM;
	memcpy(nv[*n].der, der, len);
	nv[*n].len = len;
	(*n)++;
	return 0;
}

/* One PEM block: a certificate is kept, everything else refuses the input. */
static int pem_block(const char *name, const uint8_t *d, size_t dlen, size_t block,
		     struct sl_trust_der **v, size_t *n, char *err, size_t errlen)
{
	int rc;

	if (strstr(name, "PRIVATE KEY")) {
		snprintf(err, errlen, "the input holds a private key (PEM block %zu, '-----BEGIN %s-----'); "
			 "%s", block, name, key_advice);
		return -EPERM;
	}
	if (!strcmp(name, "TRUSTED CERTIFICATE")) {
		snprintf(err, errlen, "PEM block %zu is an OpenSSL 'TRUSTED CERTIFICATE' (with trust "
			 "settings); convert it with openssl x509 -in FILE -out cert.pem and import that",
			 block);
		return -EINVAL;
	}
	if (strcmp(name, PEM_STRING_X509) && strcmp(name, PEM_STRING_X509_OLD)) {
		snprintf(err, errlen, "PEM block %zu is a '%s', not a certificate; the trust store takes "
			 "'-----BEGIN CERTIFICATE-----' blocks only: remove the others", block, name);
		return -EINVAL;
	}
	if ((rc = check_cert_der(d, dlen, block, err, errlen)))
		return rc == -ENOMSG ? -EINVAL : rc;
	return push(v, n, d, dlen, err, errlen);
}

static int parse_pem(const uint8_t *data, size_t len, struct sl_trust_der **v, size_t *n,
		     char *err, size_t errlen)
{
	BIO *b = BIO_new_mem_buf(data, (int)len);
	size_t block = 0;
	int rc = 0;

	if (!b)
		return -ENOMEM;
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *d = NULL;
		long dlen = 0;

		if (!PEM_read_bio(b, &name, &header, &d, &dlen)) {
			unsigned long e = ERR_peek_last_error();

			if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE &&
			    block > 0)
				break;
			snprintf(err, errlen, "PEM block %zu is malformed (%s): check that it is complete, "
				 "from '-----BEGIN' to '-----END', with valid base64; nothing was imported",
				 block + 1, ssl_reason());
			rc = -EINVAL;
			break;
		}
		block++;
		rc = pem_block(name, d, (size_t)dlen, block, v, n, err, errlen);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(d, (size_t)dlen);	/* may be a key */
		if (rc)
			break;
	}
	ERR_clear_error();
	BIO_free(b);
	return rc;
}

/* Not a certificate: say what it is if it is a key or a PKCS#12 file. */
static int der_not_cert(const uint8_t *data, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = data;
	char why[160];
	EVP_PKEY *pk;
	X509_SIG *sig;
	PKCS12 *p12;

	d2i_X509(NULL, &p, (long)len);
	snprintf(why, sizeof(why), "%s", ssl_reason());
	ERR_clear_error();
	p = data;
	pk = d2i_AutoPrivateKey(NULL, &p, (long)len);
	if (pk) {
		EVP_PKEY_free(pk);
		snprintf(err, errlen, "the input is a DER private key; %s", key_advice);
		return -EPERM;
	}
	p = data;
	sig = d2i_X509_SIG(NULL, &p, (long)len);
	if (sig && (size_t)(p - data) == len) {
		X509_SIG_free(sig);
		snprintf(err, errlen, "the input is an encrypted DER private key (PKCS#8); %s", key_advice);
		return -EPERM;
	}
	X509_SIG_free(sig);
	p = data;
	p12 = d2i_PKCS12(NULL, &p, (long)len);
	if (p12) {
		PKCS12_free(p12);
		ERR_clear_error();
		snprintf(err, errlen, "the input is a PKCS#12 file, which may hold private keys; extract "
			 "the certificate (openssl pkcs12 -in FILE -nokeys -out cert.pem) and import that");
		return -EPERM;
	}
	ERR_clear_error();
	snprintf(err, errlen, "the input is neither a PEM certificate bundle (no '-----BEGIN' line) nor "
		 "a DER certificate (%s); give a .pem/.crt/.cer/.der certificate file", why);
	return -EINVAL;
}

int sl_trust_parse(const uint8_t *data, size_t len, struct sl_trust_der **certs, size_t *n,
		   char *err, size_t errlen)
{
	struct sl_trust_der *v = NULL;
	size_t nv = 0;
	int rc;

	*certs = NULL;
	*n = 0;
	if (len == 0) {
		snprintf(err, errlen, "the input is empty; give a PEM or DER certificate file");
		return -EINVAL;
	}
	if (len > SL_TRUST_INPUT_MAX) {
		snprintf(err, errlen, "the input is %zu bytes; the limit is %u (split the bundle)", len,
			 SL_TRUST_INPUT_MAX);
		return -E2BIG;
	}
	if (memmem(data, len, "-----BEGIN", 10)) {
		rc = parse_pem(data, len, &v, &nv, err, errlen);
	} else if (data[0] == 0x30) {
		rc = check_cert_der(data, len, 1, err, errlen);
		if (rc == -ENOMSG)	/* not a certificate at all */
			rc = der_not_cert(data, len, err, errlen);
		if (!rc)
			rc = push(&v, &nv, data, len, err, errlen);
	} else {
		snprintf(err, errlen, "the input is neither a PEM certificate bundle (no '-----BEGIN' "
			 "line) nor DER (it does not start with an ASN.1 SEQUENCE); give a "
			 ".pem/.crt/.cer/.der certificate file");
		rc = -EINVAL;
	}
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory reading the certificates");
		sl_trust_der_free(v, nv);
		return rc;
	}
	*certs = v;
	*n = nv;
	return 0;
}
