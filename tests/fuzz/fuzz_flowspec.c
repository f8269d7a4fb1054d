/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: one line of a flows file (sl_flowspec_parse_line,
 * docs/flows.md), i.e. the word splitter, every keyword's value parser and
 * the a=crypto parser behind in-crypto/out-crypto.
 *
 * Inputs containing '@' are skipped: "@FILE" makes the parser open and read
 * an arbitrary path, so the outcome would depend on the machine and the
 * working directory (and "@/dev/stdin" blocks). The file reader is small
 * and covered by tests/ctl; the attribute it returns goes through the same
 * code as an inline one, which is fuzzed here.
 *
 * Whatever parses must satisfy what the data plane relies on (dp_proto.h):
 * a valid IP version with IPv4 addresses zero-padded, a known action, key
 * counts and MKI lengths in range, crypto exactly where the action uses it,
 * and a spec that sl_flowspec_wipe leaves without key material. Whatever
 * fails must say why.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINE 16384

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void check_addr(uint8_t ipver, const uint8_t a[16])
{
	if (ipver == 4 && !all_zero(a + 4, 12))
		abort();
}

/* A direction that the action does not use carries nothing at all. */
static void check_srtp(const struct sl_dp_srtp *d, bool used)
{
	if (!used) {
		if (!all_zero(d, sizeof(*d)))
			abort();
		return;
	}
	if (d->nkeys < 1 || d->nkeys > SL_DP_MAX_KEYS || d->mki_len > 4)
		abort();
	/* RFC 4568 §6.1: several keys need an MKI to tell them apart. */
	if (d->nkeys > 1 && d->mki_len == 0)
		abort();
	if (d->active_key >= d->nkeys)
		abort();
	if (d->replay_window && (d->replay_window < 64 || d->replay_window > 32768 ||
				 (d->replay_window & (d->replay_window - 1))))
		abort();
	for (unsigned i = d->nkeys; i < SL_DP_MAX_KEYS; i++)
		if (!all_zero(&d->keys[i], sizeof(d->keys[i])))
			abort();
}

static void check_spec(const struct sl_dp_flow_spec *s)
{
	const struct sl_dp_flow_match *m = &s->match;
	bool in = s->action == SL_DP_ACT_UNPROTECT || s->action == SL_DP_ACT_REKEY;
	bool out = s->action == SL_DP_ACT_PROTECT || s->action == SL_DP_ACT_REKEY;

	if (m->ip_version != 4 && m->ip_version != 6)
		abort();
	if (s->action >= SL_DP_ACT__COUNT)
		abort();
	check_addr(m->ip_version, m->src);
	check_addr(m->ip_version, m->dst);
	if (m->dport == 0)
		abort();
	if (m->flags & SL_DP_MATCH_ANY_SRC) {
		if (m->sport != 0 || !all_zero(m->src, sizeof(m->src)))
			abort();
	} else if (m->sport == 0) {
		abort();
	}
	if (s->rewrite.flags & ~(SL_DP_RW_IP | SL_DP_RW_ETH))
		abort();
	if (s->rewrite.flags & SL_DP_RW_IP) {
		check_addr(m->ip_version, s->rewrite.src);
		check_addr(m->ip_version, s->rewrite.dst);
		if (s->rewrite.sport == 0 || s->rewrite.dport == 0)
			abort();
	}
	if (s->action == SL_DP_ACT_DROP && (s->out_port != 0 || s->rewrite.flags != 0))
		abort();
	if (s->worker != 0xffff && s->worker >= SL_DP_MAX_WORKERS)
		abort();
	check_srtp(&s->in, in);
	check_srtp(&s->out, out);
	(void)sl_flowspec_action_name(s->action);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_dp_flow_spec spec;
	char msg[512];
	char *line;
	int rc;

	if (size > MAX_LINE || memchr(data, '@', size))
		return 0;
	line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';       /* an embedded NUL just ends the line early */

	msg[0] = '\0';
	rc = sl_flowspec_parse_line(line, &spec, msg, sizeof(msg));
	if (rc == 1) {
		check_spec(&spec);
		sl_flowspec_wipe(&spec);
		if (!all_zero(&spec.in, sizeof(spec.in)) || !all_zero(&spec.out, sizeof(spec.out)))
			abort();
	} else if (rc == -1) {
		/* Every rejection has a message. */
		if (msg[0] == '\0' || !memchr(msg, '\0', sizeof(msg)))
			abort();
	} else if (rc != 0) {
		abort();
	}
	free(line);
	return 0;
}
