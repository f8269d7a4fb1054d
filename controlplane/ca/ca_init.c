/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ca child: create or load the CA (SL_CP_CA_INIT). Only this process reads
 * ca.key; the parent names the directory and gets the certificate back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "ca_int.h"
#include "keys.h"
#include "log.h"

#define CA_KEY_NAME	"ca.key"
#define CA_CERT_NAME	"ca.pem"

void ca_state_clear(struct ca_state *st)
{
	EVP_PKEY_free(st->key);	/* OpenSSL wipes the private scalar */
	X509_free(st->cert);
	sl_key_free(st->tok);	/* after the proxy that uses it */
	st->key = NULL;
	st->cert = NULL;
	st->tok = NULL;
}

static int build_ca_cert(struct ca_state *st, const char *node_name,
			 char *err, size_t errlen)
{
	char cn[CA_CN_MAX + 1];
	X509_NAME *name = NULL;
	X509 *x = X509_new();

	/* The subject is truncated to RFC 5280's 64-character CN bound. */
	snprintf(cn, sizeof(cn), "Shieldlock CA %s", node_name);
	if (!x || !(name = X509_NAME_new()) ||
	    X509_set_version(x, X509_VERSION_3) != 1 || ca_set_serial(x) < 0 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    ca_set_validity(x, CA_CA_DAYS) < 0 ||
	    X509_set_pubkey(x, st->key) != 1 ||
	    /* RFC 5280 §4.2.1.9, §4.2.1.3: a CA that signs only end entities */
	    ca_add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") < 0 ||
	    ca_add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
	    ca_add_ext(x, x, NID_subject_key_identifier, "hash") < 0 ||
	    ca_add_ext(x, x, NID_authority_key_identifier, "keyid:always") < 0 ||
	    X509_sign(x, st->key, ca_digest_for(st->key)) <= 0) {
		snprintf(err, errlen, "cannot build the CA certificate: %s",
			 ca_ssl_error());
		X509_NAME_free(name);
		X509_free(x);
		return -EIO;
	}
	X509_NAME_free(name);
	st->cert = x;
	return 0;
}

static int create_ca(struct ca_state *st, const char *node_name,
		     const char *keyp, const char *certp, char *err, size_t errlen)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	st->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	if (!st->key) {
		snprintf(err, errlen, "cannot generate the CA key: %s", ca_ssl_error());
		return -EIO;
	}
	if ((rc = build_ca_cert(st, node_name, err, errlen)) < 0)
		return rc;
	if ((rc = ca_key_to_pem(st->key, &pem, &len)) < 0) {
		snprintf(err, errlen, "cannot encode the CA key: %s", ca_ssl_error());
		return rc;
	}
	rc = ca_write_file(keyp, pem, len, 0600, err, errlen);
	ca_free_file(pem, len);
	if (rc < 0)
		return rc;
	pem = ca_cert_to_pem(st->cert, &len);
	if (!pem) {
		snprintf(err, errlen, "cannot encode the CA certificate: %s",
			 ca_ssl_error());
		unlink(keyp);
		return -EIO;
	}
	rc = ca_write_file(certp, pem, len, 0644, err, errlen);
	free(pem);
	if (rc < 0) {
		unlink(keyp);	/* next start creates both again */
		return rc;
	}
	log_notice("created CA %s (EC P-384) and its certificate %s, valid %d days",
		   keyp, certp, CA_CA_DAYS);
	return 0;
}

static int load_ca(struct ca_state *st, const char *keyp, const char *certp,
		   char *err, size_t errlen)
{
	char *data = NULL, kerr[256];
	size_t len = 0;
	int rc;

	if ((rc = ca_read_file(keyp, true, &data, &len, err, errlen)) < 0)
		return rc;
	st->key = ca_key_from_pem(data, len);
	ca_free_file(data, len);
	if (!st->key) {
		snprintf(err, errlen, "%s is not an unencrypted PEM private key "
			 "(%s); restore it from a backup", keyp, ca_ssl_error());
		return -EINVAL;
	}
	if (ca_key_check(st->key, false, kerr, sizeof(kerr)) < 0) {
		snprintf(err, errlen, "%s: %s", keyp, kerr);
		return -EINVAL;
	}
	if ((rc = ca_read_file(certp, false, &data, &len, err, errlen)) < 0)
		return rc;
	st->cert = ca_cert_from_pem(data, len);
	free(data);
	if (!st->cert) {
		snprintf(err, errlen, "%s is not a PEM certificate (%s); restore it "
			 "from a backup", certp, ca_ssl_error());
		return -EINVAL;
	}
	if (X509_check_private_key(st->cert, st->key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s is not the certificate of %s; restore the "
			 "matching pair from a backup", certp, keyp);
		return -EINVAL;
	}
	if (X509_check_ca(st->cert) < 1) {
		snprintf(err, errlen, "%s is not a CA certificate (no CA:TRUE); "
			 "restore the CA certificate from a backup", certp);
		return -EINVAL;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(st->cert)) <= 0)
		log_warn("CA certificate %s has expired: certificates it issued no "
			 "longer verify; see docs/keys.md to replace the CA", certp);
	return 0;
}

/*
 * The CA key in a PKCS#11 token (issue 5 §1): signing goes through a proxy
 * EVP_PKEY, so ca_sign.c and LSC issuing work unchanged; the certificate is
 * <ca_dir>/ca.pem, created self-signed by the token key when missing.
 */
static int token_ca(struct ca_state *st, const char *node_name, const char *ref,
		    const char *certp, char *err, size_t errlen)
{
	char *data = NULL, kerr[256], *pem;
	size_t len = 0;
	int rc;

	st->tok = sl_key_open(ref, err, errlen);
	if (!st->tok)
		return -EIO;
	st->key = sl_keyproxy_new(sl_key_public(st->tok), &sl_key_proxy_ops, st->tok, err,
				  errlen);
	if (!st->key)
		return -EIO;
	if (ca_key_check(sl_key_public(st->tok), true, kerr, sizeof(kerr)) < 0) {
		snprintf(err, errlen, "the CA key %s: %s", sl_key_describe(st->tok), kerr);
		return -EINVAL;
	}
	rc = ca_read_file(certp, false, &data, &len, err, errlen);
	if (rc == 0) {
		st->cert = ca_cert_from_pem(data, len);
		free(data);
		if (!st->cert || EVP_PKEY_eq(X509_get0_pubkey(st->cert), sl_key_public(st->tok)) != 1 ||
		    X509_check_ca(st->cert) < 1) {
			ERR_clear_error();
			snprintf(err, errlen, "%s is not the CA certificate of the token key %s; "
				 "restore the matching certificate, or move it away to create one",
				 certp, sl_key_describe(st->tok));
			return -EINVAL;
		}
		return 0;
	}
	if (rc != -ENOENT)
		return rc;
	if ((rc = build_ca_cert(st, node_name, err, errlen)) < 0)
		return rc;
	pem = ca_cert_to_pem(st->cert, &len);
	if (!pem) {
		snprintf(err, errlen, "cannot encode the CA certificate: %s", ca_ssl_error());
		return -EIO;
	}
	rc = ca_write_file(certp, pem, len, 0644, err, errlen);
	free(pem);
	if (rc == 0)
		log_notice("created the CA certificate %s for the token key %s, valid %d days",
			   certp, sl_key_describe(st->tok), CA_CA_DAYS);
	return rc;
}

int ca_init(struct ca_state *st, const char *node_name, const char *ca_dir,
	    const char *key_ref, char *err, size_t errlen)
{
	char keyp[CA_PATH_MAX], certp[CA_PATH_MAX];
	int ke, ce, rc;

	ca_state_clear(st);
	if (!node_name[0] || !ca_printable(node_name, strlen(node_name))) {
		snprintf(err, errlen, "node_name \"%s\" is empty or not printable "
			 "ASCII; set [general] node_name", node_name);
		return -EINVAL;
	}
	if (ca_dir[0] != '/') {
		snprintf(err, errlen, "CA directory \"%s\" is not an absolute path; "
			 "set [general] state_dir to an absolute path", ca_dir);
		return -EINVAL;
	}
	if ((rc = ca_mkdir(ca_dir, 0700, true, err, errlen)) < 0)
		return rc;
	if (ca_join(keyp, sizeof(keyp), ca_dir, CA_KEY_NAME) < 0 ||
	    ca_join(certp, sizeof(certp), ca_dir, CA_CERT_NAME) < 0) {
		snprintf(err, errlen, "CA directory %s is too long", ca_dir);
		return -ENAMETOOLONG;
	}
	if (key_ref && key_ref[0]) {
		if (strncmp(key_ref, "pkcs11:", 7)) {
			snprintf(err, errlen, "the CA key reference must be a pkcs11: URI");
			return -EINVAL;
		}
		rc = token_ca(st, node_name, key_ref, certp, err, errlen);
		if (rc < 0)
			ca_state_clear(st);
		return rc;
	}
	ke = ca_exists(keyp);
	ce = ca_exists(certp);
	if (ke < 0 || ce < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", ke < 0 ? keyp : certp,
			 strerror(-(ke < 0 ? ke : ce)));
		return ke < 0 ? ke : ce;
	}
	if (ke && !ce) {
		snprintf(err, errlen, "%s exists but %s is missing; restore it from "
			 "a backup, or move %s away to create a new CA (certificates "
			 "the old CA issued will no longer verify)", keyp, certp, keyp);
		return -ENOENT;
	}
	if (!ke && ce) {
		snprintf(err, errlen, "%s exists but its key %s is missing; restore "
			 "the key from a backup, or move %s away to create a new CA "
			 "(certificates the old CA issued will no longer verify)",
			 certp, keyp, certp);
		return -ENOENT;
	}
	rc = ke ? load_ca(st, keyp, certp, err, errlen) :
		  create_ca(st, node_name, keyp, certp, err, errlen);
	if (rc < 0)
		ca_state_clear(st);
	return rc;
}
