/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trust store directory: listing, lookup, import, export and deletion
 * with gap-free <hash>.N names (trust.h says why gaps matter).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "log.h"
#include "trust.h"
#include "trust_int.h"

#define PATH_MAX_LEN	4096

int trust_path(char *out, size_t n, const char *dir, const char *file, char *err, size_t errlen)
{
	int k = snprintf(out, n, "%s/%s", dir, file);

	if (k < 0 || (size_t)k >= n) {
		snprintf(err, errlen, "the trust store path %s is too long", dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

bool trust_name_parse(const char *name, unsigned long *hash, unsigned *suffix)
{
	unsigned long h = 0;
	unsigned long s = 0;
	size_t i;

	for (i = 0; i < 8; i++) {
		char c = name[i];
		int v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return false;
		h = h << 4 | (unsigned long)v;
	}
	if (name[8] != '.' || name[9] < '0' || name[9] > '9' || (name[9] == '0' && name[10]))
		return false;
	for (i = 9; name[i]; i++) {
		if (name[i] < '0' || name[i] > '9' || i > 13)
			return false;
		s = s * 10 + (unsigned long)(name[i] - '0');
	}
	*hash = h;
	*suffix = (unsigned)s;
	return true;
}

bool trust_name_canonical(const char *name)
{
	for (int i = 0; i < 8; i++)
		if (name[i] >= 'A' && name[i] <= 'F')
			return false;
	return true;
}

int trust_read_file(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	*data = NULL;
	if (!f) {
		int e = errno;

		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	for (;;) {
		size_t k;

		if (n + 4096 + 1 > cap) {
			char *nb;

			if (cap >= SL_TRUST_INPUT_MAX) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s is larger than %u bytes; a trust store file holds one "
					 "certificate", path, SL_TRUST_INPUT_MAX);
				return -E2BIG;
			}
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		free(buf);
		fclose(f);
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
		return -e;
	}
	fclose(f);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

/* "Label: TEXT" on the first line. */
static void read_label(const char *data, size_t len, char *label, size_t n)
{
	const char *end;

	label[0] = '\0';
	if (len < 7 || strncmp(data, "Label: ", 7))
		return;
	end = memchr(data, '\n', len);
	if (!end)
		return;
	snprintf(label, n, "%.*s", (int)(end - data - 7), data + 7);
}

int trust_load(const char *dir, const char *file, struct sl_trust_entry *e, uint8_t **der,
	       size_t *derlen, unsigned *ncerts, char *err, size_t errlen)
{
	char path[PATH_MAX_LEN], *data = NULL;
	size_t len = 0;
	BIO *b;
	X509 *x, *more;
	int rc;

	memset(e, 0, sizeof(*e));
	snprintf(e->file, sizeof(e->file), "%s", file);
	if (der)
		*der = NULL;
	if (ncerts)
		*ncerts = 0;
	if ((rc = trust_path(path, sizeof(path), dir, file, err, errlen)) ||
	    (rc = trust_read_file(path, &data, &len, err, errlen))) {
		snprintf(e->problem, sizeof(e->problem), "unreadable: %s", err);
		return rc;
	}
	read_label(data, len, e->label, sizeof(e->label));
	b = BIO_new_mem_buf(data, (int)len);
	x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	if (!x) {
		snprintf(e->problem, sizeof(e->problem), "holds no PEM certificate");
		snprintf(err, errlen, "%s holds no PEM certificate", path);
		rc = -EINVAL;
		goto out;
	}
	if (ncerts) {
		*ncerts = 1;
		while ((more = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
			(*ncerts)++;
			X509_free(more);
		}
	}
	if ((rc = sl_trust_info(x, &e->info))) {
		snprintf(e->problem, sizeof(e->problem), "fingerprints cannot be computed");
		snprintf(err, errlen, "cannot compute the fingerprints of %s", path);
		goto out_x;
	}
	if (der) {
		unsigned char *p = NULL;
		int n = i2d_X509(x, &p);

		if (n <= 0) {
			snprintf(err, errlen, "cannot encode the certificate of %s", path);
			rc = -EIO;
			goto out_x;
		}
		*der = malloc((size_t)n);	/* the caller frees with free() */
		if (!*der) {
			OPENSSL_free(p);
			rc = -ENOMEM;
			goto out_x;
		}
		memcpy(*der, p, (size_t)n);
		OPENSSL_free(p);
		*derlen = (size_t)n;
	}
out_x:
	X509_free(x);
out:
	ERR_clear_error();
	BIO_free(b);
	free(data);
	return rc;
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct sl_trust_entry *a = pa, *b = pb;
	unsigned long ha = 0, hb = 0;
	unsigned sa = 0, sb = 0;

	trust_name_parse(a->file, &ha, &sa);
	trust_name_parse(b->file, &hb, &sb);
	if (ha != hb)
		return ha < hb ? -1 : 1;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	return strcmp(a->file, b->file);
}

int sl_trust_list(const char *dir, struct sl_trust_entry **entries, size_t *n, char *err,
		  size_t errlen)
{
	struct sl_trust_entry *v = NULL;
	size_t nv = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*entries = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d) {
		int e = errno;

		if (e == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read the trust store %s: %s", dir, strerror(e));
		return -e;
	}
	while ((de = readdir(d))) {
		unsigned long h;
		unsigned s;
		char lerr[256];

		if (!trust_name_parse(de->d_name, &h, &s))
			continue;
		if (nv == cap) {
			struct sl_trust_entry *nvv;

			cap = cap ? cap * 2 : 16;
			nvv = realloc(v, cap * sizeof(*v));
			if (!nvv) {
				free(v);
				closedir(d);
				snprintf(err, errlen, "out of memory listing %s", dir);
				return -ENOMEM;
			}
			v = nvv;
		}
		trust_load(dir, de->d_name, &v[nv], NULL, NULL, NULL, lerr, sizeof(lerr));
		if (!v[nv].problem[0] && v[nv].info.hash != h)
			snprintf(v[nv].problem, sizeof(v[nv].problem), "misnamed: the subject hash is "
				 "%08lx, so OpenSSL never finds it here (fix: shieldlockctl cert check --fix)",
				 v[nv].info.hash);
		else if (!v[nv].problem[0] && !trust_name_canonical(de->d_name))
			snprintf(v[nv].problem, sizeof(v[nv].problem), "upper-case name: OpenSSL looks "
				 "for %08lx.N (fix: shieldlockctl cert check --fix)", h);
		nv++;
	}
	closedir(d);
	if (nv)
		qsort(v, nv, sizeof(*v), cmp_entry);
	*entries = v;
	*n = nv;
	return 0;
}

int sl_trust_find(const char *dir, const char *key, struct sl_trust_entry *e, char *err,
		  size_t errlen)
{
	struct sl_trust_entry *v;
	unsigned long h;
	unsigned s;
	size_t n, found = 0, at = 0, used;
	char hex[65];
	int rc;

	if (trust_name_parse(key, &h, &s)) {
		char lerr[256];

		rc = trust_load(dir, key, e, NULL, NULL, NULL, lerr, sizeof(lerr));
		if (rc == -ENOENT) {
			snprintf(err, errlen, "the trust store %s has no file %s (see shieldlockctl cert list)",
				 dir, key);
		} else if (rc) {
			snprintf(err, errlen, "%s (shieldlockctl cert check says how to fix it)", lerr);
			rc = -EIO;	/* the name was right; the file is not */
		}
		return rc;
	}
	if (sl_trust_fp_parse(key, hex) < 0) {
		snprintf(err, errlen, "'%s' is neither a trust store file name (<8 hex digits>.N) nor a "
			 "fingerprint (at least 8 hex digits of the SHA-256 or SHA-1, colons allowed)", key);
		return -EINVAL;
	}
	if ((rc = sl_trust_list(dir, &v, &n, err, errlen)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if (sl_trust_fp_match(&v[i].info, hex)) {
			if (!found++)
				at = i;
		}
	if (found == 1)
		*e = v[at];
	if (found == 0) {
		snprintf(err, errlen, "no certificate in the trust store %s has a fingerprint starting "
			 "with %s (see shieldlockctl cert list)", dir, hex);
		rc = -ENOENT;
	} else if (found > 1) {
		used = (size_t)snprintf(err, errlen, "%s matches %zu certificates; give more digits (",
					key, found);
		for (size_t i = 0, k = 0; i < n && used < errlen; i++) {
			if (!sl_trust_fp_match(&v[i].info, hex))
				continue;
			used += (size_t)snprintf(err + used, errlen - used, "%s%s SHA-256 %.23s %s",
						 k++ ? "; " : "", v[i].file, v[i].info.sha256,
						 v[i].info.subject);
		}
		if (used < errlen)
			snprintf(err + used, errlen - used, ")");
		rc = -ENOTUNIQ;
	}
	free(v);
	return rc;
}

int sl_trust_read_der(const char *dir, const char *file, uint8_t **der, size_t *len, char *err,
		      size_t errlen)
{
	struct sl_trust_entry e;
	unsigned long h;
	unsigned s;

	if (!trust_name_parse(file, &h, &s)) {
		snprintf(err, errlen, "'%s' is not a trust store file name (<8 hex digits>.N)", file);
		return -EINVAL;
	}
	return trust_load(dir, file, &e, der, len, NULL, err, errlen);
}

int trust_write_atomic(const char *dir, const char *name, const char *data, size_t len,
		       bool replace, char *err, size_t errlen)
{
	char tmp[PATH_MAX_LEN], path[PATH_MAX_LEN];
	int fd, rc = 0, dfd;
	size_t off = 0;

	if ((rc = trust_path(tmp, sizeof(tmp), dir, ".tmp-trust-XXXXXX", err, errlen)) ||
	    (rc = trust_path(path, sizeof(path), dir, name, err, errlen)))
		return rc;
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create a file in the trust store %s: %s (check that it "
			 "is a directory writable by shieldlockd)", dir, strerror(-rc));
		return rc;
	}
	while (off < len) {
		ssize_t k = write(fd, data + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = k < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)k;
	}
	if (!rc && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc) {
		/* link() never replaces an existing name; rename() does, atomically. */
		if (replace ? rename(tmp, path) < 0 : link(tmp, path) < 0)
			rc = -errno;
	}
	if (rc) {
		if (rc != -EEXIST)
			snprintf(err, errlen, "cannot write %s: %s (check free space and permissions)",
				 path, strerror(-rc));
		else
			snprintf(err, errlen, "%s exists already", path);
	}
	if (rc || !replace)
		unlink(tmp);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return rc;
}

/* The file content: optional label line, then the PEM block. */
static int file_text(const uint8_t *der, size_t len, const char *label, char **out, size_t *outlen)
{
	char *pem, *t;
	size_t pemlen, ll = label ? strlen(label) + 8 : 0;
	int rc;

	if ((rc = sl_trust_der_to_pem(der, len, &pem, &pemlen)))
		return rc;
	t = malloc(ll + pemlen + 1);
	if (!t) {
		free(pem);
		return -ENOMEM;
	}
	if (label)
		snprintf(t, ll + 1, "Label: %s\n", label);
	memcpy(t + ll, pem, pemlen + 1);
	free(pem);
	*out = t;
	*outlen = ll + pemlen;
	return 0;
}

int trust_store_der(const char *dir, const uint8_t *der, size_t len, unsigned long hash,
		    const char *label, char *file, size_t filelen, char *err, size_t errlen)
{
	char *text, path[PATH_MAX_LEN];
	size_t tlen;
	struct stat st;
	int rc;

	if ((rc = file_text(der, len, label, &text, &tlen))) {
		snprintf(err, errlen, "cannot encode the certificate as PEM");
		return rc;
	}
	rc = -ENOSPC;
	for (unsigned n = 0; n < SL_TRUST_SUFFIX_MAX; n++) {
		snprintf(file, filelen, "%08lx.%u", hash, n);
		if ((rc = trust_path(path, sizeof(path), dir, file, err, errlen)))
			break;
		if (lstat(path, &st) == 0)
			continue;
		rc = trust_write_atomic(dir, file, text, tlen, false, err, errlen);
		if (rc != -EEXIST)
			break;
	}
	if (rc == -ENOSPC)
		snprintf(err, errlen, "the trust store %s has %d files %08lx.*; delete some (shieldlockctl "
			 "cert delete) or run shieldlockctl cert check --fix", dir, SL_TRUST_SUFFIX_MAX, hash);
	free(text);
	return rc;
}

static int ensure_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	int e;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "the trust store %s is not a directory; move it away", dir);
		return -ENOTDIR;
	}
	if (errno == ENOENT && mkdir(dir, 0755) == 0)
		return 0;
	e = errno;
	snprintf(err, errlen, "cannot create the trust store directory %s: %s (create it, mode 0755, "
		 "owned by shieldlockd's user)", dir, strerror(e));
	return -e;
}

int sl_trust_import(const char *dir, const uint8_t *data, size_t len, const char *label,
		    struct sl_trust_imported **res, size_t *nres, char *err, size_t errlen)
{
	struct sl_trust_der *certs = NULL;
	struct sl_trust_entry *have = NULL;
	struct sl_trust_imported *r = NULL;
	size_t nc = 0, nh = 0, i;
	int rc;

	*res = NULL;
	*nres = 0;
	if (label && (rc = sl_trust_label_check(label, err, errlen)))
		return rc;
	if ((rc = sl_trust_parse(data, len, &certs, &nc, err, errlen)))
		return rc;
	if ((rc = ensure_dir(dir, err, errlen)) || (rc = sl_trust_list(dir, &have, &nh, err, errlen)))
		goto out;
	r = calloc(nc, sizeof(*r));
	if (!r) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < nc; i++) {
		const unsigned char *p = certs[i].der;
		X509 *x = d2i_X509(NULL, &p, (long)certs[i].len);

		rc = x ? sl_trust_info(x, &r[i].info) : -EINVAL;
		X509_free(x);
		if (rc) {
			snprintf(err, errlen, "cannot read certificate %zu back", i + 1);
			goto undo;
		}
		for (size_t k = 0; k < nh && !r[i].duplicate; k++)
			if (!strcmp(have[k].info.sha256, r[i].info.sha256)) {
				r[i].duplicate = true;
				snprintf(r[i].file, sizeof(r[i].file), "%s", have[k].file);
			}
		for (size_t k = 0; k < i && !r[i].duplicate; k++)
			if (!strcmp(r[k].info.sha256, r[i].info.sha256)) {
				r[i].duplicate = true;
				memcpy(r[i].file, r[k].file, sizeof(r[i].file));	/* k < i */
			}
		if (r[i].duplicate)
			continue;
		rc = trust_store_der(dir, certs[i].der, certs[i].len, r[i].info.hash, label, r[i].file,
				     sizeof(r[i].file), err, errlen);
		if (rc)
			goto undo;
		log_notice("trust store: added %s/%s (%s, SHA-256 %s)", dir, r[i].file, r[i].info.subject,
			   r[i].info.sha256);
	}
	*res = r;
	*nres = nc;
	r = NULL;
	goto out;
undo:
	/* All or nothing: remove what this call wrote (in reverse, so the
	 * suffixes stay without gaps). */
	while (i-- > 0) {
		char path[PATH_MAX_LEN], e2[64];

		if (r[i].duplicate || trust_path(path, sizeof(path), dir, r[i].file, e2, sizeof(e2)))
			continue;
		unlink(path);
		log_notice("trust store: removed %s again (the import failed)", path);
	}
out:
	free(r);
	free(have);
	sl_trust_der_free(certs, nc);
	return rc;
}

/* The suffixes of hash's canonical names in dir, sorted. */
int trust_suffixes(const char *dir, unsigned long hash, unsigned **out, size_t *n, char *err,
		   size_t errlen)
{
	unsigned *v = NULL;
	size_t nv = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*out = NULL;
	*n = 0;
	if (!d) {
		int e = errno;

		snprintf(err, errlen, "cannot read the trust store %s: %s", dir, strerror(e));
		return -e;
	}
	while ((de = readdir(d))) {
		unsigned long h;
		unsigned s;

		if (!trust_name_parse(de->d_name, &h, &s) || h != hash || !trust_name_canonical(de->d_name))
			continue;
		if (nv == cap) {
			unsigned *nvv;

			cap = cap ? cap * 2 : 8;
			nvv = realloc(v, cap * sizeof(*v));
			if (!nvv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nvv;
		}
		v[nv++] = s;
	}
	closedir(d);
	for (size_t i = 1; i < nv; i++)		/* few files: insertion sort */
		for (size_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
			unsigned t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	*out = v;
	*n = nv;
	return 0;
}

static int move(const char *dir, unsigned long hash, unsigned from, unsigned to,
		struct sl_trust_rename *ren, size_t maxren, size_t *nren, char *err, size_t errlen)
{
	char a[SL_TRUST_FILE_MAX], b[SL_TRUST_FILE_MAX], pa[PATH_MAX_LEN], pb[PATH_MAX_LEN];
	int rc;

	snprintf(a, sizeof(a), "%08lx.%u", hash, from);
	snprintf(b, sizeof(b), "%08lx.%u", hash, to);
	if ((rc = trust_path(pa, sizeof(pa), dir, a, err, errlen)) ||
	    (rc = trust_path(pb, sizeof(pb), dir, b, err, errlen)))
		return rc;
	if (rename(pa, pb) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s; OpenSSL will not find the "
			 "certificates after the gap until it is renamed (shieldlockctl cert check --fix)",
			 pa, b, strerror(-rc));
		return rc;
	}
	log_notice("trust store: renamed %s to %s", pa, b);
	if (*nren < maxren) {
		snprintf(ren[*nren].from, sizeof(ren[*nren].from), "%s", a);
		snprintf(ren[*nren].to, sizeof(ren[*nren].to), "%s", b);
		(*nren)++;
	}
	return 0;
}

int sl_trust_compact(const char *dir, unsigned long hash, struct sl_trust_rename *ren,
		     size_t maxren, size_t *nren, char *err, size_t errlen)
{
	unsigned *v;
	size_t n;
	int rc;

	if ((rc = trust_suffixes(dir, hash, &v, &n, err, errlen)))
		return rc;
	/* v is sorted, so slot i is free whenever v[i] != i. */
	for (size_t i = 0; i < n && !rc; i++)
		if (v[i] != i)
			rc = move(dir, hash, v[i], (unsigned)i, ren, maxren, nren, err, errlen);
	free(v);
	return rc;
}

int sl_trust_delete(const char *dir, const char *file, struct sl_trust_rename *ren,
		    size_t maxren, size_t *nren, char *err, size_t errlen)
{
	char path[PATH_MAX_LEN];
	unsigned long h;
	unsigned s, *v;
	size_t n;
	struct stat st;
	int rc;

	*nren = 0;
	if (!trust_name_parse(file, &h, &s)) {
		snprintf(err, errlen, "'%s' is not a trust store file name (<8 hex digits>.N)", file);
		return -EINVAL;
	}
	if ((rc = trust_path(path, sizeof(path), dir, file, err, errlen)))
		return rc;
	if (lstat(path, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
		rc = errno == ENOENT ? -ENOENT : -EINVAL;
		snprintf(err, errlen, "the trust store %s has no file %s (see shieldlockctl cert list)",
			 dir, file);
		return rc;
	}
	if ((rc = trust_suffixes(dir, h, &v, &n, err, errlen)))
		return rc;
	if (trust_name_canonical(file) && n > 1 && v[n - 1] != s) {
		/* The last file takes the deleted one's place in one rename. */
		rc = move(dir, h, v[n - 1], s, ren, maxren, nren, err, errlen);
	} else if (unlink(path) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot delete %s: %s", path, strerror(-rc));
	}
	free(v);
	if (rc)
		return rc;
	log_notice("trust store: deleted %s", path);
	return sl_trust_compact(dir, h, ren, maxren, nren, err, errlen);
}
