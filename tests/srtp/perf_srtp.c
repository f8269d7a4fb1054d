/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quick SRTP core throughput probe (suite 'perf', not run by default; the
 * real benchmark is shieldlock-bench srtp). Prints Mpps for protect and
 * unprotect of 12+160-byte AES_CM_128_HMAC_SHA1_80 packets in bursts of 32,
 * for 1 and N streams, next to the engine's raw job rate on the same bytes.
 *   perf_srtp [ENGINE [STREAMS [SUITE]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srtp_internal.h"

#define BURST 32
#define PLEN 172

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: robust to a busy machine */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	const char *ename = argc > 1 ? argv[1] : "ipsec-mb";
	unsigned nstreams = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
	enum sl_srtp_suite suite = argc > 3 ? (enum sl_srtp_suite)atoi(argv[3])
					    : SL_SUITE_AES_CM_128_HMAC_SHA1_80;
	struct sl_engine *e = sl_engine_open(ename, NULL, NULL);
	struct sl_srtp_stream **out, **in;
	static uint8_t bufs[BURST][256], ref[PLEN];
	struct sl_srtp_pkt pk[BURST];
	struct sl_srtp_policy p;
	unsigned iters = 200000, seq = 0;
	double t0, t1, t2;

	if (!e)
		return 77;
	out = calloc(nstreams, sizeof(*out));
	in = calloc(nstreams, sizeof(*in));
	memset(&p, 0, sizeof(p));
	p.suite = suite;
	p.nkeys = 1;
	for (unsigned i = 0; i < nstreams; i++) {
		memset(p.keys[0].key, (int)i, sizeof(p.keys[0].key));
		p.dir = SL_SRTP_OUTBOUND;
		out[i] = sl_srtp_stream_create(e, &p, NULL, NULL, 0);
		p.dir = SL_SRTP_INBOUND;
		in[i] = sl_srtp_stream_create(e, &p, NULL, NULL, 0);
		if (!out[i] || !in[i])
			return 1;
	}
	memset(ref, 0xab, sizeof(ref));
	ref[0] = 0x80;
	ref[1] = 0x60;
	iters = iters * 32 / BURST;
	/* protect: one packet per stream per burst (round robin over streams) */
	t0 = now();
	for (unsigned it = 0; it < iters; it++) {
		for (unsigned b = 0; b < BURST; b++) {
			unsigned sidx = (it * BURST + b) % nstreams;

			memcpy(bufs[b], ref, PLEN);
			seq = (it * BURST + b) / nstreams;
			bufs[b][2] = (uint8_t)(seq >> 8);
			bufs[b][3] = (uint8_t)seq;
			pk[b] = (struct sl_srtp_pkt){ out[sidx], bufs[b], PLEN, 256, 0 };
		}
		if (sl_srtp_protect_burst(e, pk, BURST) != BURST)
			return 2;
	}
	t1 = now();
	/* unprotect the same stream of packets (re-protected each burst) */
	for (unsigned i = 0; i < nstreams; i++) {
		sl_srtp_stream_free(e, out[i]);
		p.dir = SL_SRTP_OUTBOUND;
		memset(p.keys[0].key, (int)i, sizeof(p.keys[0].key));
		out[i] = sl_srtp_stream_create(e, &p, NULL, NULL, 0);
	}
	{
		static uint8_t prot[BURST * 64][256];
		unsigned rounds = 64;
		double tu = 0;

		for (unsigned r = 0; r < iters / rounds; r++) {
			for (unsigned k = 0; k < rounds; k++)
				for (unsigned b = 0; b < BURST; b++) {
					unsigned n = (r * rounds + k) * BURST + b;
					unsigned sidx = n % nstreams;

					memcpy(prot[k * BURST + b], ref, PLEN);
					seq = n / nstreams;
					prot[k * BURST + b][2] = (uint8_t)(seq >> 8);
					prot[k * BURST + b][3] = (uint8_t)seq;
					pk[b] = (struct sl_srtp_pkt){ out[sidx], prot[k * BURST + b], PLEN, 256, 0 };
					if (b == BURST - 1)
						sl_srtp_protect_burst(e, pk, BURST);
				}
			t2 = now();
			for (unsigned k = 0; k < rounds; k++) {
				for (unsigned b = 0; b < BURST; b++) {
					unsigned n = (r * rounds + k) * BURST + b;

					pk[b] = (struct sl_srtp_pkt){ in[n % nstreams], prot[k * BURST + b],
								      PLEN + sl_srtp_suite_info(suite)->rtp_tag_len,
								      256, 0 };
				}
				if (sl_srtp_unprotect_burst(e, pk, BURST) != BURST)
					return 3;
			}
			tu += now() - t2;
		}
		printf("%s suite %d streams %u: protect %.2f Mpps, unprotect %.2f Mpps, %zu B/stream\n",
		       ename, (int)suite, nstreams, iters * BURST / (t1 - t0) / 1e6,
		       (iters / rounds) * rounds * BURST / tu / 1e6, sl_srtp_stream_size(in[0]));
	}
	/* raw: the same jobs, prebuilt, straight to the engine */
	{
		struct sl_crypto_job jobs[BURST], *jp[BURST];
		struct sl_sess_params sp = { SL_CIPHER_AES_CTR, 16, 20, SL_AUTH_HMAC_SHA1, 10, ref, ref };
		size_t ss = sl_sess_size(e, &sp);
		struct sl_sess *s = aligned_alloc(64, ss);

		sl_sess_init(e, s, &sp);
		memset(jobs, 0, sizeof(jobs));
		for (unsigned b = 0; b < BURST; b++) {
			jobs[b] = (struct sl_crypto_job){ .sess = s, .data = bufs[b], .cipher_off = 12,
				.cipher_len = 160, .auth_off = 0, .auth_len = PLEN + 4,
				.digest = bufs[b] + PLEN, .op = SL_JOB_PROTECT };
			jp[b] = &jobs[b];
		}
		t0 = now();
		for (unsigned it = 0; it < iters; it++) {
			for (unsigned b = 0; b < BURST; b++)
				memcpy(bufs[b], ref, PLEN);
			sl_engine_run_burst(e, jp, BURST);
		}
		t1 = now();
		printf("%s raw engine jobs (CTR+HMAC, same bytes): %.2f Mpps\n", ename,
		       iters * BURST / (t1 - t0) / 1e6);
		sl_sess_clear(e, s);
		free(s);
	}
	for (unsigned i = 0; i < nstreams; i++) {
		sl_srtp_stream_free(e, out[i]);
		sl_srtp_stream_free(e, in[i]);
	}
	free(out);
	free(in);
	sl_engine_close(e);
	return 0;
}
