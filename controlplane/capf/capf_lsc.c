/* SPDX-License-Identifier: BSD-3-Clause */
/* The issued LSC (spec §1.9). See capf_lsc.h and docs/capf.md. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "capf_lsc.h"
#include "log.h"

static const char *const curve_names[] = { "P-256", "P-384", "P-521" };
static const char *const curve_groups[] = { "prime256v1", "secp384r1", "secp521r1" };
static const char *const curve_sec[] = { "secp256r1", "secp384r1", "secp521r1" };

int capf_keyparams_check(const struct capf_keyparams *kp, char *err, size_t errlen)
{
	if (kp->type == CAPF_KEY_RSA) {
		if (kp->rsa_bits < CAPF_RSA_MIN_BITS || kp->rsa_bits > CAPF_RSA_MAX_BITS ||
		    kp->rsa_bits % 8 != 0) {
			sl_errf(err, errlen, "RSA size %u is not supported; use 1024 to 4096 bits",
			     kp->rsa_bits);
			return -1;
		}
		return 0;
	}
	if (kp->type == CAPF_KEY_EC && (unsigned)kp->curve <= CAPF_CURVE_P521)
		return 0;
	sl_errf(err, errlen, "key type %d / curve %d is not supported; use rsa:BITS, ec:P-256, "
	     "ec:P-384 or ec:P-521", (int)kp->type, (int)kp->curve);
	return -1;
}

void capf_keyparams_str(const struct capf_keyparams *kp, char *buf, size_t cap)
{
	if (kp->type == CAPF_KEY_RSA)
		snprintf(buf, cap, "rsa:%u", kp->rsa_bits);
	else if ((unsigned)kp->curve <= CAPF_CURVE_P521)
		snprintf(buf, cap, "ec:%s", curve_names[kp->curve]);
	else
		snprintf(buf, cap, "ec:?");
}

int capf_keyparams_parse(const char *s, struct capf_keyparams *kp)
{
	unsigned i;

	memset(kp, 0, sizeof(*kp));
	if (strncmp(s, "rsa:", 4) == 0) {
		char *end;
		unsigned long b = strtoul(s + 4, &end, 10);

		kp->type = CAPF_KEY_RSA;
		kp->rsa_bits = b > 65535 ? 0 : (unsigned)b;
		return *end == 0 && end != s + 4 ? capf_keyparams_check(kp, NULL, 0) : -1;
	}
	for (i = 0; i < 3; i++) {
		if (strncmp(s, "ec:", 3) == 0 && (strcmp(s + 3, curve_names[i]) == 0 ||
						  strcmp(s + 3, curve_groups[i]) == 0 ||
						  strcmp(s + 3, curve_sec[i]) == 0)) {
			kp->type = CAPF_KEY_EC;
			kp->curve = (enum capf_curve)i;
			return 0;
		}
	}
	return -1;
}

static EVP_PKEY *spki_decode(const uint8_t *spki, size_t len)
{
	const unsigned char *p = spki;
	EVP_PKEY *k;

	if (len == 0 || len > 4096)
		return NULL;
	k = d2i_PUBKEY(NULL, &p, (long)len);
	if (k != NULL && p != spki + len) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

static int key_check(EVP_PKEY *k, const struct capf_keyparams *want, char *err, size_t errlen)
{
	char group[64] = "";
	EVP_PKEY_CTX *pc;
	int ok, i;

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		if (want != NULL && want->type != CAPF_KEY_RSA) {
			sl_errf(err, errlen, "phone sent an RSA key where an EC key was requested");
			return -1;
		}
		if (EVP_PKEY_get_bits(k) < CAPF_RSA_MIN_BITS ||
		    EVP_PKEY_get_bits(k) > CAPF_RSA_MAX_BITS ||
		    (want != NULL && (unsigned)EVP_PKEY_get_bits(k) != want->rsa_bits)) {
			sl_errf(err, errlen, "phone sent an RSA-%d key; %u bits were requested",
			     EVP_PKEY_get_bits(k), want != NULL ? want->rsa_bits : 0);
			return -1;
		}
		break;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
						    sizeof(group), NULL)) {
			sl_errf(err, errlen, "phone sent an EC key without a named curve");
			return -1;
		}
		for (i = 0; i < 3 && strcmp(group, curve_groups[i]) != 0; i++)
			;
		if (i == 3 || (want != NULL && (want->type != CAPF_KEY_EC ||
						 (int)want->curve != i))) {
			sl_errf(err, errlen, "phone sent an EC key on %s, which was not requested",
			     group);
			return -1;
		}
		break;
	default:
		sl_errf(err, errlen, "phone sent a key that is neither RSA nor EC");
		return -1;
	}
	pc = EVP_PKEY_CTX_new(k, NULL);
	ok = pc != NULL && EVP_PKEY_public_check(pc) == 1;
	EVP_PKEY_CTX_free(pc);
	if (!ok) {
		sl_errf(err, errlen, "phone's public key fails OpenSSL's public key check");
		return -1;
	}
	return 0;
}

int capf_lsc_check_spki(const uint8_t *spki, size_t len, const struct capf_keyparams *want,
			char *err, size_t errlen)
{
	EVP_PKEY *k = spki_decode(spki, len);
	int rc;

	if (k == NULL) {
		ERR_clear_error();
		sl_errf(err, errlen, "PUBLIC_KEY is not one DER SubjectPublicKeyInfo");
		return -1;
	}
	rc = key_check(k, want, err, errlen);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

/* CN=<device>, then O, OU, L, ST and C of the issuer subject in its order. */
static X509_NAME *lsc_subject(const char *device, X509 *issuer)
{
	X509_NAME *in = X509_get_subject_name(issuer), *n = X509_NAME_new();
	int i;

	if (n == NULL ||
	    !X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
					(const unsigned char *)device, -1, -1, 0))
		goto err;
	for (i = 0; i < X509_NAME_entry_count(in); i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(in, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));

		if (nid != NID_organizationName && nid != NID_organizationalUnitName &&
		    nid != NID_localityName && nid != NID_stateOrProvinceName &&
		    nid != NID_countryName)
			continue;
		if (!X509_NAME_add_entry(n, e, -1, 0))
			goto err;
	}
	return n;
err:
	X509_NAME_free(n);
	return NULL;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok = e != NULL && X509_add_ext(x, e, -1);

	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

static int set_serial(X509 *x)
{
	uint8_t r[16];
	BIGNUM *bn = NULL;
	int ok = 0, tries;

	for (tries = 0; tries < 4 && !ok; tries++) {
		if (RAND_bytes(r, sizeof(r)) != 1)
			break;
		BN_free(bn);
		bn = BN_bin2bn(r, sizeof(r), NULL);	/* unsigned: always positive */
		ok = bn != NULL && !BN_is_zero(bn);
	}
	ok = ok && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? 0 : -1;
}

static int add_exts(X509 *x, X509 *issuer, const char *device, bool encipher)
{
	char san[160];
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	snprintf(san, sizeof(san), "URI:%s", device);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(x, &ctx, NID_key_usage, encipher ? "critical,digitalSignature,keyEncipherment" :
		    "critical,digitalSignature,keyAgreement") != 0 ||
	    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth,clientAuth,ipsecEndSystem") != 0 ||
	    add_ext(x, &ctx, NID_subject_alt_name, san) != 0 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") != 0)
		return -1;
	/* AKI only when the issuer has an SKI to point at (RFC 5280 §4.2.1.1) */
	if (X509_get0_subject_key_id(issuer) != NULL &&
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid") != 0)
		return -1;
	return 0;
}

static bool device_ok(const char *d)
{
	size_t n = strlen(d), i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)d[i] < 0x21 || (unsigned char)d[i] > 0x7e || d[i] == ',')
			return false;
	return true;
}

int capf_lsc_issue(const struct capf_lsc_req *r, uint8_t **der, size_t *der_len, char *err,
		   size_t errlen)
{
	unsigned days = r->days ? r->days : CAPF_LSC_DAYS_DEFAULT;
	time_t now = r->now ? r->now : time(NULL);
	X509_NAME *subj = NULL;
	unsigned char *out = NULL, *pk = NULL;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int len, pklen, rc = -1;

	*der = NULL;
	*der_len = 0;
	if (r->device == NULL || !device_ok(r->device)) {
		sl_errf(err, errlen, "device name is empty, too long or has spaces/commas");
		return -1;
	}
	if (days > CAPF_LSC_DAYS_MAX) {
		sl_errf(err, errlen, "LSC validity %u days is out of range; use 1 to 3650", days);
		return -1;
	}
	if (r->issuer == NULL || r->issuer_key == NULL) {
		sl_errf(err, errlen, "no LSC issuer certificate or key configured");
		return -1;
	}
	k = spki_decode(r->spki, r->spki_len);
	if (k == NULL) {
		sl_errf(err, errlen, "PUBLIC_KEY is not one DER SubjectPublicKeyInfo");
		goto out;
	}
	if (key_check(k, r->want, err, errlen) != 0)
		goto out;
	subj = lsc_subject(r->device, r->issuer);
	x = X509_new();
	if (subj == NULL || x == NULL || !X509_set_version(x, X509_VERSION_3) ||
	    set_serial(x) != 0 || !X509_set_subject_name(x, subj) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(r->issuer)) ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, &now) == NULL ||
	    !X509_set_pubkey(x, k)) {
		sl_errf(err, errlen, "cannot build the LSC (out of memory?)");
		goto out;
	}
	if (add_exts(x, r->issuer, r->device,
		     !r->rfc5480_ku || EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) != 0) {
		sl_errf(err, errlen, "cannot add the LSC extensions");
		goto out;
	}
	/* spec §1.9: the key is the phone's SPKI unchanged */
	pklen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &pk);
	if (pklen < 0 || (size_t)pklen != r->spki_len || memcmp(pk, r->spki, r->spki_len) != 0) {
		sl_errf(err, errlen, "phone's public key is not in canonical DER; cannot keep it "
		     "unchanged");
		goto out;
	}
	if (X509_sign(x, r->issuer_key, EVP_sha256()) <= 0) {
		sl_errf(err, errlen, "the issuer key refused to sign the LSC; check the CAPF "
		     "issuer key");
		goto out;
	}
	len = i2d_X509(x, &out);
	if (len <= 0) {
		sl_errf(err, errlen, "cannot encode the LSC");
		goto out;
	}
	*der = out;
	*der_len = (size_t)len;
	rc = 0;
out:
	OPENSSL_free(pk);
	X509_NAME_free(subj);
	X509_free(x);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}
