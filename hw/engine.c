/* SPDX-License-Identifier: BSD-3-Clause */
/* Engine registry and the helpers every backend and caller shares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static const struct sl_engine_ops *const registry[] = {
	&sl_engine_ipsecmb_ops,
	&sl_engine_cryptodev_ops,
	&sl_engine_openssl_ops,
};
#define N_ENGINES (sizeof(registry) / sizeof(registry[0]))

static const char *const names[N_ENGINES + 1] = {
	"ipsec-mb", "cryptodev", "openssl", NULL,
};

const char *const *sl_engine_names(void)
{
	return names;
}

const struct sl_engine_ops *sl_engine_find(const char *name)
{
	for (size_t i = 0; i < N_ENGINES; i++)
		if (name && strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

/* 1.. for registered engines, 0xff for others; 0 marks a cleared session. */
static uint8_t engine_id(const struct sl_engine_ops *ops)
{
	for (size_t i = 0; i < N_ENGINES; i++)
		if (registry[i] == ops)
			return (uint8_t)(i + 1);
	return 0xff;
}

struct sl_engine *sl_engine_open(const char *name, const char *args, int *err)
{
	const struct sl_engine_ops *ops = sl_engine_find(name);

	if (!ops) {
		fprintf(stderr, "engine: unknown engine '%s' (known: ipsec-mb, cryptodev, openssl)\n",
			name ? name : "(null)");
		if (err)
			*err = -ENOENT;
		return NULL;
	}
	return sl_engine_open_ops(ops, args, err);
}

struct sl_engine *sl_engine_open_ops(const struct sl_engine_ops *ops, const char *args, int *err)
{
	const char *name = ops->name, *failed = NULL;
	struct sl_engine *e;
	int rc;

	e = calloc(1, sizeof(*e));
	if (!e) {
		rc = -ENOMEM;
		goto err;
	}
	e->ops = ops;
	e->id = engine_id(ops);
	if (ops->priv_size) {
		e->priv = aligned_alloc(64, (ops->priv_size + 63) & ~(size_t)63);
		if (!e->priv) {
			rc = -ENOMEM;
			goto err_engine;
		}
		memset(e->priv, 0, ops->priv_size);
	}
	rc = ops->init(e, args);
	if (rc < 0) {
		fprintf(stderr, "engine %s: initialisation failed: %s\n", name, strerror(-rc));
		goto err_priv;
	}
	rc = ops->selftest(e, &failed);
	if (rc < 0) {
		fprintf(stderr, "engine %s: known-answer self-test failed on %s; refusing to start\n",
			name, failed ? failed : "(unknown vector)");
		goto err_init;
	}
	if (err)
		*err = 0;
	return e;

err_init:
	ops->fini(e);
err_priv:
	free(e->priv);
err_engine:
	free(e);
err:
	if (err)
		*err = rc;
	return NULL;
}

void sl_engine_close(struct sl_engine *e)
{
	if (!e)
		return;
	e->ops->fini(e);
	if (e->priv)
		sl_wipe(e->priv, e->ops->priv_size);
	free(e->priv);
	free(e);
}

static int params_supported(const struct sl_engine *e, const struct sl_sess_params *p)
{
	uint32_t need = 0;

	switch (p->cipher) {
	case SL_CIPHER_NULL:
		need |= SL_CAP_NULL_CIPHER;
		break;
	case SL_CIPHER_AES_CTR:
		if (p->cipher_key_len != 16 && p->cipher_key_len != 32)
			return -EINVAL;
		need |= p->cipher_key_len == 16 ? SL_CAP_AES_CTR_128 : SL_CAP_AES_CTR_256;
		break;
	case SL_CIPHER_AES_GCM:
		if (p->cipher_key_len != 16 && p->cipher_key_len != 32)
			return -EINVAL;
		if (p->auth != SL_AUTH_AEAD || p->tag_len < 8 || p->tag_len > 16)
			return -EINVAL;
		need |= p->cipher_key_len == 16 ? SL_CAP_AES_GCM_128 : SL_CAP_AES_GCM_256;
		break;
	case SL_CIPHER_AES_CBC:
		need |= SL_CAP_AES_CBC;
		break;
	default:
		return -EINVAL;
	}
	switch (p->auth) {
	case SL_AUTH_NULL:
		break;
	case SL_AUTH_HMAC_SHA1:
		if (p->tag_len == 0 || p->tag_len > 20 || p->auth_key_len == 0 ||
		    p->auth_key_len > SL_MAX_AUTH_KEY_LEN)
			return -EINVAL;
		need |= SL_CAP_HMAC_SHA1;
		break;
	case SL_AUTH_AEAD:
		if (p->cipher != SL_CIPHER_AES_GCM)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return (e->ops->caps & need) == need ? 0 : -ENOTSUP;
}

size_t sl_sess_size(const struct sl_engine *e, const struct sl_sess_params *p)
{
	if (params_supported(e, p) < 0)
		return 0;
	return (e->ops->sess_size(e, p) + SL_SESS_ALIGN - 1) & ~(size_t)(SL_SESS_ALIGN - 1);
}

int sl_sess_init(struct sl_engine *e, struct sl_sess *s, const struct sl_sess_params *p)
{
	int rc = params_supported(e, p);

	if (rc < 0)
		return rc;
	memset(s, 0, sizeof(*s));
	s->cipher = (uint8_t)p->cipher;
	s->auth = (uint8_t)p->auth;
	s->key_len = p->cipher_key_len;
	s->tag_len = p->tag_len;
	s->engine_id = e->id;
	return e->ops->sess_init(e, s, p);
}

void sl_sess_clear(struct sl_engine *e, struct sl_sess *s)
{
	if (!s || s->engine_id != e->id)
		return;
	e->ops->sess_clear(e, s);
	s->engine_id = 0;
}

uint16_t sl_engine_run_burst(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n)
{
	struct sl_crypto_job *done[64];
	uint16_t sent = 0, got = 0, ok = 0;
	unsigned spins = 0;

	while (got < n) {
		if (sent < n)
			sent += e->ops->enqueue_burst(e, jobs + sent, (uint16_t)(n - sent));
		uint16_t k = e->ops->dequeue_burst(e, done, 64);
		for (uint16_t i = 0; i < k; i++) {
			switch (done[i]->status) {
			case SL_JOB_OK:
				ok++;
				e->jobs_ok++;
				break;
			case SL_JOB_AUTH_FAILED:
				e->jobs_auth_failed++;
				break;
			default:
				done[i]->status = SL_JOB_ERROR;
				e->jobs_error++;
				break;
			}
		}
		got += k;
		if (k == 0 && ++spins > 100000000u) {
			/* An engine that stops completing jobs is broken: fail closed. */
			for (uint16_t i = 0; i < n; i++)
				if (jobs[i]->status == SL_JOB_PENDING)
					jobs[i]->status = SL_JOB_ERROR;
			break;
		}
	}
	return ok;
}

int sl_ct_memcmp(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d != 0;
}

void sl_wipe(void *p, size_t n)
{
	if (!p)
		return;
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
