/* SPDX-License-Identifier: BSD-3-Clause */
/* Test helpers (see test_capf.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "test_capf.h"

EVP_PKEY *t_rsa(unsigned bits)
{
	EVP_PKEY *k = EVP_RSA_gen(bits);

	ck_assert_ptr_nonnull(k);
	return k;
}

EVP_PKEY *t_ec(const char *group)
{
	EVP_PKEY *k = EVP_EC_gen(group);

	ck_assert_ptr_nonnull(k);
	return k;
}

static X509 *cert_new(EVP_PKEY *key, X509_NAME *subj, X509_NAME *iss, EVP_PKEY *signer,
		      long serial, int ca)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	ck_assert_ptr_nonnull(x);
	ck_assert(X509_set_version(x, X509_VERSION_3));
	ck_assert(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
	ck_assert(X509_set_subject_name(x, subj));
	ck_assert(X509_set_issuer_name(x, iss));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30));
	ck_assert(X509_set_pubkey(x, key));
	if (ca) {
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
		ck_assert(e != NULL && X509_add_ext(x, e, -1));
		X509_EXTENSION_free(e);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
		ck_assert(e != NULL && X509_add_ext(x, e, -1));
		X509_EXTENSION_free(e);
	}
	ck_assert_int_gt(X509_sign(x, signer, EVP_sha256()), 0);
	return x;
}

static void add(X509_NAME *n, const char *f, const char *v)
{
	ck_assert(X509_NAME_add_entry_by_txt(n, f, MBSTRING_UTF8, (const unsigned char *)v,
					     -1, -1, 0));
}

X509 *t_ca(EVP_PKEY *key, const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	X509 *x;

	add(n, "CN", cn);
	add(n, "O", "Test Org");
	add(n, "OU", "Test Unit");
	add(n, "L", "Test City");
	add(n, "ST", "Test State");
	add(n, "C", "NZ");
	x = cert_new(key, n, n, key, 1, 1);
	X509_NAME_free(n);
	return x;
}

X509 *t_leaf(EVP_PKEY *key, const char *cn, X509 *ca, EVP_PKEY *cakey)
{
	X509_NAME *n = X509_NAME_new();
	X509 *x;

	add(n, "CN", cn);
	x = cert_new(key, n, X509_get_subject_name(ca), cakey, 77, 0);
	X509_NAME_free(n);
	return x;
}

uint8_t *t_der(X509 *x, size_t *len)
{
	uint8_t *p = NULL;
	int n = i2d_X509(x, &p);
	uint8_t *out;

	ck_assert_int_gt(n, 0);
	out = malloc((size_t)n);
	memcpy(out, p, (size_t)n);
	OPENSSL_free(p);
	*len = (size_t)n;
	return out;
}

uint8_t *t_spki(EVP_PKEY *k, size_t *len)
{
	uint8_t *p = NULL;
	int n = i2d_PUBKEY(k, &p);
	uint8_t *out;

	ck_assert_int_gt(n, 0);
	out = malloc((size_t)n);
	memcpy(out, p, (size_t)n);
	OPENSSL_free(p);
	*len = (size_t)n;
	return out;
}

size_t t_sign(EVP_PKEY *k, enum sl_hash h, const uint8_t *data, size_t len, uint8_t *sig,
	      size_t cap, int digestinfo)
{
	const EVP_MD *md = h == SL_HASH_SHA1 ? EVP_sha1() : EVP_sha512();
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned dl;
	size_t sl = cap;
	EVP_PKEY_CTX *pc;

	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		EVP_MD_CTX *mc = EVP_MD_CTX_new();

		ck_assert(EVP_DigestSignInit(mc, NULL, md, NULL, k) == 1);
		ck_assert(EVP_DigestSign(mc, sig, &sl, data, len) == 1);
		EVP_MD_CTX_free(mc);
		return sl;
	}
	ck_assert(EVP_Digest(data, len, d, &dl, md, NULL) == 1);
	pc = EVP_PKEY_CTX_new(k, NULL);
	ck_assert(EVP_PKEY_sign_init(pc) == 1);
	ck_assert(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1);
	if (digestinfo)	/* standard PKCS#1 v1.5: DigestInfo inside */
		ck_assert(EVP_PKEY_CTX_set_signature_md(pc, md) == 1);
	ck_assert(EVP_PKEY_sign(pc, sig, &sl, d, dl) == 1);
	EVP_PKEY_CTX_free(pc);
	return sl;
}

long t_auth_cert_msg(uint8_t *buf, size_t cap, uint32_t session, const char *device,
		     X509 *cert, EVP_PKEY *key, X509 *sudi, EVP_PKEY *sudi_key)
{
	size_t dl, nl = strlen(device), s1l, s2l;
	uint8_t *der = t_der(cert, &dl), *ad = malloc(nl + 1 + dl), s1[1024], s2[1024];
	struct capf_w w;
	long n;

	memcpy(ad, device, nl + 1);
	memcpy(ad + nl + 1, der, dl);
	s1l = t_sign(key, SL_HASH_SHA1, ad, nl + 1 + dl, s1, sizeof(s1), 0);
	s2l = t_sign(key, SL_HASH_SHA512, ad, nl + 1 + dl, s2, sizeof(s2), 0);
	capf_w_init(&w, buf, cap, CAPF_AUTH_RESPONSE, session);
	capf_w_u8(&w, CAPF_EL_REASON, 1);
	capf_w_cert(&w, CAPF_CERT_LSC, der, dl);
	capf_w_bytes(&w, CAPF_EL_SIGNED_DATA, s1, s1l);
	capf_w_u8(&w, CAPF_EL_VERSION, 3);
	capf_w_cstr(&w, CAPF_EL_DEVICE_NAME, device);
	capf_w_sha2sig(&w, s2, s2l);
	if (sudi != NULL) {
		size_t sl;
		uint8_t *sd = t_der(sudi, &sl), *sad = malloc(4 + sl), t1[1024], t2[1024];
		struct capf_sudi su;

		sad[0] = (uint8_t)session;	/* spec §1.7: little-endian */
		sad[1] = (uint8_t)(session >> 8);
		sad[2] = (uint8_t)(session >> 16);
		sad[3] = (uint8_t)(session >> 24);
		memcpy(sad + 4, sd, sl);
		su.cert = sd;
		su.cert_len = sl;
		su.sig1 = t1;
		su.sig1_len = t_sign(sudi_key, SL_HASH_SHA1, sad, 4 + sl, t1, sizeof(t1), 0);
		su.sig512 = t2;
		su.sig512_len = t_sign(sudi_key, SL_HASH_SHA512, sad, 4 + sl, t2, sizeof(t2), 0);
		capf_w_sudi(&w, &su);
		free(sd);
		free(sad);
	}
	n = capf_w_finish(&w);
	ck_assert_int_gt(n, 0);
	free(der);
	free(ad);
	return n;
}
