/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client side of the data plane control protocol (dp_proto.h), used by
 * shieldlockctl, shieldlock-gen, tests and, later, shieldlockd. Blocking,
 * one request at a time; no DPDK dependency.
 *
 * Every function returns 0 or -SL_DP_E_x (or -SL_DP_E_FRAMING for I/O and
 * protocol errors) and, when msg is not NULL, a human-readable reason: the
 * data plane's SL_DP_ERROR text, or what failed locally.
 */
#ifndef SL_DP_CLIENT_H
#define SL_DP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "dp_proto.h"

struct sl_dp_client;

/* Connects and exchanges hellos. NULL on error (msg says why). */
struct sl_dp_client *sl_dp_client_connect(const char *path, const char *name,
					  char *msg, size_t msglen);
void sl_dp_client_close(struct sl_dp_client *c);
int sl_dp_client_fd(const struct sl_dp_client *c);

/* Raw request/reply (tests): body of len bytes; reply body copied into
 * reply (cap bytes), its type and length returned. Wipes its own buffers. */
int sl_dp_client_call(struct sl_dp_client *c, uint16_t type, const void *body, uint32_t len,
		      uint16_t *reply_type, void *reply, uint32_t cap, uint32_t *reply_len,
		      char *msg, size_t msglen);

int sl_dp_flow_add(struct sl_dp_client *c, const struct sl_dp_flow_spec *spec, uint64_t *id,
		   char *msg, size_t msglen);
int sl_dp_flow_mod(struct sl_dp_client *c, const struct sl_dp_flow_spec *spec,
		   char *msg, size_t msglen);
int sl_dp_flow_del(struct sl_dp_client *c, uint64_t id, char *msg, size_t msglen);
int sl_dp_flow_get(struct sl_dp_client *c, uint64_t id, struct sl_dp_flow_info *out,
		   char *msg, size_t msglen);
/* Calls cb for every flow (pages through FLOW_LIST); stops early if cb returns non-zero. */
int sl_dp_flow_list(struct sl_dp_client *c,
		    int (*cb)(const struct sl_dp_flow_info *fi, void *arg), void *arg,
		    char *msg, size_t msglen);
int sl_dp_flow_flush(struct sl_dp_client *c, uint64_t *count, char *msg, size_t msglen);
int sl_dp_stats_get(struct sl_dp_client *c, struct sl_dp_stats *out, char *msg, size_t msglen);
int sl_dp_status_get(struct sl_dp_client *c, struct sl_dp_status *out, char *msg, size_t msglen);
int sl_dp_subscribe(struct sl_dp_client *c, uint32_t events, char *msg, size_t msglen);
/* Waits up to timeout_ms for an event; 1 = got one (type, body in buf), 0 = timeout. */
int sl_dp_next_event(struct sl_dp_client *c, int timeout_ms, uint16_t *type, void *buf,
		     uint32_t cap, uint32_t *len, char *msg, size_t msglen);

const char *sl_dp_strerror(int code);    /* accepts code or -code */

/* Additions (issue 3, task B). */
/* Name of a message type ("FLOW_ADD"), "unknown" if out of range. */
const char *sl_dp_msg_name(unsigned type);
/* How long a reply may take (default 5000 ms, or $SHIELDLOCK_DP_TIMEOUT_MS at
 * connect time, which also bounds the hello). <= 0 restores the default. */
void sl_dp_client_set_timeout(struct sl_dp_client *c, int timeout_ms);
/* The name the data plane gave in its hello ("shieldlock-dp 0.1.0"). */
const char *sl_dp_client_peer_name(const struct sl_dp_client *c);
/* Events dropped because the queue (filled while waiting for replies) was full. */
uint64_t sl_dp_client_events_dropped(const struct sl_dp_client *c);

#endif
