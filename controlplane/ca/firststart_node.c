/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's TLS identity, parent side: an EC P-256 key generated here
 * (the parent and the sip child need it for TLS), a certificate request
 * signed by the ca child, and the chain leaf + CA written to tls_cert.
 *
 *   key  cert
 *   no   no    generate key, request, write both
 *   yes  no    request a certificate for the existing key
 *   no   yes   refuse (a certificate without its key is useless)
 *   yes  yes   reuse; the key must match the certificate
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ca.h"
#include "ca_int.h"
#include "cpmsg.h"
#include "log.h"

/* advertised_host as an IP literal ("[v6]" accepted), or NULL. */
static ASN1_OCTET_STRING *numeric_host(const char *host)
{
	char buf[128];
	unsigned char addr[16];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
	} else if (n < sizeof(buf)) {
		memcpy(buf, host, n + 1);
	} else {
		return NULL;
	}
	memset(addr, 0, sizeof(addr));
	if (inet_pton(AF_INET, buf, addr) != 1 && inet_pton(AF_INET6, buf, addr) != 1)
		return NULL;
	if (!memcmp(addr, (const unsigned char[16]){ 0 }, sizeof(addr)))
		return NULL;	/* a wildcard is nobody's address */
	return a2i_IPADDRESS(buf);
}

static int add_san(GENERAL_NAMES *gens, int type, ASN1_STRING *value)
{
	GENERAL_NAME *g = GENERAL_NAME_new();

	if (!g || !value) {
		GENERAL_NAME_free(g);
		ASN1_STRING_free(value);
		return -ENOMEM;
	}
	GENERAL_NAME_set0_value(g, type, value);
	if (!sk_GENERAL_NAME_push(gens, g)) {
		GENERAL_NAME_free(g);
		return -ENOMEM;
	}
	return 0;
}

/* CN=node_name, subjectAltName DNS:node_name (+ IP:advertised_host). */
static char *make_csr(const struct sl_conf *conf, EVP_PKEY *key, size_t *len)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	X509_EXTENSION *ext = NULL;
	ASN1_IA5STRING *dns = ASN1_IA5STRING_new();
	ASN1_OCTET_STRING *ip;
	BIO *bio = NULL;
	char *out = NULL, *data;
	long n;
	int rc;

	if (!exts || !gens || !req || !name || !dns)
		goto out;
	if (ASN1_STRING_set(dns, conf->node_name, -1) != 1)
		goto out;
	rc = add_san(gens, GEN_DNS, dns);	/* takes dns, even on failure */
	dns = NULL;
	if (rc < 0)
		goto out;
	ip = numeric_host(conf->advertised_host);
	if (ip && add_san(gens, GEN_IPADD, ip) < 0)
		goto out;
	ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
	if (!ext || !sk_X509_EXTENSION_push(exts, ext))
		goto out;
	ext = NULL;
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)conf->node_name,
				       -1, -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1 ||
	    X509_REQ_add_extensions(req, exts) != 1 ||
	    X509_REQ_sign(req, key, EVP_sha256()) <= 0)
		goto out;
	bio = BIO_new(BIO_s_mem());
	if (!bio || PEM_write_bio_X509_REQ(bio, req) != 1)
		goto out;
	n = BIO_get_mem_data(bio, &data);
	if (n > 0 && (out = malloc((size_t)n)) != NULL) {
		memcpy(out, data, (size_t)n);
		*len = (size_t)n;
	}
out:
	BIO_free(bio);
	X509_EXTENSION_free(ext);
	ASN1_IA5STRING_free(dns);
	X509_NAME_free(name);
	X509_REQ_free(req);
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return out;
}

/* Asks the ca child for a certificate and checks what comes back. */
static X509 *issue(const struct sl_conf *conf, int fd, X509 *ca, EVP_PKEY *key,
		   char *err, size_t errlen)
{
	char *csr, *pem = NULL;
	size_t len = 0;
	X509 *leaf;

	csr = make_csr(conf, key, &len);
	if (!csr) {
		snprintf(err, errlen, "cannot build the node certificate request "
			 "for node_name \"%s\": %s", conf->node_name, ca_ssl_error());
		return NULL;
	}
	if (ca_request(fd, SL_CP_CA_SIGN_CSR, csr, len, SL_CP_CA_CERT, &pem, &len,
		       err, errlen) < 0) {
		free(csr);
		return NULL;
	}
	free(csr);
	leaf = ca_cert_from_pem(pem, len);
	free(pem);
	if (!leaf || X509_verify(leaf, X509_get0_pubkey(ca)) != 1 ||
	    X509_check_private_key(leaf, key) != 1) {
		snprintf(err, errlen, "the ca process sent a certificate that is "
			 "unreadable, not signed by the CA or not for our key");
		ERR_clear_error();
		X509_free(leaf);
		return NULL;
	}
	return leaf;
}

static int write_chain(const char *path, X509 *leaf, X509 *ca, char *err,
		       size_t errlen)
{
	char *a, *b, *chain;
	size_t alen = 0, blen = 0;
	int rc = -ENOMEM;

	a = ca_cert_to_pem(leaf, &alen);
	b = ca_cert_to_pem(ca, &blen);
	chain = a && b ? malloc(alen + blen) : NULL;
	if (chain) {
		memcpy(chain, a, alen);
		memcpy(chain + alen, b, blen);
		rc = ca_write_file(path, chain, alen + blen, 0644, err, errlen);
	} else {
		snprintf(err, errlen, "cannot encode the node certificate chain");
	}
	free(chain);
	free(b);
	free(a);
	return rc;
}

/* Creates the directory of a file we are about to write, if missing. */
static int parent_dir(const char *path, mode_t mode, bool secret, char *err,
		      size_t errlen)
{
	char dir[CA_PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (ca_exists(dir) == 1)
		return 0;	/* an operator's directory: keep its mode */
	return ca_mkdir(dir, mode, secret, err, errlen);
}

static EVP_PKEY *load_key(const char *path, char *err, size_t errlen)
{
	char *pem = NULL, kerr[192];
	size_t len = 0;
	EVP_PKEY *key;

	if (ca_read_file(path, true, &pem, &len, err, errlen) < 0)
		return NULL;
	key = ca_key_from_pem(pem, len);
	ca_free_file(pem, len);
	if (!key) {
		snprintf(err, errlen, "%s is not an unencrypted PEM private key "
			 "(%s); delete it and restart to generate a new one", path,
			 ca_ssl_error());
		return NULL;
	}
	if (ca_key_check(key, true, kerr, sizeof(kerr)) < 0) {
		snprintf(err, errlen, "%s: %s", path, kerr);
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

static X509 *load_cert(const char *path, char *err, size_t errlen)
{
	char *pem = NULL;
	size_t len = 0;
	X509 *x;

	if (ca_read_file(path, false, &pem, &len, err, errlen) < 0)
		return NULL;
	x = ca_cert_from_pem(pem, len);
	free(pem);
	if (!x)
		snprintf(err, errlen, "%s is not a PEM certificate (%s); delete it "
			 "and restart to have a new one issued", path, ca_ssl_error());
	return x;
}

static int reuse(const struct sl_conf *conf, const char *key_path,
		 const char *cert_path, X509 **leaf, char *err, size_t errlen)
{
	EVP_PKEY *key = load_key(key_path, err, errlen);
	X509 *x;

	if (!key)
		return -EINVAL;
	x = load_cert(cert_path, err, errlen);
	if (x && X509_check_private_key(x, key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s does not match the key %s; delete the "
			 "certificate and restart to have one issued for the key",
			 cert_path, key_path);
		X509_free(x);
		x = NULL;
	}
	EVP_PKEY_free(key);
	if (!x)
		return -EINVAL;
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		log_warn("node certificate %s has expired; delete it and restart "
			 "to have a new one issued (docs/keys.md)", cert_path);
	if (X509_check_host(x, conf->node_name, 0, 0, NULL) != 1)
		log_warn("node certificate %s is not for node_name %s; delete it "
			 "and restart to have a new one issued", cert_path,
			 conf->node_name);
	*leaf = x;
	return 0;
}

int ca_node_identity(const struct sl_conf *conf, int fd, X509 *ca,
		     const char *key_path, const char *cert_path, X509 **leaf,
		     char *err, size_t errlen)
{
	int ke = ca_exists(key_path), ce = ca_exists(cert_path), rc;
	EVP_PKEY *key;
	char *pem = NULL;
	size_t len = 0;
	X509 *x;

	if (ke < 0 || ce < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", ke < 0 ? key_path :
			 cert_path, strerror(-(ke < 0 ? ke : ce)));
		return ke < 0 ? ke : ce;
	}
	if (ke && ce)
		return reuse(conf, key_path, cert_path, leaf, err, errlen);
	if (ce) {
		snprintf(err, errlen, "tls_cert %s exists but its key tls_key %s is "
			 "missing; restore the key, or delete the certificate and "
			 "restart to create a new identity", cert_path, key_path);
		return -ENOENT;
	}
	if (ke) {
		key = load_key(key_path, err, errlen);
		if (!key)
			return -EINVAL;
	} else {
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		if (!key) {
			snprintf(err, errlen, "cannot generate the node key: %s",
				 ca_ssl_error());
			return -EIO;
		}
	}
	x = issue(conf, fd, ca, key, err, errlen);
	if (!x) {
		EVP_PKEY_free(key);
		return -EINVAL;
	}
	rc = ke ? 0 : parent_dir(key_path, 0700, true, err, errlen);
	if (!ke && rc == 0) {
		rc = ca_key_to_pem(key, &pem, &len);
		if (rc < 0) {
			snprintf(err, errlen, "cannot encode the node key: %s",
				 ca_ssl_error());
		} else {
			rc = ca_write_file(key_path, pem, len, 0600, err, errlen);
			ca_free_file(pem, len);
			if (rc == 0)
				log_notice("created node key %s (EC P-256)", key_path);
		}
	}
	EVP_PKEY_free(key);
	if (rc == 0 && (rc = parent_dir(cert_path, 0755, false, err, errlen)) == 0 &&
	    (rc = write_chain(cert_path, x, ca, err, errlen)) == 0)
		log_notice("node certificate %s issued by the CA", cert_path);
	if (rc < 0) {
		X509_free(x);
		return rc;
	}
	*leaf = x;
	return 0;
}

/*
 * "shieldlockctl cert regenerate node": a new node key and certificate from
 * the CA, replacing the old pair only when the new one exists (the old files
 * are moved aside first and put back on failure).
 */
int sl_node_regenerate(const struct sl_conf *conf, int ca_fd, const char *ca_cert_path,
		       char *fp, size_t fplen, char *err, size_t errlen)
{
	char okey[CA_PATH_MAX], ocert[CA_PATH_MAX];
	X509 *ca, *leaf = NULL;
	int rc;

	if (snprintf(okey, sizeof(okey), "%s.old", conf->tls_key) >= (int)sizeof(okey) ||
	    snprintf(ocert, sizeof(ocert), "%s.old", conf->tls_cert) >= (int)sizeof(ocert)) {
		snprintf(err, errlen, "the node key or certificate path is too long");
		return -ENAMETOOLONG;
	}
	ca = load_cert(ca_cert_path, err, errlen);
	if (!ca)
		return -EINVAL;
	if (rename(conf->tls_key, okey) < 0) {
		snprintf(err, errlen, "cannot move %s aside: %s", conf->tls_key, strerror(errno));
		X509_free(ca);
		return -errno;
	}
	if (rename(conf->tls_cert, ocert) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot move %s aside: %s", conf->tls_cert, strerror(errno));
		(void)rename(okey, conf->tls_key);
		X509_free(ca);
		return rc;
	}
	rc = ca_node_identity(conf, ca_fd, ca, conf->tls_key, conf->tls_cert, &leaf, err, errlen);
	if (rc < 0) {
		(void)rename(okey, conf->tls_key);
		(void)rename(ocert, conf->tls_cert);
	} else {
		(void)unlink(okey);	/* the old key is gone with its certificate */
		(void)unlink(ocert);
		if (ca_fingerprint(leaf, fp, fplen) < 0)
			snprintf(fp, fplen, "?");
		log_notice("node certificate regenerated: %s, SHA-256 fingerprint %s",
			   conf->tls_cert, fp);
	}
	X509_free(leaf);
	X509_free(ca);
	return rc;
}
