/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole store tables in memory, sorted, for listings and for the
 * cross-references in messages ("used by devices a, b").
 */
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"

static int vec_push(struct adm_vec *v, const void *item)
{
	if (v->failed)
		return -1;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->v, cap * v->size);

		if (!p) {
			v->failed = true;
			return -1;
		}
		v->v = p;
		v->cap = cap;
	}
	memcpy((char *)v->v + v->n * v->size, item, v->size);
	v->n++;
	return 0;
}

void adm_vec_free(struct adm_vec *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* Every row type starts with its name (or user) as char[SL_STORE_NAME_MAX]. */
static int by_name(const void *x, const void *y)
{
	return strcmp((const char *)x, (const char *)y);
}

static int by_user_contact(const void *x, const void *y)
{
	const struct sl_registration *a = x, *b = y;
	int c = strcmp(a->user, b->user);

	return c ? c : strcmp(a->contact, b->contact);
}

static int by_mode_name(const void *x, const void *y)
{
	const struct sl_profile *a = x, *b = y;

	if (a->mode != b->mode)
		return a->mode < b->mode ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int push_user(const struct sl_user *u, void *arg) { return vec_push(arg, u) ? -1 : 0; }
static int push_device(const struct sl_device *d, void *arg) { return vec_push(arg, d) ? -1 : 0; }
static int push_profile(const struct sl_profile *p, void *arg) { return vec_push(arg, p) ? -1 : 0; }
static int push_trunk(const struct sl_trunk *t, void *arg) { return vec_push(arg, t) ? -1 : 0; }
static int push_reg(const struct sl_registration *r, void *arg) { return vec_push(arg, r) ? -1 : 0; }

static int finish(struct adm *a, struct adm_vec *v, int rc, const char *err,
		  int (*cmp)(const void *, const void *))
{
	if (v->failed) {
		adm_vec_free(v);
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "out of memory reading the store");
	}
	if (rc < 0) {
		adm_vec_free(v);
		return adm_store_fail(a, rc, err);
	}
	if (v->n > 1)
		qsort(v->v, v->n, v->size, cmp);
	return 0;
}

#define LOADER(fn, type, push, list, cmp)						\
int fn(struct adm *a, struct adm_vec *v)						\
{											\
	char err[ADM_ERR_MAX] = "";							\
	int rc;										\
											\
	memset(v, 0, sizeof(*v));							\
	v->size = sizeof(type);								\
	rc = list(a->ctx->store, push, v, err, sizeof(err));				\
	return finish(a, v, rc, err, cmp);						\
}

LOADER(adm_load_users, struct sl_user, push_user, sl_store_user_list, by_name)
LOADER(adm_load_devices, struct sl_device, push_device, sl_store_device_list, by_name)
LOADER(adm_load_profiles, struct sl_profile, push_profile, sl_store_profile_list, by_mode_name)
LOADER(adm_load_trunks, struct sl_trunk, push_trunk, sl_store_trunk_list, by_name)
LOADER(adm_load_regs, struct sl_registration, push_reg, sl_store_reg_list, by_user_contact)
