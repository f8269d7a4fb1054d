/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shieldlockctl ctl build, image signer, image sign-digest, prov status (issue 5;
 * docs/provisioning.md). "ctl verify" and "image verify" need no daemon:
 * shieldlockctl does them itself (tools/ctl/prov_cmd.c); "image sign" there
 * builds the signed-file header and asks the daemon only for the
 * signature of its digest, so an image of any size never crosses the
 * admin socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "admin_int.h"

static int ctl_build(struct adm *a, int argc, char **argv)
{
	char out[1024], err[512];
	const struct adm_opt opts[] = { { NULL, NULL, NULL } };

	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)))
		return rc;
	if (!a->ctx->prov_build)
		return adm_fail(a, SL_ADMIN_E_INTERNAL,
				"provisioning is off ([provisioning] enabled = no)");
	if (a->ctx->prov_build(a->ctx->arg, out, sizeof(out), err, sizeof(err)) < 0)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "%s", err);
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_bool(&w, "built", true);
		jw_str(&w, "summary", out);
		jw_end_obj(&w);
	} else {
		sl_admin_out_printf(a->out, "%s\n", out);
	}
	return SL_ADMIN_OK;
}

int adm_ctl(struct adm *a, int argc, char **argv)
{
	static const struct adm_sub subs[] = {
		{ "build", "ctl build", ctl_build },
		{ NULL, NULL, NULL },
	};
	return adm_dispatch(a, "ctl", subs, argc - 1, argv + 1);
}

static int image_signer(struct adm *a, int argc, char **argv)
{
	const struct adm_opt opts[] = { { NULL, NULL, NULL } };
	const struct sl_admin_cert_ref *tftp = NULL;
	FILE *f;
	char buf[16384];
	size_t n;

	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)))
		return rc;
	for (size_t i = 0; i < a->ctx->ncerts; i++)
		if (!strcmp(a->ctx->certs[i].name, "tftp"))
			tftp = &a->ctx->certs[i];
	if (!tftp || !a->ctx->tftp_sign_digest)
		return adm_fail(a, SL_ADMIN_E_INTERNAL,
				"provisioning is off ([provisioning] enabled = no): no TFTP key");
	f = fopen(tftp->path, "r");
	if (!f)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "cannot read %s: %s", tftp->path,
				strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (a->json) {
		struct jw w;

		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_str(&w, "certificate", buf);
		jw_int(&w, "hash", a->ctx->conf ? (int64_t)a->ctx->conf->file_hash : 1);
		jw_end_obj(&w);
	} else {
		sl_admin_out_printf(a->out, "hash: %s\n",
				    a->ctx->conf && a->ctx->conf->file_hash == 3 ? "sha512" : "sha1");
		sl_admin_out_puts(a->out, buf);
	}
	return SL_ADMIN_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int image_sign_digest(struct adm *a, int argc, char **argv)
{
	const char *hash = NULL, *digest = NULL;
	const struct adm_opt opts[] = {
		{ "--hash", &hash, NULL }, { "--digest", &digest, NULL }, { NULL, NULL, NULL },
	};
	uint8_t d[64], sig[1024];
	size_t dlen, siglen = sizeof(sig), want;
	char err[512];
	int h;

	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)))
		return rc;
	if (!hash || !digest)
		return adm_usage(a, "--hash and --digest are required");
	/* spec §0: 1 = SHA-1, 3 = SHA-512 (SHA-256 is refused by phones) */
	if (!strcmp(hash, "sha1")) {
		h = 1;
		want = 20;
	} else if (!strcmp(hash, "sha512")) {
		h = 3;
		want = 64;
	} else {
		return adm_fail(a, SL_ADMIN_E_USAGE, "--hash %s: use sha1 or sha512", hash);
	}
	dlen = strlen(digest);
	if (dlen != 2 * want)
		return adm_fail(a, SL_ADMIN_E_USAGE, "--digest: %zu hex digits, expected %zu for %s",
				dlen, 2 * want, hash);
	for (size_t i = 0; i < want; i++) {
		int hi = hexval(digest[2 * i]), lo = hexval(digest[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return adm_fail(a, SL_ADMIN_E_USAGE, "--digest: not hexadecimal");
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!a->ctx->tftp_sign_digest)
		return adm_fail(a, SL_ADMIN_E_INTERNAL,
				"provisioning is off ([provisioning] enabled = no): no TFTP key");
	if (a->ctx->tftp_sign_digest(a->ctx->arg, h, d, want, sig, &siglen, err, sizeof(err)) < 0)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "%s", err);
	if (a->json) {
		struct jw w;
		char hex[2 * sizeof(sig) + 1];

		for (size_t i = 0; i < siglen; i++)
			snprintf(hex + 2 * i, 3, "%02x", sig[i]);
		jw_init(&w, a->out);
		jw_obj(&w, NULL);
		jw_str(&w, "signature", hex);
		jw_end_obj(&w);
	} else {
		for (size_t i = 0; i < siglen; i++)
			sl_admin_out_printf(a->out, "%02x", sig[i]);
		sl_admin_out_puts(a->out, "\n");
	}
	OPENSSL_cleanse(d, sizeof(d));
	return SL_ADMIN_OK;
}

int adm_image(struct adm *a, int argc, char **argv)
{
	static const struct adm_sub subs[] = {
		{ "signer", "image signer", image_signer },
		{ "sign-digest", "image sign-digest --hash sha1|sha512 --digest HEX",
		  image_sign_digest },
		{ NULL, NULL, NULL },
	};
	return adm_dispatch(a, "image", subs, argc - 1, argv + 1);
}

/* "tftp on requests=3 completed=3 ..." lines: a table, or JSON objects. */
static int prov_status(struct adm *a, int argc, char **argv)
{
	const struct adm_opt opts[] = { { NULL, NULL, NULL } };
	char text[4096], err[256];
	struct jw w;
	int rc;

	if ((rc = adm_parse(a, argc, argv, opts, 0, NULL, NULL)))
		return rc;
	if (!a->ctx->prov_status)
		return adm_fail(a, SL_ADMIN_E_INTERNAL,
				"provisioning is off ([provisioning] enabled = no)");
	if (a->ctx->prov_status(a->ctx->arg, text, sizeof(text), err, sizeof(err)) < 0)
		return adm_fail(a, SL_ADMIN_E_INTERNAL, "%s", err);
	if (a->json) {
		jw_init(&w, a->out);
		jw_obj(&w, NULL);
	}
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *s2 = NULL, *name = strtok_r(line, " ", &s2);
		char *state = name ? strtok_r(NULL, " ", &s2) : NULL;

		if (!name || !state)
			continue;
		if (a->json) {
			jw_obj(&w, name);
			jw_bool(&w, "on", !strcmp(state, "on"));
		} else {
			sl_admin_out_printf(a->out, "%-5s %-3s", name, state);
		}
		for (char *kv = strtok_r(NULL, " ", &s2); kv; kv = strtok_r(NULL, " ", &s2)) {
			char *eq = strchr(kv, '=');

			if (!eq)
				continue;
			*eq = '\0';
			if (a->json)
				jw_uint(&w, kv, strtoull(eq + 1, NULL, 10));
			else
				sl_admin_out_printf(a->out, "  %s %s", kv, eq + 1);
		}
		if (a->json)
			jw_end_obj(&w);
		else
			sl_admin_out_puts(a->out, "\n");
	}
	if (a->json)
		jw_end_obj(&w);
	return SL_ADMIN_OK;
}

int adm_prov(struct adm *a, int argc, char **argv)
{
	static const struct adm_sub subs[] = {
		{ "status", "prov status", prov_status },
		{ NULL, NULL, NULL },
	};
	return adm_dispatch(a, "prov", subs, argc - 1, argv + 1);
}
