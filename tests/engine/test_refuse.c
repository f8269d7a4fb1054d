/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An engine that fails a known-answer vector must refuse to start
 * (sl_engine_open runs ops->selftest first). The faulty engine is the
 * openssl backend with one output bit flipped after every protect job; the
 * same wrapper without the fault must start, so the test cannot pass by
 * refusing everything.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"

static int fault_on;

static uint16_t faulty_dequeue(struct sl_engine *e, struct sl_crypto_job **jobs, uint16_t n)
{
	uint16_t k = sl_engine_openssl_ops.dequeue_burst(e, jobs, n);

	for (uint16_t i = 0; fault_on && i < k; i++) {
		struct sl_crypto_job *j = jobs[i];

		if (j->op != SL_JOB_PROTECT || j->status != SL_JOB_OK)
			continue;
		if (j->cipher_len)
			j->data[j->cipher_off] ^= 0x01;
		else if (j->digest)
			j->digest[0] ^= 0x80;
	}
	return k;
}

int main(void)
{
	struct sl_engine_ops faulty = sl_engine_openssl_ops;
	struct sl_engine *e;
	int err = 0;

	faulty.name = "openssl-faulty";
	faulty.dequeue_burst = faulty_dequeue;

	fault_on = 0;
	e = sl_engine_open_ops(&faulty, NULL, &err);
	if (!e) {
		fprintf(stderr, "FAIL: the wrapper without a fault did not start (%d)\n", err);
		return 1;
	}
	sl_engine_close(e);
	printf("ok   wrapper without a fault starts\n");

	fault_on = 1;
	e = sl_engine_open_ops(&faulty, NULL, &err);
	if (e) {
		fprintf(stderr, "FAIL: an engine that flips an output bit started\n");
		sl_engine_close(e);
		return 1;
	}
	if (err != -EBADMSG) {
		fprintf(stderr, "FAIL: refused with %d, expected -EBADMSG\n", err);
		return 1;
	}
	printf("ok   engine with a wrong output bit refused (-EBADMSG)\n");
	return 0;
}
