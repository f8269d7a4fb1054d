/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of the ca library: files with modes, X.509 helpers. */
#ifndef SL_CA_INT_H
#define SL_CA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "conf.h"
#include "cpmsg.h"

struct sl_key;

#define CA_PATH_MAX	4096
#define CA_FILE_MAX	(1024 * 1024)	/* keys and certificates are small */
#define CA_CA_DAYS	3650		/* CA certificate: 10 years */
#define CA_NODE_DAYS	730		/* node certificate: 2 years */
#define CA_BACKDATE_S	300		/* notBefore = now - 5 min (clock skew) */
#define CA_CN_MAX	64		/* RFC 5280 ub-common-name */

/* ca_files.c */
int ca_join(char *out, size_t cap, const char *dir, const char *name);
/* 1 exists, 0 missing, -errno (other stat errors). */
int ca_exists(const char *path);
/* Creates path and its missing parents (last component with mode). */
int ca_mkdirs(const char *path, mode_t mode, char *err, size_t errlen);
/* Creates dir with mode if missing; secret: it must not be group/world
 * accessible and must be ours. */
int ca_mkdir(const char *path, mode_t mode, bool secret, char *err, size_t errlen);
/* Refuses a secret file or directory that others could read. */
int ca_check_secret(const struct stat *st, const char *path, char *err, size_t errlen);
/* Writes through a temporary file + rename (never a half-written file). */
int ca_write_file(const char *path, const void *data, size_t len, mode_t mode,
		  char *err, size_t errlen);
/* Reads a whole file (NUL-terminated); -ENOENT when missing. secret: the
 * mode check of ca_check_secret applies. Free with ca_free_file. */
int ca_read_file(const char *path, bool secret, char **data, size_t *len,
		 char *err, size_t errlen);
void ca_free_file(char *data, size_t len);

/* ca_x509.c */
const char *ca_ssl_error(void);	/* the last OpenSSL error, queue cleared */
EVP_PKEY *ca_key_from_pem(const char *pem, size_t len);
/* PKCS#8 PEM in memory that is wiped when freed (ca_free_file). */
int ca_key_to_pem(EVP_PKEY *key, char **pem, size_t *len);
X509 *ca_cert_from_pem(const char *pem, size_t len);
char *ca_cert_to_pem(X509 *x, size_t *len);	/* malloc, NUL-terminated */
/* Key policy: EC P-256/P-384, or RSA >= 2048 when allow_rsa. */
int ca_key_check(EVP_PKEY *key, bool allow_rsa, char *err, size_t errlen);
const EVP_MD *ca_digest_for(EVP_PKEY *key);
/* Random 128-bit serial (RFC 5280 §4.1.2.2: positive, <= 20 octets). */
int ca_set_serial(X509 *x);
int ca_set_validity(X509 *x, long days);
int ca_add_ext(X509 *x, X509 *issuer, int nid, const char *value);
int ca_fingerprint(X509 *x, char *out, size_t cap);
bool ca_printable(const char *s, size_t len);

/* ca_init.c, ca_sign.c: child side */
struct ca_state {
	EVP_PKEY *key;			/* a file key, or a proxy to tok */
	X509 *cert;
	struct sl_key *tok;		/* the CA key in a PKCS#11 token, or NULL */
};
/* key_ref "" = <ca_dir>/ca.key (created if missing); else a pkcs11: URI. */
int ca_init(struct ca_state *st, const char *node_name, const char *ca_dir,
	    const char *key_ref, char *err, size_t errlen);
void ca_state_clear(struct ca_state *st);
X509 *ca_sign_csr(const struct ca_state *st, const char *pem, size_t len,
		  char *err, size_t errlen);

/* ca_keys.c: child side, the provisioning keys (issue 5) */
struct ca_prov {
	struct sl_cp_ca_keys conf;
	struct sl_key *key[SL_KEY__COUNT];	/* NULL: off */
	X509 *cert[SL_KEY__COUNT];
	bool loaded;
};
const char *ca_key_name(unsigned id);
void ca_prov_clear(struct ca_prov *p);
/* Opens every key (creating missing key files and certificates); on
 * success describes them in out ("NAME FP KIND" lines). 0 or -1. */
int ca_prov_keys(struct ca_prov *p, const struct sl_cp_ca_keys *in, char *out, size_t cap,
		 char *err, size_t errlen);
int ca_prov_regen(struct ca_prov *p, unsigned id, char *out, size_t cap, char *err,
		  size_t errlen);
int ca_prov_sign(struct ca_prov *p, const struct sl_cp_sign_req *r, uint8_t *sig,
		 size_t *siglen, char *err, size_t errlen);
int ca_prov_priv(struct ca_prov *p, const struct sl_cp_priv_op *op, const uint8_t *in,
		 uint8_t *out, size_t *outlen, char *err, size_t errlen);

/* firststart.c, firststart_node.c: parent side */
int ca_request(int fd, unsigned type, const void *body, size_t len,
	       unsigned want, char **reply, size_t *rlen, char *err, size_t errlen);
int ca_node_identity(const struct sl_conf *conf, int fd, X509 *ca,
		     const char *key_path, const char *cert_path, X509 **leaf,
		     char *err, size_t errlen);

#endif
