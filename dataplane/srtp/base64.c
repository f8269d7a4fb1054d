/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict base64, RFC 4648 §4. Strict means: the length is a multiple of 4,
 * "=" appears only as the last one or two characters, and the bits a padded
 * final group does not use are zero (RFC 4648 §3.5), so each byte string has
 * exactly one accepted encoding.
 */
#include <errno.h>

#include "base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of one base64 character, or -1. */
static int value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int fail(size_t pos, const char *reason, size_t *bad_pos, const char **why)
{
	if (bad_pos)
		*bad_pos = pos;
	if (why)
		*why = reason;
	return -EINVAL;
}

/* Number of "=" at the end (0..2), or -1 if there are more. */
static int count_pad(const char *in, size_t len)
{
	int pad = 0;

	while (len > 0 && in[len - 1] == '=') {
		pad++;
		len--;
	}
	return pad > 2 ? -1 : pad;
}

int sl_base64_check(const char *in, size_t len, size_t *bad_pos, const char **why)
{
	int pad;

	if (len == 0)
		return fail(0, "empty", bad_pos, why);
	pad = count_pad(in, len);
	if (pad < 0)
		return fail(len - 3, "more than two '=' padding characters", bad_pos, why);
	for (size_t i = 0; i < len - (size_t)pad; i++) {
		if (in[i] == '=')
			return fail(i, "'=' padding before the end", bad_pos, why);
		if (value(in[i]) < 0)
			return fail(i, "invalid character", bad_pos, why);
	}
	if (len % 4 != 0)
		return fail(len, "length is not a multiple of 4 (missing '=' padding?)",
			    bad_pos, why);
	/* RFC 4648 §3.5: unused bits of the last group must be zero. */
	if (pad == 1 && (value(in[len - 2]) & 0x03))
		return fail(len - 2, "non-zero unused bits before '='", bad_pos, why);
	if (pad == 2 && (value(in[len - 3]) & 0x0f))
		return fail(len - 3, "non-zero unused bits before '=='", bad_pos, why);
	return (int)(len / 4 * 3 - (size_t)pad);
}

int sl_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	int n = sl_base64_check(in, len, NULL, NULL);
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (n < 0)
		return n;
	if ((size_t)n > cap)
		return -ENOSPC;
	for (size_t i = 0; i < len && in[i] != '='; i++) {
		acc = (acc << 6) | (uint32_t)value(in[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)o;
}

int sl_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t need = SL_BASE64_ENC_LEN(n);
	size_t o = 0;

	if (need + 1 > cap)
		return -ENOSPC;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = left > 1 ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = left > 2 ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}
