/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless nonces (issue 4 §3; RFC 7616 §3.3 leaves the format to the
 * server). 32 bytes, sent as unpadded base64url (43 characters, no quoting
 * trouble):
 *
 *   offset  0  8 bytes  issue time, Unix seconds, big endian
 *   offset  8  8 bytes  salt from RAND_bytes
 *   offset 16 16 bytes  HMAC-SHA256(key, "sl-digest-nonce-1" || time || salt
 *                       || realm), truncated to 16 bytes
 *
 * The realm in the MAC makes a nonce of one realm useless in another. The
 * MAC is compared in constant time. A nonce whose MAC is right but whose age
 * exceeds the lifetime (or that is more than SKEW_S in the future, after a
 * clock step) is STALE: the client gets a new challenge with stale=true.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "digest.h"
#include "digest_int.h"
#include "engine.h"

#define RAW_LEN		32
#define MAC_LEN		16
#define SKEW_S		60
#define LABEL		"sl-digest-nonce-1"

struct sl_digest_nonce_key {
	uint8_t key[SL_DIGEST_NONCE_KEY_MAX];
	size_t keylen;
	uint64_t lifetime_s;
};

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct sl_digest_nonce_key *sl_digest_nonce_key_new(const uint8_t *key,
						    size_t keylen,
						    unsigned lifetime_min,
						    char *err, size_t errlen)
{
	struct sl_digest_nonce_key *k;

	if (!key || keylen < SL_DIGEST_NONCE_KEY_MIN ||
	    keylen > SL_DIGEST_NONCE_KEY_MAX) {
		sl_digest_fail(err, errlen,
			"nonce key must be %d to %d bytes; derive it from the master key",
			SL_DIGEST_NONCE_KEY_MIN, SL_DIGEST_NONCE_KEY_MAX);
		return NULL;
	}
	if (lifetime_min < 1 || lifetime_min > 1440) {
		sl_digest_fail(err, errlen,
			"nonce lifetime %u min is out of range; use 1 to 1440 minutes",
			lifetime_min);
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		sl_digest_fail(err, errlen, "out of memory for the nonce key");
		return NULL;
	}
	memcpy(k->key, key, keylen);
	k->keylen = keylen;
	k->lifetime_s = (uint64_t)lifetime_min * 60;
	return k;
}

void sl_digest_nonce_key_free(struct sl_digest_nonce_key *k)
{
	if (!k)
		return;
	sl_wipe(k, sizeof(*k));
	free(k);
}

static int nonce_mac(const struct sl_digest_nonce_key *k, const uint8_t *ts_salt,
		     const char *realm, uint8_t mac[MAC_LEN])
{
	uint8_t full[32];
	EVP_MAC *m;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM prm[2];
	size_t outl = 0;
	int ok = 0;

	m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (m)
		ctx = EVP_MAC_CTX_new(m);
	prm[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
	prm[1] = OSSL_PARAM_construct_end();
	if (ctx && EVP_MAC_init(ctx, k->key, k->keylen, prm) &&
	    EVP_MAC_update(ctx, (const uint8_t *)LABEL, sizeof(LABEL) - 1) &&
	    EVP_MAC_update(ctx, ts_salt, 16) &&
	    EVP_MAC_update(ctx, (const uint8_t *)realm, strlen(realm)) &&
	    EVP_MAC_final(ctx, full, &outl, sizeof(full)) && outl == sizeof(full))
		ok = 1;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	memcpy(mac, full, MAC_LEN);
	sl_wipe(full, sizeof(full));
	return ok ? 0 : -EIO;
}

static void encode(const uint8_t raw[RAW_LEN], char *out)
{
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (i = 0; i < RAW_LEN; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 63];
		}
	}
	if (bits)
		out[o++] = b64url[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

static int decode(const char *in, uint8_t raw[RAW_LEN])
{
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0;
	const char *p;

	if (strlen(in) != SL_DIGEST_NONCE_LEN)
		return -EINVAL;
	for (i = 0; i < SL_DIGEST_NONCE_LEN; i++) {
		p = in[i] ? strchr(b64url, in[i]) : NULL;
		if (!p)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)(p - b64url);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* 43 chars carry 258 bits: the last 2 must be zero (canonical form). */
	return (acc & ((1u << bits) - 1)) ? -EINVAL : 0;
}

int sl_digest_nonce_make_salt(const struct sl_digest_nonce_key *k,
			      const char *realm, uint64_t now,
			      const uint8_t salt[8],
			      char out[SL_DIGEST_NONCE_LEN + 1])
{
	uint8_t raw[RAW_LEN];
	int i;

	if (!k || !realm)
		return -EINVAL;
	for (i = 0; i < 8; i++)
		raw[i] = (uint8_t)(now >> (56 - 8 * i));
	memcpy(raw + 8, salt, 8);
	if (nonce_mac(k, raw, realm, raw + 16) < 0)
		return -EIO;
	encode(raw, out);
	return 0;
}

int sl_digest_nonce_make(const struct sl_digest_nonce_key *k,
			 const char *realm, uint64_t now,
			 char out[SL_DIGEST_NONCE_LEN + 1])
{
	uint8_t salt[8];

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return -EIO;
	return sl_digest_nonce_make_salt(k, realm, now, salt, out);
}

enum sl_digest_nonce_status sl_digest_nonce_check(
	const struct sl_digest_nonce_key *k, const char *nonce,
	const char *realm, uint64_t now, uint64_t *issued)
{
	uint8_t raw[RAW_LEN], mac[MAC_LEN];
	uint64_t ts = 0;
	int i, same;

	if (!k || !nonce || !realm || decode(nonce, raw) < 0)
		return SL_NONCE_INVALID;
	if (nonce_mac(k, raw, realm, mac) < 0)
		return SL_NONCE_INVALID;
	same = sl_ct_memcmp(mac, raw + 16, MAC_LEN) == 0;
	sl_wipe(mac, sizeof(mac));
	if (!same)
		return SL_NONCE_INVALID;
	for (i = 0; i < 8; i++)
		ts = (ts << 8) | raw[i];
	if (issued)
		*issued = ts;
	if (ts > now + SKEW_S || (ts < now && now - ts >= k->lifetime_s))
		return SL_NONCE_STALE;
	return SL_NONCE_OK;
}
