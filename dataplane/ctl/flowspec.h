/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text syntax of flows (docs/flows.md), shared by shieldlockctl, the
 * data plane's --flows file, shieldlock-gen and tests:
 *
 *   in-port 0 src 10.10.1.2:4000 dst 10.10.1.1:20000 action srtp-protect
 *   out-port 1 rewrite-src 10.10.2.1:30000 rewrite-dst 10.10.2.2:5004
 *   eth-src 02:53:4c:00:02:01 eth-dst 02:53:4c:00:02:02
 *   out-crypto "AES_CM_128_HMAC_SHA1_80 inline:BASE64KEYSALT|2^31|1:4"
 *   [in-crypto "..."] [out-roc N] [in-roc N] [out-ssrc X] [in-ssrc X]
 *   [replay-window N] [latch] [peer ID] [worker N] [cookie N] [id N]
 *
 * Addresses: IPv4 a.b.c.d:port, IPv6 [addr]:port; "src any" (with latch)
 * matches any source. *-crypto takes the RFC 4568 a=crypto attribute
 * without its tag ("SUITE inline:... [inline:...] [session params]"), or
 * @FILE to read it from a file (keys on a command line are visible in ps).
 * Actions: forward, srtp-protect, srtp-unprotect, srtp-rekey, drop.
 */
#ifndef SL_FLOWSPEC_H
#define SL_FLOWSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dp_proto.h"

/* Parses tokens into spec (zeroed first; worker = 0xffff unless given).
 * 0, or -1 with msg naming the token that is wrong and what is expected. */
int sl_flowspec_parse(int argc, char *const *argv, struct sl_dp_flow_spec *spec,
		      char *msg, size_t msglen);
/* One line of a flows file: shell-like words ('...' and "..." quoting),
 * '#' comments. Returns 1 = parsed, 0 = blank/comment line, -1 = error. */
int sl_flowspec_parse_line(const char *line, struct sl_dp_flow_spec *spec,
			   char *msg, size_t msglen);
/* Wipes the key material of a spec. */
void sl_flowspec_wipe(struct sl_dp_flow_spec *spec);

const char *sl_flowspec_action_name(unsigned action);
/* Human-readable (multi-line) and JSON (one object) renderings of a flow. */
void sl_flowspec_print_info(FILE *f, const struct sl_dp_flow_info *fi);
void sl_flowspec_print_info_json(FILE *f, const struct sl_dp_flow_info *fi);
/*
 * The data plane's counters as one JSON object (global, "ports", "workers"),
 * shared by `shieldlockctl --json dp stats` and `shieldlock-dp --stats-json`.
 * worker_lcore (may be NULL) adds each worker's lcore. The object is left
 * open so the caller can add members: print ",\"key\":..." then "}".
 */
void sl_dp_stats_print_json_open(FILE *f, const struct sl_dp_stats *s,
				 const uint32_t *worker_lcore);
/* Writes "1.2.3.4:5" or "[2001:db8::1]:5" into buf. */
const char *sl_flowspec_addr_str(uint8_t ipver, const uint8_t *addr, uint16_t port,
				 char *buf, size_t len);

#endif
