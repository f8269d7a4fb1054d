/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the SIP parser as a datagram (parse + validate in both
 * roles, plus the helpers on what was parsed) and as a stream (frame, then
 * parse each frame). Seeded with the RFC 4475 messages.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip.h"

static const char *const options[] = { "timer" };
static const char *const types[] = { "application/sdp", "multipart/mixed" };
static const struct sl_sip_policy pols[2] = {
	{ SL_SIP_ROLE_UAS, options, 1, types, 2 },
	{ SL_SIP_ROLE_PROXY, options, 1, types, 2 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_sip_msg msg;

/* Touches what a caller would read, so ASan sees any bad slice. */
static unsigned int touch(struct sl_sip_str s)
{
	unsigned int x = 0;

	for (size_t i = 0; i < s.n; i++)
		x += (unsigned char)s.p[i];
	return x;
}

static void use(const struct sl_sip_msg *m)
{
	char out[512];
	struct sl_sip_result r;
	struct sl_sip_str u;
	volatile unsigned int sink = 0;

	for (int i = 0; i < 2; i++)
		sl_sip_validate(m, &pols[i], &r, &u);
	sink += touch(m->ruri.raw) + touch(m->body) + touch(m->call_id);
	sink += (unsigned int)sl_sip_unescape(m->ruri.user, out, sizeof(out));
	for (unsigned int i = 0; i < m->nvia; i++)
		sink += touch(m->via[i].branch) + touch(m->via[i].host);
	for (unsigned int i = 0; i < m->ncontact; i++)
		sink += touch(m->contact[i].uri.raw) + touch(m->contact[i].params);
	for (unsigned int i = 0; i < m->nhdr; i++) {
		size_t pos = 0;
		struct sl_sip_str t;

		sink += touch(m->hdr[i].value);
		while (sl_sip_token_next(m->hdr[i].value, &pos, &t))
			sink += touch(t);
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy so reads past the end are caught */
	uint8_t *buf = malloc(size ? size : 1);
	struct sl_sip_result r;
	size_t off = 0;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (sl_sip_parse(buf, size, &msg, &r) == SL_SIP_OK)
		use(&msg);
	while (off < size) {
		size_t len;
		const char *why;
		enum sl_sip_frame_status st = sl_sip_frame(buf + off, size - off,
		    &len, &why);

		if (st == SL_SIP_FRAME_MORE || st == SL_SIP_FRAME_BAD)
			break;
		if (len == 0 || len > size - off)
			abort();	/* the framer must make progress */
		if (st == SL_SIP_FRAME_MSG &&
		    sl_sip_parse(buf + off, len, &msg, &r) == SL_SIP_OK)
			use(&msg);
		off += len;
	}
	free(buf);
	return 0;
}
