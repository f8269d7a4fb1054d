/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ca child: the provisioning keys (issue 5 §1; docs/keys-tokens.md). The
 * SAST keys sign the trust lists, the TFTP key signs configuration files,
 * the CAPF key is CAPF's TLS identity. Each is a PEM file or a key in a
 * PKCS#11 token (controlplane/keys); this process is the only one that
 * opens them. Other processes get signatures over digests (parent) or the
 * raw private operations a TLS handshake needs (prov, CAPF key only).
 *
 * Certificates: a missing one is created self-signed for its key (through
 * a proxy EVP_PKEY, so a token key signs its own certificate without
 * leaving the token); an existing one must hold the key's public key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "ca_int.h"
#include "keys.h"
#include "log.h"

#define PROV_CERT_DAYS_SAST	3650	/* tokens outlive the appliance's certificates */
#define PROV_CERT_DAYS		1825
#define PROV_RSA_BITS		2048	/* spec §2.2: file signers must be RSA */

static const char *const key_names[SL_KEY__COUNT] = {
	[SL_KEY_SAST1] = "sast1", [SL_KEY_SAST2] = "sast2",
	[SL_KEY_TFTP] = "tftp", [SL_KEY_CAPF] = "capf",
};

const char *ca_key_name(unsigned id)
{
	return id < SL_KEY__COUNT ? key_names[id] : "?";
}

void ca_prov_clear(struct ca_prov *p)
{
	for (unsigned i = 0; i < SL_KEY__COUNT; i++) {
		sl_key_free(p->key[i]);
		X509_free(p->cert[i]);
		p->key[i] = NULL;
		p->cert[i] = NULL;
	}
	p->loaded = false;
}

static bool is_uri(const char *ref)
{
	return strncmp(ref, "pkcs11:", 7) == 0;
}

/* Subject of a created certificate: CN=<node>-<name>, OU=<role>, O=Shieldlock. */
static int build_self_signed(unsigned id, const char *node, struct sl_key *k, X509 **out,
			     char *err, size_t errlen)
{
	static const char *const ou[SL_KEY__COUNT] = {
		[SL_KEY_SAST1] = "SAST", [SL_KEY_SAST2] = "SAST",
		[SL_KEY_TFTP] = "TFTP", [SL_KEY_CAPF] = "CAPF",
	};
	char cn[CA_CN_MAX + 1];
	X509_NAME *name = NULL;
	EVP_PKEY *proxy;
	X509 *x = NULL;
	int ok = 0;

	proxy = sl_keyproxy_new(sl_key_public(k), &sl_key_proxy_ops, k, err, errlen);
	if (!proxy)
		return -EIO;
	snprintf(cn, sizeof(cn), "%s-%s", node, key_names[id]);
	if ((x = X509_new()) && (name = X509_NAME_new()) &&
	    X509_set_version(x, X509_VERSION_3) == 1 && ca_set_serial(x) == 0 &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_NAME_add_entry_by_NID(name, NID_organizationalUnitName, MBSTRING_UTF8,
				       (const unsigned char *)ou[id], -1, -1, 0) == 1 &&
	    X509_NAME_add_entry_by_NID(name, NID_organizationName, MBSTRING_UTF8,
				       (const unsigned char *)"Shieldlock", -1, -1, 0) == 1 &&
	    X509_set_subject_name(x, name) == 1 && X509_set_issuer_name(x, name) == 1 &&
	    ca_set_validity(x, id <= SL_KEY_SAST2 ? PROV_CERT_DAYS_SAST : PROV_CERT_DAYS) == 0 &&
	    X509_set_pubkey(x, sl_key_public(k)) == 1 &&
	    /* Not CAs: our CA issues LSCs (docs/capf.md); these only sign files
	     * (SAST, TFTP) or authenticate CAPF's TLS server. */
	    ca_add_ext(x, x, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
	    ca_add_ext(x, x, NID_key_usage, id == SL_KEY_CAPF ?
		       "critical,digitalSignature,keyEncipherment" :
		       "critical,digitalSignature") == 0 &&
	    (id != SL_KEY_CAPF || ca_add_ext(x, x, NID_ext_key_usage, "serverAuth") == 0) &&
	    ca_add_ext(x, x, NID_subject_key_identifier, "hash") == 0 &&
	    X509_sign(x, proxy, EVP_sha256()) > 0)
		ok = 1;
	if (!ok) {
		snprintf(err, errlen, "cannot create the %s certificate: %s", key_names[id],
			 ca_ssl_error());
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(name);
	EVP_PKEY_free(proxy);
	*out = x;
	return ok ? 0 : -EIO;
}

static int write_cert(const char *path, X509 *x, char *err, size_t errlen)
{
	size_t len;
	char *pem = ca_cert_to_pem(x, &len);
	char dir[CA_PATH_MAX];
	char *slash;
	int rc;

	if (!pem) {
		snprintf(err, errlen, "cannot encode %s: %s", path, ca_ssl_error());
		return -EIO;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if ((rc = ca_mkdirs(dir, 0755, err, errlen)) < 0) {
			free(pem);
			return rc;
		}
	}
	rc = ca_write_file(path, pem, len, 0644, err, errlen);
	free(pem);
	return rc;
}

static int ensure_key_file(const char *path, char *err, size_t errlen)
{
	char dir[CA_PATH_MAX];
	char *slash;
	int rc = ca_exists(path);

	if (rc == 1)
		return 0;
	if (rc < 0) {
		snprintf(err, errlen, "cannot look at %s: %s", path, strerror(-rc));
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if ((rc = ca_mkdir(dir, 0700, true, err, errlen)) < 0)
			return rc;
	}
	if (sl_key_generate_file(path, SL_KEY_RSA, PROV_RSA_BITS, err, errlen) < 0)
		return -EIO;
	log_notice("created the signing key %s (RSA %d)", path, PROV_RSA_BITS);
	return 0;
}

/* Opens key id (creating a missing key file) and loads or creates its certificate. */
static int load_one(struct ca_prov *p, unsigned id, bool regenerate, char *err, size_t errlen)
{
	const char *ref = p->conf.ref[id], *certp = p->conf.cert[id];
	struct sl_key *k = NULL;
	char *pem = NULL;
	size_t len = 0;
	X509 *x = NULL;
	int rc;

	if (!strcmp(ref, "off"))
		return 0;
	if (!is_uri(ref)) {
		if (regenerate) {
			if (sl_key_generate_file(ref, SL_KEY_RSA, PROV_RSA_BITS, err, errlen) < 0)
				return -EIO;
			log_notice("regenerated the signing key %s (RSA %d)", ref, PROV_RSA_BITS);
		} else if ((rc = ensure_key_file(ref, err, errlen)) < 0) {
			return rc;
		}
	}
	k = sl_key_open(ref, err, errlen);
	if (!k)
		return -EIO;
	if (sl_key_type(k) != SL_KEY_RSA) {
		/* spec §2.2 step 1: the file formats only know RSA signers. */
		snprintf(err, errlen, "the %s key (%s) is not RSA; signers of phone files and "
			 "the CAPF TLS key must be RSA (2048 bits recommended)", key_names[id],
			 sl_key_describe(k));
		sl_key_free(k);
		return -EINVAL;
	}
	rc = regenerate ? -ENOENT : ca_read_file(certp, false, &pem, &len, err, errlen);
	if (rc == 0) {
		x = ca_cert_from_pem(pem, len);
		ca_free_file(pem, len);
		if (!x) {
			snprintf(err, errlen, "%s is not a PEM certificate: %s; fix it, or "
				 "remove it to have a new one created", certp, ca_ssl_error());
			sl_key_free(k);
			return -EINVAL;
		}
		if (EVP_PKEY_eq(X509_get0_pubkey(x), sl_key_public(k)) != 1) {
			snprintf(err, errlen, "the certificate %s does not hold the public key "
				 "of the %s key (%s); run 'shieldlockctl cert regenerate %s' or "
				 "put the matching certificate there", certp, key_names[id],
				 sl_key_describe(k), key_names[id]);
			X509_free(x);
			sl_key_free(k);
			return -EINVAL;
		}
	} else if (rc == -ENOENT) {
		if (build_self_signed(id, p->conf.node_name, k, &x, err, errlen) < 0 ||
		    write_cert(certp, x, err, errlen) < 0) {
			X509_free(x);
			sl_key_free(k);
			return -EIO;
		}
		log_notice("created the %s certificate %s", key_names[id], certp);
	} else {
		sl_key_free(k);
		return rc;
	}
	sl_key_free(p->key[id]);
	X509_free(p->cert[id]);
	p->key[id] = k;
	p->cert[id] = x;
	return 0;
}

static void describe(struct ca_prov *p, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < SL_KEY__COUNT && n < cap; i++) {
		char fp[SL_CA_FP_LEN];
		int w;

		if (!p->key[i]) {
			w = snprintf(out + n, cap - n, "%s off\n", key_names[i]);
		} else {
			if (ca_fingerprint(p->cert[i], fp, sizeof(fp)) < 0)
				snprintf(fp, sizeof(fp), "?");
			w = snprintf(out + n, cap - n, "%s %s %s\n", key_names[i], fp,
				     sl_key_store(p->key[i]) == SL_KEY_PKCS11 ? "pkcs11" : "file");
		}
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

int ca_prov_keys(struct ca_prov *p, const struct sl_cp_ca_keys *in, char *out, size_t cap,
		 char *err, size_t errlen)
{
	struct ca_prov fresh = { 0 };

	fresh.conf = *in;
	for (unsigned i = 0; i < SL_KEY__COUNT; i++) {
		if (!memchr(in->ref[i], '\0', sizeof(in->ref[i])) ||
		    !memchr(in->cert[i], '\0', sizeof(in->cert[i])) ||
		    !memchr(in->node_name, '\0', sizeof(in->node_name)))
			sl_fatal("SL_CP_CA_KEYS with an unterminated string");
		if (load_one(&fresh, i, false, err, errlen) < 0) {
			ca_prov_clear(&fresh);
			return -1;
		}
	}
	/* Swap only when every key loaded: a bad reload keeps the old set. */
	ca_prov_clear(p);
	*p = fresh;
	p->loaded = true;
	describe(p, out, cap);
	return 0;
}

int ca_prov_regen(struct ca_prov *p, unsigned id, char *out, size_t cap, char *err,
		  size_t errlen)
{
	if (!p->loaded || id >= SL_KEY__COUNT) {
		snprintf(err, errlen, "no such key to regenerate");
		return -1;
	}
	if (!p->key[id]) {
		snprintf(err, errlen, "%s is off in [keys]; configure it first", key_names[id]);
		return -1;
	}
	if (load_one(p, id, true, err, errlen) < 0)
		return -1;
	describe(p, out, cap);
	return 0;
}

int ca_prov_sign(struct ca_prov *p, const struct sl_cp_sign_req *r, uint8_t *sig,
		 size_t *siglen, char *err, size_t errlen)
{
	if (!p->loaded) {
		snprintf(err, errlen, "the provisioning keys are not loaded");
		return -1;
	}
	/* The CAPF key is a TLS key: it signs handshakes only (ca_prov_priv). */
	if (r->key > SL_KEY_TFTP || !p->key[r->key]) {
		snprintf(err, errlen, "key %s cannot sign files", ca_key_name(r->key));
		return -1;
	}
	if ((r->hash != SL_HASH_SHA1 && r->hash != SL_HASH_SHA256 && r->hash != SL_HASH_SHA512) ||
	    r->dlen > sizeof(r->digest)) {
		snprintf(err, errlen, "bad digest in the signing request");
		return -1;
	}
	return sl_key_sign_digest(p->key[r->key], (enum sl_hash)r->hash, r->digest, r->dlen, sig,
				  siglen, err, errlen);
}

int ca_prov_priv(struct ca_prov *p, const struct sl_cp_priv_op *op, const uint8_t *in,
		 uint8_t *out, size_t *outlen, char *err, size_t errlen)
{
	struct sl_key *k = p->loaded ? p->key[SL_KEY_CAPF] : NULL;

	if (!k) {
		snprintf(err, errlen, "the CAPF key is not loaded");
		return -1;
	}
	switch (op->kind) {
	case SL_PRIV_RSA_SIGN_RAW:
		return sl_key_rsa_private(k, SL_RSA_SIGN, SL_RSA_PAD_NONE, in, op->len, out,
					  outlen, err, errlen);
	case SL_PRIV_RSA_SIGN_PKCS1:
		return sl_key_rsa_private(k, SL_RSA_SIGN, SL_RSA_PAD_PKCS1, in, op->len, out,
					  outlen, err, errlen);
	case SL_PRIV_RSA_DECRYPT_PKCS1:
		return sl_key_rsa_private(k, SL_RSA_DECRYPT, SL_RSA_PAD_PKCS1, in, op->len, out,
					  outlen, err, errlen);
	case SL_PRIV_ECDSA:
		return sl_key_ecdsa_sign(k, in, op->len, out, outlen, err, errlen);
	default:
		snprintf(err, errlen, "unknown private operation %u", op->kind);
		return -1;
	}
}
