/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay window slow paths (RFC 3711 §3.3.2). The per-packet checks are
 * inline in replay.h; see there for the ring layout.
 */
#include "replay.h"

void sl_replay_reset(struct sl_srtp_stream *s, bool rtcp)
{
	memset(sl_stream_bits(s, rtcp), 0, (size_t)s->win_words * 8);
}

/* The ring is cleared and index becomes the top. */
void sl_replay_restart(struct sl_srtp_stream *s, bool rtcp, uint64_t index)
{
	sl_replay_reset(s, rtcp);
	sl_replay_set_top(s, rtcp, index);
}
