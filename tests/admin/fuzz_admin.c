/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness of the admin socket's request decoder (admin_proto.c)
 * and of the JSON string writer fed with what it decodes: the decoder must
 * never read outside the payload, and every decoded argument written as a
 * JSON string must come out as valid UTF-8 without raw control characters
 * (RFC 8259 §7, §8.1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[SL_ADMIN_ARGC_MAX + 1], err[256];
	struct sl_admin_out o;
	uint8_t *copy;
	uint32_t flags;
	int argc;

	if (size > SL_ADMIN_FRAME_MAX)
		return 0;
	copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	argc = sl_admin_req_decode(copy, size, &flags, argv, SL_ADMIN_ARGC_MAX + 1, err, sizeof(err));
	if (argc > 0) {
		if (argc > SL_ADMIN_ARGC_MAX || flags & ~(uint32_t)SL_ADMIN_F_ALL)
			abort();
		sl_admin_out_init(&o);
		for (int i = 0; i < argc; i++)
			jw_escape(&o, argv[i]);
		if (!o.failed && o.buf) {
			if (!sl_admin_utf8_valid(o.buf, o.len))
				abort();
			for (size_t i = 0; i < o.len; i++)
				if ((unsigned char)o.buf[i] < 0x20)
					abort();
		}
		sl_admin_out_free(&o);
	}
	/* Raw bytes (not decoded) through the escaper too. */
	if (size && !memchr(data, 0, size)) {
		char *s = malloc(size + 1);

		if (s) {
			memcpy(s, data, size);
			s[size] = '\0';
			sl_admin_out_init(&o);
			jw_escape(&o, s);
			if (!o.failed && o.buf && !sl_admin_utf8_valid(o.buf, o.len))
				abort();
			sl_admin_out_free(&o);
			free(s);
		}
	}
	free(copy);
	return 0;
}
