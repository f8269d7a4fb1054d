/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sip child's directory snapshot: what the parent pushes between
 * SL_CP_SIP_DIR_BEGIN and SL_CP_SIP_DIR_END. Sorted arrays, binary search by
 * name; HA1s wiped when a snapshot is dropped.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "sipd.h"

void dir_init(struct dir *d)
{
	memset(d, 0, sizeof(*d));
}

void dir_free(struct dir *d)
{
	if (d->users)
		OPENSSL_cleanse(d->users, sizeof(*d->users) * d->capusers);
	if (d->tcreds)
		OPENSSL_cleanse(d->tcreds, sizeof(*d->tcreds) * d->captcreds);
	free(d->users);
	free(d->devices);
	free(d->trunks);
	free(d->tcreds);
	dir_init(d);
}

static void *grow(void *p, unsigned *cap, unsigned n, size_t sz)
{
	if (n < *cap)
		return p;
	unsigned nc = *cap ? *cap * 2 : 16;
	void *q = calloc(nc, sz);
	if (!q)
		sl_fatal("directory: out of memory");
	if (p) {
		memcpy(q, p, (size_t)*cap * sz);
		OPENSSL_cleanse(p, (size_t)*cap * sz);
		free(p);
	}
	*cap = nc;
	return q;
}

void dir_add_user(struct dir *d, const struct sl_user *u)
{
	d->users = grow(d->users, &d->capusers, d->nusers, sizeof(*d->users));
	struct dir_user *du = &d->users[d->nusers++];
	memset(du, 0, sizeof(*du));
	du->u = *u;
	d->users_sorted = false;
}

static int cmp_user(const void *a, const void *b)
{
	return strcmp(((const struct dir_user *)a)->u.name, ((const struct dir_user *)b)->u.name);
}

static int cmp_device(const void *a, const void *b)
{
	const struct dir_device *x = a, *y = b;
	int r = strcmp(x->user, y->user);
	return r ? r : strcmp(x->name, y->name);
}

static struct dir_user *find_user(struct dir *d, const char *name, size_t n)
{
	size_t lo = 0, hi = d->nusers;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *m = d->users[mid].u.name;
		int r = strncmp(m, name, n);
		if (r == 0 && m[n] != '\0')
			r = 1;
		if (r == 0)
			return &d->users[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void dir_add_cred(struct dir *d, const struct sl_cred *c, const char *realm)
{
	if (strcmp(c->realm, realm) != 0)
		return;	/* credentials of another realm: not ours to check */
	if (c->alg < 0 || c->alg > 1 || c->ha1_len != sl_digest_alg_len(c->alg))
		return;
	if (!d->users_sorted && d->nusers) {	/* once: credentials follow the users */
		qsort(d->users, d->nusers, sizeof(*d->users), cmp_user);
		d->users_sorted = true;
	}
	struct dir_user *u = find_user(d, c->user, strlen(c->user));
	if (!u)
		return;
	memcpy(u->ha1[c->alg], c->ha1, c->ha1_len);
	u->have[c->alg] = true;
}

void dir_add_device(struct dir *d, const char *name, const char *user,
		    const char *cert_identity, int mode)
{
	d->devices = grow(d->devices, &d->capdevices, d->ndevices, sizeof(*d->devices));
	struct dir_device *dd = &d->devices[d->ndevices++];
	memset(dd, 0, sizeof(*dd));
	snprintf(dd->name, sizeof(dd->name), "%s", name);
	snprintf(dd->user, sizeof(dd->user), "%s", user);
	snprintf(dd->cert_identity, sizeof(dd->cert_identity), "%s",
		 cert_identity[0] ? cert_identity : name);
	dd->mode = mode;
}

void dir_add_trunk(struct dir *d, const struct sl_trunk *t)
{
	d->trunks = grow(d->trunks, &d->captrunks, d->ntrunks, sizeof(*d->trunks));
	d->trunks[d->ntrunks++] = *t;
}

void dir_add_trunk_cred(struct dir *d, const struct sl_trunk_cred *c)
{
	d->tcreds = grow(d->tcreds, &d->captcreds, d->ntcreds, sizeof(*d->tcreds));
	d->tcreds[d->ntcreds++] = *c;
}

void dir_finish(struct dir *d)
{
	if (d->nusers)	/* qsort(NULL, 0, ...) is undefined (C11 7.22.5p1) */
		qsort(d->users, d->nusers, sizeof(*d->users), cmp_user);
	d->users_sorted = true;
	if (d->ndevices)
		qsort(d->devices, d->ndevices, sizeof(*d->devices), cmp_device);
}

const struct dir_user *dir_user(const struct dir *d, const char *name, size_t n)
{
	return find_user((struct dir *)d, name, n);
}

const struct dir_device *dir_device_for(const struct dir *d, const char *user,
					const char *ident)
{
	const struct dir_device *first = NULL;
	for (unsigned i = 0; i < d->ndevices; i++) {
		const struct dir_device *dd = &d->devices[i];
		if (strcmp(dd->user, user) != 0)
			continue;
		if (!first)
			first = dd;
		if (ident && strcmp(dd->cert_identity, ident) == 0)
			return dd;
	}
	return ident ? NULL : first;
}

const struct sl_trunk *dir_trunk_for(const struct dir *d, const char *user, size_t n)
{
	const struct sl_trunk *best = NULL;
	size_t bestlen = 0;
	for (unsigned i = 0; i < d->ntrunks; i++) {
		size_t pl = strlen(d->trunks[i].prefix);
		if (pl == 0 || pl > n || memcmp(d->trunks[i].prefix, user, pl) != 0)
			continue;
		if (pl > bestlen) {	/* longest prefix wins */
			best = &d->trunks[i];
			bestlen = pl;
		}
	}
	return best;
}

const struct sl_trunk_cred *dir_trunk_cred(const struct dir *d, const char *trunk,
					   const char *realm, int alg)
{
	for (unsigned i = 0; i < d->ntcreds; i++)
		if (strcmp(d->tcreds[i].trunk, trunk) == 0 &&
		    strcmp(d->tcreds[i].realm, realm) == 0 && d->tcreds[i].alg == alg)
			return &d->tcreds[i];
	return NULL;
}
