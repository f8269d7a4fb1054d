/* SPDX-License-Identifier: BSD-3-Clause */
/* Keys in SoftHSM2 tokens and files, and the proxy key (suite 'unit'). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "test_keys.h"

const char *tk_path(const char *name)
{
	static char buf[4][1024];
	static int i;
	const char *dir = getenv("SL_KEYS_DIR");

	ck_assert_msg(dir != NULL, "run through softhsm-setup.sh");
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

const char *tk_uri(const char *path, const char *query)
{
	static char buf[4][2048];
	static int i;
	const char *mod = getenv("SL_KEYS_MODULE");

	ck_assert(mod != NULL);
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "pkcs11:%s?module-path=%s%s%s", path, mod,
		 query[0] ? "&" : "", query);
	return buf[i];
}

const char *tk_openssl(void)
{
	const char *o = getenv("OPENSSL");
	return o ? o : "openssl";
}

struct sl_key *tk_open(const char *ref)
{
	char err[512] = "";
	struct sl_key *k = sl_key_open(ref, err, sizeof(err));
	ck_assert_msg(k != NULL, "open %s: %s", ref, err);
	return k;
}

EVP_PKEY *tk_read_pub(const char *pem_path)
{
	FILE *f = fopen(pem_path, "r");
	ck_assert_msg(f != NULL, "%s", pem_path);
	EVP_PKEY *pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_msg(pk != NULL, "%s", pem_path);
	return pk;
}

static int verify(EVP_PKEY *pub, const EVP_MD *md, const uint8_t *dg, size_t dl,
		  const uint8_t *sig, size_t sl)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pub, NULL);
	int ok = c != NULL && EVP_PKEY_verify_init(c) > 0 &&
		 (!EVP_PKEY_is_a(pub, "RSA") ||
		  EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0) &&
		 EVP_PKEY_CTX_set_signature_md(c, md) > 0 &&
		 EVP_PKEY_verify(c, sig, sl, dg, dl) == 1;
	EVP_PKEY_CTX_free(c);
	return ok;
}

void tk_sign_verify_all(struct sl_key *k, EVP_PKEY *indep)
{
	static const struct {
		enum sl_hash h;
		const char *name;
	} hs[] = { { SL_HASH_SHA1, "SHA1" }, { SL_HASH_SHA256, "SHA256" },
		   { SL_HASH_SHA512, "SHA512" } };
	static const char msg[] = "Shieldlock CTLFile.tlv test message";

	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		const EVP_MD *md = EVP_get_digestbyname(hs[i].name);
		uint8_t dg[64], sig[1024];
		unsigned dl = 0;
		size_t sl = sizeof(sig);
		char err[512] = "";

		ck_assert(EVP_Digest(msg, sizeof(msg) - 1, dg, &dl, md, NULL));
		ck_assert_msg(sl_key_sign_digest(k, hs[i].h, dg, dl, sig, &sl, err,
						 sizeof(err)) == 0, "%s: %s", hs[i].name, err);
		if (sl_key_type(k) == SL_KEY_RSA)
			ck_assert_uint_eq(sl, (size_t)EVP_PKEY_get_size(sl_key_public(k)));
		ck_assert_msg(verify(sl_key_public(k), md, dg, dl, sig, sl), "%s own pub",
			      hs[i].name);
		ck_assert_msg(verify(indep, md, dg, dl, sig, sl), "%s exported pub",
			      hs[i].name);
		dg[0] ^= 1;
		ck_assert_msg(!verify(indep, md, dg, dl, sig, sl), "%s tampered", hs[i].name);
		/* the digest length must match the hash */
		sl = sizeof(sig);
		ck_assert_int_eq(sl_key_sign_digest(k, hs[i].h, dg, dl - 1, sig, &sl, err,
						    sizeof(err)), -1);
	}
}

int tk_run(const char *cmd)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s 1>&2", cmd);
	int st = system(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
	Suite *s = suite_create("keys");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tcase_token());
	suite_add_tcase(s, tcase_refuse());
	suite_add_tcase(s, tcase_file());
	suite_add_tcase(s, tcase_proxy());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
