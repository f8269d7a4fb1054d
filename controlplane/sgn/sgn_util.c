/* SPDX-License-Identifier: BSD-3-Clause */
/* Small helpers of the signed-file library: errors, a bounded writer, hex. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn_internal.h"

int sgn_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void sgn_put(struct sgn_wbuf *w, const void *v, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	if (n)
		memcpy(w->p + w->len, v, n);
	w->len += n;
}

void sgn_put8(struct sgn_wbuf *w, uint8_t v)
{
	sgn_put(w, &v, 1);
}

void sgn_put16(struct sgn_wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	sgn_put(w, b, 2);
}

void sgn_put32(struct sgn_wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	sgn_put(w, b, 4);
}

void sgn_tlv(struct sgn_wbuf *w, uint8_t tag, const void *v, size_t n)
{
	if (n > 0xFFFF) {
		w->overflow = true;
		return;
	}
	sgn_put8(w, tag);
	sgn_put16(w, (uint16_t)n);
	sgn_put(w, v, n);
}

void sgn_tlv_str(struct sgn_wbuf *w, uint8_t tag, const char *s)
{
	sgn_tlv(w, tag, s, strlen(s) + 1);	/* spec §0: the length includes the NUL */
}

const EVP_MD *sgn_md(int code)
{
	switch (code) {
	case SL_HASH_SHA1:
		return EVP_sha1();
	case SL_HASH_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

void sgn_hex(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	bool truncated = false;
	size_t o = 0;

	if (!outlen)
		return;
	for (size_t i = 0; i < n; i++) {
		if (o + 3 > outlen) {
			truncated = true;
			break;
		}
		out[o++] = digits[b[i] >> 4];
		out[o++] = digits[b[i] & 15];
	}
	if (truncated && outlen >= 4) {
		if (o > outlen - 4)
			o = outlen - 4;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

const char *sl_role_name(unsigned role)
{
	switch (role) {
	case SL_ROLE_SAST: return "SAST";
	case SL_ROLE_CCM: return "CCM";
	case SL_ROLE_CCM_TFTP: return "CCM+TFTP";
	case SL_ROLE_TFTP: return "TFTP";
	case SL_ROLE_CAPF: return "CAPF";
	case SL_ROLE_APP_SERVER: return "APP-SERVER";
	case SL_ROLE_TVS: return "TVS";
	default: return NULL;
	}
}

void sl_sgn_free_secret(uint8_t *p, size_t len)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}
