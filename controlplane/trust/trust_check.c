/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_trust_check: the trust store as OpenSSL's hashed-directory lookup sees
 * it (trust.h), with repairs that never lose a certificate.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "trust.h"
#include "trust_int.h"

#define PATH_MAX_LEN	4096

struct check {
	const char *dir;
	bool fix;
	struct sl_trust_issue *v;
	size_t n, cap;
	bool oom;
	/* SHA-256 of the good files seen so far, for duplicates */
	struct seen {
		char sha256[SL_TRUST_FP_SHA256_LEN];
		char file[SL_TRUST_FILE_MAX];
	} *seen;
	size_t nseen, capseen;
	unsigned long *hashes;		/* hashes with canonical names */
	size_t nhashes, caphashes;
};

__attribute__((format(printf, 4, 5)))
static void issue(struct check *c, const char *file, bool fixed, const char *fmt, ...)
{
	va_list ap;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct sl_trust_issue *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv) {
			c->oom = true;
			return;
		}
		c->v = nv;
		c->cap = cap;
	}
	snprintf(c->v[c->n].file, sizeof(c->v[c->n].file), "%s", file);
	va_start(ap, fmt);
	vsnprintf(c->v[c->n].text, sizeof(c->v[c->n].text), fmt, ap);
	va_end(ap);
	c->v[c->n].fixed = fixed;
	if (fixed)
		log_notice("trust store %s: %s: %s", c->dir, file, c->v[c->n].text);
	c->n++;
}

static void *grow(void *v, size_t *cap, size_t n, size_t size, bool *oom)
{
	void *nv;

	if (n < *cap)
		return v;
	nv = realloc(v, (*cap ? *cap * 2 : 16) * size);
	if (!nv) {
		*oom = true;
		return NULL;
	}
	*cap = *cap ? *cap * 2 : 16;
	return nv;
}

static void note_hash(struct check *c, unsigned long h)
{
	unsigned long *nv;

	for (size_t i = 0; i < c->nhashes; i++)
		if (c->hashes[i] == h)
			return;
	nv = grow(c->hashes, &c->caphashes, c->nhashes, sizeof(*nv), &c->oom);
	if (!nv)
		return;
	c->hashes = nv;
	c->hashes[c->nhashes++] = h;
}

static const char *seen_as(struct check *c, const char *sha256)
{
	for (size_t i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen[i].sha256, sha256))
			return c->seen[i].file;
	return NULL;
}

static void note_seen(struct check *c, const char *sha256, const char *file)
{
	struct seen *nv = grow(c->seen, &c->capseen, c->nseen, sizeof(*nv), &c->oom);

	if (!nv)
		return;
	c->seen = nv;
	snprintf(nv[c->nseen].sha256, sizeof(nv[c->nseen].sha256), "%s", sha256);
	snprintf(nv[c->nseen].file, sizeof(nv[c->nseen].file), "%s", file);
	c->nseen++;
}

static bool do_unlink(struct check *c, const char *name)
{
	char path[PATH_MAX_LEN], e[64];

	return c->fix && !trust_path(path, sizeof(path), c->dir, name, e, sizeof(e)) && unlink(path) == 0;
}

/* A DER certificate under a hash name is rewritten as PEM in place.
 * 0: not DER; 1: DER, reported; 2: DER, rewritten. */
static int der_file(struct check *c, const char *name)
{
	char path[PATH_MAX_LEN], e[256], *data = NULL, *pem;
	struct sl_trust_der *certs = NULL;
	size_t len, nc = 0, pemlen;
	bool fixed = false;

	if (trust_path(path, sizeof(path), c->dir, name, e, sizeof(e)) ||
	    trust_read_file(path, &data, &len, e, sizeof(e)))
		return 0;
	if (memmem(data, len, "-----BEGIN", 10) ||
	    sl_trust_parse((const uint8_t *)data, len, &certs, &nc, e, sizeof(e)) || nc != 1) {
		free(data);
		sl_trust_der_free(certs, nc);
		return 0;
	}
	if (c->fix && !sl_trust_der_to_pem(certs[0].der, certs[0].len, &pem, &pemlen)) {
		fixed = !trust_write_atomic(c->dir, name, pem, pemlen, true, e, sizeof(e));
		free(pem);
	}
	issue(c, name, fixed, "holds a DER certificate; OpenSSL's -CApath lookup reads PEM only, so "
	      "the lookup stops here (fix: %s)", fixed ? "rewritten as PEM" :
	      "rewrite it as PEM: shieldlockctl cert check --fix");
	free(data);
	sl_trust_der_free(certs, nc);
	return fixed ? 2 : 1;
}

static void check_mode(struct check *c, const char *name)
{
	char path[PATH_MAX_LEN], e[64];
	struct stat st;
	mode_t m;

	if (trust_path(path, sizeof(path), c->dir, name, e, sizeof(e)) || stat(path, &st) < 0)
		return;
	m = st.st_mode & 07777;
	if (!(m & 022) && (m & 0444) == 0444)
		return;
	issue(c, name, c->fix && chmod(path, 0644) == 0,
	      "has mode %04o: trust anchors must be readable by all and writable only by their owner "
	      "(fix: chmod 0644 %s)", (unsigned)m, path);
}

/* A certificate under another hash's name (or an upper-case name). */
static void misnamed(struct check *c, const char *name, const struct sl_trust_entry *e)
{
	char to[SL_TRUST_FILE_MAX] = "", err[256];
	const char *dup = seen_as(c, e->info.sha256);
	uint8_t *der = NULL;
	size_t len;
	bool fixed = false;

	if (c->fix) {
		if (dup) {
			fixed = do_unlink(c, name);
		} else if (!sl_trust_read_der(c->dir, name, &der, &len, err, sizeof(err)) &&
			   !trust_store_der(c->dir, der, len, e->info.hash, e->label[0] ? e->label : NULL,
					    to, sizeof(to), err, sizeof(err))) {
			fixed = do_unlink(c, name);
			note_seen(c, e->info.sha256, to);
			note_hash(c, e->info.hash);
		}
		free(der);
	}
	if (dup)
		issue(c, name, fixed, "is named for hash %.8s but its subject hash is %08lx, and %s holds "
		      "the same certificate (fix: remove %s)", name, e->info.hash, dup, name);
	else if (fixed)
		issue(c, name, true, "was named for hash %.8s but its subject hash is %08lx: moved to %s",
		      name, e->info.hash, to);
	else
		issue(c, name, false, "is named for hash %.8s but its subject hash is %08lx, so OpenSSL "
		      "never finds it (fix: shieldlockctl cert check --fix moves it to %08lx.N)", name,
		      e->info.hash, e->info.hash);
}

static void check_cert_file(struct check *c, const char *name, unsigned long h)
{
	struct sl_trust_entry e;
	char err[256];
	unsigned ncerts = 0;
	const char *dup;
	int rc, k;

	note_hash(c, h);	/* a gap may open here even if the file moves */
	rc = trust_load(c->dir, name, &e, NULL, NULL, &ncerts, err, sizeof(err));
	if (rc) {
		k = der_file(c, name);
		if (k == 1)
			return;
		if (k == 2)
			rc = trust_load(c->dir, name, &e, NULL, NULL, &ncerts, err, sizeof(err));
	}
	if (rc) {
		char aside[SL_TRUST_FILE_MAX + 16], pa[PATH_MAX_LEN], pb[PATH_MAX_LEN];
		bool fixed = false;

		snprintf(aside, sizeof(aside), "%s.invalid", name);
		if (c->fix)
			fixed = !trust_path(pa, sizeof(pa), c->dir, name, err, sizeof(err)) &&
				!trust_path(pb, sizeof(pb), c->dir, aside, err, sizeof(err)) &&
				rename(pa, pb) == 0;
		issue(c, name, fixed, "%s; OpenSSL's lookup stops at this file, so later %.8s.N files are "
		      "never seen (fix: %s)", e.problem[0] ? e.problem : "unreadable", name,
		      fixed ? "moved aside as NAME.invalid" : "replace or remove it, or run shieldlockctl "
		      "cert check --fix to move it aside");
		return;
	}
	check_mode(c, name);
	if (ncerts > 1)
		issue(c, name, false, "holds %u certificates; only the first has this subject hash, so "
		      "OpenSSL may never look the others up (fix: import the file with shieldlockctl cert "
		      "import, which stores one certificate per file, then delete %s)", ncerts, name);
	if (e.info.hash != h || !trust_name_canonical(name)) {
		misnamed(c, name, &e);
		return;
	}
	dup = seen_as(c, e.info.sha256);
	if (dup) {
		issue(c, name, do_unlink(c, name), "holds the same certificate as %s (fix: remove %s)",
		      dup, name);
		return;
	}
	note_seen(c, e.info.sha256, name);
	note_hash(c, h);
}

static void check_gaps(struct check *c)
{
	for (size_t i = 0; i < c->nhashes; i++) {
		struct sl_trust_rename ren[16];
		size_t nren = 0, nv = 0;
		unsigned *v = NULL;
		char err[256], name[SL_TRUST_FILE_MAX];

		if (c->fix) {
			if (sl_trust_compact(c->dir, c->hashes[i], ren, 16, &nren, err, sizeof(err)) < 0)
				issue(c, "", false, "%s", err);
			for (size_t k = 0; k < nren; k++)
				issue(c, ren[k].from, true, "renamed to %s to close a gap in the %08lx.N "
				      "sequence", ren[k].to, c->hashes[i]);
			continue;
		}
		if (trust_suffixes(c->dir, c->hashes[i], &v, &nv, err, sizeof(err)) < 0) {
			issue(c, "", false, "%s", err);
			continue;
		}
		for (size_t k = 0; k < nv; k++) {
			if (v[k] == k)
				continue;
			snprintf(name, sizeof(name), "%08lx.%zu", c->hashes[i], k);
			issue(c, name, false, "is missing, so OpenSSL stops there and never sees the %zu "
			      "later %08lx.N file(s) (fix: shieldlockctl cert check --fix renumbers them)",
			      nv - k, c->hashes[i]);
			break;
		}
		free(v);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_crl_name(const char *name)
{
	unsigned long h;
	unsigned s;
	char tmp[SL_TRUST_FILE_MAX];

	if (strlen(name) < 11 || strlen(name) >= sizeof(tmp) || name[8] != '.' || name[9] != 'r')
		return false;
	snprintf(tmp, sizeof(tmp), "%.9s%s", name, name + 10);
	return trust_name_parse(tmp, &h, &s);
}

int sl_trust_check(const char *dir, bool fix, struct sl_trust_issue **issues, size_t *n,
		   char *err, size_t errlen)
{
	struct check c = { .dir = dir, .fix = fix };
	char **names = NULL;
	size_t nn = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*issues = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d) {
		int e = errno;

		snprintf(err, errlen, "cannot read the trust store %s: %s%s", dir, strerror(e),
			 e == ENOENT ? " (shieldlockd creates it at first start; see trust_store in the "
			 "configuration)" : "");
		return -e;
	}
	while ((de = readdir(d))) {
		char **nv;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		nv = grow(names, &cap, nn, sizeof(*nv), &c.oom);
		if (!nv || !(nv[nn] = strdup(de->d_name))) {
			c.oom = true;
			names = nv ? nv : names;
			break;
		}
		names = nv;
		nn++;
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nn && !c.oom; i++) {
		const char *name = names[i];
		unsigned long h;
		unsigned s;

		if (!strncmp(name, ".tmp-trust-", 11))
			issue(&c, name, do_unlink(&c, name), "is left over from an interrupted import "
			      "(fix: remove it)");
		else if (name[0] == '.' || is_crl_name(name) || strstr(name, ".invalid"))
			continue;
		else if (trust_name_parse(name, &h, &s))
			check_cert_file(&c, name, h);
		else
			issue(&c, name, false, "is not named <subject-hash>.N, so OpenSSL's -CApath lookup "
			      "ignores it (fix: shieldlockctl cert import it, then remove %s)", name);
	}
	if (!c.oom)
		check_gaps(&c);
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(c.seen);
	free(c.hashes);
	if (c.oom) {
		free(c.v);
		snprintf(err, errlen, "out of memory checking %s", dir);
		return -ENOMEM;
	}
	*issues = c.v;
	*n = c.n;
	return 0;
}
