/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's end of the control socket (dp_proto.h, docs/dp-control.md).
 *
 * Runs on the main lcore, single-threaded: the main loop calls
 * dp_ctl_poll() over and over (it returns after timeout_ms at the latest).
 * Each call accepts connections, reads and dispatches complete requests,
 * writes replies without blocking, and turns what the workers queued
 * (dp->latch_ring, dp->punt_ring) into events for subscribers.
 */
#ifndef SL_DP_CTL_SERVER_H
#define SL_DP_CTL_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include "dp.h"

#define DP_CTL_MAX_CLIENTS 16

struct dp_ctl;

/*
 * Creates the socket at path (mode 0600). A stale socket file is replaced
 * only when nobody accepts connections on it; a live one is refused.
 * NULL on error with the reason in msg.
 */
struct dp_ctl *dp_ctl_open(struct dp *dp, const char *path, char *msg, size_t msglen);
/*
 * One round of work; waits in poll() up to timeout_ms (0: do not wait) when
 * there is nothing to do. Returns the number of requests and events handled,
 * or -errno if poll() itself failed (EINTR is not an error: 0).
 */
int dp_ctl_poll(struct dp_ctl *c, int timeout_ms);
/* Closes every connection (wiping their buffers) and removes the socket. */
void dp_ctl_close(struct dp_ctl *c);

/* The listening socket (e.g. for an outer poll loop). */
int dp_ctl_fd(const struct dp_ctl *c);

/*
 * STATS as the control socket reports it: dp_stats_fill() plus the flow
 * count and capacity and the control thread's own counters (punt_drop for
 * punted packets nobody subscribed to). Any thread (telemetry uses it).
 */
void dp_ctl_stats_fill(const struct dp *dp, struct sl_dp_stats *st);
/* Events dropped because a subscriber did not read them (all clients). */
uint64_t dp_ctl_events_dropped(void);

/*
 * Log lines to stderr: "shieldlock-dp: <level>: text". level is a syslog
 * priority (LOG_ERR, LOG_WARNING, LOG_INFO); lines above dp_ctl_log_max are
 * not printed (dp_ctl_open sets LOG_WARNING when dp->cfg.quiet). Never pass
 * key bytes.
 */
extern int dp_ctl_log_max;
void dp_ctl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
