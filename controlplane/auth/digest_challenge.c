/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WWW-Authenticate / Proxy-Authenticate values (RFC 3261 §20.44, §25.1;
 * RFC 7616 §3.3). SIP carries one challenge per header field, so with both
 * algorithms the daemon adds two header fields, SHA-256 first, then MD5
 * (RFC 8760 §2.4: in order of preference, the strongest first).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "digest_int.h"

size_t sl_digest_challenge_algs(unsigned mask, enum sl_digest_alg out[2])
{
	size_t n = 0;

	if (mask & SL_DIGEST_ALG_BIT(SL_DIGEST_SHA256))
		out[n++] = SL_DIGEST_SHA256;
	if (mask & SL_DIGEST_ALG_BIT(SL_DIGEST_MD5))
		out[n++] = SL_DIGEST_MD5;
	return n;
}

/* Appends a quoted-string of v, escaping '"' and '\'; refuses controls. */
static int put_quoted(char *out, size_t outlen, size_t *pos, const char *v)
{
	size_t p = *pos;

	if (p + 1 >= outlen)
		return -ENOSPC;
	out[p++] = '"';
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch < 0x20 || ch == 0x7f)
			return -EINVAL;
		if (ch == '"' || ch == '\\') {
			if (p + 1 >= outlen)
				return -ENOSPC;
			out[p++] = '\\';
		}
		if (p + 1 >= outlen)
			return -ENOSPC;
		out[p++] = (char)ch;
	}
	if (p + 1 >= outlen)
		return -ENOSPC;
	out[p++] = '"';
	out[p] = '\0';
	*pos = p;
	return 0;
}

static int put_raw(char *out, size_t outlen, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n >= outlen)
		return -ENOSPC;
	memcpy(out + *pos, s, n + 1);
	*pos += n;
	return 0;
}

int sl_digest_challenge_format(char *out, size_t outlen,
			       enum sl_digest_alg alg, const char *realm,
			       const char *nonce, const char *opaque,
			       bool stale, char *err, size_t errlen)
{
	size_t pos = 0;
	int rc;

	if (!out || !outlen || !sl_digest_alg_len(alg) || !realm || !*realm ||
	    !nonce || !*nonce)
		return sl_digest_fail(err, errlen,
			"challenge: an algorithm (MD5 or SHA-256), a realm and a nonce are required");
	out[0] = '\0';
	rc = put_raw(out, outlen, &pos, "Digest realm=");
	if (!rc)
		rc = put_quoted(out, outlen, &pos, realm);
	if (!rc)
		rc = put_raw(out, outlen, &pos, ", qop=\"auth\", nonce=");
	if (!rc)
		rc = put_quoted(out, outlen, &pos, nonce);
	if (!rc && opaque && *opaque) {
		rc = put_raw(out, outlen, &pos, ", opaque=");
		if (!rc)
			rc = put_quoted(out, outlen, &pos, opaque);
	}
	if (!rc)
		rc = put_raw(out, outlen, &pos, ", algorithm=");
	if (!rc)
		rc = put_raw(out, outlen, &pos, sl_digest_alg_name(alg));
	if (!rc && stale)
		rc = put_raw(out, outlen, &pos, ", stale=true");
	if (rc == -ENOSPC) {
		out[0] = '\0';
		sl_digest_fail(err, errlen,
			"challenge does not fit in %zu bytes; give a larger buffer",
			outlen);
		return -ENOSPC;
	}
	if (rc < 0) {
		out[0] = '\0';
		return sl_digest_fail(err, errlen,
			"challenge: realm, nonce and opaque must not contain control characters");
	}
	return (int)pos;
}
