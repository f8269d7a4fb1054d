/* SPDX-License-Identifier: BSD-3-Clause */
/* A small open-addressing map SSRC -> SRTP stream for shieldlock-srtp. */
#ifndef SL_SSRC_MAP_H
#define SL_SSRC_MAP_H

#include <stddef.h>
#include <stdint.h>

struct sl_srtp_stream;

struct ssrc_slot {
	uint32_t ssrc;
	struct sl_srtp_stream *stream;  /* NULL = empty slot */
};

struct ssrc_map {
	struct ssrc_slot *slots;
	size_t cap;                     /* power of two */
	size_t n;
};

int ssrc_map_init(struct ssrc_map *m);
struct sl_srtp_stream *ssrc_map_get(const struct ssrc_map *m, uint32_t ssrc);
/* Returns 0 or -ENOMEM. */
int ssrc_map_put(struct ssrc_map *m, uint32_t ssrc, struct sl_srtp_stream *s);
/* Calls fn on every stream, then frees the map. */
void ssrc_map_free(struct ssrc_map *m, void (*fn)(struct sl_srtp_stream *, void *), void *arg);

#endif
