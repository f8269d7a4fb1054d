/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Digest computations of RFC 7616 §3.4.1-§3.4.3 (qop=auth only):
 *
 *   HA1      = H(username ":" realm ":" password)
 *   HA2      = H(method ":" digest-uri)
 *   response = H(hex(HA1) ":" nonce ":" nc ":" cnonce ":" "auth" ":" hex(HA2))
 *
 * with H = MD5 or SHA-256 and hex() lowercase (RFC 7616 §3.4.1). The "-sess"
 * variants are not offered (RFC 8760 §2.3 makes them optional).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest.h"
#include "digest_int.h"
#include "engine.h"

const char *sl_digest_status_name(enum sl_digest_status st)
{
	static const char *const names[] = {
		[SL_DIGEST_OK] = "ok",
		[SL_DIGEST_STALE] = "stale nonce",
		[SL_DIGEST_REPLAY] = "replayed nonce-count",
		[SL_DIGEST_BAD_RESPONSE] = "bad response",
		[SL_DIGEST_BAD_NONCE] = "bad nonce",
		[SL_DIGEST_BAD_REALM] = "bad realm",
		[SL_DIGEST_BAD_URI] = "bad uri",
		[SL_DIGEST_UNSUPPORTED_ALGORITHM] = "unsupported algorithm",
		[SL_DIGEST_ERROR] = "error",
	};

	if ((unsigned)st < sizeof(names) / sizeof(names[0]))
		return names[st];
	return "unknown";
}

const char *sl_digest_alg_name(enum sl_digest_alg alg)
{
	switch (alg) {
	case SL_DIGEST_MD5:
		return "MD5";
	case SL_DIGEST_SHA256:
		return "SHA-256";
	default:
		return "unsupported";
	}
}

size_t sl_digest_alg_len(enum sl_digest_alg alg)
{
	switch (alg) {
	case SL_DIGEST_MD5:
		return 16;
	case SL_DIGEST_SHA256:
		return 32;
	default:
		return 0;
	}
}

int sl_digest_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const EVP_MD *md_of(enum sl_digest_alg alg)
{
	switch (alg) {
	case SL_DIGEST_MD5:
		return EVP_md5();
	case SL_DIGEST_SHA256:
		return EVP_sha256();
	default:
		return NULL;
	}
}

void sl_digest_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* H(p[0] ":" p[1] ":" ... p[n-1]) into out (binary). */
static int hash_joined(enum sl_digest_alg alg, const char *const *parts,
		       size_t n, uint8_t *out)
{
	const EVP_MD *md = md_of(alg);
	EVP_MD_CTX *ctx;
	unsigned int outlen = 0;
	size_t i;
	int ok;

	if (!md)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (i = 0; ok && i < n; i++) {
		if (i)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok)
			ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &outlen);
	EVP_MD_CTX_free(ctx);
	return ok && outlen == sl_digest_alg_len(alg) ? 0 : -EIO;
}

int sl_digest_ha1(enum sl_digest_alg alg, const char *username,
		  const char *realm, const char *password, uint8_t *ha1,
		  char *err, size_t errlen)
{
	const char *parts[3] = { username, realm, password };

	if (!sl_digest_alg_len(alg))
		return sl_digest_fail(err, errlen,
			"HA1: unsupported algorithm; use MD5 or SHA-256");
	if (!username || !*username || !realm || !*realm || !password)
		return sl_digest_fail(err, errlen,
			"HA1: username, realm and password are required");
	if (strchr(username, ':'))
		return sl_digest_fail(err, errlen,
			"HA1: the username must not contain ':' (it would be ambiguous in H(user:realm:password))");
	if (hash_joined(alg, parts, 3, ha1) < 0)
		return sl_digest_fail(err, errlen,
			"HA1: the crypto library failed to hash; check OpenSSL");
	return 0;
}

int sl_digest_response(enum sl_digest_alg alg, const uint8_t *ha1,
		       const char *method, const char *uri, const char *nonce,
		       uint32_t nc, const char *cnonce,
		       char out_hex[SL_DIGEST_MAX_HEX + 1])
{
	uint8_t h[SL_DIGEST_MAX_HASH];
	char ha1_hex[SL_DIGEST_MAX_HEX + 1], ha2_hex[SL_DIGEST_MAX_HEX + 1];
	char ncs[9];
	const char *a2[2] = { method, uri };
	const char *kd[6] = { ha1_hex, nonce, ncs, cnonce, "auth", ha2_hex };
	size_t len = sl_digest_alg_len(alg);
	int rc;

	if (!len)
		return -EINVAL;
	rc = hash_joined(alg, a2, 2, h);
	if (rc < 0)
		return rc;
	sl_digest_hex(h, len, ha2_hex);
	sl_digest_hex(ha1, len, ha1_hex);
	snprintf(ncs, sizeof(ncs), "%08x", nc);
	rc = hash_joined(alg, kd, 6, h);
	sl_wipe(ha1_hex, sizeof(ha1_hex));
	if (rc < 0)
		return rc;
	sl_digest_hex(h, len, out_hex);
	sl_wipe(h, sizeof(h));
	return 0;
}
