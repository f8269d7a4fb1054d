/* SPDX-License-Identifier: BSD-3-Clause */
/* X.509 helpers shared by the ca child and the parent (OpenSSL 3 APIs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "ca_int.h"

const char *ca_ssl_error(void)
{
	static _Thread_local char buf[256];
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, sizeof(buf), "no OpenSSL error reported");
	else
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* Never prompt on a terminal for an encrypted key: refuse it. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

EVP_PKEY *ca_key_from_pem(const char *pem, size_t len)
{
	EVP_PKEY *key;
	BIO *bio;

	if (len > CA_FILE_MAX)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return NULL;
	key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	return key;
}

int ca_key_to_pem(EVP_PKEY *key, char **pem, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	long n;
	int rc = -EIO;

	if (!bio)
		return -ENOMEM;
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1)
		goto out;
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0)
		goto out;
	*pem = malloc((size_t)n + 1);
	if (!*pem) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(*pem, data, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	rc = 0;
out:
	BIO_free(bio);	/* secure memory BIO: cleansed on free */
	return rc;
}

X509 *ca_cert_from_pem(const char *pem, size_t len)
{
	X509 *x;
	BIO *bio;

	if (len > CA_FILE_MAX)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

char *ca_cert_to_pem(X509 *x, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (!bio)
		return NULL;
	if (PEM_write_bio_X509(bio, x) == 1 &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
		*len = (size_t)n;
	}
	BIO_free(bio);
	return out;
}

int ca_key_check(EVP_PKEY *key, bool allow_rsa, char *err, size_t errlen)
{
	char group[64];
	size_t glen = 0;

	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) != 1) {
			snprintf(err, errlen, "EC key with explicit or unknown curve "
				 "parameters; use a named curve, P-256 or P-384");
			return -EINVAL;
		}
		if (strcmp(group, "prime256v1") && strcmp(group, "P-256") &&
		    strcmp(group, "secp384r1") && strcmp(group, "P-384")) {
			snprintf(err, errlen, "EC key on curve %s is not accepted; "
				 "use P-256 or P-384", group);
			return -EINVAL;
		}
		return 0;
	}
	if (EVP_PKEY_is_a(key, "RSA") && allow_rsa) {
		int bits = EVP_PKEY_get_bits(key);

		if (bits < 2048) {
			snprintf(err, errlen, "RSA key of %d bits is too short; "
				 "use at least 2048 bits, or an EC P-256 key", bits);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(err, errlen, "%s key is not accepted; use EC P-256 or P-384%s",
		 EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) :
		 "unknown", allow_rsa ? ", or RSA of at least 2048 bits" : "");
	return -EINVAL;
}

const EVP_MD *ca_digest_for(EVP_PKEY *key)
{
	/* Match the hash to the curve strength (RFC 5480 §4). */
	return EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) >= 384 ?
		EVP_sha384() : EVP_sha256();
}

int ca_set_serial(X509 *x)
{
	unsigned char r[16];
	ASN1_INTEGER *serial;
	BIGNUM *bn;
	int rc = -EIO;

	do {
		if (RAND_bytes(r, sizeof(r)) != 1)
			return -EIO;
	} while (!(r[0] | r[1] | r[2] | r[3]));	/* never zero or tiny */
	bn = BN_bin2bn(r, sizeof(r), NULL);
	if (!bn)
		return -ENOMEM;
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	if (serial && X509_set_serialNumber(x, serial) == 1)
		rc = 0;
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return rc;
}

int ca_set_validity(X509 *x, long days)
{
	if (!X509_gmtime_adj(X509_getm_notBefore(x), -CA_BACKDATE_S) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL))
		return -EIO;
	return 0;
}

int ca_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -EINVAL;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -EIO;
}

int ca_fingerprint(X509 *x, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1 || n != 32 ||
	    cap < (size_t)n * 3)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		out[3 * i] = hex[md[i] >> 4];
		out[3 * i + 1] = hex[md[i] & 15];
		out[3 * i + 2] = i + 1 < n ? ':' : '\0';
	}
	return 0;
}

bool ca_printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}
