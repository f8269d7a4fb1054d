/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys in PEM files: read (only when nobody but the owner may read the file)
 * and generated (mode 0600, written atomically).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "keys_int.h"

#define KEYFILE_MAX (64 * 1024)

int sl_keys_check_private_file(int fd, const char *path, const char *what, char *err,
			       size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		sl_keys_errf(err, errlen, "cannot stat %s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		sl_keys_errf(err, errlen, "%s %s is not a regular file", what, path);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		sl_keys_errf(err, errlen, "%s %s has mode %04o: others may read it; run "
			     "\"chmod 600 %s\" (and check who saw it)", what, path,
			     (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* Reads the whole file into a wiped-on-free buffer. */
static int read_key_file(const char *path, unsigned char **buf, size_t *len, char *err,
			 size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		sl_keys_errf(err, errlen, "cannot open key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (sl_keys_check_private_file(fd, path, "key file", err, errlen) < 0) {
		close(fd);
		return -1;
	}
	unsigned char *b = OPENSSL_malloc(KEYFILE_MAX);
	size_t n = 0;
	if (b == NULL) {
		close(fd);
		sl_keys_errf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, b + n, KEYFILE_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sl_keys_errf(err, errlen, "cannot read key file %s: %s", path,
				     strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == KEYFILE_MAX) {
			sl_keys_errf(err, errlen, "key file %s is larger than %d bytes: is it "
				     "a key?", path, KEYFILE_MAX);
			goto fail;
		}
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
fail:
	close(fd);
	OPENSSL_clear_free(b, KEYFILE_MAX);
	return -1;
}

int sl_file_open(struct sl_key *k, const char *path, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;

	if (read_key_file(path, &buf, &len, err, errlen) < 0)
		return -1;
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	/* no passphrase callback: an encrypted PEM is refused, not prompted for */
	k->priv = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"") : NULL;
	BIO_free(b);
	OPENSSL_clear_free(buf, KEYFILE_MAX);
	if (k->priv == NULL) {
		sl_keys_errf(err, errlen, "key file %s holds no unencrypted PEM private key "
			     "(PKCS#8 \"PRIVATE KEY\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\")",
			     path);
		sl_keys_err_ossl(err, errlen);
		return -1;
	}
	if (EVP_PKEY_is_a(k->priv, "RSA"))
		k->type = SL_KEY_RSA;
	else if (EVP_PKEY_is_a(k->priv, "EC"))
		k->type = SL_KEY_EC;
	else {
		sl_keys_errf(err, errlen, "key file %s holds a %s key: use RSA or EC", path,
			     EVP_PKEY_get0_type_name(k->priv));
		return -1;
	}
	if (k->type == SL_KEY_RSA && EVP_PKEY_get_size(k->priv) > SL_KEYS_MAX_RSA_BYTES) {
		sl_keys_errf(err, errlen, "RSA key in %s is larger than %d bits", path,
			     SL_KEYS_MAX_RSA_BYTES * 8);
		return -1;
	}
	/* the public half alone, so sl_key_public() never hands out the secret */
	unsigned char *der = NULL;
	int dl = i2d_PUBKEY(k->priv, &der);
	const unsigned char *p = der;
	k->pub = dl > 0 ? d2i_PUBKEY(NULL, &p, dl) : NULL;
	OPENSSL_free(der);
	if (k->pub == NULL) {
		sl_keys_errf(err, errlen, "cannot extract the public key of %s", path);
		sl_keys_err_ossl(err, errlen);
		return -1;
	}
	k->bits = EVP_PKEY_get_bits(k->pub);
	snprintf(k->desc, sizeof(k->desc), "file %s", path);
	return 0;
}

static EVP_PKEY *generate(enum sl_key_type type, int param, char *err, size_t errlen)
{
	EVP_PKEY *pk = NULL;

	if (type == SL_KEY_RSA) {
		unsigned bits = param ? (unsigned)param : 2048;
		if (bits < 1024 || bits > SL_KEYS_MAX_RSA_BYTES * 8) {
			sl_keys_errf(err, errlen, "RSA key size %u not in 1024..%d", bits,
				     SL_KEYS_MAX_RSA_BYTES * 8);
			return NULL;
		}
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (type == SL_KEY_EC) {
		int nid = param ? param : NID_X9_62_prime256v1;
		const char *name = OBJ_nid2sn(nid);
		if (name == NULL || EC_curve_nid2nist(nid) == NULL) {
			sl_keys_errf(err, errlen, "unknown EC curve (NID %d): use P-256, P-384 "
				     "or P-521", nid);
			return NULL;
		}
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", name);
	} else {
		sl_keys_errf(err, errlen, "unknown key type %d", (int)type);
		return NULL;
	}
	if (pk == NULL) {
		sl_keys_errf(err, errlen, "key generation failed");
		sl_keys_err_ossl(err, errlen);
	}
	return pk;
}

int sl_file_generate(const char *path, enum sl_key_type type, int param, char *err,
		     size_t errlen)
{
	char tmp[4096], dirbuf[4096];
	int fd = -1, ret = -1;
	FILE *f = NULL;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
		sl_keys_errf(err, errlen, "key file path too long");
		return -1;
	}
	EVP_PKEY *pk = generate(type, param, err, errlen);
	if (pk == NULL)
		return -1;
	fd = mkstemp(tmp);	/* created 0600 */
	if (fd < 0) {
		sl_keys_errf(err, errlen, "cannot create a file next to %s: %s (does the "
			     "directory exist and is it writable?)", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) < 0 || (f = fdopen(fd, "w")) == NULL) {
		sl_keys_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (!PEM_write_PKCS8PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		sl_keys_errf(err, errlen, "cannot write the key to %s: %s", tmp,
			     strerror(errno));
		sl_keys_err_ossl(err, errlen);
		goto out_unlink;
	}
	if (fclose(f) != 0) {
		f = NULL;
		sl_keys_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	f = NULL;
	if (rename(tmp, path) < 0) {
		sl_keys_errf(err, errlen, "cannot rename %s to %s: %s", tmp, path,
			     strerror(errno));
		goto out_unlink;
	}
	/* make the rename durable too */
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	int dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ret = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	EVP_PKEY_free(pk);
	return ret;
}
