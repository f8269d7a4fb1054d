/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "ssrc_map.h"

static size_t slot_of(uint32_t ssrc, size_t cap)
{
	return (size_t)((ssrc * 2654435761u) & (uint32_t)(cap - 1));
}

int ssrc_map_init(struct ssrc_map *m)
{
	m->cap = 64;
	m->n = 0;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	return m->slots ? 0 : -ENOMEM;
}

struct sl_srtp_stream *ssrc_map_get(const struct ssrc_map *m, uint32_t ssrc)
{
	for (size_t i = slot_of(ssrc, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].stream)
			return NULL;
		if (m->slots[i].ssrc == ssrc)
			return m->slots[i].stream;
	}
}

static void insert(struct ssrc_slot *slots, size_t cap, uint32_t ssrc, struct sl_srtp_stream *s)
{
	size_t i = slot_of(ssrc, cap);

	while (slots[i].stream)
		i = (i + 1) & (cap - 1);
	slots[i].ssrc = ssrc;
	slots[i].stream = s;
}

static int grow(struct ssrc_map *m)
{
	size_t cap = m->cap * 2;
	struct ssrc_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].stream)
			insert(s, cap, m->slots[i].ssrc, m->slots[i].stream);
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

int ssrc_map_put(struct ssrc_map *m, uint32_t ssrc, struct sl_srtp_stream *s)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	insert(m->slots, m->cap, ssrc, s);
	m->n++;
	return 0;
}

void ssrc_map_free(struct ssrc_map *m, void (*fn)(struct sl_srtp_stream *, void *), void *arg)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].stream)
			fn(m->slots[i].stream, arg);
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
