/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * interop_srtp: differential test of the SRTP core (on one engine) against
 * Debian's libsrtp2, for every suite.
 *
 *   interop_srtp ENGINE [ENGINE-ARGS] [--seed N] [--packets N] [--suite NAME]
 *
 * The PRNG seed is printed; set it with --seed or SL_INTEROP_SEED to
 * reproduce a failure. --packets is the number of RTP packets per flow
 * (each suite runs one flow per variant, see flow.c), SRTCP is a sixth of
 * that. Exits non-zero if any packet differs or any check fails.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interop.h"

#define DEFAULT_SEED 0x5EED5EED2026ull
#define DEFAULT_PACKETS 1200
#define TIME_BUDGET_S 17.0
#define MAX_FLOWS 10

struct opts {
	const char *engine, *engine_args, *only_suite;
	uint64_t seed;
	unsigned packets;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: interop_srtp ENGINE [ENGINE-ARGS] [--seed N] [--packets N] "
		"[--suite NAME]\n  e.g. interop_srtp cryptodev crypto_aesni_mb\n"
		"  SL_INTEROP_SEED=N also sets the seed\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	const char *env = getenv("SL_INTEROP_SEED");

	memset(o, 0, sizeof(*o));
	o->seed = env ? strtoull(env, NULL, 0) : DEFAULT_SEED;
	o->packets = DEFAULT_PACKETS;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			o->seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--packets") == 0 && i + 1 < argc)
			o->packets = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--suite") == 0 && i + 1 < argc)
			o->only_suite = argv[++i];
		else if (argv[i][0] == '-')
			usage();
		else if (!o->engine)
			o->engine = argv[i];
		else if (!o->engine_args)
			o->engine_args = argv[i];
		else
			usage();
	}
	if (!o->engine)
		usage();
}

static bool engine_can(const struct sl_engine *e, const struct suite *su)
{
	uint32_t need = su->key_len == 16 ? SL_CAP_AES_CTR_128 : SL_CAP_AES_CTR_256; /* KDF */

	if (su->aead)
		need |= su->key_len == 16 ? SL_CAP_AES_GCM_128 : SL_CAP_AES_GCM_256;
	else
		need |= SL_CAP_HMAC_SHA1 | (su->null_cipher ? SL_CAP_NULL_CIPHER : 0);
	return (e->ops->caps & need) == need;
}

/* The core's suite table against the parameters written down in suites.c. */
static unsigned check_info(const struct suite *su)
{
	const struct sl_srtp_suite_info *in = sl_srtp_suite_info(su->id);

	if (in && in->key_len == su->key_len && in->salt_len == su->salt_len &&
	    in->rtp_tag_len == su->rtp_tag && in->rtcp_tag_len == su->rtcp_tag &&
	    in->name && strcmp(in->name, su->name) == 0)
		return 0;
	printf("    FAIL suite table: sl_srtp_suite_info(%s) does not match RFC parameters "
	       "(key %u salt %u tags %u/%u)\n", su->name, su->key_len, su->salt_len,
	       su->rtp_tag, su->rtcp_tag);
	return 1;
}

/* After the traffic, both senders and both receivers must agree on the ROC
 * (RFC 3711 §3.3.1), and the flows that started near 65535 must have wrapped. */
static void check_roc(struct flow *f, struct stats *st)
{
	uint32_t ot = sl_srtp_stream_get_roc(f->tx), orx = sl_srtp_stream_get_roc(f->rx);
	uint32_t pt = 0, prx = 0;

	if (srtp_get_stream_roc(f->ptx, f->ssrc, &pt) != srtp_err_status_ok ||
	    srtp_get_stream_roc(f->prx, f->ssrc, &prx) != srtp_err_status_ok) {
		report(st, f, "ROC", "libsrtp2 has no ROC for this stream");
		st->other++;
		return;
	}
	if (ot != pt || orx != prx) {
		st->roc_mismatch++;
		report(st, f, "ROC", "sender ROC ours %u libsrtp2 %u, receiver ROC ours %u "
		       "libsrtp2 %u (initial %u)", ot, pt, orx, prx, f->roc);
	}
	if (ot != f->roc)
		st->roc_wrapped++;
}

static unsigned long failures(const struct stats *st)
{
	return st->mismatch + st->ours_to_peer_fail + st->peer_to_ours_fail +
	       st->protect_fail_ours + st->protect_fail_peer + st->tamper_accepted +
	       st->tamper_wrong_code + st->replay_accepted + st->other + st->roc_mismatch;
}

static void traffic(struct sl_engine *e, struct rng *r, struct stats *st, struct flow *flows,
		    unsigned nflows, const struct opts *o, double deadline)
{
	unsigned long total = (unsigned long)o->packets * nflows, sent = 0, batch_no = 0;
	struct flow *pick[MAX_BATCH];

	/* directed first batches: a fresh receiver gets 65534, 65535, 0, 1 in
	 * one burst; the last two need ROC + 1 (RFC 3711 §3.3.1, Appendix A) */
	for (unsigned i = 0; i < nflows; i++) {
		struct run run = { .e = e, .r = r, .st = st, .burst = true };

		if (!flows[i].fresh_wrap)
			continue;
		for (unsigned k = 0; k < 4; k++)
			pick[k] = &flows[i];
		run_batch(&run, pick, 4);
		sent += 4;
	}
	while (sent < total && now() < deadline) {
		struct run run = { .e = e, .r = r, .st = st };
		unsigned n = 1 + rng_below(r, MAX_BATCH);

		for (unsigned i = 0; i < nflows; i++)
			if (flows[i].nkeys > 1 && rng_chance(r, 25))
				flow_set_active(&flows[i], rng_below(r, flows[i].nkeys));
		for (unsigned i = 0; i < n; i++)
			pick[i] = &flows[rng_below(r, nflows)];
		run.burst = (batch_no & 1) == 0;
		run.rtcp = batch_no % 6 == 5;
		run_batch(&run, pick, n);
		if (!run.rtcp)
			sent += n;
		batch_no++;
	}
	if (sent < total)
		printf("    note: time budget reached after %lu of %lu RTP packets\n", sent, total);
}

static unsigned long run_suite(struct sl_engine *e, const struct opts *o,
			       const struct suite *su, struct rng *r, double deadline)
{
	struct flow flows[MAX_FLOWS];
	unsigned nflows = 0, nvar = flow_variants();
	struct stats st;
	char err[256];

	memset(&st, 0, sizeof(st));
	printf("  %s\n", su->name);
	st.other += check_info(su);
	for (unsigned v = 0; v < nvar && nflows < MAX_FLOWS; v++) {
		if (flow_open(&flows[nflows], e, r, su, v, err, sizeof(err)) < 0) {
			printf("    FAIL flow variant %u: %s\n", v, err);
			st.other++;
			continue;
		}
		nflows++;
	}
	if (nflows)
		traffic(e, r, &st, flows, nflows, o, deadline);
	for (unsigned i = 0; i < nflows; i++) {
		check_roc(&flows[i], &st);
		if (flows[i].peer_rtcp_rx_broken)
			printf("    note [%s]: libsrtp2 fails to unprotect its own SRTCP here (MKI "
			       "with SRTP/SRTCP tags of different length); SRTCP ours->libsrtp2 "
			       "not checked, bit-exact output and libsrtp2->ours still are\n",
			       flows[i].label);
		if (flows[i].rtcp_aligned && flows[i].rtcp_first_ours != flows[i].rtcp_first_peer)
			printf("    note [%s]: first SRTCP index ours %u, libsrtp2 %u (aligned by "
			       "skipping)\n", flows[i].label, flows[i].rtcp_first_ours,
			       flows[i].rtcp_first_peer);
		flow_close(&flows[i], e);
	}
	printf("  summary %-24s engine %-9s: rtp %lu rtcp %lu | compared %lu mismatches %lu | "
	       "ours->libsrtp2 fail %lu, libsrtp2->ours fail %lu | protect fail ours %lu "
	       "libsrtp2 %lu | tampered %lu (accepted %lu, wrong code %lu) | replayed %lu "
	       "(accepted %lu) | ROC wrapped in %lu flows, disagreements %lu | other %lu => %s\n",
	       su->name, o->engine, st.rtp, st.rtcp, st.compared, st.mismatch,
	       st.ours_to_peer_fail, st.peer_to_ours_fail, st.protect_fail_ours,
	       st.protect_fail_peer, st.tamper, st.tamper_accepted, st.tamper_wrong_code,
	       st.replay, st.replay_accepted, st.roc_wrapped, st.roc_mismatch, st.other,
	       failures(&st) ? "FAIL" : "ok");
	fflush(stdout);
	return failures(&st);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sl_engine *e;
	struct rng r;
	unsigned long bad = 0;
	unsigned ran = 0;
	double start = now();
	int err = 0;

	parse(argc, argv, &o);
	printf("interop_srtp: engine %s%s%s, seed 0x%" PRIx64 " (reproduce with --seed 0x%" PRIx64
	       " or SL_INTEROP_SEED), %u RTP packets per flow, libsrtp2 %s\n",
	       o.engine, o.engine_args ? " args " : "", o.engine_args ? o.engine_args : "",
	       o.seed, o.seed, o.packets, srtp_get_version_string());
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "FAIL: srtp_init\n");
		return 1;
	}
	e = sl_engine_open(o.engine, o.engine_args, &err);
	if (!e) {
		fprintf(stderr, "FAIL: engine %s did not open (%s)\n", o.engine, strerror(-err));
		return 1;
	}
	rng_seed(&r, o.seed);
	for (size_t i = 0; i < n_suites; i++) {
		const struct suite *su = &suites[i];
		double left = start + TIME_BUDGET_S - now();

		if (o.only_suite && strcmp(o.only_suite, su->name) != 0)
			continue;
		if (!engine_can(e, su)) {
			printf("  %s: skipped, engine %s lacks the algorithms\n", su->name, o.engine);
			continue;
		}
		/* share what is left of the budget among the remaining suites */
		bad += run_suite(e, &o, su, &r, now() + left / (double)(n_suites - i));
		ran++;
	}
	sl_engine_close(e);
	srtp_shutdown();
	printf("interop_srtp [%s]: %u suites, %.1f s, %s\n", o.engine, ran, now() - start,
	       bad ? "FAILED" : ran ? "passed" : "nothing ran");
	if (bad)
		return 1;
	return ran ? 0 : 77;
}
