/* SPDX-License-Identifier: BSD-3-Clause */
/* CAPF authentication data (spec §1.7, §1.8 step 4). See capf_auth.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "capf_auth.h"
#include "log.h"


const char *capf_cert_auth_str(enum capf_cert_auth a)
{
	switch (a) {
	case CAPF_CA_ABSENT: return "no certificate";
	case CAPF_CA_LSC: return "LSC verified";
	case CAPF_CA_MIC: return "MIC verified";
	case CAPF_CA_FAILED: return "certificate refused";
	}
	return "?";
}

static const EVP_MD *hash_md(enum sl_hash h)
{
	switch (h) {
	case SL_HASH_SHA1: return EVP_sha1();
	case SL_HASH_SHA512: return EVP_sha512();
	case SL_HASH_SHA256: return NULL;	/* spec §0: defined but unused */
	}
	return NULL;
}

/* spec §1.7: the RSA block is 00 01 FF..FF 00 || H, no DigestInfo. */
static int rsa_raw_verify(EVP_PKEY *pub, const EVP_MD *md, const uint8_t *data, size_t dlen,
			  const uint8_t *sig, size_t siglen, char *err, size_t errlen)
{
	uint8_t h[EVP_MAX_MD_SIZE], rec[1024];
	unsigned int hlen = 0;
	size_t rlen = sizeof(rec);
	EVP_PKEY_CTX *pc;
	int ok = 0;

	if ((size_t)EVP_PKEY_get_size(pub) != siglen || siglen > sizeof(rec)) {
		sl_errf(err, errlen, "RSA signature is %zu bytes, the key needs %d", siglen,
		     EVP_PKEY_get_size(pub));
		return -1;
	}
	if (EVP_Digest(data, dlen, h, &hlen, md, NULL) != 1) {
		sl_errf(err, errlen, "cannot hash the signed data");
		return -1;
	}
	pc = EVP_PKEY_CTX_new(pub, NULL);
	if (pc != NULL && EVP_PKEY_verify_recover_init(pc) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_verify_recover(pc, rec, &rlen, sig, siglen) == 1)
		ok = rlen == hlen && CRYPTO_memcmp(rec, h, hlen) == 0;
	EVP_PKEY_CTX_free(pc);
	ERR_clear_error();
	if (!ok) {
		sl_errf(err, errlen, "RSA %s signature does not verify (a raw %u-byte digest "
		     "in a PKCS#1 type-1 block is expected)", EVP_MD_get0_name(md), hlen);
		return -1;
	}
	return 0;
}

static int ecdsa_verify(EVP_PKEY *pub, const EVP_MD *md, const uint8_t *data, size_t dlen,
			const uint8_t *sig, size_t siglen, char *err, size_t errlen)
{
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int ok = 0;

	if (mc != NULL && EVP_DigestVerifyInit(mc, NULL, md, NULL, pub) == 1)
		ok = EVP_DigestVerify(mc, sig, siglen, data, dlen) == 1;
	EVP_MD_CTX_free(mc);
	ERR_clear_error();
	if (!ok) {
		sl_errf(err, errlen, "ECDSA-%s signature does not verify", EVP_MD_get0_name(md));
		return -1;
	}
	return 0;
}

int capf_auth_verify_sig(EVP_PKEY *pub, enum sl_hash hash, const uint8_t *data,
			 size_t dlen, const uint8_t *sig, size_t siglen, char *err,
			 size_t errlen)
{
	const EVP_MD *md = hash_md(hash);

	if (md == NULL) {
		sl_errf(err, errlen, "hash code %d is not used by CAPF", (int)hash);
		return -1;
	}
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		return rsa_raw_verify(pub, md, data, dlen, sig, siglen, err, errlen);
	case EVP_PKEY_EC:
		return ecdsa_verify(pub, md, data, dlen, sig, siglen, err, errlen);
	default:
		sl_errf(err, errlen, "certificate key is neither RSA nor EC");
		return -1;
	}
}

static X509 *parse_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (len > 65535)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {	/* trailing bytes */
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

static bool signed_by(X509 *x, X509 *anchor)
{
	EVP_PKEY *k;
	int rc;

	if (anchor == NULL ||
	    X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(anchor)) != 0)
		return false;
	k = X509_get0_pubkey(anchor);
	rc = k != NULL ? X509_verify(x, k) : -1;
	ERR_clear_error();
	return rc == 1;
}

enum capf_cert_auth capf_auth_cert(const struct capf_auth_cfg *cfg, const uint8_t *der,
				   size_t der_len, X509 **out, char *err, size_t errlen)
{
	X509 *x = parse_der(der, der_len);
	bool name_match = false;
	size_t i;

	*out = NULL;
	if (x == NULL) {
		sl_errf(err, errlen, "certificate is not one DER X.509 certificate");
		return CAPF_CA_FAILED;
	}
	if (cfg->lsc_issuer != NULL &&
	    X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(cfg->lsc_issuer)) == 0) {
		name_match = true;
		if (signed_by(x, cfg->lsc_issuer)) {
			*out = x;
			return CAPF_CA_LSC;
		}
	}
	for (i = 0; i < cfg->n_mfg_ca; i++) {
		if (cfg->mfg_ca[i] != NULL &&
		    X509_NAME_cmp(X509_get_issuer_name(x),
				  X509_get_subject_name(cfg->mfg_ca[i])) == 0)
			name_match = true;
		if (signed_by(x, cfg->mfg_ca[i])) {
			*out = x;
			return CAPF_CA_MIC;
		}
	}
	X509_free(x);
	if (name_match)
		sl_errf(err, errlen, "certificate signature does not verify with its issuer");
	else
		sl_errf(err, errlen, "certificate issuer is neither the LSC issuer nor a "
		     "configured manufacturer CA; add the CA with the MIC CA setting");
	return CAPF_CA_FAILED;
}

/* Stricter than the reference: an LSC we issued names the device (spec §1.9). */
static bool cn_is(X509 *x, const char *device)
{
	X509_NAME *n = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
	unsigned char *s = NULL;
	bool ok = false;
	int l;

	if (i < 0 || X509_NAME_get_index_by_NID(n, NID_commonName, i) >= 0)
		return false;	/* none, or more than one */
	l = ASN1_STRING_to_UTF8(&s, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
	if (l >= 0)
		ok = strlen(device) == (size_t)l && memcmp(s, device, (size_t)l) == 0;
	OPENSSL_free(s);
	return ok;
}

static int check_sudi(const struct capf_auth_cfg *cfg, uint32_t session, const struct capf_msg *m,
		      char *err, size_t errlen)
{
	const struct capf_el *e = &m->el[CAPF_EL_SUDI_DATA];
	uint8_t ad[4 + 12288];
	struct capf_sudi s;
	X509 *x = NULL;
	int rc = -1;

	if (capf_sudi_parse(e->v, e->len, &s) != 0) {
		sl_errf(err, errlen, "SUDI_DATA is malformed");
		return -1;
	}
	if (capf_auth_cert(cfg, s.cert, s.cert_len, &x, err, errlen) == CAPF_CA_FAILED)
		goto out;
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(x)) != EVP_PKEY_RSA) {
		/* stricter than the reference, which ignores a non-RSA SUDI (spec §1.7) */
		sl_errf(err, errlen, "SUDI certificate key is not RSA");
		goto out;
	}
	/* spec §0/§1.7: the one little-endian integer */
	ad[0] = (uint8_t)session;
	ad[1] = (uint8_t)(session >> 8);
	ad[2] = (uint8_t)(session >> 16);
	ad[3] = (uint8_t)(session >> 24);
	memcpy(ad + 4, s.cert, s.cert_len);
	if (capf_auth_verify_sig(X509_get0_pubkey(x), SL_HASH_SHA1, ad, 4 + s.cert_len,
				 s.sig1, s.sig1_len, err, errlen) != 0 ||
	    capf_auth_verify_sig(X509_get0_pubkey(x), SL_HASH_SHA512, ad, 4 + s.cert_len,
				 s.sig512, s.sig512_len, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	X509_free(x);
	return rc;
}

void capf_auth_device(const struct capf_auth_cfg *cfg, const char *device, uint32_t session,
		      const struct capf_msg *m, struct capf_auth_result *res, char *err,
		      size_t errlen)
{
	const struct capf_el *ce = &m->el[CAPF_EL_CERTIFICATE];
	const struct capf_el *s1 = &m->el[CAPF_EL_SIGNED_DATA];
	const struct capf_el *s2 = &m->el[CAPF_EL_SHA2_SIGNED_DATA];
	static const uint8_t nul;
	struct capf_cert_el c;
	const uint8_t *sig2;
	size_t sig2_len, nlen = strlen(device);
	uint8_t *ad = NULL;
	enum capf_cert_auth a;
	X509 *x = NULL;
	EVP_PKEY *pub;

	memset(res, 0, sizeof(*res));
	res->sudi_present = m->el[CAPF_EL_SUDI_DATA].present;
	if (!ce->present)
		return;
	res->cert = CAPF_CA_FAILED;
	if (capf_cert_unwrap(ce->v, ce->len, &c) != 0) {
		sl_errf(err, errlen, "CERTIFICATE element is too short");
		return;
	}
	res->cert_der = c.der;
	res->cert_der_len = c.der_len;
	if (!s1->present || !s2->present) {
		sl_errf(err, errlen, "certificate authentication needs SIGNED_DATA and "
		     "SHA2_SIGNED_DATA; the phone sent %s", s1->present ? "no SHA2_SIGNED_DATA" :
		     "no SIGNED_DATA");
		return;
	}
	if (capf_sha2sig_parse(s2->v, s2->len, &sig2, &sig2_len) != 0) {
		sl_errf(err, errlen, "SHA2_SIGNED_DATA is malformed or not SHA-512");
		return;
	}
	a = capf_auth_cert(cfg, c.der, c.der_len, &x, err, errlen);
	if (a == CAPF_CA_FAILED)
		return;
	if (a == CAPF_CA_LSC && !cn_is(x, device)) {
		sl_errf(err, errlen, "LSC subject CN is not the device name %s", device);
		goto out;
	}
	ad = malloc(nlen + 1 + c.der_len);
	if (ad == NULL) {
		sl_errf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(ad, device, nlen);			/* spec §1.7 device authData */
	memcpy(ad + nlen, &nul, 1);
	memcpy(ad + nlen + 1, c.der, c.der_len);
	pub = X509_get0_pubkey(x);
	if (capf_auth_verify_sig(pub, SL_HASH_SHA1, ad, nlen + 1 + c.der_len, s1->v, s1->len,
				 err, errlen) != 0 ||
	    capf_auth_verify_sig(pub, SL_HASH_SHA512, ad, nlen + 1 + c.der_len, sig2, sig2_len,
				 err, errlen) != 0)
		goto out;
	if (res->sudi_present) {
		if (check_sudi(cfg, session, m, err, errlen) != 0)
			goto out;
		res->sudi_ok = true;
	}
	res->cert = a;
out:
	free(ad);
	X509_free(x);
}
