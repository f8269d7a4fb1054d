/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * First-start material, parent side (docs/keys.md): master key, the CA
 * through the ca child, the trust store entry and the node identity. Run at
 * every start: creates what is missing, reuses what exists. The parent never
 * opens the CA key; it only names the CA directory in SL_CP_CA_INIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "ca.h"
#include "ca_int.h"
#include "cpmsg.h"
#include "log.h"

#define MASTER_KEY_LEN	32

int ca_request(int fd, unsigned type, const void *body, size_t len,
	       unsigned want, char **reply, size_t *rlen, char *err, size_t errlen)
{
	unsigned rtype;
	char *buf;
	int rc;

	rc = sl_cp_send(fd, type, body, len);
	if (rc < 0) {
		snprintf(err, errlen, "cannot send %s to the ca process: %s; see "
			 "its log lines (proc \"ca\")", sl_cp_type_name(type),
			 strerror(-rc));
		return rc;
	}
	buf = malloc(SL_CP_MAX_BODY + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory for the ca reply");
		return -ENOMEM;
	}
	rc = sl_cp_recv(fd, &rtype, buf, SL_CP_MAX_BODY, rlen);
	if (rc <= 0) {
		snprintf(err, errlen, "no reply from the ca process to %s: %s; see "
			 "its log lines (proc \"ca\")", sl_cp_type_name(type),
			 rc == 0 ? "it closed its socket" : strerror(-rc));
		free(buf);
		return rc == 0 ? -EPIPE : rc;
	}
	buf[*rlen] = '\0';
	if (rtype == SL_CP_ERROR) {
		snprintf(err, errlen, "ca process: %s", buf);
		free(buf);
		return -EINVAL;
	}
	if (rtype != want) {
		snprintf(err, errlen, "the ca process answered %s with %s instead "
			 "of %s", sl_cp_type_name(type), sl_cp_type_name(rtype),
			 sl_cp_type_name(want));
		free(buf);
		return -EPROTO;
	}
	*reply = buf;
	return 0;
}

static int create_master_key(const char *path, uint8_t key[MASTER_KEY_LEN],
			     char *err, size_t errlen)
{
	int rc;

	if (RAND_priv_bytes(key, MASTER_KEY_LEN) != 1) {
		snprintf(err, errlen, "cannot draw the master key from the "
			 "random generator: %s", ca_ssl_error());
		return -EIO;
	}
	rc = ca_write_file(path, key, MASTER_KEY_LEN, 0600, err, errlen);
	if (rc == 0)
		log_notice("created master key %s", path);
	return rc;
}

static int master_key(const char *state_dir, uint8_t key[MASTER_KEY_LEN],
		      char *err, size_t errlen)
{
	char dir[CA_PATH_MAX], path[CA_PATH_MAX], *data = NULL;
	size_t len = 0;
	int rc;

	if (ca_join(dir, sizeof(dir), state_dir, "private") < 0 ||
	    ca_join(path, sizeof(path), dir, "master.key") < 0) {
		snprintf(err, errlen, "state_dir %s is too long", state_dir);
		return -ENAMETOOLONG;
	}
	if ((rc = ca_mkdir(dir, 0700, true, err, errlen)) < 0)
		return rc;
	rc = ca_exists(path);
	if (rc == 0)
		return create_master_key(path, key, err, errlen);
	if ((rc = ca_read_file(path, true, &data, &len, err, errlen)) < 0)
		return rc;
	if (len != MASTER_KEY_LEN) {
		snprintf(err, errlen, "refusing to start: %s has %zu bytes, not %d; "
			 "restore it from a backup (the credentials in the store "
			 "are encrypted with it)", path, len, MASTER_KEY_LEN);
		ca_free_file(data, len);
		return -EINVAL;
	}
	memcpy(key, data, MASTER_KEY_LEN);
	ca_free_file(data, len);
	return 0;
}

static X509 *init_ca(const struct sl_conf *conf, int fd, char *err, size_t errlen)
{
	struct sl_cp_ca_init in;
	char *pem = NULL;
	size_t len = 0;
	X509 *ca;
	int n;

	memset(&in, 0, sizeof(in));
	if (strlen(conf->node_name) >= sizeof(in.node_name)) {
		snprintf(err, errlen, "node_name is longer than %zu characters",
			 sizeof(in.node_name) - 1);
		return NULL;
	}
	strcpy(in.node_name, conf->node_name);
	snprintf(in.key_ref, sizeof(in.key_ref), "%s", conf->key_ca);
	n = snprintf(in.ca_dir, sizeof(in.ca_dir), "%s/ca", conf->state_dir);
	if (n < 0 || (size_t)n >= sizeof(in.ca_dir)) {
		snprintf(err, errlen, "state_dir %s is too long for the CA directory "
			 "(at most %zu characters)", conf->state_dir,
			 sizeof(in.ca_dir) - 4);
		return NULL;
	}
	if (ca_request(fd, SL_CP_CA_INIT, &in, sizeof(in), SL_CP_CA_READY, &pem,
		       &len, err, errlen) < 0)
		return NULL;
	ca = ca_cert_from_pem(pem, len);
	free(pem);
	if (!ca)
		snprintf(err, errlen, "the ca process sent an unreadable CA "
			 "certificate: %s", ca_ssl_error());
	return ca;
}

/*
 * The CA certificate under its subject-hash name, as c_rehash / `openssl
 * rehash` would name it: <8 hex digits>.<n>, n counting certificates whose
 * subjects hash alike. Reuses an entry holding the same certificate.
 */
static int install_trust(const char *dir, X509 *ca, char *err, size_t errlen)
{
	unsigned long hash = X509_subject_name_hash(ca);
	char path[CA_PATH_MAX], name[32], *data = NULL, *pem;
	size_t len = 0;
	int i, rc;

	if ((rc = ca_mkdir(dir, 0755, false, err, errlen)) < 0)
		return rc;
	for (i = 0; i < 100; i++) {
		X509 *old;

		snprintf(name, sizeof(name), "%08lx.%d", hash, i);
		if (ca_join(path, sizeof(path), dir, name) < 0) {
			snprintf(err, errlen, "trust_store %s is too long", dir);
			return -ENAMETOOLONG;
		}
		if ((rc = ca_exists(path)) == 0)
			break;
		if (rc < 0) {
			snprintf(err, errlen, "cannot stat %s: %s; fix or remove it",
				 path, strerror(-rc));
			return rc;
		}
		if ((rc = ca_read_file(path, false, &data, &len, err, errlen)) < 0)
			return rc;
		old = ca_cert_from_pem(data, len);
		free(data);
		ERR_clear_error();
		if (old && X509_cmp(old, ca) == 0) {
			X509_free(old);
			return 0;	/* already trusted */
		}
		if (old && !X509_NAME_cmp(X509_get_subject_name(old),
					  X509_get_subject_name(ca)))
			log_warn("trust store entry %s has the subject of our CA but "
				 "is another certificate (an older CA?); remove it if "
				 "that CA is retired", path);
		X509_free(old);
	}
	if (i == 100) {
		snprintf(err, errlen, "trust_store %s has 100 entries %08lx.*; "
			 "clean it up", dir, hash);
		return -ENOSPC;
	}
	pem = ca_cert_to_pem(ca, &len);
	if (!pem) {
		snprintf(err, errlen, "cannot encode the CA certificate: %s",
			 ca_ssl_error());
		return -EIO;
	}
	rc = ca_write_file(path, pem, len, 0644, err, errlen);
	free(pem);
	if (rc == 0)
		log_notice("added the CA certificate to the trust store as %s", path);
	return rc;
}

/* Empty paths fall back to the defaults under state_dir (conf.h). */
static int path_or_default(char *out, size_t cap, const char *set,
			   const char *state_dir, const char *rel)
{
	int n = set[0] ? snprintf(out, cap, "%s", set) :
			 snprintf(out, cap, "%s/%s", state_dir, rel);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int sl_firststart(const struct sl_conf *conf, int ca_fd, uint8_t master[32],
		  char *fp, size_t fplen, char *err, size_t errlen)
{
	char key_path[CA_PATH_MAX], cert_path[CA_PATH_MAX], trust[CA_PATH_MAX];
	X509 *ca = NULL, *leaf = NULL;
	int rc = -1;

	if (fplen < SL_CA_FP_LEN) {
		snprintf(err, errlen, "fingerprint buffer of %zu bytes, need %d",
			 fplen, SL_CA_FP_LEN);
		return -1;
	}
	if (conf->state_dir[0] != '/') {
		snprintf(err, errlen, "state_dir \"%s\" is not an absolute path; "
			 "set [general] state_dir", conf->state_dir);
		return -1;
	}
	if (!conf->node_name[0]) {
		snprintf(err, errlen, "node_name is empty; set [general] node_name");
		return -1;
	}
	if (path_or_default(key_path, sizeof(key_path), conf->tls_key,
			    conf->state_dir, "private/node.key") < 0 ||
	    path_or_default(cert_path, sizeof(cert_path), conf->tls_cert,
			    conf->state_dir, "certs/node.pem") < 0 ||
	    path_or_default(trust, sizeof(trust), conf->trust_store,
			    conf->state_dir, "trust") < 0) {
		snprintf(err, errlen, "state_dir %s is too long", conf->state_dir);
		return -1;
	}
	if (ca_mkdirs(conf->state_dir, 0755, err, errlen) < 0 ||
	    master_key(conf->state_dir, master, err, errlen) < 0)
		return -1;
	ca = init_ca(conf, ca_fd, err, errlen);
	if (!ca)
		goto err_master;
	if (install_trust(trust, ca, err, errlen) < 0 ||
	    ca_node_identity(conf, ca_fd, ca, key_path, cert_path, &leaf, err,
			     errlen) < 0)
		goto err_master;
	if (ca_fingerprint(leaf, fp, fplen) < 0) {
		snprintf(err, errlen, "cannot compute the node certificate's "
			 "fingerprint: %s", ca_ssl_error());
		goto err_master;
	}
	log_notice("node certificate %s SHA-256 fingerprint %s", cert_path, fp);
	rc = 0;
	goto out;

err_master:
	OPENSSL_cleanse(master, MASTER_KEY_LEN);
out:
	X509_free(leaf);
	X509_free(ca);
	return rc;
}
