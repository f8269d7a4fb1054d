/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers of the data plane unit tests (tests/dp). */
#ifndef SL_TESTS_DP_H
#define SL_TESTS_DP_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "flowtab.h"

/* Key bytes every test key is made of, so replies can be scanned for them. */
#define DT_KEY_BYTE 0xA7

extern struct dp dt_dp;
extern uint64_t dt_sess_clears;   /* sessions cleared (= wiped) by dt_dp.ctl_engine */

/*
 * Initialises EAL (--no-huge -m MB --no-pci -l 0, own --file-prefix,
 * --no-shconf, telemetry only if asked) and a fake struct dp: two ports
 * (ids 0 and 1), nworkers workers (no lcores), an openssl-based engine that
 * counts cleared sessions, no flow table. Returns 0 or exits the process.
 */
void dt_init(const char *prog, unsigned mem_mb, bool telemetry, unsigned nworkers);
void dt_fini(void);

/* A forward flow 10.0.0.<a>:<sport> -> 10.0.1.1:<dport> on port 0. */
void dt_spec_forward(struct sl_dp_flow_spec *s, uint8_t a, uint16_t sport, uint16_t dport);
/* An SRTP context of suite with every key byte DT_KEY_BYTE (+ variant). */
void dt_srtp(struct sl_dp_srtp *c, unsigned suite, uint8_t variant);
/* srtp-protect (out keys), srtp-unprotect (in keys), srtp-rekey (both). */
void dt_spec_action(struct sl_dp_flow_spec *s, uint8_t action, uint8_t a, uint16_t sport,
		    uint16_t dport);
/* The normalised key dp_flowtab_lookup_bulk would see for a packet. */
void dt_pkt_key(struct sl_dp_flow_match *k, uint16_t port, const uint8_t src4[4],
		const uint8_t dst4[4], uint16_t sport, uint16_t dport);
struct dp_flow *dt_lookup(struct dp_flowtab *t, const struct sl_dp_flow_match *k);

Suite *dt_suite_flowtab(void);
Suite *dt_suite_ctl(void);
Suite *dt_suite_telemetry(void);

#endif
