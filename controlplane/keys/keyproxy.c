/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy EVP_PKEY: the public key of a key held elsewhere (another
 * process, a token) whose private operations call sl_keyproxy_ops.
 *
 * Why the deprecated RSA_METHOD / EC_KEY_METHOD: the non-deprecated way is
 * an OpenSSL 3 provider (keymgmt + signature + asym-cipher, with PSS and
 * AlgorithmIdentifier encoding), far more code, and Debian 12 ships no
 * pkcs11-provider to reuse. So the deprecated API is used here, in this one
 * file only, with the deprecation warnings suppressed for it alone.
 *
 * RSA: the key is a provider-native key of OpenSSL's default provider whose
 * inner RSA object carries our RSA_METHOD. The default provider then does
 * all the padding (PKCS#1 v1.5, PSS, the TLS premaster check with implicit
 * rejection) and calls RSA_private_encrypt/RSA_private_decrypt, which reach
 * the method. (A "foreign" legacy RSA key would take the legacy
 * EVP_PKEY_METHOD path instead, which in OpenSSL 3.0 cannot do TLS RSA key
 * exchange: RSA_PKCS1_WITH_TLS_PADDING and the "tls-client-version"
 * parameter are refused there, OpenSSL issues #21062, #25401, #25791.)
 * The default provider creates that RSA object with RSA_get_default_method(),
 * so the method is made the default for the duration of EVP_PKEY_fromdata()
 * only: call sl_keyproxy_new() while no other thread creates RSA keys.
 *
 * EC: a "foreign" legacy EC_KEY with our EC_KEY_METHOD; the legacy path
 * calls ECDSA_sign, which reaches the method, for X509_sign, EVP_DigestSign
 * and libssl.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "keys_int.h"

struct proxy {
	const struct sl_keyproxy_ops *ops;
	void *arg;
	RSA_METHOD *meth;	/* RSA: our own method, app data = this */
	int owned;		/* freed with the key (set once the key exists) */
};

static void proxy_free(struct proxy *p)
{
	if (p->ops->free != NULL)
		p->ops->free(p->arg);
	OPENSSL_free(p);
}

/* --- RSA --- */

static struct proxy *rsa_proxy_of(RSA *rsa)
{
	return RSA_meth_get0_app_data(RSA_get_method(rsa));
}

/* Results of the private operation are exactly the modulus size (RFC 8017
 * §5.1.2 I2OSP with length k): left-pad what a token may have shortened. */
static int pad_left(unsigned char *to, size_t outlen, size_t mlen)
{
	if (outlen > mlen)
		return -1;
	if (outlen < mlen) {
		memmove(to + (mlen - outlen), to, outlen);
		memset(to, 0, mlen - outlen);
	}
	return (int)mlen;
}

static int rsa_pad_of(int padding, enum sl_rsa_pad *pad)
{
	if (padding == RSA_NO_PADDING)
		*pad = SL_RSA_PAD_NONE;
	else if (padding == RSA_PKCS1_PADDING)
		*pad = SL_RSA_PAD_PKCS1;
	else {
		ERR_raise_data(ERR_LIB_RSA, RSA_R_UNKNOWN_PADDING_TYPE,
			       "proxy key: padding %d", padding);
		return -1;
	}
	return 0;
}

static int rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
			int padding)
{
	struct proxy *p = rsa_proxy_of(rsa);
	size_t mlen = (size_t)RSA_size(rsa), outlen = mlen;
	enum sl_rsa_pad pad;

	if (rsa_pad_of(padding, &pad) < 0)
		return -1;
	if (p == NULL || flen < 0 || p->ops->rsa_private == NULL ||
	    p->ops->rsa_private(p->arg, SL_RSA_SIGN, pad, from, (size_t)flen, to, &outlen) < 0 ||
	    outlen > mlen) {
		ERR_raise_data(ERR_LIB_RSA, ERR_R_OPERATION_FAIL, "proxy key: sign failed");
		return -1;
	}
	return pad_left(to, outlen, mlen);
}

/* With RSA_NO_PADDING (what the default provider asks for the TLS
 * premaster, checking the padding itself in constant time) the result is
 * the whole block; with PKCS#1 the message. */
static int rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
			int padding)
{
	struct proxy *p = rsa_proxy_of(rsa);
	size_t mlen = (size_t)RSA_size(rsa), outlen = mlen;
	enum sl_rsa_pad pad;

	if (rsa_pad_of(padding, &pad) < 0)
		return -1;
	if (p == NULL || flen < 0 || p->ops->rsa_private == NULL ||
	    p->ops->rsa_private(p->arg, SL_RSA_DECRYPT, pad, from, (size_t)flen, to,
				&outlen) < 0 || outlen > mlen) {
		ERR_raise_data(ERR_LIB_RSA, ERR_R_OPERATION_FAIL, "proxy key: decrypt failed");
		return -1;
	}
	return pad == SL_RSA_PAD_NONE ? pad_left(to, outlen, mlen) : (int)outlen;
}

static int rsa_finish(RSA *rsa)
{
	RSA_METHOD *m = (RSA_METHOD *)RSA_get_method(rsa);
	struct proxy *p = RSA_meth_get0_app_data(m);
	int (*def_finish)(RSA *) = RSA_meth_get_finish(RSA_PKCS1_OpenSSL());

	if (def_finish != NULL)
		def_finish(rsa);
	/* RSA_free() no longer looks at the method after finish */
	if (p != NULL && p->owned) {
		proxy_free(p);
		RSA_meth_free(m);
	}
	return 1;
}

static EVP_PKEY *rsa_proxy(EVP_PKEY *pub, struct proxy *p)
{
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;

	p->meth = RSA_meth_dup(RSA_PKCS1_OpenSSL());
	if (p->meth == NULL || !RSA_meth_set1_name(p->meth, "shieldlock proxy") ||
	    !RSA_meth_set_priv_enc(p->meth, rsa_priv_enc) ||
	    !RSA_meth_set_priv_dec(p->meth, rsa_priv_dec) ||
	    !RSA_meth_set_finish(p->meth, rsa_finish) ||
	    !RSA_meth_set_flags(p->meth, RSA_meth_get_flags(p->meth) | RSA_FLAG_EXT_PKEY) ||
	    !RSA_meth_set0_app_data(p->meth, p))
		goto out;
	if (!EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e) ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", "provider=default")) == NULL ||
	    EVP_PKEY_fromdata_init(pc) <= 0)
		goto out;
	const RSA_METHOD *old = RSA_get_default_method();
	RSA_set_default_method(p->meth);
	int ok = EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params) > 0;
	RSA_set_default_method(old);
	if (!ok)
		pk = NULL;
out:
	if (pk != NULL)
		p->owned = 1;
	else if (p->meth != NULL)
		RSA_meth_free(p->meth);
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(pc);
	return pk;
}

/* --- EC --- */

/* Created once per process and never freed (every proxy EC key points at
 * the method). */
static CRYPTO_ONCE ec_once = CRYPTO_ONCE_STATIC_INIT;
static int ec_idx = -1;
static EC_KEY_METHOD *ec_meth;

static void ec_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
		       void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (ptr != NULL)
		proxy_free(ptr);
}

static int ec_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
		   unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *eckey)
{
	struct proxy *p = EC_KEY_get_ex_data(eckey, ec_idx);
	size_t len = (size_t)ECDSA_size(eckey);

	(void)type, (void)kinv, (void)r;
	if (p == NULL || dlen < 0 || p->ops->ecdsa_sign == NULL ||
	    p->ops->ecdsa_sign(p->arg, dgst, (size_t)dlen, sig, &len) < 0) {
		ERR_raise_data(ERR_LIB_EC, ERR_R_OPERATION_FAIL, "proxy key: ECDSA failed");
		return 0;
	}
	*siglen = (unsigned int)len;
	return 1;
}

static ECDSA_SIG *ec_do_sign(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
			     const BIGNUM *r, EC_KEY *eckey)
{
	unsigned char buf[160];
	unsigned int len = 0;

	if (ECDSA_size(eckey) > (int)sizeof(buf) ||
	    !ec_sign(0, dgst, dlen, buf, &len, kinv, r, eckey))
		return NULL;
	const unsigned char *q = buf;
	return d2i_ECDSA_SIG(NULL, &q, (long)len);
}

static void ec_init(void)
{
	ec_idx = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_EC_KEY, 0, NULL, NULL, NULL,
					 ec_free_cb);
	/* start from the default: public operations stay OpenSSL's own */
	ec_meth = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
	if (ec_meth != NULL)
		EC_KEY_METHOD_set_sign(ec_meth, ec_sign, NULL, ec_do_sign);
}

static EVP_PKEY *ec_proxy(EVP_PKEY *pub, struct proxy *p)
{
	char group[64];
	unsigned char pt[160];
	size_t ptlen = 0;
	EC_KEY *ek = NULL;
	EVP_PKEY *pk = NULL;
	int nid;

	if (!CRYPTO_THREAD_run_once(&ec_once, ec_init) || ec_idx < 0 || ec_meth == NULL)
		return NULL;
	if (!EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group,
					    sizeof(group), NULL) ||
	    (nid = OBJ_sn2nid(group)) == NID_undef ||
	    !EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt),
					     &ptlen) ||
	    (ek = EC_KEY_new_by_curve_name(nid)) == NULL ||
	    !EC_KEY_set_method(ek, ec_meth) || !EC_KEY_oct2key(ek, pt, ptlen, NULL)) {
		EC_KEY_free(ek);
		return NULL;
	}
	if ((pk = EVP_PKEY_new()) == NULL || !EC_KEY_set_ex_data(ek, ec_idx, p) ||
	    !EVP_PKEY_assign_EC_KEY(pk, ek)) {
		EC_KEY_set_ex_data(ek, ec_idx, NULL);	/* the caller keeps p */
		EC_KEY_free(ek);
		EVP_PKEY_free(pk);
		return NULL;
	}
	p->owned = 1;
	return pk;
}

EVP_PKEY *sl_keyproxy_new(EVP_PKEY *pub, const struct sl_keyproxy_ops *ops, void *arg,
			  char *err, size_t errlen)
{
	struct proxy *p;
	EVP_PKEY *pk = NULL;

	if (pub == NULL || ops == NULL) {
		sl_keys_errf(err, errlen, "proxy key needs a public key and operations");
		return NULL;
	}
	p = OPENSSL_zalloc(sizeof(*p));
	if (p == NULL) {
		sl_keys_errf(err, errlen, "out of memory");
		return NULL;
	}
	p->ops = ops;
	p->arg = arg;
	if (EVP_PKEY_is_a(pub, "RSA"))
		pk = rsa_proxy(pub, p);
	else if (EVP_PKEY_is_a(pub, "EC"))
		pk = ec_proxy(pub, p);
	else {
		sl_keys_errf(err, errlen, "proxy keys are RSA or EC, not %s",
			     EVP_PKEY_get0_type_name(pub));
		OPENSSL_free(p);
		return NULL;
	}
	if (pk == NULL) {
		sl_keys_errf(err, errlen, "cannot build the proxy key");
		sl_keys_err_ossl(err, errlen);
		OPENSSL_free(p);	/* arg stays the caller's */
	}
	return pk;
}
