/* SPDX-License-Identifier: BSD-3-Clause */
/* Making the golden files from the TEST-ONLY fixtures (see golden.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "golden.h"
#include "sgn.h"

const char *const golden_names[GOLDEN_COUNT] = {
	[GOLDEN_CTL] = "CTLFile.tlv",
	[GOLDEN_ITL] = "ITLFile.tlv",
	[GOLDEN_SGN_SHA1] = "SEP001122334455.cnf.xml.sgn",
	[GOLDEN_SGN_SHA512] = "SEP001122334455.cnf.xml.sha512.sgn",
};

uint8_t *golden_read(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	uint8_t *buf = NULL;
	long n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(fp);
	return buf;
}

X509 *golden_cert(const char *dir, const char *name)
{
	char path[4096];
	X509 *x = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "r");
	if (fp) {
		x = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	return x;
}

EVP_PKEY *golden_key(const char *dir, const char *name)
{
	char path[4096];
	EVP_PKEY *k = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "r");
	if (fp) {
		k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	return k;
}

int golden_load(const char *d, struct golden_fixtures *f)
{
	memset(f, 0, sizeof(*f));
	f->sast_a = golden_cert(d, "sast-a-test.pem");
	f->sast_b = golden_cert(d, "sast-b-test.pem");
	f->tftp = golden_cert(d, "tftp-test.pem");
	f->capf = golden_cert(d, "capf-test.pem");
	f->phone = golden_cert(d, "phone-test.pem");
	f->ccm_ec = golden_cert(d, "ccm-ec-test.pem");
	f->sast_a_key = golden_key(d, "sast-a-test.key");
	f->sast_b_key = golden_key(d, "sast-b-test.key");
	f->tftp_key = golden_key(d, "tftp-test.key");
	f->capf_key = golden_key(d, "capf-test.key");
	f->phone_key = golden_key(d, "phone-test.key");
	f->ccm_ec_key = golden_key(d, "ccm-ec-test.key");
	f->cnf = golden_read(d, GOLDEN_CNF, &f->cnf_len);
	if (!f->sast_a || !f->sast_b || !f->tftp || !f->capf || !f->phone || !f->ccm_ec ||
	    !f->sast_a_key || !f->sast_b_key || !f->tftp_key || !f->capf_key || !f->phone_key ||
	    !f->ccm_ec_key || !f->cnf) {
		golden_free(f);
		return -ENOENT;
	}
	return 0;
}

void golden_free(struct golden_fixtures *f)
{
	X509_free(f->sast_a);
	X509_free(f->sast_b);
	X509_free(f->tftp);
	X509_free(f->capf);
	X509_free(f->phone);
	X509_free(f->ccm_ec);
	EVP_PKEY_free(f->sast_a_key);
	EVP_PKEY_free(f->sast_b_key);
	EVP_PKEY_free(f->tftp_key);
	EVP_PKEY_free(f->capf_key);
	EVP_PKEY_free(f->phone_key);
	EVP_PKEY_free(f->ccm_ec_key);
	free(f->cnf);
	memset(f, 0, sizeof(*f));
}

int golden_make(const struct golden_fixtures *f, enum golden_file which, uint8_t **out,
		size_t *len, char *err, size_t errlen)
{
	struct sl_sgn_signer s;
	const struct sl_tlv_entry ctl[] = {
		{ f->sast_a, SL_ROLE_SAST },
		{ f->sast_b, SL_ROLE_SAST },
		{ f->ccm_ec, SL_ROLE_CCM },
		{ f->tftp, SL_ROLE_TFTP },
		{ f->capf, SL_ROLE_CAPF },
	};
	const struct sl_tlv_entry itl[] = {
		{ f->sast_a, SL_ROLE_SAST },
		{ f->tftp, SL_ROLE_TFTP },
		{ f->ccm_ec, SL_ROLE_CCM },
		{ f->capf, SL_ROLE_CAPF },
	};

	switch (which) {
	case GOLDEN_CTL:
		sl_sgn_signer_from_pkey(&s, f->sast_a, f->sast_a_key, SL_HASH_SHA1);
		return sl_tlv_build(&s, SL_TLV_CTL, 0, GOLDEN_TIMESTAMP, ctl,
				    sizeof(ctl) / sizeof(ctl[0]), out, len, err, errlen);
	case GOLDEN_ITL:
		sl_sgn_signer_from_pkey(&s, f->sast_a, f->sast_a_key, SL_HASH_SHA1);
		return sl_tlv_build(&s, SL_TLV_ITL, 1, GOLDEN_TIMESTAMP, itl,
				    sizeof(itl) / sizeof(itl[0]), out, len, err, errlen);
	case GOLDEN_SGN_SHA1:
	case GOLDEN_SGN_SHA512:
		sl_sgn_signer_from_pkey(&s, f->tftp, f->tftp_key,
					which == GOLDEN_SGN_SHA1 ? SL_HASH_SHA1 : SL_HASH_SHA512);
		return sl_sgn_build(&s, GOLDEN_CNF ".sgn", GOLDEN_TIMESTAMP, f->cnf, f->cnf_len, out,
				    len, err, errlen);
	default:
		return -EINVAL;
	}
}
