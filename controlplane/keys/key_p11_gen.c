/* SPDX-License-Identifier: BSD-3-Clause */
/* Key pairs generated inside a PKCS#11 token (C_GenerateKeyPair). */
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include "key_p11.h"

/* Refuses to generate over an existing key with the same label or id. */
static int check_free_name(struct p11_ctx *c, CK_ATTRIBUTE *lab, CK_ATTRIBUTE *id, char *err,
			   size_t errlen)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_OBJECT_HANDLE h[MAX_MATCHES];
	CK_ULONG n = 0;
	char found[256];

	for (int i = 0; i < 2; i++) {
		CK_ATTRIBUTE t[2] = { { CKA_CLASS, &cls, sizeof(cls) }, i ? *id : *lab };
		if (sl_p11_find_objects(c, t, 2, h, MAX_MATCHES, &n) < 0) {
			sl_keys_errf(err, errlen, "cannot search token \"%s\"", c->token);
			return -1;
		}
		if (n > 0) {
			sl_p11_list_objects(c, h, n, found, sizeof(found));
			sl_keys_errf(err, errlen, "token \"%s\" already holds a private key with "
				     "this %s (%s): choose another object=/id= or delete the "
				     "old key (pkcs11-tool --delete-object)", c->token,
				     i ? "id" : "label", found);
			return -1;
		}
	}
	return 0;
}

int sl_p11_generate(const char *uri, enum sl_key_type type, int param, char *err,
		    size_t errlen)
{
	struct p11_ctx c;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = param ? (CK_ULONG)param : 2048;
	static const CK_BYTE e65537[] = { 0x01, 0x00, 0x01 };
	unsigned char *ecp = NULL;
	int ecplen = 0, ret = -1;

	if (sl_p11_ctx_begin(&c, uri, 1, err, errlen) < 0)
		goto out;
	CK_ATTRIBUTE *lab = p11_kit_uri_get_attribute(c.uri, CKA_LABEL);
	CK_ATTRIBUTE *id = p11_kit_uri_get_attribute(c.uri, CKA_ID);
	if (lab == NULL || id == NULL || lab->ulValueLen == 0 || id->ulValueLen == 0) {
		sl_keys_errf(err, errlen, "generating a key in a token needs object=LABEL and "
			     "id=%%XX in the URI");
		goto out;
	}
	if (check_free_name(&c, lab, id, err, errlen) < 0)
		goto out;

	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pubt[8] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		*lab, *id,
	};
	CK_ULONG npub = 4;
	CK_ATTRIBUTE privt[10] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		*lab, *id,
	};
	CK_ULONG npriv = 7;
	if (type == SL_KEY_RSA) {
		if (bits < 1024 || bits > SL_KEYS_MAX_RSA_BYTES * 8) {
			sl_keys_errf(err, errlen, "RSA key size %lu not in 1024..%d",
				     (unsigned long)bits, SL_KEYS_MAX_RSA_BYTES * 8);
			goto out;
		}
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) };
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, (void *)e65537,
					       sizeof(e65537) };
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_ENCRYPT, &yes, sizeof(yes) };
		privt[npriv++] = (CK_ATTRIBUTE){ CKA_DECRYPT, &yes, sizeof(yes) };
	} else {
		int nid = param ? param : NID_X9_62_prime256v1;
		ASN1_OBJECT *o = OBJ_nid2obj(nid);
		if (o == NULL || OBJ_length(o) == 0 || (ecplen = i2d_ASN1_OBJECT(o, &ecp)) <= 0) {
			sl_keys_errf(err, errlen, "unknown EC curve (NID %d): use P-256, P-384 "
				     "or P-521", nid);
			goto out;
		}
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		pubt[npub++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, ecp, (CK_ULONG)ecplen };
	}
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv = c.mod->C_GenerateKeyPair(c.sess, &mech, pubt, npub, privt, npriv, &hpub,
					    &hpriv);
	if (rv != CKR_OK) {
		sl_keys_errf(err, errlen, "token \"%s\" failed to generate the key pair: %s",
			     c.token, p11_kit_strerror(rv));
		goto out;
	}
	ret = 0;
out:
	OPENSSL_free(ecp);
	sl_p11_ctx_done(&c);
	return ret;
}
