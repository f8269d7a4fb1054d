/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of the administration socket (admin_proto.h). No dependencies,
 * so shieldlockctl links it without the store or libevent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_proto.h"

const char *sl_admin_status_name(int status)
{
	switch (status) {
	case SL_ADMIN_OK: return "ok";
	case SL_ADMIN_E_USAGE: return "usage";
	case SL_ADMIN_E_NOTFOUND: return "not found";
	case SL_ADMIN_E_EXISTS: return "exists";
	case SL_ADMIN_E_BUSY: return "busy";
	case SL_ADMIN_E_INTERNAL: return "internal";
	case SL_ADMIN_E_DENIED: return "denied";
	default: return "unknown";
	}
}

void sl_admin_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t sl_admin_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int sl_admin_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, min;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

int sl_admin_req_encode(int argc, char *const argv[], uint32_t flags, uint8_t **frame,
			size_t *frame_len, char *err, size_t errlen)
{
	size_t len = 4;
	uint8_t *f, *p;

	*frame = NULL;
	*frame_len = 0;
	if (argc < 1 || argc > SL_ADMIN_ARGC_MAX) {
		snprintf(err, errlen, "%d arguments: a request carries 1 to %d", argc, SL_ADMIN_ARGC_MAX);
		return -EINVAL;
	}
	if (flags & ~(uint32_t)SL_ADMIN_F_ALL) {
		snprintf(err, errlen, "unknown request flags 0x%x", (unsigned)flags);
		return -EINVAL;
	}
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (!sl_admin_utf8_valid(argv[i], n)) {
			snprintf(err, errlen, "argument %d is not valid UTF-8", i + 1);
			return -EINVAL;
		}
		if (n + 1 > SL_ADMIN_FRAME_MAX - len) {
			snprintf(err, errlen, "the request is longer than %u bytes", SL_ADMIN_FRAME_MAX);
			return -E2BIG;
		}
		len += n + 1;
	}
	f = malloc(SL_ADMIN_HDR_LEN + len);
	if (!f) {
		snprintf(err, errlen, "out of memory building a %zu-byte request", len);
		return -ENOMEM;
	}
	put_u32(f, (uint32_t)len);
	put_u32(f + 4, flags);
	p = f + 8;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		memcpy(p, argv[i], n);
		p += n;
	}
	*frame = f;
	*frame_len = SL_ADMIN_HDR_LEN + len;
	return 0;
}

int sl_admin_req_decode(uint8_t *payload, size_t len, uint32_t *flags, char **argv,
			int argv_max, char *err, size_t errlen)
{
	size_t i;
	int argc = 0;

	if (len < 4 + 2) {
		snprintf(err, errlen, "request of %zu bytes is too short (flags and a command needed)", len);
		return -EINVAL;
	}
	if (len > SL_ADMIN_FRAME_MAX) {
		snprintf(err, errlen, "request of %zu bytes exceeds %u", len, SL_ADMIN_FRAME_MAX);
		return -EINVAL;
	}
	*flags = sl_admin_get_u32(payload);
	if (*flags & ~(uint32_t)SL_ADMIN_F_ALL) {
		snprintf(err, errlen, "unknown request flags 0x%x", (unsigned)*flags);
		return -EINVAL;
	}
	if (payload[len - 1] != '\0') {
		snprintf(err, errlen, "the last argument of the request is not NUL-terminated");
		return -EINVAL;
	}
	for (i = 4; i < len;) {
		char *s = (char *)payload + i;
		size_t n = strlen(s);

		if (argc >= argv_max || argc >= SL_ADMIN_ARGC_MAX) {
			snprintf(err, errlen, "more than %d arguments in the request",
				 argv_max < SL_ADMIN_ARGC_MAX ? argv_max : SL_ADMIN_ARGC_MAX);
			return -EINVAL;
		}
		if (!sl_admin_utf8_valid(s, n)) {
			snprintf(err, errlen, "argument %d of the request is not valid UTF-8", argc + 1);
			return -EINVAL;
		}
		argv[argc++] = s;
		i += n + 1;
	}
	if (argv[0][0] == '\0') {
		snprintf(err, errlen, "the request has an empty command");
		return -EINVAL;
	}
	if (argc < argv_max)
		argv[argc] = NULL;
	return argc;
}

void sl_admin_reply_header(uint8_t hdr[8], int status, size_t text_len)
{
	put_u32(hdr, (uint32_t)(4 + text_len));
	put_u32(hdr + 4, (uint32_t)status);
}
